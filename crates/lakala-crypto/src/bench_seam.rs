//! Not API: the RSA seam's operations on their own, so that `benches/crypto.rs` can put
//! exactly the RSA work next to `openssl speed` and next to the `rsa` crate called
//! directly. Hidden from the documentation and outside semver; do not use.

use crate::error::Result;
use crate::keys::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

/// PKCS#1 v1.5 block type 1 over `block`, no DigestInfo (the cross-border MAC's RSA step).
pub fn private_op(key: &PrivateKey, block: &[u8]) -> Result<Vec<u8>> {
    key.rsa().sign_raw_type1("bench", block)
}

/// The inverse of [`private_op`].
pub fn public_op(key: &PublicKey, block: &[u8], signature: &[u8]) -> Result<bool> {
    key.rsa().verify_raw_type1("bench", block, signature)
}

/// SHA256withRSA over `message`.
pub fn sha256_sign(key: &PrivateKey, message: &[u8]) -> Result<Vec<u8>> {
    key.rsa().sign_sha256(message)
}

/// SHA256withRSA verification.
pub fn sha256_verify(key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<bool> {
    key.rsa().verify_sha256("bench", message, signature)
}

/// RSAES-PKCS1-v1_5 encryption, padding from `rand::thread_rng()` as the sealing
/// operations draw it.
pub fn encrypt(key: &PublicKey, message: &[u8]) -> Result<Vec<u8>> {
    key.rsa()
        .encrypt_pkcs1v15(&mut rand::thread_rng(), "bench", message)
}

/// RSAES-PKCS1-v1_5 decryption.
pub fn decrypt(key: &PrivateKey, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    key.rsa().decrypt_pkcs1v15("bench", ciphertext)
}

pub use crate::seam_timing::rsa_time_by_thread;
