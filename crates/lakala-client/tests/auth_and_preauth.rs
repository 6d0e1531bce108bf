//! gate/auth and the v2 pre-order against a scripted platform doing real cryptography.

mod support;

use lakala_client::{AuthOutcome, ClientError, PreOrderOutcome};
use lakala_crypto::{CryptoError, MacKind};
use lakala_types::crossborder::{AuthRequest, BizType, CertType, RetCode};
use lakala_types::preauth::{AccountType, PaymentData, PreOrderRequest, TransType};
use lakala_types::Amount;
use serde_json::json;
use support::{harness, Reply};

fn auth_request(biz: BizType) -> AuthRequest {
    let mut b = AuthRequest::builder()
        .order_no("ORDER1")
        .biz_type(biz.clone())
        .name("张三")
        .cert_no("11010519491231002X")
        .cert_type(CertType::IdCard);
    if matches!(biz, BizType::BankCard3 | BizType::BankCard4) {
        b = b.bank_card_no("6222020200112233445");
    }
    if matches!(biz, BizType::BankCard4) {
        b = b.bank_mobile("13800138000");
    }
    b.build().unwrap()
}

#[tokio::test]
async fn auth_verified_echoes_the_fields() {
    let h = harness();
    h.platform.push("/gate/auth", Reply::Json(json!({"retCode": "0000", "retMsg": "成功",
        "biz": {"orderNo": "ORDER1", "bizType": "00", "name": "张三", "certNo": "11010519491231002X",
                "certType": "00", "retCode": "0000", "retMsg": "认证成功"}})));
    let answer = h
        .client
        .auth(&auth_request(BizType::Identity))
        .await
        .unwrap();
    let AuthOutcome::Verified(r) = &answer.value else {
        panic!("{:?}", answer.value)
    };
    assert_eq!(r.order_no(), Some("ORDER1"));
    assert!(answer.violations.is_empty(), "{:?}", answer.violations);
    assert_eq!(answer.json()["encData"]["retMsg"], "认证成功");
    // The platform received the decrypted business JSON the types wrote.
    let seen = &h.platform.seen("/gate/auth")[0].json;
    assert_eq!(seen["name"], "张三");
    assert_eq!(seen["bizType"], "00");
    // Debug shows neither the name nor the ID number.
    let printed = format!("{answer:?}");
    assert!(
        !printed.contains("张三") && !printed.contains("11010519491231002X"),
        "{printed}"
    );
}

#[tokio::test]
async fn every_ret_code_of_the_table_is_a_typed_outcome() {
    let table = [
        ("9001", RetCode::InfoMismatch),
        ("9002", RetCode::InternalError),
        ("9003", RetCode::OrderMismatch),
        ("9004", RetCode::DuplicateOrder),
        ("9005", RetCode::OrderExpired),
        ("9006", RetCode::TypeNotConfigured),
        ("9007", RetCode::Inconsistent),
        ("9999", RetCode::SystemError),
        ("8888", RetCode::Other("8888".into())),
    ];
    for (code, expected) in table {
        let h = harness();
        // Business code inside encData ...
        h.platform.push(
            "/gate/auth",
            Reply::Json(json!({"retCode": "0000", "retMsg": "成功",
            "biz": {"orderNo": "ORDER1", "retCode": code, "retMsg": "失败"}})),
        );
        let answer = h
            .client
            .auth(&auth_request(BizType::BankCard4))
            .await
            .unwrap();
        // Verdicts on the order are refusals; codes that decided nothing (9002, 9007,
        // 9999, unlisted) say "try again", never "refused".
        if expected.is_transient() {
            assert!(
                matches!(&answer.value, AuthOutcome::TryAgain { code: c, .. } if *c == expected),
                "{code}: {:?}",
                answer.value
            );
            assert_eq!(answer.value.word(), "try_again");
        } else {
            assert!(
                matches!(&answer.value, AuthOutcome::Refused { code: c, .. } if *c == expected),
                "{code}: {:?}",
                answer.value
            );
        }
        // ... or only on the envelope.
        h.platform.push(
            "/gate/auth",
            Reply::Json(json!({"retCode": code, "retMsg": "失败"})),
        );
        let answer = h
            .client
            .auth(&auth_request(BizType::BankCard3))
            .await
            .unwrap();
        assert_eq!(answer.value.code(), expected, "{code}");
    }
}

