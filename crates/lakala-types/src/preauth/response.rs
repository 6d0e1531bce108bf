//! The pre-order response (spec 001, 响应参数) and the payment data that depends on the
//! request's `transType` and `payMode`.

use super::{AccountType, TransType};
use crate::error::ParseError;
use crate::rules::FieldRule;
use crate::timestamp::DateTime14;
use crate::validation::{Checker, Req, Validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

/// `respData` of the pre-order call: the table's common fields, and in `extra` every other
/// field, from which [`PreOrderResponse::payment_data`] decodes the per-`transType` part.
///
/// Parses the examples' `orderId` / `lklOrderId` as `merReqSno` / `lklOrderNo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PreOrderResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(alias = "orderId", skip_serializing_if = "Option::is_none")]
    mer_req_sno: Option<String>,
    #[serde(alias = "lklOrderId", skip_serializing_if = "Option::is_none")]
    lkl_order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_no: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(PreOrderResponse {
    /// tradeTime (M), the platform's trade time.
    trade_time: DateTime14,
    /// merReqSno (M), echoing the request.
    mer_req_sno: str,
    /// lklOrderNo (M), Lakala's order number.
    lkl_order_no: str,
    /// logNo (M), the last 14 characters of lklOrderNo.
    log_no: str,
});
extra_getter!(PreOrderResponse);

impl Validate for PreOrderResponse {
    fn check(&self, c: &mut Checker) {
        c.present("tradeTime", self.trade_time.is_some(), Req::M);
        c.text("merReqSno", self.mer_req_sno.as_deref(), S(64), Req::M);
        c.text("lklOrderNo", self.lkl_order_no.as_deref(), S(32), Req::M);
        c.text("logNo", self.log_no.as_deref(), S(14), Req::M);
    }
}

/// What the payer's device needs to pay, by the request's `transType` and `payMode`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PaymentData {
    /// transType 51 with WECHAT: parameters for WeChat's JSAPI.
    WechatJsapi(WechatJsapiParams),
    /// transType 51 with ALIPAY.
    AlipayJsapi(PrepayParams),
    /// transType 51 with UQRCODEPAY: where to redirect the payer.
    UnionPayJsapi(RedirectParams),
    /// transType 51 with LKLACC.
    LklAccJsapi(PrepayParams),
    /// transType 41: the QR code to show.
    Native(NativeParams),
    /// transType 71: parameters for the WeChat mini-program.
    MiniProgram(MiniProgramParams),
    /// transType 61: parameters for the WeChat app SDK.
    App(AppParams),
    /// transType 81: the Alipay H5 form.
    AlipayH5(AlipayH5Params),
    /// A combination the spec lists no fields for (e.g. JSAPI with BESTPAY); see
    /// [`PreOrderResponse::extra`].
    Unlisted,
}

impl PreOrderResponse {
    /// Decodes the fields the spec returns for this `transType` and `payMode` (the request's
    /// values; the response does not repeat them). Fails only when a field has the wrong JSON
    /// type; rule violations are reported by the result's [`Validate`] impl.
    pub fn payment_data(
        &self,
        trans_type: &TransType,
        account_type: &AccountType,
    ) -> Result<PaymentData, ParseError> {
        Ok(match (trans_type, account_type) {
            (TransType::Jsapi, AccountType::Wechat) => PaymentData::WechatJsapi(self.decode()?),
            (TransType::Jsapi, AccountType::Alipay) => PaymentData::AlipayJsapi(self.decode()?),
            (TransType::Jsapi, AccountType::UnionPay) => PaymentData::UnionPayJsapi(self.decode()?),
            (TransType::Jsapi, AccountType::LklAcc) => PaymentData::LklAccJsapi(self.decode()?),
            (TransType::Native, _) => PaymentData::Native(self.decode()?),
            (TransType::MiniProgram, _) => PaymentData::MiniProgram(self.decode()?),
            (TransType::App, _) => PaymentData::App(self.decode()?),
            (TransType::AlipayH5, _) => PaymentData::AlipayH5(self.decode()?),
            _ => PaymentData::Unlisted,
        })
    }

