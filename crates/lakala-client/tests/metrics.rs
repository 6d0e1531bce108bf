//! Issue 13: the documented metric names are emitted through the `metrics` facade, and no
//! label carries an order number, a merchant number, an amount or a payment code.

mod support;

use lakala_client::metrics as names;
use lakala_client::{MicropayOptions, PaymentOutcome, PendingPolicy};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use serde_json::json;
use support::{harness, Reply};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const SECRET_ORDER: &str = "ORDER8327461";
const AUTH_CODE: &str = "288576824003652810";

fn request() -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no(SECRET_ORDER)
        .auth_code(AUTH_CODE)
        .total_amount(Amount::from_fen(4321).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn documented_names_without_personal_data() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let h = harness();
            // Pending, then found paid by the first query: a call of each API, polling.
            h.platform.push(
                PAY,
                Reply::Json(json!({"code": "DCP10000", "msg": "paying",
                "resp_time": "20240929033128", "resp_data": {"need_query": "1",
                "out_trade_no": SECRET_ORDER, "trade_no": "2024X", "total_amount": "4321"}})),
            );
            h.platform.push(
                QUERY,
                Reply::Json(json!({"code": "BBS00000", "msg": "ok",
                "resp_time": "20240929033128", "resp_data": {"merchant_no": "822290070111135",
                "term_no": "29034705", "out_trade_no": SECRET_ORDER, "trade_no": "2024X",
                "trade_state": "SUCCESS", "total_amount": "4321", "trade_main_type": "MICROPAY"}})),
            );
            let outcome = h
                .client
                .micropay(
                    request(),
                    MicropayOptions::new(PendingPolicy::ReturnPending),
                )
                .await
                .unwrap();
            assert!(matches!(outcome, PaymentOutcome::Succeeded { .. }));
            // A tampered answer: a verification failure.
            h.platform.push(
                QUERY,
                Reply::Tampered(json!({"code": "BBS00000", "msg": "ok",
                "resp_time": "20240929033128", "resp_data": {}})),
            );
            let query = h.client.merchant().map(|p| p.trade_query(SECRET_ORDER));
            assert!(query.is_none(), "no merchant profile configured");
            let q = lakala_types::micropay::TradeQueryRequest::builder()
                .merchant_no("822290070111135")
                .term_no("29034705")
                .out_trade_no(SECRET_ORDER)
                .build()
                .unwrap();
            assert!(h.client.trade_query(q).await.is_err());
        })
    });

    let entries = snapshotter.snapshot().into_vec();
    let find = |name: &str, labels: &[(&str, &str)]| {
        entries.iter().find(|(key, _, _, _)| {
            key.key().name() == name
                && labels
                    .iter()
                    .all(|(k, v)| key.key().labels().any(|l| l.key() == *k && l.value() == *v))
        })
    };
    let counter = |name: &str, labels: &[(&str, &str)]| match find(name, labels) {
        Some((_, _, _, DebugValue::Counter(n))) => *n,
        other => panic!("{name} {labels:?}: {other:?}"),
    };
    assert_eq!(
        counter(names::CALLS, &[("api", "micropay"), ("outcome", "pending")]),
        1
    );
    assert_eq!(
        counter(
            names::CALLS,
            &[("api", "trade_query"), ("outcome", "success")]
        ),
        1
    );
    assert_eq!(
        counter(
            names::CALLS,
            &[("api", "trade_query"), ("outcome", "verification")]
        ),
        1
    );
    assert_eq!(
        counter(
            names::VERIFICATION_FAILURES,
            &[("source", "answer"), ("reason", "signature")]
        ),
        1
    );
    assert_eq!(counter(names::PAYMENTS, &[("outcome", "succeeded")]), 1);
    match find(names::PAYMENTS_PENDING, &[]) {
        Some((_, _, _, DebugValue::Gauge(v))) => assert_eq!(v.into_inner(), 0.0),
        other => panic!("gauge: {other:?}"),
    }
    match find(names::POLL_DURATION, &[]) {
        Some((_, _, _, DebugValue::Histogram(v))) => assert_eq!(v.len(), 1),
        other => panic!("histogram: {other:?}"),
    }
    // Every name is a documented one, and no label value is an order number, merchant
    // number, amount or payment code.
    let documented = [
        names::CALLS,
        names::VERIFICATION_FAILURES,
        names::POLL_DURATION,
        names::PAYMENTS_PENDING,
        names::PAYMENTS,
        names::NOTIFICATIONS,
        names::CONFLICTS,
    ];
    for (key, _, _, _) in &entries {
        assert!(documented.contains(&key.key().name()), "{:?}", key.key());
        for label in key.key().labels() {
            for secret in [
                SECRET_ORDER,
                AUTH_CODE,
                "822290070111135",
                "29034705",
                "4321",
                "2024X",
            ] {
                assert!(!label.value().contains(secret), "{:?}", key.key());
            }
        }
    }
}

/// Issue 19: a contradiction from the platform (a notification with another `trade_no`)
/// is counted in `lakala_conflicts_total` by field, never only logged.
#[test]
fn a_contradiction_is_counted() {
    use lakala_client::notification::{InMemoryReplayGuard, Incoming};
    use std::sync::Arc;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let h = harness();
            let journal = Arc::new(lakala_journal::MemoryJournal::new());
            let client = h.journaled(journal, "till-1");
            h.platform.push(
                PAY,
                Reply::Json(json!({"code": "DCP00000", "msg": "ok",
                "resp_time": "20240929033128", "resp_data": {"need_query": "0",
                "merchant_no": "822290070111135", "out_trade_no": SECRET_ORDER,
                "trade_no": "2024X", "total_amount": "4321"}})),
            );
            let outcome = client
                .micropay(
                    request(),
                    MicropayOptions::new(PendingPolicy::ReturnPending),
                )
                .await
                .unwrap();
            assert!(matches!(outcome, PaymentOutcome::Succeeded { .. }));
            let body = json!({"merchant_no": "822290070111135", "out_trade_no": SECRET_ORDER,
                "trade_no": "2024OTHER", "trade_state": "SUCCESS", "total_amount": "4321"})
            .to_string()
            .into_bytes();
            let now = lakala_crypto::Clock::unix_seconds(&*h.clock);
            let auth = support::notify_signer()
                .sign_notification(&body, now, "nonce-conflict")
                .unwrap()
                .to_string();
            let handler = client
                .open_platform_notification_handler(Arc::new(InMemoryReplayGuard::new()))
                .unwrap()
                .for_merchants(["822290070111135"]);
            if let Incoming::New(n) = handler.handle(&auth, &body).await.unwrap() {
                handler.answer(&n).await.unwrap();
            }
        })
    });
    let conflicts: u64 = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| {
            key.key().name() == names::CONFLICTS
                && key
                    .key()
                    .labels()
                    .any(|l| l.key() == "field" && l.value() == "trade_no")
        })
        .map(|(.., value)| match value {
            DebugValue::Counter(n) => n,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(conflicts, 1);
}
