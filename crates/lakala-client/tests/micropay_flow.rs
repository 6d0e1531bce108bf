//! The micropay flow against a scripted platform: every path of issue 4.

mod support;

use lakala_client::{
    ClientError, Confirmation, FailureReason, MicropayOptions, PaymentOutcome, PendingPolicy,
    PollEvent, PollObserver,
};
use lakala_crypto::CryptoError;
use lakala_transport::TransportError;
use lakala_types::micropay::{LocationInfo, MicropayRequest, TradeState};
use lakala_types::Amount;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{harness, Reply};

const PAY: &str = "/api/v3/dcp/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const REVOKE: &str = "/api/v3/labs/relation/revoked";

fn request(out_trade_no: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no(out_trade_no)
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .subject("测试")
        .build()
        .unwrap()
}

fn paid(code: &str, need_query: &str) -> serde_json::Value {
    json!({"code": code, "msg": "m", "resp_time": "20240929033128", "resp_data": {
        "need_query": need_query, "out_trade_no": "T1", "trade_no": "2024092933210000270002",
        "merchant_no": "822290070111135",
        "account_type": "ALIPAY", "settle_channel_type": "ALIPAY", "total_amount": "101",
        "payer_amount": "101", "acc_settle_amount": "101", "trade_time": "20240929033130"}})
}

fn state(s: &str) -> serde_json::Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": "822290070111135", "out_trade_no": "T1", "trade_no": "2024092933210000270002",
        "trade_state": s, "total_amount": "101"}})
}

