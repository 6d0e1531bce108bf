//! The micropay request (spec 003, 请求报文).

use super::{AlipayBusiFields, LocationInfo, WechatBusiFields};
use crate::mask::Personal;
use crate::money::Amount;
use crate::rules::FieldRule;
use crate::validation::{Checker, Req, Validate};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

/// `req_data` of micropay. `auth_code` (the payer's payment code) is masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MicropayRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_code: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_info: Option<LocationInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_busi_fields: Option<AccBusiFields>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`MicropayRequest`]. Amounts are written as given ([`Amount::from_fen`]
    /// writes plain digits, as the spec's examples).
    MicropayRequestBuilder => MicropayRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_trade_no (M), String(32), unique in the merchant's system.
        out_trade_no: String,
        /// auth_code (M), String(32): the payer's payment code.
        auth_code: Personal,
        /// total_amount (M), fen, String(12).
        total_amount: Amount,
        /// location_info (M).
        location_info: LocationInfo,
        /// subject (C), String(128).
        subject: String,
        /// notify_url (C), String(128).
        notify_url: String,
        /// store_id (C), String(32).
        store_id: String,
        /// store_name (C), String(64).
        store_name: String,
        /// remark (C), String(128).
        remark: String,
        /// acc_busi_fields (C).
        acc_busi_fields: AccBusiFields,
    }
}

getters!(MicropayRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// auth_code.
    auth_code: Personal,
    /// total_amount.
    total_amount: Amount,
    /// location_info.
    location_info: LocationInfo,
    /// subject.
    subject: str,
    /// notify_url.
    notify_url: str,
    /// store_id.
    store_id: str,
    /// store_name.
    store_name: str,
    /// remark.
    remark: str,
    /// acc_busi_fields.
    acc_busi_fields: AccBusiFields,
});
extra_getter!(MicropayRequest);

impl Validate for MicropayRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
        let code = self.auth_code.as_ref().map(Personal::expose);
        c.text("auth_code", code, S(32), Req::M);
        c.amount("total_amount", self.total_amount.as_ref(), Req::M);
        c.nested("location_info", self.location_info.as_ref(), Req::M);
        c.text("subject", self.subject.as_deref(), S(128), Req::C);
        c.text("notify_url", self.notify_url.as_deref(), S(128), Req::C);
        c.text("store_id", self.store_id.as_deref(), S(32), Req::C);
        c.text("store_name", self.store_name.as_deref(), S(64), Req::C);
        c.text("remark", self.remark.as_deref(), S(128), Req::C);
        c.nested("acc_busi_fields", self.acc_busi_fields.as_ref(), Req::C);
    }
}

/// `acc_busi_fields`: the wallet-specific part of the request.
///
/// The wire carries no tag; parsing picks [`AccBusiFields::Wechat`] when any WeChat-only
/// field (`sub_appid`, `detail`, `goods_tag`, `scene_info`) is present and not `null`, and
/// [`AccBusiFields::Alipay`] otherwise. Fields of the other wallet are kept in `extra()`.
#[derive(Debug, Clone, PartialEq)]
pub enum AccBusiFields {
    /// For an Alipay payment code.
    Alipay(AlipayBusiFields),
    /// For a WeChat payment code.
    Wechat(WechatBusiFields),
}

const WECHAT_ONLY: [&str; 4] = ["sub_appid", "detail", "goods_tag", "scene_info"];

impl From<AlipayBusiFields> for AccBusiFields {
    fn from(fields: AlipayBusiFields) -> Self {
        AccBusiFields::Alipay(fields)
    }
}

impl From<WechatBusiFields> for AccBusiFields {
    fn from(fields: WechatBusiFields) -> Self {
        AccBusiFields::Wechat(fields)
    }
}

impl Serialize for AccBusiFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AccBusiFields::Alipay(fields) => fields.serialize(serializer),
            AccBusiFields::Wechat(fields) => fields.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for AccBusiFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let wechat = WECHAT_ONLY
            .iter()
            .any(|key| map.get(*key).is_some_and(|v| !v.is_null()));
        let value = Value::Object(map);
        let parsed = if wechat {
            serde_json::from_value(value).map(AccBusiFields::Wechat)
        } else {
            serde_json::from_value(value).map(AccBusiFields::Alipay)
        };
        parsed.map_err(de::Error::custom)
    }
}

impl Validate for AccBusiFields {
    fn check(&self, c: &mut Checker) {
        match self {
            AccBusiFields::Alipay(fields) => fields.check(c),
            AccBusiFields::Wechat(fields) => fields.check(c),
        }
    }
}
