//! How the SQLite store keeps the payment's digests: the fingerprint (lowercase hex) and
//! an auth digest of the client's form `hmac-sha256:<64 lowercase hex>` as their bytes
//! (half the size, and the prefix not repeated in every row); any other value as the
//! text it is. A column's SQLite type says which it is (a blob is always bytes of this
//! encoding), so journals written before, and values of another form, read back as they
//! were written.

use crate::hex_digits::{hex, hex_bytes};
use rusqlite::types::{Value, ValueRef};

/// The prefix of the client's auth digests, stored implicitly with a blob.
const AUTH_PREFIX: &str = "hmac-sha256:";

/// The stored form of a fingerprint.
pub(crate) fn fingerprint_value(text: &str) -> Value {
    hex_bytes(text).map_or_else(|| Value::Text(text.to_owned()), Value::Blob)
}

/// The stored form of an auth digest.
pub(crate) fn auth_digest_value(text: Option<&str>) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    text.strip_prefix(AUTH_PREFIX)
        .filter(|hex| hex.len() == 64)
        .and_then(hex_bytes)
        .map_or_else(|| Value::Text(text.to_owned()), Value::Blob)
}

/// A fingerprint read back.
pub(crate) fn fingerprint(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).ok(),
        ValueRef::Blob(b) => Some(hex(b)),
        _ => None,
    }
}

/// An auth digest read back (`Some(None)`: none stored; `None`: not a digest).
pub(crate) fn auth_digest(value: ValueRef<'_>) -> Option<Option<String>> {
    match value {
        ValueRef::Null => Some(None),
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).ok().map(Some),
        ValueRef::Blob(b) if b.len() == 32 => Some(Some(format!("{AUTH_PREFIX}{}", hex(b)))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_fingerprint(text: &str) -> String {
        let value = fingerprint_value(text);
        fingerprint(ValueRef::from(&value)).expect("readable")
    }

    #[test]
    fn fingerprints_are_bytes_when_lowercase_hex_and_read_back_unchanged() {
        let fp = "0123456789abcdef".repeat(4);
        assert!(matches!(fingerprint_value(&fp), Value::Blob(ref b) if b.len() == 32));
        assert_eq!(round_trip_fingerprint(&fp), fp);
        for odd in ["0123456789abcdef0", "0123456789ABCDEF", "zz"] {
            assert!(matches!(fingerprint_value(odd), Value::Text(_)));
            assert_eq!(round_trip_fingerprint(odd), odd);
        }
    }

    #[test]
    fn auth_digests_of_the_client_form_are_bytes_others_text() {
        let digest = format!("hmac-sha256:{}", "ab".repeat(32));
        let value = auth_digest_value(Some(&digest));
        assert!(matches!(value, Value::Blob(ref b) if b.len() == 32));
        assert_eq!(auth_digest(ValueRef::from(&value)), Some(Some(digest)));
        for other in ["hmac-sha256:0123abcd", "ab".repeat(32).as_str(), "x"] {
            let value = auth_digest_value(Some(other));
            assert!(matches!(value, Value::Text(_)));
            assert_eq!(
                auth_digest(ValueRef::from(&value)),
                Some(Some(other.to_owned()))
            );
        }
        assert_eq!(auth_digest_value(None), Value::Null);
        assert_eq!(auth_digest(ValueRef::Null), Some(None));
        assert_eq!(auth_digest(ValueRef::Blob(&[1, 2])), None);
    }
}
