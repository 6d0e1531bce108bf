//! The labs pre-order request (聚合主扫, `POST /api/v3/labs/trans/preorder`): the shop asks
//! the platform for something the customer pays with (a QR code to scan, WeChat pay-sign
//! fields, an Alipay trade number, a UnionPay page).

use super::busi_fields::{
    AlipayPreorderFields, PreorderBusiFields, UnionPayPreorderFields, WechatPreorderFields,
};
use super::identity::IdentityInfo;
use super::kind::PreorderKind;
use crate::json_string::JsonString;
use crate::mask::Personal;
use crate::micropay::LocationInfo;
use crate::money::Amount;
use crate::preauth::{SettleType, TransType};
use crate::rules::FieldRule;
use crate::validation::{Broken, Checker, Req, Validate, ValidationErrors};
use crate::wallet::AccountType;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

fn filled(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// `req_data` of the labs pre-order.
///
/// Built with [`PreorderRequest::builder`] and one [`PreorderScenario`], which sets
/// `account_type`, `trans_type` and `acc_busi_fields` together, so that one wallet's fields
/// cannot be sent for another; the combination's own rules (`sub_appid` and `user_id` for
/// WeChat, no `user_id` on a NATIVE order, ...) are checked by [`Validate`] before the
/// value is handed out. Personal data (`user_id`, `identity_info`) is masked in `Debug`.
///
/// Parsing reads `acc_busi_fields` as the fields of the request's `account_type`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PreorderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trans_type: Option<TransType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_info: Option<LocationInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    busi_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pay_order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_type: Option<SettleType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_info: Option<JsonString<IdentityInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promo_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_busi_fields: Option<PreorderBusiFields>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`PreorderRequest`]; set the wallet and the way of paying with
    /// [`scenario`](PreorderRequestBuilder::scenario).
    PreorderRequestBuilder => PreorderRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_trade_no (M), String(32), unique in the merchant's system.
        out_trade_no: String,
        /// total_amount (M), fen, String(12).
        total_amount: Amount,
        /// location_info (M): the platform's risk control requires it.
        location_info: LocationInfo,
        /// busi_mode (C), String(8): `ACQ` (收单, the default).
        busi_mode: String,
        /// subject (C; M for WeChat), String(42): what is bought, shown by the wallet.
        subject: String,
        /// pay_order_no (C), String(64): Lakala's order-system number, when the payment
        /// belongs to one.
        pay_order_no: String,
        /// notify_url (C), String(128): where the platform notifies the outcome (when no
        /// pay_order_no is sent).
        notify_url: String,
        /// settle_type (C): `0` regular (the default), `1` for Lakala's split settlement.
        settle_type: SettleType,
        /// remark (C), String(128).
        remark: String,
        /// identity_info (C), JSON text of at most 512 characters: the payer's identity for
        /// a real-name payment. Requires the encrypted route (`preorder_encry`).
        identity_info: JsonString<IdentityInfo>,
        /// promo_info (C), String(512): promotion data, JSON text.
        promo_info: String,
    }
}

impl PreorderRequestBuilder {
    /// Sets `account_type`, `trans_type` and `acc_busi_fields` from one scenario (empty
    /// wallet fields are not sent).
    pub fn scenario(mut self, scenario: PreorderScenario) -> Self {
        let kind = scenario.kind();
        self.inner.account_type = Some(kind.account_type());
        self.inner.trans_type = Some(kind.trans_type());
        let fields = scenario.into_fields();
        let empty =
            serde_json::to_value(&fields).is_ok_and(|v| v.as_object().is_some_and(Map::is_empty));
        self.inner.acc_busi_fields = if empty { None } else { Some(fields) };
        self
    }
}

