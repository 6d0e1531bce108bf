//! The control endpoints (`lakala_sandbox::control`): a merchant asks the running sandbox,
//! over HTTP, to send either family's notification to its endpoint, and reads how its
//! endpoint answered.

mod support;

use lakala_crypto::crossborder::NotificationEnvelope;
use lakala_crypto::open_platform::NotificationVerifier;
use lakala_sandbox::behaviour::auth_codes;
use lakala_sandbox::control::{self, codes};
use lakala_transport::{HttpRequest, HttpTransport, Method};
use serde_json::{json, Value};
use support::{listener, start, Env};
use tokio::net::TcpListener;

const SUCCESS: &str = r#"{"code":"SUCCESS","message":"执行成功"}"#;

/// POSTs `order` (raw bytes) to a control endpoint; returns the status and the JSON answer.
async fn control(env: &Env, path: &str, order: &[u8]) -> (u16, Value) {
    let response = env.post(path, order.to_vec(), None).await;
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

async fn control_json(env: &Env, path: &str, order: Value) -> (u16, Value) {
    control(env, path, order.to_string().as_bytes()).await
}

/// A URL where nothing listens.
async fn dead_url() -> String {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/n", closed.local_addr().unwrap());
    drop(closed);
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossborder_notification_on_request() {
    let env = start().await;
    let merchant = env.merchant();
    let (url, seen) = listener(move |_, _, body| {
        let envelope: NotificationEnvelope = serde_json::from_slice(body).unwrap();
        let opened = merchant.open_notification(&envelope).unwrap();
        let answer = merchant
            .seal_notification_answer(&opened, "0000", "成功", r#"{"seen":true}"#)
            .unwrap();
        (200, serde_json::to_vec(&answer).unwrap())
    })
    .await;

    // A biz given as an object; reqType B0005 by default.
    let (status, answer) = control_json(
        &env,
        control::CROSSBORDER_PATH,
        json!({"url": url, "biz": {"orderNo": "C1", "retMsg": "认证成功"}}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (200, Some(codes::DELIVERED)),
        "{answer}"
    );
    assert_eq!(answer["req_type"], "B0005");
    assert_eq!(answer["answer"]["ret_code"], "0000");
    assert_eq!(answer["answer"]["ret_msg"], "成功");
    assert_eq!(answer["answer"]["biz"], r#"{"seen":true}"#);
    let merchant = env.merchant();
    let open = |i: usize| {
        let envelope: NotificationEnvelope =
            serde_json::from_slice(&seen.lock().unwrap()[i].1).unwrap();
        let opened = merchant.open_notification(&envelope).unwrap();
        (opened.req_type, opened.biz.as_str().to_owned(), envelope.ts)
    };
    let (req_type, biz, ts) = open(0);
    assert_eq!(req_type, "B0005");
    assert_eq!(biz, r#"{"orderNo":"C1","retMsg":"认证成功"}"#);
    assert_eq!(answer["ts"], ts);

    // Exact text and another reqType; then the default business JSON.
    let (status, answer) = control_json(
        &env,
        control::CROSSBORDER_PATH,
        json!({"url": url, "req_type": "B0006", "biz": "{ \"orderNo\" : \"C2\" }"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(open(1).0, "B0006");
    assert_eq!(open(1).1, "{ \"orderNo\" : \"C2\" }", "sent byte for byte");
    let (status, answer) = control_json(&env, control::CROSSBORDER_PATH, json!({"url": url})).await;
    assert_eq!(status, 200, "{answer}");
    let default: Value = serde_json::from_str(&open(2).1).unwrap();
    assert!(default["orderNo"].as_str().unwrap().starts_with("SBXN"));
    assert_eq!(default["retCode"], "0000");
    assert_eq!(default["retMsg"], "认证成功");
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossborder_failures_are_told_apart() {
    let env = start().await;
    // An answer that is not a signed answer envelope.
    let (url, _) = listener(|_, _, _| (200, br#"{"retCode":"0000"}"#.to_vec())).await;
    let (status, answer) = control_json(&env, control::CROSSBORDER_PATH, json!({"url": url})).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (502, Some(codes::ANSWER_REFUSED)),
        "{answer}"
    );
    // Nobody listening.
    let (status, answer) = control_json(
        &env,
        control::CROSSBORDER_PATH,
        json!({"url": dead_url().await}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (502, Some(codes::NOT_DELIVERED)),
        "{answer}"
    );
    // Orders that cannot be followed.
    for (order, says) in [
        (json!({"url": "http://192.0.2.1/n"}).to_string(), "loopback"),
        (json!({"url": "https://127.0.0.1/n"}).to_string(), "http://"),
        (
            json!({"url": url, "req_type": "B0005\n"}).to_string(),
            "req_type",
        ),
        (json!({"url": url, "req_type": ""}).to_string(), "req_type"),
        (json!({"url": url, "biz": "not json"}).to_string(), "biz"),
        (
            json!({"url": url, "biz": {"name": "😀"}}).to_string(),
            "GBK",
        ),
        (json!({"url": url, "bizz": {}}).to_string(), "unknown field"),
        (json!({"biz": {}}).to_string(), "url"),
        (
            "{not json".to_owned(),
            "not a cross-border notification order",
        ),
    ] {
        let (status, answer) = control(&env, control::CROSSBORDER_PATH, order.as_bytes()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(codes::BAD_ORDER)),
            "{order}: {answer}"
        );
        assert!(
            answer["msg"].as_str().unwrap().contains(says),
            "{order}: {answer}"
        );
    }
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_platform_notification_on_request() {
    let env = start().await;
    let verifier = NotificationVerifier::new(env.keys.open_notify().cert().public_key().clone());
    let now = env.now();
    let (url, seen) =
        listener(
            move |_, authorization, body| match verifier.verify(authorization, body, now) {
                Ok(_) => (200, SUCCESS.as_bytes().to_vec()),
                Err(e) => (
                    200,
                    json!({"code": "FAIL", "message": e.to_string()})
                        .to_string()
                        .into_bytes(),
                ),
            },
        )
        .await;

    // A body given as exact text.
    let text = r#"{"out_trade_no":"T1","trade_state":"SUCCESS","remark":"测试"}"#;
    let (status, answer) = control_json(
        &env,
        control::OPEN_PLATFORM_PATH,
        json!({"url": url, "body": text}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (200, Some(codes::DELIVERED)),
        "{answer}"
    );
    assert_eq!(answer["body"], text);
    assert_eq!(answer["answer"], SUCCESS);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].1, text.as_bytes());
        assert_eq!(answer["authorization"], seen[0].0);
        assert!(seen[0].0.starts_with("LKLAPI-SHA256withRSA timestamp="));
    }

    // The result notification of an order in the book, in its current state.
    let paid = env.micropay("OP1", auth_codes::SUCCEED, 321).await;
    assert_eq!(paid["code"], "DCP00000");
    let (status, answer) = control_json(
        &env,
        control::OPEN_PLATFORM_PATH,
        json!({"url": url, "merchant_no": support::MERCHANT_NO, "out_trade_no": "OP1"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let body: Value = serde_json::from_slice(&seen.lock().unwrap()[1].1).unwrap();
    assert_eq!(body["out_trade_no"], "OP1");
    assert_eq!(body["trade_state"], "SUCCESS");
    assert_eq!(body["total_amount"], "321");

    // Not an order of the book; a body and an order at once; neither.
    for order in [
        json!({"url": url, "merchant_no": support::MERCHANT_NO, "out_trade_no": "NOPE"}),
        json!({"url": url, "body": {}, "merchant_no": support::MERCHANT_NO, "out_trade_no": "OP1"}),
        json!({"url": url}),
        json!({"url": url, "merchant_no": support::MERCHANT_NO}),
    ] {
        let (status, answer) = control_json(&env, control::OPEN_PLATFORM_PATH, order.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some(codes::BAD_ORDER)),
            "{order}: {answer}"
        );
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "nothing sent for refused orders"
    );
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_platform_endpoint_that_does_not_accept() {
    let env = start().await;
    let (fails, _) = listener(|_, _, _| (200, br#"{"code":"FAIL","message":"no"}"#.to_vec())).await;
    let (status, answer) = control_json(
        &env,
        control::OPEN_PLATFORM_PATH,
        json!({"url": fails, "body": {}}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (502, Some(codes::ANSWER_REFUSED)),
        "{answer}"
    );
    assert!(answer["msg"].as_str().unwrap().contains("FAIL"), "{answer}");
    let (broken, _) = listener(|_, _, _| (500, b"oops".to_vec())).await;
    let (status, answer) = control_json(
        &env,
        control::OPEN_PLATFORM_PATH,
        json!({"url": broken, "body": {}}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (502, Some(codes::NOT_DELIVERED)),
        "{answer}"
    );
    assert!(
        answer["msg"].as_str().unwrap().contains("HTTP 500"),
        "{answer}"
    );
    let (status, answer) = control_json(
        &env,
        control::OPEN_PLATFORM_PATH,
        json!({"url": dead_url().await, "body": {}}),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (502, Some(codes::NOT_DELIVERED)),
        "{answer}"
    );
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_and_methods() {
    let env = start().await;
    let (status, answer) = control(&env, "/sandbox/notify/nothing", b"{}").await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some(codes::UNKNOWN)),
        "{answer}"
    );
    let get = env
        .http
        .send(HttpRequest {
            method: Method::Get,
            url: env.url(control::CROSSBORDER_PATH),
            headers: vec![],
            body: vec![],
        })
        .await
        .unwrap();
    assert_eq!(get.status, 405);
    env.sandbox.shutdown().await;
}
