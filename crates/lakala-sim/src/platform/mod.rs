//! The in-process platform: an [`HttpTransport`] that verifies the client's signed
//! requests, acts on its order book ([`truth`]) and answers signed with the platform's key,
//! through a network that loses requests and answers and delays them, all as the seed
//! says.

pub mod answers;
pub mod truth;

use crate::clock::SimClock;
use crate::keys::{Keys, APPID};
use crate::plan::Faults;
use crate::rng::{SimRng, Stream};
use crate::trace::Trace;
use answers::{codes, Answer};
use lakala_crypto::open_platform::{PlatformSigner, RequestVerifier};
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use truth::{RefundState, Status, Truth};

/// The base URL the simulated clients are configured with.
pub const BASE_URL: &str = "http://platform.sim";

/// The API paths the platform models: the client's own.
pub use lakala_client::paths;

/// The refund query (`idmrefundquery`), which settles a refund by its own number.
pub const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";

struct State {
    truth: Truth,
    rng: SimRng,
    draining: bool,
}

/// The simulated platform. Share it as `Arc<Platform>`.
pub struct Platform {
    me: std::sync::Weak<Platform>,
    state: Mutex<State>,
    faults: Faults,
    signer: PlatformSigner,
    verifier: RequestVerifier,
    clock: SimClock,
    trace: Trace,
    timeout: Duration,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Platform(..)")
    }
}

/// What the network does with one exchange.
enum Network {
    /// Refused to connect: nothing sent.
    Refused,
    /// The request is lost: it never arrives, the client times out.
    LostRequest,
    /// It arrives after `up`; the answer takes `down`, or is lost.
    Delivered {
        up: Duration,
        down: Duration,
        answer_lost: bool,
    },
}

