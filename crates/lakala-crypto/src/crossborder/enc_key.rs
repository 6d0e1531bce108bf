//! `encKey`: the one-time key, prefixed with `ts`, under the recipient's RSA public key.

use crate::error::{CryptoError, Result};
use crate::hex_text;
use crate::keys::{PrivateKey, PublicKey};
use crate::sec_key::SecKey;
use crate::sec_key::SEC_KEY_LEN;
use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// Encrypts `ts + secKey` (ASCII, hence identical in GBK) for `recipient`.
pub(crate) fn seal<R: RngCore + CryptoRng + ?Sized>(
    recipient: &PublicKey,
    ts: &str,
    key: &SecKey,
    rng: &mut R,
) -> Result<String> {
    let block = Zeroizing::new([ts, key.expose_text()].concat());
    let ct = recipient
        .rsa()
        .encrypt_pkcs1v15(rng, "encKey", block.as_bytes())?;
    Ok(hex_text::encode_upper(&ct))
}

/// Decrypts `encKey`, checks that it starts with `ts`, and returns the 32-character key
/// that follows.
pub(crate) fn open(recipient: &PrivateKey, ts: &str, enc_key: &str) -> Result<SecKey> {
    let ct = hex_text::decode("encKey", enc_key)?;
    let block = recipient.rsa().decrypt_pkcs1v15("encKey", &ct)?;
    if block.len() != ts.len() + SEC_KEY_LEN {
        return Err(CryptoError::MalformedEncKey);
    }
    let (prefix, key) = block.split_at(ts.len());
    if prefix != ts.as_bytes() {
        return Err(CryptoError::EncKeyTsMismatch { ts: ts.to_owned() });
    }
    let key = std::str::from_utf8(key).map_err(|_| CryptoError::MalformedEncKey)?;
    SecKey::from_text(key)
}