getters!(PreorderRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// account_type.
    account_type: AccountType,
    /// trans_type.
    trans_type: TransType,
    /// total_amount.
    total_amount: Amount,
    /// location_info.
    location_info: LocationInfo,
    /// busi_mode.
    busi_mode: str,
    /// subject.
    subject: str,
    /// pay_order_no.
    pay_order_no: str,
    /// notify_url.
    notify_url: str,
    /// settle_type.
    settle_type: SettleType,
    /// remark.
    remark: str,
    /// identity_info.
    identity_info: JsonString<IdentityInfo>,
    /// promo_info.
    promo_info: str,
    /// acc_busi_fields.
    acc_busi_fields: PreorderBusiFields,
});
extra_getter!(PreorderRequest);

impl PreorderRequest {
    /// The combination asked for, when this crate models it (every built request has one).
    pub fn kind(&self) -> Option<PreorderKind> {
        PreorderKind::from_wire(self.account_type.as_ref()?, self.trans_type.as_ref()?)
    }

    /// Whether Lakala requires this request on the encrypted route (`preorder_encry`): it
    /// carries the payer's identity.
    pub fn needs_encryption(&self) -> bool {
        self.identity_info.is_some()
    }

    /// The order's validity in minutes as sent (`acc_busi_fields.timeout_express`), when
    /// sent and numeric; see [`PreorderRequest::validity_minutes`].
    pub fn timeout_minutes(&self) -> Option<u32> {
        self.acc_busi_fields
            .as_ref()?
            .timeout_express()?
            .parse()
            .ok()
    }

    /// How long the customer may pay, in minutes: `timeout_express` as sent, else Lakala's
    /// default ([`PREORDER_DEFAULT_TIMEOUT_MINUTES`]). For Alipay and UnionPay the wallet
    /// lets the order lapse after it; for WeChat it only bounds the `prepay_id` and WeChat
    /// does **not** close the order: close it (`CloseRequest`) when it expires unpaid.
    pub fn validity_minutes(&self) -> u32 {
        self.timeout_minutes()
            .unwrap_or(PREORDER_DEFAULT_TIMEOUT_MINUTES)
    }
}

/// Lakala's pre-order validity when `timeout_express` is not sent: 5 minutes.
pub const PREORDER_DEFAULT_TIMEOUT_MINUTES: u32 = 5;

/// What the customer is asked to pay with, and the wallet fields that go with it: one
/// variant per [`PreorderKind`], so that a wallet's fields cannot be sent for another.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PreorderScenario {
    /// WECHAT × 51 (official account page); `sub_appid` and `user_id` required.
    WechatJsapi(WechatPreorderFields),
    /// WECHAT × 71 (mini-program); `sub_appid` and `user_id` required.
    WechatMiniProgram(WechatPreorderFields),
    /// ALIPAY × 41 (QR code); no `user_id`.
    AlipayNative(AlipayPreorderFields),
    /// ALIPAY × 51 (service window, mini-program); `user_id` required.
    AlipayJsapi(AlipayPreorderFields),
    /// UQRCODEPAY × 41 (QR code); no `user_id`, `front_url`, `front_fail_url`.
    UnionPayNative(UnionPayPreorderFields),
    /// UQRCODEPAY × 51 (UnionPay JS payment).
    UnionPayJsapi(UnionPayPreorderFields),
}

impl PreorderScenario {
    /// A WeChat JSAPI pre-order for the payer `openid` under the app `sub_appid`.
    pub fn wechat_jsapi(
        sub_appid: impl Into<String>,
        openid: impl Into<Personal>,
    ) -> Result<Self, ValidationErrors> {
        let fields = WechatPreorderFields::builder()
            .sub_appid(sub_appid)
            .user_id(openid)
            .build()?;
        Ok(PreorderScenario::WechatJsapi(fields))
    }

    /// A WeChat mini-program pre-order for the payer `openid` under the mini-program
    /// `sub_appid`.
    pub fn wechat_mini_program(
        sub_appid: impl Into<String>,
        openid: impl Into<Personal>,
    ) -> Result<Self, ValidationErrors> {
        let fields = WechatPreorderFields::builder()
            .sub_appid(sub_appid)
            .user_id(openid)
            .build()?;
        Ok(PreorderScenario::WechatMiniProgram(fields))
    }

    /// An Alipay QR-code pre-order with no wallet fields.
    pub fn alipay_native() -> Self {
        PreorderScenario::AlipayNative(AlipayPreorderFields::default())
    }

