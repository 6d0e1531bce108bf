//! The v3 envelopes (PROTOCOL.md section 2):
//! `{"req_time","version","req_data"}` → `{"code","msg","resp_time","resp_data"}`.

use crate::code_class::CodeClass;
use crate::rules::{CharClass, FieldRule, Len};
use crate::timestamp::DateTime14;
use crate::validation::{Checker, Req, Validate, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The envelope version, `3.0`.
pub const V3_VERSION: &str = "3.0";
/// code: no rule given; printable ASCII of at most 32 characters assumed.
const CODE: FieldRule = FieldRule::new(CharClass::ANS, Len::Max(32));
/// msg: no rule given; text of at most 256 characters assumed.
const MSG: FieldRule = FieldRule::text(256);

wire_enum! {
    /// The v3 answer's `code`; unlisted codes are kept. [`V3Code::class`] says what each
    /// means (see [`crate::code_class`] for the table and its sources).
    #[non_exhaustive]
    pub enum V3Code {
        /// DCP00000: micropay succeeded.
        Success = "DCP00000",
        /// DCP10000: micropay pending (the payer may be entering a password): query it.
        Pending = "DCP10000",
        /// BBS00000: a trade query found the trade (its `trade_state` tells the outcome); a
        /// revoke or refund was accepted.
        Found = "BBS00000",
        /// BBS10000: 交易状态为支付中, paying (labs APIs): query it.
        Paying = "BBS10000",
        /// BBS11112: refund in progress (LABS退款中): query it.
        RefundInProgress = "BBS11112",
        /// BBS11105: refund in progress: query it.
        RefundProcessing = "BBS11105",
        /// 000100: 网络请求失败, the platform could not reach the wallet: outcome unknown.
        NetworkFailure = "000100",
        /// 000101: 网络请求超时, the platform's request to the wallet timed out: outcome
        /// unknown.
        NetworkTimeout = "000101",
        /// BBS11184: the merchant is disabled: refused.
        MerchantDisabled = "BBS11184",
        /// BBS16111: sub_mch_id / sub_appid mismatch: refused.
        SubMerchantMismatch = "BBS16111",
    }
}

impl V3Code {
    /// What the code says happened (table and sources in [`crate::code_class`]). Codes this
    /// crate does not list are [`CodeClass::Unknown`].
    pub fn class(&self) -> CodeClass {
        match self {
            V3Code::Success | V3Code::Found => CodeClass::Success,
            V3Code::Pending
            | V3Code::Paying
            | V3Code::RefundInProgress
            | V3Code::RefundProcessing => CodeClass::Pending,
            V3Code::MerchantDisabled | V3Code::SubMerchantMismatch => CodeClass::Refused,
            V3Code::NetworkFailure | V3Code::NetworkTimeout | V3Code::Other(_) => {
                CodeClass::Unknown
            }
        }
    }

    /// Whether a trade query answering this code says that **the order does not exist**
    /// (and not merely that the query could not say): only `SBX00004`, the sandbox's
    /// 交易不存在. Lakala documents no such code (see [`crate::code_class`]), so against the
    /// real platform this is always `false` and a payment that may have been sent is settled
    /// by query, never by sending it again. Every other code, a missing `trade_state`, a
    /// transport failure is inconclusive.
    pub fn says_order_not_found(&self) -> bool {
        ORDER_NOT_FOUND.contains(&self.as_str())
    }

    /// Whether the call succeeded (`DCP00000`, or `BBS00000` for queries, revokes and
    /// refunds).
    pub fn is_success(&self) -> bool {
        self.class() == CodeClass::Success
    }

    /// Whether the request is in progress and must be queried (`DCP10000`, `BBS10000`,
    /// `BBS11112`, `BBS11105`).
    pub fn is_pending(&self) -> bool {
        self.class() == CodeClass::Pending
    }
}

/// The trade-query codes that mean "no such order" (table in [`crate::code_class`]).
const ORDER_NOT_FOUND: &[&str] = &["SBX00004"];

fn none<T>() -> Option<T> {
    None
}

/// The v3 request envelope around `req_data` of type `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V3Request<T> {
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    req_data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    req_time: Option<DateTime14>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl<T: Validate> V3Request<T> {
    /// A validated envelope with `version` [`V3_VERSION`].
    pub fn new(req_time: DateTime14, req_data: T) -> Result<Self, ValidationErrors> {
        let request = V3Request {
            req_data: Some(req_data),
            req_time: Some(req_time),
            version: Some(V3_VERSION.to_owned()),
            extra: Map::new(),
        };
        request.validate()?;
        Ok(request)
    }
}

impl<T> V3Request<T> {
    /// req_data.
    pub fn req_data(&self) -> Option<&T> {
        self.req_data.as_ref()
    }
    /// req_time.
    pub fn req_time(&self) -> Option<&DateTime14> {
        self.req_time.as_ref()
    }
    /// version.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// Fields this crate does not model, kept as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl<T: Validate> Validate for V3Request<T> {
    fn check(&self, c: &mut Checker) {
        c.nested("req_data", self.req_data.as_ref(), Req::M);
        c.present("req_time", self.req_time.is_some(), Req::M);
        c.literal("version", self.version.as_deref(), V3_VERSION);
    }
}

/// The v3 response envelope around `resp_data` of type `T`; `resp_data` is required when
/// `code` is a success or pending code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V3Response<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<V3Code>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resp_time: Option<DateTime14>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    resp_data: Option<T>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl<T> V3Response<T> {
    /// code.
    pub fn code(&self) -> Option<&V3Code> {
        self.code.as_ref()
    }
    /// msg.
    pub fn msg(&self) -> Option<&str> {
        self.msg.as_deref()
    }
    /// resp_time.
    pub fn resp_time(&self) -> Option<&DateTime14> {
        self.resp_time.as_ref()
    }
    /// resp_data.
    pub fn resp_data(&self) -> Option<&T> {
        self.resp_data.as_ref()
    }
    /// Fields this crate does not model, kept as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl<T: Validate> Validate for V3Response<T> {
    fn check(&self, c: &mut Checker) {
        let code = self.code.as_ref();
        c.text("code", code.map(V3Code::as_str), CODE, Req::M);
        c.text("msg", self.msg.as_deref(), MSG, Req::M);
        // The spec's own success and pending codes carry resp_data; the labs codes
        // (BBS10000, refund in progress) may come without it.
        let answered =
            code.is_some_and(|c| matches!(c, V3Code::Success | V3Code::Pending | V3Code::Found));
        c.required_when(
            answered,
            "resp_data",
            self.resp_data.is_some(),
            "when code is DCP00000, DCP10000 or BBS00000",
        );
        c.nested("resp_data", self.resp_data.as_ref(), Req::C);
    }
}
