//! Rules relating several fields, aliases, `null`s and unknown fields, and masking.

use lakala_types::crossborder::{AuthRequest, AuthResponse, BizType, CertType, RetCode};
use lakala_types::micropay::{
    AccRespFields, LocationInfo, MicropayRequest, MicropayResponse, RefundRequest,
    TradeQueryResponse, TradeState, V3Code, V3Response,
};
use lakala_types::preauth::{AccountType, PreOrderRequest, TransType};
use lakala_types::validation::Broken;
use lakala_types::{parse, parse_strict, Amount, ParseError, Validate};

fn auth(biz: BizType) -> lakala_types::crossborder::AuthRequestBuilder {
    AuthRequest::builder()
        .order_no("ORDER0001")
        .biz_type(biz)
        .name("蒋志飞")
        .cert_no("32112319900101111X")
        .cert_type(CertType::IdCard)
}

#[test]
fn bank_card_and_mobile_by_biz_type() {
    assert!(auth(BizType::Identity).build().is_ok());
    let e = auth(BizType::BankCard3).build().unwrap_err();
    assert_eq!(e.fields(), ["bankCardNo"]);
    assert_eq!(
        e.0[0].broken,
        Broken::MissingWhen("when bizType is 01 or 02")
    );
    assert!(auth(BizType::BankCard3)
        .bank_card_no("6222020000000000000")
        .build()
        .is_ok());
    let e = auth(BizType::BankCard4).build().unwrap_err();
    assert_eq!(e.fields(), ["bankCardNo", "bankMobile"]);
    let e = auth(BizType::BankCard4)
        .bank_card_no("6222020000000000000")
        .build()
        .unwrap_err();
    assert_eq!(e.fields(), ["bankMobile"]);
}

fn pre_order(
    account: AccountType,
    trans: TransType,
) -> lakala_types::preauth::PreOrderRequestBuilder {
    PreOrderRequest::builder()
        .mer_id("822162070120015")
        .term_id("47827142")
        .account_type(account)
        .trans_type(trans)
        .amount(Amount::from_fen(1).unwrap())
        .mer_req_sno("2020072915yhl1422")
        .subject("测试专用")
}

#[test]
fn wechat_jsapi_and_mini_program_need_app_id_and_open_id() {
    for trans in [TransType::Jsapi, TransType::MiniProgram] {
        let e = pre_order(AccountType::Wechat, trans.clone())
            .build()
            .unwrap_err();
        assert_eq!(e.fields(), ["appId", "openId"], "{trans}");
        let e = pre_order(AccountType::Wechat, trans.clone())
            .app_id("")
            .open_id("o")
            .build()
            .unwrap_err();
        assert_eq!(e.fields(), ["appId"], "{trans}");
        let ok = pre_order(AccountType::Wechat, trans)
            .app_id("wx9ef39b708f16694d")
            .open_id("olpr-0pHIp1AjaAr29LENlHi0cJ0")
            .build();
        assert!(ok.is_ok());
    }
    assert!(pre_order(AccountType::Wechat, TransType::Native)
        .build()
        .is_ok());
    assert!(pre_order(AccountType::Alipay, TransType::Jsapi)
        .build()
        .is_ok());
}

#[test]
fn location_info_needs_one_of_three() {
    let e = LocationInfo::builder().build().unwrap_err();
    assert_eq!(
        e.0[0].broken,
        Broken::Conflict("one of request_ip, base_station, location is required")
    );
    assert!(LocationInfo::builder()
        .base_station("460,0,1234,5678")
        .build()
        .is_ok());
    assert!(LocationInfo::builder()
        .location("+37.123456789,-121.123456789")
        .build()
        .is_ok());
    let e = MicropayRequest::builder()
        .merchant_no("M")
        .term_no("T")
        .out_trade_no("O")
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(1).unwrap())
        .location_info(LocationInfo::default())
        .build()
        .unwrap_err();
    assert_eq!(e.fields(), ["location_info"]);
}

#[test]
fn refund_needs_an_origin() {
    let base = || {
        RefundRequest::builder()
            .merchant_no("M")
            .term_no("T")
            .out_trade_no("R1")
            .refund_amount(Amount::from_fen(1).unwrap())
            .location_info(
                LocationInfo::builder()
                    .request_ip("10.0.0.1")
                    .build()
                    .unwrap(),
            )
    };
    assert_eq!(
        base().build().unwrap_err().fields(),
        ["origin_out_trade_no"]
    );
    assert!(base().origin_log_no("66210311234567").build().is_ok());
}

