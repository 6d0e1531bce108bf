//! Each rule fed a value just inside and just outside its limit.

use lakala_types::crossborder::{
    AuthRequest, AuthRequestBuilder, BizType, CertType, RequestEnvelope,
};
use lakala_types::micropay::{
    AlipayGoods, ExtendParams, LocationInfo, MicropayRequest, MicropayRequestBuilder, WechatGoods,
};
use lakala_types::preauth::{AccountType, PreOrderRequest, PreOrderRequestBuilder, TransType};
use lakala_types::timestamp::CrossBorderTs;
use lakala_types::{Amount, ValidationErrors, Yuan};

/// `inside` must build; `outside` must fail with a violation on exactly `field`.
#[track_caller]
fn limit<T: std::fmt::Debug>(
    field: &str,
    inside: Result<T, ValidationErrors>,
    outside: Result<T, ValidationErrors>,
) {
    if let Err(e) = inside {
        panic!("{field}: the value inside the limit was refused: {e}");
    }
    match outside {
        Ok(v) => panic!("{field}: the value outside the limit was accepted: {v:?}"),
        Err(e) => assert_eq!(e.fields(), [field], "{field}: {e}"),
    }
}

fn auth() -> AuthRequestBuilder {
    AuthRequest::builder()
        .order_no("ORDER0001")
        .biz_type(BizType::BankCard4)
        .name("蒋志飞")
        .cert_no("32112319900101111X")
        .cert_type(CertType::IdCard)
        .bank_card_no("6222020000000000000")
        .bank_mobile("13812345678")
}

#[test]
fn cross_border_business_fields() {
    limit(
        "orderNo",
        auth().order_no("A".repeat(50)).build(),
        auth().order_no("A".repeat(51)).build(),
    );
    limit(
        "orderNo",
        auth().order_no("A1").build(),
        auth().order_no("A-1").build(),
    );
    limit(
        "name",
        auth().name("蒋".repeat(10)).build(),
        auth().name("蒋".repeat(11)).build(),
    );
    limit(
        "name",
        auth().name("Ann Lee").build(),
        auth().name("Ann1").build(),
    );
    limit(
        "certNo",
        auth().cert_no("1".repeat(20)).build(),
        auth().cert_no("1".repeat(21)).build(),
    );
    limit(
        "certNo",
        auth().cert_no("X1").build(),
        auth().cert_no("X 1").build(),
    );
    limit(
        "bankCardNo",
        auth().bank_card_no("1".repeat(20)).build(),
        auth().bank_card_no("1".repeat(21)).build(),
    );
    limit(
        "bankCardNo",
        auth().bank_card_no("12").build(),
        auth().bank_card_no("1a").build(),
    );
    limit(
        "bankMobile",
        auth().bank_mobile("1".repeat(15)).build(),
        auth().bank_mobile("1".repeat(16)).build(),
    );
    limit(
        "bizType",
        auth().build(),
        auth().biz_type(BizType::Other("03".into())).build(),
    );
    limit(
        "certType",
        auth().build(),
        auth().cert_type(CertType::Other("01".into())).build(),
    );
    limit("orderNo", auth().build(), auth().order_no("").build());
}

fn envelope(mer_id: &str, ts: &str) -> Result<RequestEnvelope, ValidationErrors> {
    // CrossBorderTs::new refuses invalid values; a parsed one is how invalid ts arrive.
    let ts: CrossBorderTs = serde_json::from_value(ts.into()).unwrap();
    RequestEnvelope::builder()
        .mer_id(mer_id)
        .ts(ts)
        .enc_key("0A1B")
        .enc_data("FF00")
        .mac("ab12")
        .build()
}

