//! Shared test helpers: one key set per test binary, a sandbox on a manual clock, and
//! signed calls over real loopback HTTP with `lakala-transport`'s `HyperTransport`.
#![allow(dead_code)]

use lakala_crypto::crossborder::{Merchant, ResponseEnvelope};
use lakala_crypto::open_platform::{
    generate_nonce, LklapiHeaders, RequestSigner, ResponseVerifier,
};
use lakala_crypto::{format_china_time, Clock, ManualClock, SystemClock, TsGenerator};
use lakala_sandbox::{
    behaviour, NotifyPolicy, RunningSandbox, Sandbox, SandboxConfig, SandboxKeys,
};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport, HyperTransport};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub use behaviour::{MERCHANT_NO, TERM_NO};

/// One key set per test binary: RSA generation is the slow part.
pub fn keys() -> SandboxKeys {
    static KEYS: OnceLock<SandboxKeys> = OnceLock::new();
    KEYS.get_or_init(|| SandboxKeys::generate().expect("keys"))
        .clone()
}

pub struct Env {
    pub sandbox: RunningSandbox,
    pub clock: Arc<ManualClock>,
    pub keys: SandboxKeys,
    pub http: HyperTransport,
    pub ts: TsGenerator<Arc<ManualClock>>,
}

pub fn fast_notify() -> NotifyPolicy {
    let mut p = NotifyPolicy::new(4, Duration::from_millis(50));
    p.attempt_timeout = Duration::from_secs(3);
    p
}

pub async fn start() -> Env {
    start_with(|c| c).await
}

pub async fn start_with(adjust: impl FnOnce(SandboxConfig) -> SandboxConfig) -> Env {
    let clock = Arc::new(ManualClock::at_unix(SystemClock.unix_seconds()));
    let config = SandboxConfig::default()
        .keys(keys())
        .clock(clock.clone())
        .notify(fast_notify());
    let sandbox = Sandbox::start(adjust(config))
        .await
        .expect("sandbox starts");
    let http = HyperTransport::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    Env {
        keys: sandbox.keys().clone(),
        ts: TsGenerator::with_clock(clock.clone()),
        sandbox,
        clock,
        http,
    }
}

/// What a gate/auth answer said, after verification.
#[derive(Debug)]
pub struct GateAnswer {
    pub code: String,
    pub msg: String,
    pub biz: Option<Value>,
    pub signed: bool,
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    pub fn signer(&self) -> RequestSigner {
        RequestSigner::new(
            self.keys.appid(),
            self.keys.serial_no(),
            self.keys.open_merchant().key().clone(),
        )
    }

    pub fn authorization(&self, body: &[u8], timestamp: i64) -> String {
        self.signer()
            .sign(body, timestamp, &generate_nonce(&mut rand::rngs::OsRng))
            .unwrap()
            .to_string()
    }

    pub async fn post(
        &self,
        path: &str,
        body: Vec<u8>,
        authorization: Option<String>,
    ) -> HttpResponse {
        let mut request = HttpRequest::post(self.url(path), body)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(a) = authorization {
            request = request.header("Authorization", a);
        }
        self.http.send(request).await.expect("HTTP exchange")
    }

    /// Verifies an open-platform answer's `Lklapi-*` signature with the sandbox's platform
    /// certificate.
    pub fn verify_answer(&self, response: &HttpResponse) {
        let headers = LklapiHeaders::from_pairs(
            response
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .expect("Lklapi headers");
        assert_eq!(headers.appid, self.keys.appid());
        assert_eq!(headers.serial, self.keys.open_platform().serial_hex());
        ResponseVerifier::new(self.keys.open_platform().cert().public_key().clone())
            .verify(&headers, &response.body, self.now())
            .expect("answer signature verifies");
    }

    /// Signs `body` now, sends it, verifies the answer's signature; returns the JSON.
    pub async fn open(&self, path: &str, body: &Value) -> Value {
        let bytes = body.to_string().into_bytes();
        let auth = self.authorization(&bytes, self.now());
        let response = self.post(path, bytes, Some(auth)).await;
        assert_eq!(
            response.status,
            200,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        self.verify_answer(&response);
        serde_json::from_slice(&response.body).unwrap()
    }

    pub fn v3_envelope(&self, req_data: Value) -> Value {
        json!({"req_time": format_china_time(self.now()), "version": "3.0", "req_data": req_data})
    }

    pub async fn v3(&self, path: &str, req_data: Value) -> Value {
        self.open(path, &self.v3_envelope(req_data)).await
    }

    pub async fn micropay(&self, out_trade_no: &str, auth_code: &str, amount: u64) -> Value {
        self.micropay_with(out_trade_no, auth_code, amount, None)
            .await
    }

    pub async fn micropay_with(
        &self,
        out_trade_no: &str,
        auth_code: &str,
        amount: u64,
        notify_url: Option<&str>,
    ) -> Value {
        let mut data = json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": out_trade_no,
            "auth_code": auth_code, "total_amount": amount.to_string(),
            "location_info": {"request_ip": "127.0.0.1"}, "subject": "sandbox test",
        });
        if let Some(url) = notify_url {
            data["notify_url"] = Value::from(url);
        }
        self.v3("/api/v3/dcp/trans/micropay", data).await
    }

