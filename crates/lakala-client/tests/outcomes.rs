//! Issue 10: a payment is never misreported. Answers bound to their order, every code
//! classified, failures confirmed by query, closing states final, against a scripted
//! platform doing the real cryptography.

mod support;

use lakala_client::{
    Confirmation, FailureReason, MicropayOptions, PaymentOutcome, PendingPolicy, PollEvent,
    PollObserver,
};
use lakala_types::micropay::{LocationInfo, MicropayRequest, TradeState};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::{harness, Harness, Reply};

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
        .build()
        .unwrap()
}

/// A micropay answer about `order`.
fn answer(code: &str, order: &str, need_query: &str) -> Value {
    json!({"code": code, "msg": "m", "resp_time": "20240929033128", "resp_data": {
        "need_query": need_query, "out_trade_no": order, "trade_no": format!("2024{order}"),
        "merchant_no": "822290070111135",
        "account_type": "ALIPAY", "total_amount": "101"}})
}

/// A trade-query answer: `order` is in `state`.
fn state_of(order: &str, state: &str) -> Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": "822290070111135", "term_no": "29034705", "out_trade_no": order,
        "trade_no": format!("2024{order}"), "trade_state": state, "total_amount": "101",
        "trade_main_type": "MICROPAY"}})
}

async fn pay(h: &Harness, order: &str, policy: PendingPolicy) -> (PaymentOutcome, Vec<PollEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let options = MicropayOptions::new(policy).observer(PollObserver::new(move |e| {
        sink.lock().unwrap().push(e.clone())
    }));
    let outcome = h.client.micropay(request(order), options).await.unwrap();
    let events = events.lock().unwrap().clone();
    (outcome, events)
}

fn assert_paid(outcome: &PaymentOutcome) {
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { confirmation: Confirmation::Query { .. }, order } if order.out_trade_no == "B"),
        "{outcome:?}"
    );
}

