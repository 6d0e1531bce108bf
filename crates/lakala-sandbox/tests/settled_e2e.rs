//! Issue 19 end to end: the real client, journaled, against the real sandbox over loopback
//! HTTP, in the three scenarios that moved money behind a reported outcome. The sandbox
//! counts what money moved; the client's transport counts what it sent.

mod support;

use lakala_client::resolver::ResolverConfig;
use lakala_client::{
    Config, HttpTransport, LakalaClient, MicropayOptions, PendingPolicy, RefundOutcome, Sleeper,
    TransportError,
};
use lakala_crypto::ManualClock;
use lakala_journal::{MemoryJournal, PaymentJournal, PaymentKey, PaymentStatus};
use lakala_sandbox::behaviour::{auth_codes, refund_amounts};
use lakala_sandbox::DealRefunds;
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HyperTransport};
use lakala_types::micropay::{LocationInfo, MicropayRequest, RefundRequest};
use lakala_types::Amount;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{start_with, Env, MERCHANT_NO, TERM_NO};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const REVOKE: &str = "/api/v3/labs/relation/revoked";
const REFUND: &str = "/api/v3/labs/relation/refund";

/// The client's waits between queries move the shared manual clock instead of sleeping.
#[derive(Debug)]
struct ClockSleeper(Arc<ManualClock>);

#[async_trait]
impl Sleeper for ClockSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.advance(duration);
    }
}

/// HTTP over loopback, counting each request by path.
#[derive(Debug)]
struct Counting {
    http: HyperTransport,
    sent: Mutex<Vec<String>>,
}

impl Counting {
    fn count(&self, path: &str) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(path))
            .count()
    }
}

#[async_trait]
impl HttpTransport for Counting {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request.url.clone());
        self.http.send(request).await
    }
}

struct Setup {
    client: LakalaClient,
    transport: Arc<Counting>,
    journal: Arc<MemoryJournal>,
    _dir: tempfile::TempDir,
}

/// A journaled client configured from the TOML the sandbox writes, with a request timeout
/// of `timeout`, on the sandbox's manual clock.
fn setup(env: &Env, timeout: Duration) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let mut config: Config =
        Config::from_file_and_env(Some(&path), |_| None).expect("the written config loads");
    config.timeouts.request = timeout;
    let transport = Arc::new(Counting {
        http: HyperTransport::builder().timeout(timeout).build().unwrap(),
        sent: Mutex::default(),
    });
    let journal = Arc::new(MemoryJournal::new());
    let client = LakalaClient::builder(config)
        .transport(transport.clone())
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper(env.clock.clone())))
        .journal(journal.clone())
        .instance("till-e2e")
        .build()
        .unwrap();
    Setup {
        client,
        transport,
        journal,
        _dir: dir,
    }
}

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("127.0.0.1")
        .build()
        .unwrap()
}

fn pay(order: &str, auth_code: &str, fen: u64) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(order)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(fen).unwrap())
        .location_info(location())
        .build()
        .unwrap()
}

