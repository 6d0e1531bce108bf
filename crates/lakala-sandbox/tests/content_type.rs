//! The sandbox reads JSON in UTF-8 only: a signed request in another Content-Type is refused
//! with HTTP 415 and an error in the family's shape, and nothing is done.

mod support;

use lakala_sandbox::behaviour::{auth_codes, cert_numbers, codes};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport};
use serde_json::{json, Value};
use support::{identity, start, Env, MERCHANT_NO, TERM_NO};

const MICROPAY: &str = "/api/v3/dcp/trans/micropay";

async fn send(
    env: &Env,
    path: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
    auth: Option<String>,
) -> HttpResponse {
    let mut request = HttpRequest::post(env.url(path), body);
    if let Some(t) = content_type {
        request = request.header("Content-Type", t);
    }
    if let Some(a) = auth {
        request = request.header("Authorization", a);
    }
    env.http.send(request).await.expect("HTTP exchange")
}

fn micropay_body(env: &Env, order: &str) -> Vec<u8> {
    env.v3_envelope(json!({
        "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": order,
        "auth_code": auth_codes::SUCCEED, "total_amount": "101",
        "location_info": {"request_ip": "127.0.0.1"},
    }))
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_request_that_is_not_json_in_utf8_is_refused_and_not_processed() {
    let env = start().await;
    for (i, content_type) in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
        Some("application/json; charset=gbk"),
        Some("application/jsonx"),
        Some("text/json"),
    ]
    .into_iter()
    .enumerate()
    {
        let order = format!("CT{i}");
        let body = micropay_body(&env, &order);
        let auth = env.authorization(&body, env.now());
        let response = send(&env, MICROPAY, body, content_type, Some(auth)).await;
        assert_eq!(response.status, 415, "{content_type:?}");
        let answer: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            answer["code"],
            codes::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert!(answer["msg"].as_str().unwrap().contains("application/json"));
        assert!(
            !response
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("lklapi-signature")),
            "an error before authentication is not signed"
        );
        // Nothing was done: the order does not exist.
        let query = env.query(&order).await;
        assert_eq!(
            query["code"],
            codes::ORDER_NOT_FOUND,
            "{content_type:?}: {query}"
        );
    }

    // gate/auth refuses in its own shape.
    let sealed = env
        .merchant()
        .seal_request(
            &env.ts.next(),
            &identity("CTG1", cert_numbers::VERIFIED).to_string(),
        )
        .unwrap();
    let body = serde_json::to_vec(&sealed.envelope).unwrap();
    let response = send(
        &env,
        "/gate/auth",
        body,
        Some("text/plain;charset=utf-8"),
        None,
    )
    .await;
    assert_eq!(response.status, 415);
    let answer: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(answer["retCode"], "9999");
    // The same order number is still free: the refused request was not remembered.
    assert_eq!(
        env.gate(&identity("CTG1", cert_numbers::VERIFIED))
            .await
            .code,
        "0000"
    );
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_in_utf8_is_accepted_in_every_spelling() {
    let env = start().await;
    for (i, content_type) in [
        "application/json",
        "application/json;charset=utf-8",
        "Application/JSON; charset=\"UTF-8\"",
        "application/json; charset=utf8",
    ]
    .into_iter()
    .enumerate()
    {
        let order = format!("OK{i}");
        let body = micropay_body(&env, &order);
        let auth = env.authorization(&body, env.now());
        let response = send(&env, MICROPAY, body, Some(content_type), Some(auth)).await;
        assert_eq!(response.status, 200, "{content_type}");
        env.verify_answer(&response);
        let answer: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(answer["code"], "DCP00000", "{content_type}");
        assert_eq!(env.state(&order).await, "SUCCESS");
    }
    env.sandbox.shutdown().await;
}