    /// An Alipay JSAPI pre-order for the payer `buyer_user_id`.
    pub fn alipay_jsapi(buyer_user_id: impl Into<Personal>) -> Result<Self, ValidationErrors> {
        let fields = AlipayPreorderFields::builder()
            .user_id(buyer_user_id)
            .build()?;
        Ok(PreorderScenario::AlipayJsapi(fields))
    }

    /// A UnionPay QR-code pre-order with no wallet fields.
    pub fn unionpay_native() -> Self {
        PreorderScenario::UnionPayNative(UnionPayPreorderFields::default())
    }

    /// A UnionPay JS pre-order with no wallet fields (add `user_id`, `front_url`, ... by
    /// building [`UnionPayPreorderFields`] yourself).
    pub fn unionpay_jsapi() -> Self {
        PreorderScenario::UnionPayJsapi(UnionPayPreorderFields::default())
    }

    /// The combination.
    pub fn kind(&self) -> PreorderKind {
        match self {
            PreorderScenario::WechatJsapi(_) => PreorderKind::WechatJsapi,
            PreorderScenario::WechatMiniProgram(_) => PreorderKind::WechatMiniProgram,
            PreorderScenario::AlipayNative(_) => PreorderKind::AlipayNative,
            PreorderScenario::AlipayJsapi(_) => PreorderKind::AlipayJsapi,
            PreorderScenario::UnionPayNative(_) => PreorderKind::UnionPayNative,
            PreorderScenario::UnionPayJsapi(_) => PreorderKind::UnionPayJsapi,
        }
    }

    fn into_fields(self) -> PreorderBusiFields {
        match self {
            PreorderScenario::WechatJsapi(f) | PreorderScenario::WechatMiniProgram(f) => {
                PreorderBusiFields::Wechat(f)
            }
            PreorderScenario::AlipayNative(f) | PreorderScenario::AlipayJsapi(f) => {
                PreorderBusiFields::Alipay(f)
            }
            PreorderScenario::UnionPayNative(f) | PreorderScenario::UnionPayJsapi(f) => {
                PreorderBusiFields::UnionPay(f)
            }
        }
    }
}

const KINDS: &str =
    "account_type × trans_type must be WECHAT 51/71, ALIPAY 41/51 or UQRCODEPAY 41/51";

impl Validate for PreorderRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
        let account = self.account_type.as_ref();
        c.text(
            "account_type",
            account.map(AccountType::as_str),
            S(32),
            Req::M,
        );
        c.listed("trans_type", self.trans_type.as_ref(), Req::M);
        let kind = self.kind();
        if account.is_some() && self.trans_type.is_some() && kind.is_none() {
            c.push("trans_type", Broken::Conflict(KINDS));
        }
        c.amount("total_amount", self.total_amount.as_ref(), Req::M);
        if self.total_amount.is_some_and(|a| a.fen() == 0) {
            c.push("total_amount", Broken::Format("at least 1 fen"));
        }
        c.nested("location_info", self.location_info.as_ref(), Req::M);
        c.text("busi_mode", self.busi_mode.as_deref(), S(8), Req::C);
        c.text("subject", self.subject.as_deref(), S(42), Req::C);
        let wechat = account == Some(&AccountType::Wechat);
        c.required_when(
            wechat,
            "subject",
            filled(self.subject.as_deref()),
            "when account_type is WECHAT",
        );
        c.text("pay_order_no", self.pay_order_no.as_deref(), S(64), Req::C);
        c.text("notify_url", self.notify_url.as_deref(), S(128), Req::C);
        c.listed("settle_type", self.settle_type.as_ref(), Req::C);
        c.text("remark", self.remark.as_deref(), S(128), Req::C);
        c.json("identity_info", self.identity_info.as_ref(), S(512), Req::C);
        c.text("promo_info", self.promo_info.as_deref(), S(512), Req::C);
        c.nested("acc_busi_fields", self.acc_busi_fields.as_ref(), Req::C);
        if let Some(kind) = kind {
            check_combination(c, kind, self.acc_busi_fields.as_ref());
        }
    }
}

