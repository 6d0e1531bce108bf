//! What a shop hands the customer after a pre-order: read from the answer's
//! `acc_resp_fields` according to the combination the request asked for.

use super::kind::PreorderKind;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// Why an answer's `acc_resp_fields` do not make a payment request for the customer.
///
/// What a caller may assume: nothing is shown to the customer; the order may still exist
/// on the platform (the pre-order was answered), so it is settled by a trade query or
/// closed, never assumed absent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentRequestError {
    /// The answer has no `acc_resp_fields` object at all.
    #[error("acc_resp_fields: required for {kind} but missing")]
    MissingAccRespFields {
        /// The combination asked for (`wechat_jsapi`, ...).
        kind: &'static str,
    },
    /// A field the combination needs is absent, `null` or empty.
    #[error("{field}: required for {kind} but missing")]
    MissingField {
        /// Its path (`acc_resp_fields.pay_sign`).
        field: &'static str,
        /// The combination asked for.
        kind: &'static str,
    },
    /// A field is not a JSON string.
    #[error("{field}: not a string")]
    NotText {
        /// Its path.
        field: &'static str,
    },
    /// A field is longer than this crate accepts.
    #[error("{field}: {found} characters, at most {max} accepted")]
    TooLong {
        /// Its path.
        field: &'static str,
        /// Characters found.
        found: usize,
        /// The limit.
        max: usize,
    },
}

/// The QR code of a NATIVE (41) pre-order: the shop renders `code` (a URL) as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrCode {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_image: Option<String>,
}

impl QrCode {
    /// `code`: the text to render as a QR code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// `code_image`: a base64 image of the code, when the platform sends one (it documents
    /// the field as not provided yet).
    pub fn code_image(&self) -> Option<&str> {
        self.code_image.as_deref()
    }
}

/// The fields a WeChat JSAPI page (`WeixinJSBridge.invoke('getBrandWCPayRequest', …)`) or
/// mini-program (`wx.requestPayment`) needs, as the platform signed them. Not personal data.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct WechatPaySign {
    app_id: String,
    time_stamp: String,
    nonce_str: String,
    package: String,
    sign_type: String,
    pay_sign: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    prepay_id: Option<String>,
}

impl WechatPaySign {
    /// app_id (`appId`).
    pub fn app_id(&self) -> &str {
        &self.app_id
    }
    /// time_stamp (`timeStamp`).
    pub fn time_stamp(&self) -> &str {
        &self.time_stamp
    }
    /// nonce_str (`nonceStr`).
    pub fn nonce_str(&self) -> &str {
        &self.nonce_str
    }
    /// package (`package`, `prepay_id=…`).
    pub fn package(&self) -> &str {
        &self.package
    }
    /// sign_type (`signType`, `RSA` or `MD5`).
    pub fn sign_type(&self) -> &str {
        &self.sign_type
    }
    /// pay_sign (`paySign`).
    pub fn pay_sign(&self) -> &str {
        &self.pay_sign
    }
    /// prepay_id, when the answer carries it apart from `package`.
    pub fn prepay_id(&self) -> Option<&str> {
        self.prepay_id.as_deref()
    }
}

impl fmt::Debug for WechatPaySign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The signature is a bearer credential for this payment: shown shortened.
        let short: String = self.pay_sign.chars().take(8).collect();
        f.debug_struct("WechatPaySign")
            .field("app_id", &self.app_id)
            .field("time_stamp", &self.time_stamp)
            .field("nonce_str", &self.nonce_str)
            .field("package", &self.package)
            .field("sign_type", &self.sign_type)
            .field("pay_sign", &format_args!("{short}…"))
            .field("prepay_id", &self.prepay_id)
            .finish()
    }
}

