//! Any value the validating constructors accept survives serialize → parse unchanged and
//! still validates.

use lakala_types::crossborder::{AuthRequest, BizType, CertType};
use lakala_types::micropay::{
    AccBusiFields, AlipayBusiFields, AlipayGoods, LocationInfo, MicropayRequest, V3Request,
    WechatBusiFields, WechatDetail, WechatGoods,
};
use lakala_types::preauth::{AccountType, PreOrderRequest, TransType, V2Request};
use lakala_types::timestamp::{DateTime14, UnixMillis};
use lakala_types::{Amount, JsonString, Validate, Yuan};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug + Validate>(
    value: &T,
) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let parsed: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    prop_assert_eq!(&parsed, value);
    prop_assert!(parsed.validate().is_ok());
    let again = serde_json::to_string(&parsed).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(again, text);
    Ok(())
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9一-龥·\\-_ .:/\"\\\\]{0,40}"
}

fn amount() -> impl Strategy<Value = Option<Amount>> {
    (0u64..1_100_000_000_000, any::<bool>()).prop_map(|(fen, padded)| {
        Amount::from_fen(fen)
            .ok()
            .map(|a| if padded { a.zero_padded() } else { a })
    })
}

fn location() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        0u32..95,
        "[0-9]{0,10}",
        any::<bool>(),
        0u32..185,
        "[0-9]{0,10}",
    )
        .prop_map(|(north, lat, lat_f, east, lon, lon_f)| {
            let part = |pos: bool, deg: u32, f: &str| {
                let sign = if pos { '+' } else { '-' };
                if f.is_empty() {
                    format!("{sign}{deg}")
                } else {
                    format!("{sign}{deg}.{f}")
                }
            };
            format!("{},{}", part(north, lat, &lat_f), part(east, lon, &lon_f))
        })
}

proptest! {
    #[test]
    fn auth_requests(
        order in "[A-Za-z0-9]{0,55}",
        biz in prop::sample::select(vec!["00", "01", "02", "03"]),
        name in "[一-龥A-Za-z·]{0,12}",
        cert in "[0-9X]{0,22}",
        card in proptest::option::of("[0-9]{0,22}"),
        mobile in proptest::option::of("[0-9]{0,17}"),
    ) {
        let mut builder = AuthRequest::builder()
            .order_no(order)
            .biz_type(BizType::from(biz))
            .name(name)
            .cert_no(cert)
            .cert_type(CertType::IdCard);
        if let Some(card) = card { builder = builder.bank_card_no(card); }
        if let Some(mobile) = mobile { builder = builder.bank_mobile(mobile); }
        if let Ok(request) = builder.build() {
            round_trip(&request)?;
        }
    }

    #[test]
    fn pre_orders(
        mer_id in "[0-9]{0,34}",
        account in prop::sample::select(vec!["WECHAT", "ALIPAY", "UQRCODEPAY", "XPAY"]),
        trans in prop::sample::select(vec!["41", "51", "61", "71", "99"]),
        amount in amount(),
        app_id in proptest::option::of("[a-z0-9]{0,34}"),
        open_id in proptest::option::of(text()),
        subject in text(),
        remark in proptest::option::of(text()),
        req_id in "[0-9a-f]{31,33}",
        millis in any::<u64>(),
    ) {
        let mut builder = PreOrderRequest::builder()
            .mer_id(mer_id)
            .term_id("47846848")
            .account_type(AccountType::from(account))
            .trans_type(TransType::from(trans))
            .mer_req_sno("20200728165211")
            .subject(subject);
        if let Some(amount) = amount { builder = builder.amount(amount); }
        if let Some(v) = app_id { builder = builder.app_id(v); }
        if let Some(v) = open_id { builder = builder.open_id(v); }
        if let Some(v) = remark { builder = builder.remark(v); }
        if let Ok(data) = builder.build() {
            round_trip(&data)?;
            if let Ok(request) = V2Request::new(req_id, UnixMillis::new(millis), data, None) {
                round_trip(&request)?;
            }
        }
    }

    #[test]
    fn micropays(
        ip in proptest::option::of("(1?[0-9]?[0-9]|2[0-5][0-9])(\\.(1?[0-9]?[0-9]|2[0-5][0-9])){3}"),
        loc in proptest::option::of(location()),
        amount in amount(),
        auth_code in "[0-9]{16,34}",
        subject in proptest::option::of(text()),
        goods in proptest::collection::vec(("[a-z0-9]{1,33}", text(), 0u64..100_000), 0..4),
        wechat in any::<bool>(),
        date in (2000u16..2100, 1u8..13, 1u8..32, 0u8..24, 0u8..60, 0u8..60),
    ) {
        let mut location = LocationInfo::builder();
        if let Some(ip) = ip { location = location.request_ip(ip); }
        if let Some(loc) = loc { location = location.location(loc); }
        let Ok(location) = location.build() else { return Ok(()); };
        let busi: Option<AccBusiFields> = if wechat {
            let goods: Vec<WechatGoods> = goods.iter().filter_map(|(id, name, price)| {
                WechatGoods::builder().goods_id(id.clone()).goods_name(name.clone()).quantity("1")
                    .price(Amount::from_fen(*price).ok()?).build().ok()
            }).collect();
            WechatDetail::builder().goods_detail(goods).build().ok()
                .and_then(|d| JsonString::new(d).ok())
                .and_then(|d| WechatBusiFields::builder().detail(d).sub_appid("wx2421b1c4370ec43b").build().ok())
                .map(AccBusiFields::from)
        } else {
            let goods: Vec<AlipayGoods> = goods.iter().filter_map(|(id, name, price)| {
                AlipayGoods::builder().goods_id(id.clone()).goods_name(name.clone()).quantity("1")
                    .price(Yuan::from_fen(*price).ok()?).build().ok()
            }).collect();
            JsonString::new(goods).ok()
                .and_then(|g| AlipayBusiFields::builder().goods_detail(g).timeout_express("5").build().ok())
                .map(AccBusiFields::from)
        };
        let mut builder = MicropayRequest::builder()
            .merchant_no("8222903XXXXX")
            .term_no("A000XXXX")
            .out_trade_no("TEST202202280003")
            .auth_code(auth_code)
            .location_info(location);
        if let Some(amount) = amount { builder = builder.total_amount(amount); }
        if let Some(subject) = subject { builder = builder.subject(subject); }
        if let Some(busi) = busi { builder = builder.acc_busi_fields(busi); }
        if let Ok(data) = builder.build() {
            round_trip(&data)?;
            let (y, mo, d, h, mi, s) = date;
            if let Ok(at) = DateTime14::new(y, mo, d, h, mi, s) {
                let request = V3Request::new(at, data).map_err(|e| TestCaseError::fail(e.to_string()))?;
                round_trip(&request)?;
            }
        }
    }
}
