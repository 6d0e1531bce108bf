//! [`PublicKey::load`]: a public key from any accepted form, a certificate's included. Apart
//! from [`crate::keys`] because it reads certificates, and a certificate holds a key.

use crate::certificate::Certificate;
use crate::error::{KeyKind, Result};
use crate::key_input::{self, key_error};
use crate::keys::PublicKey;
use pkcs1::DecodeRsaPublicKey;
use pkcs8::DecodePublicKey;
use rsa::RsaPublicKey;

impl PublicKey {
    /// Loads a public key from any accepted form (including a certificate PEM, whose
    /// validity is then not checked: use [`crate::Certificate`] for that).
    pub fn load(input: impl AsRef<[u8]>) -> Result<Self> {
        let kind = KeyKind::PublicKey;
        let decoded = key_input::decode(kind, input.as_ref())?;
        match decoded.label.as_deref() {
            Some("PUBLIC KEY") => Self::from_rsa(
                RsaPublicKey::from_public_key_der(&decoded.der)
                    .map_err(|e| key_error(kind, format!("bad SubjectPublicKeyInfo: {e}")))?,
            ),
            Some("RSA PUBLIC KEY") => Self::from_rsa(
                RsaPublicKey::from_pkcs1_der(&decoded.der)
                    .map_err(|e| key_error(kind, format!("bad PKCS#1: {e}")))?,
            ),
            Some("CERTIFICATE") => Ok(Certificate::from_der_unchecked(&decoded.der)?
                .public_key()
                .clone()),
            Some(other) => Err(key_error(kind, format!("unexpected PEM label {other:?}"))),
            None => Self::from_rsa(
                RsaPublicKey::from_public_key_der(&decoded.der)
                    .or_else(|_| RsaPublicKey::from_pkcs1_der(&decoded.der))
                    .map_err(|_| {
                        key_error(kind, "DER is neither SubjectPublicKeyInfo nor PKCS#1")
                    })?,
            ),
        }
    }
}
