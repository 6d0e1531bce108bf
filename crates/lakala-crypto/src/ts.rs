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

/// Generates `ts` values that never repeat within one generator, and practically never
/// collide with another process's.
///
/// The first 14 digits are the wall-clock second in China Standard Time (UTC+8, the
/// platform's zone); the last six are the **microsecond** of that second at which the value
/// was made. Calls from any number of threads get distinct, strictly increasing values: a
/// call landing on a microsecond already used takes the next free one.
///
/// **Across processes.** The platform refuses a `ts` that one merchant used before (`9999
/// ts重复`), and two processes share no memory. Taking the microsecond, rather than a
/// count from `000000` in each second, makes two processes collide only when they make a
/// value in the very same microsecond: for two values made at unrelated instants of the same
/// second the odds are 1 in 1,000,000, and a value made in another second never collides.
/// Three command-line processes started in the same second, the case that used to collide at
/// once, collide with odds of about 3 in a million. For a merchant sending sustained
/// traffic from `n` processes at `r` requests per second each, expect about
/// `(n·r)² / 2,000,000` collisions per second at worst (10 processes at 1 request per second:
/// one every 5.5 hours); when that matters, give each process its own slot with
/// [`TsGenerator::partitioned`]: processes with different slots can never collide.
///
/// Past the last value of a second the generator borrows the next second: the values stay
/// unique and increasing, and run ahead of the wall clock until it catches up. If the wall
/// clock steps backwards, the generator keeps counting from the last value it gave rather
/// than repeat one. Uniqueness is per generator: share one generator per merchant id within
/// a process.
///
/// ```
/// use lakala_crypto::{ManualClock, TsGenerator};
/// // 2016-04-20 11:45:50 UTC is 19:45:50 in Beijing; the manual clock stands on the second.
/// let ts = TsGenerator::with_clock(ManualClock::at_unix(1_461_152_750));
/// assert_eq!(ts.next(), "20160420194550000000");
/// assert_eq!(ts.next(), "20160420194550000001");
/// // Slot 3 of 10: the last digit is always 3.
/// let ts = TsGenerator::with_clock(ManualClock::at_unix(1_461_152_750)).partitioned(3, 10)?;
/// assert_eq!(ts.next(), "20160420194550000003");
/// assert_eq!(ts.next(), "20160420194550000013");
/// # Ok::<(), lakala_crypto::CryptoError>(())
/// ```
#[derive(Debug)]
pub struct TsGenerator<C = SystemClock> {
    clock: C,
    slot: u32,
    slots: u32,
    state: Mutex<State>,
}

/// The last value given: `(second, microsecond)`.
#[derive(Debug, Default)]
struct State {
    last: Option<(i64, u32)>,
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
            slot: 0,
            slots: 1,
            state: Mutex::new(State::default()),
        }
    }

    /// Restricts the generator to the values whose last six digits are `slot` modulo
    /// `slots`: give each process of one merchant its own slot (for example its instance
    /// number) and their values can never collide. Each process keeps
    /// `1,000,000 / slots` values per second. `slots` must divide 1,000,000 and `slot` be
    /// below it.
    pub fn partitioned(mut self, slot: u32, slots: u32) -> Result<Self> {
        if slots == 0 || !PER_SECOND.is_multiple_of(slots) || slot >= slots {
            return Err(CryptoError::InvalidTs {
                reason: format!(
                    "partition slot {slot} of {slots}: slots must divide 1000000 and slot be below slots"
                ),
            });
        }
        self.slot = slot;
        self.slots = slots;
        Ok(self)
    }

    /// The next `ts`.
    pub fn next(&self) -> String {
        let now = self.clock.now();
        let second = crate::clock::unix_seconds(now);
        let micros = match now.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.subsec_micros(),
            Err(_) => 0,
        };
        // The first value of this process's slot at or after the clock's microsecond.
        let aligned = |micro: u32| micro - micro % self.slots + self.slot;
        let (second, micro) = {
            // A poisoned lock only means another thread panicked mid-update; the state is
            // two integers and always consistent, so keep going.
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let mut candidate = (second, aligned(micros));
            if candidate.1 < micros {
                candidate.1 += self.slots;
            }
            if let Some(last) = s.last {
                if candidate <= last {
                    candidate = (last.0, last.1 + self.slots);
                }
            }
            if candidate.1 >= PER_SECOND {
                candidate = (candidate.0 + 1, self.slot);
            }
            s.last = Some(candidate);
            candidate
        };
        format!("{}{micro:06}", format_china_time(second))
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
    use crate::clock::ManualClock;
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
    fn the_suffix_is_the_microsecond_of_the_clock() {
        let clock = ManualClock::at_unix(1_700_000_000);
        clock.advance(std::time::Duration::from_nanos(123_456_789));
        let g = TsGenerator::with_clock(&clock);
        assert!(g.next().ends_with("123456"));
        // The same microsecond again: the next free one.
        assert!(g.next().ends_with("123457"));
    }

    #[test]
    fn different_slots_never_collide() {
        let clock = ManualClock::at_unix(1_700_000_000);
        let a = TsGenerator::with_clock(&clock).partitioned(0, 2).unwrap();
        let b = TsGenerator::with_clock(&clock).partitioned(1, 2).unwrap();
        let mut all = HashSet::new();
        for i in 0..2_000u32 {
            clock.set_unix(1_700_000_000);
            clock.advance(std::time::Duration::from_nanos(u64::from(i) * 500));
            assert!(all.insert(a.next()));
            assert!(all.insert(b.next()));
        }
        assert!(all.iter().all(|ts| ts.len() == TS_LEN));
    }

    #[test]
    fn a_partition_must_divide_the_second() {
        let clock = ManualClock::at_unix(1_700_000_000);
        assert!(TsGenerator::with_clock(&clock).partitioned(0, 3).is_err());
        assert!(TsGenerator::with_clock(&clock).partitioned(10, 10).is_err());
        assert!(TsGenerator::with_clock(&clock).partitioned(0, 0).is_err());
        let g = TsGenerator::with_clock(&clock).partitioned(7, 8).unwrap();
        assert!(g.next().ends_with("000007"));
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
