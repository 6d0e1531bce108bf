//! The micropay flow (`LakalaClient::micropay`) against a platform whose answers the fuzzer
//! writes: validly signed answers with fuzzed codes, order numbers, states and amounts,
//! signed raw bytes, unsigned, tampered, stale and foreign-serial answers, HTTP errors, and
//! failures before and after sending.
//!
//! Invariants (a violation is a crash):
//! - exactly one micropay request is sent, whatever the answers;
//! - the outcome is `Succeeded` only if the platform sent a validly signed SUCCESS about
//!   this very order (signed with its key now, with any serial, under any 2xx status): a micropay `DCP00000`/`BBS00000` naming this `out_trade_no` without
//!   `need_query` `1`, or a trade query finding this `out_trade_no` `SUCCESS` or
//!   `PART_REFUND`;
//! - the flow always ends with an outcome (never `FlowAborted`: its task did not panic).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use lakala_client::{
    Config, Environment, LakalaClient, MicropayOptions, OpenPlatformCredentials, PaymentOutcome,
    PendingPolicy, PollSchedule, Sleeper,
};
use lakala_crypto::open_platform::PlatformSigner;
use lakala_crypto::{format_china_time, Clock, ManualClock};
use lakala_fuzz::{keys, runtime, APPID, NOW};
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASE: &str = "http://platform.fuzz";
const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const ORDER: &str = "FUZZ0001";
const MERCHANT: &str = "822290070111135";
const TERM: &str = "29034705";
const AMOUNT: u64 = 101;

const CODES: &[&str] = &[
    "DCP00000", "DCP10000", "BBS00000", "BBS10000", "BBS11112", "BBS11105", "000100", "000101",
    "BBS11184", "BBS16111", "SBX00002", "SBX00004", "",
];
const STATES: &[&str] = &[
    "SUCCESS",
    "PART_REFUND",
    "FAIL",
    "CLOSE",
    "REFUND",
    "INIT",
    "CREATE",
    "DEAL",
    "UNKNOWN",
    "TIMEOUT",
    "EXCEPTION",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Other(String),
}

