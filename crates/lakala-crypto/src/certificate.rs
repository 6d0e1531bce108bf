//! X.509 certificates: the open platform's signing and notification certificates, and the
//! merchant certificate whose serial number is the `serial_no` of every request.

use crate::clock::unix_seconds;
use crate::error::{CryptoError, KeyKind, Result};
use crate::key_input::{self, key_error};
use crate::PublicKey;
use pkcs8::der::{Decode, Encode};
use rsa::RsaPublicKey;
use std::time::SystemTime;
use x509_cert::Certificate as X509;

/// When to check a certificate's validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidityCheck {
    /// Against the system clock, now (the default of [`Certificate::load`]).
    Now,
    /// Against the given Unix time in seconds (for recorded messages and tests).
    At(i64),
    /// Not at all. Only for replaying old material knowingly; the name says what it risks.
    AllowExpired,
}

/// A parsed X.509 certificate holding an RSA public key.
///
/// ```
/// use lakala_crypto::{Certificate, ValidityCheck};
/// let pem = std::fs::read("../../../shared/vectors/openplatform/sandbox-OP00000003-cert.pem")?;
/// let cert = Certificate::load(&pem, ValidityCheck::At(1_727_580_688))?;
/// // The serial as Lakala registers it: the DER integer bytes, leading 00 kept.
/// assert_eq!(cert.serial_hex(), "00dfba8194c41b84cf");
/// // Past its end of validity the certificate is refused.
/// assert!(Certificate::load(&pem, ValidityCheck::At(2_000_000_000)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Certificate {
    public_key: PublicKey,
    serial: Vec<u8>,
    not_before: i64,
    not_after: i64,
    subject: String,
}

impl Certificate {
    /// Loads a certificate (PEM, DER, or base64 DER) and checks its validity period.
    pub fn load(input: impl AsRef<[u8]>, check: ValidityCheck) -> Result<Self> {
        let decoded = key_input::decode(KeyKind::Certificate, input.as_ref())?;
        match decoded.label.as_deref() {
            None | Some("CERTIFICATE") => {}
            Some(other) => {
                return Err(key_error(
                    KeyKind::Certificate,
                    format!("unexpected PEM label {other:?}"),
                ))
            }
        }
        let cert = Self::from_der_unchecked(&decoded.der)?;
        cert.check_validity(check)?;
        Ok(cert)
    }

    pub(crate) fn from_der_unchecked(der: &[u8]) -> Result<Self> {
        let kind = KeyKind::Certificate;
        let x509 = X509::from_der(der).map_err(|e| key_error(kind, format!("bad DER: {e}")))?;
        let tbs = &x509.tbs_certificate;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| key_error(kind, format!("bad public key info: {e}")))?;
        let rsa = <RsaPublicKey as pkcs8::DecodePublicKey>::from_public_key_der(&spki)
            .map_err(|e| key_error(kind, format!("not an RSA public key: {e}")))?;
        Ok(Self {
            public_key: PublicKey::from_rsa(rsa)?,
            serial: tbs.serial_number.as_bytes().to_vec(),
            not_before: unix_seconds(tbs.validity.not_before.to_system_time()),
            not_after: unix_seconds(tbs.validity.not_after.to_system_time()),
            subject: tbs.subject.to_string(),
        })
    }

    /// Checks the validity period as `check` says.
    pub fn check_validity(&self, check: ValidityCheck) -> Result<()> {
        let at = match check {
            ValidityCheck::Now => unix_seconds(SystemTime::now()),
            ValidityCheck::At(t) => t,
            ValidityCheck::AllowExpired => return Ok(()),
        };
        if at > self.not_after {
            return Err(CryptoError::CertificateExpired {
                serial: self.serial_hex(),
                not_after: self.not_after,
                checked_at: at,
            });
        }
        if at < self.not_before {
            return Err(CryptoError::CertificateNotYetValid {
                serial: self.serial_hex(),
                not_before: self.not_before,
                checked_at: at,
            });
        }
        Ok(())
    }

    /// The certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Serial number as lowercase hex of its DER bytes (a leading `00` is kept, as Lakala
    /// registers `serial_no`).
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of validity, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Subject distinguished name, RFC 4514 form.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}
