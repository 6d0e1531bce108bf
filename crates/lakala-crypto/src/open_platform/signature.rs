//! SHA256withRSA in base64, the one signature of the open platform.

use crate::error::{CryptoError, Result};
use crate::keys::{PrivateKey, PublicKey};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Signs `message`; base64 of the SHA256withRSA signature.
pub(crate) fn sign(key: &PrivateKey, message: &[u8]) -> Result<String> {
    Ok(STANDARD.encode(key.rsa().sign_sha256(message)?))
}

/// Verifies base64 `signature` over `message`.
pub(crate) fn verify(
    key: &PublicKey,
    what: &'static str,
    message: &[u8],
    signature: &str,
) -> Result<()> {
    let raw = STANDARD
        .decode(signature.trim())
        .map_err(|_| CryptoError::InvalidBase64 { field: "signature" })?;
    if key.rsa().verify_sha256("signature", message, &raw)? {
        Ok(())
    } else {
        Err(CryptoError::SignatureMismatch { what })
    }
}
