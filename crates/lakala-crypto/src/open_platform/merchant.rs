//! The merchant's side: sign requests, verify responses and notifications.

use super::authorization::Authorization;
use super::freshness::Freshness;
use super::headers::LklapiHeaders;
use super::message::{notification_message, request_message};
use super::signature;
use crate::error::{CryptoError, Result};
use crate::{Clock, PrivateKey, PublicKey, SystemClock};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use rand::{CryptoRng, RngCore};

/// Length of the nonces this crate generates.
pub const NONCE_LEN: usize = 32;

/// A fresh 32-character `[0-9A-Za-z]` nonce.
pub fn generate_nonce<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> String {
    Alphanumeric.sample_string(rng, NONCE_LEN)
}

/// Signs a merchant's open-platform requests.
///
/// ```
/// use lakala_crypto::open_platform::RequestSigner;
/// use lakala_crypto::PrivateKey;
/// let key = PrivateKey::load(std::fs::read(
///     "../../../shared/vectors/openplatform/sandbox-OP00000003-merchant-key.pem")?)?;
/// let signer = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", key);
/// let auth = signer.sign(br#"{"req_time":"20240929033128"}"#, 1_727_580_688, "abcdefABCDEF")?;
/// assert!(auth.to_string().starts_with(r#"LKLAPI-SHA256withRSA appid="OP00000003",serial_no="00dfba8194c41b84cf",timestamp="1727580688""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestSigner {
    appid: String,
    serial_no: String,
    key: PrivateKey,
}

impl RequestSigner {
    /// A signer for `appid`, whose merchant certificate has serial `serial_no`.
    pub fn new(appid: impl Into<String>, serial_no: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            appid: appid.into(),
            serial_no: serial_no.into(),
            key,
        }
    }

    /// The appid.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Signs `body` (the exact bytes that will be sent) at `timestamp` with `nonce_str`.
    pub fn sign(&self, body: &[u8], timestamp: i64, nonce_str: &str) -> Result<Authorization> {
        let timestamp = timestamp.to_string();
        let message = request_message(&self.appid, &self.serial_no, &timestamp, nonce_str, body);
        Ok(Authorization {
            appid: Some(self.appid.clone()),
            serial_no: Some(self.serial_no.clone()),
            timestamp,
            nonce_str: nonce_str.to_owned(),
            signature: signature::sign(&self.key, &message)?,
        })
    }

    /// Signs `body` now, with a fresh nonce.
    pub fn sign_now(&self, body: &[u8]) -> Result<Authorization> {
        self.sign(
            body,
            SystemClock.unix_seconds(),
            &generate_nonce(&mut OsRng),
        )
    }
}

/// Verifies the signatures of the platform's answers (HTTP 200 with `Lklapi-*` headers).
#[derive(Debug, Clone)]
pub struct ResponseVerifier {
    platform_key: PublicKey,
    freshness: Freshness,
}

impl ResponseVerifier {
    /// Verifies with the platform certificate's key, allowing the default clock skew.
    pub fn new(platform_key: PublicKey) -> Self {
        Self {
            platform_key,
            freshness: Freshness::default(),
        }
    }

    /// Changes the allowed clock skew.
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Verifies `body` against the response headers at time `now` (Unix seconds): first the
    /// signature, then the timestamp window (so a stale error means an authentic but old
    /// answer).
    pub fn verify(&self, headers: &LklapiHeaders, body: &[u8], now: i64) -> Result<()> {
        let message = request_message(
            &headers.appid,
            &headers.serial,
            &headers.timestamp,
            &headers.nonce,
            body,
        );
        signature::verify(&self.platform_key, "response", &message, &headers.signature)?;
        self.freshness.check(headers.timestamp_secs()?, now)
    }
}

/// Verifies the platform's asynchronous notifications (Authorization header, no appid).
///
/// ```
/// use lakala_crypto::open_platform::NotificationVerifier;
/// use lakala_crypto::{Certificate, ValidityCheck};
/// let dir = "../../../shared/vectors/openplatform";
/// let sample: serde_json::Value = serde_json::from_slice(&std::fs::read(format!("{dir}/lakala-notify-sample.json"))?)?;
/// let cert = Certificate::load(std::fs::read(format!("{dir}/lakala-apigw-notify-cert.pem"))?, ValidityCheck::Now)?;
/// let verifier = NotificationVerifier::new(cert.public_key().clone());
/// let auth = verifier.verify(
///     sample["authorization"].as_str().unwrap(),
///     sample["body"].as_str().unwrap().as_bytes(),
///     1_630_905_585, // the clock at the time it was sent
/// )?;
/// assert_eq!(auth.nonce_str, "9003323344");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct NotificationVerifier {
    notify_key: PublicKey,
    freshness: Freshness,
}

impl NotificationVerifier {
    /// Verifies with the notification certificate's key, allowing the default clock skew.
    pub fn new(notify_key: PublicKey) -> Self {
        Self {
            notify_key,
            freshness: Freshness::default(),
        }
    }

    /// Changes the allowed clock skew.
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Parses `authorization`, verifies the signature over `body`, then the timestamp
    /// window at `now` (Unix seconds). Replay protection (remembering nonces) is the
    /// caller's: the returned header carries the timestamp and nonce to remember.
    pub fn verify(&self, authorization: &str, body: &[u8], now: i64) -> Result<Authorization> {
        let auth = Authorization::parse(authorization)?;
        let message = notification_message(&auth.timestamp, &auth.nonce_str, body);
        signature::verify(&self.notify_key, "notification", &message, &auth.signature)?;
        self.freshness.check(auth.timestamp_secs()?, now)?;
        Ok(auth)
    }
}

/// Refuses a header that lacks the request-only fields.
pub(crate) fn request_fields(auth: &Authorization) -> Result<(&str, &str)> {
    match (auth.appid.as_deref(), auth.serial_no.as_deref()) {
        (Some(appid), Some(serial)) if !appid.is_empty() && !serial.is_empty() => {
            Ok((appid, serial))
        }
        _ => Err(CryptoError::MalformedAuthorization {
            reason: "request header lacks appid or serial_no".into(),
        }),
    }
}
