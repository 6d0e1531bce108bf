//! `acc_busi_fields` of the labs pre-order, one type per wallet. Which of their fields a
//! combination needs or forbids is checked by the pre-order request (see
//! [`PreorderRequest`](super::PreorderRequest)), which knows the `trans_type`.

use crate::mask::Personal;
use crate::rules::{CharClass, FieldRule, Len};
use crate::validation::{Checker, Req, Validate};
use crate::wallet::AccountType;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

const S: fn(usize) -> FieldRule = FieldRule::text;
/// timeout_express: minutes (String(2) in Lakala's tables, so at most 99).
pub(crate) const MINUTES: FieldRule = FieldRule::new(CharClass::N, Len::Max(2));

/// WeChat's `acc_busi_fields` for JSAPI (51) and mini-program (71) pre-orders.
/// `user_id` (the payer's `sub_openid`) is personal data, masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatPreorderFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_express: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit_pay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit_payer: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`WechatPreorderFields`]. `sub_appid` and `user_id` are required for both
    /// WeChat kinds; the pre-order request checks that.
    WechatPreorderFieldsBuilder => WechatPreorderFields {
        /// timeout_express (C), minutes, N..2: how long the `prepay_id` can start a payment
        /// (default 5, at most 15 advised). WeChat does not close the order by itself.
        timeout_express: String,
        /// sub_appid (M for 51 and 71), String(32): the official account's or mini-program's
        /// app id.
        sub_appid: String,
        /// user_id (M for 51 and 71), String(128): the payer's `sub_openid` under
        /// `sub_appid`. Personal data.
        user_id: Personal,
        /// goods_tag (C), String(32): WeChat's coupon tag.
        goods_tag: String,
        /// attach (C), String(127): the merchant's own data, passed to the wallet.
        attach: String,
        /// device_info (C), String(32): the device or shop number (`WEB` for JSAPI).
        device_info: String,
        /// limit_pay (C): `no_credit` forbids credit cards.
        limit_pay: String,
        /// scene_info (C), String(256): the shop's information, JSON text.
        scene_info: String,
        /// limit_payer (C): `ADULT` limits the payment to adults.
        limit_payer: String,
    }
}

getters!(WechatPreorderFields {
    /// timeout_express, minutes.
    timeout_express: str,
    /// sub_appid.
    sub_appid: str,
    /// user_id (sub_openid).
    user_id: Personal,
    /// goods_tag.
    goods_tag: str,
    /// attach.
    attach: str,
    /// device_info.
    device_info: str,
    /// limit_pay.
    limit_pay: str,
    /// scene_info.
    scene_info: str,
    /// limit_payer.
    limit_payer: str,
});
extra_getter!(WechatPreorderFields);

impl Validate for WechatPreorderFields {
    fn check(&self, c: &mut Checker) {
        c.text(
            "timeout_express",
            self.timeout_express.as_deref(),
            MINUTES,
            Req::C,
        );
        c.text("sub_appid", self.sub_appid.as_deref(), S(32), Req::C);
        let user = self.user_id.as_ref().map(Personal::expose);
        c.text("user_id", user, S(128), Req::C);
        c.text("goods_tag", self.goods_tag.as_deref(), S(32), Req::C);
        c.text("attach", self.attach.as_deref(), S(127), Req::C);
        c.text("device_info", self.device_info.as_deref(), S(32), Req::C);
        c.one_of(
            "limit_pay",
            self.limit_pay.as_deref(),
            &["no_credit"],
            Req::C,
        );
        c.text("scene_info", self.scene_info.as_deref(), S(256), Req::C);
        c.one_of(
            "limit_payer",
            self.limit_payer.as_deref(),
            &["ADULT"],
            Req::C,
        );
    }
}

