//! The OpenSSL backend (feature `openssl`): the same operations as the `rsa` crate path of
//! `backend.rs`, on the system libssl through the `openssl` crate.
//!
//! - Keys are converted once, when loaded: the private key through its PKCS#1 DER (a
//!   zeroized buffer), the public key from its modulus and exponent.
//! - Private-key operations use OpenSSL's RSA with PKCS#1 padding, which blinds them by
//!   default (this crate never sets `RSA_FLAG_NO_BLINDING`) and uses CRT.
//! - The low-level `RSA_*` calls are used rather than `EVP_PKEY` contexts: they run the same
//!   OpenSSL RSA code without a context allocation and provider look-up per call, which
//!   would weigh on verifications of a few microseconds.
//! - Verification is OpenSSL's "public decrypt" with block-type-1 unpadding, then a
//!   constant-time comparison (`subtle`) of the recovered block with the expected one.
//! - PKCS#1 v1.5 encryption pads in `backend.rs` with the caller's generator and encrypts
//!   the block unpadded here, so every backend produces the same bytes from the same seed.
//! - Every OpenSSL error maps to an existing [`CryptoError`] variant; none panics. The
//!   `openssl` crate drains OpenSSL's per-thread error queue into each error it returns,
//!   so no failure leaks into a later call.
//!
//! On OpenSSL 3.2 and later, PKCS#1 v1.5 decryption uses "implicit rejection" (a
//! Bleichenbacher/Marvin countermeasure): a tampered block decrypts to a pseudo-random
//! message instead of failing, so the caller then reports `MalformedEncKey` or
//! `EncKeyTsMismatch` rather than `DecryptionFailed`. Either way the input is refused.

use crate::error::{CryptoError, KeyKind, Result};
use openssl::bn::BigNum;
use openssl::pkey::{Private, Public};
use openssl::rsa::{Padding, Rsa};
use pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A private key in OpenSSL's form.
pub(crate) struct NativePrivate {
    rsa: Rsa<Private>,
    size: usize,
}

/// A public key in OpenSSL's form.
#[derive(Clone)]
pub(crate) struct NativePublic {
    rsa: Rsa<Public>,
    size: usize,
}

impl NativePrivate {
    pub(crate) fn new(key: &RsaPrivateKey) -> Result<Self> {
        let refused = |reason: &str| CryptoError::KeyFormat {
            kind: KeyKind::PrivateKey,
            reason: format!("OpenSSL backend: {reason}"),
        };
        // SecretDocument: zeroized on drop.
        let der = key
            .to_pkcs1_der()
            .map_err(|_| refused("cannot encode the key as PKCS#1"))?;
        let rsa = Rsa::private_key_from_der(der.as_bytes())
            .map_err(|_| refused("OpenSSL refused the key"))?;
        let size = key.size();
        if rsa.size() as usize != size {
            return Err(refused("OpenSSL reads a different modulus size"));
        }
        Ok(Self { rsa, size })
    }

    /// RSAES-PKCS1-v1_5 decryption; the caller checked the block size.
    pub(crate) fn decrypt_pkcs1v15(
        &self,
        field: &'static str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.size]);
        let len = self
            .rsa
            .private_decrypt(ciphertext, &mut out, Padding::PKCS1)
            .map_err(|_| CryptoError::DecryptionFailed { field })?;
        out.truncate(len);
        Ok(out)
    }

    /// Block type 1 over `block` (a raw MAC digest or a DigestInfo), blinded; the caller
    /// checked that it fits.
    pub(crate) fn sign_type1(&self, block: &[u8], operation: &'static str) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.size];
        let len = self
            .rsa
            .private_encrypt(block, &mut out, Padding::PKCS1)
            .map_err(|_| CryptoError::Rsa { operation })?;
        if len != self.size {
            return Err(CryptoError::Rsa { operation });
        }
        Ok(out)
    }
}

impl NativePublic {
    pub(crate) fn new(key: &RsaPublicKey) -> Result<Self> {
        let refused = |reason: &str| CryptoError::KeyFormat {
            kind: KeyKind::PublicKey,
            reason: format!("OpenSSL backend: {reason}"),
        };
        let n = BigNum::from_slice(&key.n().to_bytes_be())
            .map_err(|_| refused("cannot convert the modulus"))?;
        let e = BigNum::from_slice(&key.e().to_bytes_be())
            .map_err(|_| refused("cannot convert the exponent"))?;
        let rsa =
            Rsa::from_public_components(n, e).map_err(|_| refused("OpenSSL refused the key"))?;
        let size = key.size();
        if rsa.size() as usize != size {
            return Err(refused("OpenSSL reads a different modulus size"));
        }
        Ok(Self { rsa, size })
    }

    /// The RSA public operation on an already padded `k`-byte block.
    pub(crate) fn encrypt_raw(&self, block: &[u8]) -> Result<Vec<u8>> {
        let operation = "PKCS#1 v1.5 encryption";
        let mut out = vec![0u8; self.size];
        let len = self
            .rsa
            .public_encrypt(block, &mut out, Padding::NONE)
            .map_err(|_| CryptoError::Rsa { operation })?;
        if len != self.size {
            return Err(CryptoError::Rsa { operation });
        }
        Ok(out)
    }

    /// Does `signature` (of the right size: the caller checked) unpad, as block type 1, to
    /// exactly `expected`? Compared in constant time.
    pub(crate) fn verify_type1(&self, expected: &[u8], signature: &[u8]) -> bool {
        let mut out = vec![0u8; self.size];
        match self.rsa.public_decrypt(signature, &mut out, Padding::PKCS1) {
            // `ct_eq` on slices of different lengths is false.
            Ok(len) => out
                .get(..len)
                .is_some_and(|got| bool::from(got.ct_eq(expected))),
            Err(_) => false,
        }
    }
}
