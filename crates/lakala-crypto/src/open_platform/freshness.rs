//! How far a signed timestamp may be from the verifier's clock.

use crate::error::{CryptoError, Result};
use std::time::Duration;

/// The allowed distance between a signed Unix timestamp and the verifier's clock, in
/// either direction (clocks drift both ways). Default: five minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Largest accepted distance.
    pub max_skew: Duration,
}

impl Default for Freshness {
    fn default() -> Self {
        Self {
            max_skew: Duration::from_secs(300),
        }
    }
}

impl Freshness {
    /// A window of `max_skew` either side of the clock.
    pub fn new(max_skew: Duration) -> Self {
        Self { max_skew }
    }

    /// Refuses `timestamp` if it is further than the window from `now` (both Unix seconds).
    pub fn check(&self, timestamp: i64, now: i64) -> Result<()> {
        let max = self.max_skew.as_secs();
        if timestamp.abs_diff(now) > max {
            return Err(CryptoError::StaleTimestamp {
                timestamp,
                now,
                max_skew_secs: max,
            });
        }
        Ok(())
    }
}
