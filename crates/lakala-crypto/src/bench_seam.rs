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

/// Wall time spent inside RSA operations so far, per thread that ran any, as
/// `(thread name, nanoseconds)`. Only with the `seam-timing` feature; empty without.
pub fn rsa_time_by_thread() -> Vec<(String, u64)> {
    #[cfg(feature = "seam-timing")]
    {
        timing::by_thread()
    }
    #[cfg(not(feature = "seam-timing"))]
    {
        Vec::new()
    }
}

/// Starts timing one RSA operation (until the guard drops); nothing without `seam-timing`.
#[inline(always)]
pub(crate) fn timed() -> impl Sized {
    #[cfg(feature = "seam-timing")]
    {
        timing::Guard(std::time::Instant::now())
    }
}

#[cfg(feature = "seam-timing")]
mod timing {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    type Counters = Vec<(String, Arc<AtomicU64>)>;
    static THREADS: Mutex<Counters> = Mutex::new(Vec::new());

    thread_local! {
        static MINE: Arc<AtomicU64> = {
            let counter = Arc::new(AtomicU64::new(0));
            let name = std::thread::current().name().unwrap_or_default().to_owned();
            THREADS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((name, counter.clone()));
            counter
        };
    }

    pub(super) struct Guard(pub(super) std::time::Instant);

    impl Drop for Guard {
        fn drop(&mut self) {
            let ns = u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let _ = MINE.try_with(|c| c.fetch_add(ns, Ordering::Relaxed));
        }
    }

    pub(super) fn by_thread() -> Vec<(String, u64)> {
        THREADS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(name, c)| (name.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }
}