fn assert_failed_by_query(outcome: &PaymentOutcome, expected: TradeState) {
    assert!(
        matches!(outcome, PaymentOutcome::Failed { reason: FailureReason::TradeFailed { state, .. }, .. } if *state == expected),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_signed_answer_about_another_order_decides_nothing_whatever_b_became() {
    // Order A's genuine answers (a success and a decline), replayed as the answer to B,
    // onto a B that was in truth paid, failed, or still pending.
    let foreign_answers = [
        answer("DCP00000", "A", "0"),
        json!({"code": "BBS16111", "msg": "declined", "resp_data": {"out_trade_no": "A"}}),
    ];
    for foreign in foreign_answers {
        for truth in ["SUCCESS", "FAIL", "DEAL"] {
            let h = harness();
            h.platform.push(PAY, Reply::Json(foreign.clone()));
            for _ in 0..7 {
                h.platform.push(QUERY, Reply::Json(state_of("B", truth)));
            }
            let (outcome, events) = pay(&h, "B", PendingPolicy::ReturnPending).await;
            match truth {
                "SUCCESS" => assert_paid(&outcome),
                "FAIL" => assert_failed_by_query(&outcome, TradeState::Fail),
                _ => assert!(
                    matches!(&outcome, PaymentOutcome::Pending(p) if p.last_state == Some(TradeState::Deal)),
                    "{outcome:?}"
                ),
            }
            assert!(
                events.iter().any(|e| matches!(e, PollEvent::OutcomeUnknown { reason } if reason.contains("out_trade_no"))),
                "the foreign answer is reported as not about this order: {events:?}"
            );
            assert_eq!(h.platform.seen(PAY).len(), 1, "never resent");
            assert!(outcome.order().trade_no.as_deref() != Some("2024A"));
        }
    }
}

#[tokio::test]
async fn a_trade_query_answer_about_another_order_is_not_this_orders_state() {
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
    // Query 1 answers about A (SUCCESS): ignored. Query 2: B really failed.
    h.platform
        .push(QUERY, Reply::Json(state_of("A", "SUCCESS")));
    h.platform.push(QUERY, Reply::Json(state_of("B", "FAIL")));
    let (outcome, events) = pay(&h, "B", PendingPolicy::ReturnPending).await;
    assert_failed_by_query(&outcome, TradeState::Fail);
    assert!(events.iter().any(|e| matches!(e, PollEvent::QueryFailed { attempt: 1, reason } if reason.contains("not about this request"))));
    // Another amount is another payment, too.
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
    let mut other_amount = state_of("B", "SUCCESS");
    other_amount["resp_data"]["total_amount"] = json!("1");
    h.platform.push(QUERY, Reply::Json(other_amount));
    h.platform
        .push(QUERY, Reply::Json(state_of("B", "SUCCESS")));
    let (outcome, _) = pay(&h, "B", PendingPolicy::ReturnPending).await;
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 2, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_answer_signed_for_another_appid_is_not_ours() {
    let h = harness();
    h.platform
        .push(PAY, Reply::OtherAppid(answer("DCP00000", "B", "0")));
    h.platform.push(QUERY, Reply::Json(state_of("B", "FAIL")));
    let (outcome, events) = pay(&h, "B", PendingPolicy::ReturnPending).await;
    assert_failed_by_query(&outcome, TradeState::Fail);
    assert!(events.iter().any(
        |e| matches!(e, PollEvent::OutcomeUnknown { reason } if reason.contains("Lklapi-Appid"))
    ));
}

#[tokio::test]
async fn codes_that_do_not_mean_failed_are_settled_by_query_and_the_charge_is_found() {
    // Each of these, answered by micropay for an order the wallet in fact charged, must end
    // as paid, never as failed.
    for (code, with_data) in [
        ("BBS10000", false),
        ("BBS10000", true),
        ("BBS11112", false),
        ("BBS11105", false),
        ("000100", false),
        ("000101", false),
        ("BBS11184", false), // a listed refusal, but naming no order
        ("SBX00002", false), // a duplicate order number (sandbox's code)
        ("ABC99999", false), // nobody has listed it
    ] {
        let h = harness();
        let mut reply = json!({"code": code, "msg": "网络请求超时", "resp_time": "20240929033128"});
        if with_data {
            reply["resp_data"] = json!({"out_trade_no": "B"});
        }
        h.platform.push(PAY, Reply::Json(reply));
        h.platform.push(QUERY, Reply::Json(state_of("B", "DEAL")));
        h.platform
            .push(QUERY, Reply::Json(state_of("B", "SUCCESS")));
        let (outcome, _) = pay(&h, "B", PendingPolicy::ReturnPending).await;
        assert_paid(&outcome);
        let pending_code = code.starts_with("BBS1") && code != "BBS11184";
        if pending_code {
            // In progress: the schedule's delays.
            assert_eq!(h.waits(), vec![5, 5], "{code}");
        } else {
            // Not conclusive: the first query at once.
            assert_eq!(h.waits(), vec![5], "{code}");
        }
        assert_eq!(h.platform.seen(PAY).len(), 1);
    }
}

#[tokio::test]
async fn a_listed_refusal_naming_no_order_is_failed_only_once_a_query_confirms_it() {
    let h = harness();
    h.platform.push(
        PAY,
        Reply::Json(json!({"code": "BBS11184", "msg": "商户已停用"})),
    );
    h.platform.push(QUERY, Reply::Json(state_of("B", "CLOSE")));
    let (outcome, _) = pay(&h, "B", PendingPolicy::ReturnPending).await;
    let PaymentOutcome::Failed {
        reason:
            FailureReason::TradeFailed {
                state,
                micropay_answer: Some(first),
                attempt: 1,
                ..
            },
        ..
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(*state, TradeState::Close);
    assert_eq!(first.code.as_str(), "BBS11184");
}

#[tokio::test]
async fn closing_states_end_polling_at_once() {
    for (state, expected) in [("CLOSE", TradeState::Close), ("REFUND", TradeState::Refund)] {
        let h = harness();
        h.platform
            .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
        h.platform.push(QUERY, Reply::Json(state_of("B", "DEAL")));
        h.platform.push(QUERY, Reply::Json(state_of("B", state)));
        let (outcome, _) = pay(&h, "B", PendingPolicy::ReturnPending).await;
        assert_failed_by_query(&outcome, expected);
        assert_eq!(
            h.platform.seen(QUERY).len(),
            2,
            "{state}: no query after a closing state"
        );
        assert_eq!(h.waits(), vec![5, 5]);
    }
    // PART_REFUND: it was paid.
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
    h.platform
        .push(QUERY, Reply::Json(state_of("B", "PART_REFUND")));
    let (outcome, _) = pay(&h, "B", PendingPolicy::ReturnPending).await;
    assert_paid(&outcome);
}

#[tokio::test]
async fn refund_after_our_revoke_is_revoked() {
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of("B", "DEAL")));
    }
    // The revoke's own answer is not conclusive (an unlisted code); the order says REFUND.
    h.platform.push(
        REVOKE,
        Reply::Json(json!({"code": "BBS99999", "msg": "系统繁忙"})),
    );
    h.platform.push(QUERY, Reply::Json(state_of("B", "REFUND")));
    let (outcome, _) = pay(
        &h,
        "B",
        PendingPolicy::Revoke {
            revoke_out_trade_no: "B-R".into(),
        },
    )
    .await;
    assert!(
        matches!(&outcome, PaymentOutcome::Revoked { revoke_out_trade_no, response: None, .. } if revoke_out_trade_no == "B-R"),
        "{outcome:?}"
    );
    // A revoke that did not happen, on an order that got paid meanwhile: paid.
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP10000", "B", "1")));
    for _ in 0..7 {
        h.platform.push(QUERY, Reply::Json(state_of("B", "DEAL")));
    }
    h.platform.push(
        REVOKE,
        Reply::Json(json!({"code": "BBS99999", "msg": "系统繁忙"})),
    );
    h.platform
        .push(QUERY, Reply::Json(state_of("B", "SUCCESS")));
    let (outcome, _) = pay(
        &h,
        "B",
        PendingPolicy::Revoke {
            revoke_out_trade_no: "B-R".into(),
        },
    )
    .await;
    assert_paid(&outcome);
}

#[tokio::test]
async fn the_order_is_known_before_anything_is_sent() {
    let h = harness();
    h.platform
        .push(PAY, Reply::Json(answer("DCP00000", "B", "0")));
    let handle = h
        .client
        .start_micropay(
            request("B"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .unwrap();
    assert_eq!(handle.order().out_trade_no, "B");
    assert_eq!(handle.order().merchant_no, "822290070111135");
    let outcome = handle.outcome().await.unwrap();
    assert_eq!(outcome.word(), "succeeded");
    assert_eq!(outcome.order().trade_no.as_deref(), Some("2024B"));
}
