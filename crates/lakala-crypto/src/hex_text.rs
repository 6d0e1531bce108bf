//! Hexadecimal fields of the cross-border envelope (`encKey`, `encData`, `mac`).
//!
//! The platform writes uppercase; we accept either case and report the position of the
//! first bad character.

use crate::error::{CryptoError, Result};

/// Uppercase hex, as the platform writes it.
pub(crate) fn encode_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Decodes hex in either case.
pub(crate) fn decode(field: &'static str, text: &str) -> Result<Vec<u8>> {
    hex::decode(text).map_err(|e| match e {
        hex::FromHexError::InvalidHexCharacter { index, .. } => CryptoError::InvalidHex {
            field,
            position: index,
        },
        hex::FromHexError::OddLength | hex::FromHexError::InvalidStringLength => {
            CryptoError::OddHexLength {
                field,
                length: text.len(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_case_decodes_to_the_same_bytes() {
        assert_eq!(decode("f", "0aFf").unwrap(), decode("f", "0AfF").unwrap());
    }

    #[test]
    fn bad_character_position_is_reported() {
        assert_eq!(
            decode("encData", "00zz").unwrap_err(),
            CryptoError::InvalidHex {
                field: "encData",
                position: 2
            }
        );
        assert!(matches!(
            decode("mac", "abc").unwrap_err(),
            CryptoError::OddHexLength { length: 3, .. }
        ));
    }
}