/// Pays `T1` with the ReturnPending policy and no observer.
async fn pay(h: &support::Harness) -> PaymentOutcome {
    h.client
        .micropay(
            request("T1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap()
}

fn options(policy: PendingPolicy) -> (MicropayOptions, Arc<Mutex<Vec<PollEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    (
        MicropayOptions::new(policy).observer(PollObserver::new(move |e| {
            sink.lock().unwrap().push(e.clone())
        })),
        events,
    )
}

#[tokio::test]
async fn immediate_success_makes_no_query() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP00000", "0")));
    let outcome = pay(&h).await;
    let PaymentOutcome::Succeeded {
        order,
        confirmation: Confirmation::Immediate(answer),
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(order.trade_no.as_deref(), Some("2024092933210000270002"));
    assert_eq!(answer.value.total_amount().map(|a| a.fen()), Some(101));
    assert!(h.platform.seen(QUERY).is_empty());
    assert!(h.waits().is_empty());
    // What the platform received is the signed request, byte for byte what the types wrote.
    let sent = &h.platform.seen(PAY)[0].json;
    assert_eq!(sent["version"], "3.0");
    assert_eq!(sent["req_data"]["out_trade_no"], "T1");
    assert_eq!(sent["req_data"]["total_amount"], "101");
}

#[tokio::test]
async fn pending_then_success_on_the_third_query() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP10000", "1")));
    h.platform.push(QUERY, Reply::Json(state("DEAL")));
    h.platform.push(QUERY, Reply::Json(state("DEAL")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS")));
    let (opts, events) = options(PendingPolicy::ReturnPending);
    let outcome = h.client.micropay(request("T1"), opts).await.unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 3, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(h.waits(), vec![5, 5, 5]);
    let queries = h.platform.seen(QUERY);
    assert_eq!(queries.len(), 3);
    assert!(queries
        .iter()
        .all(|q| q.json["req_data"]["out_trade_no"] == "T1"));
    assert_eq!(h.platform.seen(PAY).len(), 1, "micropay is never resent");
    let events = events.lock().unwrap();
    assert!(matches!(&events[0], PollEvent::Started { order } if order.out_trade_no == "T1"));
    assert!(matches!(events[1], PollEvent::Pending { .. }));
    assert!(matches!(
        events.last(),
        Some(PollEvent::Finished { outcome: "succeeded", order }) if order.trade_no.is_some()
    ));
    assert!(events.contains(&PollEvent::Queried {
        attempt: 3,
        state: Some(TradeState::Success)
    }));
}

#[tokio::test]
async fn need_query_alone_triggers_polling() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP00000", "1")));
    h.platform.push(QUERY, Reply::Json(state("FAIL")));
    let outcome = pay(&h).await;
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Failed {
                reason: FailureReason::TradeFailed { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn schedule_exhausted_returns_pending_with_what_resolves_it() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP10000", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state("DEAL")));
    }
    let (opts, events) = options(PendingPolicy::ReturnPending);
    let outcome = h.client.micropay(request("T1"), opts).await.unwrap();
    let PaymentOutcome::Pending(p) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(p.order.out_trade_no, "T1");
    assert_eq!(p.order.merchant_no, "822290070111135");
    assert_eq!(p.order.term_no, "29034705");
    assert_eq!(p.order.trade_no.as_deref(), Some("2024092933210000270002"));
    assert_eq!(p.last_state, Some(TradeState::Deal));
    assert!(p.revoke.is_none());
    assert_eq!(
        h.waits(),
        vec![5, 5, 5, 5, 10, 10, 20],
        "the spec's schedule"
    );
    assert!(events
        .lock()
        .unwrap()
        .contains(&PollEvent::ScheduleExhausted));
    assert!(h.platform.seen(REVOKE).is_empty());
}

#[tokio::test]
async fn schedule_exhausted_revokes_when_asked() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP10000", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state("UNKNOWN")));
    }
    h.platform.push(
        REVOKE,
        Reply::Json(
            json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033228",
        "resp_data": {"out_trade_no": "T1-R", "origin_out_trade_no": "T1"}}),
        ),
    );
    let policy = PendingPolicy::Revoke {
        revoke_out_trade_no: "T1-R".into(),
    };
    let outcome = h
        .client
        .micropay(request("T1"), MicropayOptions::new(policy))
        .await
        .unwrap();
    assert!(
        matches!(&outcome, PaymentOutcome::Revoked { revoke_out_trade_no, .. } if revoke_out_trade_no == "T1-R"),
        "{outcome:?}"
    );
    let revoke = &h.platform.seen(REVOKE)[0].json["req_data"];
    assert_eq!(revoke["out_trade_no"], "T1-R");
    assert_eq!(revoke["origin_out_trade_no"], "T1");
    assert_eq!(revoke["location_info"]["request_ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_revoke_that_times_out_leaves_the_payment_pending_not_failed() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP10000", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state("DEAL")));
    }
    h.platform.push(
        REVOKE,
        Reply::FailAfter(TransportError::Timeout { elapsed_ms: 30_000 }),
    );
    // The query after the inconclusive revoke still finds it in progress.
    h.platform.push(QUERY, Reply::Json(state("DEAL")));
    let policy = PendingPolicy::Revoke {
        revoke_out_trade_no: "T1-R".into(),
    };
    let outcome = h
        .client
        .micropay(request("T1"), MicropayOptions::new(policy))
        .await
        .unwrap();
    let PaymentOutcome::Pending(p) = outcome else {
        panic!("{outcome:?}")
    };
    let revoke = p.revoke.expect("the revoke attempt is reported");
    assert_eq!(revoke.revoke_out_trade_no, "T1-R");
    assert!(revoke.may_have_been_executed);
    assert_eq!(
        h.platform.seen(REVOKE).len(),
        1,
        "no second revoke behind the caller's back"
    );
}

#[tokio::test]
async fn timeout_after_sending_queries_and_finds_the_payment() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::FailAfter(TransportError::Timeout { elapsed_ms: 30_000 }),
    );
    h.platform.push(QUERY, Reply::Json(state("SUCCESS")));
    let (opts, events) = options(PendingPolicy::ReturnPending);
    let outcome = h.client.micropay(request("T1"), opts).await.unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 1, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(h.platform.seen(PAY).len(), 1, "never resent");
    assert!(matches!(
        events.lock().unwrap()[1],
        PollEvent::OutcomeUnknown { .. }
    ));
}

