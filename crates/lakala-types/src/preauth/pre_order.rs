//! The pre-order request (spec 001, 请求参数): every row of the table.

use super::{AccountType, ExpiredStrategy, SettleType, TransType};
use crate::mask::Personal;
use crate::micropay::ExtendParams;
use crate::money::Amount;
use crate::rules::{CharClass, FieldRule, Len};
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;
/// preOrderValidTime: String(2) of minutes, so digits.
const MINUTES: FieldRule = FieldRule::new(CharClass::N, Len::Max(2));

/// `reqData` of the pre-order call. `openId` is masked in `Debug`.
///
/// Parses the spec examples' names `mercId`, `termNo`, `payMode`, `orderId` as `merId`,
/// `termId`, `accountType`, `merReqSno`, and writes the table's names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PreOrderRequest {
    #[serde(alias = "mercId", skip_serializing_if = "Option::is_none")]
    mer_id: Option<String>,
    #[serde(alias = "termNo", skip_serializing_if = "Option::is_none")]
    term_id: Option<String>,
    #[serde(alias = "payMode", skip_serializing_if = "Option::is_none")]
    account_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_id: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trans_type: Option<TransType>,
    #[serde(alias = "orderId", skip_serializing_if = "Option::is_none")]
    mer_req_sno: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exter_mer_order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exter_order_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_type: Option<SettleType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_desp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extend_params: Option<ExtendParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promo_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    up_order_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    up_goods_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    front_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    front_fail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired_strategy: Option<ExpiredStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pre_order_valid_time: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`PreOrderRequest`]. The amount is written as given: plain
    /// ([`Amount::from_fen`]) or 12-digit ([`Amount::zero_padded`], as the spec's examples).
    PreOrderRequestBuilder => PreOrderRequest {
        /// merId (M), String(32).
        mer_id: String,
        /// termId (M), String(32).
        term_id: String,
        /// accountType (M).
        account_type: AccountType,
        /// amount (M), fen, String(12).
        amount: Amount,
        /// appId (C), String(32): required for WeChat JSAPI (51) and mini-program (71).
        app_id: String,
        /// openId (C), String(128): required for WeChat JSAPI (51) and mini-program (71).
        open_id: Personal,
        /// transType (C).
        trans_type: TransType,
        /// merReqSno (M), String(64), unique in the merchant's system.
        mer_req_sno: String,
        /// exterMerOrderNo (C), String(32).
        exter_mer_order_no: String,
        /// exterOrderSource (C), String(16).
        exter_order_source: String,
        /// settleType (C).
        settle_type: SettleType,
        /// goodsDetail (C), String(6000), JSON text.
        goods_detail: String,
        /// subject (M), String(128).
        subject: String,
        /// goodsDesp (C), String(128).
        goods_desp: String,
        /// remark (C), String(128).
        remark: String,
        /// goodsTag (C), String(32).
        goods_tag: String,
        /// attach (C), String(128).
        attach: String,
        /// extendParams (C), an object here (a JSON string in v3).
        extend_params: ExtendParams,
        /// promoInfo (C), String(2048).
        promo_info: String,
        /// upOrderInfo (C), String(600).
        up_order_info: String,
        /// upGoodsInfo (C), String(6000).
        up_goods_info: String,
        /// frontUrl (C), String(256).
        front_url: String,
        /// frontFailUrl (C), String(256); only together with frontUrl.
        front_fail_url: String,
        /// expiredStrategy (C).
        expired_strategy: ExpiredStrategy,
        /// preOrderValidTime (C), minutes, String(2).
        pre_order_valid_time: String,
    }
}