/// Alipay's `acc_busi_fields` for NATIVE (41) and JSAPI (51) pre-orders. `user_id` (the
/// payer's `buyer_user_id`) is personal data, masked in `Debug`.
///
/// `extend_params` and `goods_detail` are not modelled here: add them with
/// `extra_field` (sent as given, not validated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlipayPreorderFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_express: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_pay_channels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_params: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_age: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`AlipayPreorderFields`]. `user_id` is required for JSAPI (51) and not sent
    /// for NATIVE (41); the pre-order request checks that.
    AlipayPreorderFieldsBuilder => AlipayPreorderFields {
        /// user_id (M for 51, absent for 41), String(64): the payer's Alipay
        /// `buyer_user_id`. Personal data.
        user_id: Personal,
        /// timeout_express (C), minutes, N..2: after it the wallet lets the order lapse
        /// (default 5, at most 15 advised).
        timeout_express: String,
        /// store_id (C), String(32): the merchant's shop number.
        store_id: String,
        /// disable_pay_channels (C), String(128): `credit_group` forbids credit.
        disable_pay_channels: String,
        /// business_params (C), String(512): JSON text such as
        /// `{"enable_thirdparty_subsidy":"N"}`.
        business_params: String,
        /// min_age (C), N..3: the payer's minimum age.
        min_age: String,
    }
}

getters!(AlipayPreorderFields {
    /// user_id (buyer_user_id).
    user_id: Personal,
    /// timeout_express, minutes.
    timeout_express: str,
    /// store_id.
    store_id: str,
    /// disable_pay_channels.
    disable_pay_channels: str,
    /// business_params.
    business_params: str,
    /// min_age.
    min_age: str,
});
extra_getter!(AlipayPreorderFields);

impl Validate for AlipayPreorderFields {
    fn check(&self, c: &mut Checker) {
        let user = self.user_id.as_ref().map(Personal::expose);
        c.text("user_id", user, S(64), Req::C);
        c.text(
            "timeout_express",
            self.timeout_express.as_deref(),
            MINUTES,
            Req::C,
        );
        c.text("store_id", self.store_id.as_deref(), S(32), Req::C);
        let disabled = self.disable_pay_channels.as_deref();
        c.text("disable_pay_channels", disabled, S(128), Req::C);
        c.text(
            "business_params",
            self.business_params.as_deref(),
            S(512),
            Req::C,
        );
        let age = FieldRule::new(CharClass::N, Len::Max(3));
        c.text("min_age", self.min_age.as_deref(), age, Req::C);
    }
}

/// UnionPay's (UQRCODEPAY) `acc_busi_fields` for NATIVE (41) and JS (51) pre-orders.
/// `user_id` (the payer's UnionPay user id) is personal data, masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnionPayPreorderFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_express: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    front_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    front_fail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instal_will: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`UnionPayPreorderFields`]. `user_id`, `front_url` and `front_fail_url`
    /// belong to JS payments (51) only; the pre-order request checks that.
    UnionPayPreorderFieldsBuilder => UnionPayPreorderFields {
        /// user_id (C for 51, absent for 41), String(128): required by UnionPay unless its
        /// user-id lookup answered 34. Personal data.
        user_id: Personal,
        /// timeout_express (C), minutes, N..2 (default 5, at most 15 advised).
        timeout_express: String,
        /// front_url (C, 51 only), String(256): where UnionPay POSTs the browser after
        /// payment.
        front_url: String,
        /// front_fail_url (C, 51 only, with front_url), String(256): where it GETs the
        /// browser after a failure.
        front_fail_url: String,
        /// instal_will (C): `0` no instalments (default), `1` instalments.
        instal_will: String,
    }
}

getters!(UnionPayPreorderFields {
    /// user_id.
    user_id: Personal,
    /// timeout_express, minutes.
    timeout_express: str,
    /// front_url.
    front_url: str,
    /// front_fail_url.
    front_fail_url: str,
    /// instal_will.
    instal_will: str,
});
extra_getter!(UnionPayPreorderFields);

impl Validate for UnionPayPreorderFields {
    fn check(&self, c: &mut Checker) {
        let user = self.user_id.as_ref().map(Personal::expose);
        c.text("user_id", user, S(128), Req::C);
        c.text(
            "timeout_express",
            self.timeout_express.as_deref(),
            MINUTES,
            Req::C,
        );
        c.text("front_url", self.front_url.as_deref(), S(256), Req::C);
        c.text(
            "front_fail_url",
            self.front_fail_url.as_deref(),
            S(256),
            Req::C,
        );
        let fail_without_front = self
            .front_fail_url
            .as_deref()
            .is_some_and(|f| !f.is_empty())
            && self.front_url.as_deref().is_none_or(str::is_empty);
        c.required_when(
            fail_without_front,
            "front_url",
            false,
            "when front_fail_url is sent",
        );
        c.one_of(
            "instal_will",
            self.instal_will.as_deref(),
            &["0", "1"],
            Req::C,
        );
    }
}

