//! The platform's certificates, several at once and replaceable while the client runs.
//!
//! Lakala rotates the certificates of its API gateway. Around a rotation, answers may be
//! signed by the old or the new certificate, and the `Lklapi-Serial` header of each answer
//! names the one that signed it. So the client keeps a [`CertificateSet`]:
//!
//! - **platform certificates** (answers): the one whose serial equals `Lklapi-Serial`
//!   verifies the answer. Serials compare as hexadecimal, case-insensitively, with leading
//!   zeros ignored (`00DFBA81` names the certificate of serial `dfba81`). An answer naming
//!   a serial the set does not hold is refused with [`ClientError::UnknownCertificate`]
//!   and a warning in the log that names the serial and the ones known.
//! - **notification certificates** (notifications carry no serial): each one that is
//!   within its validity window is tried in turn.
//!
//! Each certificate's validity window is checked when it is used, against the client's
//! clock, so a certificate installed ahead of its start date is simply not used yet and
//! an expired one stops verifying without a restart.
//!
//! [`Certificates`] is the shared, atomically replaceable handle the client and its
//! notification handlers read on every verification: [`Certificates::replace`] or
//! [`Certificates::reload_from`] swaps the whole set at once, without rebuilding the
//! client; calls in flight finish with the set they started with.
//!
//! ```
//! use lakala_client::{CertificateSet, Certificates};
//! use lakala_crypto::{Certificate, PrivateKey};
//! let key = PrivateKey::generate(&mut rand::thread_rng(), 1024)?;
//! let (old, _) = Certificate::self_signed(&key, "apigw", &[0x01], 1_700_000_000, 1_800_000_000)?;
//! let (new, _) = Certificate::self_signed(&key, "apigw", &[0xab], 1_750_000_000, 1_900_000_000)?;
//! let certificates = Certificates::new(CertificateSet::new().with_platform(old.clone()));
//! assert!(certificates.current().platform_for(&new.serial_hex(), 1_760_000_000).is_err());
//! // Rotation: both for a while, then the new one only. No client is rebuilt.
//! certificates.replace(CertificateSet::new().with_platform(old).with_platform(new.clone()));
//! assert!(certificates.current().platform_for(&new.serial_hex().to_uppercase(), 1_760_000_000).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::config_error::ConfigError;
use crate::error::ClientError;
use lakala_crypto::{Certificate, CryptoError, ValidityCheck};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// The platform and notification certificates in force at one moment.
#[derive(Debug, Clone, Default)]
pub struct CertificateSet {
    platform: Vec<Certificate>,
    notify: Vec<Certificate>,
}

/// Where the certificates of a [`CertificateSet`] are read from (PEM, DER or base64 DER
/// files), for [`CertificateSet::load`] and [`Certificates::reload_from`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateFiles {
    /// Platform certificates (answers' signatures).
    pub platform: Vec<PathBuf>,
    /// Notification certificates.
    pub notify: Vec<PathBuf>,
}

