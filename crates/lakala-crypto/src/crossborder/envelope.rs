//! The four cross-border messages exactly as they travel, with the platform's field names.
//!
//! These are wire structures: they hold the strings received, unvalidated, so that a MAC
//! can be checked over exactly what was sent. Field rules (lengths, character classes) are
//! `lakala-types`' business; this crate checks what the cryptography depends on.

use super::mac::MacInput;
use serde::{Deserialize, Serialize};

/// The protocol version this crate speaks.
pub const VERSION: &str = "3.0.0";

/// A merchant's request: `{merId, ver, ts, encKey, encData, mac}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEnvelope {
    /// Merchant id.
    pub mer_id: String,
    /// Protocol version, `3.0.0`.
    pub ver: String,
    /// `yyyyMMddHHmmss` + 6 digits, never repeated.
    pub ts: String,
    /// `ts + secKey` under the platform public key, uppercase hex.
    pub enc_key: String,
    /// Business JSON under the one-time key, uppercase hex.
    pub enc_data: String,
    /// Merchant's MAC over `merId + ver + ts + encData`, uppercase hex.
    pub mac: String,
}

impl RequestEnvelope {
    /// The string this message's MAC covers.
    pub fn mac_input(&self) -> MacInput<'_> {
        MacInput::Request {
            mer_id: &self.mer_id,
            ver: &self.ver,
            ts: &self.ts,
            enc_data: &self.enc_data,
        }
    }
}

/// The platform's answer: `{retCode, retMsg, merId, ver, ts, encData, mac}`.
///
/// Error answers may lack `encData` and `mac`; absent text fields read as empty.
///
/// # An answer without `encData`
///
/// With `encData` absent (or JSON `null`), the MAC string is
/// `retCode + retMsg + merId + ver + ts`: it ends with `ts`, as if `encData` were empty,
/// and that is the only string verification accepts. The platform is Java, where
/// `... + ts + encData` builds that same string only when its `encData` is the empty
/// string `""`; a Java `null` concatenates as the four letters `null`. So:
///
/// - if the platform signs `...tsnull` and leaves the field out of the JSON (or sends JSON
///   `null`), the MAC does not verify here and the answer is refused with
///   [`CryptoError::MacMismatch`](crate::CryptoError::MacMismatch): never trusted
///   unverified, never silently accepted under a second MAC string;
/// - if it ever sends the literal text `"encData":"null"`, the MAC string is `...tsnull`,
///   exactly what was sent, so the MAC verifies; then
///   [`Merchant::open_response`](crate::crossborder::Merchant::open_response) refuses
///   `null` as ciphertext with
///   [`CryptoError::InvalidHex`](crate::CryptoError::InvalidHex) on `encData`, a typed
///   error and no business data. The verified `retCode` is then lost with it; if Lakala is
///   ever seen doing this, treat `"null"` as absent *after* verification, not before.
///
/// The sandbox's answers without `encData` are signed over the string ending with `ts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseEnvelope {
    /// Result code (`0000` is success).
    pub ret_code: String,
    /// Result message.
    #[serde(default)]
    pub ret_msg: String,
    /// Merchant id.
    #[serde(default)]
    pub mer_id: String,
    /// Protocol version.
    #[serde(default)]
    pub ver: String,
    /// The platform's `ts`.
    #[serde(default)]
    pub ts: String,
    /// Business JSON under the request's one-time key, uppercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enc_data: Option<String>,
    /// Platform's MAC over `retCode + retMsg + merId + ver + ts + encData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl ResponseEnvelope {
    /// The string this message's MAC covers (an absent `encData` counts as empty, so the
    /// string ends with `ts`: see the type's documentation).
    pub fn mac_input(&self) -> MacInput<'_> {
        MacInput::Response {
            ret_code: &self.ret_code,
            ret_msg: &self.ret_msg,
            mer_id: &self.mer_id,
            ver: &self.ver,
            ts: &self.ts,
            enc_data: self.enc_data.as_deref().unwrap_or(""),
        }
    }
}

/// A platform notification: `{merId, ver, ts, reqType, encKey, encData, mac}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationEnvelope {
    /// Merchant id.
    pub mer_id: String,
    /// Protocol version.
    pub ver: String,
    /// The platform's `ts`; also the first 20 characters inside `encKey`.
    pub ts: String,
    /// Notification type, for example `B0005`.
    pub req_type: String,
    /// `ts + secKey` under the merchant public key, uppercase hex.
    pub enc_key: String,
    /// Business JSON under the one-time key, uppercase hex.
    pub enc_data: String,
    /// Platform's MAC over `ts + reqType + encData`.
    pub mac: String,
}

impl NotificationEnvelope {
    /// The string this message's MAC covers.
    pub fn mac_input(&self) -> MacInput<'_> {
        MacInput::Notification {
            ts: &self.ts,
            req_type: &self.req_type,
            enc_data: &self.enc_data,
        }
    }
}

/// The merchant's answer to a notification:
/// `{retCode, retMsg, merId, ts, reqType, ver, encData, mac}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationAnswerEnvelope {
    /// Result code (`0000` when the merchant accepted the notification).
    pub ret_code: String,
    /// Result message.
    pub ret_msg: String,
    /// Merchant id.
    pub mer_id: String,
    /// The notification's `ts`, copied.
    pub ts: String,
    /// The notification's `reqType`, copied.
    pub req_type: String,
    /// Protocol version.
    pub ver: String,
    /// Answer JSON under the notification's one-time key, uppercase hex.
    pub enc_data: String,
    /// Merchant's MAC over `retCode + retMsg + ts + reqType`.
    pub mac: String,
}

impl NotificationAnswerEnvelope {
    /// The string this message's MAC covers.
    pub fn mac_input(&self) -> MacInput<'_> {
        MacInput::NotificationAnswer {
            ret_code: &self.ret_code,
            ret_msg: &self.ret_msg,
            ts: &self.ts,
            req_type: &self.req_type,
        }
    }
}
