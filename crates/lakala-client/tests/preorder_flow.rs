//! The pre-order flow against a scripted platform: the answer bound to its order, the
//! journal written before the send, the payment request for the customer, the close rule
//! (closed only on a query finding CLOSE, paid when the customer was first), the buyer's
//! identity sent only sealed, and the resolver closing an order past its expiry.

mod support;

use lakala_client::resolver::ResolverConfig;
use lakala_client::{ClientError, ClosedBy, Encryption, PreorderOptions, PreorderOutcome};
use lakala_crypto::Sm4Key;
use lakala_journal::{MemoryJournal, PaymentJournal, PaymentKey, PaymentKind, PaymentStatus};
use lakala_types::json_string::JsonString;
use lakala_types::labs::{
    IdentityInfo, PaymentRequestForCustomer, PreorderRequest, PreorderScenario,
};
use lakala_types::micropay::LocationInfo;
use lakala_types::Amount;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{harness, harness_with, Reply};

const PREORDER: &str = "/api/v3/labs/trans/preorder";
const SEALED: &str = "/api/v3/labs/trans/preorder_encry";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const CLOSE: &str = "/api/v3/labs/relation/close";
const MERCHANT: &str = "822290070111135";

fn request(out_trade_no: &str) -> PreorderRequest {
    PreorderRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no(out_trade_no)
        .total_amount(Amount::from_fen(300).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .subject("coffee")
        .scenario(PreorderScenario::alipay_native())
        .build()
        .unwrap()
}

fn created(out_trade_no: &str) -> serde_json::Value {
    json!({"code": "BBS00000", "msg": "下单成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": MERCHANT, "out_trade_no": out_trade_no, "trade_no": "2024092966000001",
        "acc_resp_fields": {"code": "https://qr.alipay.com/bax01234"}}})
}

fn state(s: &str, out_trade_no: &str) -> serde_json::Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": MERCHANT, "out_trade_no": out_trade_no, "trade_no": "2024092966000001",
        "trade_state": s, "total_amount": "300"}})
}

fn closed_answer(out_trade_no: &str) -> serde_json::Value {
    json!({"code": "BBS00000", "msg": "关单成功", "resp_time": "20240929033128", "resp_data": {
        "origin_out_trade_no": out_trade_no, "origin_trade_no": "2024092966000001"}})
}

