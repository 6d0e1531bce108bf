//! The labs family end to end: the real `lakala-client` against the real sandbox over
//! loopback HTTP (through a fault-injecting proxy where a case needs one), with a real
//! SQLite journal: pre-orders paid, never paid (closed, never reported paid), and a close
//! racing the payment (the truth reported); refund by the merchant's order in progress then
//! done; micropay on the labs route.

#[path = "support/proxy.rs"]
mod proxy;
mod support;

use lakala_client::resolver::ResolverConfig;
use lakala_client::{
    ClosedBy, Config, Encryption, Environment, LakalaClient, MicropayOptions, MicropayRoute,
    PaymentOutcome, PendingPolicy, PollSchedule, PreorderOptions, PreorderOutcome, RefundOutcome,
    Sleeper, Timeouts,
};
use lakala_crypto::ManualClock;
use lakala_journal::{PaymentJournal, PaymentKey, PaymentKind, PaymentStatus, SqliteJournal};
use lakala_sandbox::behaviour::{auth_codes, preorder_amounts, refund_amounts};
use lakala_transport::async_trait;
use lakala_types::json_string::JsonString;
use lakala_types::labs::{
    IdentityInfo, IdmRefundRequest, PaymentRequestForCustomer, PreorderRequest, PreorderScenario,
};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use proxy::{Fault, Proxy};
use std::sync::Arc;
use std::time::Duration;
use support::{start_with, Env, MERCHANT_NO, TERM_NO};

const QUERY: &str = "/api/v3/labs/query/tradequery";
const CLOSE: &str = "/api/v3/labs/relation/close";
const PREORDER: &str = "/api/v3/labs/trans/preorder";

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
    journal: Arc<SqliteJournal>,
    _dir: tempfile::TempDir,
}

/// A sandbox (payments land after 2 s, unpaid pre-orders expire after 60 s), a proxy in
/// front of it, and a journaled client built from the configuration the sandbox wrote.
async fn setup(adjust: impl FnOnce(&mut Config)) -> Setup {
    let env = start_with(|c| {
        c.pending_delay(Duration::from_secs(2))
            .preorder_expiry(Duration::from_secs(60))
    })
    .await;
    let proxy = Proxy::start(env.sandbox.local_addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let mut config = Config::from_file_and_env(Some(&path), |_| None).unwrap();
    config.environment = Environment::Custom(proxy.base_url());
    config.timeouts = Timeouts {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(5),
    };
    config.poll_schedule = PollSchedule::from_secs(&[1, 1, 1, 1, 5]);
    adjust(&mut config);
    let journal = Arc::new(
        SqliteJournal::open(dir.path().join("journal.sqlite"))
            .await
            .unwrap(),
    );
    let client = LakalaClient::builder(config)
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper(env.clock.clone())))
        .journal(journal.clone())
        .instance("till-1")
        .resolved_elsewhere()
        .build()
        .unwrap();
    Setup {
        env,
        proxy,
        client,
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

fn qr_preorder(out_trade_no: &str, amount: u64) -> PreorderRequest {
    PreorderRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .total_amount(Amount::from_fen(amount).unwrap())
        .location_info(location())
        .subject("coffee")
        .scenario(PreorderScenario::alipay_native())
        .build()
        .unwrap()
}

/// What the sandbox itself says of the order (not through the proxy).
async fn platform_state(env: &Env, out_trade_no: &str) -> String {
    env.state(out_trade_no).await
}

async fn journaled(s: &Setup, out_trade_no: &str) -> lakala_journal::PaymentRecord {
    s.journal
        .payment(&PaymentKey::new(MERCHANT_NO, out_trade_no))
        .await
        .unwrap()
        .expect("journaled")
}

#[tokio::test]
async fn a_preorder_never_paid_ends_closed_at_its_expiry_and_is_never_reported_paid() {
    let s = setup(|_| {}).await;
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-NEVER", preorder_amounts::NEVER_PAID),
            PreorderOptions::default(),
        )
        .await
        .unwrap();
    let Some(PaymentRequestForCustomer::QrCode(qr)) = handle.payment_request() else {
        panic!(
            "a QR code for the customer: {:?}",
            handle.why_no_payment_request()
        );
    };
    assert!(!qr.code().is_empty());
    assert!(handle.order().trade_no.is_some());
    let outcome = handle.outcome().await;
    // The platform closed it at its expiry: no close of ours was needed.
    assert!(
        matches!(
            outcome,
            PreorderOutcome::Closed {
                closed_by: ClosedBy::Platform,
                ..
            }
        ),
        "{outcome}"
    );
    assert_eq!(platform_state(&s.env, "PO-NEVER").await, "CLOSE");
    assert_eq!(s.proxy.forwarded(CLOSE), 0);
    let record = journaled(&s, "PO-NEVER").await;
    assert_eq!(record.kind, PaymentKind::Preorder);
    assert_eq!(record.status, PaymentStatus::Failed);
    assert_eq!(record.outcome.as_deref(), Some("closed"));
    assert_eq!(s.env.sandbox.preorder_requests("PO-NEVER"), 1);
}

