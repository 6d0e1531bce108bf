//! Every spec example in `fixtures/spec/` (made by `cargo xtask fixtures`) parses into its
//! type, serializes back to the same JSON, and breaks exactly the rules listed here.

use lakala_types::crossborder::{
    Notification, NotificationAnswer, RequestEnvelope, ResponseEnvelope,
};
use lakala_types::micropay::{MicropayRequest, MicropayResponse, V3Request, V3Response};
use lakala_types::preauth::{
    AccountType, PreOrderRequest, PreOrderResponse, TransType, V2Request, V2Response,
};
use lakala_types::{parse, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/spec")
}

fn read(file: &str) -> String {
    let path = fixture_dir().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The example files, as listed in the generated index.
fn index_files() -> Vec<String> {
    let index: Value = serde_json::from_str(&read("index.json")).expect("index.json is JSON");
    index["examples"]
        .as_array()
        .expect("examples array")
        .iter()
        .map(|e| e["file"].as_str().expect("file name").to_owned())
        .collect()
}

/// The example field names this crate reads as aliases and writes under the table's name.
const ALIASES: &[(&str, &str)] = &[
    ("mercId", "merId"),
    ("termNo", "termId"),
    ("payMode", "accountType"),
    ("orderId", "merReqSno"),
    ("lklOrderId", "lklOrderNo"),
    ("acc_settel_amount", "acc_settle_amount"),
];

/// `null` is the same as absent, and aliases are written under the table's name.
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                if v.is_null() {
                    continue;
                }
                let key = ALIASES
                    .iter()
                    .find(|(alias, _)| alias == key)
                    .map_or(key.as_str(), |(_, name)| name);
                out.insert(key.to_owned(), normalize(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// Parses `file` as `T`, checks the round trip, returns the violations as `field: rule`.
fn check<T: DeserializeOwned + Serialize + Validate>(file: &str) -> (T, Vec<String>) {
    let text = read(file);
    let parsed = parse::<T>(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let original: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let written = serde_json::to_value(&parsed.value).expect("serializes");
    assert_eq!(
        normalize(&written),
        normalize(&original),
        "{file}: round trip"
    );
    let reparsed: T = serde_json::from_value(written).expect("re-parses");
    assert_eq!(
        serde_json::to_value(&reparsed).unwrap(),
        serde_json::to_value(&parsed.value).unwrap(),
        "{file}: second round trip"
    );
    let violations = parsed.violations.iter().map(ToString::to_string).collect();
    (parsed.value, violations)
}

/// Every fixture's violations of the spec's rules, by file.
fn all_violations() -> Vec<(String, Vec<String>)> {
    let mut report = Vec::new();
    for file in index_files() {
        let violations = match file.as_str() {
            "crossborder-request.json" => check::<RequestEnvelope>(&file).1,
            "crossborder-response.json" => check::<ResponseEnvelope>(&file).1,
            "crossborder-notification.json" => check::<Notification>(&file).1,
            "crossborder-notification-answer.json" => check::<NotificationAnswer>(&file).1,
            f if f.starts_with("preauth-") && f.ends_with("-request.json") => {
                check::<V2Request<PreOrderRequest>>(&file).1
            }
            f if f.starts_with("preauth-") && f.ends_with("-response.json") => {
                let (response, mut violations) = check::<V2Response<PreOrderResponse>>(&file);
                // The payment data depends on the request's transType / payMode.
                let (trans, account) = if f.contains("native") {
                    (TransType::Native, AccountType::Alipay)
                } else {
                    (TransType::Jsapi, AccountType::Wechat)
                };
                if let Some(data) = response.resp_data() {
                    let payment = data.payment_data(&trans, &account).expect("payment data");
                    if let Err(errors) = payment.validate() {
                        violations.extend(errors.0.iter().map(|v| format!("respData.{v}")));
                    }
                }
                violations
            }
            f if f.starts_with("micropay-") && f.ends_with("-request.json") => {
                check::<V3Request<MicropayRequest>>(&file).1
            }
            f if f.starts_with("micropay-") && f.ends_with("-response.json") => {
                check::<V3Response<MicropayResponse>>(&file).1
            }
            other => panic!("no type for fixture {other}"),
        };
        if !violations.is_empty() {
            report.push((file, violations));
        }
    }
    report
}

#[test]
fn there_are_eighteen_examples() {
    let files = index_files();
    assert_eq!(files.len(), 18);
    for file in &files {
        assert!(
            fixture_dir().join(file).is_file(),
            "{file} listed but missing"
        );
    }
}

#[test]
fn every_example_round_trips_and_these_break_the_specs_rules() {
    let report = all_violations();
    let expected: Vec<(String, Vec<String>)> = vec![
        (
            "crossborder-notification-answer.json".into(),
            vec![
                "ts: length 18 breaks N20".into(),
                "reqType: required but missing".into(),
            ],
        ),
        (
            "preauth-native-response.json".into(),
            vec!["respData.logNo: required but missing".into()],
        ),
        (
            "preauth-jsapi-response.json".into(),
            vec![
                "respData.logNo: required but missing".into(),
                "respData.paySign: length 344 breaks String(256)".into(),
            ],
        ),
    ];
    assert_eq!(report, expected, "{report:#?}");
}

#[test]
fn examples_use_the_aliases() {
    let text = read("preauth-native-request.json");
    let request: V2Request<PreOrderRequest> = serde_json::from_str(&text).unwrap();
    let data = request.req_data().unwrap();
    assert_eq!(data.mer_id(), Some("822100050210643"));
    assert_eq!(data.term_id(), Some("47846848"));
    assert_eq!(data.account_type(), Some(&AccountType::Alipay));
    assert_eq!(data.mer_req_sno(), Some("20200728165211"));
    assert_eq!(data.amount().unwrap().fen(), 1);
    assert_eq!(data.extra()["spbillCreateIp"], "127.1.10");
    let written = serde_json::to_string(&request).unwrap();
    assert!(written.contains(r#""amount":"000000000001""#), "{written}");
    assert!(written.contains(r#""merId":"822100050210643""#));
    assert!(!written.contains("mercId"));

    let text = read("preauth-native-response.json");
    let response: V2Response<PreOrderResponse> = serde_json::from_str(&text).unwrap();
    let data = response.resp_data().unwrap();
    assert_eq!(
        data.lkl_order_no(),
        Some("20200729110113200266211202870109")
    );
    assert_eq!(data.mer_req_sno(), Some("20200728165211"));
    assert_eq!(response.extra()["cmdRetCode"], "GLOBAL_SUCCESS");
    assert!(response.timestamp().unwrap().is_json_number());
}

#[test]
fn micropay_examples_type_the_json_strings() {
    use lakala_types::micropay::{AccBusiFields, AccRespFields};
    let text = read("micropay-example3-response.json");
    let response: V3Response<MicropayResponse> = serde_json::from_str(&text).unwrap();
    let data = response.resp_data().unwrap();
    assert_eq!(data.acc_settle_amount().unwrap().fen(), 500);
    let Some(AccRespFields::Alipay(fields)) = data.acc_resp_fields() else {
        panic!("Alipay fields expected");
    };
    let vouchers = fields.voucher_detail_list().unwrap().value();
    assert_eq!(vouchers[0].amount().unwrap().fen(), 600);
    assert_eq!(vouchers[0].purchase_buyer_contribute().unwrap().fen(), 500);
    let bills = fields.fund_bill_list().unwrap().value();
    assert_eq!(bills[1].fund_channel(), Some("ALIPAYACCOUNT"));
    assert!(fields.extra().contains_key("up_coupon_info"));

    let text = read("micropay-example3-request.json");
    let request: V3Request<MicropayRequest> = serde_json::from_str(&text).unwrap();
    let Some(AccBusiFields::Alipay(busi)) = request.req_data().unwrap().acc_busi_fields() else {
        panic!("Alipay busi fields expected");
    };
    let goods = busi.goods_detail().unwrap().value();
    assert_eq!(goods[0].goods_name(), Some("秘制豆浆(热)"));
    assert_eq!(goods[0].price().unwrap().fen(), 600);
    assert_eq!(busi.alipay_store_id(), Some("2909"));
}

#[test]
fn payment_data_is_matched_by_trans_type_and_pay_mode() {
    use lakala_types::preauth::PaymentData;
    let text = read("preauth-jsapi-response.json");
    let response: V2Response<PreOrderResponse> = serde_json::from_str(&text).unwrap();
    let data = response.resp_data().unwrap();
    match data
        .payment_data(&TransType::Jsapi, &AccountType::Wechat)
        .unwrap()
    {
        PaymentData::WechatJsapi(params) => {
            assert_eq!(
                params.package(),
                Some("prepay_id=wx29153525159581b728038c9c1125323300")
            );
            assert_eq!(params.app_id(), Some("wx2421b1c4370ec43b"));
            assert_eq!(params.sign_type(), Some("RSA"));
        }
        other => panic!("{other:?}"),
    }
    let text = read("preauth-native-response.json");
    let response: V2Response<PreOrderResponse> = serde_json::from_str(&text).unwrap();
    let data = response.resp_data().unwrap();
    match data
        .payment_data(&TransType::Native, &AccountType::Alipay)
        .unwrap()
    {
        PaymentData::Native(params) => {
            assert_eq!(
                params.code(),
                Some("https://qr.alipay.com/bax01969llc2hqjjifvm50ff")
            );
        }
        other => panic!("{other:?}"),
    }
    let unlisted = data
        .payment_data(&TransType::Jsapi, &AccountType::BestPay)
        .unwrap();
    assert_eq!(unlisted, PaymentData::Unlisted);

    let failure: V2Response<PreOrderResponse> =
        serde_json::from_str(&read("preauth-jsapi-failure-response.json")).unwrap();
    assert!(failure.resp_data().is_none());
    assert_eq!(failure.ret_code().unwrap().as_str(), "BPS10028");
    assert!(!failure.ret_code().unwrap().is_success());
}
