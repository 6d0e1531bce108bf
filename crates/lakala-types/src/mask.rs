//! Personal data (names, certificate and card numbers, phone numbers, wallet user ids,
//! payment codes) and how it shows in `Debug` output.
//!
//! The one mechanism is [`Personal`]: a string that serializes as itself but whose `Debug`
//! shows only [`mask`]ed text. Types holding personal data derive `Debug` and stay safe to log.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Masks `value` for logs: values shorter than 8 characters keep their first character
/// (`蒋志飞` → `蒋**`); longer ones keep a quarter at each end, at most 4 characters each
/// (`321123199001011111` → `3211**********1111`). Counts characters, not bytes.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = if n < 8 { 0 } else { (n / 4).min(4) };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let shown = if keep == 0 {
                i == 0 && n > 1
            } else {
                i < keep || i >= n - keep
            };
            if shown {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A string holding personal data. Serializes and parses as the plain string; `Debug` shows
/// it [`mask`]ed. There is deliberately no `Display`: read the value with [`Personal::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Personal(String);

impl Personal {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Personal(value.into())
    }

    /// The unmasked value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Personal {
    fn from(value: String) -> Self {
        Personal(value)
    }
}

impl From<&str> for Personal {
    fn from(value: &str) -> Self {
        Personal(value.to_owned())
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", mask(&self.0))
    }
}

impl Serialize for Personal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Personal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Personal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_examples() {
        assert_eq!(mask("蒋志飞"), "蒋**");
        assert_eq!(mask("321123199001011111"), "3211**********1111");
        assert_eq!(mask("13812345678"), "13*******78");
        assert_eq!(mask("x"), "*");
        assert_eq!(mask(""), "");
    }
}