fn key(order: &str) -> PaymentKey {
    PaymentKey::new(MERCHANT_NO, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_1_a_paid_order_is_not_revoked_after_the_till_was_told_succeeded() {
    let env = start_with(|c| c).await;
    let s = setup(&env, Duration::from_secs(10));
    let order = "E2ES1";
    let revoke_no = lakala_client::revoke_number(order, "R");
    let outcome = s
        .client
        .micropay(
            pay(order, auth_codes::PENDING_REVOKE_INCONCLUSIVE, 500),
            MicropayOptions::new(PendingPolicy::Revoke {
                revoke_out_trade_no: revoke_no.clone(),
            }),
        )
        .await
        .unwrap();
    // The revoke answered an unlisted code while the payment landed: succeeded.
    assert_eq!(outcome.word(), "succeeded", "{outcome:?}");
    assert_eq!(s.transport.count(REVOKE), 1);
    assert_eq!(env.sandbox.revokes_executed(order), 0);

    // The resolver, long after, on everything open: never the revoke again.
    env.advance(3 * 3600);
    let resolver = s.client.resolver(ResolverConfig::default()).unwrap();
    resolver.resolve_now(None).await.unwrap();
    env.advance(3600);
    resolver.run_once().await.unwrap();
    assert_eq!(s.transport.count(REVOKE), 1, "the revoke was sent again");
    assert_eq!(
        env.sandbox.revokes_executed(order),
        0,
        "a paid order was revoked"
    );
    assert_eq!(env.state(order).await, "SUCCESS");
    let revoke = s.journal.payment(&key(&revoke_no)).await.unwrap().unwrap();
    assert_eq!(revoke.status, PaymentStatus::Failed);
    assert_eq!(revoke.outcome.as_deref(), Some("moot"));
    let payment = s.journal.payment(&key(order)).await.unwrap().unwrap();
    assert_eq!(payment.status, PaymentStatus::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_2_a_crash_during_a_slow_answer_then_a_timeout_code_never_pays_twice() {
    let env = start_with(|c| {
        let mut c = c;
        c.slow_answer_delay = Duration::from_secs(3);
        c
    })
    .await;
    let s = setup(&env, Duration::from_secs(1));
    let order = "E2ES2";
    // The process dies while the micropay's answer is slow: intent journaled, nothing else.
    let (client, transport) = (s.client.clone(), s.transport.clone());
    let request = pay(order, auth_codes::SLOW_ANSWER_THEN_QUERY_TIMEOUT, 500);
    let crashed = request.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let _handle = client
                .start_micropay(crashed, MicropayOptions::new(PendingPolicy::ReturnPending))
                .unwrap();
            while transport.count(PAY) == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            // On the wire: give it time to reach the sandbox, not to be answered.
            tokio::time::sleep(Duration::from_millis(300)).await;
        });
        rt.shutdown_background();
    })
    .join()
    .unwrap();
    assert_eq!(
        s.journal
            .payment(&key(order))
            .await
            .unwrap()
            .unwrap()
            .status,
        PaymentStatus::Recorded
    );
    // The till retries the same order, well past the in-flight window; the first query
    // answers 000101 (it says nothing), later ones SUCCESS.
    env.advance(600);
    let outcome = s
        .client
        .micropay(request, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap();
    assert_eq!(outcome.word(), "succeeded", "{outcome:?}");
    assert_eq!(s.transport.count(PAY), 1, "a second micropay went out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_3_a_refund_in_deal_is_in_progress_and_settled_by_the_refund_query() {
    let env = start_with(|c| {
        let mut c = c;
        c.deal_refunds = DealRefunds::SucceedAfterQueries(2);
        c
    })
    .await;
    let s = setup(&env, Duration::from_secs(10));
    let order = "E2ES3";
    let paid = s
        .client
        .micropay(
            pay(order, auth_codes::SUCCEED, 500),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert_eq!(paid.word(), "succeeded", "{paid:?}");
    let refund_no = "E2ES3F1";
    let refund = RefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(refund_no)
        .refund_amount(Amount::from_fen(refund_amounts::DEAL).unwrap())
        .origin_out_trade_no(order)
        .location_info(location())
        .build()
        .unwrap();
    let outcome = s.client.refund(refund).await.unwrap();
    assert!(
        matches!(outcome, RefundOutcome::InProgress { .. }),
        "DEAL reported as {outcome:?}"
    );
    assert_eq!(
        s.journal
            .payment(&key(refund_no))
            .await
            .unwrap()
            .unwrap()
            .status,
        PaymentStatus::Pending
    );
    let resolver = s.client.resolver(ResolverConfig::default()).unwrap();
    for _ in 0..6 {
        env.advance(3600);
        resolver.resolve_now(Some(&key(refund_no))).await.unwrap();
        let status = s
            .journal
            .payment(&key(refund_no))
            .await
            .unwrap()
            .unwrap()
            .status;
        if status != PaymentStatus::Pending {
            break;
        }
    }
    let record = s.journal.payment(&key(refund_no)).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded, "{record:?}");
    assert_eq!(record.outcome.as_deref(), Some("refunded"));
    assert_eq!(s.transport.count(REFUND), 1, "the refund was sent again");
    assert_eq!(env.sandbox.refunds_executed(order), 1);
    assert_eq!(env.sandbox.refunded_amount(order), refund_amounts::DEAL);
}
