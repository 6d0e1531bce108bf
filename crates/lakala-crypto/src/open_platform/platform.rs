//! The platform's side, for sandboxes: verify merchant requests, sign answers and
//! notifications.

use super::authorization::Authorization;
use super::freshness::Freshness;
use super::headers::LklapiHeaders;
use super::merchant::request_fields;
use super::message::{notification_message, request_message};
use super::signature;
use crate::error::Result;
use crate::keys::{PrivateKey, PublicKey};

/// Verifies merchant requests with the merchant certificate's key.
#[derive(Debug, Clone)]
pub struct RequestVerifier {
    merchant_key: PublicKey,
    freshness: Freshness,
}

impl RequestVerifier {
    /// Verifies with `merchant_key`, allowing the default clock skew.
    pub fn new(merchant_key: PublicKey) -> Self {
        Self {
            merchant_key,
            freshness: Freshness::default(),
        }
    }

    /// Changes the allowed clock skew.
    pub fn with_freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Parses the request's `Authorization`, verifies the signature over `body`, then the
    /// timestamp window at `now`. The caller checks that appid and serial are the ones it
    /// registered.
    pub fn verify(&self, authorization: &str, body: &[u8], now: i64) -> Result<Authorization> {
        let auth = Authorization::parse(authorization)?;
        let (appid, serial) = request_fields(&auth)?;
        let message = request_message(appid, serial, &auth.timestamp, &auth.nonce_str, body);
        signature::verify(&self.merchant_key, "request", &message, &auth.signature)?;
        self.freshness.check(auth.timestamp_secs()?, now)?;
        Ok(auth)
    }
}

/// Signs the platform's answers and notifications.
#[derive(Debug, Clone)]
pub struct PlatformSigner {
    serial: String,
    key: PrivateKey,
}

impl PlatformSigner {
    /// A signer whose certificate has serial `serial` (sent as `Lklapi-Serial`).
    pub fn new(serial: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            serial: serial.into(),
            key,
        }
    }

    /// Signs an answer to `appid`'s request.
    pub fn sign_response(
        &self,
        appid: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<LklapiHeaders> {
        let timestamp = timestamp.to_string();
        let message = request_message(appid, &self.serial, &timestamp, nonce, body);
        Ok(LklapiHeaders {
            appid: appid.to_owned(),
            serial: self.serial.clone(),
            timestamp,
            nonce: nonce.to_owned(),
            signature: signature::sign(&self.key, &message)?,
        })
    }

    /// Signs a notification body; the result is its `Authorization` header.
    pub fn sign_notification(
        &self,
        body: &[u8],
        timestamp: i64,
        nonce_str: &str,
    ) -> Result<Authorization> {
        let timestamp = timestamp.to_string();
        let message = notification_message(&timestamp, nonce_str, body);
        Ok(Authorization {
            appid: None,
            serial_no: None,
            timestamp,
            nonce_str: nonce_str.to_owned(),
            signature: signature::sign(&self.key, &message)?,
        })
    }
}
