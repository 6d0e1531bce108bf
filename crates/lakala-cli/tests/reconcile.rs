//! Reconciliation end to end (issue 23) with real parts: the sandbox on loopback HTTP
//! behind a proxy that counts (and, for one order, breaks) the queries reaching it, a
//! real SQLite journal file and a real PostgreSQL server, the library's
//! [`lakala_client::reconcile`] and the real `lakala payments reconcile` binary.
//!
//! Every kind of disagreement is made with the platform's own means: payments through the
//! client, a payment revoked (and one paid) behind the journal's back through the
//! sandbox's control endpoint, a journaled payment the platform never saw, a query that
//! fails at the proxy.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use lakala_client::china_day::ChinaDay;
use lakala_client::reconcile::{QueryPace, ReconcileConfig, RECONCILED};
use lakala_client::reconcile_report::{Change, Class, ReconcileReport};
use lakala_client::{
    Config, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy, PollSchedule,
};
use lakala_journal::{
    Intent, ListFilter, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, PostgresJournal,
    PostgresOptions, SqliteJournal, StateUpdate,
};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
use lakala_types::micropay::{LocationInfo, MicropayRequest, RefundRequest, RevokeRequest};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

const TRADE_QUERY: &str = "/api/v3/labs/query/tradequery";
const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";

// ---------------------------------------------------------------------------------------
// The platform: the sandbox behind a counting proxy.
// ---------------------------------------------------------------------------------------

/// What the proxy saw and what it breaks.
#[derive(Default)]
struct Seen {
    /// Requests per path.
    paths: HashMap<String, usize>,
    /// Queries (trade or refund) per order number.
    queries: HashMap<String, usize>,
    /// Orders whose queries the proxy answers HTTP 502 without forwarding.
    broken: HashSet<String>,
}

struct Platform {
    sandbox: RunningSandbox,
    proxy_url: String,
    seen: Arc<Mutex<Seen>>,
    config: PathBuf,
    dir: tempfile::TempDir,
}

impl Platform {
    async fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        sandbox.keys().write(dir.path()).unwrap();
        let config = sandbox.write_client_config(dir.path()).unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let proxy_url = proxy(sandbox.base_url().to_owned(), seen.clone()).await;
        Platform {
            sandbox,
            proxy_url,
            seen,
            config,
            dir,
        }
    }

    /// A client of the platform (through the proxy) journaling to `journal`.
    fn client(&self, journal: Arc<dyn PaymentJournal>, instance: &str) -> LakalaClient {
        let proxy = self.proxy_url.clone();
        let mut config = Config::from_file_and_env(Some(&self.config), |k| match k {
            "LAKALA_BASE_URL" => Some(proxy.clone()),
            "LAKALA_REQUEST_TIMEOUT_SECS" => Some("5".into()),
            _ => None,
        })
        .unwrap();
        config.poll_schedule = PollSchedule::from_secs(&[]);
        LakalaClient::builder(config)
            .journal(journal)
            .instance(instance)
            .resolved_elsewhere()
            .build()
            .unwrap()
    }

    /// Changes an order's state behind the merchant's back (the control endpoint).
    async fn set_state(&self, out_trade_no: &str, trade_state: &str) {
        let transport = HyperTransport::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let body = json!({"merchant_no": MERCHANT_NO, "out_trade_no": out_trade_no, "trade_state": trade_state});
        let answer = transport
            .send(
                HttpRequest::post(
                    format!("{}/sandbox/orders/state", self.sandbox.base_url()),
                    body.to_string().into_bytes(),
                )
                .header("Content-Type", "application/json"),
            )
            .await
            .unwrap();
        let said: Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(
            (answer.status, said["trade_state"].as_str()),
            (200, Some(trade_state)),
            "{said}"
        );
    }

    fn queries(&self) -> usize {
        self.seen.lock().unwrap().queries.values().sum()
    }

    fn queries_of(&self, order: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .queries
            .get(order)
            .copied()
            .unwrap_or(0)
    }

    /// Requests that move money (micropay, revoke, refund) the proxy forwarded.
    fn money_requests(&self) -> usize {
        let seen = self.seen.lock().unwrap();
        [
            "/api/v3/dcp/trans/micropay",
            "/api/v3/labs/relation/revoked",
            "/api/v3/labs/relation/refund",
        ]
        .iter()
        .map(|p| seen.paths.get(*p).copied().unwrap_or(0))
        .sum()
    }

    fn break_queries_of(&self, order: &str, broken: bool) {
        let mut seen = self.seen.lock().unwrap();
        if broken {
            seen.broken.insert(order.to_owned());
        } else {
            seen.broken.remove(order);
        }
    }
}

