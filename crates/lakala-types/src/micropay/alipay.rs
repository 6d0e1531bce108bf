//! Alipay's parts of micropay: `acc_busi_fields` for Alipay with its JSON-string fields
//! (extendParams, businessParams, goodsDetail), and Alipay's `acc_resp_fields` with theirs
//! (fund_bill_list, voucher_detail_list, discount_goods_detail).

use crate::json_string::JsonString;
use crate::mask::Personal;
use crate::money::Yuan;
use crate::rules::{CharClass, FieldRule, Len};
use crate::validation::{Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;
/// timeout_express: String(2) of minutes, so digits.
pub(crate) const MINUTES: FieldRule = FieldRule::new(CharClass::N, Len::Max(2));

/// Alipay's `extendParams` (a JSON string in v3's `extend_params`, an object in v2's
/// `extendParams`), camelCase inside.
///
/// `hbFqNum` and `hbFqSellerPercent` are marked M but are "required for Huabei
/// installments": they are required together, or both absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExtendParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    sys_service_provider_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hb_fq_num: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hb_fq_seller_percent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dynamic_token_out_biz_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preset_pay_tool: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`ExtendParams`].
    ExtendParamsBuilder => ExtendParams {
        /// sysServiceProviderId (C), String(64): the service provider's PID.
        sys_service_provider_id: String,
        /// hbFqNum, String(5): Huabei installments, 3, 6 or 12.
        hb_fq_num: String,
        /// hbFqSellerPercent, String(3): 100 (merchant pays the fee) or 0 (payer pays).
        hb_fq_seller_percent: String,
        /// dynamicTokenOutBizNo (C), String(128).
        dynamic_token_out_biz_no: String,
        /// presetPayTool (C), String(256), JSON text.
        preset_pay_tool: String,
    }
}

getters!(ExtendParams {
    /// sysServiceProviderId.
    sys_service_provider_id: str,
    /// hbFqNum.
    hb_fq_num: str,
    /// hbFqSellerPercent.
    hb_fq_seller_percent: str,
    /// dynamicTokenOutBizNo.
    dynamic_token_out_biz_no: str,
    /// presetPayTool.
    preset_pay_tool: str,
});
extra_getter!(ExtendParams);

impl Validate for ExtendParams {
    fn check(&self, c: &mut Checker) {
        let pid = self.sys_service_provider_id.as_deref();
        c.text("sysServiceProviderId", pid, S(64), Req::C);
        let num = self.hb_fq_num.as_deref();
        let percent = self.hb_fq_seller_percent.as_deref();
        let installments = num.is_some() || percent.is_some();
        let req = if installments { Req::M } else { Req::C };
        c.text("hbFqNum", num, S(5), req);
        c.one_of("hbFqNum", num, &["3", "6", "12"], Req::C);
        c.text("hbFqSellerPercent", percent, S(3), req);
        c.one_of("hbFqSellerPercent", percent, &["100", "0"], Req::C);
        let token = self.dynamic_token_out_biz_no.as_deref();
        c.text("dynamicTokenOutBizNo", token, S(128), Req::C);
        c.text(
            "presetPayTool",
            self.preset_pay_tool.as_deref(),
            S(256),
            Req::C,
        );
    }
}

/// Alipay's `businessParams`, camelCase inside.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BusinessParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_pay_link_info: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl BusinessParams {
    /// With `scenePayLinkInfo` (String(256), JSON text), validated.
    pub fn new(
        scene_pay_link_info: impl Into<String>,
    ) -> Result<Self, crate::validation::ValidationErrors> {
        let params = BusinessParams {
            scene_pay_link_info: Some(scene_pay_link_info.into()),
            extra: Map::new(),
        };
        params.validate()?;
        Ok(params)
    }
}

getters!(BusinessParams {
    /// scenePayLinkInfo.
    scene_pay_link_info: str,
});
extra_getter!(BusinessParams);

impl Validate for BusinessParams {
    fn check(&self, c: &mut Checker) {
        let info = self.scene_pay_link_info.as_deref();
        c.text("scenePayLinkInfo", info, S(256), Req::C);
    }
}