#[test]
fn cross_border_envelope_fields() {
    limit(
        "merId",
        envelope("DOPCHN000258", "20161031160900000026"),
        envelope("DOPCHN00025", "20161031160900000026"),
    );
    limit(
        "merId",
        envelope("DOPCHN000258", "20161031160900000026"),
        envelope("DOPCHN0002580", "20161031160900000026"),
    );
    limit(
        "ts",
        envelope("DOPCHN000258", "20161031160900000026"),
        envelope("DOPCHN000258", "2016103116090000002"),
    );
    limit(
        "ts",
        envelope("DOPCHN000258", "20161031160900000026"),
        envelope("DOPCHN000258", "201610311609000000260"),
    );
    limit(
        "ts",
        envelope("DOPCHN000258", "20161231235959999999"),
        envelope("DOPCHN000258", "20161301000000000000"),
    );
    let wrong_version = RequestEnvelope::builder()
        .mer_id("DOPCHN000258")
        .ts(CrossBorderTs::new("20161031160900000026").unwrap())
        .enc_key("0A")
        .enc_data("0A")
        .mac("0A")
        .ver("3.0.1")
        .build();
    limit(
        "ver",
        envelope("DOPCHN000258", "20161031160900000026"),
        wrong_version,
    );
    limit(
        "encData",
        envelope("DOPCHN000258", "20161031160900000026"),
        {
            RequestEnvelope::builder()
                .mer_id("DOPCHN000258")
                .ts(CrossBorderTs::new("20161031160900000026").unwrap())
                .enc_key("0A")
                .enc_data("0G")
                .mac("0A")
                .build()
        },
    );
}

fn pre_order() -> PreOrderRequestBuilder {
    PreOrderRequest::builder()
        .mer_id("822100050210643")
        .term_id("47846848")
        .account_type(AccountType::Alipay)
        .trans_type(TransType::Native)
        .amount(Amount::from_fen(1).unwrap().zero_padded())
        .mer_req_sno("20200728165211")
        .subject("测试专用")
}

type Setter = fn(PreOrderRequestBuilder, String) -> PreOrderRequestBuilder;

#[test]
fn pre_order_text_fields() {
    let fields: &[(&str, usize, Setter)] = &[
        ("merId", 32, |b, v| b.mer_id(v)),
        ("termId", 32, |b, v| b.term_id(v)),
        ("appId", 32, |b, v| b.app_id(v)),
        ("openId", 128, |b, v| b.open_id(v)),
        ("merReqSno", 64, |b, v| b.mer_req_sno(v)),
        ("exterMerOrderNo", 32, |b, v| b.exter_mer_order_no(v)),
        ("exterOrderSource", 16, |b, v| b.exter_order_source(v)),
        ("goodsDetail", 6000, |b, v| b.goods_detail(v)),
        ("subject", 128, |b, v| b.subject(v)),
        ("goodsDesp", 128, |b, v| b.goods_desp(v)),
        ("remark", 128, |b, v| b.remark(v)),
        ("goodsTag", 32, |b, v| b.goods_tag(v)),
        ("attach", 128, |b, v| b.attach(v)),
        ("promoInfo", 2048, |b, v| b.promo_info(v)),
        ("upOrderInfo", 600, |b, v| b.up_order_info(v)),
        ("upGoodsInfo", 6000, |b, v| b.up_goods_info(v)),
        ("frontUrl", 256, |b, v| b.front_url(v)),
        ("preOrderValidTime", 2, |b, v| b.pre_order_valid_time(v)),
    ];
    for (name, max, set) in fields {
        // Chinese characters count as one each (digits for the minutes field).
        let unit = if *name == "preOrderValidTime" {
            "5"
        } else {
            "测"
        };
        limit(
            name,
            set(pre_order(), unit.repeat(*max)).build(),
            set(pre_order(), unit.repeat(max + 1)).build(),
        );
    }
    limit(
        "preOrderValidTime",
        pre_order().pre_order_valid_time("15").build(),
        pre_order().pre_order_valid_time("1m").build(),
    );
    limit(
        "frontFailUrl",
        pre_order()
            .front_url("https://a")
            .front_fail_url("https://b")
            .build(),
        pre_order().front_fail_url("https://b").build(),
    );
}