/// A loopback HTTP proxy in front of `upstream` that counts what reaches the platform.
async fn proxy(upstream: String, seen: Arc<Mutex<Seen>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let transport = Arc::new(
        HyperTransport::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (upstream, seen, transport) = (upstream.clone(), seen.clone(), transport.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    forward(req, upstream.clone(), seen.clone(), transport.clone())
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

async fn forward(
    req: Request<Incoming>,
    upstream: String,
    seen: Arc<Mutex<Seen>>,
    transport: Arc<HyperTransport>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length"))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let number = json["req_data"]["out_trade_no"]
        .as_str()
        .or(json["req_data"]["out_refund_order_no"].as_str())
        .unwrap_or_default()
        .to_owned();
    let broken = {
        let mut seen = seen.lock().unwrap();
        *seen.paths.entry(path.clone()).or_default() += 1;
        if path == TRADE_QUERY || path == REFUND_QUERY {
            *seen.queries.entry(number.clone()).or_default() += 1;
            seen.broken.contains(&number)
        } else {
            false
        }
    };
    if broken {
        return Ok(Response::builder()
            .status(502)
            .body(Full::new(Bytes::from_static(b"broken by the test")))
            .unwrap());
    }
    let mut out = HttpRequest::post(format!("{upstream}{path}"), body);
    for (k, v) in headers {
        out = out.header(k, v);
    }
    Ok(match transport.send(out).await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status);
            for (k, v) in &answer.headers {
                if !matches!(
                    k.to_ascii_lowercase().as_str(),
                    "content-length" | "transfer-encoding" | "connection"
                ) {
                    response = response.header(k, v);
                }
            }
            response.body(Full::new(Bytes::from(answer.body))).unwrap()
        }
        Err(_) => Response::builder()
            .status(502)
            .body(Full::new(Bytes::from_static(b"upstream failed")))
            .unwrap(),
    })
}

// ---------------------------------------------------------------------------------------
// Payments, made the platform's way.
// ---------------------------------------------------------------------------------------

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("127.0.0.1")
        .build()
        .unwrap()
}

async fn pay(client: &LakalaClient, order: &str, auth_code: &str, fen: u64) -> PaymentOutcome {
    let request = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(order)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(fen).unwrap())
        .location_info(location())
        .build()
        .unwrap();
    client
        .micropay(request, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap()
}

fn key(order: &str) -> PaymentKey {
    PaymentKey::new(MERCHANT_NO, order)
}