/// What the customer pays with, by the combination the pre-order asked for. Serializes
/// (for a shop's page or a CLI) with a `type` of `qr_code`, `wechat_pay`, `alipay_trade` or
/// `unionpay_redirect` beside the variant's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentRequestForCustomer {
    /// NATIVE (41), Alipay or UnionPay: a QR code to show.
    QrCode(QrCode),
    /// WeChat JSAPI (51) or mini-program (71): the pay-sign fields for the page or
    /// mini-program.
    WechatPay(WechatPaySign),
    /// Alipay JSAPI (51): Alipay's trade number (`prepay_id`), for `my.tradePay` /
    /// `AlipayJSBridge` `tradePay`.
    AlipayTrade {
        /// prepay_id: Alipay's trade number.
        trade_no: String,
    },
    /// UnionPay JS (51): the page to send the payer's browser to.
    #[serde(rename = "unionpay_redirect")]
    UnionPayRedirect {
        /// redirect_url.
        redirect_url: String,
    },
}

// Limits: the documented String(n) where it fits, wider where the documented one cannot
// hold real values (an RSA-2048 pay_sign is 344 base64 characters; Alipay trade numbers
// reach 64); every field is bounded (SOURCES.md).
const CODE_MAX: usize = 1024;
const CODE_IMAGE_MAX: usize = 65_536;
const PAY_SIGN_MAX: usize = 1024;
const PREPAY_ID_MAX: usize = 64;
const REDIRECT_MAX: usize = 2048;

struct Reader<'a> {
    fields: &'a Map<String, Value>,
    kind: &'static str,
}

impl Reader<'_> {
    fn optional(
        &self,
        name: &str,
        field: &'static str,
        max: usize,
    ) -> Result<Option<String>, PaymentRequestError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => {
                let found = s.chars().count();
                if found > max {
                    return Err(PaymentRequestError::TooLong { field, found, max });
                }
                Ok(Some(s.clone()))
            }
            Some(_) => Err(PaymentRequestError::NotText { field }),
        }
    }

    fn required(
        &self,
        name: &str,
        field: &'static str,
        max: usize,
    ) -> Result<String, PaymentRequestError> {
        self.optional(name, field, max)?
            .ok_or(PaymentRequestError::MissingField {
                field,
                kind: self.kind,
            })
    }
}

impl PaymentRequestForCustomer {
    /// Reads `acc_resp_fields` as the answer to a pre-order of `kind`. Every field the
    /// combination needs must be a non-empty string within its bound; fields of other
    /// combinations are ignored.
    pub fn from_acc_resp_fields(
        kind: PreorderKind,
        fields: Option<&Map<String, Value>>,
    ) -> Result<Self, PaymentRequestError> {
        let fields = fields.ok_or(PaymentRequestError::MissingAccRespFields {
            kind: kind.as_str(),
        })?;
        let r = Reader {
            fields,
            kind: kind.as_str(),
        };
        Ok(match kind {
            PreorderKind::AlipayNative | PreorderKind::UnionPayNative => {
                PaymentRequestForCustomer::QrCode(QrCode {
                    code: r.required("code", "acc_resp_fields.code", CODE_MAX)?,
                    code_image: r.optional(
                        "code_image",
                        "acc_resp_fields.code_image",
                        CODE_IMAGE_MAX,
                    )?,
                })
            }
            PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram => {
                PaymentRequestForCustomer::WechatPay(WechatPaySign {
                    app_id: r.required("app_id", "acc_resp_fields.app_id", 32)?,
                    time_stamp: r.required("time_stamp", "acc_resp_fields.time_stamp", 32)?,
                    nonce_str: r.required("nonce_str", "acc_resp_fields.nonce_str", 32)?,
                    package: r.required("package", "acc_resp_fields.package", 128)?,
                    sign_type: r.required("sign_type", "acc_resp_fields.sign_type", 32)?,
                    pay_sign: r.required("pay_sign", "acc_resp_fields.pay_sign", PAY_SIGN_MAX)?,
                    prepay_id: r.optional(
                        "prepay_id",
                        "acc_resp_fields.prepay_id",
                        PREPAY_ID_MAX,
                    )?,
                })
            }
            PreorderKind::AlipayJsapi => PaymentRequestForCustomer::AlipayTrade {
                trade_no: r.required("prepay_id", "acc_resp_fields.prepay_id", PREPAY_ID_MAX)?,
            },
            PreorderKind::UnionPayJsapi => PaymentRequestForCustomer::UnionPayRedirect {
                redirect_url: r.required(
                    "redirect_url",
                    "acc_resp_fields.redirect_url",
                    REDIRECT_MAX,
                )?,
            },
        })
    }

