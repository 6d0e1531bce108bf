//! Which forms of `serial_no` the sandbox takes (what its README tells Java and PHP teams):
//! the merchant certificate's serial as Lakala registers it, hex with its leading `00`, in
//! either case; not stripped of the `00`, not decimal. Also the 12-character nonce Lakala's
//! PHP SDK sends.

mod support;

use lakala_crypto::open_platform::RequestSigner;
use lakala_sandbox::behaviour::{auth_codes, codes};
use serde_json::{json, Value};
use support::{start, Env, MERCHANT_NO, TERM_NO};

async fn micropay_signed_as(env: &Env, serial_no: &str, nonce: &str, no: &str) -> (u16, Value) {
    let body = env
        .v3_envelope(json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": no,
            "auth_code": auth_codes::SUCCEED, "total_amount": "100",
            "location_info": {"request_ip": "127.0.0.1"},
        }))
        .to_string()
        .into_bytes();
    let signer = RequestSigner::new(
        env.keys.appid(),
        serial_no,
        env.keys.open_merchant().key().clone(),
    );
    let auth = signer.sign(&body, env.now(), nonce).unwrap().to_string();
    let response = env
        .post("/api/v3/labs/trans/micropay", body, Some(auth))
        .await;
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serial_no_is_the_registered_hex_with_its_leading_00_in_either_case() {
    let env = start().await;
    let serial = env.keys.serial_no();
    assert!(
        serial.starts_with("00"),
        "{serial}: the sandbox's serials keep a leading 00"
    );
    let decimal = decimal(&serial);

    let (status, answer) = micropay_signed_as(&env, &serial, "abcdefghij12", "SN1").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["code"], "BBS00000",
        "a 12-character nonce, as PHP sends it"
    );
    let (status, _) =
        micropay_signed_as(&env, &serial.to_ascii_uppercase(), "abcdefghij13", "SN2").await;
    assert_eq!(status, 200, "upper case is the same serial");

    let (status, answer) = micropay_signed_as(&env, &serial[2..], "abcdefghij14", "SN3").await;
    assert_eq!(status, 401);
    assert_eq!(answer["code"], codes::AUTH_UNKNOWN_SERIAL);
    assert!(
        answer["msg"].as_str().unwrap().contains("leading 00"),
        "the refusal says what to send: {answer}"
    );
    let (status, answer) = micropay_signed_as(&env, &decimal, "abcdefghij15", "SN4").await;
    assert_eq!(status, 401);
    assert_eq!(answer["code"], codes::AUTH_UNKNOWN_SERIAL);
    assert_eq!(
        env.sandbox.micropay_requests_total(),
        2,
        "refused requests do nothing"
    );
}

/// The serial as a decimal number (what `BigInteger.toString()` gives in Java).
fn decimal(hex: &str) -> String {
    let bytes = hex::decode(hex).unwrap();
    let mut value: u128 = 0;
    for b in bytes {
        value = value * 256 + u128::from(b);
    }
    value.to_string()
}
