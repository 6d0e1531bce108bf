//! The AWS-LC backend (feature `aws-lc`, on by default): the same operations as the `rsa`
//! crate path of `backend.rs`, on AWS-LC, which `aws-lc-sys` compiles from its bundled
//! sources with the C compiler (no system library, no headers) and which rustls' default
//! crypto provider (`aws-lc-rs`) links too, so a program carries one copy.
//!
//! Why the C API of `aws-lc-sys` and not the safe API of `aws-lc-rs`: `aws-lc-rs` refuses
//! private and encryption keys under 2048 bits, verifies 1024-bit signatures only as
//! SHA-1/SHA-256 `DigestInfo` signatures, and has no raw block-type-1 operation. Lakala's
//! cross-border keys are RSA-1024 and its MAC is exactly such a raw block-type-1 operation,
//! so the safe API would leave the gate/auth envelope on the pure-Rust path, below the JDK.
//! The five `RSA_*` calls used here are the ones `native.rs` makes on OpenSSL (AWS-LC keeps
//! OpenSSL's RSA API), with the same checks, so both native backends are the same code.
//!
//! - Keys are converted once, when loaded, from their PKCS#1 DER (private: a zeroized
//!   buffer) by `RSA_private_key_from_bytes` / `RSA_public_key_from_bytes`, which check
//!   the key.
//! - Private-key operations are blinded (AWS-LC always blinds RSA private-key operations
//!   of keys that have a public exponent, which every key here has) and use CRT.
//! - Verification is "public decrypt" with block-type-1 unpadding, then a constant-time
//!   comparison (`subtle`) of the recovered block with the expected one.
//! - PKCS#1 v1.5 encryption pads in `backend.rs` with the caller's generator and encrypts
//!   the block unpadded here, so every backend produces the same bytes from the same seed.
//! - Every failure maps to an existing [`CryptoError`] variant and clears AWS-LC's
//!   per-thread error queue, so nothing leaks into a later call (rustls' included); none
//!   panics.
//!
//! This module is the only `unsafe` code of the crate: each call's safety argument is next
//! to it.
#![allow(unsafe_code)]

use crate::error::{CryptoError, KeyKind, Result};
use aws_lc_sys as ffi;
use pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use std::ptr::NonNull;
use std::sync::{Arc, Once};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// An owned AWS-LC `RSA` object.
struct Rsa(NonNull<ffi::RSA>);

// SAFETY: an `RSA` object is not tied to the thread that made it. After construction it is
// only passed to AWS-LC's RSA operations, which take the object's own lock around the state
// they cache lazily (Montgomery contexts, blinding values), so concurrent operations on one
// object from several threads are supported by AWS-LC (as by BoringSSL and OpenSSL).
unsafe impl Send for Rsa {}
// SAFETY: see `Send`; `&Rsa` only reaches AWS-LC's internally locked RSA operations.
unsafe impl Sync for Rsa {}

impl Drop for Rsa {
    fn drop(&mut self) {
        // SAFETY: the pointer came from a successful `RSA_*_key_from_bytes`, this wrapper
        // owns its only reference, and it is freed exactly once, here. `RSA_free` zeroizes
        // the private components.
        unsafe { ffi::RSA_free(self.0.as_ptr()) }
    }
}

impl Rsa {
    fn ptr(&self) -> *mut ffi::RSA {
        self.0.as_ptr()
    }

    /// `RSA_size`: the modulus length in bytes.
    fn size(&self) -> usize {
        // SAFETY: a valid `RSA` object; `RSA_size` only reads the modulus.
        unsafe { ffi::RSA_size(self.ptr()) as usize }
    }
}

/// AWS-LC's one-time initialisation (CPU feature detection), as `aws-lc-rs` does it.
fn init() {
    static INIT: Once = Once::new();
    // SAFETY: no arguments; safe to call at any time, and here called once.
    INIT.call_once(|| unsafe { ffi::CRYPTO_library_init() });
}

/// Forgets whatever AWS-LC queued on this thread's error queue for the failure at hand.
fn clear_errors() {
    // SAFETY: no arguments; only touches the calling thread's error queue.
    unsafe { ffi::ERR_clear_error() }
}

/// A private key in AWS-LC's form.
pub(crate) struct AwsLcPrivate {
    rsa: Rsa,
    size: usize,
}

/// A public key in AWS-LC's form, shared by clones.
#[derive(Clone)]
pub(crate) struct AwsLcPublic {
    rsa: Arc<Rsa>,
    size: usize,
}

impl AwsLcPrivate {
    pub(crate) fn new(key: &RsaPrivateKey) -> Result<Self> {
        init();
        let refused = |reason: &str| {
            clear_errors();
            CryptoError::KeyFormat {
                kind: KeyKind::PrivateKey,
                reason: format!("AWS-LC backend: {reason}"),
            }
        };
        // SecretDocument: zeroized on drop.
        let der = key
            .to_pkcs1_der()
            .map_err(|_| refused("cannot encode the key as PKCS#1"))?;
        let bytes = der.as_bytes();
        // SAFETY: `bytes` is a live slice of `bytes.len()` bytes; AWS-LC copies what it
        // needs and keeps no pointer to it. A null result is handled below.
        let raw = unsafe { ffi::RSA_private_key_from_bytes(bytes.as_ptr(), bytes.len()) };
        let rsa = Rsa(NonNull::new(raw).ok_or_else(|| refused("AWS-LC refused the key"))?);
        let size = key.size();
        if rsa.size() != size {
            return Err(refused("AWS-LC reads a different modulus size"));
        }
        Ok(Self { rsa, size })
    }