impl Text {
    fn pick(&self, list: &[&str]) -> String {
        match self {
            Text::Known(i) => list[usize::from(*i) % list.len()].to_owned(),
            Text::Other(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Number {
    Own,
    Other(String),
    Absent,
}

#[derive(Arbitrary, Debug)]
enum Money {
    Own,
    Other(u32),
    Text(String),
    Absent,
}

#[derive(Arbitrary, Debug)]
struct Answer {
    code: Text,
    msg: Option<String>,
    out_trade_no: Number,
    merchant_no: Number,
    term_no: Number,
    trade_no: Option<String>,
    need_query: Option<Text>,
    trade_state: Option<Text>,
    total_amount: Money,
    no_data: bool,
    extra: Option<(String, String)>,
}

impl Answer {
    fn json(&self) -> Value {
        let mut answer =
            json!({"code": self.code.pick(CODES), "resp_time": format_china_time(NOW)});
        if let Some(m) = &self.msg {
            answer["msg"] = Value::from(m.as_str());
        }
        if self.no_data {
            return answer;
        }
        let mut data = Map::new();
        for (name, number, own) in [
            ("out_trade_no", &self.out_trade_no, ORDER),
            ("merchant_no", &self.merchant_no, MERCHANT),
            ("term_no", &self.term_no, TERM),
        ] {
            match number {
                Number::Own => {
                    data.insert(name.into(), own.into());
                }
                Number::Other(s) => {
                    data.insert(name.into(), s.as_str().into());
                }
                Number::Absent => {}
            }
        }
        if let Some(t) = &self.trade_no {
            data.insert("trade_no".into(), t.as_str().into());
        }
        if let Some(n) = &self.need_query {
            data.insert("need_query".into(), n.pick(&["0", "1"]).into());
        }
        if let Some(s) = &self.trade_state {
            data.insert("trade_state".into(), s.pick(STATES).into());
        }
        match &self.total_amount {
            Money::Own => {
                data.insert("total_amount".into(), AMOUNT.to_string().into());
            }
            Money::Other(n) => {
                data.insert("total_amount".into(), n.to_string().into());
            }
            Money::Text(s) => {
                data.insert("total_amount".into(), s.as_str().into());
            }
            Money::Absent => {}
        }
        if let Some((k, v)) = &self.extra {
            data.insert(k.clone(), v.as_str().into());
        }
        answer["resp_data"] = Value::Object(data);
        answer
    }
}

#[derive(Arbitrary, Debug)]
enum Step {
    /// Validly signed, now.
    Signed(Answer),
    /// Any bytes, validly signed.
    SignedRaw(Vec<u8>),
    /// No signature headers.
    Unsigned(Answer),
    /// Signed, then one byte changed.
    Tampered(Answer, u16),
    /// Signed an hour ago.
    Stale(Answer),
    /// Signed with the platform key, under a serial that is not its certificate's (the
    /// client verifies by key, not by serial: this is still the platform's answer).
    ForeignSerial(Answer),
    /// Nothing was sent.
    FailBefore,
    /// Sent; the answer was lost (timeout or connection lost).
    FailAfter(bool),
    /// An HTTP status (with a signed body).
    Status(u16, Answer),
}

#[derive(Arbitrary, Debug)]
struct Input {
    delays: u8,
    revoke_when_pending: bool,
    steps: Vec<Step>,
}

/// Whether a validly signed answer on `path` is a SUCCESS about this order.
fn success_about_order(path: &str, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let code = v.get("code").and_then(Value::as_str);
    let data = v.get("resp_data");
    let field = |name: &str| data.and_then(|d| d.get(name)).and_then(Value::as_str);
    let about_order = field("out_trade_no") == Some(ORDER);
    let success_code = matches!(code, Some("DCP00000" | "BBS00000"));
    if !(about_order && success_code) {
        return false;
    }
    match path {
        PAY => field("need_query") != Some("1"),
        QUERY => matches!(field("trade_state"), Some("SUCCESS" | "PART_REFUND")),
        _ => false,
    }
}

#[derive(Debug)]
struct Platform {
    steps: Mutex<VecDeque<Step>>,
    signer: PlatformSigner,
    foreign: PlatformSigner,
    clock: Arc<ManualClock>,
    micropays: AtomicUsize,
    success_sent: AtomicBool,
}

impl Platform {
    fn signed(&self, signer: &PlatformSigner, body: Vec<u8>, at: i64, status: u16) -> HttpResponse {
        let headers = signer
            .sign_response(APPID, &body, at, "fuzznonce")
            .expect("signing works");
        HttpResponse {
            status,
            headers: headers
                .to_pairs()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }
}

#[async_trait]
impl HttpTransport for Platform {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix(BASE)
            .unwrap_or_default()
            .to_owned();
        let step = self.steps.lock().expect("not poisoned").pop_front();
        if path == PAY && !matches!(step, None | Some(Step::FailBefore)) {
            self.micropays.fetch_add(1, Ordering::SeqCst);
        }
        let now = self.clock.unix_seconds();
        let body = |a: &Answer| a.json().to_string().into_bytes();
        match step {
            None | Some(Step::FailBefore) => Err(TransportError::Connect {
                reason: "refused".into(),
            }),
            Some(Step::FailAfter(true)) => Err(TransportError::Timeout { elapsed_ms: 1 }),
            Some(Step::FailAfter(false)) => Err(TransportError::ConnectionLost {
                reason: "reset".into(),
            }),
            Some(Step::Signed(a)) => {
                let b = body(&a);
                if success_about_order(&path, &b) {
                    self.success_sent.store(true, Ordering::SeqCst);
                }
                Ok(self.signed(&self.signer, b, now, 200))
            }
            Some(Step::SignedRaw(b)) => {
                if success_about_order(&path, &b) {
                    self.success_sent.store(true, Ordering::SeqCst);
                }
                Ok(self.signed(&self.signer, b, now, 200))
            }
            Some(Step::Unsigned(a)) => Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: body(&a),
            }),
            Some(Step::Tampered(a, at)) => {
                let mut r = self.signed(&self.signer, body(&a), now, 200);
                let i = usize::from(at) % r.body.len();
                r.body[i] ^= 0x01;
                Ok(r)
            }
            Some(Step::Stale(a)) => Ok(self.signed(&self.signer, body(&a), now - 3600, 200)),
            Some(Step::ForeignSerial(a)) => {
                // Still the platform's key: genuine, whatever the serial says.
                let b = body(&a);
                if success_about_order(&path, &b) {
                    self.success_sent.store(true, Ordering::SeqCst);
                }
                Ok(self.signed(&self.foreign, b, now, 200))
            }
            Some(Step::Status(status, a)) => {
                let status = if status == 200 { 502 } else { status };
                let b = body(&a);
                // Any 2xx is a success status: the signed body then counts.
                if (200..300).contains(&status) && success_about_order(&path, &b) {
                    self.success_sent.store(true, Ordering::SeqCst);
                }
                Ok(self.signed(&self.signer, b, now, status))
            }
        }
    }
}

/// Moves the clock instead of waiting.
#[derive(Debug)]
struct NoWait(Arc<ManualClock>);

#[async_trait]
impl Sleeper for NoWait {
    async fn sleep(&self, duration: Duration) {
        self.0.advance(duration);
    }
}

fn request() -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT)
        .term_no(TERM)
        .out_trade_no(ORDER)
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(AMOUNT).expect("amount"))
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .expect("location"),
        )
        .build()
        .expect("request")
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    if std::env::var_os("LAKALA_FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let k = keys();
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let platform = Arc::new(Platform {
        steps: Mutex::new(input.steps.into()),
        signer: PlatformSigner::new(k.op_platform_cert.serial_hex(), k.op_platform.clone()),
        foreign: PlatformSigner::new("0badc0de", k.op_platform.clone()),
        clock: clock.clone(),
        micropays: AtomicUsize::new(0),
        success_sent: AtomicBool::new(false),
    });
    let delays: Vec<u64> = (0..input.delays % 4).map(|_| 5).collect();
    let mut config =
        Config::new(Environment::Custom(BASE.into())).with_open_platform(OpenPlatformCredentials {
            appid: APPID.into(),
            serial_no: k.op_merchant_cert.serial_hex(),
            merchant_key: k.op_merchant.clone(),
            platform_cert: k.op_platform_cert.clone(),
            notify_cert: None,
        });
    config.poll_schedule = PollSchedule::from_secs(&delays);
    let client = LakalaClient::builder(config)
        .transport(platform.clone())
        .clock(clock.clone())
        .sleeper(Arc::new(NoWait(clock)))
        .build()
        .expect("client");
    let policy = if input.revoke_when_pending {
        PendingPolicy::Revoke {
            revoke_out_trade_no: "FUZZR001".into(),
        }
    } else {
        PendingPolicy::ReturnPending
    };
    let outcome = runtime()
        .block_on(client.micropay(request(), MicropayOptions::new(policy)))
        .expect("a valid micropay always ends in an outcome");
    let micropays = platform.micropays.load(Ordering::SeqCst);
    // The first exchange may fail before sending (nothing reached the platform): zero is
    // then right, and nothing is retried either.
    assert!(micropays <= 1, "{micropays} micropays sent");
    if matches!(outcome, PaymentOutcome::Succeeded { .. }) {
        assert!(
            platform.success_sent.load(Ordering::SeqCst),
            "Succeeded without a signed SUCCESS about this order: {outcome:?}"
        );
    }
    let _ = format!("{outcome:?}");
});
