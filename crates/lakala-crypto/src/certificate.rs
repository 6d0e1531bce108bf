//! X.509 certificates: the open platform's signing and notification certificates, and the
//! merchant certificate whose serial number is the `serial_no` of every request.
//!
//! All three are *signing* certificates: their key verifies SHA256withRSA signatures.
//! Lakala's own (`CN=APIGW.LAKALA.COM`) are end-entity certificates, `CA:FALSE` with a
//! critical key usage of `digitalSignature` alone; the ones this crate issues
//! ([`Certificate::self_signed`]) have the same shape, and [`Certificate::load`] refuses a
//! certificate whose key usage leaves `digitalSignature` out, as Java's
//! `Signature.initVerify(X509Certificate)` does (RFC 5280, 4.2.1.3).

use crate::clock::unix_seconds;
use crate::error::{CryptoError, KeyKind, Result};
use crate::key_input::{self, key_error};
use crate::keys::{PrivateKey, PublicKey};
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
/// The certificate below is the public merchant certificate of the test account of Lakala's
/// open platform (appid `OP00000003`, serial_no `00dfba8194c41b84cf`):
///
/// ```
/// # const SANDBOX_OP00000003_CERT: &str = "-----BEGIN CERTIFICATE-----
/// # MIIDYTCCAkmgAwIBAgIJAN+6gZTEG4TPMA0GCSqGSIb3DQEBCwUAMEkxCzAJBgNV
/// # BAYTAlVTMREwDwYDVQQIEwhzaGFuZ2hhaTERMA8GA1UEBxMIc2hhbmdoYWkxFDAS
/// # BgNVBAMUC2xha2FsYV8yMDIxMB4XDTIxMDYxODA3MjEzNFoXDTMxMDYxOTA3MjEz
/// # NFowSTELMAkGA1UEBhMCVVMxETAPBgNVBAgTCHNoYW5naGFpMREwDwYDVQQHEwhz
/// # aGFuZ2hhaTEUMBIGA1UEAxQLbGFrYWxhXzIwMjEwggEiMA0GCSqGSIb3DQEBAQUA
/// # A4IBDwAwggEKAoIBAQDvDBZyHUDndAGxrIcsCV2njhNO3vCEZotTaWYSYwtDvkcA
/// # b1EjsBFabXZaKigpqFXk5XXNI3NIHP9M8XKzIgGvc65NpLAfRjVql8JiTvLyYd1g
/// # IUcOXMInabu+oX7dQSI1mS8XzqaoVRhDZQWhXcJW9bxMulgnzvk0Ggw07AjGF7si
/// # +hP/Va8SJmN7EJwfQq6TpSxR+WdIHpbWdhZ+NHwitnQwAJTLBFvfk28INM39G7XO
/// # sXdVLfsooFdglVTOHpNuRiQAj9gShCCNrpGsNQxDiJIxE43qRsNsRwigyo6DPJk/
/// # klgDJa417E2wgP8VrwiXparO4FMzOGK15quuoD7DAgMBAAGjTDBKMAkGA1UdEwQC
/// # MAAwEQYJYIZIAYb4QgEBBAQDAgTwMAsGA1UdDwQEAwIFoDAdBgNVHSUEFjAUBggr
/// # BgEFBQcDAgYIKwYBBQUHAwEwDQYJKoZIhvcNAQELBQADggEBAI21YYAlH+Pc1ISv
/// # nbQrGqL8suGL0Hh/8hGaFfrJEJEKr9OeC8jElUhck2MTmfu/Y1lB7r8RBrhGPXi4
/// # kTXmB6ADs/9+ezNW3WXyFj7fhs3JcZ3mo33T9wyQySDKd//JrEtrTsc/s2PZ602y
/// # qNmPomXSzjrlugaMyC7LI9sR44mc7sQnchjHoxrQFD5/usTFW72UQfYCORsQWYMt
/// # 0KKEyAcpRL51RE3xbX1WDtduFYGP62PbwLAn2nCL/j1wlF5hltWj7sditWqKgso5
/// # F8BTffn2Bb0RdsNxqwMy1cTPrWLeXVOqMDu3ge7hvoav8lZKTjk5Kmqhs7wNAQXK
/// # mg9qSwo=
/// # -----END CERTIFICATE-----";
/// use lakala_crypto::{Certificate, ValidityCheck};
/// let pem = SANDBOX_OP00000003_CERT;
/// let cert = Certificate::load(pem, ValidityCheck::At(1_727_580_688))?;
/// // The serial as Lakala registers it: the DER integer bytes, leading 00 kept.
/// assert_eq!(cert.serial_hex(), "00dfba8194c41b84cf");
/// assert_eq!(cert.key_usage(), Some(&["digitalSignature", "keyEncipherment"][..]));
/// assert!(!cert.is_ca());
/// // Past its end of validity the certificate is refused.
/// assert!(Certificate::load(pem, ValidityCheck::At(2_000_000_000)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Certificate {
    public_key: PublicKey,
    serial: Vec<u8>,
    not_before: i64,
    not_after: i64,
    subject: String,
    /// The key usage bits asserted, by their RFC 5280 names; `None` without the extension.
    key_usage: Option<Vec<&'static str>>,
    /// `cA` of the basic constraints (false without the extension).
    ca: bool,
}

