//! Every argument is checked before a store is touched: identifiers, words, free text,
//! JSON payloads and answer bodies have bounded sizes and no control characters, so a
//! hostile value can neither bloat the journal nor break a store (PostgreSQL refuses NUL
//! in text) nor smuggle a clear auth code in.

use crate::error::JournalError;

/// Longest identifier (merchant, terminal, order and trade numbers), in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest instance or lease owner name, in bytes.
pub const MAX_INSTANCE_LEN: usize = 128;
/// Longest free text (`reason`), in bytes.
pub const MAX_TEXT_LEN: usize = 1024;
/// Longest short word (`outcome`, `last_trade_state`, event kinds), in bytes.
pub const MAX_WORD_LEN: usize = 64;
/// Largest event payload (serialized JSON) or notification answer, in bytes.
pub const MAX_PAYLOAD_LEN: usize = 64 * 1024;
/// Longest notification key, in bytes.
pub const MAX_NOTIFICATION_KEY_LEN: usize = 256;
/// Most payments one [`crate::PaymentJournal::claim_due`] or
/// [`crate::PaymentJournal::list`] call returns; larger limits are lowered to this.
pub const MAX_BATCH: usize = 1000;
/// A masked auth code with this many digits or more is refused as a probable clear code
/// (payment codes are 16 to 24 digits; a mask keeps at most 4 at each end).
pub const AUTH_CODE_DIGIT_LIMIT: usize = 12;

pub(crate) fn identifier(field: &'static str, value: &str) -> Result<(), JournalError> {
    bounded_printable(field, value, MAX_ID_LEN)
}

pub(crate) fn instance(field: &'static str, value: &str) -> Result<(), JournalError> {
    bounded_printable(field, value, MAX_INSTANCE_LEN)
}

pub(crate) fn notification_key(value: &str) -> Result<(), JournalError> {
    bounded_printable("notification key", value, MAX_NOTIFICATION_KEY_LEN)
}

