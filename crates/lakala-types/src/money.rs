//! Money as integers, never floats.
//!
//! * [`Amount`]: integer fen (分) carried as a digit string, the form of every amount field
//!   of the open platform (`"101"` = 1.01 yuan). Parses plain (`"101"`) and zero-padded
//!   (`"000000000001"`) strings alike and writes back the form it was given: a value built
//!   with [`Amount::from_fen`] writes plain digits (what v3 micropay sends), one made
//!   [`Amount::zero_padded`] writes 12 digits (what spec 001's v2 examples send); a parsed
//!   value keeps its width, so re-serializing reproduces the platform's text.
//! * [`Yuan`]: a decimal yuan amount inside Alipay's JSON strings (`"price":"1.01"`), held as
//!   fen and written with the number of decimals it was given.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// Why a money string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Empty string.
    #[error("empty amount")]
    Empty,
    /// A character that is not an ASCII digit (or a misplaced decimal point).
    #[error("amount must be digits{}", if *.decimal { " with at most 2 decimals" } else { "" })]
    NotDigits {
        /// Whether a decimal point was allowed.
        decimal: bool,
    },
    /// Larger than the field allows (`String(12)`: 999 999 999 999 fen).
    #[error("amount has more than 12 digits")]
    TooLarge,
}

/// The largest amount a `String(12)` field holds.
pub const MAX_FEN: u64 = 999_999_999_999;

/// An amount in integer fen, written as a digit string of at least `width` digits.
#[derive(Clone, Copy)]
pub struct Amount {
    fen: u64,
    width: u8,
}

impl Amount {
    /// An amount that writes plain digits (`101`). Refuses more than 12 digits.
    pub fn from_fen(fen: u64) -> Result<Self, AmountError> {
        if fen > MAX_FEN {
            return Err(AmountError::TooLarge);
        }
        Ok(Amount { fen, width: 0 })
    }

    /// The same amount written zero-padded to 12 digits (`000000000101`), as spec 001's
    /// examples do.
    pub fn zero_padded(self) -> Self {
        Amount {
            fen: self.fen,
            width: 12,
        }
    }

    /// The same amount written as plain digits.
    pub fn plain(self) -> Self {
        Amount {
            fen: self.fen,
            width: 0,
        }
    }

    /// The value in fen.
    pub fn fen(self) -> u64 {
        self.fen
    }

    /// Whether this value writes zero-padded.
    pub fn is_zero_padded(self) -> bool {
        self.to_wire().len() > self.fen.to_string().len()
    }

    /// The wire text.
    pub fn to_wire(self) -> String {
        format!("{:0width$}", self.fen, width = usize::from(self.width))
    }

    /// Parses `"101"` or `"000000000101"` (keeping the width). Refuses anything but ASCII
    /// digits and values over 12 digits (leading zeros aside).
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotDigits { decimal: false });
        }
        let significant = text.trim_start_matches('0');
        if significant.len() > 12 || text.len() > 255 {
            return Err(AmountError::TooLarge);
        }
        let fen = if significant.is_empty() {
            0
        } else {
            significant
                .parse::<u64>()
                .map_err(|_| AmountError::TooLarge)?
        };
        let width = u8::try_from(text.len()).map_err(|_| AmountError::TooLarge)?;
        Ok(Amount { fen, width })
    }
}

impl PartialEq for Amount {
    /// Equal when the fen are equal, whatever the written width.
    fn eq(&self, other: &Self) -> bool {
        self.fen == other.fen
    }
}
impl Eq for Amount {}
impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Amount {
    fn cmp(&self, other: &Self) -> Ordering {
        self.fen.cmp(&other.fen)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({} fen as {:?})", self.fen, self.to_wire())
    }
}

impl fmt::Display for Amount {
    /// Yuan with two decimals, for people: `1.01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.fen / 100, self.fen % 100)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Amount::parse(&text).map_err(de::Error::custom)
    }
}

/// A yuan amount with up to two decimals (`"1.01"`, `"6.00"`, `"0.1"`, `"5"`), held as fen.
#[derive(Clone, Copy)]
pub struct Yuan {
    fen: u64,
    decimals: u8,
}

impl Yuan {
    /// An amount written with two decimals (`1.01`). Refuses more than 12 characters' worth.
    pub fn from_fen(fen: u64) -> Result<Self, AmountError> {
        if fen > 999_999_999 * 100 + 99 {
            return Err(AmountError::TooLarge);
        }
        Ok(Yuan { fen, decimals: 2 })
    }

    /// The value in fen.
    pub fn fen(self) -> u64 {
        self.fen
    }

    /// The wire text.
    pub fn to_wire(self) -> String {
        let whole = self.fen / 100;
        let cents = self.fen % 100;
        match self.decimals {
            0 => whole.to_string(),
            1 => format!("{whole}.{}", cents / 10),
            _ => format!("{whole}.{cents:02}"),
        }
    }

    /// Parses `"1"`, `"1.0"`, `"1.01"`; refuses more than two decimals or 12 characters.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let bad = AmountError::NotDigits { decimal: true };
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.is_some_and(|f| !digits(f) || f.len() > 2) {
            return Err(bad);
        }
        if text.len() > 12 {
            return Err(AmountError::TooLarge);
        }
        let whole: u64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
        let (cents, decimals) = match frac {
            None => (0, 0),
            Some(f) if f.len() == 1 => (f.parse::<u64>().map_err(|_| bad)? * 10, 1),
            Some(f) => (f.parse::<u64>().map_err(|_| bad)?, 2),
        };
        Ok(Yuan {
            fen: whole * 100 + cents,
            decimals,
        })
    }
}

impl PartialEq for Yuan {
    /// Equal when the fen are equal, whatever the written decimals.
    fn eq(&self, other: &Self) -> bool {
        self.fen == other.fen
    }
}
impl Eq for Yuan {}

impl fmt::Debug for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Yuan({})", self.to_wire())
    }
}

impl Serialize for Yuan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Yuan::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_forms() {
        let padded = Amount::parse("000000000001").unwrap();
        assert_eq!(padded.fen(), 1);
        assert_eq!(padded.to_wire(), "000000000001");
        assert_eq!(Amount::parse("101").unwrap().to_wire(), "101");
        assert_eq!(
            Amount::from_fen(101).unwrap().zero_padded().to_wire(),
            "000000000101"
        );
        assert_eq!(Amount::parse("0").unwrap().fen(), 0);
        assert!(Amount::parse("1.01").is_err());
        assert!(Amount::parse("-1").is_err());
        assert!(Amount::parse("").is_err());
        assert!(Amount::parse("999999999999").is_ok());
        assert_eq!(Amount::parse("1000000000000"), Err(AmountError::TooLarge));
        assert_eq!(Amount::from_fen(MAX_FEN + 1), Err(AmountError::TooLarge));
    }

    #[test]
    fn yuan_forms() {
        for text in ["1.01", "6.00", "0.1", "5", "1.0"] {
            assert_eq!(Yuan::parse(text).unwrap().to_wire(), text);
        }
        assert_eq!(Yuan::parse("1.01").unwrap().fen(), 101);
        assert_eq!(Yuan::parse("0.1").unwrap().fen(), 10);
        assert!(Yuan::parse("1.001").is_err());
        assert!(Yuan::parse(".5").is_err());
        assert!(Yuan::parse("1.").is_err());
    }
}
