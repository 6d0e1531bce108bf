//! The RSA seam: every RSA operation the protocols use, and nothing else.
//!
//! The protocol modules (`crossborder`, `open_platform`) call only these methods, so a
//! second, faster backend can replace this one without touching them. This backend is the
//! pure-Rust `rsa` crate. Every private-key operation is blinded; every comparison is done
//! in constant time by the `rsa` crate's unpadding code.

use crate::error::{CryptoError, Result};
use rand::rngs::OsRng;
use rand::{CryptoRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Smallest modulus the platform uses; anything smaller is refused.
pub(crate) const MIN_BITS: usize = 1024;

/// A parsed private key, ready for repeated use.
pub(crate) struct RsaPrivate {
    key: RsaPrivateKey,
    public: RsaPublic,
}

/// A parsed public key, ready for repeated use.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RsaPublic {
    key: RsaPublicKey,
}

fn check_bits(bits: usize) -> Result<()> {
    if bits < MIN_BITS {
        return Err(CryptoError::KeyTooSmall { bits });
    }
    Ok(())
}

impl RsaPrivate {
    pub(crate) fn new(mut key: RsaPrivateKey) -> Result<Self> {
        check_bits(key.n().bits())?;
        key.validate().map_err(|_| CryptoError::KeyFormat {
            kind: crate::KeyKind::PrivateKey,
            reason: "inconsistent RSA components".into(),
        })?;
        key.precompute().map_err(|_| CryptoError::KeyFormat {
            kind: crate::KeyKind::PrivateKey,
            reason: "cannot precompute CRT values".into(),
        })?;
        let public = RsaPublic {
            key: key.to_public_key(),
        };
        Ok(Self { key, public })
    }

    pub(crate) fn inner(&self) -> &RsaPrivateKey {
        &self.key
    }

    pub(crate) fn public(&self) -> &RsaPublic {
        &self.public
    }

    pub(crate) fn bits(&self) -> usize {
        self.public.bits()
    }

    /// RSAES-PKCS1-v1_5 decryption (block type 2), blinded.
    pub(crate) fn decrypt_pkcs1v15(
        &self,
        field: &'static str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.public.check_block(field, ciphertext)?;
        self.key
            .decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::DecryptionFailed { field })
    }

    /// The "private-key encryption" of the cross-border MAC: PKCS#1 v1.5 block type 1 over
    /// `message` with no DigestInfo prefix, blinded.
    pub(crate) fn sign_raw_type1(&self, field: &'static str, message: &[u8]) -> Result<Vec<u8>> {
        if message.len() + 11 > self.public.size() {
            return Err(CryptoError::MessageTooLong {
                field,
                length: message.len(),
                bits: self.bits(),
            });
        }
        self.key
            .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new_unprefixed(), message)
            .map_err(|_| CryptoError::Rsa {
                operation: "block type 1 signature",
            })
    }

    /// SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256), blinded.
    pub(crate) fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let digest = Sha256::digest(message);
        self.key
            .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|_| CryptoError::Rsa {
                operation: "SHA256withRSA signature",
            })
    }
}

impl RsaPublic {
    pub(crate) fn new(key: RsaPublicKey) -> Result<Self> {
        check_bits(key.n().bits())?;
        Ok(Self { key })
    }

    pub(crate) fn inner(&self) -> &RsaPublicKey {
        &self.key
    }

    pub(crate) fn bits(&self) -> usize {
        self.key.n().bits()
    }

    /// Modulus size in bytes: the length of every ciphertext and signature.
    pub(crate) fn size(&self) -> usize {
        self.key.size()
    }

    fn check_block(&self, field: &'static str, block: &[u8]) -> Result<()> {
        if block.len() != self.size() {
            return Err(CryptoError::WrongBlockSize {
                field,
                actual: block.len(),
                expected: self.size(),
                bits: self.bits(),
            });
        }
        Ok(())
    }

    /// RSAES-PKCS1-v1_5 encryption (block type 2), randomized by `rng`.
    pub(crate) fn encrypt_pkcs1v15<R: RngCore + CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        field: &'static str,
        message: &[u8],
    ) -> Result<Vec<u8>> {
        if message.len() + 11 > self.size() {
            return Err(CryptoError::MessageTooLong {
                field,
                length: message.len(),
                bits: self.bits(),
            });
        }
        let mut rng = RngRef(rng);
        self.key
            .encrypt(&mut rng, Pkcs1v15Encrypt, message)
            .map_err(|_| CryptoError::Rsa {
                operation: "PKCS#1 v1.5 encryption",
            })
    }

    /// Inverse of [`RsaPrivate::sign_raw_type1`]: does `signature` carry `message`?
    pub(crate) fn verify_raw_type1(
        &self,
        field: &'static str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        self.check_block(field, signature)?;
        Ok(self
            .key
            .verify(Pkcs1v15Sign::new_unprefixed(), message, signature)
            .is_ok())
    }

    /// SHA256withRSA verification.
    pub(crate) fn verify_sha256(
        &self,
        field: &'static str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        self.check_block(field, signature)?;
        let digest = Sha256::digest(message);
        Ok(self
            .key
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
            .is_ok())
    }
}

/// Lets an unsized `dyn RngCore + CryptoRng` serve where `rsa` wants a sized generator.
pub(crate) struct RngRef<'a, R: ?Sized>(pub(crate) &'a mut R);

impl<R: RngCore + ?Sized> RngCore for RngRef<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl<R: CryptoRng + ?Sized> CryptoRng for RngRef<'_, R> {}
