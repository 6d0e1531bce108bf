//! The cross-border one-time key (`secKey`) and the AES key derived from it.

use crate::error::{CryptoError, Result};
use rand::distributions::{Alphanumeric, DistString};
use rand::{CryptoRng, RngCore};
use sha1::{Digest, Sha1};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of a one-time key in characters.
pub const SEC_KEY_LEN: usize = 32;

/// A one-time key: 32 characters of `[0-9A-Za-z]`, fresh for every request.
///
/// The platform turns it into an AES-128 key as Java's `SHA1PRNG`-seeded `KeyGenerator`
/// does: the first 16 bytes of `SHA1(SHA1(secKey))`. Both the text and the derived key are
/// zeroized on drop, and `Debug` prints neither.
///
/// ```
/// use lakala_crypto::SecKey;
/// let key = SecKey::from_text("BDLLQ2J821P40UNVSSNFSEDUVROW0GDA")?;
/// assert_eq!(hex::encode(key.aes_key()), "5830426e2ce21264edeee94c6fb7f954");
/// assert_eq!(format!("{key:?}"), "SecKey([redacted])");
/// # Ok::<(), lakala_crypto::CryptoError>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecKey {
    text: [u8; SEC_KEY_LEN],
    aes_key: [u8; 16],
}

impl SecKey {
    /// Draws a fresh key from a cryptographically secure generator.
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let text = Zeroizing::new(Alphanumeric.sample_string(rng, SEC_KEY_LEN));
        let mut bytes = [0u8; SEC_KEY_LEN];
        bytes.copy_from_slice(text.as_bytes());
        Self::from_bytes(bytes)
    }

    /// Takes a key received from the peer (or fixed for a test vector).
    ///
    /// Refuses anything but 32 characters of `[0-9A-Za-z]`.
    pub fn from_text(text: &str) -> Result<Self> {
        let raw = text.as_bytes();
        if raw.len() != SEC_KEY_LEN || !raw.iter().all(u8::is_ascii_alphanumeric) {
            return Err(CryptoError::MalformedEncKey);
        }
        let mut bytes = [0u8; SEC_KEY_LEN];
        bytes.copy_from_slice(raw);
        Ok(Self::from_bytes(bytes))
    }

    fn from_bytes(text: [u8; SEC_KEY_LEN]) -> Self {
        let mut once: [u8; 20] = Sha1::digest(text).into();
        let mut twice: [u8; 20] = Sha1::digest(once).into();
        let mut aes_key = [0u8; 16];
        aes_key.copy_from_slice(&twice[..16]);
        once.zeroize();
        twice.zeroize();
        SecKey { text, aes_key }
    }

    /// The 32 characters themselves. Handle with care: this is key material.
    pub fn expose_text(&self) -> &str {
        // Constructed only from ASCII alphanumerics.
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The AES-128 key derived from the text. Handle with care: this is key material.
    pub fn aes_key(&self) -> &[u8; 16] {
        &self.aes_key
    }
}

impl fmt::Debug for SecKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecKey([redacted])")
    }
}

impl PartialEq for SecKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.text.ct_eq(&other.text).into()
    }
}

impl Eq for SecKey {}
