//! WeChat's parts of micropay: `acc_busi_fields` for WeChat with its `detail` JSON string,
//! and WeChat's `acc_resp_fields`.

use super::alipay::MINUTES;
use crate::json_string::JsonString;
use crate::mask::Personal;
use crate::money::Amount;
use crate::rules::FieldRule;
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

/// One entry of WeChat's `goods_detail` inside `detail`; `price` is in fen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatGoods {
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Amount>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`WechatGoods`].
    WechatGoodsBuilder => WechatGoods {
        /// goods_id (M), String(32): letters, digits, `-`, `_`.
        goods_id: String,
        /// goods_name (C), String(256).
        goods_name: String,
        /// quantity (M), String(12).
        quantity: String,
        /// price (M), fen after the merchant's discount, String(12).
        price: Amount,
    }
}

getters!(WechatGoods {
    /// goods_id.
    goods_id: str,
    /// goods_name.
    goods_name: str,
    /// quantity.
    quantity: str,
    /// price, fen.
    price: Amount,
});
extra_getter!(WechatGoods);

impl Validate for WechatGoods {
    fn check(&self, c: &mut Checker) {
        let id = self.goods_id.as_deref();
        c.text("goods_id", id, S(32), Req::M);
        let id_chars = |s: &str| {
            s.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        };
        if id.is_some_and(|id| !id_chars(id)) {
            c.push("goods_id", Broken::Format("letters, digits, '-' and '_'"));
        }
        c.text("goods_name", self.goods_name.as_deref(), S(256), Req::C);
        c.text("quantity", self.quantity.as_deref(), S(12), Req::M);
        c.amount("price", self.price.as_ref(), Req::M);
    }
}

/// WeChat's `detail` (single-item discounts): the JSON inside the `detail` string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_detail: Option<Vec<WechatGoods>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`WechatDetail`].
    WechatDetailBuilder => WechatDetail {
        /// cost_price (C), fen, String(12): the whole receipt's original price.
        cost_price: Amount,
        /// receipt_id (C), String(12).
        receipt_id: String,
        /// goods_detail (M), a JSON array.
        goods_detail: Vec<WechatGoods>,
    }
}

getters!(WechatDetail {
    /// cost_price, fen.
    cost_price: Amount,
    /// receipt_id.
    receipt_id: str,
    /// goods_detail.
    goods_detail: Vec<WechatGoods>,
});
extra_getter!(WechatDetail);

impl Validate for WechatDetail {
    fn check(&self, c: &mut Checker) {
        c.amount("cost_price", self.cost_price.as_ref(), Req::C);
        c.text("receipt_id", self.receipt_id.as_deref(), S(12), Req::C);
        c.nested("goods_detail", self.goods_detail.as_ref(), Req::M);
        if self.goods_detail.as_ref().is_some_and(Vec::is_empty) {
            c.push("goods_detail", Broken::Missing);
        }
    }
}

/// `acc_busi_fields` for a WeChat payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatBusiFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_express: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<JsonString<WechatDetail>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_info: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`WechatBusiFields`].
    WechatBusiFieldsBuilder => WechatBusiFields {
        /// timeout_express (C), minutes, String(2).
        timeout_express: String,
        /// sub_appid (C), String(32).
        sub_appid: String,
        /// detail (C), String(1024) of JSON.
        detail: JsonString<WechatDetail>,
        /// goods_tag (C), String(32).
        goods_tag: String,
        /// scene_info (C), String(256).
        scene_info: String,
    }
}

getters!(WechatBusiFields {
    /// timeout_express.
    timeout_express: str,
    /// sub_appid.
    sub_appid: str,
    /// detail.
    detail: JsonString<WechatDetail>,
    /// goods_tag.
    goods_tag: str,
    /// scene_info.
    scene_info: str,
});
extra_getter!(WechatBusiFields);

impl Validate for WechatBusiFields {
    fn check(&self, c: &mut Checker) {
        let timeout = self.timeout_express.as_deref();
        c.text("timeout_express", timeout, MINUTES, Req::C);
        c.text("sub_appid", self.sub_appid.as_deref(), S(32), Req::C);
        c.json("detail", self.detail.as_ref(), S(1024), Req::C);
        c.text("goods_tag", self.goods_tag.as_deref(), S(32), Req::C);
        c.text("scene_info", self.scene_info.as_deref(), S(256), Req::C);
    }
}

/// WeChat's `acc_resp_fields`. `openid` and `sub_openid` are masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatRespFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    openid: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_openid: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promotion_detail: Option<JsonString<Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(WechatRespFields {
    /// openid (M).
    openid: Personal,
    /// sub_openid.
    sub_openid: Personal,
    /// promotion_detail (its shape is WeChat's and not specified, so untyped JSON).
    promotion_detail: JsonString<Value>,
});
extra_getter!(WechatRespFields);

impl Validate for WechatRespFields {
    fn check(&self, c: &mut Checker) {
        let openid = self.openid.as_ref().map(Personal::expose);
        c.text("openid", openid, S(64), Req::M);
        let sub = self.sub_openid.as_ref().map(Personal::expose);
        c.text("sub_openid", sub, S(64), Req::C);
        let promotion = self.promotion_detail.as_ref();
        c.json("promotion_detail", promotion, S(4096), Req::C);
    }
}