impl Platform {
    /// A platform for a run with `faults`, answering clients whose request timeout is
    /// `timeout`.
    pub fn new(
        seed: u64,
        faults: Faults,
        clock: SimClock,
        trace: Trace,
        timeout: Duration,
    ) -> Arc<Self> {
        let keys = Keys::get();
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            state: Mutex::new(State {
                truth: Truth::default(),
                rng: SimRng::new(seed, Stream::Platform),
                draining: false,
            }),
            faults,
            signer: PlatformSigner::new(keys.platform_cert.serial_hex(), keys.platform.clone()),
            verifier: RequestVerifier::new(keys.merchant.public_key()),
            clock,
            trace,
            timeout,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the platform's truth, after moving it to the present.
    pub fn with_truth<T>(&self, f: impl FnOnce(&mut Truth) -> T) -> T {
        let mut state = self.lock();
        self.settle(&mut state);
        f(&mut state.truth)
    }

    fn settle(&self, state: &mut State) {
        for line in state.truth.settle(self.clock.unix()) {
            self.trace.log(line);
        }
    }

    /// The drain phase begins: no more faults, every payment lands within two minutes and
    /// every refund settles within one.
    pub fn drain(&self) {
        let now = self.clock.unix();
        let mut state = self.lock();
        state.draining = true;
        let State { truth, rng, .. } = &mut *state;
        for order in truth.orders.values_mut() {
            if let Status::Paying { lands_at, then } = order.status {
                let soon = now + rng.range(0, 120) as i64;
                order.status = Status::Paying {
                    lands_at: Some(lands_at.map_or(soon, |t| t.min(soon))),
                    then,
                };
            }
        }
        for refund in truth.refunds.values_mut() {
            if let RefundState::Deal { until, succeeds } = refund.state {
                refund.state = RefundState::Deal {
                    until: until.min(now + 60),
                    succeeds,
                };
            }
        }
        drop(state);
        self.trace.log("platform: drain phase, faults stop");
    }

    /// Whether every payment has landed and every refund settled.
    pub fn settled(&self) -> bool {
        self.with_truth(|t| {
            t.orders
                .values()
                .all(|o| !matches!(o.status, Status::Paying { .. }))
                && t.refunds
                    .values()
                    .all(|r| !matches!(r.state, RefundState::Deal { .. }))
        })
    }

    /// Signs a notification body: its `Authorization` header, with a nonce from the
    /// seed.
    pub fn sign_notification(&self, body: &[u8], nonce: &str) -> String {
        self.signer
            .sign_notification(body, self.clock.unix(), nonce)
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    fn network(&self) -> Network {
        let mut state = self.lock();
        let draining = state.draining;
        let rng = &mut state.rng;
        let f = &self.faults;
        if !draining && rng.chance(f.connect_refused) {
            return Network::Refused;
        }
        if !draining && rng.chance(f.lost_request) {
            return Network::LostRequest;
        }
        let slow = !draining && rng.chance(f.slow);
        let (up, down) = if slow && rng.chance(0.2) {
            // Arrives after the client gave up, still inside twice its timeout.
            (rng.millis(30_000, 55_000), rng.millis(10, 300))
        } else if slow {
            (rng.millis(10, 20_000), rng.millis(10, 25_000))
        } else {
            (rng.millis(5, 300), rng.millis(5, 300))
        };
        Network::Delivered {
            up,
            down,
            answer_lost: !draining && rng.chance(f.lost_answer),
        }
    }

    fn timeout_error(&self) -> TransportError {
        TransportError::Timeout {
            elapsed_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Verifies, acts, answers (signed). Runs at the moment the request arrives.
    fn arrive(&self, path: &str, request: &HttpRequest) -> HttpResponse {
        let now = self.clock.unix();
        let mut state = self.lock();
        self.settle(&mut state);
        let authorization = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        if let Err(e) = self.verifier.verify(authorization, &request.body, now) {
            self.trace
                .log(format!("platform: REFUSED a request to {path}: {e}"));
            return HttpResponse {
                status: 401,
                headers: Vec::new(),
                body: b"{\"code\":\"SIM40100\",\"msg\":\"bad signature\"}".to_vec(),
            };
        }
        let data = serde_json::from_slice::<serde_json::Value>(&request.body)
            .ok()
            .and_then(|v| v.get("req_data").cloned())
            .unwrap_or_default();
        let faults = (!state.draining).then_some(&self.faults);
        let State { truth, rng, .. } = &mut *state;
        let (answer, line) = match path {
            paths::MICROPAY => answers::micropay(truth, rng, faults, &data, now),
            paths::TRADE_QUERY => answers::trade_query(truth, rng, faults, &data, now),
            paths::REVOKE => answers::revoke(truth, rng, faults, &data, now),
            paths::REFUND => answers::refund(truth, rng, faults, &data, now),
            REFUND_QUERY => answers::refund_query(truth, rng, faults, &data, now),
            paths::PREORDER => answers::preorder(truth, rng, faults, &data, now),
            paths::CLOSE => answers::close(truth, rng, faults, &data, now),
            other => (
                Answer {
                    code: codes::UNSUPPORTED,
                    msg: "not modelled by the simulation",
                    data: None,
                },
                format!("unsupported API {other}"),
            ),
        };
        self.trace.log(format!("platform: {line}"));
        let body = answer.to_json(now).to_string().into_bytes();
        let nonce = rng.nonce();
        match self.signer.sign_response(APPID, &body, now, &nonce) {
            Ok(headers) => HttpResponse {
                status: 200,
                headers: headers
                    .to_pairs()
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                body,
            },
            Err(e) => {
                self.trace.log(format!("platform: cannot sign: {e}"));
                HttpResponse {
                    status: 500,
                    headers: Vec::new(),
                    body: Vec::new(),
                }
            }
        }
    }
}

#[async_trait]
impl HttpTransport for Platform {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request
            .url
            .strip_prefix(BASE_URL)
            .unwrap_or(&request.url)
            .to_owned();
        // For the trace: which order the request is about.
        let about = serde_json::from_slice::<serde_json::Value>(&request.body)
            .ok()
            .and_then(|v| {
                let data = v.get("req_data")?;
                data.get("out_trade_no")
                    .or_else(|| data.get("out_refund_order_no"))
                    .or_else(|| data.get("origin_out_trade_no"))?
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let path = format!("{path} ({about})");
        match self.network() {
            Network::Refused => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.trace
                    .log(format!("network: connection to {path} refused"));
                Err(TransportError::Connect {
                    reason: "connection refused (simulated)".into(),
                })
            }
            Network::LostRequest => {
                self.trace
                    .log(format!("network: request to {path} lost on the way"));
                tokio::time::sleep(self.timeout).await;
                Err(self.timeout_error())
            }
            Network::Delivered {
                up,
                down,
                answer_lost,
            } => {
                tokio::time::sleep(up.min(self.timeout)).await;
                if up >= self.timeout {
                    self.trace.log(format!(
                        "network: request to {path} slow, client timed out; it arrives later"
                    ));
                    if let Some(me) = self.me.upgrade() {
                        let late = up - self.timeout;
                        tokio::spawn(async move {
                            tokio::time::sleep(late).await;
                            let endpoint = path.split(' ').next().unwrap_or_default().to_owned();
                            me.trace
                                .log(format!("network: late request to {path} arrives"));
                            me.arrive(&endpoint, &request);
                        });
                    }
                    return Err(self.timeout_error());
                }
                let response = self.arrive(path.split(' ').next().unwrap_or_default(), &request);
                let left = self.timeout - up;
                if answer_lost || down >= left {
                    tokio::time::sleep(left).await;
                    self.trace.log(format!(
                        "network: answer from {path} lost (client timed out)"
                    ));
                    return Err(self.timeout_error());
                }
                tokio::time::sleep(down).await;
                Ok(response)
            }
        }
    }
}
