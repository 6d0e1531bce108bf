//! The labs micropay route (`/api/v3/labs/trans/micropay`): a setting of the client and of
//! the configuration file, with the same outcome rules, binding, journal and resolver as
//! the dcp route.

mod support;

use lakala_client::{
    ClientError, Config, ConfigError, MicropayOptions, MicropayRoute, PaymentOutcome, PendingPolicy,
};
use lakala_journal::{MemoryJournal, PaymentJournal, PaymentKey, PaymentStatus};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use support::{harness_with, Reply};

const DCP: &str = "/api/v3/dcp/trans/micropay";
const LABS: &str = "/api/v3/labs/trans/micropay";
const QUERY: &str = "/api/v3/labs/query/tradequery";

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
        "merchant_no": "822290070111135", "account_type": "WECHAT", "total_amount": "101"}})
}

fn state(s: &str, out_trade_no: &str) -> serde_json::Value {
    json!({"code": "BBS00000", "msg": "成功", "resp_time": "20240929033128", "resp_data": {
        "merchant_no": "822290070111135", "out_trade_no": out_trade_no,
        "trade_no": "2024092933210000270002", "trade_state": s, "total_amount": "101"}})
}

fn labs(config: Config) -> Config {
    config.with_micropay_route(MicropayRoute::Labs)
}

#[tokio::test]
async fn a_labs_client_pays_on_the_labs_path_and_never_on_the_dcp_one() {
    let h = harness_with(labs);
    assert_eq!(h.client.micropay_route(), MicropayRoute::Labs);
    h.platform.push(LABS, Reply::Json(answer("BBS00000", "L1")));
    let outcome = h
        .client
        .micropay(
            request("L1"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    assert_eq!(h.platform.seen(LABS).len(), 1);
    assert!(h.platform.seen(DCP).is_empty());
    assert_eq!(
        h.platform.seen(LABS)[0].json["req_data"]["out_trade_no"],
        "L1"
    );
}

#[tokio::test]
async fn a_labs_pending_answer_is_polled_like_a_dcp_one() {
    let h = harness_with(labs);
    h.platform.push(LABS, Reply::Json(answer("BBS10000", "L2")));
    h.platform.push(QUERY, Reply::Json(state("DEAL", "L2")));
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "L2")));
    let outcome = h
        .client
        .micropay(
            request("L2"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    assert_eq!(h.platform.seen(QUERY).len(), 2);
}

#[tokio::test]
async fn a_labs_answer_about_another_order_is_not_believed_but_queried() {
    let h = harness_with(labs);
    h.platform
        .push(LABS, Reply::Json(answer("BBS00000", "OTHER")));
    h.platform.push(QUERY, Reply::Json(state("FAIL", "L3")));
    let outcome = h
        .client
        .micropay(
            request("L3"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Failed { .. }),
        "{outcome:?}"
    );
    // And micropay_once says why.
    h.platform
        .push(LABS, Reply::Json(answer("BBS00000", "OTHER")));
    let err = h.client.micropay_once(request("L4")).await.unwrap_err();
    assert!(matches!(err, ClientError::ForeignAnswer { .. }), "{err}");
}

#[tokio::test]
async fn a_labs_payment_is_journaled_before_it_is_sent_as_a_dcp_one_is() {
    let h = harness_with(labs);
    let journal = Arc::new(MemoryJournal::new());
    let client = h.journaled(journal.clone(), "till-1");
    h.platform.push(LABS, Reply::Json(answer("BBS00000", "L5")));
    let outcome = client
        .micropay(
            request("L5"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(matches!(outcome, PaymentOutcome::Succeeded { .. }));
    let record = journal
        .payment(&PaymentKey::new("822290070111135", "L5"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    // A till's retry of the same order is resolved by query, not paid twice.
    h.platform.push(QUERY, Reply::Json(state("SUCCESS", "L5")));
    let again = client
        .micropay(
            request("L5"),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(matches!(again, PaymentOutcome::Succeeded { .. }));
    assert_eq!(h.platform.seen(LABS).len(), 1);
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lakala/openplatform")
}

fn config_file(dir: &std::path::Path, route: Option<&str>) -> PathBuf {
    let v = fixtures();
    let path = dir.join("lakala.toml");
    std::fs::write(
        &path,
        format!(
            "base_url = \"http://127.0.0.1:9\"\n[open_platform]\nappid = \"OP00000003\"\nserial_no = \"00dfba8194c41b84cf\"\nmerchant_key = \"{}\"\nplatform_cert = \"{}\"\n{}",
            v.join("sandbox-OP00000003-merchant-key.pem").display(),
            v.join("lakala-apigw-v2-cert.pem").display(),
            route
                .map(|r| format!("micropay_route = \"{r}\"\n"))
                .unwrap_or_default()
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_route_comes_from_the_file_or_lakala_micropay_route_and_defaults_to_dcp() {
    let dir = tempfile::tempdir().unwrap();
    let none = |_: &str| None;
    let plain = config_file(dir.path(), None);
    let config = Config::from_file_and_env(Some(&plain), none).unwrap();
    assert_eq!(config.micropay_route, MicropayRoute::Dcp);

    let file = config_file(dir.path(), Some("labs"));
    let config = Config::from_file_and_env(Some(&file), none).unwrap();
    assert_eq!(config.micropay_route, MicropayRoute::Labs);

    let env = |k: &str| (k == "LAKALA_MICROPAY_ROUTE").then(|| "dcp".to_owned());
    let config = Config::from_file_and_env(Some(&file), env).unwrap();
    assert_eq!(config.micropay_route, MicropayRoute::Dcp);

    let bad = config_file(dir.path(), Some("LABS "));
    let err = Config::from_file_and_env(Some(&bad), none).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                name: "open_platform.micropay_route",
                ..
            }
        ),
        "{err}"
    );
}
