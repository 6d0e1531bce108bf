//! The micropay response (spec 003, 响应报文).

use super::{AccountType, AlipayRespFields, WechatRespFields};
use crate::money::Amount;
use crate::rules::FieldRule;
use crate::timestamp::DateTime14;
use crate::validation::{Checker, Req, Validate};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

wire_enum! {
    /// `need_query`: whether the merchant must query the outcome.
    #[non_exhaustive]
    pub enum NeedQuery {
        /// "0": final, no query needed.
        No = "0",
        /// "1": in progress, query it.
        Yes = "1",
    }
}

/// `resp_data` of micropay. Parses `acc_settel_amount` (the table) and `acc_settle_amount`
/// (the examples), writes `acc_settle_amount`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MicropayResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    need_query: Option<NeedQuery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_channel_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_merchant_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer_amount: Option<Amount>,
    #[serde(alias = "acc_settel_amount", skip_serializing_if = "Option::is_none")]
    acc_settle_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_mdiscount_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_discount_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_resp_fields: Option<AccRespFields>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(MicropayResponse {
    /// need_query (M).
    need_query: NeedQuery,
    /// out_trade_no (M).
    out_trade_no: str,
    /// settle_channel_type (M).
    settle_channel_type: AccountType,
    /// trade_no (M), the platform's trade number.
    trade_no: str,
    /// acc_merchant_trade_no (C).
    acc_merchant_trade_no: str,
    /// acc_trade_no (C), the wallet's trade number.
    acc_trade_no: str,
    /// account_type (M).
    account_type: AccountType,
    /// total_amount (M), fen.
    total_amount: Amount,
    /// payer_amount (M), fen.
    payer_amount: Amount,
    /// acc_settle_amount (M; the table's acc_settel_amount), fen.
    acc_settle_amount: Amount,
    /// acc_mdiscount_amount (C), fen.
    acc_mdiscount_amount: Amount,
    /// acc_discount_amount (C), fen.
    acc_discount_amount: Amount,
    /// trade_time (M).
    trade_time: DateTime14,
    /// acc_resp_fields (C).
    acc_resp_fields: AccRespFields,
});
extra_getter!(MicropayResponse);

impl Validate for MicropayResponse {
    fn check(&self, c: &mut Checker) {
        let need_query = self.need_query.as_ref();
        c.listed("need_query", need_query, Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
        let channel = self.settle_channel_type.as_ref().map(AccountType::as_str);
        c.text("settle_channel_type", channel, S(16), Req::M);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::M);
        let acc_merchant = self.acc_merchant_trade_no.as_deref();
        c.text("acc_merchant_trade_no", acc_merchant, S(32), Req::C);
        c.text("acc_trade_no", self.acc_trade_no.as_deref(), S(32), Req::C);
        let account = self.account_type.as_ref().map(AccountType::as_str);
        c.text("account_type", account, S(16), Req::M);
        c.amount("total_amount", self.total_amount.as_ref(), Req::M);
        c.amount("payer_amount", self.payer_amount.as_ref(), Req::M);
        c.amount("acc_settle_amount", self.acc_settle_amount.as_ref(), Req::M);
        let mdiscount = self.acc_mdiscount_amount.as_ref();
        c.amount("acc_mdiscount_amount", mdiscount, Req::C);
        c.amount(
            "acc_discount_amount",
            self.acc_discount_amount.as_ref(),
            Req::C,
        );
        c.present("trade_time", self.trade_time.is_some(), Req::M);
        c.nested("acc_resp_fields", self.acc_resp_fields.as_ref(), Req::C);
    }
}

/// `acc_resp_fields`: the wallet's own answer.
///
/// The wire carries no tag (the examples even send the other wallet's fields as `null`):
/// parsing picks [`AccRespFields::Wechat`] when `user_id` is absent or `null` and one of
/// `openid`, `sub_openid`, `promotion_detail` has a value, and [`AccRespFields::Alipay`]
/// otherwise. Everything else, `null`s included, is kept in `extra()`.
#[derive(Debug, Clone, PartialEq)]
pub enum AccRespFields {
    /// Alipay's fields.
    Alipay(AlipayRespFields),
    /// WeChat's fields.
    Wechat(WechatRespFields),
}

impl Serialize for AccRespFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AccRespFields::Alipay(fields) => fields.serialize(serializer),
            AccRespFields::Wechat(fields) => fields.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for AccRespFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let has = |key: &str| map.get(key).is_some_and(|v| !v.is_null());
        let wechat = !has("user_id")
            && ["openid", "sub_openid", "promotion_detail"]
                .iter()
                .any(|key| has(key));
        let value = Value::Object(map);
        let parsed = if wechat {
            serde_json::from_value(value).map(AccRespFields::Wechat)
        } else {
            serde_json::from_value(value).map(AccRespFields::Alipay)
        };
        parsed.map_err(de::Error::custom)
    }
}

impl Validate for AccRespFields {
    fn check(&self, c: &mut Checker) {
        match self {
            AccRespFields::Alipay(fields) => fields.check(c),
            AccRespFields::Wechat(fields) => fields.check(c),
        }
    }
}
