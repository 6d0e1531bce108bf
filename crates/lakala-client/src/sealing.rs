//! Whole-message SM4 encryption on the `*_encry` routes (全报文加密): which calls are sent
//! sealed, with which key.
//!
//! A call that has an encrypted variant ([`paths::encrypted`]: the labs micropay and the
//! pre-order) is sent on it, its body sealed with the merchant's SM4 key
//! ([`lakala_crypto::Sm4Key`], [`crate::Config::sm4_key`]), when the request carries the
//! buyer's identity (required: such a request is never sent in clear, and without a key it
//! is not sent at all), or when [`Encryption::Always`] asks for it. The request is signed
//! as sealed and the answer's signature verified over the body as received, then the
//! answer is opened and checked (binding, outcome rules) exactly as a plain one
//! ([`lakala_crypto::Sm4Key`] describes the wire). Calls without an encrypted variant (the
//! dcp micropay, queries, refunds, close) are always sent plain.

use crate::environment::paths;
use crate::error::ClientError;
use lakala_crypto::Sm4Key;
use std::fmt;
use std::str::FromStr;

/// When the client uses the `*_encry` routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encryption {
    /// Only for a request that carries the buyer's identity (the default).
    #[default]
    WhenRequired,
    /// Every call that has an encrypted variant.
    Always,
}

impl Encryption {
    /// `when_required` or `always`: the word of the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Encryption::WhenRequired => "when_required",
            Encryption::Always => "always",
        }
    }
}

impl fmt::Display for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encryption {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "when_required" => Ok(Encryption::WhenRequired),
            "always" => Ok(Encryption::Always),
            _ => Err("expected when_required or always".to_owned()),
        }
    }
}

/// How one call goes on the wire: its path, and the key its body is sealed with (`None`:
/// plain).
#[derive(Debug)]
pub(crate) struct Wire<'a> {
    pub(crate) path: &'static str,
    pub(crate) key: Option<&'a Sm4Key>,
}

/// How the call to `path` is sent. `Err` (nothing sent) when the request carries the
/// buyer's identity and cannot be sealed: no encrypted variant, or no key.
pub(crate) fn wire<'a>(
    path: &'static str,
    carries_identity: bool,
    policy: Encryption,
    key: Option<&'a Sm4Key>,
) -> Result<Wire<'a>, ClientError> {
    let wanted = carries_identity || policy == Encryption::Always;
    match (wanted, paths::encrypted(path), key) {
        (false, _, _) => Ok(Wire { path, key: None }),
        (true, Some(sealed), Some(key)) => Ok(Wire {
            path: sealed,
            key: Some(key),
        }),
        (true, None, _) if !carries_identity => Ok(Wire { path, key: None }),
        (true, None, _) => Err(ClientError::NotConfigured(
            "an encrypted route for a request that carries the buyer's identity",
        )),
        (true, Some(_), None) if carries_identity => Err(ClientError::NotConfigured(
            "the merchant's SM4 key (open_platform.sm4_key): a request carrying the buyer's identity is only sent encrypted",
        )),
        (true, Some(_), None) => Err(ClientError::NotConfigured(
            "the merchant's SM4 key (open_platform.sm4_key), which encryption = \"always\" needs",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_never_sent_in_clear_and_always_seals_what_can_be_sealed() {
        let key = Sm4Key::from_hex("0123456789abcdeffedcba9876543210").unwrap();
        let plain = wire(paths::PREORDER, false, Encryption::WhenRequired, Some(&key)).unwrap();
        assert_eq!((plain.path, plain.key.is_some()), (paths::PREORDER, false));
        let sealed = wire(paths::PREORDER, true, Encryption::WhenRequired, Some(&key)).unwrap();
        assert_eq!(sealed.path, "/api/v3/labs/trans/preorder_encry");
        assert!(sealed.key.is_some());
        assert!(wire(paths::PREORDER, true, Encryption::WhenRequired, None).is_err());
        assert!(wire(paths::PREORDER, false, Encryption::Always, None).is_err());
        let always = wire(paths::LABS_MICROPAY, false, Encryption::Always, Some(&key)).unwrap();
        assert_eq!(always.path, "/api/v3/labs/trans/micropay_encry");
        // No encrypted variant: plain under Always, refused when identity rides along.
        let dcp = wire(paths::MICROPAY, false, Encryption::Always, Some(&key)).unwrap();
        assert_eq!((dcp.path, dcp.key.is_some()), (paths::MICROPAY, false));
        assert!(wire(paths::MICROPAY, true, Encryption::Always, Some(&key)).is_err());
        assert_eq!("always".parse(), Ok(Encryption::Always));
        assert!("yes".parse::<Encryption>().is_err());
    }
}
