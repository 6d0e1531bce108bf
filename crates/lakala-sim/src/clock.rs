//! The simulation's clock: Unix seconds read from tokio's paused clock, so that the client,
//! the platform and the journal all see the time the runtime advances.

use lakala_crypto::Clock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Where every run's clock starts (2024-09-29, inside the test certificates' validity).
pub const START_UNIX: u64 = 1_727_580_688;

/// Reads tokio's clock (paused in a simulation) as wall time from [`START_UNIX`].
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    origin: Instant,
}

impl SimClock {
    /// A clock reading [`START_UNIX`] now. Must be made inside the runtime.
    pub fn start() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.origin)
    }

    /// Unix seconds now.
    pub fn unix(&self) -> i64 {
        i64::try_from(START_UNIX + self.elapsed().as_secs()).unwrap_or(i64::MAX)
    }
}

impl Clock for SimClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(START_UNIX) + self.elapsed()
    }
}