#[test]
fn parsing_reports_every_violation_at_once() {
    let json = r#"{"orderNo":"A-1","bizType":"02","name":"John1","certNo":"1","certType":"09"}"#;
    let parsed = parse::<AuthRequest>(json).unwrap();
    let fields: Vec<_> = parsed.violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        ["orderNo", "name", "certType", "bankCardNo", "bankMobile"]
    );
    match parse_strict::<AuthRequest>(json) {
        Err(ParseError::Invalid(e)) => assert_eq!(e.0.len(), 5),
        other => panic!("{other:?}"),
    }
    // No violation message repeats a value.
    for v in &parsed.violations {
        assert!(!v.to_string().contains("John1"));
    }
}

#[test]
fn nulls_unknown_codes_and_extra_fields_are_tolerated() {
    let json = r#"{"retCode":"9010","retMsg":"新错误","orderNo":null,"bankCardNo":null,"newField":{"x":1}}"#;
    let response: AuthResponse = serde_json::from_str(json).unwrap();
    assert_eq!(response.ret_code(), Some(&RetCode::Other("9010".into())));
    assert_eq!(response.order_no(), None);
    assert_eq!(response.extra()["newField"]["x"], 1);
    assert!(response.validate().is_ok());
    let written = serde_json::to_string(&response).unwrap();
    assert!(written.contains("newField"));

    let json = r#"{"trade_state":"REFUNDING","total_amount":"1"}"#;
    let query: TradeQueryResponse = serde_json::from_str(json).unwrap();
    assert_eq!(
        query.trade_state(),
        Some(&TradeState::Other("REFUNDING".into()))
    );
    let code: V3Code = serde_json::from_str(r#""DCP99999""#).unwrap();
    assert_eq!(code, V3Code::Other("DCP99999".into()));
}

#[test]
fn both_settle_amount_spellings() {
    for key in ["acc_settle_amount", "acc_settel_amount"] {
        let json = format!(r#"{{"{key}":"100","need_query":"0"}}"#);
        let response: MicropayResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(response.acc_settle_amount().unwrap().fen(), 100, "{key}");
        let written = serde_json::to_string(&response).unwrap();
        assert!(written.contains(r#""acc_settle_amount":"100""#));
    }
}

#[test]
fn wechat_response_fields_are_recognised() {
    let json = r#"{"code":"DCP00000","msg":"成功","resp_time":"20220228111212","resp_data":{
        "need_query":"0","acc_resp_fields":{"user_id":null,"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "sub_openid":null,"promotion_detail":"{\"promotion_detail\":[{\"promotion_id\":\"1\"}]}"}}}"#;
    let response: V3Response<MicropayResponse> = serde_json::from_str(json).unwrap();
    let data = response.resp_data().unwrap();
    let Some(AccRespFields::Wechat(fields)) = data.acc_resp_fields() else {
        panic!("WeChat fields expected");
    };
    assert_eq!(
        fields.openid().unwrap().expose(),
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    );
    let promotion = fields.promotion_detail().unwrap().value();
    assert_eq!(promotion["promotion_detail"][0]["promotion_id"], "1");
    assert!(!format!("{fields:?}").contains("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"));
}

#[test]
fn debug_never_shows_personal_data() {
    let request = auth(BizType::BankCard4)
        .bank_card_no("6222020000000001111")
        .bank_mobile("13812345678")
        .build()
        .unwrap();
    let debug = format!("{request:?}");
    for raw in [
        "蒋志飞",
        "32112319900101111X",
        "6222020000000001111",
        "13812345678",
    ] {
        assert!(!debug.contains(raw), "{raw} in {debug}");
    }
    assert!(debug.contains("\"蒋**\""), "{debug}");
    assert!(debug.contains("\"3211**********111X\""), "{debug}");

    let pre_order = pre_order(AccountType::Wechat, TransType::Jsapi)
        .app_id("wx9ef39b708f16694d")
        .open_id("olpr-0pHIp1AjaAr29LENlHi0cJ0")
        .build()
        .unwrap();
    assert!(!format!("{pre_order:?}").contains("olpr-0pHIp1AjaAr29LENlHi0cJ0"));

    let micropay = MicropayRequest::builder()
        .merchant_no("M")
        .term_no("T")
        .out_trade_no("O")
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(1).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("10.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    assert!(!format!("{micropay:?}").contains("288576824003652810"));
    // The wire still carries the real values.
    assert!(serde_json::to_string(&micropay)
        .unwrap()
        .contains("288576824003652810"));
}
