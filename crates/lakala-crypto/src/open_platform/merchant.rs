//! The merchant's side: sign requests, verify responses and notifications.

use super::authorization::Authorization;
use super::freshness::Freshness;
use super::headers::LklapiHeaders;
use super::message::{notification_message, request_message};
use super::signature;
use crate::clock::{Clock, SystemClock};
use crate::error::{CryptoError, Result};
use crate::keys::{PrivateKey, PublicKey};
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
/// let key = PrivateKey::generate(&mut rand::thread_rng(), 2048)?; // the merchant's key
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
/// A real notification Lakala published (its `Authorization` header and body, hidden here),
/// verified with Lakala's notification certificate (`CN=APIGW.LAKALA.COM`, serial
/// `01745381C327`):
///
/// ```
/// # const LAKALA_NOTIFY_CERT: &str = "-----BEGIN CERTIFICATE-----
/// # MIIEMTCCAxmgAwIBAgIGAXRTgcMnMA0GCSqGSIb3DQEBCwUAMHYxCzAJBgNVBAYT
/// # AkNOMRAwDgYDVQQIDAdCZWlKaW5nMRAwDgYDVQQHDAdCZWlKaW5nMRcwFQYDVQQK
/// # DA5MYWthbGEgQ28uLEx0ZDEqMCgGA1UEAwwhTGFrYWxhIE9yZ2FuaXphdGlvbiBW
/// # YWxpZGF0aW9uIENBMB4XDTIwMTAxMDA1MjQxNFoXDTMwMTAwODA1MjQxNFowZTEL
/// # MAkGA1UEBhMCQ04xEDAOBgNVBAgMB0JlaUppbmcxEDAOBgNVBAcMB0JlaUppbmcx
/// # FzAVBgNVBAoMDkxha2FsYSBDby4sTHRkMRkwFwYDVQQDDBBBUElHVy5MQUtBTEEu
/// # Q09NMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt1zHL54HiI8d2sLJ
/// # lwoQji3/ln0nsvfZ/XVpOjuB+1YR6/0LdxEDMC/hxI6iH2Rm5MjwWz3dmN/6BZeI
/// # gwGeTOWJUZFARo8UduKrlhC6gWMRpAiiGC8wA8stikc5gYB+UeFVZi/aJ0WN0cpP
/// # JYCvPBhxhMvhVDnd4hNohnR1L7k0ypuWg0YwGjC25FaNAEFBYP9EYUyCJjE//9Z7
/// # sMzHR9SJYCqqo6r9bOH9G6sWKuEp+osuAh+kJIxJMHfipw7w3tEcWG0hce9u/el4
/// # cYJtg8/PPMVoccKmeCzMvarr7jdKP4lenJbtwlgyfs+JgNu60KMUJH8RS72wC9NY
/// # uFz09wIDAQABo4HVMIHSMIGSBgNVHSMEgYowgYeAFCnH4DkZPR6CZxRn/kIqVsMo
/// # dJHpoWekZTBjMQswCQYDVQQGEwJDTjEQMA4GA1UECAwHQmVpSmluZzEQMA4GA1UE
/// # BwwHQmVpSmluZzEXMBUGA1UECgwOTGFrYWxhIENvLixMdGQxFzAVBgNVBAMMDkxh
/// # a2FsYSBSb290IENBggYBaiUALIowHQYDVR0OBBYEFJ2Kx9YZfmWpkKFnC33C0r5D
/// # K3rFMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMA0GCSqGSIb3DQEBCwUA
/// # A4IBAQBZoeU0XyH9O0LGF9R+JyGwfU/O5amoB97VeM+5n9v2z8OCiIJ8eXVGKN9L
/// # tl9QkpTEanYwK30KkpHcJP1xfVkhPi/cCMgfTWQ5eKYC7Zm16zk7n4CP6IIgZIqm
/// # TVGsIGKk8RzWseyWPB3lfqMDR52V1tdA1S8lJ7a2Xnpt5M2jkDXoArl3SVSwCb4D
/// # AmThYhak48M++fUJNYII9JBGRdRGbfJ2GSFdPXgesUL2CwlReQwbW4GZkYGOg9LK
/// # CNPK6XShlNdvgPv0CCR08KCYRwC3HZ0y1F0NjaKzYdGNPrvOq9lA495ONZCvzYDo
/// # gmsu/kd6eqxTs/JwdaIYr4sCMg8Z
/// # -----END CERTIFICATE-----";
/// # const AUTHORIZATION: &str = r#"LKLAPI-SHA256withRSA timestamp="1630905585",nonce_str="9003323344",signature="tnjIAcEISq/ClrOppv/nojeZnE/pB1wNfQC/hMTME+rQMapWzvs9v1J68ueDpVzs1RW22dNotmUVy2sM6thNFRkaOx4qQGslX6kIttwvlsJsSEIR3qrjdPdUAkbP2KDRLujspxE9X0daJ6BU+rOoJ8p4c6y1/QSOMtDJoO3EABOF4O6RFHR3N7JW8o4qcf7lOOO7D4rlAB2vw6tV8WeG+OEyJ++Q0K3V1oM5uJEIPPuJkb2qlEqVYKiYLyvIdEJ1Z5qMbC9U7rKuHdeTQPl7last/h5nd6WauzDfYPKlAjZBEPYjiDqRv6Dm+4FeNtALoy6Mg7Ruxeq1pJudfj0iKg==""#;
/// # const BODY: &str = r#"{"payOrderNo":"21090611012001970631000463034","merchantOrderNo":"CH2021090613190866292","orderInfo":null,"merchantNo":"822126090640003","termId":"47781282","tradeMerchantNo":"822126090640003","tradeTermId":"47781282","channelId":"10000038","currency":"156","amount":1,"tradeType":"PAY","payStatus":"S","notifyStatus":0,"orderCreateTime":"2021-09-06T05:19:43.000+00:00","orderEfficientTime":"2021-09-06T05:19:43.000+00:00","extendField":null,"payTime":"2021-09-06T05:19:43.000+00:00","remark":"","noticeNum":1,"sign":null,"notifyUrl":null,"notifyMode":"2","payInfo":"1#1#ALIPAY#0#2021090622001432581427657317","lklOrderNo":"2021090666210003610012","crdFlg":"92","payerId1":"2088702852632582","payerId2":"rob***@126.com","smCrdFlg":"01","tradeTime":"20210906131943","accountChannelOrderNo":"2021090622001432581427657317","actualPayAmount":1,"logNo":"66210003610012"}"#;
/// use lakala_crypto::open_platform::NotificationVerifier;
/// use lakala_crypto::{Certificate, ValidityCheck};
/// let cert = Certificate::load(LAKALA_NOTIFY_CERT, ValidityCheck::Now)?;
/// let verifier = NotificationVerifier::new(cert.public_key().clone());
/// let auth = verifier.verify(
///     AUTHORIZATION,
///     BODY.as_bytes(),
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