const WECHAT_NEEDS: &str = "for WECHAT with trans_type 51 or 71";

/// The rules one combination adds to its wallet's fields.
fn check_combination(c: &mut Checker, kind: PreorderKind, fields: Option<&PreorderBusiFields>) {
    if let Some(fields) = fields {
        if fields.account_type() != Some(kind.account_type()) {
            c.push(
                "acc_busi_fields",
                Broken::Conflict("these are another wallet's fields than account_type's"),
            );
            return;
        }
    }
    let user = fields.and_then(PreorderBusiFields::user_id);
    let has_user = user.is_some_and(|u| !u.expose().is_empty());
    match (kind, fields) {
        (PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram, wechat) => {
            let sub_appid = match wechat {
                Some(PreorderBusiFields::Wechat(f)) => filled(f.sub_appid()),
                _ => false,
            };
            c.required_when(true, "acc_busi_fields.sub_appid", sub_appid, WECHAT_NEEDS);
            c.required_when(true, "acc_busi_fields.user_id", has_user, WECHAT_NEEDS);
        }
        (PreorderKind::AlipayJsapi, _) => {
            let when = "for ALIPAY with trans_type 51";
            c.required_when(true, "acc_busi_fields.user_id", has_user, when);
        }
        (PreorderKind::AlipayNative, _) => {
            if has_user {
                c.push(
                    "acc_busi_fields.user_id",
                    Broken::Conflict("not sent for NATIVE (trans_type 41)"),
                );
            }
        }
        (PreorderKind::UnionPayNative, union) => {
            let (front, fail) = match union {
                Some(PreorderBusiFields::UnionPay(f)) => {
                    (filled(f.front_url()), filled(f.front_fail_url()))
                }
                _ => (false, false),
            };
            for (name, present) in [
                ("acc_busi_fields.user_id", has_user),
                ("acc_busi_fields.front_url", front),
                ("acc_busi_fields.front_fail_url", fail),
            ] {
                if present {
                    c.push(
                        name,
                        Broken::Conflict("not sent for NATIVE (trans_type 41)"),
                    );
                }
            }
        }
        (PreorderKind::UnionPayJsapi, _) => {}
    }
}

/// The wire form, read before `acc_busi_fields` can be typed by `account_type`.
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    merchant_no: Option<String>,
    #[serde(default)]
    term_no: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    account_type: Option<AccountType>,
    #[serde(default)]
    trans_type: Option<TransType>,
    #[serde(default)]
    total_amount: Option<Amount>,
    #[serde(default)]
    location_info: Option<LocationInfo>,
    #[serde(default)]
    busi_mode: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    pay_order_no: Option<String>,
    #[serde(default)]
    notify_url: Option<String>,
    #[serde(default)]
    settle_type: Option<SettleType>,
    #[serde(default)]
    remark: Option<String>,
    #[serde(default)]
    identity_info: Option<JsonString<IdentityInfo>>,
    #[serde(default)]
    promo_info: Option<String>,
    #[serde(default)]
    acc_busi_fields: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for PreorderRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let acc_busi_fields = wire
            .acc_busi_fields
            .map(|fields| PreorderBusiFields::from_wire(wire.account_type.as_ref(), fields))
            .transpose()
            .map_err(serde::de::Error::custom)?;
        Ok(PreorderRequest {
            merchant_no: wire.merchant_no,
            term_no: wire.term_no,
            out_trade_no: wire.out_trade_no,
            account_type: wire.account_type,
            trans_type: wire.trans_type,
            total_amount: wire.total_amount,
            location_info: wire.location_info,
            busi_mode: wire.busi_mode,
            subject: wire.subject,
            pay_order_no: wire.pay_order_no,
            notify_url: wire.notify_url,
            settle_type: wire.settle_type,
            remark: wire.remark,
            identity_info: wire.identity_info,
            promo_info: wire.promo_info,
            acc_busi_fields,
            extra: wire.extra,
        })
    }
}
