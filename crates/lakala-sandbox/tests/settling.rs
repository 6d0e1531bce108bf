//! The sandbox's wire behaviour for what settles payments, over loopback HTTP: the three
//! issue-19 scenarios (an inconclusive revoke while the payment lands, a slow answer then a
//! timeout code on the first query, a refund that stays DEAL), the refund query, order
//! close, trade queries by a revoke's or refund's own number, and the money counters.
//! These assert what the sandbox does, not what a client makes of it.

mod support;

use lakala_sandbox::behaviour::{auth_codes, codes, refund_amounts};
use lakala_sandbox::DealRefunds;
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport, TransportError};
use lakala_types::micropay::{
    CloseResponse, RefundQueryResponse, RefundResponse, RefundState, V3Response,
};
use serde_json::{json, Value};
use std::time::Duration;
use support::{start, start_with, Env, MERCHANT_NO, TERM_NO};

const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";
const CLOSE: &str = "/api/v3/labs/relation/close";

async fn refund_query(env: &Env, refund_no: &str) -> Value {
    env.v3(
        REFUND_QUERY,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_refund_order_no": refund_no}),
    )
    .await
}

async fn close(env: &Env, origin: &str) -> Value {
    env.v3(
        CLOSE,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "origin_out_trade_no": origin,
               "location_info": {"request_ip": "127.0.0.1"}}),
    )
    .await
}

