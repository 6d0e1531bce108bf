//! Days in China time (UTC+8, no daylight saving): the days a reconciliation covers and
//! sorts payments into, as Lakala's statements count them.

use std::fmt;
use std::str::FromStr;

/// China time's offset from UTC, in seconds.
const OFFSET_SECS: i64 = 8 * 3600;
const DAY_SECS: i64 = 24 * 3600;

/// A calendar day in China time (UTC+8), such as `2024-01-02`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChinaDay {
    /// Days since 1970-01-01.
    days: i64,
}

/// Why a text is not a [`ChinaDay`]. Nothing else is wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DayError {
    /// Not `YYYY-MM-DD` in ASCII digits, or not a real date (the text, cut to 32
    /// characters).
    #[error("not a day (YYYY-MM-DD): {0:?}")]
    NotADay(String),
}

impl ChinaDay {
    /// The day (China time) of the Unix time `unix`.
    pub fn of_unix(unix: i64) -> Self {
        Self {
            days: unix.saturating_add(OFFSET_SECS).div_euclid(DAY_SECS),
        }
    }

    /// The Unix time this day starts at (00:00:00 China time).
    pub fn start_unix(self) -> i64 {
        self.days
            .saturating_mul(DAY_SECS)
            .saturating_sub(OFFSET_SECS)
    }

    /// The Unix time the next day starts at (this day's end, exclusive).
    pub fn end_unix(self) -> i64 {
        self.next().start_unix()
    }

    /// The day after.
    pub fn next(self) -> Self {
        Self {
            days: self.days.saturating_add(1),
        }
    }

    /// The day before.
    pub fn previous(self) -> Self {
        Self {
            days: self.days.saturating_sub(1),
        }
    }

    /// The day from its year, month (1-12) and day of month, if it is a real date.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self {
            days: days_from_civil(year, month, day),
        })
    }

    /// Year, month (1-12) and day of month.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for ChinaDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for ChinaDay {
    type Err = DayError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DayError::NotADay(s.chars().take(32).collect());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return Err(bad());
        };
        Self::from_ymd(i64::from(y), m, d).ok_or_else(bad)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the era arithmetic every
/// calendar library uses: 400-year eras of 146 097 days, years starting in March).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_china_time() {
        let day: ChinaDay = "2024-01-02".parse().unwrap();
        // 2024-01-02 00:00 +08:00 is 2024-01-01 16:00 UTC.
        assert_eq!(day.start_unix(), 1_704_124_800);
        assert_eq!(day.end_unix(), 1_704_124_800 + 86_400);
        assert_eq!(ChinaDay::of_unix(1_704_124_800), day);
        assert_eq!(ChinaDay::of_unix(1_704_124_799), day.previous());
        assert_eq!(day.to_string(), "2024-01-02");
        assert_eq!(ChinaDay::of_unix(0).to_string(), "1970-01-01");
        assert_eq!(ChinaDay::of_unix(-8 * 3600 - 1).to_string(), "1969-12-31");
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let start = ChinaDay::from_ymd(1900, 1, 1).unwrap();
        let mut day = start;
        for _ in 0..146_097 {
            let (y, m, d) = day.ymd();
            assert_eq!(ChinaDay::from_ymd(y, m, d), Some(day));
            assert_eq!(day.to_string().parse::<ChinaDay>(), Ok(day));
            day = day.next();
        }
        assert_eq!(day.to_string(), "2300-01-01");
    }

    #[test]
    fn refuses_what_is_not_a_day() {
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-02",
            "20240102",
            "２０２４-01-02",
            "",
            "2024-01-02T",
        ] {
            assert!(bad.parse::<ChinaDay>().is_err(), "{bad}");
        }
        assert!("2024-02-29".parse::<ChinaDay>().is_ok());
    }
}
