//! The `*_encry` routes: whole-message SM4 encryption with the merchant's key, signed as
//! sealed, the answer verified as received, then opened and bound like a plain one.

mod support;

use lakala_client::{
    ClientError, Config, ConfigError, Encryption, MicropayOptions, MicropayRoute, PaymentOutcome,
    PendingPolicy,
};
use lakala_crypto::Sm4Key;
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::json;
use std::path::PathBuf;
use support::{harness_with, Reply};

const SEALED: &str = "/api/v3/labs/trans/micropay_encry";
const LABS: &str = "/api/v3/labs/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";
const KEY_B64: &str = "dRzPaYd7z6vYn9sL/JTZ3A==";

fn key() -> Sm4Key {
    Sm4Key::from_base64(KEY_B64).unwrap()
}

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

fn answer(code: &str, out_trade_no: &str) -> serde_json::Value {
    json!({"code": code, "msg": "m", "resp_time": "20240929033128", "resp_data": {
        "need_query": "0", "out_trade_no": out_trade_no, "trade_no": "2024092933210000270002",
        "merchant_no": "822290070111135", "total_amount": "101"}})
}

fn sealed_labs(config: Config) -> Config {
    config
        .with_micropay_route(MicropayRoute::Labs)
        .with_sm4_key(key(), Encryption::Always)
}

#[tokio::test]
async fn a_sealed_micropay_goes_on_the_encry_route_and_its_sealed_answer_is_opened() {
    let h = harness_with(sealed_labs);
    *h.platform.sm4.lock().unwrap() = Some(key());
    h.platform
        .push(SEALED, Reply::Json(answer("BBS00000", "E1")));
    let outcome = h
        .client
        .micropay(
            request("E1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    let seen = h.platform.seen(SEALED);
    assert_eq!(seen.len(), 1);
    // The platform opened the whole envelope with the merchant's key.
    assert_eq!(seen[0].json["req_data"]["out_trade_no"], "E1");
    assert_eq!(seen[0].json["version"], "3.0");
    assert!(h.platform.seen(LABS).is_empty());
}

#[tokio::test]
async fn an_answer_sealed_with_another_key_is_not_read_and_the_order_is_queried() {
    let h = harness_with(sealed_labs);
    *h.platform.sm4.lock().unwrap() = Some(key());
    h.platform
        .push(SEALED, Reply::SealedWithOtherKey(answer("BBS00000", "E2")));
    let err = h.client.micropay_once(request("E2")).await.unwrap_err();
    assert!(matches!(err, ClientError::Unsealing(_)), "{err}");
    assert!(err.may_have_been_executed());
    // In the flow, it is an answer not to act on: the trade query (plain) decides.
    h.platform
        .push(SEALED, Reply::SealedWithOtherKey(answer("BBS00000", "E3")));
    h.platform.push(
        QUERY,
        Reply::Json(
            json!({"code": "BBS00000", "msg": "ok", "resp_time": "20240929033128",
            "resp_data": {"merchant_no": "822290070111135", "out_trade_no": "E3",
            "trade_no": "2024092933210000270002", "trade_state": "FAIL", "total_amount": "101"}}),
        ),
    );
    let outcome = h
        .client
        .micropay(
            request("E3"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Failed { .. }),
        "{outcome:?}"
    );
    assert_eq!(h.platform.seen(QUERY).len(), 1);
}

#[tokio::test]
async fn always_without_a_key_sends_nothing() {
    let h = harness_with(|c| {
        let mut c = c.with_micropay_route(MicropayRoute::Labs);
        c.encryption = Encryption::Always;
        c
    });
    let outcome = h
        .client
        .micropay(
            request("E4"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await;
    let err = match outcome {
        Err(e) => e,
        Ok(PaymentOutcome::Failed { reason, .. }) => panic!("not an error: {reason:?}"),
        Ok(other) => panic!("sent? {other:?}"),
    };
    assert!(matches!(err, ClientError::NotConfigured(_)), "{err}");
    assert!(!err.may_have_been_executed());
    assert!(h.platform.seen(SEALED).is_empty() && h.platform.seen(LABS).is_empty());
}

fn config_file(dir: &std::path::Path, extra: &str) -> PathBuf {
    let v = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lakala/openplatform");
    let path = dir.join("lakala.toml");
    std::fs::write(
        &path,
        format!(
            "base_url = \"http://127.0.0.1:9\"\n[open_platform]\nappid = \"OP00000003\"\nserial_no = \"00dfba8194c41b84cf\"\nmerchant_key = \"{}\"\nplatform_cert = \"{}\"\n{extra}",
            v.join("sandbox-OP00000003-merchant-key.pem").display(),
            v.join("lakala-apigw-v2-cert.pem").display(),
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_sm4_key_comes_from_a_file_and_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sm4.key"), format!("{KEY_B64}\n")).unwrap();
    let none = |_: &str| None;
    let file = config_file(
        dir.path(),
        "sm4_key = \"sm4.key\"\nencryption = \"always\"\n",
    );
    let config = Config::from_file_and_env(Some(&file), none).unwrap();
    assert_eq!(config.encryption, Encryption::Always);
    assert_eq!(
        config.sm4_key.as_ref().unwrap().expose_bytes(),
        key().expose_bytes()
    );
    let printed = format!("{config:?}");
    assert!(!printed.contains(KEY_B64) && printed.contains("Sm4Key([redacted])"));

    // Default: only when required.
    let file = config_file(dir.path(), "sm4_key = \"sm4.key\"\n");
    let config = Config::from_file_and_env(Some(&file), none).unwrap();
    assert_eq!(config.encryption, Encryption::WhenRequired);

    // Always without a key, a key that is not 16 bytes, an unknown word: named.
    let file = config_file(dir.path(), "encryption = \"always\"\n");
    let err = Config::from_file_and_env(Some(&file), none).unwrap_err();
    assert!(
        matches!(err, ConfigError::Missing("open_platform.sm4_key")),
        "{err}"
    );
    std::fs::write(dir.path().join("short.key"), "c2hvcnQ=").unwrap();
    let file = config_file(dir.path(), "sm4_key = \"short.key\"\n");
    let err = Config::from_file_and_env(Some(&file), none).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                name: "open_platform.sm4_key",
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("c2hvcnQ"), "{err}");
    let file = config_file(dir.path(), "encryption = \"sometimes\"\n");
    assert!(Config::from_file_and_env(Some(&file), none).is_err());
}
