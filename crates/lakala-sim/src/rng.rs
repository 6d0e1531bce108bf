//! The seeded random numbers every decision of a run is drawn from.
//!
//! Each actor has its own stream of one ChaCha8 generator seeded with the run's seed, so
//! that what one actor draws does not shift what another draws.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Which stream of a seed an actor draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The run's plan (sizes, fault rates, crash times).
    Plan,
    /// The platform's answers and the network's faults.
    Platform,
    /// The notification deliveries.
    Notifier,
    /// Till number `n`.
    Till(u64),
    /// Process number `n` (restarts).
    Process(u64),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Plan => 1,
            Stream::Platform => 2,
            Stream::Notifier => 3,
            Stream::Till(n) => 1_000 + n,
            Stream::Process(n) => 2_000 + n,
        }
    }
}

/// A seeded generator with the few draws the simulation needs.
#[derive(Debug, Clone)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// The stream `stream` of `seed`.
    pub fn new(seed: u64, stream: Stream) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream.id());
        Self(rng)
    }

    /// True with probability `p` (0..=1).
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.gen_bool(p.clamp(0.0, 1.0))
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.0.gen_range(lo..hi)
        }
    }

    /// A probability in `lo..hi`.
    pub fn rate(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            lo
        } else {
            self.0.gen_range(lo..hi)
        }
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.gen_range(0..items.len())]
    }

    /// Whole seconds in `lo..hi`.
    pub fn secs(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_secs(self.range(lo, hi))
    }

    /// Milliseconds in `lo..hi`.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }

    /// `n` decimal digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.0.gen_range(0..10u8)))
            .collect()
    }

    /// 32 characters for a nonce (`[0-9A-Za-z]`).
    pub fn nonce(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..32)
            .map(|_| char::from(ALPHABET[self.0.gen_range(0..ALPHABET.len())]))
            .collect()
    }
}
