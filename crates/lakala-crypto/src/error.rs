//! The one error type of this crate.

use std::fmt;

/// Which of the four cross-border MAC strings a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MacKind {
    /// `merId + ver + ts + encData`, signed by the merchant.
    Request,
    /// `retCode + retMsg + merId + ver + ts + encData`, signed by the platform.
    Response,
    /// `ts + reqType + encData`, signed by the platform.
    Notification,
    /// `retCode + retMsg + ts + reqType`, signed by the merchant.
    NotificationAnswer,
}

impl fmt::Display for MacKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MacKind::Request => "request",
            MacKind::Response => "response",
            MacKind::Notification => "notification",
            MacKind::NotificationAnswer => "notification answer",
        })
    }
}

/// What kind of key material a loading error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// An RSA private key (PKCS#8 or PKCS#1).
    PrivateKey,
    /// An RSA public key (SPKI or PKCS#1).
    PublicKey,
    /// An X.509 certificate.
    Certificate,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::PrivateKey => "RSA private key",
            KeyKind::PublicKey => "RSA public key",
            KeyKind::Certificate => "X.509 certificate",
        })
    }
}

/// Everything that can go wrong in this crate.
///
/// Messages name the field and the rule that failed; they never contain key material,
/// one-time keys or decrypted business data, so they are safe to log.
///
/// What a caller may assume: every variant means the input was refused as a whole. Nothing
/// was partially decrypted and handed out, and a verification failure is never reported as
/// success.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// A field that must be hexadecimal holds a non-hex character.
    #[error("{field}: invalid hex character at position {position}")]
    InvalidHex {
        /// Wire name of the field (for example `encData`).
        field: &'static str,
        /// Zero-based byte offset of the first bad character.
        position: usize,
    },
    /// A hexadecimal field has an odd number of characters.
    #[error("{field}: hex text has odd length {length}")]
    OddHexLength {
        /// Wire name of the field.
        field: &'static str,
        /// Its length in characters.
        length: usize,
    },
    /// A field that must be base64 is not.
    #[error("{field}: invalid base64")]
    InvalidBase64 {
        /// Name of the field (for example `signature`).
        field: &'static str,
    },
    /// A required field is absent or empty.
    #[error("missing field {field}")]
    MissingField {
        /// Wire name of the field.
        field: &'static str,
    },
    /// Key material could not be parsed.
    #[error("cannot load {kind}: {reason}")]
    KeyFormat {
        /// What was being loaded.
        kind: KeyKind,
        /// Why it was refused (format or structure; never key bytes).
        reason: String,
    },
    /// The RSA key is smaller than the 1024 bits the platform uses.
    #[error("RSA key of {bits} bits is too small (at least 1024 required)")]
    KeyTooSmall {
        /// Modulus size in bits.
        bits: usize,
    },
    /// A ciphertext or signature has the wrong length for the key.
    #[error("{field}: {actual} bytes, but the {bits}-bit key needs exactly {expected}")]
    WrongBlockSize {
        /// Wire name of the field.
        field: &'static str,
        /// Length received.
        actual: usize,
        /// Length the key requires.
        expected: usize,
        /// Key size in bits.
        bits: usize,
    },
    /// The certificate's validity period ended before the time it was checked at.
    #[error(
        "certificate (serial {serial}) expired at Unix time {not_after}, checked at {checked_at}"
    )]
    CertificateExpired {
        /// Serial number, lowercase hex.
        serial: String,
        /// End of validity, Unix seconds.
        not_after: i64,
        /// The time of the check, Unix seconds.
        checked_at: i64,
    },
    /// The certificate's validity period has not begun at the time it was checked at.
    #[error("certificate (serial {serial}) is not valid before Unix time {not_before}, checked at {checked_at}")]
    CertificateNotYetValid {
        /// Serial number, lowercase hex.
        serial: String,
        /// Start of validity, Unix seconds.
        not_before: i64,
        /// The time of the check, Unix seconds.
        checked_at: i64,
    },
    /// The certificate's key usage extension does not allow `digitalSignature`, so its key
    /// may not verify signatures (RFC 5280, 4.2.1.3): typically a CA certificate
    /// (`keyCertSign, cRLSign`). Java's `Signature.initVerify(X509Certificate)` refuses such
    /// a certificate with `InvalidKeyException: Wrong key usage`.
    #[error("certificate (serial {serial}, subject {subject}) may not verify signatures: its key usage is {key_usage}, without digitalSignature")]
    CertificateKeyUsage {
        /// Serial number, lowercase hex.
        serial: String,
        /// Subject distinguished name (RFC 4514; control characters escaped, shortened).
        subject: String,
        /// The key usage bits it does assert, by their RFC 5280 names, comma-separated
        /// (`empty` when none).
        key_usage: String,
    },
    /// A cross-border MAC does not verify with the signer's public key.
    #[error("{kind} MAC does not verify")]
    MacMismatch {
        /// Which MAC string failed.
        kind: MacKind,
    },
    /// An open-platform SHA256withRSA signature does not verify.
    #[error("{what} signature does not verify")]
    SignatureMismatch {
        /// What was signed: `request`, `response` or `notification`.
        what: &'static str,
    },
    /// A signed timestamp is further from the verifier's clock than allowed.
    #[error(
        "timestamp {timestamp} is outside the allowed window of {max_skew_secs}s around {now}"
    )]
    StaleTimestamp {
        /// The timestamp received (Unix seconds).
        timestamp: i64,
        /// The verifier's clock (Unix seconds).
        now: i64,
        /// Allowed distance in seconds.
        max_skew_secs: u64,
    },
    /// An `Authorization` (or `Lklapi-*`) header is not in the expected form.
    #[error("malformed authorization: {reason}")]
    MalformedAuthorization {
        /// What is wrong with it.
        reason: String,
    },
    /// A required HTTP header is absent.
    #[error("missing header {name}")]
    MissingHeader {
        /// The header name.
        name: &'static str,
    },
    /// The text holds a character GBK cannot represent (the platform hashes and encrypts GBK).
    #[error("{field}: character at position {position} cannot be encoded in GBK")]
    NotGbkEncodable {
        /// What was being encoded.
        field: &'static str,
        /// Zero-based character (not byte) position of the first such character.
        position: usize,
    },
    /// Decrypted bytes are not valid GBK text.
    #[error("{field}: decrypted bytes are not valid GBK")]
    NotGbkDecodable {
        /// What was being decoded.
        field: &'static str,
    },
    /// RSA or AES decryption failed (bad padding: wrong key or tampered ciphertext).
    #[error("{field}: decryption failed (wrong key or tampered data)")]
    DecryptionFailed {
        /// Wire name of the field.
        field: &'static str,
    },
    /// The one-time key block in `encKey` does not have the `ts + secKey` shape.
    #[error("encKey: decrypted block is not ts + 32-character key")]
    MalformedEncKey,
    /// The `ts` inside `encKey` differs from the envelope's `ts`.
    #[error("encKey: its timestamp prefix does not match ts {ts}")]
    EncKeyTsMismatch {
        /// The envelope's `ts`.
        ts: String,
    },
    /// A cross-border `ts` is not `yyyyMMddHHmmss` plus six digits.
    #[error("ts: {reason}")]
    InvalidTs {
        /// What is wrong with it.
        reason: String,
    },
    /// The message does not fit in one RSA block of this key.
    #[error("{field}: {length} bytes do not fit one RSA block of a {bits}-bit key")]
    MessageTooLong {
        /// What was being encrypted or signed.
        field: &'static str,
        /// Its length in bytes.
        length: usize,
        /// Key size in bits.
        bits: usize,
    },
    /// The RSA implementation failed for a reason not covered above.
    #[error("RSA {operation} failed")]
    Rsa {
        /// The operation.
        operation: &'static str,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;