#[tokio::test]
async fn connection_lost_after_sending_also_queries() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::FailAfter(TransportError::ConnectionLost {
            reason: "reset".into(),
        }),
    );
    h.platform.push(QUERY, Reply::Json(state("FAIL")));
    let outcome = pay(&h).await;
    assert!(matches!(
        outcome,
        PaymentOutcome::Failed {
            reason: FailureReason::TradeFailed { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn connection_refused_is_a_safe_failure_without_queries() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::FailBefore(TransportError::Connect {
            reason: "refused".into(),
        }),
    );
    let outcome = pay(&h).await;
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Failed {
                reason: FailureReason::NotSent { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(h.platform.seen(QUERY).is_empty());
    assert!(h.waits().is_empty());
}

#[tokio::test]
async fn query_errors_in_the_middle_of_polling_are_survived() {
    let h = harness();
    h.platform.push(PAY, Reply::Json(paid("DCP10000", "1")));
    h.platform.push(
        QUERY,
        Reply::FailAfter(TransportError::Timeout { elapsed_ms: 1 }),
    );
    h.platform.push(QUERY, Reply::Tampered(state("SUCCESS")));
    h.platform.push(QUERY, Reply::Status(502));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS")));
    let (opts, events) = options(PendingPolicy::ReturnPending);
    let outcome = h.client.micropay(request("T1"), opts).await.unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 4, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    let failed = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, PollEvent::QueryFailed { .. }))
        .count();
    assert_eq!(failed, 3, "a tampered 'SUCCESS' is not believed");
}

#[tokio::test]
async fn a_tampered_micropay_answer_is_not_believed_but_queried() {
    let h = harness();
    h.platform.push(PAY, Reply::Tampered(paid("DCP00000", "0")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS")));
    let outcome = pay(&h).await;
    assert!(matches!(
        outcome,
        PaymentOutcome::Succeeded {
            confirmation: Confirmation::Query { .. },
            ..
        }
    ));
}

#[tokio::test]
async fn a_definite_refusal_naming_this_order_is_a_failure_without_a_query() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::Json(
            json!({"code": "BBS16111", "msg": "子商户号不匹配", "resp_time": "20240929033128",
            "resp_data": {"out_trade_no": "T1"}}),
        ),
    );
    let outcome = pay(&h).await;
    let PaymentOutcome::Failed {
        reason: FailureReason::Declined { code, message },
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(code.as_str(), "BBS16111");
    assert_eq!(message, "子商户号不匹配");
    assert!(h.platform.seen(QUERY).is_empty());
}

#[tokio::test]
async fn a_code_only_decline_is_confirmed_by_a_query_at_once() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::Json(json!({"code": "DCP20001", "msg": "余额不足", "resp_time": "20240929033128"})),
    );
    h.platform.push(QUERY, Reply::Json(state("FAIL")));
    let outcome = pay(&h).await;
    let PaymentOutcome::Failed {
        reason:
            FailureReason::TradeFailed {
                state,
                attempt: 1,
                micropay_answer: Some(first),
                ..
            },
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(state, TradeState::Fail);
    assert_eq!(first.code.as_str(), "DCP20001");
    assert_eq!(first.message, "余额不足");
    assert!(h.waits().is_empty(), "the confirming query is not delayed");
}

#[tokio::test]
async fn an_invalid_request_is_an_error_and_nothing_is_sent() {
    let h = harness();
    let bad = lakala_types::micropay::TradeQueryRequest::builder()
        .merchant_no("m")
        .term_no("t")
        .build();
    assert!(bad.is_err(), "builders refuse invalid data");
    let answer = h
        .client
        .trade_query(lakala_types::micropay::TradeQueryRequest::default())
        .await;
    assert!(matches!(answer, Err(ClientError::InvalidRequest(_))));
    assert!(h.platform.seen(QUERY).is_empty());
}

#[tokio::test]
async fn answers_without_signature_headers_are_refused() {
    let h = harness();
    h.platform.push(QUERY, Reply::Unsigned(state("SUCCESS")));
    let q = lakala_types::micropay::TradeQueryRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("T1")
        .build()
        .unwrap();
    let err = h.client.trade_query(q).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Verification(CryptoError::MissingHeader { .. })
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_executed());
}

#[tokio::test]
async fn verification_can_only_be_skipped_by_the_loudly_named_option() {
    let h = support::harness_with(|mut c| {
        c.dangerously_skip_response_verification = true;
        c
    });
    h.platform.push(QUERY, Reply::Unsigned(state("SUCCESS")));
    let q = lakala_types::micropay::TradeQueryRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("T1")
        .build()
        .unwrap();
    let answer = h.client.trade_query(q).await.unwrap();
    assert_eq!(
        answer.value.resp_data().unwrap().trade_state(),
        Some(&TradeState::Success)
    );
}
