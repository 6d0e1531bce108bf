//! The platform's side of the cross-border protocol, for sandboxes and test doubles.

use super::envelope::{
    NotificationAnswerEnvelope, NotificationEnvelope, RequestEnvelope, ResponseEnvelope, VERSION,
};
use super::merchant::non_empty;
use super::{enc_key, MacInput};
use crate::enc_data;
use crate::error::Result;
use crate::keys::{PrivateKey, PublicKey};
use crate::plaintext::Plaintext;
use crate::sec_key::SecKey;
use crate::ts::parse_ts;
use rand::{CryptoRng, RngCore};

/// The platform's keys for one merchant: the platform private key and the merchant's
/// public key.
#[derive(Debug, Clone)]
pub struct Platform {
    platform_key: PrivateKey,
    merchant_key: PublicKey,
}

/// A verified, decrypted merchant request.
#[derive(Debug, Clone)]
pub struct OpenedRequest {
    /// `merId` (authenticated by the MAC).
    pub mer_id: String,
    /// `ver`.
    pub ver: String,
    /// `ts` (authenticated, well-formed, and matched against `encKey`).
    pub ts: String,
    /// Decrypted business JSON.
    pub biz: Plaintext,
    /// The request's one-time key, which seals the answer.
    pub sec_key: SecKey,
}

/// A verified, decrypted merchant answer to a notification.
#[derive(Debug, Clone)]
pub struct OpenedNotificationAnswer {
    /// `retCode`.
    pub ret_code: String,
    /// `retMsg`.
    pub ret_msg: String,
    /// Decrypted answer JSON, `None` if `encData` was empty.
    pub biz: Option<Plaintext>,
}

impl Platform {
    /// Keys for one merchant.
    pub fn new(platform_key: PrivateKey, merchant_key: PublicKey) -> Self {
        Self {
            platform_key,
            merchant_key,
        }
    }

    /// Verifies the merchant's MAC first, checks `ts`, then decrypts `encKey` (which must
    /// start with `ts`) and `encData`.
    pub fn open_request(&self, r: &RequestEnvelope) -> Result<OpenedRequest> {
        let mac = non_empty(Some(&r.mac), "mac")?;
        r.mac_input().verify(&self.merchant_key, mac)?;
        parse_ts(&r.ts)?;
        let sec_key = enc_key::open(&self.platform_key, &r.ts, &r.enc_key)?;
        let biz = Plaintext::new(enc_data::open(&sec_key, &r.enc_data)?);
        Ok(OpenedRequest {
            mer_id: r.mer_id.clone(),
            ver: r.ver.clone(),
            ts: r.ts.clone(),
            biz,
            sec_key,
        })
    }

    /// Seals an answer to `request` under its one-time key.
    pub fn seal_response(
        &self,
        request: &OpenedRequest,
        ts: &str,
        ret_code: &str,
        ret_msg: &str,
        biz_json: Option<&str>,
    ) -> Result<ResponseEnvelope> {
        let enc_data = biz_json
            .map(|json| enc_data::seal(&request.sec_key, json))
            .transpose()?;
        let mut response = ResponseEnvelope {
            ret_code: ret_code.to_owned(),
            ret_msg: ret_msg.to_owned(),
            mer_id: request.mer_id.clone(),
            ver: VERSION.to_owned(),
            ts: ts.to_owned(),
            enc_data,
            mac: None,
        };
        response.mac = Some(response.mac_input().sign(&self.platform_key)?);
        Ok(response)
    }

    /// Seals a notification for merchant `mer_id`, with a fresh one-time key (randomness
    /// from `rand::thread_rng()`, as [`crate::crossborder::Merchant::seal_request`]).
    pub fn seal_notification(
        &self,
        mer_id: &str,
        ts: &str,
        req_type: &str,
        biz_json: &str,
    ) -> Result<(NotificationEnvelope, SecKey)> {
        self.seal_notification_with_rng(mer_id, ts, req_type, biz_json, &mut rand::thread_rng())
    }

    /// Seals a notification with randomness from `rng`.
    pub fn seal_notification_with_rng<R: RngCore + CryptoRng + ?Sized>(
        &self,
        mer_id: &str,
        ts: &str,
        req_type: &str,
        biz_json: &str,
        rng: &mut R,
    ) -> Result<(NotificationEnvelope, SecKey)> {
        let key = SecKey::generate(rng);
        self.seal_notification_with_key(mer_id, ts, req_type, biz_json, key, rng)
    }

    /// Seals a notification with a given one-time key (test vectors only).
    pub fn seal_notification_with_key<R: RngCore + CryptoRng + ?Sized>(
        &self,
        mer_id: &str,
        ts: &str,
        req_type: &str,
        biz_json: &str,
        sec_key: SecKey,
        rng: &mut R,
    ) -> Result<(NotificationEnvelope, SecKey)> {
        parse_ts(ts)?;
        let mut n = NotificationEnvelope {
            mer_id: mer_id.to_owned(),
            ver: VERSION.to_owned(),
            ts: ts.to_owned(),
            req_type: req_type.to_owned(),
            enc_key: enc_key::seal(&self.merchant_key, ts, &sec_key, rng)?,
            enc_data: enc_data::seal(&sec_key, biz_json)?,
            mac: String::new(),
        };
        n.mac = MacInput::Notification {
            ts: &n.ts,
            req_type: &n.req_type,
            enc_data: &n.enc_data,
        }
        .sign(&self.platform_key)?;
        Ok((n, sec_key))
    }

    /// Verifies the merchant's answer to a notification and decrypts its `encData`.
    pub fn open_notification_answer(
        &self,
        answer: &NotificationAnswerEnvelope,
        sec_key: &SecKey,
    ) -> Result<OpenedNotificationAnswer> {
        let mac = non_empty(Some(&answer.mac), "mac")?;
        answer.mac_input().verify(&self.merchant_key, mac)?;
        let biz = if answer.enc_data.is_empty() {
            None
        } else {
            Some(Plaintext::new(enc_data::open(sec_key, &answer.enc_data)?))
        };
        Ok(OpenedNotificationAnswer {
            ret_code: answer.ret_code.clone(),
            ret_msg: answer.ret_msg.clone(),
            biz,
        })
    }
}