/// The `acc_busi_fields` of a wallet this crate does not model (BESTPAY, SUNING, ...), kept
/// as received. `Debug` shows only the field names: the values may be personal data.
#[derive(Clone, Default, PartialEq)]
pub struct UnmodelledFields(Map<String, Value>);

impl UnmodelledFields {
    /// The fields as received.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl fmt::Debug for UnmodelledFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnmodelledFields")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A pre-order's `acc_busi_fields`, typed by the request's `account_type` (the wire carries
/// no tag of its own).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PreorderBusiFields {
    /// account_type WECHAT.
    Wechat(WechatPreorderFields),
    /// account_type ALIPAY.
    Alipay(AlipayPreorderFields),
    /// account_type UQRCODEPAY.
    UnionPay(UnionPayPreorderFields),
    /// Any other account_type: kept, not validated.
    Unmodelled(UnmodelledFields),
}

impl PreorderBusiFields {
    /// Reads a received `acc_busi_fields` object as the fields of `account_type`'s wallet.
    /// Fails only when a field has the wrong JSON type.
    pub fn from_wire(
        account_type: Option<&AccountType>,
        fields: Map<String, Value>,
    ) -> Result<Self, serde_json::Error> {
        let value = Value::Object(fields);
        Ok(match account_type {
            Some(AccountType::Wechat) => PreorderBusiFields::Wechat(serde_json::from_value(value)?),
            Some(AccountType::Alipay) => PreorderBusiFields::Alipay(serde_json::from_value(value)?),
            Some(AccountType::UnionPay) => {
                PreorderBusiFields::UnionPay(serde_json::from_value(value)?)
            }
            _ => match value {
                Value::Object(map) => PreorderBusiFields::Unmodelled(UnmodelledFields(map)),
                _ => PreorderBusiFields::Unmodelled(UnmodelledFields::default()),
            },
        })
    }

    /// The wallet these fields are for, when modelled.
    pub fn account_type(&self) -> Option<AccountType> {
        match self {
            PreorderBusiFields::Wechat(_) => Some(AccountType::Wechat),
            PreorderBusiFields::Alipay(_) => Some(AccountType::Alipay),
            PreorderBusiFields::UnionPay(_) => Some(AccountType::UnionPay),
            PreorderBusiFields::Unmodelled(_) => None,
        }
    }

    /// The payer's wallet user id (`user_id`), whichever the wallet.
    pub fn user_id(&self) -> Option<&Personal> {
        match self {
            PreorderBusiFields::Wechat(f) => f.user_id(),
            PreorderBusiFields::Alipay(f) => f.user_id(),
            PreorderBusiFields::UnionPay(f) => f.user_id(),
            PreorderBusiFields::Unmodelled(_) => None,
        }
    }

    /// `timeout_express` in minutes as sent, whichever the wallet.
    pub fn timeout_express(&self) -> Option<&str> {
        match self {
            PreorderBusiFields::Wechat(f) => f.timeout_express(),
            PreorderBusiFields::Alipay(f) => f.timeout_express(),
            PreorderBusiFields::UnionPay(f) => f.timeout_express(),
            PreorderBusiFields::Unmodelled(_) => None,
        }
    }
}

impl Serialize for PreorderBusiFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PreorderBusiFields::Wechat(f) => f.serialize(serializer),
            PreorderBusiFields::Alipay(f) => f.serialize(serializer),
            PreorderBusiFields::UnionPay(f) => f.serialize(serializer),
            PreorderBusiFields::Unmodelled(f) => f.0.serialize(serializer),
        }
    }
}

impl Validate for PreorderBusiFields {
    fn check(&self, c: &mut Checker) {
        match self {
            PreorderBusiFields::Wechat(f) => f.check(c),
            PreorderBusiFields::Alipay(f) => f.check(c),
            PreorderBusiFields::UnionPay(f) => f.check(c),
            PreorderBusiFields::Unmodelled(_) => {}
        }
    }
}
