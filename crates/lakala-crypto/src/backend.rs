//! The RSA seam: every RSA operation the protocols use, and nothing else.
//!
//! The protocol modules (`crossborder`, `open_platform`) call only these methods. Up to
//! three implementations sit behind them, chosen per key ([`Backend`]):
//!
//! - AWS-LC (feature `aws-lc`, a default feature; `aws_lc.rs`), compiled from the sources
//!   bundled in `aws-lc-sys`, which always blinds RSA private-key operations; its
//!   verifications end in a constant-time comparison (`subtle`);
//! - the pure-Rust `rsa` crate (always compiled; the default with neither native
//!   feature), blinding every private-key operation and comparing every padded block in
//!   constant time (its unpadding uses `subtle`);
//! - the system OpenSSL through the `openssl` crate (feature `openssl`; `native.rs`), which
//!   blinds RSA private-key operations by default, and whose verifications end in a
//!   constant-time comparison (`subtle`).
//!
//! The two native backends share everything but the five `RSA_*` calls: padding of
//! encryption blocks and `DigestInfo` are built here, once.
//!
//! Whatever the backend, the `rsa` crate's parsed key is kept too: key encoding and
//! certificate issuance use it, and it answers size questions without a foreign call.
//! A key is converted to the native form once, when it is loaded.

use crate::error::{CryptoError, Result};
use rand::rngs::OsRng;
use rand::{CryptoRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

#[cfg(feature = "aws-lc")]
mod aws_lc;
#[cfg(feature = "openssl")]
mod native;

/// Smallest modulus the platform uses; anything smaller is refused.
pub(crate) const MIN_BITS: usize = 1024;

/// Which implementation performs a key's RSA operations.
///
/// Keys are loaded on [`Backend::default()`]; [`crate::PrivateKey::with_backend`] and
/// [`crate::PublicKey::with_backend`] move one to another backend (a one-time conversion;
/// the operations then run on it). Every backend produces and accepts exactly the same
/// bytes: the test suite runs every test on each and checks each against the others.
///
/// | | `AwsLc` (feature `aws-lc`, default) | `RustCrypto` | `OpenSsl` (feature `openssl`) |
/// |---|---|---|---|
/// | implementation | AWS-LC, compiled from the sources bundled in `aws-lc-sys` (a C compiler, no system library) | the pure-Rust `rsa` crate | the system OpenSSL (libssl), via the `openssl` crate |
/// | private-key operations | blinded (AWS-LC always blinds) | blinded | blinded (OpenSSL's default, which this crate never turns off) |
/// | comparisons | constant time (`subtle`) after AWS-LC's unpadding | constant time (`subtle`) | constant time (`subtle`) after OpenSSL's unpadding |
/// | speed against the JDK (`BENCHMARKS.md`) | ahead on every merchant operation | behind on most (0.2x to 1x) | ahead on every merchant operation |
///
/// `BENCHMARKS.md` at the repository root has the measured figures.
///
/// # The default
///
/// The first of `OpenSsl` (if the `openssl` feature is on), `AwsLc` (feature `aws-lc`,
/// a default feature), `RustCrypto` (always compiled). So a default build runs on AWS-LC;
/// `default-features = false` runs on the `rsa` crate alone (for targets without a C
/// compiler); asking for `openssl` prefers the system OpenSSL. Cargo unifies features, so
/// one crate of a program enabling `lakala-crypto/openssl` makes OpenSSL the default of the
/// whole program (none of this workspace's crates does that by default); a key can still
/// be pinned with `with_backend`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The pure-Rust `rsa` crate.
    RustCrypto,
    /// AWS-LC, built from the sources bundled in `aws-lc-sys`. Only with the `aws-lc`
    /// feature (a default feature).
    #[cfg(feature = "aws-lc")]
    AwsLc,
    /// The system OpenSSL, through the `openssl` crate. Only with the `openssl` feature.
    #[cfg(feature = "openssl")]
    OpenSsl,
}

impl Backend {
    /// Every backend compiled into this build, the default first.
    pub fn available() -> &'static [Backend] {
        &[
            #[cfg(feature = "openssl")]
            Backend::OpenSsl,
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc,
            Backend::RustCrypto,
        ]
    }

    /// Short lowercase name: `rustcrypto`, `aws-lc` or `openssl`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::RustCrypto => "rustcrypto",
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => "aws-lc",
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => "openssl",
        }
    }

    /// The backend of that [`Backend::name`], if it is compiled into this build.
    pub fn from_name(name: &str) -> Option<Backend> {
        Backend::available()
            .iter()
            .copied()
            .find(|b| b.name().eq_ignore_ascii_case(name))
    }
}

impl Default for Backend {
    /// The first of [`Backend::available`]: `OpenSsl` with the `openssl` feature, else
    /// `AwsLc` with the `aws-lc` feature (the default build), else `RustCrypto`.
    fn default() -> Self {
        Backend::available()[0]
    }
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::RustCrypto => "RustCrypto",
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => "AwsLc",
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => "OpenSsl",
        })
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A private key's form on a native backend (`None` in [`RsaPrivate`]: the `rsa` crate).
enum NativePrivate {
    #[cfg(feature = "aws-lc")]
    AwsLc(aws_lc::AwsLcPrivate),
    #[cfg(feature = "openssl")]
    OpenSsl(native::NativePrivate),
}

