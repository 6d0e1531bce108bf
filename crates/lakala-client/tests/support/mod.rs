//! A scripted stand-in for the platform that does the real cryptography: it verifies the
//! client's signatures and MACs exactly as the platform would, and signs its answers.
#![allow(dead_code)]

use lakala_client::{
    Config, CrossBorderCredentials, Environment, LakalaClient, OpenPlatformCredentials, Sleeper,
};
use lakala_crypto::crossborder::{Platform, RequestEnvelope};
use lakala_crypto::open_platform::{PlatformSigner, RequestVerifier};
use lakala_crypto::{Certificate, Clock, ManualClock, PrivateKey, ValidityCheck};
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use rand::SeedableRng;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const START: i64 = 1_727_580_688;

pub fn shared(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/lakala")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn key(seed: u64) -> PrivateKey {
    static KEYS: OnceLock<Mutex<Vec<(u64, PrivateKey)>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    let mut keys = keys.lock().unwrap();
    if let Some((_, k)) = keys.iter().find(|(s, _)| *s == seed) {
        return k.clone();
    }
    let k = PrivateKey::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), 1024).unwrap();
    keys.push((seed, k.clone()));
    k
}

/// One request as the platform saw it, after verification.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// The request body (open platform) or the decrypted business JSON (gate/auth).
    pub json: serde_json::Value,
}

/// What the platform does with the next request to a path.
pub enum Reply {
    /// Answer with this JSON, signed (open platform) or sealed with a MAC (gate/auth:
    /// `retCode`, `retMsg` and an optional business object under `biz`).
    Json(serde_json::Value),
    /// Answer signed, then change one byte of the body.
    Tampered(serde_json::Value),
    /// Answer with no signature headers / no MAC.
    Unsigned(serde_json::Value),
    /// Fail the exchange after the platform processed the request.
    FailAfter(TransportError),
    /// Fail the exchange before anything reached the platform.
    FailBefore(TransportError),
    /// An HTTP status with a body.
    Status(u16),
    /// Answer with this JSON, genuinely signed, but for another appid.
    OtherAppid(serde_json::Value),
    /// Answer with this JSON sealed with another SM4 key than the merchant's, signed.
    SealedWithOtherKey(serde_json::Value),
}

#[derive(Debug, Default)]
pub struct Script {
    pub replies: Vec<(String, VecDeque<ReplyBox>)>,
}

pub struct ReplyBox(pub Reply);

impl std::fmt::Debug for ReplyBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reply")
    }
}

#[derive(Debug)]
pub struct FakePlatform {
    op_signer: PlatformSigner,
    op_verifier: RequestVerifier,
    crossborder: Platform,
    clock: Arc<ManualClock>,
    script: Mutex<Script>,
    pub seen: Mutex<Vec<Seen>>,
    /// The merchant's SM4 key: requests to `*_encry` paths are opened with it, and their
    /// answers sealed with it.
    pub sm4: Mutex<Option<lakala_crypto::Sm4Key>>,
}

