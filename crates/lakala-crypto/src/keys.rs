//! RSA keys: loaded once, shared cheaply, never printed.

use crate::backend::{Backend, RsaPrivate, RsaPublic};
use crate::error::{KeyKind, Result};
use crate::key_input::{self, key_error};
use pkcs1::DecodeRsaPrivateKey;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand::{CryptoRng, RngCore};
use rsa::{RsaPrivateKey, RsaPublicKey};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// An RSA private key (the merchant's, or the platform's in a sandbox).
///
/// Parse it once at start-up and clone it freely: clones share one parsed key. The key
/// material is zeroized when the last clone is dropped, and `Debug` prints only the size.
///
/// Accepted forms ([`PrivateKey::load`]): PKCS#8 or PKCS#1, as PEM, DER, or base64 DER
/// without PEM armour (how Lakala hands out merchant keys).
///
/// ```
/// use lakala_crypto::PrivateKey;
/// // A PEM file's bytes, here those of a fresh key.
/// let pem = PrivateKey::generate(&mut rand::thread_rng(), 1024)?.to_pkcs8_pem()?;
/// let key = PrivateKey::load(pem.as_bytes())?;
/// assert_eq!(key.bits(), 1024);
/// assert_eq!(format!("{key:?}"), "PrivateKey { bits: 1024, .. }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<RsaPrivate>,
}

/// An RSA public key (the platform's, or a merchant's in a sandbox).
///
/// Accepted forms ([`PublicKey::load`]): SubjectPublicKeyInfo or PKCS#1, as PEM, DER, or
/// base64 DER without armour (how Lakala hands out the cross-border platform key), and the
/// public key of an X.509 certificate PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    inner: Arc<RsaPublic>,
}

impl PrivateKey {
    /// Loads a private key from any accepted form.
    pub fn load(input: impl AsRef<[u8]>) -> Result<Self> {
        let kind = KeyKind::PrivateKey;
        let decoded = key_input::decode(kind, input.as_ref())?;
        let key = match decoded.label.as_deref() {
            Some("PRIVATE KEY") => RsaPrivateKey::from_pkcs8_der(&decoded.der)
                .map_err(|e| key_error(kind, format!("bad PKCS#8: {e}")))?,
            Some("RSA PRIVATE KEY") => RsaPrivateKey::from_pkcs1_der(&decoded.der)
                .map_err(|e| key_error(kind, format!("bad PKCS#1: {e}")))?,
            Some("ENCRYPTED PRIVATE KEY") => {
                return Err(key_error(
                    kind,
                    "password-protected keys are not supported; decrypt it first",
                ))
            }
            Some(other) => return Err(key_error(kind, format!("unexpected PEM label {other:?}"))),
            None => RsaPrivateKey::from_pkcs8_der(&decoded.der)
                .or_else(|_| RsaPrivateKey::from_pkcs1_der(&decoded.der))
                .map_err(|_| key_error(kind, "DER is neither PKCS#8 nor PKCS#1"))?,
        };
        Self::from_rsa(key)
    }

    /// Generates a fresh key (for sandboxes, tests and key generation tools).
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R, bits: usize) -> Result<Self> {
        let mut rng = crate::backend::RngRef(rng);
        let key =
            RsaPrivateKey::new(&mut rng, bits).map_err(|_| crate::error::CryptoError::Rsa {
                operation: "key generation",
            })?;
        Self::from_rsa(key)
    }

    fn from_rsa(key: RsaPrivateKey) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(RsaPrivate::new(key, Backend::default())?),
        })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits()
    }

    /// The backend that runs this key's operations ([`Backend::default()`] unless the key
    /// came from [`PrivateKey::with_backend`]).
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }

    /// The same key on `backend`: converted once, here, so that every operation then runs
    /// on it. Its [`PrivateKey::public_key`] is on `backend` too. Returns a clone of `self`
    /// if the key is already there.
    ///
    /// ```
    /// use lakala_crypto::{Backend, PrivateKey};
    /// let key = PrivateKey::generate(&mut rand::thread_rng(), 1024)?;
    /// for &backend in Backend::available() {
    ///     let on = key.with_backend(backend)?;
    ///     assert_eq!(on.backend(), backend);
    ///     assert_eq!(on.public_key(), key.public_key()); // the same key
    /// }
    /// # Ok::<(), lakala_crypto::CryptoError>(())
    /// ```
    pub fn with_backend(&self, backend: Backend) -> Result<Self> {
        if self.backend() == backend {
            return Ok(self.clone());
        }
        Ok(Self {
            inner: Arc::new(self.inner.with_backend(backend)?),
        })
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: Arc::new(self.inner.public().clone()),
        }
    }

    /// PKCS#8 PEM, for writing a generated key to disk. The text is zeroized on drop.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        self.inner
            .inner()
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| key_error(KeyKind::PrivateKey, format!("cannot encode: {e}")))
    }

    pub(crate) fn rsa(&self) -> &RsaPrivate {
        &self.inner
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    pub(crate) fn from_rsa(key: RsaPublicKey) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(RsaPublic::new(key, Backend::default())?),
        })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.inner.bits()
    }

    /// The backend that runs this key's operations ([`Backend::default()`] unless the key
    /// came from [`PublicKey::with_backend`] or a private key on another backend).
    pub fn backend(&self) -> Backend {
        self.inner.backend()
    }

    /// The same key on `backend`, converted once, here. Keys compare equal across
    /// backends. Returns a clone of `self` if the key is already there.
    pub fn with_backend(&self, backend: Backend) -> Result<Self> {
        if self.backend() == backend {
            return Ok(self.clone());
        }
        Ok(Self {
            inner: Arc::new(self.inner.with_backend(backend)?),
        })
    }

    /// SubjectPublicKeyInfo PEM.
    pub fn to_spki_pem(&self) -> Result<String> {
        self.inner
            .inner()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| key_error(KeyKind::PublicKey, format!("cannot encode: {e}")))
    }

    /// SubjectPublicKeyInfo DER in base64 without armour: the form Lakala distributes.
    pub fn to_base64_der(&self) -> Result<String> {
        use base64::Engine;
        let der = self
            .inner
            .inner()
            .to_public_key_der()
            .map_err(|e| key_error(KeyKind::PublicKey, format!("cannot encode: {e}")))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(der.as_bytes()))
    }

    pub(crate) fn rsa(&self) -> &RsaPublic {
        &self.inner
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}
