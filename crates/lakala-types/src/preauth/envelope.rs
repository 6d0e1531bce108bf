//! The v2 envelopes (PROTOCOL.md section 2):
//! `{"ver","timestamp","reqId","reqData","termExtInfo"}` →
//! `{"retCode","retMsg","respData","timestamp","ver","reqId",...}`.

use super::V2RetCode;
use crate::rules::{CharClass, FieldRule, Len};
use crate::timestamp::UnixMillis;
use crate::validation::{Checker, Req, Validate, ValidationErrors};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The envelope version, `1.0.0`.
pub const V2_VERSION: &str = "1.0.0";
/// reqId: 32 hexadecimal characters (PROTOCOL.md).
const REQ_ID: FieldRule = FieldRule::new(CharClass::Hex, Len::Fixed(32));
/// retMsg: no rule given; text of at most 256 characters assumed.
const RET_MSG: FieldRule = FieldRule::text(256);
/// retCode: no rule given; printable ASCII of at most 32 characters assumed.
const RET_CODE: FieldRule = FieldRule::new(CharClass::ANS, Len::Max(32));

/// `termExtInfo`: terminal details. Neither the spec nor PROTOCOL.md gives its table; the
/// examples send `termLoc`, anything else is kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TermExtInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    term_loc: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl TermExtInfo {
    /// With a terminal location (free text; the spec's examples differ in format).
    pub fn with_location(term_loc: impl Into<String>) -> Self {
        TermExtInfo {
            term_loc: Some(term_loc.into()),
            extra: Map::new(),
        }
    }
}

getters!(TermExtInfo {
    /// termLoc.
    term_loc: str,
});
extra_getter!(TermExtInfo);

/// The v2 request envelope around `reqData` of type `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V2Request<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<UnixMillis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    req_id: Option<String>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    req_data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    term_ext_info: Option<TermExtInfo>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T: Validate> V2Request<T> {
    /// A validated envelope with `ver` [`V2_VERSION`]; `req_id` is 32 hex characters, unique
    /// per request.
    pub fn new(
        req_id: impl Into<String>,
        timestamp: UnixMillis,
        req_data: T,
        term_ext_info: Option<TermExtInfo>,
    ) -> Result<Self, ValidationErrors> {
        let request = V2Request {
            ver: Some(V2_VERSION.to_owned()),
            timestamp: Some(timestamp),
            req_id: Some(req_id.into()),
            req_data: Some(req_data),
            term_ext_info,
            extra: Map::new(),
        };
        request.validate()?;
        Ok(request)
    }
}

impl<T> V2Request<T> {
    /// ver.
    pub fn ver(&self) -> Option<&str> {
        self.ver.as_deref()
    }
    /// timestamp.
    pub fn timestamp(&self) -> Option<UnixMillis> {
        self.timestamp
    }
    /// reqId.
    pub fn req_id(&self) -> Option<&str> {
        self.req_id.as_deref()
    }
    /// reqData.
    pub fn req_data(&self) -> Option<&T> {
        self.req_data.as_ref()
    }
    /// termExtInfo.
    pub fn term_ext_info(&self) -> Option<&TermExtInfo> {
        self.term_ext_info.as_ref()
    }
    /// Fields this crate does not model, kept as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl<T: Validate> Validate for V2Request<T> {
    fn check(&self, c: &mut Checker) {
        c.literal("ver", self.ver.as_deref(), V2_VERSION);
        c.present("timestamp", self.timestamp.is_some(), Req::M);
        c.text("reqId", self.req_id.as_deref(), REQ_ID, Req::M);
        c.nested("reqData", self.req_data.as_ref(), Req::M);
    }
}

/// The v2 response envelope around `respData` of type `T`.
///
/// `respData` is required when `retCode` is `000000`; failures may send it `null` or not at
/// all. Platform extras such as `rnd`, `respId`, `cmdRetCode`, `sign` are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V2Response<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ret_code: Option<V2RetCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ret_msg: Option<String>,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    resp_data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<UnixMillis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    req_id: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl<T> V2Response<T> {
    /// retCode.
    pub fn ret_code(&self) -> Option<&V2RetCode> {
        self.ret_code.as_ref()
    }
    /// retMsg.
    pub fn ret_msg(&self) -> Option<&str> {
        self.ret_msg.as_deref()
    }
    /// respData.
    pub fn resp_data(&self) -> Option<&T> {
        self.resp_data.as_ref()
    }
    /// timestamp.
    pub fn timestamp(&self) -> Option<UnixMillis> {
        self.timestamp
    }
    /// ver.
    pub fn ver(&self) -> Option<&str> {
        self.ver.as_deref()
    }
    /// reqId, echoing the request's.
    pub fn req_id(&self) -> Option<&str> {
        self.req_id.as_deref()
    }
    /// Fields this crate does not model (`rnd`, `respId`, `cmdRetCode`, ...), kept as received.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

impl<T: Validate> Validate for V2Response<T> {
    fn check(&self, c: &mut Checker) {
        let code = self.ret_code.as_ref();
        c.text("retCode", code.map(V2RetCode::as_str), RET_CODE, Req::M);
        c.text("retMsg", self.ret_msg.as_deref(), RET_MSG, Req::M);
        let success = code.is_some_and(V2RetCode::is_success);
        c.required_when(
            success,
            "respData",
            self.resp_data.is_some(),
            "when retCode is 000000",
        );
        c.nested("respData", self.resp_data.as_ref(), Req::C);
        if self.ver.is_some() {
            c.literal("ver", self.ver.as_deref(), V2_VERSION);
        }
        c.text("reqId", self.req_id.as_deref(), REQ_ID, Req::C);
    }
}