impl FakePlatform {
    pub fn push(&self, path: &str, reply: Reply) {
        let mut script = self.script.lock().unwrap();
        match script.replies.iter_mut().find(|(p, _)| p == path) {
            Some((_, q)) => q.push_back(ReplyBox(reply)),
            None => script
                .replies
                .push((path.to_owned(), VecDeque::from([ReplyBox(reply)]))),
        }
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    fn next(&self, path: &str) -> Reply {
        let mut script = self.script.lock().unwrap();
        script
            .replies
            .iter_mut()
            .find(|(p, _)| p == path)
            .and_then(|(_, q)| q.pop_front())
            .map(|b| b.0)
            .unwrap_or_else(|| panic!("no scripted reply left for {path}"))
    }

    fn sign_open(&self, body: Vec<u8>) -> HttpResponse {
        self.sign_open_as("OP00000003", body)
    }

    fn sign_open_as(&self, appid: &str, body: Vec<u8>) -> HttpResponse {
        let headers = self
            .op_signer
            .sign_response(appid, &body, self.clock.unix_seconds(), "platformnonce")
            .unwrap();
        HttpResponse {
            status: 200,
            headers: headers
                .to_pairs()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }

    fn open_platform(
        &self,
        path: &str,
        request: &HttpRequest,
    ) -> Result<HttpResponse, TransportError> {
        let auth = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .expect("request carries Authorization");
        self.op_verifier
            .verify(&auth, &request.body, self.clock.unix_seconds())
            .expect("the platform verifies the merchant's signature");
        let reply = self.next(path);
        if let Reply::FailBefore(e) = reply {
            return Err(e);
        }
        let sm4 = self.sm4.lock().unwrap().clone();
        let sealed = path.ends_with("_encry");
        let json = if sealed {
            let key = sm4
                .clone()
                .expect("an *_encry path needs the harness's SM4 key");
            let text = std::str::from_utf8(&request.body).unwrap();
            let opened = key
                .open(text)
                .expect("the body opens with the merchant's key");
            serde_json::from_str(opened.as_str()).unwrap()
        } else {
            serde_json::from_slice(&request.body).unwrap()
        };
        self.seen.lock().unwrap().push(Seen {
            path: path.to_owned(),
            json,
        });
        let answer = |v: serde_json::Value| match (&sm4, sealed) {
            (Some(key), true) => key.seal(&v.to_string()).into_bytes(),
            _ => v.to_string().into_bytes(),
        };
        match reply {
            Reply::Json(v) => Ok(self.sign_open(answer(v))),
            Reply::SealedWithOtherKey(v) => {
                let other = lakala_crypto::Sm4Key::from_bytes(&[7; 16]).unwrap();
                Ok(self.sign_open(other.seal(&v.to_string()).into_bytes()))
            }
            Reply::OtherAppid(v) => Ok(self.sign_open_as("OP99999999", v.to_string().into_bytes())),
            Reply::Tampered(v) => {
                let mut r = self.sign_open(v.to_string().into_bytes());
                let last = r.body.len() - 2;
                r.body[last] ^= 1;
                Ok(r)
            }
            Reply::Unsigned(v) => Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: v.to_string().into_bytes(),
            }),
            Reply::FailAfter(e) | Reply::FailBefore(e) => Err(e),
            Reply::Status(s) => Ok(HttpResponse {
                status: s,
                headers: vec![],
                body: b"<html>bad gateway</html>".to_vec(),
            }),
        }
    }

    fn gate_auth(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let envelope: RequestEnvelope = serde_json::from_slice(&request.body).unwrap();
        let opened = self
            .crossborder
            .open_request(&envelope)
            .expect("the platform opens the request");
        let reply = self.next("/gate/auth");
        if let Reply::FailBefore(e) = reply {
            return Err(e);
        }
        self.seen.lock().unwrap().push(Seen {
            path: "/gate/auth".into(),
            json: serde_json::from_str(opened.biz.as_str()).unwrap(),
        });
        let ts = lakala_crypto::TsGenerator::with_clock(self.clock.clone()).next();
        let seal = |v: &serde_json::Value| {
            let biz = v.get("biz").map(|b| b.to_string());
            self.crossborder
                .seal_response(
                    &opened,
                    &ts,
                    v["retCode"].as_str().unwrap(),
                    v["retMsg"].as_str().unwrap(),
                    biz.as_deref(),
                )
                .unwrap()
        };
        let body = match reply {
            Reply::Json(v) => serde_json::to_vec(&seal(&v)).unwrap(),
            Reply::Tampered(v) => {
                let mut e = seal(&v);
                e.ret_code = "0000".into();
                serde_json::to_vec(&e).unwrap()
            }
            Reply::Unsigned(v) | Reply::OtherAppid(v) | Reply::SealedWithOtherKey(v) => {
                v.to_string().into_bytes()
            }
            Reply::FailAfter(e) | Reply::FailBefore(e) => return Err(e),
            Reply::Status(s) => {
                return Ok(HttpResponse {
                    status: s,
                    headers: vec![],
                    body: vec![],
                })
            }
        };
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body,
        })
    }
}

#[async_trait]
impl HttpTransport for FakePlatform {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix("http://platform.test")
            .expect("the client uses the configured base URL")
            .to_owned();
        if path == "/gate/auth" {
            self.gate_auth(&request)
        } else {
            self.open_platform(&path, &request)
        }
    }
}

/// Advances the shared clock instead of waiting, and records every wait.
#[derive(Debug)]
pub struct RecordingSleeper {
    pub clock: Arc<ManualClock>,
    pub waits: Mutex<Vec<Duration>>,
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.waits.lock().unwrap().push(duration);
        self.clock.advance(duration);
    }
}