/// A public key's form on a native backend.
#[derive(Clone)]
enum NativePublic {
    #[cfg(feature = "aws-lc")]
    AwsLc(aws_lc::AwsLcPublic),
    #[cfg(feature = "openssl")]
    OpenSsl(native::NativePublic),
}

/// A parsed private key, ready for repeated use.
pub(crate) struct RsaPrivate {
    key: RsaPrivateKey,
    public: RsaPublic,
    /// `None`: the `rsa` crate runs the key (always, in a pure-Rust build).
    #[cfg_attr(not(any(feature = "aws-lc", feature = "openssl")), allow(dead_code))]
    native: Option<NativePrivate>,
}

/// A parsed public key, ready for repeated use.
#[derive(Clone)]
pub(crate) struct RsaPublic {
    key: RsaPublicKey,
    /// `None`: the `rsa` crate runs the key (always, in a pure-Rust build).
    #[cfg_attr(not(any(feature = "aws-lc", feature = "openssl")), allow(dead_code))]
    native: Option<NativePublic>,
}

impl PartialEq for RsaPublic {
    /// The same key, whichever backend runs it.
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for RsaPublic {}

fn check_bits(bits: usize) -> Result<()> {
    if bits < MIN_BITS {
        return Err(CryptoError::KeyTooSmall { bits });
    }
    Ok(())
}

impl RsaPrivate {
    pub(crate) fn new(mut key: RsaPrivateKey, backend: Backend) -> Result<Self> {
        check_bits(key.n().bits())?;
        key.validate().map_err(|_| CryptoError::KeyFormat {
            kind: crate::error::KeyKind::PrivateKey,
            reason: "inconsistent RSA components".into(),
        })?;
        key.precompute().map_err(|_| CryptoError::KeyFormat {
            kind: crate::error::KeyKind::PrivateKey,
            reason: "cannot precompute CRT values".into(),
        })?;
        Self::on(key, backend)
    }

    /// The same (already validated) key on `backend`.
    pub(crate) fn with_backend(&self, backend: Backend) -> Result<Self> {
        Self::on(self.key.clone(), backend)
    }

    fn on(key: RsaPrivateKey, backend: Backend) -> Result<Self> {
        let public = RsaPublic::on(key.to_public_key(), backend)?;
        let native = match backend {
            Backend::RustCrypto => None,
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => Some(NativePrivate::AwsLc(aws_lc::AwsLcPrivate::new(&key)?)),
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => Some(NativePrivate::OpenSsl(native::NativePrivate::new(&key)?)),
        };
        Ok(Self {
            key,
            public,
            native,
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        self.public.backend()
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
        let _timed = crate::seam_timing::timed();
        self.public.check_block(field, ciphertext)?;
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            return native.decrypt_pkcs1v15(field, ciphertext);
        }
        self.key
            .decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::DecryptionFailed { field })
    }

    /// The "private-key encryption" of the cross-border MAC: PKCS#1 v1.5 block type 1 over
    /// `message` with no DigestInfo prefix, blinded.
    pub(crate) fn sign_raw_type1(&self, field: &'static str, message: &[u8]) -> Result<Vec<u8>> {
        let _timed = crate::seam_timing::timed();
        if message.len() + 11 > self.public.size() {
            return Err(CryptoError::MessageTooLong {
                field,
                length: message.len(),
                bits: self.bits(),
            });
        }
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            return native.sign_type1(message, "block type 1 signature");
        }
        self.key
            .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new_unprefixed(), message)
            .map_err(|_| CryptoError::Rsa {
                operation: "block type 1 signature",
            })
    }

    /// SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256), blinded.
    pub(crate) fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>> {
        let _timed = crate::seam_timing::timed();
        let digest = Sha256::digest(message);
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            let block = sha256_digest_info(&digest);
            return native.sign_type1(&block, "SHA256withRSA signature");
        }
        self.key
            .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|_| CryptoError::Rsa {
                operation: "SHA256withRSA signature",
            })
    }
}

/// DER `DigestInfo` prefix of SHA-256 (RFC 8017, section 9.2, note 1).
#[cfg(any(feature = "aws-lc", feature = "openssl"))]
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// `DigestInfo(SHA-256, digest)`: what RSASSA-PKCS1-v1_5 pads with block type 1.
#[cfg(any(feature = "aws-lc", feature = "openssl"))]
fn sha256_digest_info(digest: &[u8]) -> [u8; 51] {
    let mut block = [0u8; 51];
    block[..19].copy_from_slice(&SHA256_DIGEST_INFO);
    block[19..].copy_from_slice(digest);
    block
}