getters!(PreOrderRequest {
    /// merId.
    mer_id: str,
    /// termId.
    term_id: str,
    /// accountType.
    account_type: AccountType,
    /// amount.
    amount: Amount,
    /// appId.
    app_id: str,
    /// openId.
    open_id: Personal,
    /// transType.
    trans_type: TransType,
    /// merReqSno.
    mer_req_sno: str,
    /// exterMerOrderNo.
    exter_mer_order_no: str,
    /// exterOrderSource.
    exter_order_source: str,
    /// settleType.
    settle_type: SettleType,
    /// goodsDetail.
    goods_detail: str,
    /// subject.
    subject: str,
    /// goodsDesp.
    goods_desp: str,
    /// remark.
    remark: str,
    /// goodsTag.
    goods_tag: str,
    /// attach.
    attach: str,
    /// extendParams.
    extend_params: ExtendParams,
    /// promoInfo.
    promo_info: str,
    /// upOrderInfo.
    up_order_info: str,
    /// upGoodsInfo.
    up_goods_info: str,
    /// frontUrl.
    front_url: str,
    /// frontFailUrl.
    front_fail_url: str,
    /// expiredStrategy.
    expired_strategy: ExpiredStrategy,
    /// preOrderValidTime.
    pre_order_valid_time: str,
});
extra_getter!(PreOrderRequest);

fn filled(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

impl Validate for PreOrderRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merId", self.mer_id.as_deref(), S(32), Req::M);
        c.text("termId", self.term_id.as_deref(), S(32), Req::M);
        c.listed("accountType", self.account_type.as_ref(), Req::M);
        c.amount("amount", self.amount.as_ref(), Req::M);
        c.text("appId", self.app_id.as_deref(), S(32), Req::C);
        let open_id = self.open_id.as_ref().map(Personal::expose);
        c.text("openId", open_id, S(128), Req::C);
        c.listed("transType", self.trans_type.as_ref(), Req::C);
        c.text("merReqSno", self.mer_req_sno.as_deref(), S(64), Req::M);
        c.text(
            "exterMerOrderNo",
            self.exter_mer_order_no.as_deref(),
            S(32),
            Req::C,
        );
        c.text(
            "exterOrderSource",
            self.exter_order_source.as_deref(),
            S(16),
            Req::C,
        );
        if self.settle_type.as_ref().is_some_and(|s| s.as_str() != "") {
            c.listed("settleType", self.settle_type.as_ref(), Req::C);
        }
        c.text("goodsDetail", self.goods_detail.as_deref(), S(6000), Req::C);
        c.text("subject", self.subject.as_deref(), S(128), Req::M);
        c.text("goodsDesp", self.goods_desp.as_deref(), S(128), Req::C);
        c.text("remark", self.remark.as_deref(), S(128), Req::C);
        c.text("goodsTag", self.goods_tag.as_deref(), S(32), Req::C);
        c.text("attach", self.attach.as_deref(), S(128), Req::C);
        c.nested("extendParams", self.extend_params.as_ref(), Req::C);
        c.text("promoInfo", self.promo_info.as_deref(), S(2048), Req::C);
        c.text("upOrderInfo", self.up_order_info.as_deref(), S(600), Req::C);
        c.text(
            "upGoodsInfo",
            self.up_goods_info.as_deref(),
            S(6000),
            Req::C,
        );
        c.text("frontUrl", self.front_url.as_deref(), S(256), Req::C);
        c.text(
            "frontFailUrl",
            self.front_fail_url.as_deref(),
            S(256),
            Req::C,
        );
        let strategy = self.expired_strategy.as_ref();
        c.listed("expiredStrategy", strategy, Req::C);
        let minutes = self.pre_order_valid_time.as_deref();
        c.text("preOrderValidTime", minutes, MINUTES, Req::C);

        let wechat_js = self.account_type == Some(AccountType::Wechat)
            && matches!(
                self.trans_type,
                Some(TransType::Jsapi | TransType::MiniProgram)
            );
        let why = "for WeChat JSAPI (51) and mini-program (71) payments";
        c.required_when(wechat_js, "appId", filled(self.app_id.as_deref()), why);
        c.required_when(wechat_js, "openId", filled(open_id), why);
        if filled(self.front_fail_url.as_deref()) && !filled(self.front_url.as_deref()) {
            c.push(
                "frontFailUrl",
                Broken::Conflict("frontFailUrl needs frontUrl"),
            );
        }
    }
}