#[tokio::test]
async fn a_preorder_the_merchant_gives_up_on_is_closed_by_the_sdk_and_confirmed_by_query() {
    let s = setup(|_| {}).await;
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-GIVEUP", preorder_amounts::NEVER_PAID),
            PreorderOptions::default().close_after(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    let outcome = handle.outcome().await;
    assert!(
        matches!(
            outcome,
            PreorderOutcome::Closed {
                closed_by: ClosedBy::Sdk,
                ..
            }
        ),
        "{outcome}"
    );
    assert_eq!(s.proxy.forwarded(CLOSE), 1);
    assert_eq!(platform_state(&s.env, "PO-GIVEUP").await, "CLOSE");
    let record = journaled(&s, "PO-GIVEUP").await;
    assert_eq!(
        (record.status, record.outcome.as_deref()),
        (PaymentStatus::Failed, Some("closed"))
    );

    // Asked to close at once (the customer walked away).
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-ASKED", preorder_amounts::NEVER_PAID),
            PreorderOptions::default(),
        )
        .await
        .unwrap();
    handle.close();
    let outcome = handle.outcome().await;
    assert_eq!(outcome.word(), "closed", "{outcome}");
    assert_eq!(platform_state(&s.env, "PO-ASKED").await, "CLOSE");
}

#[tokio::test]
async fn a_preorder_paid_after_some_seconds_ends_paid() {
    let s = setup(|_| {}).await;
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-PAID", preorder_amounts::PAID),
            PreorderOptions::default(),
        )
        .await
        .unwrap();
    let outcome = handle.outcome().await;
    let PreorderOutcome::Paid {
        order, response, ..
    } = &outcome
    else {
        panic!("paid: {outcome}");
    };
    assert_eq!(order.out_trade_no, "PO-PAID");
    assert_eq!(
        response.value.total_amount().map(|a| a.fen()),
        Some(preorder_amounts::PAID)
    );
    assert_eq!(platform_state(&s.env, "PO-PAID").await, "SUCCESS");
    assert_eq!(s.proxy.forwarded(CLOSE), 0);
    let record = journaled(&s, "PO-PAID").await;
    assert_eq!(
        (record.status, record.outcome.as_deref()),
        (PaymentStatus::Succeeded, Some("paid"))
    );
}

#[tokio::test]
async fn a_wechat_jsapi_preorder_hands_over_the_pay_sign_fields() {
    let s = setup(|_| {}).await;
    let request = PreorderRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("PO-JSAPI")
        .total_amount(Amount::from_fen(preorder_amounts::PAID).unwrap())
        .location_info(location())
        .subject("coffee")
        .scenario(PreorderScenario::wechat_jsapi("wx0123456789abcdef", "o-openid-123456").unwrap())
        .build()
        .unwrap();
    let handle = s
        .client
        .preorder(request, PreorderOptions::default())
        .await
        .unwrap();
    let Some(PaymentRequestForCustomer::WechatPay(sign)) = handle.payment_request() else {
        panic!(
            "WeChat pay-sign fields: {:?}",
            handle.why_no_payment_request()
        );
    };
    assert!(
        sign.package().starts_with("prepay_id="),
        "{}",
        sign.package()
    );
    assert!(!sign.pay_sign().is_empty());
    assert_eq!(handle.outcome().await.word(), "paid");
}