/// One entry of Alipay's `goods_detail`; `price` is in yuan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlipayGoods {
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    categories_tree: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    show_url: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds an [`AlipayGoods`].
    AlipayGoodsBuilder => AlipayGoods {
        /// goods_id (M), String(32).
        goods_id: String,
        /// goods_name (M), String(256).
        goods_name: String,
        /// quantity (M), String(12).
        quantity: String,
        /// price (M), yuan, String(12).
        price: Yuan,
        /// goods_category (C), String(24).
        goods_category: String,
        /// categories_tree (C), String(128), ids joined by `|`.
        categories_tree: String,
        /// body (C), String(512).
        body: String,
        /// show_url (C), String(256).
        show_url: String,
    }
}

getters!(AlipayGoods {
    /// goods_id.
    goods_id: str,
    /// goods_name.
    goods_name: str,
    /// quantity.
    quantity: str,
    /// price, yuan.
    price: Yuan,
    /// goods_category.
    goods_category: str,
    /// categories_tree.
    categories_tree: str,
    /// body.
    body: str,
    /// show_url.
    show_url: str,
});
extra_getter!(AlipayGoods);

impl Validate for AlipayGoods {
    fn check(&self, c: &mut Checker) {
        c.text("goods_id", self.goods_id.as_deref(), S(32), Req::M);
        c.text("goods_name", self.goods_name.as_deref(), S(256), Req::M);
        c.text("quantity", self.quantity.as_deref(), S(12), Req::M);
        c.yuan("price", self.price.as_ref(), Req::M);
        c.text(
            "goods_category",
            self.goods_category.as_deref(),
            S(24),
            Req::C,
        );
        c.text(
            "categories_tree",
            self.categories_tree.as_deref(),
            S(128),
            Req::C,
        );
        c.text("body", self.body.as_deref(), S(512), Req::C);
        c.text("show_url", self.show_url.as_deref(), S(256), Req::C);
    }
}

/// `acc_busi_fields` for an Alipay payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlipayBusiFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_express: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extend_params: Option<JsonString<ExtendParams>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_params: Option<JsonString<BusinessParams>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_detail: Option<JsonString<Vec<AlipayGoods>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alipay_store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_options: Option<Vec<String>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`AlipayBusiFields`].
    AlipayBusiFieldsBuilder => AlipayBusiFields {
        /// timeout_express (C), minutes, String(2).
        timeout_express: String,
        /// extend_params (C), String(1024) of JSON.
        extend_params: JsonString<ExtendParams>,
        /// business_params (C), String(512) of JSON.
        business_params: JsonString<BusinessParams>,
        /// goods_detail (C), String(6000) of JSON.
        goods_detail: JsonString<Vec<AlipayGoods>>,
        /// alipay_store_id (C), String(32).
        alipay_store_id: String,
        /// query_options (C), a list.
        query_options: Vec<String>,
    }
}

getters!(AlipayBusiFields {
    /// timeout_express.
    timeout_express: str,
    /// extend_params.
    extend_params: JsonString<ExtendParams>,
    /// business_params.
    business_params: JsonString<BusinessParams>,
    /// goods_detail.
    goods_detail: JsonString<Vec<AlipayGoods>>,
    /// alipay_store_id.
    alipay_store_id: str,
    /// query_options.
    query_options: Vec<String>,
});
extra_getter!(AlipayBusiFields);

impl Validate for AlipayBusiFields {
    fn check(&self, c: &mut Checker) {
        let timeout = self.timeout_express.as_deref();
        c.text("timeout_express", timeout, MINUTES, Req::C);
        c.json(
            "extend_params",
            self.extend_params.as_ref(),
            S(1024),
            Req::C,
        );
        c.json(
            "business_params",
            self.business_params.as_ref(),
            S(512),
            Req::C,
        );
        c.json("goods_detail", self.goods_detail.as_ref(), S(6000), Req::C);
        let store = self.alipay_store_id.as_deref();
        c.text("alipay_store_id", store, S(32), Req::C);
    }
}

/// One entry of `fund_bill_list`: the funding channels of an Alipay payment (yuan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FundBill {
    #[serde(skip_serializing_if = "Option::is_none")]
    fund_channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    real_amount: Option<Yuan>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(FundBill {
    /// fund_channel, e.g. `ALIPAYACCOUNT`, `MDISCOUNT`, `PCREDIT`.
    fund_channel: str,
    /// amount, yuan.
    amount: Yuan,
    /// real_amount, yuan.
    real_amount: Yuan,
});
extra_getter!(FundBill);

impl Validate for FundBill {
    fn check(&self, c: &mut Checker) {
        c.text("fund_channel", self.fund_channel.as_deref(), S(32), Req::M);
        c.yuan("amount", self.amount.as_ref(), Req::M);
        c.yuan("real_amount", self.real_amount.as_ref(), Req::C);
    }
}