/// The payments of the end-to-end test, one per kind of (dis)agreement; returns their
/// numbers and the class each must get.
async fn prepare(
    platform: &Platform,
    client: &LakalaClient,
    journal: &dyn PaymentJournal,
) -> Vec<(&'static str, Class)> {
    // Agrees: paid on both sides.
    assert!(matches!(
        pay(client, "RC-AGREE", auth_codes::SUCCEED, 101).await,
        PaymentOutcome::Succeeded { .. }
    ));
    // Revoked behind the journal's back (an operator in the portal): a contradiction.
    assert!(matches!(
        pay(client, "RC-BEHIND", auth_codes::SUCCEED, 202).await,
        PaymentOutcome::Succeeded { .. }
    ));
    platform.set_state("RC-BEHIND", "REFUND").await;
    // Declined, then paid after all on the platform: money moved that the journal says
    // did not.
    assert!(matches!(
        pay(client, "RC-FAILPAID", auth_codes::INSUFFICIENT_BALANCE, 303).await,
        PaymentOutcome::Failed { .. }
    ));
    platform.set_state("RC-FAILPAID", "SUCCESS").await;
    // Open in the journal (the live flow gave up at once), paid on the platform since.
    assert!(matches!(
        pay(client, "RC-OPEN", auth_codes::PENDING_UNTIL_REVOKED, 404).await,
        PaymentOutcome::Pending(_)
    ));
    platform.set_state("RC-OPEN", "SUCCESS").await;
    // Journaled succeeded, never seen by the platform.
    let now = lakala_crypto::Clock::unix_seconds(&lakala_crypto::SystemClock);
    let ghost = Intent::micropay(
        key("RC-GHOST"),
        TERM_NO,
        505,
        "2885**********2810",
        "00ff00ff00ff00ff00ff00ff00ff00ff",
        "elsewhere",
        now,
    );
    journal.record_intent(&ghost).await.unwrap();
    journal
        .append(
            &key("RC-GHOST"),
            &NewEvent::new(now, "elsewhere", "outcome", json!({"outcome": "succeeded"})),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("20991231000000000001"),
            None,
        )
        .await
        .unwrap();
    // Its queries fail at the proxy: inconclusive.
    assert!(matches!(
        pay(client, "RC-FLAKY", auth_codes::SUCCEED, 606).await,
        PaymentOutcome::Succeeded { .. }
    ));
    platform.break_queries_of("RC-FLAKY", true);
    // Refunded in full through the journal: the platform's REFUND is explained.
    assert!(matches!(
        pay(client, "RC-REFUNDED", auth_codes::SUCCEED, 100).await,
        PaymentOutcome::Succeeded { .. }
    ));
    let refund = RefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("RC-REFUNDED-R")
        .refund_amount(Amount::from_fen(100).unwrap())
        .origin_out_trade_no("RC-REFUNDED")
        .location_info(location())
        .build()
        .unwrap();
    client.refund(refund).await.unwrap();
    // Revoked through the journal.
    assert!(matches!(
        pay(client, "RC-REVOKED", auth_codes::SUCCEED, 707).await,
        PaymentOutcome::Succeeded { .. }
    ));
    let revoke = RevokeRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("RC-REVOKED-V")
        .origin_out_trade_no("RC-REVOKED")
        .location_info(location())
        .build()
        .unwrap();
    client.revoke(revoke).await.unwrap();
    vec![
        ("RC-AGREE", Class::Agrees),
        ("RC-BEHIND", Class::Contradiction),
        ("RC-FAILPAID", Class::Contradiction),
        ("RC-OPEN", Class::Finished),
        ("RC-GHOST", Class::NotFound),
        ("RC-FLAKY", Class::Inconclusive),
        ("RC-REFUNDED", Class::Agrees),
        ("RC-REFUNDED-R", Class::Agrees),
        ("RC-REVOKED", Class::Agrees),
        ("RC-REVOKED-V", Class::Agrees),
    ]
}

fn today() -> ChinaDay {
    ChinaDay::of_unix(lakala_crypto::Clock::unix_seconds(
        &lakala_crypto::SystemClock,
    ))
}

fn config(run: &str) -> ReconcileConfig {
    let mut config = ReconcileConfig::days(today(), today())
        .merchant(MERCHANT_NO)
        .run(run)
        .pace(QueryPace::per_second(200));
    config.held_wait = Duration::from_millis(50);
    config.held_retries = 200;
    config
}

