//! GBK, the character set the cross-border platform hashes and encrypts.
//!
//! `encoding_rs` silently replaces characters GBK cannot represent with HTML numeric
//! references (`&#128512;`) and reports that only through a flag. Sending such text would
//! change the message the merchant meant, so this module refuses it instead.

use crate::error::{CryptoError, Result};
use encoding_rs::GBK;
use std::borrow::Cow;

/// Encodes `text` as GBK, or names the first character GBK cannot represent.
pub(crate) fn encode<'a>(field: &'static str, text: &'a str) -> Result<Cow<'a, [u8]>> {
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    let (bytes, _, had_errors) = GBK.encode(text);
    if had_errors {
        return Err(CryptoError::NotGbkEncodable {
            field,
            position: first_unencodable(text),
        });
    }
    Ok(bytes)
}

/// Character position of the first character that GBK cannot encode.
fn first_unencodable(text: &str) -> usize {
    let mut buf = [0u8; 4];
    text.chars()
        .position(|c| GBK.encode(c.encode_utf8(&mut buf)).2)
        .unwrap_or(0)
}

/// Decodes GBK bytes, refusing malformed input rather than inserting replacement characters.
pub(crate) fn decode(field: &'static str, bytes: &[u8]) -> Result<String> {
    GBK.decode_without_bom_handling_and_without_replacement(bytes)
        .map(Cow::into_owned)
        .ok_or(CryptoError::NotGbkDecodable { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_two_bytes_per_character() {
        // 蒋 is BD AF in GBK (GB2312 row 29).
        assert_eq!(encode("t", "蒋X").unwrap().as_ref(), &[0xBD, 0xAF, b'X']);
    }

    #[test]
    fn emoji_is_refused_with_its_position() {
        let err = encode("biz", "ab😀c").unwrap_err();
        assert_eq!(
            err,
            CryptoError::NotGbkEncodable {
                field: "biz",
                position: 2
            }
        );
    }

    #[test]
    fn malformed_gbk_is_refused() {
        assert!(decode("d", &[0xBD]).is_err());
        assert_eq!(decode("d", &[0xBD, 0xAF]).unwrap(), "蒋");
    }
}