#[tokio::test]
async fn a_close_racing_the_payment_reports_the_truth() {
    let s = setup(|_| {}).await;
    // The queries fail until the close is sent: the flow does not see the payment land
    // (after 2 s), asks to close at 3 s, and the close is refused (the order is paid).
    s.proxy.plan(|path, n| match path {
        QUERY if n < 2 => Fault::Status(503),
        _ => Fault::Pass,
    });
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-RACE", preorder_amounts::PAID),
            PreorderOptions::default().close_after(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    let outcome = handle.outcome().await;
    assert!(matches!(outcome, PreorderOutcome::Paid { .. }), "{outcome}");
    assert_eq!(s.proxy.forwarded(CLOSE), 1, "a close was sent");
    assert_eq!(platform_state(&s.env, "PO-RACE").await, "SUCCESS");
    assert_eq!(
        journaled(&s, "PO-RACE").await.status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn a_close_whose_answer_is_lost_is_settled_by_query_closed() {
    // The close's answer lost on its way back from an unpaid order: the query after it
    // finds CLOSE.
    let s = setup(|_| {}).await;
    s.proxy.plan(|path, _| match path {
        CLOSE => Fault::DropAfterRequest,
        _ => Fault::Pass,
    });
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-LOST", preorder_amounts::NEVER_PAID),
            PreorderOptions::default().close_after(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    let outcome = handle.outcome().await;
    assert!(
        matches!(
            outcome,
            PreorderOutcome::Closed {
                closed_by: ClosedBy::Sdk,
                ..
            }
        ),
        "{outcome}"
    );
    assert_eq!(platform_state(&s.env, "PO-LOST").await, "CLOSE");
}

#[tokio::test]
async fn a_close_whose_answer_is_lost_from_a_paid_order_is_settled_by_query_paid() {
    // The close's answer lost from an order the customer paid first: paid, never closed.
    let s = setup(|_| {}).await;
    s.proxy.plan(|path, n| match path {
        QUERY if n < 2 => Fault::Status(503),
        CLOSE => Fault::DropAfterRequest,
        _ => Fault::Pass,
    });
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-LOSTPAID", preorder_amounts::PAID),
            PreorderOptions::default().close_after(Duration::from_secs(3)),
        )
        .await
        .unwrap();
    let outcome = handle.outcome().await;
    assert!(matches!(outcome, PreorderOutcome::Paid { .. }), "{outcome}");
    assert_eq!(platform_state(&s.env, "PO-LOSTPAID").await, "SUCCESS");
}

#[tokio::test]
async fn a_preorder_whose_answer_is_lost_is_closed_and_never_sent_again() {
    let s = setup(|_| {}).await;
    s.proxy.plan(|path, _| match path {
        PREORDER => Fault::DropAfterRequest,
        _ => Fault::Pass,
    });
    let handle = s
        .client
        .preorder(
            qr_preorder("PO-NOANSWER", preorder_amounts::PAID),
            PreorderOptions::default(),
        )
        .await
        .unwrap();
    // Nothing to show the customer: the SDK closes the order at once.
    assert!(handle.payment_request().is_none());
    let outcome = handle.outcome().await;
    assert_eq!(outcome.word(), "closed", "{outcome}");
    assert_eq!(platform_state(&s.env, "PO-NOANSWER").await, "CLOSE");
    assert_eq!(s.env.sandbox.preorder_requests("PO-NOANSWER"), 1);
}

#[tokio::test]
async fn idmrefund_in_progress_then_done_after_a_labs_micropay() {
    let s = setup(|c| c.micropay_route = MicropayRoute::Labs).await;
    let pay = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("LB-1")
        .auth_code(auth_codes::SUCCEED)
        .total_amount(Amount::from_fen(500).unwrap())
        .location_info(location())
        .build()
        .unwrap();
    let outcome = s
        .client
        .micropay(pay, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    assert_eq!(s.proxy.forwarded("/api/v3/labs/trans/micropay"), 1);
    assert_eq!(s.proxy.forwarded("/api/v3/dcp/trans/micropay"), 0);

    let refund = IdmRefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_refund_order_no("LB-1-RF1")
        .origin_out_trade_no("LB-1")
        .refund_amount(Amount::from_fen(refund_amounts::DEAL_THEN_DONE).unwrap())
        .location_info(location())
        .build()
        .unwrap();
    let first = s.client.idm_refund(refund.clone()).await.unwrap();
    assert!(
        matches!(first, RefundOutcome::InProgress { .. }),
        "{first:?}"
    );
    let record = journaled(&s, "LB-1-RF1").await;
    assert_eq!(record.kind, PaymentKind::Refund);
    assert_eq!(record.origin_out_trade_no.as_deref(), Some("LB-1"));
    assert!(!record.status.is_final());
    // Asked again: never sent again, settled by query.
    let again = s.client.idm_refund(refund).await.unwrap();
    assert_eq!(again.word(), "unknown");
    assert_eq!(s.env.sandbox.refunds_executed("LB-1"), 1);

    // The refund lands; the resolver settles it by the refund query.
    s.env.advance(5);
    let resolver = s.client.resolver(ResolverConfig::default()).unwrap();
    let done = resolver
        .resolve_now(Some(&PaymentKey::new(MERCHANT_NO, "LB-1-RF1")))
        .await
        .unwrap();
    assert!(
        done.iter().any(|r| r.outcome == Some("refunded")),
        "{done:?}"
    );
    let record = journaled(&s, "LB-1-RF1").await;
    assert_eq!(
        (record.status, record.outcome.as_deref()),
        (PaymentStatus::Succeeded, Some("refunded"))
    );
    assert_eq!(s.env.sandbox.refunds_executed("LB-1"), 1);
}

#[tokio::test]
async fn encry_calls_go_sealed_with_the_merchant_s_sm4_key() {
    // The keys directory's SM4 key (one key set per test binary), as Lakala gives it.
    let sm4 = support::keys().sm4_key().clone();
    let key = sm4.clone();
    let s = setup(move |c| {
        c.micropay_route = MicropayRoute::Labs;
        c.sm4_key = Some(key);
    })
    .await;
    // A pre-order carrying the buyer's identity is sent on preorder_encry.
    let identity = IdentityInfo::builder()
        .identity_no("110101199003072316")
        .name("张三")
        .build()
        .unwrap();
    let request = PreorderRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("PO-SEALED")
        .total_amount(Amount::from_fen(preorder_amounts::PAID).unwrap())
        .location_info(location())
        .subject("coffee")
        .identity_info(JsonString::new(identity).unwrap())
        .scenario(PreorderScenario::alipay_native())
        .build()
        .unwrap();
    let handle = s
        .client
        .preorder(request, PreorderOptions::default())
        .await
        .unwrap();
    assert!(handle.payment_request().is_some());
    assert_eq!(handle.outcome().await.word(), "paid");
    assert_eq!(s.proxy.forwarded("/api/v3/labs/trans/preorder_encry"), 1);
    assert_eq!(s.proxy.forwarded(PREORDER), 0);

    // Every labs micropay sealed when the configuration says always.
    let s = {
        let key = sm4.clone();
        setup(move |c| {
            c.micropay_route = MicropayRoute::Labs;
            c.sm4_key = Some(key);
            c.encryption = Encryption::Always;
        })
        .await
    };
    let pay = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("LB-SEALED")
        .auth_code(auth_codes::SUCCEED)
        .total_amount(Amount::from_fen(500).unwrap())
        .location_info(location())
        .build()
        .unwrap();
    let outcome = s
        .client
        .micropay(pay, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    assert_eq!(s.proxy.forwarded("/api/v3/labs/trans/micropay_encry"), 1);
    assert_eq!(s.proxy.forwarded("/api/v3/labs/trans/micropay"), 0);
}