fn class_of(report: &ReconcileReport, order: &str) -> Class {
    report
        .payments
        .iter()
        .find(|p| p.key.out_trade_no == order)
        .unwrap_or_else(|| panic!("{order} in the report"))
        .class
}

fn item<'a>(
    report: &'a ReconcileReport,
    order: &str,
) -> &'a lakala_client::reconcile_report::ReconciledPayment {
    report
        .payments
        .iter()
        .find(|p| p.key.out_trade_no == order)
        .unwrap()
}

async fn reconciled_events(journal: &dyn PaymentJournal, order: &str, run: &str) -> usize {
    journal
        .events(&key(order))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == RECONCILED && e.payload["run"] == run)
        .count()
}

/// The whole story on one journal: `second` opens another handle to it (another
/// process's connection) for the concurrent runs.
async fn story(
    platform: &Platform,
    journal: Arc<dyn PaymentJournal>,
    second: Arc<dyn PaymentJournal>,
) {
    let client = platform.client(journal.clone(), "till-1");
    let expected = prepare(platform, &client, &*journal).await;
    let money_before = platform.money_requests();
    let revokes_before = platform.sandbox.revokes_executed("RC-OPEN");

    // First run: every kind found.
    let queries = platform.queries();
    let report = client
        .reconciler(config("R1"))
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(report.payments.len(), expected.len(), "{report:#?}");
    for (order, class) in &expected {
        assert_eq!(
            class_of(&report, order),
            *class,
            "{order}: {:#?}",
            item(&report, order)
        );
        assert_eq!(item(&report, order).change, Change::New);
        assert_eq!(
            reconciled_events(&*journal, order, "R1").await,
            1,
            "{order} journaled"
        );
    }
    assert_eq!(
        platform.queries() - queries,
        expected.len(),
        "one query each"
    );
    assert_eq!(report.queries, expected.len() as u64);
    assert_eq!(
        platform.money_requests(),
        money_before,
        "nothing that moves money was sent"
    );
    assert_eq!(platform.sandbox.revokes_executed("RC-OPEN"), revokes_before);

    // The contradictions are marked for a person, the journal's facts kept.
    let behind = journal.payment(&key("RC-BEHIND")).await.unwrap().unwrap();
    assert_eq!(behind.status, PaymentStatus::Succeeded, "never overwritten");
    let conflict = behind.conflict.clone().expect("marked conflict");
    assert!(conflict.contains("REFUND"), "{conflict}");
    let failpaid = journal.payment(&key("RC-FAILPAID")).await.unwrap().unwrap();
    assert_eq!(failpaid.status, PaymentStatus::Failed);
    assert!(
        failpaid
            .conflict
            .as_deref()
            .is_some_and(|c| c.contains("paid")),
        "{failpaid:?}"
    );
    let conflicts: Vec<String> = journal
        .list(&ListFilter::conflicts())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key.out_trade_no)
        .collect();
    assert_eq!(conflicts, ["RC-BEHIND", "RC-FAILPAID"]);
    // The open one was finished through the journal's normal path.
    let open = journal.payment(&key("RC-OPEN")).await.unwrap().unwrap();
    assert_eq!(open.status, PaymentStatus::Succeeded);
    assert_eq!(open.conflict, None);
    assert_eq!(
        item(&report, "RC-OPEN").status_before,
        PaymentStatus::Pending
    );
    let events = journal.events(&key("RC-OPEN")).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "outcome" && e.payload["outcome"] == "succeeded"),
        "{events:#?}"
    );
    assert_eq!(open.lease_owner, None, "the lease was released");
    // The summary: today, per kind and status, with amounts.
    assert_eq!(report.days.len(), 1);
    let failed = report.days[0]
        .statuses
        .iter()
        .find(|s| {
            s.status == PaymentStatus::Failed && s.kind == lakala_journal::PaymentKind::Micropay
        })
        .expect("failed micropays");
    assert_eq!((failed.count, failed.amount_fen), (1, 303));
    assert_eq!(report.days[0].classes[&Class::Contradiction], 2);

    // Started again under the same name (an interrupted run): nothing conclusive is
    // asked again; the inconclusive one is.
    let (queries, flaky) = (platform.queries(), platform.queries_of("RC-FLAKY"));
    let again = client
        .reconciler(config("R1"))
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(platform.queries() - queries, 1, "only the inconclusive one");
    assert_eq!(platform.queries_of("RC-FLAKY") - flaky, 1);
    assert_eq!(again.payments.len(), expected.len());
    for (order, class) in &expected {
        assert_eq!(class_of(&again, order), *class, "{order}");
        assert_eq!(
            item(&again, order).resumed,
            *class != Class::Inconclusive,
            "{order}"
        );
    }

    // A second run: what changed since.
    platform.break_queries_of("RC-FLAKY", false);
    let second_run = client
        .reconciler(config("R2"))
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(class_of(&second_run, "RC-FLAKY"), Class::Agrees);
    assert_eq!(
        item(&second_run, "RC-FLAKY").change,
        Change::Changed {
            was: Class::Inconclusive,
            platform_was: "inconclusive".into()
        }
    );
    assert_eq!(class_of(&second_run, "RC-OPEN"), Class::Agrees);
    assert!(matches!(
        item(&second_run, "RC-OPEN").change,
        Change::Changed {
            was: Class::Finished,
            ..
        }
    ));
    assert_eq!(item(&second_run, "RC-BEHIND").change, Change::Same);
    assert_eq!(item(&second_run, "RC-AGREE").change, Change::Same);
    assert_eq!(second_run.changed().count(), 2);
    assert_eq!(
        journal
            .payment(&key("RC-BEHIND"))
            .await
            .unwrap()
            .unwrap()
            .conflict,
        Some(conflict),
        "the same contradiction is not marked again"
    );

    // Two runs of one name at once, on two connections, as two instances: each payment
    // queried once between them.
    let a = platform.client(journal.clone(), "reconciler-a");
    let b = platform.client(second, "reconciler-b");
    let queries = platform.queries();
    let (ra, rb) = tokio::join!(
        async { a.reconciler(config("R3")).unwrap().run().await.unwrap() },
        async { b.reconciler(config("R3")).unwrap().run().await.unwrap() }
    );
    assert_eq!(
        platform.queries() - queries,
        expected.len(),
        "no query doubled"
    );
    assert_eq!(ra.queries + rb.queries, expected.len() as u64);
    assert_eq!(
        (ra.payments.len(), rb.payments.len()),
        (expected.len(), expected.len())
    );
    for (order, _) in &expected {
        assert_eq!(
            reconciled_events(&*journal, order, "R3").await,
            1,
            "{order} reconciled once"
        );
        assert_eq!(class_of(&ra, order), class_of(&rb, order), "{order}");
    }
    assert_eq!(
        platform.money_requests(),
        money_before,
        "nothing that moves money was sent"
    );

    // A payment a resolver holds is left to it: not queried, not journaled, reported
    // inconclusive; once released, the same run takes it.
    let now = lakala_crypto::Clock::unix_seconds(&lakala_crypto::SystemClock);
    let held = journal
        .claim_payment(&key("RC-AGREE"), "resolver-x", now, 300)
        .await
        .unwrap()
        .expect("free");
    let mut short = config("R4");
    short.held_retries = 2;
    short.held_wait = Duration::from_millis(10);
    let agree_queries = platform.queries_of("RC-AGREE");
    let r4 = client
        .reconciler(short.clone())
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(class_of(&r4, "RC-AGREE"), Class::Inconclusive);
    assert!(
        item(&r4, "RC-AGREE").detail.contains("resolver-x"),
        "{:?}",
        item(&r4, "RC-AGREE")
    );
    assert_eq!(
        platform.queries_of("RC-AGREE"),
        agree_queries,
        "not queried under another's lease"
    );
    assert_eq!(reconciled_events(&*journal, "RC-AGREE", "R4").await, 0);
    journal.release(&held.lease, None).await.unwrap();
    let queries = platform.queries();
    let r4 = client.reconciler(short).unwrap().run().await.unwrap();
    assert_eq!(class_of(&r4, "RC-AGREE"), Class::Agrees);
    assert_eq!(platform.queries() - queries, 1, "only the one left over");
    assert_eq!(platform.money_requests(), money_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconciliation_finds_every_kind_of_disagreement_on_a_sqlite_file() {
    let platform = Platform::start().await;
    let path = platform.dir.path().join("journal.sqlite");
    let journal: Arc<dyn PaymentJournal> = Arc::new(SqliteJournal::open(&path).await.unwrap());
    let second: Arc<dyn PaymentJournal> = Arc::new(SqliteJournal::open(&path).await.unwrap());
    story(&platform, journal, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconciliation_finds_every_kind_of_disagreement_on_postgresql() {
    let platform = Platform::start().await;
    let schema = format!(
        "lakala_reconcile_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let url = lakala_test_postgres::url();
    let open =
        || PostgresJournal::connect_with(&url, PostgresOptions::default().schema(schema.clone()));
    let journal: Arc<dyn PaymentJournal> = Arc::new(open().await.unwrap());
    let second: Arc<dyn PaymentJournal> = Arc::new(open().await.unwrap());
    story(&platform, journal, second).await;
}

/// Records what it is asked to wait, and returns at once.
#[derive(Debug, Default)]
struct Waits(Mutex<Vec<Duration>>);

#[lakala_transport::async_trait]
impl lakala_client::Sleeper for Waits {
    async fn sleep(&self, duration: Duration) {
        self.0.lock().unwrap().push(duration);
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_spaces_its_queries_by_its_pace() {
    let platform = Platform::start().await;
    let journal: Arc<dyn PaymentJournal> = Arc::new(lakala_journal::MemoryJournal::new());
    let maker = platform.client(journal.clone(), "till-1");
    for i in 0..4 {
        pay(&maker, &format!("RC-PACE-{i}"), auth_codes::SUCCEED, 101).await;
    }
    let waits = Arc::new(Waits::default());
    let proxy = platform.proxy_url.clone();
    let config = Config::from_file_and_env(Some(&platform.config), |k| {
        (k == "LAKALA_BASE_URL").then(|| proxy.clone())
    })
    .unwrap();
    let client = LakalaClient::builder(config)
        .journal(journal)
        .sleeper(waits.clone())
        .resolved_elsewhere()
        .build()
        .unwrap();
    // Long enough that a slow query never outlasts a slot (the sleeper does not sleep).
    let pace = QueryPace::every(Duration::from_secs(30));
    let report = client
        .reconciler(config_paced("PACE", pace))
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(report.count(Class::Agrees), 4, "{report:#?}");
    let waits = waits.0.lock().unwrap().clone();
    // The first query leaves at once; each later one waits for its slot, one interval
    // after the previous slot (the sleeper returned at once, so the slots pile up).
    assert_eq!(waits.len(), 3, "{waits:?}");
    for (k, wait) in waits.iter().enumerate() {
        let slot = pace.interval() * (k as u32 + 1);
        assert!(
            *wait > Duration::ZERO && *wait <= slot,
            "wait {k}: {wait:?} (slot {slot:?})"
        );
    }
    assert!(waits[2] > waits[0], "{waits:?}");
}

fn config_paced(run: &str, pace: QueryPace) -> ReconcileConfig {
    ReconcileConfig::days(today(), today()).run(run).pace(pace)
}

// ---------------------------------------------------------------------------------------
// The binary.
// ---------------------------------------------------------------------------------------

fn lakala(platform: &Platform, journal: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lakala"));
    c.arg("--config")
        .arg(&platform.config)
        .args(["--base-url", platform.proxy_url.as_str()])
        .arg("--journal")
        .arg(format!("sqlite:{}", journal.display()))
        .args(args)
        .env_remove("LAKALA_BASE_URL")
        .env_remove("LAKALA_CONFIG")
        .env_remove("LAKALA_JOURNAL")
        .env("XDG_DATA_HOME", platform.dir.path())
        .env("HOME", platform.dir.path())
        .env("LAKALA_REQUEST_TIMEOUT_SECS", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn parsed(out: &Output) -> (i32, Value, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        format!("{stdout}\n{stderr}"),
    )
}

/// Gives a test handle up. A checkpoint another connection still holds back (`Busy`) is
/// fine: the journal is whole with its `-wal`, which every later handle reads.
async fn closed(journal: SqliteJournal) {
    match journal.close().await {
        Ok(()) | Err(lakala_journal::JournalError::Busy { .. }) => {}
        Err(e) => panic!("closing the test's journal handle: {e}"),
    }
}

/// A journal file with payments made by a client of this test process.
async fn journal_with(platform: &Platform, name: &str, orders: &[(&str, &str)]) -> PathBuf {
    let path = platform.dir.path().join(name);
    let journal = SqliteJournal::open(&path).await.unwrap();
    let client = platform.client(Arc::new(journal.clone()), "till-1");
    for (order, code) in orders {
        pay(&client, order, code, 101).await;
    }
    drop(client);
    closed(journal).await;
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lakala_payments_reconcile_exit_status_json_and_csv() {
    let platform = Platform::start().await;
    let day = today().to_string();
    let range = ["--from", day.as_str(), "--to", day.as_str()];

    // Everything agrees: 0.
    let clean = journal_with(
        &platform,
        "clean.sqlite",
        &[("CLI-OK-1", auth_codes::SUCCEED)],
    )
    .await;
    let out = lakala(
        &platform,
        &clean,
        &[&["--json", "payments", "reconcile"][..], &range].concat(),
    )
    .output()
    .unwrap();
    let (code, json, text) = parsed(&out);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("agrees")),
        "{text}"
    );

    // Only an inconclusive one besides: 4.
    let flaky = journal_with(
        &platform,
        "flaky.sqlite",
        &[
            ("CLI-OK-2", auth_codes::SUCCEED),
            ("CLI-FLAKY", auth_codes::SUCCEED),
        ],
    )
    .await;
    platform.break_queries_of("CLI-FLAKY", true);
    let out = lakala(
        &platform,
        &flaky,
        &[&["--json", "payments", "reconcile"][..], &range].concat(),
    )
    .output()
    .unwrap();
    let (code, json, text) = parsed(&out);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("inconclusive")),
        "{text}"
    );
    assert_eq!(
        json["reconciliation"]["classes"]["inconclusive"], 1,
        "{text}"
    );

    // A contradiction and a payment the platform cannot find: 8, with JSON and CSV.
    let path = journal_with(
        &platform,
        "disagrees.sqlite",
        &[
            ("CLI-OK-3", auth_codes::SUCCEED),
            ("CLI-BEHIND", auth_codes::SUCCEED),
        ],
    )
    .await;
    platform.set_state("CLI-BEHIND", "REFUND").await;
    {
        let journal = SqliteJournal::open(&path).await.unwrap();
        let now = lakala_crypto::Clock::unix_seconds(&lakala_crypto::SystemClock);
        let ghost = Intent::micropay(
            key("CLI-GHOST"),
            TERM_NO,
            999,
            "2885**********2810",
            "00ff00ff00ff00ff00ff00ff00ff00ff",
            "elsewhere",
            now,
        );
        journal.record_intent(&ghost).await.unwrap();
        closed(journal).await;
    }
    let csv = platform.dir.path().join("reconciliation.csv");
    let csv_arg = csv.display().to_string();
    let out = lakala(
        &platform,
        &path,
        &[
            &[
                "--json",
                "payments",
                "reconcile",
                "--merchant-no",
                MERCHANT_NO,
                "--csv",
                csv_arg.as_str(),
            ][..],
            &range,
        ]
        .concat(),
    )
    .output()
    .unwrap();
    let (code, json, text) = parsed(&out);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (8, Some("disagrees")),
        "{text}"
    );
    let r = &json["reconciliation"];
    assert_eq!(r["classes"]["contradiction"], 1, "{text}");
    assert_eq!(r["classes"]["not_found"], 1, "{text}");
    assert_eq!(r["classes"]["agrees"], 1, "{text}");
    let behind = r["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"]["out_trade_no"] == "CLI-BEHIND")
        .expect("CLI-BEHIND in the JSON");
    assert_eq!(behind["class"], "contradiction");
    assert_eq!(behind["platform"]["trade_state"], "REFUND");
    assert_eq!(behind["status"], "succeeded");
    assert!(
        !text.contains(auth_codes::SUCCEED),
        "no payment code in the output"
    );
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = csv_text.lines().collect();
    assert_eq!(lines.len(), 4, "{csv_text}");
    assert!(
        lines[0].starts_with("day,merchant_no,out_trade_no,kind"),
        "{csv_text}"
    );
    let row = lines.iter().find(|l| l.contains("CLI-BEHIND")).unwrap();
    assert!(row.starts_with(&format!("{day},{MERCHANT_NO},CLI-BEHIND,micropay,,1.01,succeeded,succeeded,contradiction,trade_query,BBS00000,REFUND,reversed,new")), "{row}");
    let ghost = lines.iter().find(|l| l.contains("CLI-GHOST")).unwrap();
    assert!(
        ghost.contains(",9.99,recorded,recorded,not_found,"),
        "{ghost}"
    );
    assert!(!csv_text.contains(auth_codes::SUCCEED));

    // The text form: the summary in yuan and the lines a person must read.
    let out = lakala(
        &platform,
        &path,
        &[&["payments", "reconcile", "--run", "text"][..], &range].concat(),
    )
    .output()
    .unwrap();
    let (code, _, text) = parsed(&out);
    assert_eq!(code, 8, "{text}");
    assert!(
        text.contains("contradiction 822290059430001 CLI-BEHIND micropay 1.01 yuan"),
        "{text}"
    );
    assert!(text.contains("need a person"), "{text}");
    assert!(text.contains("1 contradiction"), "{text}");

    // Two processes at once (one run: today's default name): each payment queried once.
    let many: Vec<(String, &str)> = (0..12)
        .map(|i| (format!("CLI-MANY-{i:02}"), auth_codes::SUCCEED))
        .collect();
    let many_ref: Vec<(&str, &str)> = many.iter().map(|(o, c)| (o.as_str(), *c)).collect();
    let shared = journal_with(&platform, "shared.sqlite", &many_ref).await;
    let queries = platform.queries();
    let args = [&["--json", "payments", "reconcile"][..], &range].concat();
    let first = lakala(&platform, &shared, &args).spawn().unwrap();
    let second = lakala(&platform, &shared, &args).spawn().unwrap();
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    let (c1, j1, t1) = parsed(&first);
    let (c2, j2, t2) = parsed(&second);
    assert_eq!((c1, c2), (0, 0), "{t1}\n{t2}");
    assert_eq!(platform.queries() - queries, many.len(), "{t1}\n{t2}");
    assert_eq!(
        j1["reconciliation"]["queries"].as_u64().unwrap()
            + j2["reconciliation"]["queries"].as_u64().unwrap(),
        many.len() as u64
    );
    assert_eq!(
        j1["reconciliation"]["payments"].as_array().unwrap().len(),
        many.len()
    );
    assert_eq!(
        j2["reconciliation"]["payments"].as_array().unwrap().len(),
        many.len()
    );
}