/// The refund-state of a refund query's answer, checked against the crate's type.
fn refund_state(answer: &Value) -> RefundState {
    let parsed: V3Response<RefundQueryResponse> = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(
        parsed.code().map(|c| c.as_str()),
        Some("BBS00000"),
        "{answer}"
    );
    parsed
        .resp_data()
        .and_then(RefundQueryResponse::trade_state)
        .cloned()
        .expect("trade_state")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_revoke_is_inconclusive_while_the_payment_lands_and_a_later_one_executes() {
    let env = start().await;
    let answer = env
        .micropay("S1", auth_codes::PENDING_REVOKE_INCONCLUSIVE, 500)
        .await;
    assert_eq!(answer["code"], "DCP10000");
    // Pending however long the payer takes: only the revoke moves it.
    env.advance(3600);
    assert_eq!(env.state("S1").await, "DEAL");

    let first = env.revoke("S1R", "S1").await;
    assert_eq!(first["code"], codes::INCONCLUSIVE, "{first}");
    assert!(
        first.get("resp_data").is_none(),
        "names nothing, says nothing"
    );
    // It did not run; the payer's payment landed meanwhile.
    assert_eq!(env.state("S1").await, "SUCCESS");
    assert_eq!(env.sandbox.revokes_executed("S1"), 0);
    let by_own_number = env.query("S1R").await;
    assert_eq!(
        by_own_number["code"],
        codes::ORDER_NOT_FOUND,
        "{by_own_number}"
    );

    // Sending it again (even under the same number) executes it: a paid order is revoked.
    let again = env.revoke("S1R", "S1").await;
    assert_eq!(again["code"], "BBS00000", "{again}");
    assert_eq!(again["resp_data"]["refund_amount"], "500");
    assert_eq!(env.state("S1").await, "REFUND");
    assert_eq!(env.sandbox.revokes_executed("S1"), 1);
    // The revoke is now found by its own number, as a CANCEL.
    let by_own_number = env.query("S1R").await;
    assert_eq!(by_own_number["resp_data"]["trade_main_type"], "CANCEL");
    assert_eq!(by_own_number["resp_data"]["trade_state"], "SUCCESS");
    // A repeat is answered from memory, not executed twice; another number is refused.
    assert_eq!(env.revoke("S1R", "S1").await["code"], "BBS00000");
    assert_eq!(env.revoke("S1R2", "S1").await["code"], codes::CANNOT_REVOKE);
    assert_eq!(env.sandbox.revokes_executed("S1"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_micropay_is_charged_and_its_first_query_answers_000101() {
    let env = start_with(|c| c.slow_answer_delay(Duration::from_secs(600))).await;
    let body = env
        .v3_envelope(json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "S2",
            "auth_code": auth_codes::SLOW_ANSWER_THEN_QUERY_TIMEOUT, "total_amount": "300",
            "location_info": {"request_ip": "127.0.0.1"}
        }))
        .to_string()
        .into_bytes();
    let impatient = HyperTransport::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let request = HttpRequest::post(env.url("/api/v3/dcp/trans/micropay"), body.clone())
        .header("Content-Type", "application/json")
        .header("Authorization", env.authorization(&body, env.now()));
    let result = impatient.send(request).await;
    assert!(
        matches!(result, Err(TransportError::Timeout { .. })),
        "the answer is held back: {result:?}"
    );
    assert_eq!(env.sandbox.micropay_requests("S2"), 1);

    // Charged, but the first query says nothing at all.
    let first = env.query("S2").await;
    assert_eq!(first["code"], "000101", "{first}");
    assert!(first.get("resp_data").is_none());
    assert_eq!(env.state("S2").await, "SUCCESS");
    assert_eq!(env.state("S2").await, "SUCCESS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_micropays_answer_when_it_comes_is_a_success() {
    let env = start_with(|c| c.slow_answer_delay(Duration::from_millis(50))).await;
    let answer = env
        .micropay("S3", auth_codes::SLOW_ANSWER_THEN_QUERY_TIMEOUT, 300)
        .await;
    assert_eq!(answer["code"], "DCP00000", "{answer}");
    assert_eq!(answer["resp_data"]["out_trade_no"], "S3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_refund_stays_deal_by_default() {
    let env = start().await;
    assert_eq!(
        env.micropay("S4", auth_codes::SUCCEED, 100).await["code"],
        "DCP00000"
    );
    let answer = env.refund("S4F", "S4", refund_amounts::DEAL).await;
    let parsed: V3Response<RefundResponse> = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(parsed.code().map(|c| c.as_str()), Some("BBS00000"));
    let data = parsed.resp_data().unwrap();
    assert_eq!(data.trade_state().map(|s| s.as_str()), Some("DEAL"));
    assert_eq!(data.out_trade_no(), Some("S4F"));
    assert_eq!(data.origin_out_trade_no(), Some("S4"));

    for _ in 0..5 {
        env.advance(600);
        assert_eq!(
            refund_state(&refund_query(&env, "S4F").await),
            RefundState::Deal
        );
    }
    // Not refunded yet, but taken on: nothing more than what is left can be refunded.
    let order = env.query("S4").await;
    assert_eq!(order["resp_data"]["trade_state"], "SUCCESS");
    assert_eq!(order["resp_data"]["refund_amount"], "0");
    assert_eq!(
        env.refund("S4G", "S4", 30).await["code"],
        codes::REFUND_EXCEEDS
    );
    assert_eq!(env.sandbox.refunds_executed("S4"), 1);
    assert_eq!(env.sandbox.refunded_amount("S4"), refund_amounts::DEAL);
    // Found by its own number in the trade query too, as a REFUND.
    let own = env.query("S4F").await;
    assert_eq!(own["resp_data"]["trade_main_type"], "REFUND");
    assert_eq!(own["resp_data"]["trade_state"], "DEAL");
    // A second refund of what is left goes through and is counted.
    assert_eq!(env.refund("S4H", "S4", 23).await["code"], "BBS00000");
    assert_eq!(env.sandbox.refunds_executed("S4"), 2);
    assert_eq!(env.sandbox.refunded_amount("S4"), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_refund_can_succeed_after_n_queries() {
    let env = start_with(|c| c.deal_refunds(DealRefunds::SucceedAfterQueries(2))).await;
    env.micropay("S5", auth_codes::SUCCEED, 1000).await;
    let answer = env.refund("S5F", "S5", 177).await;
    assert_eq!(answer["resp_data"]["trade_state"], "DEAL");
    let states: Vec<RefundState> = [
        refund_query(&env, "S5F").await,
        refund_query(&env, "S5F").await,
        refund_query(&env, "S5F").await,
        refund_query(&env, "S5F").await,
    ]
    .iter()
    .map(refund_state)
    .collect();
    assert_eq!(
        states,
        [
            RefundState::Deal,
            RefundState::Deal,
            RefundState::Success,
            RefundState::Success
        ]
    );
    let order = env.query("S5").await;
    assert_eq!(order["resp_data"]["trade_state"], "PART_REFUND");
    assert_eq!(order["resp_data"]["refund_amount"], "177");
    // The same refund sent again is answered as it stands now, not executed again.
    let repeat = env.refund("S5F", "S5", 177).await;
    assert_eq!(repeat["code"], "BBS00000");
    assert_eq!(repeat["resp_data"]["trade_state"], "SUCCESS");
    assert_eq!(env.sandbox.refunds_executed("S5"), 1);
    assert_eq!(env.sandbox.refunded_amount("S5"), 177);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_query_finds_refunds_by_their_own_number_only() {
    let env = start().await;
    env.micropay("S6", auth_codes::SUCCEED, 500).await;
    assert_eq!(
        env.refund("S6F", "S6", refund_amounts::IMMEDIATE).await["resp_data"]["trade_state"],
        "SUCCESS"
    );
    let found = refund_query(&env, "S6F").await;
    assert_eq!(refund_state(&found), RefundState::Success);
    let data = &found["resp_data"];
    assert_eq!(data["out_refund_order_no"], "S6F");
    assert_eq!(data["merchant_no"], MERCHANT_NO);
    assert_eq!(data["refund_amount"], "100");
    assert_eq!(data["origin_out_trade_no"], "S6");
    // The payment's own number is not a refund; neither is an unknown one.
    for number in ["S6", "NOPE"] {
        let answer = refund_query(&env, number).await;
        assert_eq!(answer["code"], codes::ORDER_NOT_FOUND, "{answer}");
        assert!(answer.get("resp_data").is_none());
    }
    // Another merchant's query does not see it.
    let other = env
        .v3(
            REFUND_QUERY,
            json!({"merchant_no": "822290059439999", "term_no": TERM_NO, "out_refund_order_no": "S6F"}),
        )
        .await;
    assert_eq!(other["code"], codes::ORDER_NOT_FOUND);
    // A request breaking the rules is refused with what was wrong.
    let bad = env
        .v3(
            REFUND_QUERY,
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO}),
        )
        .await;
    assert_eq!(bad["code"], codes::INVALID_REQUEST);
    assert!(
        bad["msg"].as_str().unwrap().contains("out_refund_order_no"),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_closes_an_unpaid_order_and_refuses_a_paid_one() {
    let env = start().await;
    assert_eq!(
        env.micropay("S7", auth_codes::PENDING_UNTIL_REVOKED, 200)
            .await["code"],
        "DCP10000"
    );
    let closed = close(&env, "S7").await;
    let parsed: V3Response<CloseResponse> = serde_json::from_value(closed.clone()).unwrap();
    assert_eq!(
        parsed.code().map(|c| c.as_str()),
        Some("BBS00000"),
        "{closed}"
    );
    assert_eq!(
        parsed
            .resp_data()
            .and_then(CloseResponse::origin_out_trade_no),
        Some("S7")
    );
    assert_eq!(env.state("S7").await, "CLOSE");
    // Closed for good: closing again says so again, a revoke has nothing to cancel, the
    // payment never lands.
    assert_eq!(close(&env, "S7").await["code"], "BBS00000");
    assert_eq!(env.revoke("S7R", "S7").await["code"], codes::CANNOT_REVOKE);
    env.advance(3600);
    assert_eq!(env.state("S7").await, "CLOSE");

    env.micropay("S8", auth_codes::SUCCEED, 200).await;
    let refused = close(&env, "S8").await;
    assert_eq!(refused["code"], codes::CANNOT_CLOSE, "{refused}");
    assert!(refused.get("resp_data").is_none());
    assert_eq!(env.state("S8").await, "SUCCESS");

    assert_eq!(close(&env, "NOPE").await["code"], codes::ORDER_NOT_FOUND);
    let bad = env
        .v3(
            CLOSE,
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO}),
        )
        .await;
    assert_eq!(bad["code"], codes::INVALID_REQUEST, "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_by_the_platform_number_closes_a_pending_micropay() {
    let env = start().await;
    let answer = env
        .micropay("S9", auth_codes::PENDING_UNTIL_REVOKED, 200)
        .await;
    let trade_no = answer["resp_data"]["trade_no"].as_str().unwrap().to_owned();
    let closed = env
        .v3(
            CLOSE,
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "origin_trade_no": trade_no,
                   "location_info": {"request_ip": "127.0.0.1"}}),
        )
        .await;
    assert_eq!(closed["code"], "BBS00000", "{closed}");
    assert_eq!(closed["resp_data"]["origin_trade_no"], trade_no.as_str());
    assert_eq!(env.state("S9").await, "CLOSE");
}
