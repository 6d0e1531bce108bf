//! A keyed digest of the payer's auth code, so that a till retrying an order can be told
//! apart from a till reusing the number with another barcode, without the journal ever
//! holding the code.
//!
//! The digest is HMAC-SHA256 of the auth code under a secret derived from the merchant's
//! private key (SHA-256 of a fixed label and the key's PKCS#8 encoding): someone who reads
//! the journal cannot test guesses of an 18-digit code against it without the key, and the
//! masked code the journal also keeps (last four digits) is never what is compared.

use lakala_crypto::PrivateKey;
use sha2::{Digest, Sha256};
use std::fmt;

/// Computes auth-code digests under one merchant's secret.
#[derive(Clone)]
pub(crate) struct AuthDigester {
    secret: [u8; 32],
}

impl fmt::Debug for AuthDigester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthDigester(..)")
    }
}

const LABEL: &[u8] = b"lakala-client auth-code digest v1\0";

impl AuthDigester {
    /// The digester of the merchant whose key is `key`. `None` if the key cannot be
    /// encoded (then no digest is journaled and a number is never resent).
    pub(crate) fn from_merchant_key(key: &PrivateKey) -> Option<Self> {
        let pem = key.to_pkcs8_pem().ok()?;
        let mut hash = Sha256::new();
        hash.update(LABEL);
        hash.update(pem.as_bytes());
        Some(Self {
            secret: hash.finalize().into(),
        })
    }

    /// The digest of `auth_code`: `hmac-sha256:` and 64 lowercase hex digits.
    pub(crate) fn digest(&self, auth_code: &str) -> String {
        format!(
            "hmac-sha256:{}",
            hex::encode(hmac_sha256(&self.secret, auth_code.as_bytes()))
        )
    }
}

/// HMAC-SHA256 (RFC 2104) for a key of at most one block.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let pad = |byte: u8| -> [u8; 64] { block.map(|b| b ^ byte) };
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_with_a_32_byte_key() {
        // RFC 4231 test case 2's message under a 32-byte key, as openssl computes it.
        let key: [u8; 32] = std::array::from_fn(|i| u8::try_from(i + 1).unwrap());
        assert_eq!(
            hex::encode(hmac_sha256(&key, b"what do ya want for nothing?")),
            OPENSSL_32
        );
    }

    /// `openssl dgst -sha256 -mac HMAC -macopt hexkey:0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20`
    const OPENSSL_32: &str = "4d9d653fcd05f91cd858a20d50c74b604fe38f2cac49d9b0a7099584cf4fb35a";

    #[test]
    fn the_digest_depends_on_code_and_key_and_hides_both() {
        let mut rng = rand::thread_rng();
        let a = AuthDigester::from_merchant_key(&PrivateKey::generate(&mut rng, 1024).unwrap())
            .unwrap();
        let b = AuthDigester::from_merchant_key(&PrivateKey::generate(&mut rng, 1024).unwrap())
            .unwrap();
        let code = "288576824003652810";
        assert_eq!(a.digest(code), a.digest(code));
        assert_ne!(a.digest(code), a.digest("288576824003652811"));
        assert_ne!(a.digest(code), b.digest(code));
        assert!(!a.digest(code).contains("2810"));
        assert_eq!(format!("{a:?}"), "AuthDigester(..)");
    }
}