    fn decode<T: DeserializeOwned>(&self) -> Result<T, ParseError> {
        serde_json::from_value(Value::Object(self.extra.clone())).map_err(ParseError::Json)
    }
}

impl Validate for PaymentData {
    fn check(&self, c: &mut Checker) {
        match self {
            PaymentData::WechatJsapi(p) => p.check(c),
            PaymentData::AlipayJsapi(p) | PaymentData::LklAccJsapi(p) => p.check(c),
            PaymentData::UnionPayJsapi(p) => p.check(c),
            PaymentData::Native(p) => p.check(c),
            PaymentData::MiniProgram(p) => p.check(c),
            PaymentData::App(p) => p.check(c),
            PaymentData::AlipayH5(p) => p.check(c),
            PaymentData::Unlisted => {}
        }
    }
}

/// Declares a payment-data struct: all fields `String(n)`, optional (C), camelCase.
macro_rules! params {
    ($(#[$m:meta])* $name:ident { $( $(#[$fm:meta])* $field:ident : $max:literal ),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        pub struct $name {
            $( #[serde(skip_serializing_if = "Option::is_none")] $field: Option<String>, )*
        }

        getters!($name { $( $(#[$fm])* $field: str, )* });

        impl Validate for $name {
            fn check(&self, c: &mut Checker) {
                $( c.text(&camel(stringify!($field)), self.$field.as_deref(), S($max), Req::C); )*
            }
        }
    };
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

params! {
    /// transType 51 with payMode WECHAT.
    WechatJsapiParams {
        /// paySign, String(256).
        pay_sign: 256,
        /// appId, String(32).
        app_id: 32,
        /// timeStamp, String(32).
        time_stamp: 32,
        /// nonceStr, String(32).
        nonce_str: 32,
        /// package, String(128): `prepay_id=...`.
        package: 128,
        /// signType, String(32).
        sign_type: 32,
    }
}

params! {
    /// transType 51 with payMode ALIPAY or LKLACC.
    PrepayParams {
        /// prepayId, String(32).
        prepay_id: 32,
    }
}

params! {
    /// transType 51 with payMode UQRCODEPAY.
    RedirectParams {
        /// redirectUrl, String(256).
        redirect_url: 256,
    }
}

params! {
    /// transType 41 (NATIVE).
    NativeParams {
        /// code, String(256): the content of the QR code to show.
        code: 256,
        /// codeImage, String(256): a Base64 image (not yet provided by the platform).
        code_image: 256,
    }
}

params! {
    /// transType 71 (WeChat mini-program).
    MiniProgramParams {
        /// prepayId, String(32).
        prepay_id: 32,
        /// paySign, String(256).
        pay_sign: 256,
        /// appId, String(32).
        app_id: 32,
        /// timeStamp, String(32).
        time_stamp: 32,
        /// nonceStr, String(32).
        nonce_str: 32,
        /// package, String(128).
        package: 128,
        /// signType, String(32).
        sign_type: 32,
    }
}

params! {
    /// transType 61 (WeChat app).
    AppParams {
        /// prepayId, String(32).
        prepay_id: 32,
        /// paySign, String(256).
        pay_sign: 256,
        /// appId, String(32).
        app_id: 32,
        /// timeStamp, String(32).
        time_stamp: 32,
        /// nonceStr, String(32).
        nonce_str: 32,
        /// package, String(128): `Sign=WXPay`.
        package: 128,
        /// partnerId, String(32).
        partner_id: 32,
    }
}

params! {
    /// transType 81 (Alipay H5).
    AlipayH5Params {
        /// formData, String(128): the HTML form to submit to Alipay.
        form_data: 128,
    }
}