    /// RSAES-PKCS1-v1_5 decryption, blinded; the caller checked the block size.
    pub(crate) fn decrypt_pkcs1v15(
        &self,
        field: &'static str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.size]);
        // SAFETY: `ciphertext` is `ciphertext.len()` readable bytes (the caller made it the
        // modulus size); `out` has room for `RSA_size` bytes, the most AWS-LC writes; the
        // key is valid for the call.
        let len = unsafe {
            ffi::RSA_private_decrypt(
                ciphertext.len(),
                ciphertext.as_ptr(),
                out.as_mut_ptr(),
                self.rsa.ptr(),
                ffi::RSA_PKCS1_PADDING,
            )
        };
        match usize::try_from(len) {
            Ok(len) if len <= self.size => {
                out.truncate(len);
                Ok(out)
            }
            _ => {
                clear_errors();
                Err(CryptoError::DecryptionFailed { field })
            }
        }
    }

    /// Block type 1 over `block` (a raw MAC digest or a DigestInfo), blinded; the caller
    /// checked that it fits.
    pub(crate) fn sign_type1(&self, block: &[u8], operation: &'static str) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.size];
        // SAFETY: `block` is `block.len()` readable bytes; `out` has room for the
        // `RSA_size` bytes AWS-LC writes; the key is valid for the call.
        let len = unsafe {
            ffi::RSA_private_encrypt(
                block.len(),
                block.as_ptr(),
                out.as_mut_ptr(),
                self.rsa.ptr(),
                ffi::RSA_PKCS1_PADDING,
            )
        };
        if usize::try_from(len).ok() != Some(self.size) {
            clear_errors();
            return Err(CryptoError::Rsa { operation });
        }
        Ok(out)
    }
}

impl AwsLcPublic {
    pub(crate) fn new(key: &RsaPublicKey) -> Result<Self> {
        init();
        let refused = |reason: &str| {
            clear_errors();
            CryptoError::KeyFormat {
                kind: KeyKind::PublicKey,
                reason: format!("AWS-LC backend: {reason}"),
            }
        };
        let der = key
            .to_pkcs1_der()
            .map_err(|_| refused("cannot encode the key as PKCS#1"))?;
        let bytes = der.as_bytes();
        // SAFETY: as for the private key: a live slice, copied by AWS-LC; null handled.
        let raw = unsafe { ffi::RSA_public_key_from_bytes(bytes.as_ptr(), bytes.len()) };
        let rsa = Rsa(NonNull::new(raw).ok_or_else(|| refused("AWS-LC refused the key"))?);
        let size = key.size();
        if rsa.size() != size {
            return Err(refused("AWS-LC reads a different modulus size"));
        }
        Ok(Self {
            rsa: Arc::new(rsa),
            size,
        })
    }

    /// The RSA public operation on an already padded block of the modulus size.
    pub(crate) fn encrypt_raw(&self, block: &[u8]) -> Result<Vec<u8>> {
        let operation = "PKCS#1 v1.5 encryption";
        if block.len() != self.size {
            return Err(CryptoError::Rsa { operation });
        }
        let mut out = vec![0u8; self.size];
        // SAFETY: `block` is `block.len()` (= modulus size) readable bytes; `out` has room
        // for the `RSA_size` bytes AWS-LC writes; the key is valid for the call.
        let len = unsafe {
            ffi::RSA_public_encrypt(
                block.len(),
                block.as_ptr(),
                out.as_mut_ptr(),
                self.rsa.ptr(),
                ffi::RSA_NO_PADDING,
            )
        };
        if usize::try_from(len).ok() != Some(self.size) {
            clear_errors();
            return Err(CryptoError::Rsa { operation });
        }
        Ok(out)
    }

    /// Does `signature` (of the modulus size: the caller checked) unpad, as block type 1,
    /// to exactly `expected`? Compared in constant time.
    pub(crate) fn verify_type1(&self, expected: &[u8], signature: &[u8]) -> bool {
        let mut out = vec![0u8; self.size];
        // SAFETY: `signature` is `signature.len()` readable bytes; `out` has room for the
        // at most `RSA_size` bytes AWS-LC writes; the key is valid for the call.
        let len = unsafe {
            ffi::RSA_public_decrypt(
                signature.len(),
                signature.as_ptr(),
                out.as_mut_ptr(),
                self.rsa.ptr(),
                ffi::RSA_PKCS1_PADDING,
            )
        };
        match usize::try_from(len) {
            // `ct_eq` on slices of different lengths is false.
            Ok(len) => out
                .get(..len)
                .is_some_and(|got| bool::from(got.ct_eq(expected))),
            Err(_) => {
                clear_errors();
                false
            }
        }
    }
}
