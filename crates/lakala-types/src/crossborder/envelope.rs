//! The outer JSON of every cross-border message (PROTOCOL.md section 1, spec section 2.5).

use super::{RetCode, HEX, MER_ID, REQ_TYPE, RET_CODE, RET_MSG, TS};
use crate::timestamp::CrossBorderTs;
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this crate speaks, the `ver` of every message.
pub const PROTOCOL_VERSION: &str = "3.0.0";

fn check_ts(c: &mut Checker, ts: Option<&CrossBorderTs>) {
    c.text("ts", ts.map(CrossBorderTs::as_str), TS, Req::M);
    if let Some(ts) = ts {
        if TS.check(ts.as_str()).is_ok() && ts.check().is_err() {
            c.push("ts", Broken::Format("yyyyMMddHHmmss + 6 digits"));
        }
    }
}

fn check_ret(c: &mut Checker, code: Option<&RetCode>, msg: Option<&str>) {
    c.text("retCode", code.map(RetCode::as_str), RET_CODE, Req::M);
    c.text("retMsg", msg, RET_MSG, Req::M);
}

/// Merchant → platform: `{merId, ver, ts, encKey, encData, mac}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestEnvelope {
    #[serde(skip_serializing_if = "Option::is_none")]
    mer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<CrossBorderTs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`RequestEnvelope`]; `ver` is preset to [`PROTOCOL_VERSION`].
    RequestEnvelopeBuilder => RequestEnvelope preset { ver = PROTOCOL_VERSION } {
        /// merId, AN12.
        mer_id: String,
        /// ver, `3.0.0`.
        ver: String,
        /// ts, N20.
        ts: CrossBorderTs,
        /// encKey, hex.
        enc_key: String,
        /// encData, hex.
        enc_data: String,
        /// mac, hex.
        mac: String,
    }
}

getters!(RequestEnvelope {
    /// merId.
    mer_id: str,
    /// ver.
    ver: str,
    /// ts.
    ts: CrossBorderTs,
    /// encKey.
    enc_key: str,
    /// encData.
    enc_data: str,
    /// mac.
    mac: str,
});
extra_getter!(RequestEnvelope);

impl Validate for RequestEnvelope {
    fn check(&self, c: &mut Checker) {
        c.text("merId", self.mer_id.as_deref(), MER_ID, Req::M);
        c.literal("ver", self.ver.as_deref(), PROTOCOL_VERSION);
        check_ts(c, self.ts.as_ref());
        c.text("encKey", self.enc_key.as_deref(), HEX, Req::M);
        c.text("encData", self.enc_data.as_deref(), HEX, Req::M);
        c.text("mac", self.mac.as_deref(), HEX, Req::M);
    }
}

/// Platform → merchant answer: `{retCode, retMsg, merId, ver, ts, encData, mac}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseEnvelope {
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_code: Option<RetCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<CrossBorderTs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(ResponseEnvelope {
    /// retCode.
    ret_code: RetCode,
    /// retMsg.
    ret_msg: str,
    /// merId.
    mer_id: str,
    /// ver.
    ver: str,
    /// ts.
    ts: CrossBorderTs,
    /// encData (absent on some failures).
    enc_data: str,
    /// mac (absent on some failures).
    mac: str,
});
extra_getter!(ResponseEnvelope);

impl Validate for ResponseEnvelope {
    /// encData and mac are optional: the public SDKs see failures without them.
    fn check(&self, c: &mut Checker) {
        check_ret(c, self.ret_code.as_ref(), self.ret_msg.as_deref());
        c.text("merId", self.mer_id.as_deref(), MER_ID, Req::M);
        c.literal("ver", self.ver.as_deref(), PROTOCOL_VERSION);
        check_ts(c, self.ts.as_ref());
        c.text("encData", self.enc_data.as_deref(), HEX, Req::C);
        c.text("mac", self.mac.as_deref(), HEX, Req::C);
    }
}

/// Platform → merchant notification: `{merId, ver, ts, reqType, encKey, encData, mac}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Notification {
    #[serde(skip_serializing_if = "Option::is_none")]
    mer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<CrossBorderTs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    req_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(Notification {
    /// merId.
    mer_id: str,
    /// ver.
    ver: str,
    /// ts.
    ts: CrossBorderTs,
    /// reqType, e.g. `B0005`.
    req_type: str,
    /// encKey.
    enc_key: str,
    /// encData.
    enc_data: str,
    /// mac.
    mac: str,
});
extra_getter!(Notification);

impl Validate for Notification {
    fn check(&self, c: &mut Checker) {
        c.text("merId", self.mer_id.as_deref(), MER_ID, Req::M);
        c.literal("ver", self.ver.as_deref(), PROTOCOL_VERSION);
        check_ts(c, self.ts.as_ref());
        c.text("reqType", self.req_type.as_deref(), REQ_TYPE, Req::M);
        c.text("encKey", self.enc_key.as_deref(), HEX, Req::M);
        c.text("encData", self.enc_data.as_deref(), HEX, Req::M);
        c.text("mac", self.mac.as_deref(), HEX, Req::M);
    }
}

/// Merchant → platform answer to a notification:
/// `{retCode, retMsg, merId, ts (the notification's), reqType, ver, encData, mac}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_code: Option<RetCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ret_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<CrossBorderTs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    req_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`NotificationAnswer`]; `ver` is preset to [`PROTOCOL_VERSION`].
    NotificationAnswerBuilder => NotificationAnswer preset { ver = PROTOCOL_VERSION } {
        /// retCode, N4.
        ret_code: RetCode,
        /// retMsg, U..99.
        ret_msg: String,
        /// merId, AN12.
        mer_id: String,
        /// ts, copied from the notification.
        ts: CrossBorderTs,
        /// reqType, copied from the notification.
        req_type: String,
        /// ver, `3.0.0`.
        ver: String,
        /// encData, hex.
        enc_data: String,
        /// mac, hex.
        mac: String,
    }
}

getters!(NotificationAnswer {
    /// retCode.
    ret_code: RetCode,
    /// retMsg.
    ret_msg: str,
    /// merId.
    mer_id: str,
    /// ts.
    ts: CrossBorderTs,
    /// reqType.
    req_type: str,
    /// ver.
    ver: str,
    /// encData.
    enc_data: str,
    /// mac.
    mac: str,
});
extra_getter!(NotificationAnswer);

impl Validate for NotificationAnswer {
    /// reqType is required: the answer's mac covers it (PROTOCOL.md), although the spec's
    /// example omits it.
    fn check(&self, c: &mut Checker) {
        check_ret(c, self.ret_code.as_ref(), self.ret_msg.as_deref());
        c.text("merId", self.mer_id.as_deref(), MER_ID, Req::M);
        check_ts(c, self.ts.as_ref());
        c.text("reqType", self.req_type.as_deref(), REQ_TYPE, Req::M);
        c.literal("ver", self.ver.as_deref(), PROTOCOL_VERSION);
        c.text("encData", self.enc_data.as_deref(), HEX, Req::C);
        c.text("mac", self.mac.as_deref(), HEX, Req::M);
    }
}
