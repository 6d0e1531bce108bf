//! The merchant's side of the cross-border protocol.

use super::enc_key;
use super::envelope::{
    NotificationAnswerEnvelope, NotificationEnvelope, RequestEnvelope, ResponseEnvelope, VERSION,
};
use crate::enc_data;
use crate::error::{CryptoError, Result};
use crate::keys::{PrivateKey, PublicKey};
use crate::plaintext::Plaintext;
use crate::sec_key::SecKey;
use crate::ts::parse_ts;
use rand::{CryptoRng, RngCore};

/// A merchant's keys for the cross-border gateway: its id, its private key and the
/// platform's public key. Parse once, share by reference or clone (cheap).
///
/// ```
/// use lakala_crypto::crossborder::{Merchant, Platform};
/// use lakala_crypto::{PrivateKey, TsGenerator};
/// # let mut rng = rand::thread_rng();
/// # let merchant_key = PrivateKey::generate(&mut rng, 1024)?;
/// # let platform_key = PrivateKey::generate(&mut rng, 1024)?;
/// let merchant = Merchant::new("DOPCHN000258", merchant_key.clone(), platform_key.public_key());
/// let ts = TsGenerator::new();
///
/// // Seal a gate/auth request; keep `sealed.sec_key` to open the answer.
/// let sealed = merchant.seal_request(&ts.next(), r#"{"orderNo":"1","bizType":"00"}"#)?;
///
/// // (The platform's side, as the sandbox plays it.)
/// let platform = Platform::new(platform_key, merchant_key.public_key());
/// let request = platform.open_request(&sealed.envelope)?;
/// let answer = platform.seal_response(&request, &ts.next(), "0000", "成功", Some(r#"{"retCode":"0000"}"#))?;
///
/// let opened = merchant.open_response(&answer, &sealed.sec_key)?;
/// assert_eq!(opened.ret_code, "0000");
/// assert_eq!(opened.biz.unwrap().as_str(), r#"{"retCode":"0000"}"#);
/// # Ok::<(), lakala_crypto::CryptoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Merchant {
    mer_id: String,
    merchant_key: PrivateKey,
    platform_key: PublicKey,
}

/// A sealed request and the one-time key needed to open its answer.
#[derive(Debug, Clone)]
pub struct SealedRequest {
    /// What goes on the wire.
    pub envelope: RequestEnvelope,
    /// Keep it until the answer is opened; it is zeroized on drop.
    pub sec_key: SecKey,
}

/// A verified, decrypted platform answer.
#[derive(Debug, Clone)]
pub struct OpenedResponse {
    /// `retCode` (authenticated by the MAC).
    pub ret_code: String,
    /// `retMsg` (authenticated by the MAC).
    pub ret_msg: String,
    /// The `ts` of the answer.
    pub ts: String,
    /// Decrypted business JSON, `None` when the answer carried no `encData`.
    pub biz: Option<Plaintext>,
}

/// A verified, decrypted platform notification.
#[derive(Debug, Clone)]
pub struct OpenedNotification {
    /// `merId`.
    pub mer_id: String,
    /// `ts` (authenticated by the MAC and matched against `encKey`).
    pub ts: String,
    /// `reqType`, for example `B0005`.
    pub req_type: String,
    /// Decrypted business JSON.
    pub biz: Plaintext,
    /// The notification's one-time key, needed to seal the answer.
    pub sec_key: SecKey,
}

impl Merchant {
    /// Keys for merchant `mer_id`.
    pub fn new(
        mer_id: impl Into<String>,
        merchant_key: PrivateKey,
        platform_key: PublicKey,
    ) -> Self {
        Self {
            mer_id: mer_id.into(),
            merchant_key,
            platform_key,
        }
    }

    /// The merchant id.
    pub fn mer_id(&self) -> &str {
        &self.mer_id
    }

    /// Seals `biz_json` into a request, with a fresh one-time key and RSA padding from
    /// `rand::thread_rng()`: a ChaCha CSPRNG seeded, and reseeded every 64 KiB, from the
    /// OS generator, without a system call per draw (what OpenSSL does with its own DRBG).
    pub fn seal_request(&self, ts: &str, biz_json: &str) -> Result<SealedRequest> {
        self.seal_request_with_rng(ts, biz_json, &mut rand::thread_rng())
    }

