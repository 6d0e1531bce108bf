//! The labs barcode payment (聚合被扫, `POST /api/v3/labs/trans/micropay`): the dcp
//! micropay's `req_data` ([`MicropayRequest`]) plus the few fields only the labs table
//! lists. The answer is the dcp micropay's [`MicropayResponse`], with the labs codes
//! (`BBS00000` paid, `BBS10000` paying) instead of `DCP00000` / `DCP10000`.

use super::identity::IdentityInfo;
use crate::json_string::JsonString;
use crate::micropay::{MicropayRequest, MicropayResponse};
use crate::preauth::SettleType;
use crate::rules::FieldRule;
use crate::validation::{Broken, Checker, Req, Validate, ValidationErrors};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

/// The labs micropay's `resp_data`: the same fields as the dcp micropay's.
pub type LabsMicropayResponse = MicropayResponse;

/// The labs table's `subject` limit (账户端控制，实际最多42个字符); the dcp table allows 128.
const LABS_SUBJECT_MAX: usize = 42;

wire_enum! {
    /// `scan_type`: how the payer's code was read.
    #[non_exhaustive]
    pub enum ScanType {
        /// "0" (or absent): a payment code scanned.
        Code = "0",
        /// "1": Alipay face payment.
        AlipayFace = "1",
        /// "2": WeChat face payment.
        WechatFace = "2",
    }
}

/// The fields the labs micropay table lists and the dcp one does not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LabsMicropayFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    busi_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pay_order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_type: Option<SettleType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_type: Option<ScanType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_info: Option<JsonString<IdentityInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    promo_info: Option<String>,
    // Parsing never fills it (every key not listed here belongs to MicropayRequest); the
    // builder's extra_field adds to it.
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds [`LabsMicropayFields`].
    LabsMicropayFieldsBuilder => LabsMicropayFields {
        /// busi_mode (C), String(8): `ACQ` (收单, the default).
        busi_mode: String,
        /// pay_order_no (C), String(64): Lakala's order-system number.
        pay_order_no: String,
        /// settle_type (C): `0` regular (the default).
        settle_type: SettleType,
        /// scan_type (C): `0` payment code (default), `1` Alipay face, `2` WeChat face.
        scan_type: ScanType,
        /// identity_info (C), JSON text of at most 512 characters: requires the encrypted
        /// route (`micropay_encry`).
        identity_info: JsonString<IdentityInfo>,
        /// promo_info (C), String(512): promotion data, JSON text (not supported yet by
        /// Lakala, says its SDK).
        promo_info: String,
    }
}

getters!(LabsMicropayFields {
    /// busi_mode.
    busi_mode: str,
    /// pay_order_no.
    pay_order_no: str,
    /// settle_type.
    settle_type: SettleType,
    /// scan_type.
    scan_type: ScanType,
    /// identity_info.
    identity_info: JsonString<IdentityInfo>,
    /// promo_info.
    promo_info: str,
});

const LABS_KEYS: [&str; 6] = [
    "busi_mode",
    "pay_order_no",
    "settle_type",
    "scan_type",
    "identity_info",
    "promo_info",
];

impl Validate for LabsMicropayFields {
    fn check(&self, c: &mut Checker) {
        c.text("busi_mode", self.busi_mode.as_deref(), S(8), Req::C);
        c.text("pay_order_no", self.pay_order_no.as_deref(), S(64), Req::C);
        c.listed("settle_type", self.settle_type.as_ref(), Req::C);
        c.listed("scan_type", self.scan_type.as_ref(), Req::C);
        c.json("identity_info", self.identity_info.as_ref(), S(512), Req::C);
        c.text("promo_info", self.promo_info.as_deref(), S(512), Req::C);
    }
}

/// `req_data` of the labs micropay: a [`MicropayRequest`] (the same one the dcp route
/// takes) and the labs-only [`LabsMicropayFields`], written as one flat object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabsMicropayRequest {
    base: MicropayRequest,
    labs: LabsMicropayFields,
}

impl LabsMicropayRequest {
    /// The labs request for a micropay built for either route, with the labs-only fields;
    /// checks the labs table's rules (a `subject` of at most 42 characters).
    pub fn new(base: MicropayRequest, labs: LabsMicropayFields) -> Result<Self, ValidationErrors> {
        let request = LabsMicropayRequest { base, labs };
        request.validate()?;
        Ok(request)
    }

    /// [`LabsMicropayRequest::new`] with no labs-only field: what the client sends when a
    /// merchant's configuration chooses the labs route.
    pub fn from_micropay(base: MicropayRequest) -> Result<Self, ValidationErrors> {
        LabsMicropayRequest::new(base, LabsMicropayFields::default())
    }

    /// The fields shared with the dcp micropay.
    pub fn micropay(&self) -> &MicropayRequest {
        &self.base
    }

    /// The labs-only fields.
    pub fn labs(&self) -> &LabsMicropayFields {
        &self.labs
    }

    /// Both parts.
    pub fn into_parts(self) -> (MicropayRequest, LabsMicropayFields) {
        (self.base, self.labs)
    }

    /// Whether Lakala requires this request on the encrypted route (`micropay_encry`): it
    /// carries the payer's identity.
    pub fn needs_encryption(&self) -> bool {
        self.labs.identity_info.is_some()
    }
}

impl Validate for LabsMicropayRequest {
    fn check(&self, c: &mut Checker) {
        self.base.check(c);
        if let Some(subject) = self.base.subject() {
            let found = subject.chars().count();
            if found > LABS_SUBJECT_MAX {
                let rule = S(LABS_SUBJECT_MAX);
                c.push("subject", Broken::Length { rule, found });
            }
        }
        self.labs.check(c);
    }
}

impl Serialize for LabsMicropayRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut object = match serde_json::to_value(&self.base).map_err(S::Error::custom)? {
            Value::Object(map) => map,
            _ => return Err(S::Error::custom("micropay request is not an object")),
        };
        if let Value::Object(labs) = serde_json::to_value(&self.labs).map_err(S::Error::custom)? {
            object.extend(labs);
        }
        object.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LabsMicropayRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut all = Map::<String, Value>::deserialize(deserializer)?;
        let mut labs = Map::new();
        for key in LABS_KEYS {
            if let Some(value) = all.remove(key) {
                labs.insert(key.to_owned(), value);
            }
        }
        Ok(LabsMicropayRequest {
            base: serde_json::from_value(Value::Object(all)).map_err(de::Error::custom)?,
            labs: serde_json::from_value(Value::Object(labs)).map_err(de::Error::custom)?,
        })
    }
}
