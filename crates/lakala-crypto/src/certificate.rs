//! X.509 certificates: the open platform's signing and notification certificates, and the
//! merchant certificate whose serial number is the `serial_no` of every request.

use crate::clock::unix_seconds;
use crate::error::{CryptoError, KeyKind, Result};
use crate::key_input::{self, key_error};
use crate::{PrivateKey, PublicKey};
use pkcs8::der::{Decode, Encode};
use rsa::RsaPublicKey;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
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

    /// Issues a self-signed X.509 v3 certificate for `key` (SHA256withRSA), for sandboxes,
    /// tests and key generation tools: never for talking to the real platform.
    ///
    /// - `common_name` becomes the subject and issuer `CN=...` (escaped as RFC 4514 requires).
    /// - `serial` is the serial number as unsigned big-endian bytes (at most 20 significant
    ///   bytes; leading zero bytes are dropped, and a first byte `>= 0x80` gains a leading
    ///   `00` in DER, as Lakala's registered `serial_no` values often show: see
    ///   [`Certificate::serial_hex`]). It must not be zero.
    /// - `not_before` / `not_after` are Unix seconds (UTCTime up to 2049, GeneralizedTime
    ///   after, as RFC 5280 requires), with `0 <= not_before <= not_after`.
    ///
    /// Returns the parsed certificate and its PEM text. The output is deterministic: the
    /// same inputs give the same bytes (PKCS#1 v1.5 signatures have no randomness).
    ///
    /// ```
    /// use lakala_crypto::{Certificate, PrivateKey, ValidityCheck};
    /// let key = PrivateKey::generate(&mut rand::thread_rng(), 1024)?;
    /// let (cert, pem) = Certificate::self_signed(&key, "sandbox", &[0xdf, 0xba, 0x81], 1_704_067_200, 2_524_607_999)?;
    /// assert_eq!(cert.serial_hex(), "00dfba81");
    /// assert_eq!(cert.subject(), "CN=sandbox");
    /// assert_eq!(*cert.public_key(), key.public_key());
    /// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    /// let again = Certificate::load(&pem, ValidityCheck::At(1_800_000_000))?;
    /// assert_eq!(again.serial_hex(), cert.serial_hex());
    /// # Ok::<(), lakala_crypto::CryptoError>(())
    /// ```
    pub fn self_signed(
        key: &PrivateKey,
        common_name: &str,
        serial: &[u8],
        not_before: i64,
        not_after: i64,
    ) -> Result<(Certificate, String)> {
        let subject = format!("CN={}", escape_rfc4514(common_name));
        Self::self_signed_with_subject(key, &subject, serial, not_before, not_after)
    }

    /// As [`Certificate::self_signed`], with a whole RFC 4514 subject (and issuer)
    /// distinguished name such as `CN=test,O=example,C=CN`, used as given.
    pub fn self_signed_with_subject(
        key: &PrivateKey,
        subject: &str,
        serial: &[u8],
        not_before: i64,
        not_after: i64,
    ) -> Result<(Certificate, String)> {
        use pkcs8::der::pem::LineEnding;
        use pkcs8::der::EncodePem;
        use x509_cert::builder::{Builder, CertificateBuilder, Profile};
        use x509_cert::name::Name;
        use x509_cert::serial_number::SerialNumber;
        use x509_cert::spki::SubjectPublicKeyInfoOwned;
        use x509_cert::time::{Time, Validity};

        let kind = KeyKind::Certificate;
        let fail = |what: &str, e: &dyn std::fmt::Display| key_error(kind, format!("{what}: {e}"));
        if not_before < 0 || not_after < not_before {
            return Err(key_error(
                kind,
                "validity must satisfy 0 <= not_before <= not_after",
            ));
        }
        if serial.iter().all(|b| *b == 0) {
            return Err(key_error(kind, "serial number must be positive"));
        }
        let time = |secs: i64| {
            let at = UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs());
            // The builder turns dates before 2050 into UTCTime, as RFC 5280 requires.
            Time::try_from(at).map_err(|e| fail("validity", &e))
        };
        let validity = Validity {
            not_before: time(not_before)?,
            not_after: time(not_after)?,
        };
        let serial = SerialNumber::new(serial).map_err(|e| fail("serial number", &e))?;
        let subject = Name::from_str(subject).map_err(|e| fail("subject", &e))?;
        let rsa = key.rsa().inner().clone();
        let spki = SubjectPublicKeyInfoOwned::from_key(rsa.to_public_key())
            .map_err(|e| fail("public key", &e))?;
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa);
        let cert = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
            .map_err(|e| fail("certificate", &e))?
            // Blinded, like every private-key operation of this crate.
            .build_with_rng::<rsa::pkcs1v15::Signature>(&mut rand::rngs::OsRng)
            .map_err(|e| fail("signing", &e))?;
        let pem = cert
            .to_pem(LineEnding::LF)
            .map_err(|e| fail("encoding", &e))?;
        let der = cert.to_der().map_err(|e| fail("encoding", &e))?;
        Ok((Self::from_der_unchecked(&der)?, pem))
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

    /// The same certificate with its public key on `backend` (see
    /// [`PublicKey::with_backend`]).
    pub fn with_backend(&self, backend: crate::Backend) -> Result<Self> {
        Ok(Self {
            public_key: self.public_key.with_backend(backend)?,
            ..self.clone()
        })
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

/// Escapes an attribute value for an RFC 4514 distinguished name string.
fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, ch) in value.chars().enumerate() {
        let special = matches!(ch, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=')
            || (i == 0 && (ch == '#' || ch == ' '))
            || (i == last && ch == ' ');
        if special {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}