    /// Seals with randomness from `rng` (seeded generators make reproducible vectors).
    pub fn seal_request_with_rng<R: RngCore + CryptoRng + ?Sized>(
        &self,
        ts: &str,
        biz_json: &str,
        rng: &mut R,
    ) -> Result<SealedRequest> {
        let key = SecKey::generate(rng);
        self.seal_request_with_key(ts, biz_json, key, rng)
    }

    /// Seals with a given one-time key. Only for reproducing test vectors: a key must never
    /// serve twice.
    pub fn seal_request_with_key<R: RngCore + CryptoRng + ?Sized>(
        &self,
        ts: &str,
        biz_json: &str,
        sec_key: SecKey,
        rng: &mut R,
    ) -> Result<SealedRequest> {
        parse_ts(ts)?;
        let enc_data = enc_data::seal(&sec_key, biz_json)?;
        let enc_key = enc_key::seal(&self.platform_key, ts, &sec_key, rng)?;
        let mut envelope = RequestEnvelope {
            mer_id: self.mer_id.clone(),
            ver: VERSION.to_owned(),
            ts: ts.to_owned(),
            enc_key,
            enc_data,
            mac: String::new(),
        };
        envelope.mac = envelope.mac_input().sign(&self.merchant_key)?;
        Ok(SealedRequest { envelope, sec_key })
    }

    /// Verifies the platform's MAC on an answer, then decrypts its `encData` with the
    /// request's one-time key.
    ///
    /// An answer without a MAC is refused with [`CryptoError::MissingField`]: nothing in it
    /// can be trusted, not even its `retCode`. An answer without `encData` verifies over the
    /// MAC string ending with `ts` and opens with no business data; one whose `encData` is
    /// the text `null` is refused (see [`ResponseEnvelope`]'s documentation for why).
    pub fn open_response(
        &self,
        response: &ResponseEnvelope,
        sec_key: &SecKey,
    ) -> Result<OpenedResponse> {
        let mac = non_empty(response.mac.as_deref(), "mac")?;
        response.mac_input().verify(&self.platform_key, mac)?;
        let biz = match response.enc_data.as_deref() {
            Some(data) if !data.is_empty() => Some(Plaintext::new(enc_data::open(sec_key, data)?)),
            _ => None,
        };
        Ok(OpenedResponse {
            ret_code: response.ret_code.clone(),
            ret_msg: response.ret_msg.clone(),
            ts: response.ts.clone(),
            biz,
        })
    }

    /// Verifies a notification's MAC first, then decrypts its `encKey` (whose first
    /// characters must equal `ts`) and `encData`.
    pub fn open_notification(&self, n: &NotificationEnvelope) -> Result<OpenedNotification> {
        let mac = non_empty(Some(&n.mac), "mac")?;
        n.mac_input().verify(&self.platform_key, mac)?;
        parse_ts(&n.ts)?;
        let sec_key = enc_key::open(&self.merchant_key, &n.ts, &n.enc_key)?;
        let biz = Plaintext::new(enc_data::open(&sec_key, &n.enc_data)?);
        Ok(OpenedNotification {
            mer_id: n.mer_id.clone(),
            ts: n.ts.clone(),
            req_type: n.req_type.clone(),
            biz,
            sec_key,
        })
    }

    /// Seals the merchant's answer to a notification: `answer_json` under the
    /// notification's one-time key, `ts` and `reqType` copied, MAC by the merchant key.
    pub fn seal_notification_answer(
        &self,
        notification: &OpenedNotification,
        ret_code: &str,
        ret_msg: &str,
        answer_json: &str,
    ) -> Result<NotificationAnswerEnvelope> {
        let mut answer = NotificationAnswerEnvelope {
            ret_code: ret_code.to_owned(),
            ret_msg: ret_msg.to_owned(),
            mer_id: self.mer_id.clone(),
            ts: notification.ts.clone(),
            req_type: notification.req_type.clone(),
            ver: VERSION.to_owned(),
            enc_data: enc_data::seal(&notification.sec_key, answer_json)?,
            mac: String::new(),
        };
        answer.mac = answer.mac_input().sign(&self.merchant_key)?;
        Ok(answer)
    }
}

pub(crate) fn non_empty<'a>(value: Option<&'a str>, field: &'static str) -> Result<&'a str> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(CryptoError::MissingField { field }),
    }
}
