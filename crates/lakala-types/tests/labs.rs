//! The labs family (`lakala_types::labs`): pre-orders per combination, the labs micropay,
//! idmrefund; what is built round-trips, what breaks a combination's rules is refused
//! before sending, hostile answers become named violations or typed errors.

use lakala_types::labs::{
    AlipayPreorderFields, IdentityInfo, IdmRefundRequest, IdmRefundResponse, LabsMicropayFields,
    LabsMicropayRequest, PaymentRequestError, PaymentRequestForCustomer, PreorderBusiFields,
    PreorderKind, PreorderRequest, PreorderResponse, PreorderScenario, ScanType,
    UnionPayPreorderFields, WechatPreorderFields,
};
use lakala_types::micropay::{
    LocationInfo, MicropayRequest, RefundState, V3Code, V3Request, V3Response,
};
use lakala_types::preauth::{AccountType, TransType};
use lakala_types::timestamp::DateTime14;
use lakala_types::{parse, Amount, JsonString, Validate};
use proptest::prelude::*;

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("10.176.1.192")
        .build()
        .unwrap()
}

fn preorder(scenario: PreorderScenario) -> lakala_types::labs::PreorderRequestBuilder {
    PreorderRequest::builder()
        .merchant_no("8222900701107M5")
        .term_no("A1234567")
        .out_trade_no("PRE20240102030405")
        .total_amount(Amount::from_fen(1).unwrap())
        .location_info(location())
        .subject("一杯咖啡")
        .notify_url("https://shop.example/notify")
        .scenario(scenario)
}

fn scenario_of(kind: PreorderKind) -> PreorderScenario {
    match kind {
        PreorderKind::WechatJsapi => {
            PreorderScenario::wechat_jsapi("wx1234567890abcdef", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
                .unwrap()
        }
        PreorderKind::WechatMiniProgram => PreorderScenario::wechat_mini_program(
            "wx1234567890abcdef",
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        )
        .unwrap(),
        PreorderKind::AlipayNative => PreorderScenario::alipay_native(),
        PreorderKind::AlipayJsapi => PreorderScenario::alipay_jsapi("2088102146225135").unwrap(),
        PreorderKind::UnionPayNative => PreorderScenario::unionpay_native(),
        PreorderKind::UnionPayJsapi => PreorderScenario::unionpay_jsapi(),
        other => panic!("unmodelled kind {other:?}"),
    }
}

#[test]
fn every_kind_builds_writes_its_wire_values_and_parses_back() {
    for kind in PreorderKind::ALL {
        let request = preorder(scenario_of(kind)).build().unwrap();
        assert_eq!(request.kind(), Some(kind));
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["account_type"], kind.account_type().as_str());
        assert_eq!(json["trans_type"], kind.trans_type().as_str());
        let back: PreorderRequest = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, request);
        back.validate().unwrap();
        // NATIVE sends no empty acc_busi_fields object.
        assert_eq!(
            json.get("acc_busi_fields").is_none(),
            kind.is_native() || kind == PreorderKind::UnionPayJsapi
        );
    }
}

