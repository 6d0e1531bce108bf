//! Injectable time, so that `ts` generation and freshness checks can be tested.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in whole Unix seconds.
    fn unix_seconds(&self) -> i64 {
        unix_seconds(self.now())
    }
}

/// Whole Unix seconds of `t` (negative before 1970), saturating far outside that range.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to (tests, replays of recorded messages).
///
/// ```
/// use lakala_crypto::{Clock, ManualClock};
/// let clock = ManualClock::at_unix(1_630_905_585);
/// clock.advance(std::time::Duration::from_secs(5));
/// assert_eq!(clock.unix_seconds(), 1_630_905_590);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `secs` Unix seconds.
    pub fn at_unix(secs: i64) -> Self {
        Self {
            micros: AtomicI64::new(secs.saturating_mul(1_000_000)),
        }
    }

    /// Sets the time to `secs` Unix seconds.
    pub fn set_unix(&self, secs: i64) {
        self.micros
            .store(secs.saturating_mul(1_000_000), Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        let micros = self.micros.load(Ordering::SeqCst);
        let offset = Duration::from_micros(micros.unsigned_abs());
        if micros >= 0 {
            UNIX_EPOCH + offset
        } else {
            UNIX_EPOCH - offset
        }
    }
}
