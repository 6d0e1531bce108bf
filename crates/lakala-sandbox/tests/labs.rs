//! The labs (aggregated-scan) family at the paths of Lakala's open-platform SDK, over real
//! loopback HTTP: micropay on the labs route, pre-orders (QR, JSAPI, mini-program) and what
//! their payers do, close, idmrefund and its query, pre-order notifications, the money
//! counters. These assert what the sandbox does, on a manual clock.

mod support;

use base64::Engine as _;
use lakala_sandbox::behaviour::{auth_codes, codes, preorder_amounts, refund_amounts};
use lakala_sandbox::DeliveryStatus;
use serde_json::{json, Value};
use std::time::Duration;
use support::{eventually, listener, start, start_with, Env, MERCHANT_NO, TERM_NO};

const LABS_MICROPAY: &str = "/api/v3/labs/trans/micropay";
const PREORDER: &str = "/api/v3/labs/trans/preorder";
const CLOSE: &str = "/api/v3/labs/relation/close";
const IDM_REFUND: &str = "/api/v3/labs/relation/idmrefund";
const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";

fn preorder_data(out_trade_no: &str, account: &str, trans: &str, amount: u64) -> Value {
    json!({
        "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": out_trade_no,
        "account_type": account, "trans_type": trans, "total_amount": amount.to_string(),
        "location_info": {"request_ip": "127.0.0.1"}, "subject": "sandbox test",
    })
}

async fn preorder(env: &Env, data: Value) -> Value {
    env.v3(PREORDER, data).await
}

async fn qr(env: &Env, out_trade_no: &str, amount: u64) -> Value {
    let answer = preorder(env, preorder_data(out_trade_no, "ALIPAY", "41", amount)).await;
    assert_eq!(answer["code"], "BBS00000", "{answer}");
    answer
}

async fn close(env: &Env, origin: &str) -> Value {
    env.v3(
        CLOSE,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "origin_out_trade_no": origin,
               "location_info": {"request_ip": "127.0.0.1"}}),
    )
    .await
}

async fn idm_refund(env: &Env, refund_no: &str, origin: &str, amount: u64) -> Value {
    env.v3(
        IDM_REFUND,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_refund_order_no": refund_no,
               "refund_amount": amount.to_string(), "origin_out_trade_no": origin,
               "refund_reason": "test", "location_info": {"request_ip": "127.0.0.1"}}),
    )
    .await
}

async fn refund_query(env: &Env, refund_no: &str) -> Value {
    env.v3(
        REFUND_QUERY,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_refund_order_no": refund_no}),
    )
    .await
}

async fn labs_micropay(env: &Env, out_trade_no: &str, auth_code: &str) -> Value {
    env.v3(
        LABS_MICROPAY,
        json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": out_trade_no,
               "auth_code": auth_code, "total_amount": "300",
               "location_info": {"request_ip": "127.0.0.1"}, "subject": "labs"}),
    )
    .await
}

