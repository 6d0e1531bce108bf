//! How the PostgreSQL store keeps the payment's digests (`bytea` since schema v4): the
//! client's forms as their bytes, a fingerprint of 64 lowercase hex digits and an auth
//! digest `hmac-sha256:<64 lowercase hex>` as 32 bytes (less than half the size, the
//! prefix not repeated in every row); any other value as its UTF-8 text after a marker
//! byte `0xff` (two when the result would be 32 bytes long), which UTF-8 never contains.
//! So every value reads back exactly as written, as on SQLite (sqlite/digest.rs), where
//! the column's type tells the forms apart. Migration 4 converts stored text the same
//! way in SQL ([`FINGERPRINT_FROM_TEXT`], [`AUTH_DIGEST_FROM_TEXT`]).

use crate::error::JournalError;
use crate::hex_digits::{hex, hex_bytes};

/// The prefix of the client's auth digests, stored implicitly.
const AUTH_PREFIX: &str = "hmac-sha256:";

/// The length of a digest of the client's form, in bytes.
const DIGEST_BYTES: usize = 32;

/// The byte that starts a value kept as text.
const TEXT_MARK: u8 = 0xff;

/// Migration 4's conversion of a text fingerprint, the same as [`fingerprint_value`].
pub(crate) const FINGERPRINT_FROM_TEXT: &str = "CASE WHEN fingerprint ~ '^[0-9a-f]{64}$' \
    THEN decode(fingerprint, 'hex') \
    WHEN octet_length(convert_to(fingerprint, 'UTF8')) = 31 \
    THEN '\\xffff'::bytea || convert_to(fingerprint, 'UTF8') \
    ELSE '\\xff'::bytea || convert_to(fingerprint, 'UTF8') END";

/// Migration 4's conversion of a text auth digest, the same as [`auth_digest_value`].
pub(crate) const AUTH_DIGEST_FROM_TEXT: &str = "CASE WHEN auth_digest IS NULL THEN NULL \
    WHEN auth_digest ~ '^hmac-sha256:[0-9a-f]{64}$' \
    THEN decode(substr(auth_digest, 13), 'hex') \
    WHEN octet_length(convert_to(auth_digest, 'UTF8')) = 31 \
    THEN '\\xffff'::bytea || convert_to(auth_digest, 'UTF8') \
    ELSE '\\xff'::bytea || convert_to(auth_digest, 'UTF8') END";

/// The stored form of a fingerprint.
pub(crate) fn fingerprint_value(text: &str) -> Vec<u8> {
    digest_bytes(text).unwrap_or_else(|| marked(text))
}

/// The stored form of an auth digest.
pub(crate) fn auth_digest_value(text: Option<&str>) -> Option<Vec<u8>> {
    let text = text?;
    Some(
        text.strip_prefix(AUTH_PREFIX)
            .and_then(digest_bytes)
            .unwrap_or_else(|| marked(text)),
    )
}

/// A fingerprint read back.
pub(crate) fn fingerprint(stored: &[u8]) -> Result<String, JournalError> {
    read(stored, "").ok_or_else(|| JournalError::corrupt("a payment's fingerprint is unreadable"))
}

/// An auth digest read back.
pub(crate) fn auth_digest(stored: Option<&[u8]>) -> Result<Option<String>, JournalError> {
    stored
        .map(|stored| {
            read(stored, AUTH_PREFIX)
                .ok_or_else(|| JournalError::corrupt("a payment's auth digest is unreadable"))
        })
        .transpose()
}

/// A stored value as text: 32 bytes are the client's form (`prefix` and hex), anything
/// else marked text.
fn read(stored: &[u8], prefix: &str) -> Option<String> {
    if stored.len() == DIGEST_BYTES {
        return Some(format!("{prefix}{}", hex(stored)));
    }
    let text = stored.strip_prefix(&[TEXT_MARK])?;
    let text = text.strip_prefix(&[TEXT_MARK]).unwrap_or(text);
    String::from_utf8(text.to_vec()).ok()
}

/// `text` after its marker (two when one would make it look like the client's form).
fn marked(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(TEXT_MARK);
    if text.len() + 1 == DIGEST_BYTES {
        out.push(TEXT_MARK);
    }
    out.extend_from_slice(text.as_bytes());
    out
}

/// The 32 bytes of 64 lowercase hex digits; `None` for anything else.
fn digest_bytes(text: &str) -> Option<Vec<u8>> {
    hex_bytes(text).filter(|bytes| bytes.len() == DIGEST_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_forms_are_32_bytes_and_read_back_unchanged() {
        let fp = "0123456789abcdef".repeat(4);
        assert_eq!(fingerprint_value(&fp).len(), 32);
        assert_eq!(fingerprint(&fingerprint_value(&fp)).unwrap(), fp);
        let digest = format!("hmac-sha256:{}", "ab".repeat(32));
        let stored = auth_digest_value(Some(&digest)).unwrap();
        assert_eq!(stored.len(), 32);
        assert_eq!(auth_digest(Some(&stored)).unwrap(), Some(digest));
        assert_eq!(auth_digest_value(None), None);
        assert_eq!(auth_digest(None).unwrap(), None);
    }

    #[test]
    fn other_values_are_marked_text_and_read_back_unchanged() {
        let thirty_one = "x".repeat(31);
        for other in [
            "",
            "0123456789abcdef0123456789abcdef",
            "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
            "hmac-sha256:0123abcd",
            "交易",
            thirty_one.as_str(),
        ] {
            let fp = fingerprint_value(other);
            assert_ne!(fp.len(), 32, "{other}");
            assert_eq!(fingerprint(&fp).unwrap(), other);
            let ad = auth_digest_value(Some(other)).unwrap();
            assert_ne!(ad.len(), 32, "{other}");
            assert_eq!(auth_digest(Some(&ad)).unwrap().as_deref(), Some(other));
        }
        // A bare 64-hex value as an auth digest is not the client's form: kept as text.
        let bare = "ab".repeat(32);
        let ad = auth_digest_value(Some(&bare)).unwrap();
        assert_eq!(auth_digest(Some(&ad)).unwrap(), Some(bare));
    }

    #[test]
    fn unreadable_values_are_corrupt() {
        for bad in [&[][..], &[1, 2, 3], &[0xff, 0xc3]] {
            assert!(matches!(
                fingerprint(bad),
                Err(JournalError::Corrupt { .. })
            ));
            assert!(matches!(
                auth_digest(Some(bad)),
                Err(JournalError::Corrupt { .. })
            ));
        }
    }
}