#[tokio::test]
async fn auth_answers_that_cannot_be_trusted() {
    let h = harness();
    h.platform.push(
        "/gate/auth",
        Reply::Tampered(json!({"retCode": "9001", "retMsg": "信息不符"})),
    );
    let err = h
        .client
        .auth(&auth_request(BizType::Identity))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Verification(CryptoError::MacMismatch {
                kind: MacKind::Response
            })
        ),
        "{err:?}"
    );

    h.platform.push(
        "/gate/auth",
        Reply::Unsigned(json!({"retCode": "9999", "retMsg": "系统异常"})),
    );
    let err = h
        .client
        .auth(&auth_request(BizType::Identity))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::UnsignedAnswer { ret_code, .. } if ret_code == "9999"),
        "{err:?}"
    );

    h.platform.push("/gate/auth", Reply::Status(503));
    let err = h
        .client
        .auth(&auth_request(BizType::Identity))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ClientError::Transport(lakala_transport::TransportError::Status { status: 503, .. })
    ));
}

#[tokio::test]
async fn auth_refuses_a_request_missing_its_conditional_fields() {
    let h = harness();
    let bad = AuthRequest::builder()
        .order_no("ORDER1")
        .biz_type(BizType::BankCard4)
        .name("张三")
        .cert_no("11010519491231002X")
        .cert_type(CertType::IdCard)
        .build();
    assert!(
        bad.is_err(),
        "bankCardNo and bankMobile are required for bizType 02"
    );
    assert!(h.platform.seen("/gate/auth").is_empty());
}

fn pre_order(trans: TransType, account: AccountType) -> PreOrderRequest {
    let mut b = PreOrderRequest::builder()
        .mer_id("822100050210643")
        .term_id("47846848")
        .account_type(account.clone())
        .trans_type(trans.clone())
        .amount(Amount::from_fen(1).unwrap())
        .mer_req_sno("20200728165211")
        .subject("测试专用");
    if trans == TransType::Jsapi && account == AccountType::Wechat {
        b = b
            .app_id("wx9ef39b708f16694d")
            .open_id("olpr-0pHIp1AjaAr29LENlHi0cJ0");
    }
    b.build().unwrap()
}

#[tokio::test]
async fn pre_order_native_returns_the_qr_code() {
    let h = harness();
    h.platform.push(
        "/api/v2/labs/txn/preAuth/preAuthPreOrder",
        Reply::Json(json!({
        "retCode": "000000", "retMsg": "交易成功", "timestamp": 1596006044804u64, "ver": "1.0.0",
        "reqId": "baff59de4694438ca9089862253517a5",
        "respData": {"tradeTime": "20200729150043", "merReqSno": "20200728165211",
            "lklOrderNo": "20200729110113200266211202870109", "logNo": "66211202870109",
            "code": "https://qr.alipay.com/bax01969llc2hqjjifvm50ff"}})),
    );
    let answer = h
        .client
        .preauth_pre_order(pre_order(TransType::Native, AccountType::Alipay), None)
        .await
        .unwrap();
    let PreOrderOutcome::Created {
        payment: PaymentData::Native(native),
        ..
    } = &answer.value
    else {
        panic!("{:?}", answer.value)
    };
    assert_eq!(
        native.code(),
        Some("https://qr.alipay.com/bax01969llc2hqjjifvm50ff")
    );
    let sent = &h.platform.seen("/api/v2/labs/txn/preAuth/preAuthPreOrder")[0].json;
    assert_eq!(sent["ver"], "1.0.0");
    assert_eq!(sent["reqId"].as_str().unwrap().len(), 32);
    assert_eq!(sent["reqData"]["transType"], "41");
}

