//! What the sandbox's README tells Java and PHP teams, over loopback HTTP: which forms of
//! `serial_no` it takes (the merchant certificate's serial as Lakala registers it, hex with
//! its leading `00`, in either case; not stripped of the `00`, not decimal), the
//! 12-character nonce Lakala's PHP SDK sends, and the v2 and v3 envelopes it expects.

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

fn preauth(req_id: &str, ver: &str, timestamp: Value, sno: &str) -> Value {
    json!({
        "ver": ver, "timestamp": timestamp, "reqId": req_id,
        "reqData": {"merId": MERCHANT_NO, "termId": TERM_NO, "accountType": "ALIPAY",
                    "transType": "41", "amount": "100", "merReqSno": sno, "subject": "v2"},
        "termExtInfo": {"termLoc": "+37.1,-121.1"},
    })
}

const PREAUTH: &str = "/api/v2/labs/txn/preAuth/preAuthPreOrder";
const REQ_ID: &str = "baff59de4694438ca9089862253517a5";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v2_and_v3_envelopes_are_the_ones_the_readme_states() {
    let env = start().await;
    let ms = env.now() * 1000;
    // v2: timestamp in milliseconds as a number or as a string.
    let a = env
        .open(PREAUTH, &preauth(REQ_ID, "1.0.0", json!(ms), "V2A"))
        .await;
    assert_eq!(a["retCode"], "000000", "{a}");
    let a = env
        .open(
            PREAUTH,
            &preauth(REQ_ID, "1.0.0", json!(ms.to_string()), "V2B"),
        )
        .await;
    assert_eq!(a["retCode"], "000000", "{a}");
    // ver, reqId (32 hex characters) and reqData are required as stated.
    for (what, body, field) in [
        ("ver", preauth(REQ_ID, "1.0.1", json!(ms), "V2C"), "ver"),
        (
            "reqId",
            preauth(&REQ_ID[1..], "1.0.0", json!(ms), "V2D"),
            "reqId",
        ),
        (
            "reqId hex",
            preauth(
                "zaff59de4694438ca9089862253517a5",
                "1.0.0",
                json!(ms),
                "V2E",
            ),
            "reqId",
        ),
    ] {
        let a = env.open(PREAUTH, &body).await;
        assert_eq!(a["retCode"], codes::INVALID_REQUEST, "{what}: {a}");
        assert!(a["retMsg"].as_str().unwrap().contains(field), "{what}: {a}");
    }
    let mut no_data = preauth(REQ_ID, "1.0.0", json!(ms), "V2F");
    no_data.as_object_mut().unwrap().remove("reqData");
    let a = env.open(PREAUTH, &no_data).await;
    assert_eq!(a["retCode"], codes::INVALID_REQUEST);
    assert!(a["retMsg"].as_str().unwrap().contains("reqData"), "{a}");

    // v3: other top-level fields (the Java SDK's out_org_code) are kept and ignored; the
    // version must be 3.0.
    let mut body = env.v3_envelope(json!({
        "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "V3A",
        "auth_code": auth_codes::SUCCEED, "total_amount": "100",
        "location_info": {"request_ip": "127.0.0.1"},
    }));
    body["out_org_code"] = json!(env.keys.appid());
    let a = env.open("/api/v3/labs/trans/micropay", &body).await;
    assert_eq!(a["code"], "BBS00000", "{a}");
    body["version"] = json!("2.0");
    body["req_data"]["out_trade_no"] = json!("V3B");
    let a = env.open("/api/v3/labs/trans/micropay", &body).await;
    assert_eq!(a["code"], codes::INVALID_REQUEST);
    assert!(a["msg"].as_str().unwrap().contains("version"), "{a}");
}
