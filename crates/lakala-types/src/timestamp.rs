//! Timestamps in the formats the specs use.
//!
//! * [`DateTime14`]: `yyyyMMddHHmmss` (v2 `tradeTime`, v3 `req_time` / `resp_time` /
//!   `trade_time`). Strict: a value that is not 14 digits forming a calendar date and time
//!   is a parse error.
//! * [`CrossBorderTs`]: the cross-border `ts`, `yyyyMMddHHmmss` plus 6 digits (N20). Kept as
//!   text when parsed, because the spec's own merchant-answer example sends an 18-digit
//!   `ts`; [`CrossBorderTs::new`] refuses such values and validation reports them.
//! * [`UnixMillis`]: the v2 envelope `timestamp`, Unix milliseconds, sent as a string in
//!   requests and as a JSON number in the platform's answers; each value writes back the
//!   form it was given.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// Wrong number of characters or not all digits.
    #[error("expected {expected}")]
    Format {
        /// The expected format.
        expected: &'static str,
    },
    /// Digits that are no calendar date or clock time (month 13, minute 61, ...).
    #[error("not a valid date and time")]
    OutOfRange,
}

/// A date and time written `yyyyMMddHHmmss` (no zone; the platform's local time, GMT+8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime14 {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl DateTime14 {
    /// From its parts; refuses impossible dates and times (second 60 included).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, TimestampError> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return Err(TimestampError::OutOfRange);
        }
        Ok(DateTime14 {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Parses exactly 14 digits.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
            return Err(TimestampError::Format {
                expected: "yyyyMMddHHmmss (14 digits)",
            });
        }
        let num = |from: usize, to: usize| {
            b[from..to]
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        };
        let two = |from: usize| u8::try_from(num(from, from + 2)).unwrap_or(u8::MAX);
        DateTime14::new(num(0, 4), two(4), two(6), two(8), two(10), two(12))
    }

    /// Year.
    pub fn year(&self) -> u16 {
        self.year
    }
    /// Month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month.
    pub fn day(&self) -> u8 {
        self.day
    }
    /// Hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute.
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// Second.
    pub fn second(&self) -> u8 {
        self.second
    }
}

impl fmt::Display for DateTime14 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl Serialize for DateTime14 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime14 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime14::parse(&text).map_err(de::Error::custom)
    }
}

/// The cross-border `ts`: `yyyyMMddHHmmss` followed by a 6-digit sequence, 20 digits.
///
/// Parsing accepts any string and keeps it (see the module docs); [`CrossBorderTs::new`] and
/// [`CrossBorderTs::from_parts`] accept only valid values, and [`CrossBorderTs::check`] says
/// what is wrong with a parsed one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CrossBorderTs(String);

impl CrossBorderTs {
    /// A validated `ts`.
    pub fn new(text: &str) -> Result<Self, TimestampError> {
        let ts = CrossBorderTs(text.to_owned());
        ts.check()?;
        Ok(ts)
    }

    /// From a date-time and a sequence number below 1 000 000.
    pub fn from_parts(at: DateTime14, sequence: u32) -> Result<Self, TimestampError> {
        if sequence >= 1_000_000 {
            return Err(TimestampError::OutOfRange);
        }
        Ok(CrossBorderTs(format!("{at}{sequence:06}")))
    }

    /// Whether the value is 20 digits starting with a valid date and time.
    pub fn check(&self) -> Result<(), TimestampError> {
        let text = &self.0;
        if text.len() != 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimestampError::Format {
                expected: "yyyyMMddHHmmss + 6 digits (20 digits)",
            });
        }
        DateTime14::parse(&text[..14]).map(|_| ())
    }

    /// The date-time part, when the value is valid.
    pub fn date_time(&self) -> Option<DateTime14> {
        self.check().ok()?;
        DateTime14::parse(&self.0[..14]).ok()
    }

    /// The text as sent or built.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CrossBorderTs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CrossBorderTs({:?})", self.0)
    }
}

impl Serialize for CrossBorderTs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CrossBorderTs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(CrossBorderTs)
    }
}

/// Unix time in milliseconds (v2 envelope `timestamp`).
#[derive(Clone, Copy)]
pub struct UnixMillis {
    millis: u64,
    as_number: bool,
}

impl UnixMillis {
    /// A value written as a JSON string (`"1541589957000"`), as requests send it.
    pub fn new(millis: u64) -> Self {
        UnixMillis {
            millis,
            as_number: false,
        }
    }

    /// The same value written as a JSON number, as the platform's answers carry it.
    pub fn as_json_number(self) -> Self {
        UnixMillis {
            millis: self.millis,
            as_number: true,
        }
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn millis(self) -> u64 {
        self.millis
    }

    /// Whether this value is written as a JSON number.
    pub fn is_json_number(self) -> bool {
        self.as_number
    }
}

impl PartialEq for UnixMillis {
    /// Equal when the instants are equal, whatever the written form.
    fn eq(&self, other: &Self) -> bool {
        self.millis == other.millis
    }
}
impl Eq for UnixMillis {}

impl fmt::Debug for UnixMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnixMillis({})", self.millis)
    }
}

impl Serialize for UnixMillis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.as_number {
            serializer.serialize_u64(self.millis)
        } else {
            serializer.collect_str(&self.millis)
        }
    }
}

impl<'de> Deserialize<'de> for UnixMillis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = UnixMillis;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Unix milliseconds as a digit string or an integer")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UnixMillis, E> {
                Ok(UnixMillis::new(v).as_json_number())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UnixMillis, E> {
                u64::try_from(v)
                    .map(|v| UnixMillis::new(v).as_json_number())
                    .map_err(|_| E::custom("negative timestamp"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnixMillis, E> {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom("timestamp must be digits"));
                }
                v.parse()
                    .map(UnixMillis::new)
                    .map_err(|_| E::custom("timestamp out of range"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_checks_the_calendar() {
        assert!(DateTime14::parse("20220228111212").is_ok());
        assert!(DateTime14::parse("20240229000000").is_ok());
        assert!(DateTime14::parse("20230229000000").is_err());
        assert!(DateTime14::parse("20221301000000").is_err());
        assert!(DateTime14::parse("2022022811121").is_err());
        assert_eq!(
            DateTime14::parse("20220228111212").unwrap().to_string(),
            "20220228111212"
        );
    }

    #[test]
    fn cross_border_ts() {
        assert!(CrossBorderTs::new("20161031160900000026").is_ok());
        assert!(CrossBorderTs::new("201641417949161767").is_err());
        let at = DateTime14::parse("20161031160900").unwrap();
        assert_eq!(
            CrossBorderTs::from_parts(at, 26).unwrap().as_str(),
            "20161031160900000026"
        );
    }

    #[test]
    fn millis_keep_their_form() {
        let s: UnixMillis = serde_json::from_str("\"1541589957000\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"1541589957000\"");
        let n: UnixMillis = serde_json::from_str("1596006044804").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "1596006044804");
    }
}