#[tokio::test]
async fn pre_order_jsapi_and_declines() {
    let h = harness();
    h.platform.push("/api/v2/labs/txn/preAuth/preAuthPreOrder", Reply::Json(json!({
        "retCode": "000000", "retMsg": "交易成功", "respData": {"tradeTime": "20200729153540",
        "merReqSno": "20200728165211", "lklOrderNo": "20200729110113100266211202870161",
        "logNo": "66211202870161", "appId": "wx2421b1c4370ec43b", "timeStamp": "1596008125",
        "nonceStr": "20ee06fc255a4606942470808e015112", "package": "prepay_id=wx29153525159581b728038c9c1125323300",
        "signType": "RSA", "paySign": "c2ln"}})));
    let answer = h
        .client
        .preauth_pre_order(pre_order(TransType::Jsapi, AccountType::Wechat), None)
        .await
        .unwrap();
    assert!(
        matches!(
            &answer.value,
            PreOrderOutcome::Created {
                payment: PaymentData::WechatJsapi(_),
                ..
            }
        ),
        "{:?}",
        answer.value
    );

    h.platform.push("/api/v2/labs/txn/preAuth/preAuthPreOrder", Reply::Json(json!({
        "respData": null, "retCode": "BPS10028", "retMsg": "主扫支付失败(参数错误)", "ver": "1.0.0"})));
    let answer = h
        .client
        .preauth_pre_order(pre_order(TransType::Native, AccountType::Alipay), None)
        .await
        .unwrap();
    assert!(
        matches!(&answer.value, PreOrderOutcome::Declined { code, .. } if code.as_str() == "BPS10028")
    );

    // A genuine, signed success about another pre-order is not this one's answer.
    h.platform.push(
        "/api/v2/labs/txn/preAuth/preAuthPreOrder",
        Reply::Json(json!({
        "retCode": "000000", "retMsg": "交易成功", "respData": {"tradeTime": "20200729153540",
        "merReqSno": "2020072915yhl1422", "lklOrderNo": "20200729110113100266211202870161",
        "logNo": "66211202870161", "code": "https://qr.alipay.com/x"}})),
    );
    let err = h
        .client
        .preauth_pre_order(pre_order(TransType::Native, AccountType::Alipay), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::ForeignAnswer { field: "merReqSno", found: Some(f), .. } if f == "2020072915yhl1422"),
        "{err}"
    );
    assert!(err.may_have_been_executed());
}

#[tokio::test]
async fn refund_and_revoke_calls_are_signed_and_verified() {
    use lakala_types::micropay::{LocationInfo, RefundRequest, RevokeRequest};
    let h = harness();
    h.platform.push("/api/v3/labs/relation/refund", Reply::Json(json!({"code": "BBS00000", "msg": "成功",
        "resp_time": "20240929033128", "resp_data": {"out_trade_no": "RF1", "refund_amount": "50"}})));
    let refund = RefundRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("RF1")
        .refund_amount(Amount::from_fen(50).unwrap())
        .origin_out_trade_no("T1")
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    // BBS00000 without trade_state: accepted, not known to be done.
    let outcome = h.client.refund(refund).await.unwrap();
    assert_eq!(outcome.word(), "in_progress", "{outcome:?}");
    assert_eq!(
        h.platform.seen("/api/v3/labs/relation/refund")[0].json["req_data"]["refund_amount"],
        "50"
    );

    h.platform.push(
        "/api/v3/labs/relation/revoked",
        Reply::Tampered(json!({"code": "BBS00000", "msg": "成功"})),
    );
    let revoke = RevokeRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("RV1")
        .origin_out_trade_no("T1")
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    // A tampered answer proves nothing: the revoke may have run; settled by query.
    let outcome = h.client.revoke(revoke).await.unwrap();
    assert!(
        matches!(&outcome, lakala_client::RevokeOutcome::Unknown { code: None, message, .. }
            if message.contains("verification")),
        "{outcome:?}"
    );
}
