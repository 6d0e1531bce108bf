//! The gate/auth business JSON carried in `encData` (spec section 4.1).

use super::{RetCode, RET_CODE, RET_MSG};
use crate::mask::Personal;
use crate::rules::{CharClass, FieldRule, Len};
use crate::validation::{Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// orderNo: AN50 in the spec, read as AN..50.
const ORDER_NO: FieldRule = FieldRule::new(CharClass::AN, Len::Max(50));
/// name: A10 in the spec, read as a name of at most 10 characters in any script.
const NAME: FieldRule = FieldRule::new(CharClass::Name, Len::Max(10));
/// certNo: AN20 in the spec, read as AN..20.
const CERT_NO: FieldRule = FieldRule::new(CharClass::AN, Len::Max(20));
/// bankCardNo: N20 in the spec, read as N..20.
const BANK_CARD_NO: FieldRule = FieldRule::new(CharClass::N, Len::Max(20));
/// bankMobile: N15 in the spec, read as N..15.
const BANK_MOBILE: FieldRule = FieldRule::new(CharClass::N, Len::Max(15));

wire_enum! {
    /// `bizType`: what to verify.
    #[non_exhaustive]
    pub enum BizType {
        /// 00: identity (name and certificate number).
        Identity = "00",
        /// 01: bank card, three elements (adds bankCardNo).
        BankCard3 = "01",
        /// 02: bank card, four elements (adds bankCardNo and bankMobile).
        BankCard4 = "02",
    }
}

wire_enum! {
    /// `certType`: the certificate kind.
    #[non_exhaustive]
    pub enum CertType {
        /// 00: resident identity card (身份证).
        IdCard = "00",
    }
}

fn needs_card(biz: Option<&BizType>) -> bool {
    matches!(biz, Some(BizType::BankCard3 | BizType::BankCard4))
}

fn needs_mobile(biz: Option<&BizType>) -> bool {
    matches!(biz, Some(BizType::BankCard4))
}

/// The verification request (4.1.1). Personal fields are masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_type: Option<BizType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_no: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_type: Option<CertType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_card_no: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_mobile: Option<Personal>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds an [`AuthRequest`].
    AuthRequestBuilder => AuthRequest {
        /// orderNo*, AN..50, unique per merchant.
        order_no: String,
        /// bizType*.
        biz_type: BizType,
        /// name*, the holder's name.
        name: Personal,
        /// certNo*, AN..20.
        cert_no: Personal,
        /// certType*.
        cert_type: CertType,
        /// bankCardNo, N..20; required when bizType is 01 or 02.
        bank_card_no: Personal,
        /// bankMobile, N..15; required when bizType is 02.
        bank_mobile: Personal,
    }
}

getters!(AuthRequest {
    /// orderNo.
    order_no: str,
    /// bizType.
    biz_type: BizType,
    /// name.
    name: Personal,
    /// certNo.
    cert_no: Personal,
    /// certType.
    cert_type: CertType,
    /// bankCardNo.
    bank_card_no: Personal,
    /// bankMobile.
    bank_mobile: Personal,
});
extra_getter!(AuthRequest);

fn check_common(c: &mut Checker, fields: &AuthFields<'_>, req: Req) {
    c.text("orderNo", fields.order_no, ORDER_NO, req);
    c.listed("bizType", fields.biz_type, req);
    c.text("name", fields.name.map(Personal::expose), NAME, req);
    c.text("certNo", fields.cert_no.map(Personal::expose), CERT_NO, req);
    c.listed("certType", fields.cert_type, req);
    let card = fields.bank_card_no.map(Personal::expose);
    c.text("bankCardNo", card, BANK_CARD_NO, Req::C);
    let mobile = fields.bank_mobile.map(Personal::expose);
    c.text("bankMobile", mobile, BANK_MOBILE, Req::C);
    c.required_when(
        needs_card(fields.biz_type),
        "bankCardNo",
        card.is_some_and(|v| !v.is_empty()),
        "when bizType is 01 or 02",
    );
    c.required_when(
        needs_mobile(fields.biz_type),
        "bankMobile",
        mobile.is_some_and(|v| !v.is_empty()),
        "when bizType is 02",
    );
}

struct AuthFields<'a> {
    order_no: Option<&'a str>,
    biz_type: Option<&'a BizType>,
    name: Option<&'a Personal>,
    cert_no: Option<&'a Personal>,
    cert_type: Option<&'a CertType>,
    bank_card_no: Option<&'a Personal>,
    bank_mobile: Option<&'a Personal>,
}

impl Validate for AuthRequest {
    fn check(&self, c: &mut Checker) {
        let fields = AuthFields {
            order_no: self.order_no.as_deref(),
            biz_type: self.biz_type.as_ref(),
            name: self.name.as_ref(),
            cert_no: self.cert_no.as_ref(),
            cert_type: self.cert_type.as_ref(),
            bank_card_no: self.bank_card_no.as_ref(),
            bank_mobile: self.bank_mobile.as_ref(),
        };
        check_common(c, &fields, Req::M);
    }
}

/// The verification answer (4.1.2): the request's fields echoed (none required) plus
/// retCode* and retMsg*. Personal fields are masked in `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_type: Option<BizType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_no: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_type: Option<CertType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_card_no: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_mobile: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_code: Option<RetCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_msg: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(AuthResponse {
    /// orderNo.
    order_no: str,
    /// bizType.
    biz_type: BizType,
    /// name.
    name: Personal,
    /// certNo.
    cert_no: Personal,
    /// certType.
    cert_type: CertType,
    /// bankCardNo.
    bank_card_no: Personal,
    /// bankMobile.
    bank_mobile: Personal,
    /// retCode: the verification outcome.
    ret_code: RetCode,
    /// retMsg.
    ret_msg: str,
});
extra_getter!(AuthResponse);

impl Validate for AuthResponse {
    fn check(&self, c: &mut Checker) {
        let fields = AuthFields {
            order_no: self.order_no.as_deref(),
            biz_type: self.biz_type.as_ref(),
            name: self.name.as_ref(),
            cert_no: self.cert_no.as_ref(),
            cert_type: self.cert_type.as_ref(),
            bank_card_no: self.bank_card_no.as_ref(),
            bank_mobile: self.bank_mobile.as_ref(),
        };
        check_common(c, &fields, Req::C);
        c.text(
            "retCode",
            self.ret_code.as_ref().map(RetCode::as_str),
            RET_CODE,
            Req::M,
        );
        c.text("retMsg", self.ret_msg.as_deref(), RET_MSG, Req::M);
    }
}
