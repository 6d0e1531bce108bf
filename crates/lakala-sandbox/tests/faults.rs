//! Fault injection: the real client (`lakala-client` with its hyper transport) pays through
//! a loopback proxy ([`proxy::Proxy`]) that damages exchanges on their way back from the
//! real sandbox: connections dropped or reset after the request, answers delayed past the
//! timeout, 500/502/503, truncated, a flipped bit, oversized and endless bodies, garbage,
//! a slow drip, another order's signed answer, and resets during the queries.
//!
//! Every case asserts:
//! - exactly one micropay reached the sandbox, and the client sent exactly one;
//! - the reported outcome agrees with the sandbox's own state, read afterwards by a query
//!   that does not go through the proxy;
//! - the outcome is pending only when the state could not be known (every query failed, or
//!   the order was still in progress, or it never reached the sandbox).

#[path = "support/proxy.rs"]
mod proxy;
mod support;

use lakala_client::{
    Config, Environment, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy,
    PollSchedule, Sleeper, Timeouts,
};
use lakala_crypto::ManualClock;
use lakala_sandbox::behaviour::auth_codes;
use lakala_transport::async_trait;
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use proxy::{Fault, Proxy};
use std::sync::Arc;
use std::time::Duration;
use support::{start_with, Env, MERCHANT_NO, TERM_NO};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
/// The client's whole-exchange timeout: short, so that the cases run in seconds.
const TIMEOUT: Duration = Duration::from_millis(800);

/// Waits move the shared manual clock (the sandbox settles by it); no real waiting.
#[derive(Debug)]
struct ClockSleeper(Arc<ManualClock>);

#[async_trait]
impl Sleeper for ClockSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.advance(duration);
        tokio::task::yield_now().await;
    }
}

struct Setup {
    env: Env,
    proxy: Proxy,
    client: LakalaClient,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let env = start_with(|c| c.pending_delay(Duration::from_secs(2))).await;
    let proxy = Proxy::start(env.sandbox.local_addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let mut config = Config::from_file_and_env(Some(&path), |_| None).unwrap();
    config.environment = Environment::Custom(proxy.base_url());
    config.timeouts = Timeouts {
        connect: Duration::from_secs(1),
        request: TIMEOUT,
    };
    config.poll_schedule = PollSchedule::from_secs(&[1, 1, 1, 1]);
    let client = LakalaClient::builder(config)
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper(env.clock.clone())))
        .build()
        .unwrap();
    Setup {
        env,
        proxy,
        client,
        _dir: dir,
    }
}

fn request(order: &str, auth_code: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(order)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// What the sandbox says of `order`, asked directly (not through the proxy).
async fn truth(s: &Setup, order: &str) -> Option<String> {
    let answer = s.env.query(order).await;
    match answer["code"].as_str() {
        Some("BBS00000") => Some(answer["resp_data"]["trade_state"].as_str()?.to_owned()),
        _ => None,
    }
}

/// How the queries of one case are damaged: the first `count` queries get `fault`.
struct QueryFaults {
    count: usize,
    fault: Fault,
}

/// Pays `order` with `fault` on the micropay exchange and `queries` on the queries; checks
/// the three rules and returns the outcome.
async fn case(
    s: &Setup,
    order: &str,
    auth_code: &str,
    fault: Fault,
    queries: Option<QueryFaults>,
) -> PaymentOutcome {
    let pay_base = s.proxy.received(PAY);
    let forwarded_base = s.proxy.forwarded(PAY);
    let query_base = s.proxy.received(QUERY);
    let faulted_queries = queries.as_ref().map_or(0, |q| q.count);
    let what = format!("{fault:?}");
    let damaged = !matches!(fault, Fault::Pass);
    s.proxy.plan(move |path, n| match path {
        PAY if n == pay_base => fault.clone(),
        QUERY if n < query_base + faulted_queries => {
            queries.as_ref().map_or(Fault::Pass, |q| q.fault.clone())
        }
        _ => Fault::Pass,
    });
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        s.client.micropay(
            request(order, auth_code),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        ),
    )
    .await
    .unwrap_or_else(|_| panic!("{what}: the flow did not end"))
    .unwrap_or_else(|e| panic!("{what}: {e}"));
    s.proxy.plan(|_, _| Fault::Pass);

    assert_eq!(
        s.proxy.received(PAY) - pay_base,
        1,
        "{what}: the client sent exactly one micropay"
    );
    if damaged {
        // The fault was in effect: no answer could be taken as it came, so the client asked.
        assert!(
            s.proxy.received(QUERY) > query_base,
            "{what}: the client concluded {outcome:?} without a query"
        );
    }
    let reached = s.proxy.forwarded(PAY) - forwarded_base;
    let state = truth(s, order).await;
    match (&outcome, state.as_deref()) {
        (PaymentOutcome::Succeeded { .. }, Some("SUCCESS")) => {}
        (PaymentOutcome::Failed { .. }, Some("FAIL" | "CLOSE")) => {}
        (PaymentOutcome::Pending(_), Some("DEAL")) => {}
        (PaymentOutcome::Pending(_), None) => {
            assert_eq!(
                reached, 0,
                "{what}: the order exists but was reported unknown"
            )
        }
        (PaymentOutcome::Pending(_), Some(_)) => {
            let queries_sent = s.proxy.received(QUERY) - query_base;
            assert!(
                queries_sent <= faulted_queries,
                "{what}: pending although a query could read the final state ({queries_sent} queries, {faulted_queries} damaged): {outcome:?}"
            );
        }
        _ => panic!("{what}: reported {outcome:?} while the sandbox says {state:?}"),
    }
    if state.is_some() {
        assert_eq!(
            reached, 1,
            "{what}: exactly one micropay reached the sandbox"
        );
    }
    outcome
}