impl RsaPublic {
    pub(crate) fn new(key: RsaPublicKey, backend: Backend) -> Result<Self> {
        check_bits(key.n().bits())?;
        Self::on(key, backend)
    }

    /// The same key on `backend`.
    pub(crate) fn with_backend(&self, backend: Backend) -> Result<Self> {
        Self::on(self.key.clone(), backend)
    }

    fn on(key: RsaPublicKey, backend: Backend) -> Result<Self> {
        let native = match backend {
            Backend::RustCrypto => None,
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => Some(NativePublic::AwsLc(aws_lc::AwsLcPublic::new(&key)?)),
            #[cfg(feature = "openssl")]
            Backend::OpenSsl => Some(NativePublic::OpenSsl(native::NativePublic::new(&key)?)),
        };
        Ok(Self { key, native })
    }

    pub(crate) fn backend(&self) -> Backend {
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            return match native {
                #[cfg(feature = "aws-lc")]
                NativePublic::AwsLc(_) => Backend::AwsLc,
                #[cfg(feature = "openssl")]
                NativePublic::OpenSsl(_) => Backend::OpenSsl,
            };
        }
        Backend::RustCrypto
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

    /// RSAES-PKCS1-v1_5 encryption (block type 2), randomized by `rng`. Every backend draws
    /// the padding from `rng` the same way, so a seeded `rng` gives the same bytes on each.
    pub(crate) fn encrypt_pkcs1v15<R: RngCore + CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        field: &'static str,
        message: &[u8],
    ) -> Result<Vec<u8>> {
        let _timed = crate::seam_timing::timed();
        if message.len() + 11 > self.size() {
            return Err(CryptoError::MessageTooLong {
                field,
                length: message.len(),
                bits: self.bits(),
            });
        }
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            let block = encryption_block(rng, message, self.size());
            return native.encrypt_raw(&block);
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
        let _timed = crate::seam_timing::timed();
        self.check_block(field, signature)?;
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            return Ok(native.verify_type1(message, signature));
        }
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
        let _timed = crate::seam_timing::timed();
        self.check_block(field, signature)?;
        let digest = Sha256::digest(message);
        #[cfg(any(feature = "aws-lc", feature = "openssl"))]
        if let Some(native) = &self.native {
            return Ok(native.verify_type1(&sha256_digest_info(&digest), signature));
        }
        Ok(self
            .key
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
            .is_ok())
    }
}

/// `0x00 0x02 PS 0x00 message`, `k` bytes, PS non-zero random bytes drawn from `rng`
/// exactly as the `rsa` crate draws them (fill, then redraw each zero byte alone), so that
/// every backend encrypts alike under a seeded generator. The caller checked the length.
#[cfg(any(feature = "aws-lc", feature = "openssl"))]
fn encryption_block<R: RngCore + ?Sized>(
    rng: &mut R,
    message: &[u8],
    k: usize,
) -> Zeroizing<Vec<u8>> {
    let mut block = Zeroizing::new(vec![0u8; k]);
    let padding_end = k - message.len() - 1;
    block[1] = 2;
    let padding = &mut block[2..padding_end];
    rng.fill_bytes(padding);
    for byte in padding.iter_mut() {
        while *byte == 0 {
            rng.fill_bytes(std::slice::from_mut(byte));
        }
    }
    block[padding_end + 1..].copy_from_slice(message);
    block
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

#[cfg(any(feature = "aws-lc", feature = "openssl"))]
impl NativePrivate {
    fn decrypt_pkcs1v15(
        &self,
        field: &'static str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        match *self {
            #[cfg(feature = "aws-lc")]
            NativePrivate::AwsLc(ref k) => k.decrypt_pkcs1v15(field, ciphertext),
            #[cfg(feature = "openssl")]
            NativePrivate::OpenSsl(ref k) => k.decrypt_pkcs1v15(field, ciphertext),
        }
    }

    fn sign_type1(&self, block: &[u8], operation: &'static str) -> Result<Vec<u8>> {
        match *self {
            #[cfg(feature = "aws-lc")]
            NativePrivate::AwsLc(ref k) => k.sign_type1(block, operation),
            #[cfg(feature = "openssl")]
            NativePrivate::OpenSsl(ref k) => k.sign_type1(block, operation),
        }
    }
}

#[cfg(any(feature = "aws-lc", feature = "openssl"))]
impl NativePublic {
    fn encrypt_raw(&self, block: &[u8]) -> Result<Vec<u8>> {
        match *self {
            #[cfg(feature = "aws-lc")]
            NativePublic::AwsLc(ref k) => k.encrypt_raw(block),
            #[cfg(feature = "openssl")]
            NativePublic::OpenSsl(ref k) => k.encrypt_raw(block),
        }
    }

    fn verify_type1(&self, expected: &[u8], signature: &[u8]) -> bool {
        match *self {
            #[cfg(feature = "aws-lc")]
            NativePublic::AwsLc(ref k) => k.verify_type1(expected, signature),
            #[cfg(feature = "openssl")]
            NativePublic::OpenSsl(ref k) => k.verify_type1(expected, signature),
        }
    }
}