#[test]
fn wrong_fields_for_a_combination_are_refused_before_sending() {
    // WeChat without the payer's openid.
    let fields = WechatPreorderFields::builder()
        .sub_appid("wx1")
        .build()
        .unwrap();
    let err = preorder(PreorderScenario::WechatJsapi(fields))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["acc_busi_fields.user_id"]);
    // WeChat without a subject.
    let err = PreorderRequest::builder()
        .merchant_no("M")
        .term_no("T")
        .out_trade_no("O")
        .total_amount(Amount::from_fen(5).unwrap())
        .location_info(location())
        .scenario(scenario_of(PreorderKind::WechatMiniProgram))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["subject"]);
    // Alipay NATIVE with a buyer id.
    let fields = AlipayPreorderFields::builder()
        .user_id("2088102146225135")
        .build()
        .unwrap();
    let err = preorder(PreorderScenario::AlipayNative(fields))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["acc_busi_fields.user_id"]);
    // Alipay JSAPI without one.
    let err = preorder(PreorderScenario::AlipayJsapi(
        AlipayPreorderFields::default(),
    ))
    .build()
    .unwrap_err();
    assert_eq!(err.fields(), ["acc_busi_fields.user_id"]);
    // UnionPay NATIVE with the JS payment's front URL.
    let fields = UnionPayPreorderFields::builder()
        .front_url("https://shop.example/back")
        .build()
        .unwrap();
    let err = preorder(PreorderScenario::UnionPayNative(fields))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["acc_busi_fields.front_url"]);
    // UnionPay front_fail_url without front_url.
    assert!(UnionPayPreorderFields::builder()
        .front_fail_url("https://x/f")
        .build()
        .is_err());
    // Zero amount, a 43-character subject.
    let err = preorder(PreorderScenario::alipay_native())
        .total_amount(Amount::from_fen(0).unwrap())
        .subject("字".repeat(43))
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["total_amount", "subject"]);
}

#[test]
fn parsed_requests_with_foreign_fields_or_unmodelled_combinations_are_flagged() {
    let base = r#""merchant_no":"M","term_no":"T","out_trade_no":"O","total_amount":"1","subject":"s","location_info":{"request_ip":"1.2.3.4"}"#;
    // WeChat NATIVE does not exist on this route.
    let text = format!(r#"{{{base},"account_type":"WECHAT","trans_type":"41"}}"#);
    let parsed = parse::<PreorderRequest>(&text).unwrap();
    assert_eq!(parsed.value.kind(), None);
    assert!(parsed.violations.iter().any(|v| v.field == "trans_type"));
    // An unknown wallet keeps its fields, unshown in Debug.
    let text = format!(
        r#"{{{base},"account_type":"BESTPAY","trans_type":"51","acc_busi_fields":{{"user_id":"13800001111"}}}}"#
    );
    let parsed = parse::<PreorderRequest>(&text).unwrap();
    assert!(matches!(
        parsed.value.acc_busi_fields(),
        Some(PreorderBusiFields::Unmodelled(_))
    ));
    assert!(!format!("{:?}", parsed.value).contains("13800001111"));
    let again = serde_json::to_value(&parsed.value).unwrap();
    assert_eq!(again["acc_busi_fields"]["user_id"], "13800001111");
    // acc_busi_fields of the wrong JSON type is a parse error naming nothing silently.
    let text =
        format!(r#"{{{base},"account_type":"ALIPAY","trans_type":"41","acc_busi_fields":"x"}}"#);
    assert!(serde_json::from_str::<PreorderRequest>(&text).is_err());
}

#[test]
fn personal_data_is_masked_in_debug() {
    let identity = IdentityInfo::builder()
        .identity_no("32000000000000000X")
        .name("张三丰")
        .build()
        .unwrap();
    let request = preorder(scenario_of(PreorderKind::WechatJsapi))
        .identity_info(JsonString::new(identity).unwrap())
        .build()
        .unwrap();
    assert!(request.needs_encryption());
    let shown = format!("{request:?}");
    for secret in [
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "32000000000000000X",
        "张三丰",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let body = serde_json::to_string(&request).unwrap();
    assert!(
        body.contains(r#""identity_info":"{\"identityNo\":\"32000000000000000X\""#),
        "{body}"
    );
}

#[test]
fn preorder_answers_are_read_by_the_requests_kind() {
    let text = r#"{"code":"BBS00000","msg":"成功","resp_time":"20240102030405","resp_data":{
        "merchant_no":"8222900701107M5","out_trade_no":"PRE1","trade_no":"20240102110113130266250000001",
        "log_no":"66250000001","acc_resp_fields":{"code":"https://qr.alipay.com/bax03431","code_image":""},
        "surprise":{"kept":true}}}"#;
    let parsed = parse::<V3Response<PreorderResponse>>(text).unwrap();
    assert!(parsed.violations.is_empty(), "{:?}", parsed.violations);
    assert_eq!(parsed.value.code(), Some(&V3Code::Found));
    let data = parsed.value.resp_data().unwrap();
    assert_eq!(data.extra()["surprise"]["kept"], true);
    let shown = format!("{data:?}");
    assert!(
        shown.contains("\"code\"") && !shown.contains("bax03431"),
        "{shown}"
    );
    let pay = data.payment_request(PreorderKind::AlipayNative).unwrap();
    assert_eq!(pay.qr_text(), Some("https://qr.alipay.com/bax03431"));
    assert!(matches!(pay, PaymentRequestForCustomer::QrCode(ref q) if q.code_image().is_none()));
    // The same answer read for a WeChat request names the first missing field.
    assert_eq!(
        data.payment_request(PreorderKind::WechatJsapi).unwrap_err(),
        PaymentRequestError::MissingField {
            field: "acc_resp_fields.app_id",
            kind: "wechat_jsapi"
        }
    );
    // Missing required answer fields are named.
    let parsed = parse::<V3Response<PreorderResponse>>(
        r#"{"code":"BBS00000","msg":"ok","resp_data":{"out_trade_no":"PRE1"}}"#,
    )
    .unwrap();
    let fields: Vec<_> = parsed.violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "resp_data.merchant_no",
            "resp_data.trade_no",
            "resp_data.acc_resp_fields"
        ]
    );
}