fn bounded_printable(field: &'static str, value: &str, max: usize) -> Result<(), JournalError> {
    if value.is_empty() {
        return Err(JournalError::invalid(field, "empty"));
    }
    if value.len() > max {
        return Err(JournalError::invalid(field, "too long"));
    }
    if value.chars().any(char::is_control) {
        return Err(JournalError::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// Free text: may be empty, no NUL (PostgreSQL text cannot hold it), bounded.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), JournalError> {
    if value.len() > max {
        return Err(JournalError::invalid(field, "too long"));
    }
    if value.contains('\0') {
        return Err(JournalError::invalid(field, "contains NUL"));
    }
    Ok(())
}

/// A short lowercase word: `[a-z0-9_]{1,32}`.
pub(crate) fn word(field: &'static str, value: &str) -> Result<(), JournalError> {
    if value.is_empty() {
        return Err(JournalError::invalid(field, "empty"));
    }
    if value.len() > 32 {
        return Err(JournalError::invalid(field, "too long"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(JournalError::invalid(
            field,
            "not a lowercase word of a-z, 0-9 and _",
        ));
    }
    Ok(())
}

pub(crate) fn fingerprint(value: &str) -> Result<(), JournalError> {
    if value.len() < 16 || value.len() > 128 {
        return Err(JournalError::invalid(
            "fingerprint",
            "not 16 to 128 hex characters",
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(JournalError::invalid("fingerprint", "not lowercase hex"));
    }
    Ok(())
}

pub(crate) fn masked_auth_code(value: &str) -> Result<(), JournalError> {
    bounded_printable("masked auth code", value, MAX_ID_LEN)?;
    if !value.contains('*') {
        return Err(JournalError::invalid(
            "masked auth code",
            "not masked (no '*'): the journal must never receive a clear auth code",
        ));
    }
    if value.chars().filter(char::is_ascii_digit).count() >= AUTH_CODE_DIGIT_LIMIT {
        return Err(JournalError::invalid(
            "masked auth code",
            "too many digits shown: the journal must never receive a clear auth code",
        ));
    }
    Ok(())
}

/// The longest auth-code digest, in bytes.
pub const MAX_AUTH_DIGEST_LEN: usize = 128;

/// A keyed hash of an auth code: printable ASCII (space to `~`), 1 to
/// [`MAX_AUTH_DIGEST_LEN`] characters.
pub(crate) fn auth_digest(value: &str) -> Result<(), JournalError> {
    if value.is_empty() {
        return Err(JournalError::invalid("auth digest", "empty"));
    }
    if value.len() > MAX_AUTH_DIGEST_LEN {
        return Err(JournalError::invalid(
            "auth digest",
            "longer than 128 characters",
        ));
    }
    if !value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(JournalError::invalid("auth digest", "not printable ASCII"));
    }
    Ok(())
}

pub(crate) fn amount(value: i64) -> Result<(), JournalError> {
    if value < 1 {
        return Err(JournalError::invalid("amount_fen", "not a positive amount"));
    }
    Ok(())
}

pub(crate) fn positive_secs(field: &'static str, value: i64) -> Result<(), JournalError> {
    if value < 1 {
        return Err(JournalError::invalid(
            field,
            "not a positive number of seconds",
        ));
    }
    Ok(())
}

/// Serializes a payload and checks its size.
pub(crate) fn payload(value: &serde_json::Value) -> Result<String, JournalError> {
    let text = serde_json::to_string(value)
        .map_err(|_| JournalError::invalid("payload", "cannot be serialized"))?;
    if text.len() > MAX_PAYLOAD_LEN {
        return Err(JournalError::invalid("payload", "larger than 64 KiB"));
    }
    Ok(text)
}

pub(crate) fn answer(value: &[u8]) -> Result<(), JournalError> {
    if value.len() > MAX_PAYLOAD_LEN {
        return Err(JournalError::invalid("answer", "larger than 64 KiB"));
    }
    Ok(())
}

/// Lowers a batch limit to [`MAX_BATCH`].
pub(crate) fn batch(limit: usize) -> usize {
    limit.min(MAX_BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_codes() {
        assert!(masked_auth_code("2885**********2810").is_ok());
        assert!(masked_auth_code("************2810").is_ok());
        assert!(masked_auth_code("288576824003652810").is_err());
        assert!(masked_auth_code("288576*824003652810").is_err());
        assert!(masked_auth_code("").is_err());
        assert!(masked_auth_code("28**\n10").is_err());
        assert!(auth_digest("hmac-sha256:0123abcd").is_ok());
        assert!(auth_digest(&"a".repeat(128)).is_ok());
        assert!(auth_digest(&"a".repeat(129)).is_err());
        assert!(auth_digest("").is_err());
        assert!(auth_digest("tab\there").is_err());
        assert!(auth_digest("非ASCII").is_err());
    }

    #[test]
    fn identifiers_and_words() {
        assert!(identifier("out_trade_no", "MP2024").is_ok());
        assert!(identifier("out_trade_no", "").is_err());
        assert!(identifier("out_trade_no", &"x".repeat(65)).is_err());
        assert!(identifier("out_trade_no", "a\0b").is_err());
        assert!(word("kind", "revoke_attempt").is_ok());
        assert!(word("kind", "Sent").is_err());
        assert!(word("kind", "a b").is_err());
        assert!(fingerprint(&"ab".repeat(16)).is_ok());
        assert!(fingerprint(&"AB".repeat(16)).is_err());
        assert!(fingerprint("abc").is_err());
        assert!(text("reason", "line\nnext", MAX_TEXT_LEN).is_ok());
        assert!(text("reason", "nul\0", MAX_TEXT_LEN).is_err());
    }

    #[test]
    fn payload_size_is_bounded() {
        let big = serde_json::Value::String("x".repeat(MAX_PAYLOAD_LEN));
        assert!(payload(&big).is_err());
        assert_eq!(
            payload(&serde_json::json!({"a": "\u{0}"})).unwrap(),
            r#"{"a":"\u0000"}"#
        );
    }
}