    /// The text to draw as a QR code for the customer, when this is a QR code (NATIVE) or a
    /// UnionPay page (which a phone may also open from a QR code).
    pub fn qr_text(&self) -> Option<&str> {
        match self {
            PaymentRequestForCustomer::QrCode(q) => Some(q.code()),
            PaymentRequestForCustomer::UnionPayRedirect { redirect_url } => Some(redirect_url),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn each_kind_reads_its_own_fields() {
        let qr = map(json!({"code": "https://qr.alipay.com/bax01", "prepay_id": "x"}));
        let got =
            PaymentRequestForCustomer::from_acc_resp_fields(PreorderKind::AlipayNative, Some(&qr));
        assert_eq!(got.unwrap().qr_text(), Some("https://qr.alipay.com/bax01"));

        let wx = map(
            json!({"app_id":"wx1","time_stamp":"1","nonce_str":"n","package":"prepay_id=wx2",
            "sign_type":"RSA","pay_sign":"c2lnbmF0dXJlLXZhbHVl"}),
        );
        let got = PaymentRequestForCustomer::from_acc_resp_fields(
            PreorderKind::WechatMiniProgram,
            Some(&wx),
        )
        .unwrap();
        let PaymentRequestForCustomer::WechatPay(sign) = &got else {
            panic!("{got:?}")
        };
        assert_eq!(sign.package(), "prepay_id=wx2");
        assert!(!format!("{got:?}").contains("c2lnbmF0dXJlLXZhbHVl"));

        // The same fields do not make a QR code.
        let err = PaymentRequestForCustomer::from_acc_resp_fields(
            PreorderKind::UnionPayNative,
            Some(&wx),
        );
        assert_eq!(
            err.unwrap_err(),
            PaymentRequestError::MissingField {
                field: "acc_resp_fields.code",
                kind: "unionpay_native"
            }
        );
    }

    #[test]
    fn hostile_fields_are_typed_errors() {
        let none = PaymentRequestForCustomer::from_acc_resp_fields(PreorderKind::AlipayJsapi, None);
        assert_eq!(
            none.unwrap_err(),
            PaymentRequestError::MissingAccRespFields {
                kind: "alipay_jsapi"
            }
        );
        let number = map(json!({"prepay_id": 2024}));
        let err = PaymentRequestForCustomer::from_acc_resp_fields(
            PreorderKind::AlipayJsapi,
            Some(&number),
        );
        assert_eq!(
            err.unwrap_err(),
            PaymentRequestError::NotText {
                field: "acc_resp_fields.prepay_id"
            }
        );
        let empty = map(json!({"redirect_url": ""}));
        let err = PaymentRequestForCustomer::from_acc_resp_fields(
            PreorderKind::UnionPayJsapi,
            Some(&empty),
        );
        assert!(matches!(
            err.unwrap_err(),
            PaymentRequestError::MissingField {
                field: "acc_resp_fields.redirect_url",
                ..
            }
        ));
        let long = map(json!({"code": "x".repeat(CODE_MAX + 1)}));
        let err = PaymentRequestForCustomer::from_acc_resp_fields(
            PreorderKind::AlipayNative,
            Some(&long),
        );
        assert_eq!(
            err.unwrap_err(),
            PaymentRequestError::TooLong {
                field: "acc_resp_fields.code",
                found: CODE_MAX + 1,
                max: CODE_MAX
            }
        );
    }
}