/// Moves the sandbox clock and lets the sandbox see it (settling runs on every request).
async fn advance(env: &Env, secs: u64) {
    env.advance(secs);
    // Any authenticated request settles what is due; a query of an unknown order will do.
    let _ = env.query("NO-SUCH-ORDER").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labs_micropay_has_the_dcp_scenarios_with_the_labs_codes() {
    let env = start().await;
    let paid = labs_micropay(&env, "LM1", auth_codes::SUCCEED).await;
    assert_eq!(paid["code"], "BBS00000", "{paid}");
    assert_eq!(paid["resp_data"]["need_query"], "0");
    assert_eq!(paid["resp_data"]["out_trade_no"], "LM1");
    assert_eq!(env.state("LM1").await, "SUCCESS");

    let pending = labs_micropay(&env, "LM2", auth_codes::PENDING_THEN_SUCCEED).await;
    assert_eq!(pending["code"], "BBS10000", "{pending}");
    assert_eq!(pending["resp_data"]["need_query"], "1");
    assert_eq!(env.state("LM2").await, "DEAL");
    advance(&env, 12).await;
    assert_eq!(env.state("LM2").await, "SUCCESS");

    let declined = labs_micropay(&env, "LM3", auth_codes::INSUFFICIENT_BALANCE).await;
    assert_eq!(declined["code"], "SBX20001");
    assert!(declined.get("resp_data").is_none());
    assert_eq!(env.state("LM3").await, "FAIL");

    let again = labs_micropay(&env, "LM1", auth_codes::SUCCEED).await;
    assert_eq!(again["code"], codes::DUPLICATE_ORDER);

    // The dcp route keeps its own codes; both count as micropay requests.
    let dcp = env.micropay("LM4", auth_codes::SUCCEED, 300).await;
    assert_eq!(dcp["code"], "DCP00000");
    assert_eq!(env.sandbox.micropay_requests("LM1"), 2);
    assert_eq!(env.sandbox.micropay_requests_total(), 5);
    assert_eq!(env.sandbox.paid_amount("LM1"), 300);
    assert_eq!(
        env.sandbox.paid_amount("LM2"),
        300,
        "counted when it settled"
    );
    assert_eq!(env.sandbox.paid_amount("LM3"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_preorder_is_paid_after_the_delay_notified_and_then_cannot_be_closed() {
    let env = start().await;
    let (url, seen) =
        listener(|_, _, _| (200, br#"{"code":"SUCCESS","message":"ok"}"#.to_vec())).await;
    let mut data = preorder_data("QR1", "ALIPAY", "41", preorder_amounts::PAID);
    data["notify_url"] = json!(url);
    let answer = preorder(&env, data).await;
    assert_eq!(answer["code"], "BBS00000", "{answer}");
    let resp = &answer["resp_data"];
    assert_eq!(resp["out_trade_no"], "QR1");
    let trade_no = resp["trade_no"].as_str().unwrap().to_owned();
    assert_eq!(
        resp["acc_resp_fields"]["code"],
        format!("https://qr.sandbox.lakala.invalid/alipay/{trade_no}")
    );
    assert_eq!(env.sandbox.preorder_requests("QR1"), 1);

    let q = env.query("QR1").await;
    assert_eq!(q["resp_data"]["trade_state"], "CREATE", "{q}");
    assert_eq!(q["resp_data"]["trade_main_type"], "PREORDER");
    assert_eq!(env.sandbox.paid_amount("QR1"), 0);

    advance(&env, 11).await;
    assert_eq!(env.state("QR1").await, "CREATE", "not yet");
    advance(&env, 1).await;
    assert_eq!(env.state("QR1").await, "SUCCESS");
    assert_eq!(env.sandbox.paid_amount("QR1"), preorder_amounts::PAID);

    eventually("the pre-order's notification", || {
        env.sandbox
            .notification_deliveries()
            .iter()
            .any(|d| d.out_trade_no == "QR1" && d.status == DeliveryStatus::Delivered)
    })
    .await;
    let body: Value = serde_json::from_slice(&seen.lock().unwrap()[0].1).unwrap();
    assert_eq!(body["out_trade_no"], "QR1");
    assert_eq!(body["trade_state"], "SUCCESS");
    assert_eq!(body["trade_no"], trade_no.as_str());

    // A close arriving after the payment is refused; the order stays paid.
    let refused = close(&env, "QR1").await;
    assert_eq!(refused["code"], codes::CANNOT_CLOSE, "{refused}");
    assert_eq!(env.state("QR1").await, "SUCCESS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_never_paid_preorder_expires_at_its_expire_time_and_is_never_paid() {
    let env = start().await;
    let (url, seen) =
        listener(|_, _, _| (200, br#"{"code":"SUCCESS","message":"ok"}"#.to_vec())).await;
    let mut data = preorder_data("EXP1", "UQRCODEPAY", "41", preorder_amounts::NEVER_PAID);
    data["notify_url"] = json!(url);
    data["acc_busi_fields"] = json!({"timeout_express": "5"});
    let answer = preorder(&env, data).await;
    assert_eq!(answer["code"], "BBS00000", "{answer}");

    advance(&env, 299).await;
    assert_eq!(env.state("EXP1").await, "CREATE");
    advance(&env, 1).await;
    assert_eq!(env.state("EXP1").await, "CLOSE");
    eventually("the expiry's notification", || {
        !seen.lock().unwrap().is_empty()
    })
    .await;
    let body: Value = serde_json::from_slice(&seen.lock().unwrap()[0].1).unwrap();
    assert_eq!(body["trade_state"], "CLOSE");

    advance(&env, 3600).await;
    assert_eq!(
        env.state("EXP1").await,
        "CLOSE",
        "an expired order is never paid"
    );
    assert_eq!(env.sandbox.paid_amount("EXP1"), 0);
    let refund = env.refund("EXP1-R", "EXP1", 100).await;
    assert_eq!(refund["code"], codes::CANNOT_REFUND);
    // Closing it again answers like the first close would.
    assert_eq!(close(&env, "EXP1").await["code"], "BBS00000");

    // Without timeout_express, SandboxConfig::preorder_expiry decides.
    let env = start_with(|c| c.preorder_expiry(Duration::from_secs(60))).await;
    qr(&env, "EXP2", preorder_amounts::NEVER_PAID).await;
    advance(&env, 59).await;
    assert_eq!(env.state("EXP2").await, "CREATE");
    advance(&env, 1).await;
    assert_eq!(env.state("EXP2").await, "CLOSE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preorder_closed_before_its_payer_pays_is_never_paid() {
    let env = start().await;
    qr(&env, "CL1", preorder_amounts::PAID).await;
    let closed = close(&env, "CL1").await;
    assert_eq!(closed["code"], "BBS00000", "{closed}");
    assert_eq!(closed["resp_data"]["origin_out_trade_no"], "CL1");
    assert_eq!(env.state("CL1").await, "CLOSE");
    advance(&env, 60).await;
    assert_eq!(env.state("CL1").await, "CLOSE", "the payer came too late");
    assert_eq!(env.sandbox.paid_amount("CL1"), 0);

    // A payment that fails is FAIL, and cannot be closed either.
    qr(&env, "CL2", preorder_amounts::FAILS).await;
    advance(&env, 12).await;
    assert_eq!(env.state("CL2").await, "FAIL");
    assert_eq!(close(&env, "CL2").await["code"], codes::CANNOT_CLOSE);
    assert_eq!(env.sandbox.paid_amount("CL2"), 0);
}

/// WeChat's JSAPI string to sign, base64: what the sandbox puts in `pay_sign`.
fn expected_pay_sign(fields: &Value) -> String {
    let s = |k: &str| fields[k].as_str().unwrap().to_owned();
    base64::engine::general_purpose::STANDARD.encode(format!(
        "{}\n{}\n{}\n{}\n",
        s("app_id"),
        s("time_stamp"),
        s("nonce_str"),
        s("package")
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsapi_and_mini_program_preorders_echo_the_request_in_deterministic_pay_sign_fields() {
    let env = start().await;
    for (no, trans) in [("JS1", "51"), ("MP1", "71")] {
        let mut data = preorder_data(no, "WECHAT", trans, 100);
        data["acc_busi_fields"] =
            json!({"sub_appid": "wx1234567890abcdef", "user_id": "oUser0001"});
        let answer = preorder(&env, data).await;
        assert_eq!(answer["code"], "BBS00000", "{answer}");
        let resp = &answer["resp_data"];
        let trade_no = resp["trade_no"].as_str().unwrap();
        let fields = &resp["acc_resp_fields"];
        assert_eq!(fields["app_id"], "wx1234567890abcdef", "{trans}: echoed");
        assert_eq!(fields["time_stamp"], env.now().to_string());
        assert_eq!(fields["nonce_str"], format!("{trade_no:0>32}"));
        assert_eq!(fields["prepay_id"], format!("wx{trade_no}"));
        assert_eq!(fields["package"], format!("prepay_id=wx{trade_no}"));
        assert_eq!(fields["sign_type"], "RSA");
        assert_eq!(fields["pay_sign"], expected_pay_sign(fields));
        assert_eq!(env.state(no).await, "CREATE");
    }

    // Alipay JSAPI gives a prepay_id, UnionPay a redirect URL.
    let mut data = preorder_data("JS2", "ALIPAY", "51", 100);
    data["acc_busi_fields"] = json!({"user_id": "2088000000000002"});
    let answer = preorder(&env, data).await;
    assert!(answer["resp_data"]["acc_resp_fields"]["prepay_id"]
        .as_str()
        .unwrap()
        .starts_with("2088"));
    let mut data = preorder_data("JS3", "UQRCODEPAY", "51", 100);
    data["acc_busi_fields"] = json!({"user_id": "up0001"});
    let answer = preorder(&env, data).await;
    assert!(answer["resp_data"]["acc_resp_fields"]["redirect_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));

    // What a combination needs, and combinations Lakala does not serve.
    let mut data = preorder_data("JS4", "WECHAT", "51", 100);
    data["acc_busi_fields"] = json!({"sub_appid": "wx1234567890abcdef"});
    let refused = preorder(&env, data).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST, "{refused}");
    assert!(refused["msg"].as_str().unwrap().contains("user_id"));
    let refused = preorder(&env, preorder_data("JS5", "WECHAT", "41", 100)).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST, "{refused}");
    assert!(refused["msg"].as_str().unwrap().contains("trans_type"));
    let refused = preorder(&env, preorder_data("JS6", "ALIPAY", "71", 100)).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST);
    // A NATIVE order names no payer.
    let mut data = preorder_data("JS7", "ALIPAY", "41", 100);
    data["acc_busi_fields"] = json!({"user_id": "2088000000000002"});
    let refused = preorder(&env, data).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST);
    assert!(refused["msg"].as_str().unwrap().contains("user_id"));
    for no in ["JS4", "JS5", "JS6", "JS7"] {
        assert_eq!(
            env.query(no).await["code"],
            codes::ORDER_NOT_FOUND,
            "{no}: no order made"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_preorders_are_refused_naming_every_field() {
    let env = start().await;
    let mut data = preorder_data("BAD1", "WECHAT", "99", 0);
    data.as_object_mut().unwrap().remove("location_info");
    let refused = preorder(&env, data).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST);
    let msg = refused["msg"].as_str().unwrap();
    for field in ["trans_type", "total_amount", "location_info"] {
        assert!(msg.contains(field), "{field} named in {msg}");
    }
    // WeChat needs a subject.
    let mut data = preorder_data("BAD2", "WECHAT", "51", 100);
    data["acc_busi_fields"] = json!({"sub_appid": "wx1234567890abcdef", "user_id": "oUser0001"});
    data.as_object_mut().unwrap().remove("subject");
    let refused = preorder(&env, data).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST);
    assert!(
        refused["msg"].as_str().unwrap().contains("subject"),
        "{refused}"
    );
    let dup = qr(&env, "DUP1", 100).await;
    assert_eq!(dup["code"], "BBS00000");
    let again = preorder(&env, preorder_data("DUP1", "ALIPAY", "41", 100)).await;
    assert_eq!(again["code"], codes::DUPLICATE_ORDER);
    assert_eq!(env.sandbox.preorder_requests("DUP1"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idmrefund_of_a_paid_preorder_is_in_progress_then_done_and_queries_agree() {
    let env = start().await;
    qr(&env, "IR1", 500).await;
    // Not paid yet: refused, and the same refund number may be sent again later.
    let early = idm_refund(&env, "IR1-R1", "IR1", refund_amounts::DEAL_THEN_DONE).await;
    assert_eq!(early["code"], codes::CANNOT_REFUND, "{early}");
    advance(&env, 12).await;
    assert_eq!(env.state("IR1").await, "SUCCESS");

    let deal = idm_refund(&env, "IR1-R1", "IR1", refund_amounts::DEAL_THEN_DONE).await;
    assert_eq!(deal["code"], "BBS00000", "{deal}");
    assert_eq!(deal["resp_data"]["trade_state"], "DEAL");
    assert_eq!(deal["resp_data"]["out_refund_order_no"], "IR1-R1");
    let q = refund_query(&env, "IR1-R1").await;
    assert_eq!(q["resp_data"]["trade_state"], "DEAL");
    assert_eq!(env.query("IR1").await["resp_data"]["refund_amount"], "0");
    // While DEAL, what it holds cannot be refunded again.
    let over = idm_refund(&env, "IR1-R2", "IR1", 500).await;
    assert_eq!(over["code"], codes::REFUND_EXCEEDS);

    advance(&env, 12).await;
    let q = refund_query(&env, "IR1-R1").await;
    assert_eq!(q["resp_data"]["trade_state"], "SUCCESS", "{q}");
    assert_eq!(q["resp_data"]["refund_amount"], "78");
    let order = env.query("IR1").await;
    assert_eq!(order["resp_data"]["refund_amount"], "78");
    assert_eq!(order["resp_data"]["trade_state"], "PART_REFUND");
    // The refund's own number is found by trade query too.
    let own = env.query("IR1-R1").await;
    assert_eq!(own["resp_data"]["trade_main_type"], "REFUND");
    assert_eq!(own["resp_data"]["trade_state"], "SUCCESS");

    // The same refund again: the same answer (as it stands now), no second refund.
    let again = idm_refund(&env, "IR1-R1", "IR1", refund_amounts::DEAL_THEN_DONE).await;
    assert_eq!(again["code"], "BBS00000");
    assert_eq!(again["resp_data"]["trade_state"], "SUCCESS");
    assert_eq!(env.sandbox.refunds_executed("IR1"), 1);
    assert_eq!(env.sandbox.refunded_amount("IR1"), 78);

    // The rest, by the platform's number, at once.
    let trade_no = order["resp_data"]["trade_no"].as_str().unwrap();
    let rest = env
        .v3(
            IDM_REFUND,
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_refund_order_no": "IR1-R3",
                   "refund_amount": "422", "origin_trade_no": trade_no,
                   "location_info": {"request_ip": "127.0.0.1"}}),
        )
        .await;
    assert_eq!(rest["resp_data"]["trade_state"], "SUCCESS", "{rest}");
    assert_eq!(env.state("IR1").await, "REFUND");
    assert_eq!(env.sandbox.refunded_amount("IR1"), 500);
    assert_eq!(env.sandbox.paid_amount("IR1"), 500);

    // Malformed: every missing field named.
    let bad = env
        .v3(IDM_REFUND, json!({"merchant_no": MERCHANT_NO}))
        .await;
    assert_eq!(bad["code"], codes::INVALID_REQUEST);
    let msg = bad["msg"].as_str().unwrap();
    for field in [
        "term_no",
        "out_refund_order_no",
        "refund_amount",
        "origin_out_trade_no",
    ] {
        assert!(msg.contains(field), "{field} named in {msg}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_wechat_preorder_cannot_be_paid_and_waits_for_a_close_as_wechat_leaves_it() {
    let env = start().await;
    let (url, seen) =
        listener(|_, _, _| (200, br#"{"code":"SUCCESS","message":"ok"}"#.to_vec())).await;
    let mut data = preorder_data("WX1", "WECHAT", "51", preorder_amounts::NEVER_PAID);
    data["acc_busi_fields"] = json!({"sub_appid": "wx1234567890abcdef", "user_id": "oUser0001",
                                     "timeout_express": "1"});
    data["notify_url"] = json!(url);
    assert_eq!(preorder(&env, data).await["code"], "BBS00000");
    advance(&env, 60).await;
    let q = env.query("WX1").await;
    assert_eq!(q["resp_data"]["trade_state"], "CREATE", "{q}");
    assert!(q["resp_data"]["trade_state_desc"]
        .as_str()
        .unwrap()
        .contains("过期"));
    advance(&env, 3600).await;
    assert_eq!(env.state("WX1").await, "CREATE", "WeChat does not close it");
    assert_eq!(env.sandbox.paid_amount("WX1"), 0);
    let closed = close(&env, "WX1").await;
    assert_eq!(closed["code"], "BBS00000", "{closed}");
    assert_eq!(env.state("WX1").await, "CLOSE");
    assert!(seen.lock().unwrap().is_empty(), "nothing to notify");

    // A WeChat order paid before its expiry is paid.
    let mut data = preorder_data("WX2", "WECHAT", "71", preorder_amounts::PAID);
    data["acc_busi_fields"] = json!({"sub_appid": "wx1234567890abcdef", "user_id": "oUser0001",
                                     "timeout_express": "1"});
    assert_eq!(preorder(&env, data).await["code"], "BBS00000");
    advance(&env, 12).await;
    assert_eq!(env.state("WX2").await, "SUCCESS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_endpoint_sends_a_preorders_notification_in_its_current_state() {
    let env = start().await;
    let (url, seen) =
        listener(|_, _, _| (200, br#"{"code":"SUCCESS","message":"ok"}"#.to_vec())).await;
    qr(&env, "CTL1", preorder_amounts::NEVER_PAID).await;
    close(&env, "CTL1").await;
    let order = json!({"url": url, "merchant_no": MERCHANT_NO, "out_trade_no": "CTL1"});
    let response = env
        .post(
            lakala_sandbox::control::OPEN_PLATFORM_PATH,
            order.to_string().into_bytes(),
            None,
        )
        .await;
    let answer: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        answer["code"],
        lakala_sandbox::control::codes::DELIVERED,
        "{answer}"
    );
    let body: Value = serde_json::from_slice(&seen.lock().unwrap()[0].1).unwrap();
    assert_eq!(body["out_trade_no"], "CTL1");
    assert_eq!(body["trade_state"], "CLOSE");
}