#[tokio::test]
async fn a_created_order_hands_over_the_qr_code_and_ends_paid_by_query() {
    let h = harness();
    h.platform.push(PREORDER, Reply::Json(created("P1")));
    h.platform.push(QUERY, Reply::Json(state("CREATE", "P1")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P1")));
    let handle = h
        .client
        .preorder(request("P1"), PreorderOptions::default())
        .await
        .unwrap();
    let Some(PaymentRequestForCustomer::QrCode(qr)) = handle.payment_request() else {
        panic!("a QR code");
    };
    assert_eq!(qr.code(), "https://qr.alipay.com/bax01234");
    assert_eq!(handle.order().trade_no.as_deref(), Some("2024092966000001"));
    let outcome = handle.outcome().await;
    assert!(
        matches!(outcome, PreorderOutcome::Paid { attempt: 2, .. }),
        "{outcome}"
    );
    assert!(h.platform.seen(CLOSE).is_empty());
    assert_eq!(h.platform.seen(PREORDER).len(), 1);
}

#[tokio::test]
async fn an_order_past_its_deadline_is_closed_then_confirmed_closed_by_query() {
    let h = harness();
    h.platform.push(PREORDER, Reply::Json(created("P2")));
    // Queries at 5 and 10 s; at 15 s the deadline: a close instead, then its query.
    for _ in 0..2 {
        h.platform.push(QUERY, Reply::Json(state("CREATE", "P2")));
    }
    h.platform.push(CLOSE, Reply::Json(closed_answer("P2")));
    h.platform.push(QUERY, Reply::Json(state("CLOSE", "P2")));
    let handle = h
        .client
        .preorder(
            request("P2"),
            PreorderOptions::default().close_after(Duration::from_secs(15)),
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
    assert_eq!(h.platform.seen(CLOSE).len(), 1);
    assert_eq!(
        h.platform.seen(CLOSE)[0].json["req_data"]["origin_out_trade_no"],
        "P2"
    );
}

#[tokio::test]
async fn an_accepted_close_is_not_closed_when_the_query_finds_the_order_paid() {
    let h = harness();
    h.platform.push(PREORDER, Reply::Json(created("P3")));
    // The close is even accepted, yet the customer's payment landed first: the truth is paid.
    h.platform.push(CLOSE, Reply::Json(closed_answer("P3")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P3")));
    let handle = h
        .client
        .preorder(request("P3"), PreorderOptions::default())
        .await
        .unwrap();
    handle.close();
    let outcome = handle.outcome().await;
    assert!(matches!(outcome, PreorderOutcome::Paid { .. }), "{outcome}");
}

#[tokio::test]
async fn an_inconclusive_close_and_queries_leave_the_order_unknown_never_closed() {
    let h = harness();
    h.platform.push(PREORDER, Reply::Json(created("P4")));
    for _ in 0..3 {
        h.platform
            .push(CLOSE, Reply::Json(json!({"code": "000101", "msg": "超时"})));
        h.platform
            .push(QUERY, Reply::Json(json!({"code": "000101", "msg": "超时"})));
    }
    let handle = h
        .client
        .preorder(request("P4"), PreorderOptions::default())
        .await
        .unwrap();
    handle.close();
    let outcome = handle.outcome().await;
    let PreorderOutcome::Unknown(p) = &outcome else {
        panic!("unknown: {outcome}");
    };
    assert!(p.close.as_ref().is_some_and(|c| c.may_have_been_executed));
    assert_eq!(h.platform.seen(CLOSE).len(), 3);
}

#[tokio::test]
async fn a_refusal_naming_the_order_fails_it_and_an_answer_about_another_order_is_not_believed() {
    let h = harness();
    h.platform.push(
        PREORDER,
        Reply::Json(
            json!({"code": "BBS16111", "msg": "商户状态异常", "resp_time": "20240929033128",
            "resp_data": {"merchant_no": MERCHANT, "out_trade_no": "P5"}}),
        ),
    );
    let outcome = h
        .client
        .preorder(request("P5"), PreorderOptions::default())
        .await
        .unwrap()
        .outcome()
        .await;
    assert_eq!(outcome.word(), "failed", "{outcome}");
    assert!(h.platform.seen(QUERY).is_empty());

    // Another order's genuine answer: nothing to show the customer; the order (which may
    // exist) is closed and confirmed by query.
    h.platform.push(PREORDER, Reply::Json(created("OTHER")));
    h.platform.push(CLOSE, Reply::Json(closed_answer("P6")));
    h.platform.push(QUERY, Reply::Json(state("CLOSE", "P6")));
    let handle = h
        .client
        .preorder(request("P6"), PreorderOptions::default())
        .await
        .unwrap();
    assert!(handle.payment_request().is_none());
    assert!(handle.why_no_payment_request().is_some());
    assert_eq!(handle.outcome().await.word(), "closed");
}

#[tokio::test]
async fn a_preorder_is_journaled_before_it_is_sent_and_never_sent_twice() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform.push(PREORDER, Reply::Json(created("P7")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P7")));
    let outcome = client
        .preorder(request("P7"), PreorderOptions::default())
        .await
        .unwrap()
        .outcome()
        .await;
    assert_eq!(outcome.word(), "paid");
    let key = PaymentKey::new(MERCHANT, "P7");
    let record = journal.payment(&key).await.unwrap().unwrap();
    assert_eq!(record.kind, PaymentKind::Preorder);
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.amount_fen, Some(300));
    let events = journal.events(&key).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"intent"), "{kinds:?}");
    assert!(kinds.contains(&"preorder"), "{kinds:?}");

    // The same request again: followed by query, not sent again.
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P7")));
    let again = client
        .preorder(request("P7"), PreorderOptions::default())
        .await
        .unwrap();
    assert!(again.payment_request().is_none());
    assert_eq!(again.outcome().await.word(), "paid");
    assert_eq!(h.platform.seen(PREORDER).len(), 1);

    // The same number for another request: refused, nothing sent.
    let other = PreorderRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no("P7")
        .total_amount(Amount::from_fen(999).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .scenario(PreorderScenario::alipay_native())
        .build()
        .unwrap();
    let err = client
        .preorder(other, PreorderOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NumberReused { .. }), "{err}");
    assert_eq!(h.platform.seen(PREORDER).len(), 1);
}

fn with_identity(out_trade_no: &str) -> PreorderRequest {
    let identity = IdentityInfo::builder()
        .identity_no("110101199003072316")
        .name("张三")
        .build()
        .unwrap();
    PreorderRequest::builder()
        .merchant_no(MERCHANT)
        .term_no("29034705")
        .out_trade_no(out_trade_no)
        .total_amount(Amount::from_fen(300).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .identity_info(JsonString::new(identity).unwrap())
        .scenario(PreorderScenario::alipay_native())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_buyer_s_identity_is_only_sent_sealed() {
    // Without a key: refused, nothing sent.
    let h = harness();
    let err = h
        .client
        .preorder(with_identity("P8"), PreorderOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NotConfigured(_)), "{err}");
    assert!(!err.may_have_been_executed());
    assert!(h.platform.seen(PREORDER).is_empty());

    // With the key (only when required): on preorder_encry, the identity inside the seal.
    let key = Sm4Key::from_base64("dRzPaYd7z6vYn9sL/JTZ3A==").unwrap();
    let sealed_key = key.clone();
    let h = harness_with(move |c| c.with_sm4_key(sealed_key, Encryption::WhenRequired));
    *h.platform.sm4.lock().unwrap() = Some(key);
    h.platform.push(SEALED, Reply::Json(created("P9")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P9")));
    let handle = h
        .client
        .preorder(with_identity("P9"), PreorderOptions::default())
        .await
        .unwrap();
    assert!(handle.payment_request().is_some());
    assert_eq!(handle.outcome().await.word(), "paid");
    let seen = h.platform.seen(SEALED);
    assert_eq!(seen.len(), 1);
    let identity = seen[0].json["req_data"]["identity_info"].as_str().unwrap();
    assert!(identity.contains("110101199003072316"));
    assert!(h.platform.seen(PREORDER).is_empty());
    // A request without identity stays plain under WhenRequired.
    h.platform.push(PREORDER, Reply::Json(created("P10")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "P10")));
    let plain = h
        .client
        .preorder(request("P10"), PreorderOptions::default())
        .await
        .unwrap();
    assert_eq!(plain.outcome().await.word(), "paid");
    assert_eq!(h.platform.seen(PREORDER).len(), 1);
}

#[tokio::test]
async fn the_resolver_closes_an_order_left_open_past_its_expiry_by_query_alone() {
    let h = harness();
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform.push(PREORDER, Reply::Json(created("P11")));
    // The live flow sees nothing conclusive and gives up after its closes.
    for _ in 0..3 {
        h.platform.push(CLOSE, Reply::Status(502));
        h.platform.push(QUERY, Reply::Json(state("CREATE", "P11")));
    }
    let handle = client
        .preorder(request("P11"), PreorderOptions::default())
        .await
        .unwrap();
    handle.close();
    let outcome = handle.outcome().await;
    assert_eq!(outcome.word(), "pending", "{outcome}");
    let key = PaymentKey::new(MERCHANT, "P11");
    assert_eq!(
        journal.payment(&key).await.unwrap().unwrap().status,
        PaymentStatus::Pending
    );
    // Past its expiry (5 minutes and the margin), the resolver queries, closes, queries.
    h.clock.advance(Duration::from_secs(600));
    h.platform.push(QUERY, Reply::Json(state("CREATE", "P11")));
    h.platform.push(CLOSE, Reply::Json(closed_answer("P11")));
    h.platform.push(QUERY, Reply::Json(state("CLOSE", "P11")));
    let resolver = client.resolver(ResolverConfig::default()).unwrap();
    let done = resolver.resolve_now(Some(&key)).await.unwrap();
    assert!(done.iter().any(|r| r.outcome == Some("closed")), "{done:?}");
    let record = journal.payment(&key).await.unwrap().unwrap();
    assert_eq!(
        (record.status, record.outcome.as_deref()),
        (PaymentStatus::Failed, Some("closed"))
    );
    assert_eq!(h.platform.seen(CLOSE).len(), 4);
}