fn dcp_micropay(subject: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no("822290059430BCP")
        .term_no("A9225277")
        .out_trade_no("LABS20240102030405")
        .auth_code("134567890123456789")
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(location())
        .subject(subject)
        .build()
        .unwrap()
}

#[test]
fn the_labs_micropay_is_the_dcp_request_plus_its_own_fields() {
    let plain = LabsMicropayRequest::from_micropay(dcp_micropay("测试")).unwrap();
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        serde_json::to_value(dcp_micropay("测试")).unwrap(),
        "with no labs field the body is the dcp body"
    );
    let labs = LabsMicropayFields::builder()
        .busi_mode("ACQ")
        .scan_type(ScanType::Code)
        .build()
        .unwrap();
    let request = LabsMicropayRequest::new(dcp_micropay("测试"), labs).unwrap();
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(json["busi_mode"], "ACQ");
    assert_eq!(json["scan_type"], "0");
    assert_eq!(json["auth_code"], "134567890123456789");
    let back: LabsMicropayRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back, request);
    assert!(
        back.micropay().extra().is_empty(),
        "labs keys do not leak into the dcp part"
    );
    assert!(!format!("{request:?}").contains("134567890123456789"));
    // The labs table's 42-character subject.
    let err = LabsMicropayRequest::from_micropay(dcp_micropay(&"a".repeat(43))).unwrap_err();
    assert_eq!(err.fields(), ["subject"]);
    // In the envelope.
    let envelope = V3Request::new(DateTime14::parse("20240102030405").unwrap(), request).unwrap();
    assert!(serde_json::to_string(&envelope)
        .unwrap()
        .contains(r#""version":"3.0""#));
}

#[test]
fn idmrefund_needs_an_origin_and_money_and_answers_refund_states() {
    let err = IdmRefundRequest::builder()
        .merchant_no("M")
        .term_no("T")
        .out_refund_order_no("RF1")
        .refund_amount(Amount::from_fen(0).unwrap())
        .location_info(location())
        .build()
        .unwrap_err();
    assert_eq!(err.fields(), ["refund_amount", "origin_out_trade_no"]);
    let ok = IdmRefundRequest::builder()
        .merchant_no("M")
        .term_no("T")
        .out_refund_order_no("RF1")
        .refund_amount(Amount::from_fen(100).unwrap())
        .origin_trade_no("20240102110113130266250000001")
        .location_info(location())
        .build()
        .unwrap();
    let back: IdmRefundRequest =
        serde_json::from_str(&serde_json::to_string(&ok).unwrap()).unwrap();
    assert_eq!(back, ok);
    let answer = r#"{"code":"BBS00000","msg":"成功","resp_data":{"out_refund_order_no":"RF1","trade_state":"DEAL","refund_amount":"100"}}"#;
    let parsed = parse::<V3Response<IdmRefundResponse>>(answer).unwrap();
    assert!(parsed.violations.is_empty(), "{:?}", parsed.violations);
    assert_eq!(
        parsed.value.resp_data().unwrap().trade_state(),
        Some(&RefundState::Deal)
    );
    let missing =
        parse::<V3Response<IdmRefundResponse>>(r#"{"code":"BBS00000","msg":"ok","resp_data":{}}"#)
            .unwrap();
    assert_eq!(missing.violations[0].field, "resp_data.trade_state");
}

fn kind() -> impl Strategy<Value = PreorderKind> {
    prop::sample::select(PreorderKind::ALL.to_vec())
}

proptest! {
    /// Any built pre-order survives serialize → parse unchanged and still validates.
    #[test]
    fn built_preorders_round_trip(
        kind in kind(),
        out in "[A-Za-z0-9]{1,32}",
        fen in 1u64..1_000_000_000,
        subject in "[a-z一-龥 ]{1,42}",
        timeout in proptest::option::of(1u32..=99),
        remark in proptest::option::of("[a-z0-9一-龥]{0,40}"),
    ) {
        let mut scenario = scenario_of(kind);
        if let Some(minutes) = timeout {
            scenario = match scenario {
                PreorderScenario::AlipayNative(_) => PreorderScenario::AlipayNative(
                    AlipayPreorderFields::builder().timeout_express(minutes.to_string()).build().unwrap()),
                other => other,
            };
        }
        let mut builder = preorder(scenario).out_trade_no(out).total_amount(Amount::from_fen(fen).unwrap()).subject(subject);
        if let Some(remark) = remark { builder = builder.remark(remark); }
        let request = builder.build().unwrap();
        let text = serde_json::to_string(&request).unwrap();
        let back: PreorderRequest = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &request);
        prop_assert!(back.validate().is_ok());
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), text);
        if kind == PreorderKind::AlipayNative {
            prop_assert_eq!(back.timeout_minutes(), timeout);
            prop_assert_eq!(back.validity_minutes(), timeout.unwrap_or(lakala_types::labs::PREORDER_DEFAULT_TIMEOUT_MINUTES));
        }
    }

    /// Arbitrary JSON never panics the parsers or the answer reader.
    #[test]
    fn hostile_json_never_panics(
        keys in prop::collection::vec(prop::sample::select(vec![
            "account_type", "trans_type", "acc_busi_fields", "acc_resp_fields", "code", "user_id",
            "total_amount", "identity_info", "busi_mode", "scan_type", "trade_state", "pay_sign"]), 0..8),
        values in prop::collection::vec(prop_oneof![
            Just(serde_json::json!(null)), Just(serde_json::json!(7)), Just(serde_json::json!("WECHAT")),
            Just(serde_json::json!("51")), Just(serde_json::json!({"user_id": 1})), Just(serde_json::json!([]))], 8),
    ) {
        let object: serde_json::Map<_, _> = keys.iter().zip(values).map(|(k, v)| (k.to_string(), v)).collect();
        let text = serde_json::Value::Object(object.clone()).to_string();
        let _ = parse::<PreorderRequest>(&text);
        let _ = parse::<LabsMicropayRequest>(&text);
        let _ = parse::<IdmRefundRequest>(&text);
        if let Ok(parsed) = parse::<PreorderResponse>(&text) {
            for kind in PreorderKind::ALL {
                let _ = parsed.value.payment_request(kind);
            }
        }
        let _ = AccountType::from("x");
        let _ = TransType::from("x");
    }
}