    pub async fn query(&self, out_trade_no: &str) -> Value {
        self.v3(
            "/api/v3/labs/query/tradequery",
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": out_trade_no}),
        )
        .await
    }

    pub async fn state(&self, out_trade_no: &str) -> String {
        let q = self.query(out_trade_no).await;
        assert_eq!(q["code"], "BBS00000", "{q}");
        q["resp_data"]["trade_state"].as_str().unwrap().to_owned()
    }

    pub async fn revoke(&self, revoke_no: &str, origin: &str) -> Value {
        self.v3(
            "/api/v3/labs/relation/revoked",
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": revoke_no,
                   "origin_out_trade_no": origin, "location_info": {"request_ip": "127.0.0.1"}}),
        )
        .await
    }

    pub async fn refund(&self, refund_no: &str, origin: &str, amount: u64) -> Value {
        self.v3(
            "/api/v3/labs/relation/refund",
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": refund_no,
                   "refund_amount": amount.to_string(), "origin_out_trade_no": origin,
                   "location_info": {"request_ip": "127.0.0.1"}}),
        )
        .await
    }

    pub fn merchant(&self) -> Merchant {
        Merchant::new(
            self.keys.mer_id(),
            self.keys.crossborder_merchant_key().clone(),
            self.keys.crossborder_platform_public_key(),
        )
    }

    /// Seals `biz` with the merchant's keys, sends it, verifies and opens the answer.
    pub async fn gate(&self, biz: &Value) -> GateAnswer {
        self.gate_as(&self.merchant(), biz).await
    }

    pub async fn gate_as(&self, merchant: &Merchant, biz: &Value) -> GateAnswer {
        let sealed = merchant
            .seal_request(&self.ts.next(), &biz.to_string())
            .unwrap();
        let body = serde_json::to_vec(&sealed.envelope).unwrap();
        let response = self.post("/gate/auth", body, None).await;
        assert_eq!(response.status, 200);
        let envelope: ResponseEnvelope = serde_json::from_slice(&response.body).unwrap();
        if envelope.mac.is_none() {
            return GateAnswer {
                code: envelope.ret_code,
                msg: envelope.ret_msg,
                biz: None,
                signed: false,
            };
        }
        let opened = self
            .merchant()
            .open_response(&envelope, &sealed.sec_key)
            .expect("answer MAC verifies");
        GateAnswer {
            code: opened.ret_code,
            msg: opened.ret_msg,
            biz: opened
                .biz
                .map(|b| serde_json::from_str(b.as_str()).unwrap()),
            signed: true,
        }
    }
}

pub fn identity(order_no: &str, cert_no: &str) -> Value {
    json!({"orderNo": order_no, "bizType": "00", "name": "张三", "certNo": cert_no, "certType": "00"})
}

/// Waits (real time, bounded) until `f` is true.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// One received request: the `Authorization` header and the body.
pub type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A one-request-per-connection HTTP listener on loopback; `answer(n, authorization, body)`
/// gives the status and body for the `n`th request (0-based).
pub async fn listener(
    answer: impl Fn(usize, &str, &[u8]) -> (u16, Vec<u8>) + Send + Sync + 'static,
) -> (String, Seen) {
    let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", socket.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = socket.accept().await else {
                return;
            };
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head, body) = loop {
                let n = stream.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..end]).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while data.len() < end + 4 + length {
                        let n = stream.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&buf[..n]);
                    }
                    break (head, data[end + 4..].to_vec());
                }
            };
            let authorization = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                        .map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_default();
            let n = {
                let mut seen = record.lock().unwrap();
                seen.push((authorization.clone(), body.clone()));
                seen.len() - 1
            };
            let (status, reply) = answer(n, &authorization, &body);
            let head = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", reply.len());
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&reply).await;
        }
    });
    (url, seen)
}