fn assert_word(outcome: &PaymentOutcome, word: &str) {
    assert_eq!(outcome.word(), word, "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_and_late_answers_are_settled_by_query() {
    let s = setup().await;
    for (i, fault) in [
        Fault::DropAfterRequest,
        Fault::ResetAfterRequest,
        Fault::Delay(TIMEOUT * 2),
        Fault::Drip(Duration::from_millis(20)),
    ]
    .into_iter()
    .enumerate()
    {
        let paid = case(
            &s,
            &format!("LOST{i}"),
            auth_codes::SUCCEED,
            fault.clone(),
            None,
        )
        .await;
        assert_word(&paid, "succeeded");
        let failed = case(
            &s,
            &format!("LOSTF{i}"),
            auth_codes::INSUFFICIENT_BALANCE,
            fault,
            None,
        )
        .await;
        assert_word(&failed, "failed");
    }
    // In progress when the answer was lost: polled until it settles.
    let late = case(
        &s,
        "LATE1",
        auth_codes::PENDING_THEN_SUCCEED,
        Fault::Delay(TIMEOUT * 2),
        None,
    )
    .await;
    assert_word(&late, "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_statuses_and_damaged_answers_are_settled_by_query() {
    let s = setup().await;
    for (i, fault) in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Truncate,
        Fault::FlipByte,
        Fault::Garbage,
        Fault::Oversized,
        Fault::Endless,
    ]
    .into_iter()
    .enumerate()
    {
        let paid = case(
            &s,
            &format!("BAD{i}"),
            auth_codes::SUCCEED,
            fault.clone(),
            None,
        )
        .await;
        assert_word(&paid, "succeeded");
        let failed = case(
            &s,
            &format!("BADF{i}"),
            auth_codes::INSUFFICIENT_BALANCE,
            fault,
            None,
        )
        .await;
        assert_word(&failed, "failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_orders_signed_answer_is_not_this_orders() {
    let s = setup().await;
    // Record a genuine, signed success of order A and a genuine named refusal of order R.
    assert_word(
        &case(&s, "REPA", auth_codes::SUCCEED, Fault::Pass, None).await,
        "succeeded",
    );
    assert_word(
        &case(&s, "REPR", auth_codes::NAMED_REFUSAL, Fault::Pass, None).await,
        "failed",
    );
    let answers = s.proxy.answers(PAY);
    let (success_of_a, refusal_of_r) = (answers[0].clone(), answers[1].clone());
    // A's success as the answer to B, which failed: B is failed, not paid.
    let b = case(
        &s,
        "REPB",
        auth_codes::INSUFFICIENT_BALANCE,
        Fault::Replay(success_of_a.clone()),
        None,
    )
    .await;
    assert_word(&b, "failed");
    // ... and to C, which is in progress until revoked: pending, not paid.
    let c = case(
        &s,
        "REPC",
        auth_codes::PENDING_UNTIL_REVOKED,
        Fault::Replay(success_of_a),
        None,
    )
    .await;
    assert_word(&c, "pending");
    // R's refusal as the answer to D, which was paid: D is paid, not declined.
    let d = case(
        &s,
        "REPD",
        auth_codes::SUCCEED,
        Fault::Replay(refusal_of_r),
        None,
    )
    .await;
    assert_word(&d, "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_during_the_queries() {
    let s = setup().await;
    // The answer is lost, and so are the first queries: the later ones settle it.
    for (i, fault) in [Fault::ResetAfterRequest, Fault::ResetBeforeForward]
        .into_iter()
        .enumerate()
    {
        let paid = case(
            &s,
            &format!("QR{i}"),
            auth_codes::SUCCEED,
            Fault::DropAfterRequest,
            Some(QueryFaults { count: 3, fault }),
        )
        .await;
        assert_word(&paid, "succeeded");
    }
    // Every query is reset: the state cannot be known, so it is pending (never failed),
    // although the sandbox has it paid.
    let unknown = case(
        &s,
        "QRALL",
        auth_codes::SUCCEED,
        Fault::DropAfterRequest,
        Some(QueryFaults {
            count: 100,
            fault: Fault::ResetAfterRequest,
        }),
    )
    .await;
    assert_word(&unknown, "pending");
    assert_eq!(truth(&s, "QRALL").await.as_deref(), Some("SUCCESS"));
    // The micropay itself is reset before it reaches the sandbox: no order exists, the
    // client cannot know that, and says pending (a later query finds nothing).
    let never = case(
        &s,
        "QRNONE",
        auth_codes::SUCCEED,
        Fault::ResetBeforeForward,
        None,
    )
    .await;
    assert_word(&never, "pending");
    assert_eq!(s.proxy.forwarded(PAY), s.proxy.received(PAY) - 1);
}