pub struct Harness {
    pub config: Config,
    pub client: LakalaClient,
    pub platform: Arc<FakePlatform>,
    pub sleeper: Arc<RecordingSleeper>,
    pub clock: Arc<ManualClock>,
}

impl Harness {
    pub fn client_config(&self) -> Config {
        self.config.clone()
    }

    pub fn waits(&self) -> Vec<u64> {
        self.sleeper
            .waits
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.as_secs())
            .collect()
    }
}

pub fn harness() -> Harness {
    harness_with(|c| c)
}

pub fn harness_with(adjust: impl FnOnce(Config) -> Config) -> Harness {
    let clock = Arc::new(ManualClock::at_unix(START));
    // Open platform: the public sandbox merchant key pair; the platform signs with key 11.
    let op_merchant =
        PrivateKey::load(shared("openplatform/sandbox-OP00000003-merchant-key.pem")).unwrap();
    let op_cert = Certificate::load(
        shared("openplatform/sandbox-OP00000003-cert.pem"),
        ValidityCheck::Now,
    )
    .unwrap();
    let platform_op_key = key(11);
    // The client needs the platform's "certificate": a certificate is only a carrier for
    // its key here, so load the key's SPKI through a PublicKey-based config.
    let cb_merchant = key(21);
    let cb_platform = key(22);
    let platform = Arc::new(FakePlatform {
        op_signer: PlatformSigner::new("01745381c327", platform_op_key.clone()),
        op_verifier: RequestVerifier::new(op_cert.public_key().clone()),
        crossborder: Platform::new(cb_platform.clone(), cb_merchant.public_key()),
        clock: clock.clone(),
        script: Mutex::default(),
        seen: Mutex::default(),
        sm4: Mutex::default(),
    });
    let config = Config::new(Environment::Custom("http://platform.test".into()))
        .with_crossborder(CrossBorderCredentials {
            mer_id: "DOPCHN000258".into(),
            merchant_key: cb_merchant,
            platform_key: cb_platform.public_key(),
        })
        .with_open_platform(OpenPlatformCredentials {
            appid: "OP00000003".into(),
            serial_no: op_cert.serial_hex(),
            merchant_key: op_merchant,
            platform_cert: platform_certificate(&platform_op_key),
            notify_cert: Some(platform_certificate(&platform_op_key)),
        });
    let sleeper = Arc::new(RecordingSleeper {
        clock: clock.clone(),
        waits: Mutex::default(),
    });
    let config = adjust(config);
    let client = LakalaClient::builder(config.clone())
        .transport(platform.clone())
        .clock(clock.clone())
        .sleeper(sleeper.clone())
        .build()
        .unwrap();
    Harness {
        config,
        client,
        platform,
        sleeper,
        clock,
    }
}

/// A self-signed certificate for `key`, serial 01745381c327, valid around [`START`] (the
/// client checks the window at the harness clock's time).
pub fn platform_certificate(key: &PrivateKey) -> Certificate {
    static CACHE: OnceLock<Mutex<Vec<(String, Certificate)>>> = OnceLock::new();
    let pem = key.to_pkcs8_pem().unwrap().to_string();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((_, c)) = cache.lock().unwrap().iter().find(|(p, _)| *p == pem) {
        return c.clone();
    }
    let year = 365 * 24 * 3600;
    let (cert, _) = Certificate::self_signed(
        key,
        "APIGW.TEST",
        &[0x01, 0x74, 0x53, 0x81, 0xc3, 0x27],
        START - year,
        START + 20 * year,
    )
    .unwrap();
    cache.lock().unwrap().push((pem, cert.clone()));
    cert
}

/// Signs notifications as the platform's notification key does in this harness.
#[allow(dead_code)]
pub fn notify_signer() -> PlatformSigner {
    PlatformSigner::new("01745381c327", key(11))
}

#[allow(dead_code)]
impl Harness {
    /// The same client, recording to `journal`, under the instance name `instance`.
    pub fn journaled(
        &self,
        journal: Arc<dyn lakala_journal::PaymentJournal>,
        instance: &str,
    ) -> LakalaClient {
        LakalaClient::builder(self.config.clone())
            .transport(self.platform.clone())
            .clock(self.clock.clone())
            .sleeper(self.sleeper.clone())
            .journal(journal)
            .instance(instance)
            .build()
            .unwrap()
    }
}