#[test]
fn amounts() {
    let max = Amount::parse("999999999999").unwrap();
    let padded_too_long = Amount::parse("0000000000001").unwrap();
    limit(
        "amount",
        pre_order().amount(max).build(),
        pre_order().amount(padded_too_long).build(),
    );
    assert_eq!(max.fen(), 999_999_999_999);
    assert!(Amount::from_fen(999_999_999_999).is_ok());
    assert!(Amount::from_fen(1_000_000_000_000).is_err());
    assert!(Amount::parse("1000000000000").is_err());
    assert!(Amount::parse("1.00").is_err());
    assert!(Yuan::parse("9999999999.9").is_ok());
    assert!(Yuan::parse("99999999999.9").is_err());
}

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("127.0.0.1")
        .build()
        .unwrap()
}

fn micropay() -> MicropayRequestBuilder {
    MicropayRequest::builder()
        .merchant_no("8222903XXXXX")
        .term_no("A000XXXX")
        .out_trade_no("TEST202202280003")
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(location())
}

type MicroSetter = fn(MicropayRequestBuilder, String) -> MicropayRequestBuilder;

#[test]
fn micropay_text_fields() {
    let fields: &[(&str, usize, MicroSetter)] = &[
        ("merchant_no", 32, |b, v| b.merchant_no(v)),
        ("term_no", 32, |b, v| b.term_no(v)),
        ("out_trade_no", 32, |b, v| b.out_trade_no(v)),
        ("auth_code", 32, |b, v| b.auth_code(v)),
        ("subject", 128, |b, v| b.subject(v)),
        ("notify_url", 128, |b, v| b.notify_url(v)),
        ("store_id", 32, |b, v| b.store_id(v)),
        ("store_name", 64, |b, v| b.store_name(v)),
        ("remark", 128, |b, v| b.remark(v)),
    ];
    for (name, max, set) in fields {
        limit(
            name,
            set(micropay(), "字".repeat(*max)).build(),
            set(micropay(), "字".repeat(max + 1)).build(),
        );
    }
}

fn located(location: &str) -> Result<LocationInfo, ValidationErrors> {
    LocationInfo::builder().location(location).build()
}

#[test]
fn location_format_and_ranges() {
    limit(
        "location",
        located("+37.123456789,-121.123456789"),
        located("+37.1234567891,-121.123456789"),
    );
    limit(
        "location",
        located("+90.000000000,-121.1"),
        located("+90.000000001,-121.1"),
    );
    limit("location", located("-37.1,-180"), located("-37.1,-180.1"));
    limit("location", located("+37.1,+121.1"), located("37.1,121.1"));
    limit(
        "location",
        located("+37.1,+121.1"),
        located("+155621.316,-125622.12"),
    );
    let ip = |ip: &str| LocationInfo::builder().request_ip(ip).build();
    limit("request_ip", ip("36.45.36.95"), ip("36.45.36.256"));
    limit("request_ip", ip("::1"), ip("localhost"));
    let station = |s: String| LocationInfo::builder().base_station(s).build();
    limit(
        "base_station",
        station("站".repeat(128)),
        station("站".repeat(129)),
    );
}

#[test]
fn alipay_and_wechat_fields() {
    let extend = |num: &str, percent: &str| {
        ExtendParams::builder()
            .hb_fq_num(num)
            .hb_fq_seller_percent(percent)
            .build()
    };
    limit("hbFqNum", extend("12", "100"), extend("24", "100"));
    limit("hbFqSellerPercent", extend("3", "0"), extend("3", "50"));
    limit(
        "hbFqSellerPercent",
        extend("6", "100"),
        ExtendParams::builder().hb_fq_num("6").build(),
    );
    let pid = |s: String| ExtendParams::builder().sys_service_provider_id(s).build();
    limit(
        "sysServiceProviderId",
        pid("2".repeat(64)),
        pid("2".repeat(65)),
    );

    let goods = |id: String| {
        AlipayGoods::builder()
            .goods_id(id)
            .goods_name("零度可乐330ml")
            .quantity("1")
            .price(Yuan::parse("1.01").unwrap())
            .build()
    };
    limit("goods_id", goods("1".repeat(32)), goods("1".repeat(33)));

    let wechat = |id: &str| {
        WechatGoods::builder()
            .goods_id(id)
            .quantity("1")
            .price(Amount::from_fen(528800).unwrap())
            .build()
    };
    limit("goods_id", wechat("a-b_C1"), wechat("a b"));
}