/// One entry of `voucher_detail_list`: a voucher used in an Alipay payment (yuan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoucherDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    voucher_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_contribute: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_contribute: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purchase_buyer_contribute: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purchase_merchant_contribute: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purchase_ant_contribute: Option<Yuan>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(VoucherDetail {
    /// id.
    id: str,
    /// name.
    name: str,
    /// type, e.g. `ALIPAY_FIX_VOUCHER`.
    voucher_type: str,
    /// amount, yuan.
    amount: Yuan,
    /// merchant_contribute, yuan.
    merchant_contribute: Yuan,
    /// other_contribute, yuan.
    other_contribute: Yuan,
    /// memo.
    memo: str,
    /// template_id.
    template_id: str,
    /// purchase_buyer_contribute, yuan.
    purchase_buyer_contribute: Yuan,
    /// purchase_merchant_contribute, yuan.
    purchase_merchant_contribute: Yuan,
    /// purchase_ant_contribute, yuan.
    purchase_ant_contribute: Yuan,
});
extra_getter!(VoucherDetail);

impl Validate for VoucherDetail {
    fn check(&self, c: &mut Checker) {
        c.text("id", self.id.as_deref(), S(64), Req::M);
        c.text("name", self.name.as_deref(), S(128), Req::C);
        c.text("type", self.voucher_type.as_deref(), S(64), Req::C);
        c.yuan("amount", self.amount.as_ref(), Req::M);
    }
}

/// One entry of `discount_goods_detail`: a single-item coupon's effect (yuan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiscountGoods {
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount_amount: Option<Yuan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voucher_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_num: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(DiscountGoods {
    /// goods_id.
    goods_id: str,
    /// goods_name.
    goods_name: str,
    /// discount_amount, yuan.
    discount_amount: Yuan,
    /// voucher_id.
    voucher_id: str,
    /// goods_num (a decimal such as `1.0`).
    goods_num: str,
});
extra_getter!(DiscountGoods);

impl Validate for DiscountGoods {
    fn check(&self, c: &mut Checker) {
        c.text("goods_id", self.goods_id.as_deref(), S(32), Req::M);
        c.text("goods_name", self.goods_name.as_deref(), S(256), Req::C);
        c.yuan("discount_amount", self.discount_amount.as_ref(), Req::M);
        c.text("voucher_id", self.voucher_id.as_deref(), S(64), Req::C);
    }
}

/// Alipay's `acc_resp_fields`. `user_id` is masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlipayRespFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alipay_store_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fund_bill_list: Option<JsonString<Vec<FundBill>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount_goods_detail: Option<JsonString<Vec<DiscountGoods>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voucher_detail_list: Option<JsonString<Vec<VoucherDetail>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enterprise_pay_info: Option<JsonString<Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(AlipayRespFields {
    /// user_id (M), the buyer's Alipay user id.
    user_id: Personal,
    /// alipay_store_id.
    alipay_store_id: str,
    /// fund_bill_list.
    fund_bill_list: JsonString<Vec<FundBill>>,
    /// discount_goods_detail.
    discount_goods_detail: JsonString<Vec<DiscountGoods>>,
    /// voucher_detail_list.
    voucher_detail_list: JsonString<Vec<VoucherDetail>>,
    /// enterprise_pay_info (its shape is not specified, so untyped JSON).
    enterprise_pay_info: JsonString<Value>,
});
extra_getter!(AlipayRespFields);

impl Validate for AlipayRespFields {
    fn check(&self, c: &mut Checker) {
        let user = self.user_id.as_ref().map(Personal::expose);
        c.text("user_id", user, S(64), Req::M);
        let store = self.alipay_store_id.as_deref();
        c.text("alipay_store_id", store, S(32), Req::C);
        c.json(
            "fund_bill_list",
            self.fund_bill_list.as_ref(),
            S(4096),
            Req::C,
        );
        let goods = self.discount_goods_detail.as_ref();
        c.json("discount_goods_detail", goods, S(4096), Req::C);
        let vouchers = self.voucher_detail_list.as_ref();
        c.json("voucher_detail_list", vouchers, S(4096), Req::C);
        let info = self.enterprise_pay_info.as_ref();
        c.json("enterprise_pay_info", info, S(1024), Req::C);
    }
}