/// The names of the key usage bits, in RFC 5280's order (bit 0 first).
const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

impl Certificate {
    /// Loads a certificate (PEM, DER, or base64 DER) that verifies signatures: checks that
    /// its key usage allows `digitalSignature` ([`Certificate::check_signing_usage`]), then
    /// its validity period.
    ///
    /// Every certificate of the open platform verifies signatures (answers, notifications,
    /// and on the platform's side requests), so a certificate whose key usage extension
    /// leaves `digitalSignature` out is refused with
    /// [`CryptoError::CertificateKeyUsage`], whatever `check` says: Java merchants would
    /// refuse it too (`Signature.initVerify(X509Certificate)` throws `InvalidKeyException:
    /// Wrong key usage`), so it must never pass unnoticed here.
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
        cert.check_signing_usage()?;
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
        let (key_usage, ca) = usage_extensions(tbs.extensions.as_deref().unwrap_or_default())?;
        Ok(Self {
            public_key: PublicKey::from_rsa(rsa)?,
            serial: tbs.serial_number.as_bytes().to_vec(),
            not_before: unix_seconds(tbs.validity.not_before.to_system_time()),
            not_after: unix_seconds(tbs.validity.not_after.to_system_time()),
            subject: tbs.subject.to_string(),
            key_usage,
            ca,
        })
    }

    /// Checks that the certificate may verify digital signatures: either it has no key
    /// usage extension, or that extension asserts `digitalSignature` (RFC 5280, 4.2.1.3).
    ///
    /// Java refuses such a certificate only when the extension is critical; this check
    /// refuses it either way, since RFC 5280 restricts the key to the usages listed
    /// whether or not the extension is critical. [`Certificate::load`] runs it.
    pub fn check_signing_usage(&self) -> Result<()> {
        match &self.key_usage {
            Some(usages) if !usages.contains(&"digitalSignature") => {
                Err(CryptoError::CertificateKeyUsage {
                    serial: self.serial_hex(),
                    subject: printable_subject(&self.subject),
                    key_usage: if usages.is_empty() {
                        "empty".to_owned()
                    } else {
                        usages.join(", ")
                    },
                })
            }
            _ => Ok(()),
        }
    }

    /// The key usage bits the certificate asserts, by their RFC 5280 names
    /// (`digitalSignature`, `nonRepudiation`, `keyEncipherment`, ..., `keyCertSign`,
    /// `cRLSign`, ...), in bit order; `None` when it has no key usage extension.
    pub fn key_usage(&self) -> Option<&[&'static str]> {
        self.key_usage.as_deref()
    }

    /// Whether the basic constraints extension says `CA:TRUE` (a certificate authority's
    /// certificate). Lakala's signing certificates, and the ones this crate issues, are not.
    pub fn is_ca(&self) -> bool {
        self.ca
    }

    /// Issues a self-signed X.509 v3 signing certificate for `key` (SHA256withRSA), for
    /// sandboxes, tests and key generation tools: never for talking to the real platform.
    ///
    /// It has the shape of Lakala's own signing certificates: an end entity, basic
    /// constraints `CA:FALSE` and key usage `digitalSignature`, both critical, plus a subject
    /// key identifier. Java's `Signature.initVerify(X509Certificate)` accepts it; a CA
    /// certificate (key usage `keyCertSign, cRLSign`) it would refuse.
    ///
    /// - `common_name` becomes the subject and issuer `CN=...` (escaped as RFC 4514 requires);
    ///   name the key's role in it (for example "sandbox open-platform notifications").
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
    /// assert_eq!(cert.key_usage(), Some(&["digitalSignature"][..]));
    /// assert!(!cert.is_ca());
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
        use x509_cert::der::referenced::OwnedToRef;
        use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
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
        let key_id = SubjectKeyIdentifier::try_from(spki.owned_to_ref())
            .map_err(|e| fail("subject key identifier", &e))?;
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa);
        // Not `Profile::Root`: that makes a CA certificate (CA:TRUE, keyCertSign and cRLSign
        // only), which Java refuses to verify signatures with. `Manual` (self-signed, no
        // extensions of its own) plus the extensions of Lakala's signing certificates.
        let mut builder = CertificateBuilder::new(
            Profile::Manual { issuer: None },
            serial,
            validity,
            subject,
            spki,
            &signer,
        )
        .map_err(|e| fail("certificate", &e))?;
        let end_entity = BasicConstraints {
            ca: false,
            path_len_constraint: None,
        };
        builder
            .add_extension(&key_id)
            .and_then(|()| builder.add_extension(&end_entity))
            .and_then(|()| builder.add_extension(&KeyUsage(KeyUsages::DigitalSignature.into())))
            .map_err(|e| fail("extensions", &e))?;
        let cert = builder
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
    pub fn with_backend(&self, backend: crate::backend::Backend) -> Result<Self> {
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

/// Reads the key usage (names of the bits set) and `cA` of the basic constraints from the
/// extensions. A malformed or repeated one refuses the certificate (RFC 5280, 4.2: a
/// certificate must not include more than one instance of an extension).
fn usage_extensions(
    extensions: &[x509_cert::ext::Extension],
) -> Result<(Option<Vec<&'static str>>, bool)> {
    use x509_cert::der::oid::AssociatedOid;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
    let kind = KeyKind::Certificate;
    let mut key_usage = None;
    let mut ca = None;
    for ext in extensions {
        let value = ext.extn_value.as_bytes();
        if ext.extn_id == KeyUsage::OID {
            let usage = KeyUsage::from_der(value)
                .map_err(|e| key_error(kind, format!("bad key usage extension: {e}")))?;
            let bits = usage.0.bits();
            let names = KEY_USAGE_NAMES
                .iter()
                .enumerate()
                .filter(|(bit, _)| bits & (1 << bit) != 0)
                .map(|(_, name)| *name)
                .collect();
            if key_usage.replace(names).is_some() {
                return Err(key_error(kind, "key usage extension appears twice"));
            }
        } else if ext.extn_id == BasicConstraints::OID {
            let constraints = BasicConstraints::from_der(value)
                .map_err(|e| key_error(kind, format!("bad basic constraints extension: {e}")))?;
            if ca.replace(constraints.ca).is_some() {
                return Err(key_error(kind, "basic constraints extension appears twice"));
            }
        }
    }
    Ok((key_usage, ca.unwrap_or(false)))
}

/// A subject for an error message: control characters escaped, at most 200 characters.
fn printable_subject(subject: &str) -> String {
    let escaped: String = subject.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 200 {
        let cut: String = escaped.chars().take(200).collect();
        format!("{cut}...")
    } else {
        escaped
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