/// `serial` as lowercase hex without leading zeros, for comparing serials.
fn normalize(serial: &str) -> String {
    let lower = serial.trim().to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl CertificateSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a platform certificate (answers).
    pub fn with_platform(mut self, certificate: Certificate) -> Self {
        self.platform.push(certificate);
        self
    }

    /// Adds a notification certificate.
    pub fn with_notify(mut self, certificate: Certificate) -> Self {
        self.notify.push(certificate);
        self
    }

    /// Reads every file of `files`. Validity windows are not checked here but at each use,
    /// so a certificate may be installed before its start date. A file that cannot be read
    /// or holds no certificate is an error naming it, and nothing is loaded.
    pub fn load(files: &CertificateFiles) -> Result<Self, ConfigError> {
        let read = |paths: &[PathBuf]| -> Result<Vec<Certificate>, ConfigError> {
            paths
                .iter()
                .map(|path| {
                    let bytes = std::fs::read(path).map_err(|e| ConfigError::Io {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    Certificate::load(bytes, ValidityCheck::AllowExpired).map_err(|source| {
                        ConfigError::Key {
                            path: path.clone(),
                            source,
                        }
                    })
                })
                .collect()
        };
        Ok(Self {
            platform: read(&files.platform)?,
            notify: read(&files.notify)?,
        })
    }

    /// The platform certificates.
    pub fn platform(&self) -> &[Certificate] {
        &self.platform
    }

    /// The notification certificates.
    pub fn notify(&self) -> &[Certificate] {
        &self.notify
    }

    /// The platform certificate of serial `serial` (an answer's `Lklapi-Serial`), checked
    /// to be valid at `now` (Unix seconds).
    ///
    /// Errors: [`ClientError::UnknownCertificate`] when no certificate has that serial;
    /// [`ClientError::Verification`] with [`CryptoError::CertificateExpired`] or
    /// [`CryptoError::CertificateNotYetValid`] outside its window.
    pub fn platform_for(&self, serial: &str, now: i64) -> Result<&Certificate, ClientError> {
        let wanted = normalize(serial);
        let Some(certificate) = self
            .platform
            .iter()
            .find(|c| normalize(&c.serial_hex()) == wanted)
        else {
            let known = self.platform.iter().map(Certificate::serial_hex).collect();
            let serial: String = serial.chars().take(64).collect();
            tracing::warn!(
                serial = %serial,
                known = ?known,
                "answer signed by an unknown platform certificate: refused; if Lakala \
                 rotated its certificate, install the new one (Certificates::reload_from)"
            );
            return Err(ClientError::UnknownCertificate { serial, known });
        };
        certificate
            .check_validity(ValidityCheck::At(now))
            .map_err(ClientError::Verification)?;
        Ok(certificate)
    }

    /// The notification certificates valid at `now`, in the order they were added; an
    /// error naming the first certificate's window when none is valid (or
    /// [`CryptoError::MissingField`] for an empty set).
    pub fn notify_valid_at(&self, now: i64) -> Result<Vec<&Certificate>, CryptoError> {
        let mut first_error = None;
        let valid: Vec<&Certificate> = self
            .notify
            .iter()
            .filter(|c| match c.check_validity(ValidityCheck::At(now)) {
                Ok(()) => true,
                Err(e) => {
                    first_error.get_or_insert(e);
                    false
                }
            })
            .collect();
        if valid.is_empty() {
            return Err(first_error.unwrap_or(CryptoError::MissingField {
                field: "notification certificate",
            }));
        }
        Ok(valid)
    }
}

/// The shared, atomically replaceable [`CertificateSet`] a client and its notification
/// handlers verify with. Cheap to clone: clones share the set.
#[derive(Debug, Clone)]
pub struct Certificates {
    current: Arc<RwLock<Arc<CertificateSet>>>,
}

impl Certificates {
    /// A handle holding `set`.
    pub fn new(set: CertificateSet) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(set))),
        }
    }

    /// The set in force now (verifications in flight keep the one they took).
    pub fn current(&self) -> Arc<CertificateSet> {
        // A poisoned lock only means a writer panicked; the slot always holds a whole set.
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts `set` in force for every verification from now on; returns the previous set.
    pub fn replace(&self, set: CertificateSet) -> Arc<CertificateSet> {
        let platform: Vec<String> = set.platform.iter().map(Certificate::serial_hex).collect();
        let notify: Vec<String> = set.notify.iter().map(Certificate::serial_hex).collect();
        let mut slot = self.current.write().unwrap_or_else(|p| p.into_inner());
        let previous = std::mem::replace(&mut *slot, Arc::new(set));
        drop(slot);
        tracing::info!(?platform, ?notify, "certificate set replaced");
        previous
    }

    /// Reads `files` and puts the result in force. On any error the set in force is kept
    /// unchanged (a half-written rotation never leaves the client without certificates).
    pub fn reload_from(&self, files: &CertificateFiles) -> Result<(), ConfigError> {
        let set = CertificateSet::load(files)?;
        self.replace(set);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn serials_compare_as_hex_numbers() {
        assert_eq!(
            normalize("00DFBA8194C41B84CF"),
            normalize("dfba8194c41b84cf")
        );
        assert_eq!(normalize(" 00ab "), "ab");
        assert_eq!(normalize("000"), "0");
        assert_ne!(normalize("ab"), normalize("abc"));
    }
}
