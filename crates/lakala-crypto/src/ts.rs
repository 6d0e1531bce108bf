//! The cross-border `ts`: `yyyyMMddHHmmss` (China Standard Time, UTC+8) and six digits that
//! make it unique.

use crate::clock::{Clock, SystemClock};
use crate::error::{CryptoError, Result};
use std::sync::Mutex;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime};

/// Length of a `ts` in characters.
pub const TS_LEN: usize = 20;

/// How many `ts` values one second holds.
const PER_SECOND: u32 = 1_000_000;

/// Generates `ts` values that never repeat within one generator.
///
/// The first 14 digits are the wall-clock second in China Standard Time (UTC+8, the
/// platform's zone); the last six count calls within that second, from `000000`. Calls from
/// any number of threads get distinct, strictly increasing values.
///
/// Past 1,000,000 calls within one second, the generator borrows the next second: the
/// values stay unique and increasing, and run ahead of the wall clock until it catches up.
/// If the wall clock steps backwards, the generator keeps counting in the last second it
/// used rather than repeat a value. Uniqueness is per generator: share one generator per
/// merchant id within a process; two processes sending for one merchant must be told
/// apart another way (for example by running on different seconds' budgets).
///
/// ```
/// use lakala_crypto::{ManualClock, TsGenerator};
/// // 2016-04-20 11:45:50 UTC is 19:45:50 in Beijing.
/// let ts = TsGenerator::with_clock(ManualClock::at_unix(1_461_152_750));
/// assert_eq!(ts.next(), "20160420194550000000");
/// assert_eq!(ts.next(), "20160420194550000001");
/// ```
#[derive(Debug)]
pub struct TsGenerator<C = SystemClock> {
    clock: C,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    second: i64,
    seq: u32,
    used: bool,
}

impl TsGenerator<SystemClock> {
    /// A generator on the system clock.
    pub fn new() -> Self {
        Self::with_clock(SystemClock)
    }
}

impl Default for TsGenerator<SystemClock> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock> TsGenerator<C> {
    /// A generator on the given clock.
    pub fn with_clock(clock: C) -> Self {
        Self {
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// The next `ts`.
    pub fn next(&self) -> String {
        let now = self.clock.unix_seconds();
        let (second, seq) = {
            // A poisoned lock only means another thread panicked mid-update; the state is
            // two integers and always consistent, so keep going.
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !s.used || now > s.second {
                s.second = now;
                s.seq = 0;
                s.used = true;
            } else {
                s.seq += 1;
                if s.seq == PER_SECOND {
                    s.second += 1;
                    s.seq = 0;
                }
            }
            (s.second, s.seq)
        };
        format!("{}{seq:06}", format_china_time(second))
    }
}

/// `yyyyMMddHHmmss` of a Unix second in China Standard Time (UTC+8), the form of the
/// open platform's `req_time` and of the first 14 digits of a cross-border `ts`.
///
/// ```
/// assert_eq!(lakala_crypto::format_china_time(1_461_152_750), "20160420194550");
/// ```
pub fn format_china_time(unix: i64) -> String {
    let fmt = format_description!("[year][month][day][hour][minute][second]");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset!(+8)))
        .and_then(|t| t.format(&fmt).ok())
        // Only years outside 0..=9999 fail to format; clamp rather than panic.
        .unwrap_or_else(|| "99991231235959".to_owned())
}

/// Checks that `ts` is 14 digits of a real UTC+8 date-time followed by 6 digits, and returns
/// its second as Unix time.
///
/// ```
/// assert_eq!(lakala_crypto::parse_ts("20160420194550123456")?, 1_461_152_750);
/// assert!(lakala_crypto::parse_ts("20161341194550123456").is_err()); // month 13
/// # Ok::<(), lakala_crypto::CryptoError>(())
/// ```
pub fn parse_ts(ts: &str) -> Result<i64> {
    let invalid = |reason: &str| CryptoError::InvalidTs {
        reason: reason.to_owned(),
    };
    if ts.len() != TS_LEN {
        return Err(CryptoError::InvalidTs {
            reason: format!("{} characters, expected {TS_LEN}", ts.chars().count()),
        });
    }
    if !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("not all digits"));
    }
    let fmt = format_description!("[year][month][day][hour][minute][second]");
    let dt = PrimitiveDateTime::parse(&ts[..14], &fmt)
        .map_err(|_| invalid("first 14 digits are not a valid yyyyMMddHHmmss"))?;
    Ok(dt.assume_offset(offset!(+8)).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use std::collections::HashSet;
    use std::sync::Arc;

    #[test]
    fn format_is_china_time() {
        let g = TsGenerator::with_clock(ManualClock::at_unix(1_461_152_750));
        let ts = g.next();
        assert_eq!(ts.len(), TS_LEN);
        assert_eq!(parse_ts(&ts).unwrap(), 1_461_152_750);
    }

    #[test]
    fn unique_across_threads_within_one_second() {
        let g = Arc::new(TsGenerator::with_clock(ManualClock::at_unix(1_700_000_000)));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let g = Arc::clone(&g);
                std::thread::spawn(move || (0..5_000).map(|_| g.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for h in handles {
            for ts in h.join().unwrap() {
                assert!(all.insert(ts), "duplicate ts");
            }
        }
        assert_eq!(all.len(), 40_000);
    }

    #[test]
    fn past_a_million_calls_borrows_the_next_second() {
        let clock = ManualClock::at_unix(1_700_000_000);
        let g = TsGenerator::with_clock(&clock);
        let first = g.next();
        let mut last = first.clone();
        for _ in 1..PER_SECOND {
            last = g.next();
        }
        assert!(last.ends_with("999999"));
        let borrowed = g.next();
        assert_eq!(parse_ts(&borrowed).unwrap(), 1_700_000_001);
        assert!(borrowed.ends_with("000000"));
        // When the wall clock reaches that second the sequence continues, never repeats.
        clock.set_unix(1_700_000_001);
        assert!(g.next().ends_with("000001"));
    }

    #[test]
    fn clock_stepping_back_never_repeats() {
        let clock = ManualClock::at_unix(1_700_000_010);
        let g = TsGenerator::with_clock(&clock);
        let a = g.next();
        clock.set_unix(1_700_000_000);
        let b = g.next();
        assert!(b > a);
    }

    #[test]
    fn malformed_ts_is_refused() {
        assert!(parse_ts("2016042019455012345").is_err());
        assert!(parse_ts("2016042019455012345x").is_err());
        assert!(parse_ts("20160230194550123456").is_err()); // 30 February
        assert!(parse_ts("201604201945501234５6").is_err());
    }
}
