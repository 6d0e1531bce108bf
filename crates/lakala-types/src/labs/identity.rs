//! `identity_info`: the payer's identity for a real-name payment (实名支付), a JSON text
//! field of the labs pre-order and micropay. A request carrying it must go to the
//! encrypted (`*_encry`) route (see [`LabsRoute`](super::LabsRoute)).

use crate::mask::Personal;
use crate::rules::{CharClass, FieldRule, Len};
use crate::validation::{Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON inside `identity_info`: `{"identityNo":…,"name":…,"identityType":…}`
/// (camelCase inside the snake_case message). Every value is personal data, masked in
/// `Debug`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_no: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Personal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_type: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds an [`IdentityInfo`].
    IdentityInfoBuilder => IdentityInfo {
        /// identityNo (M), String(32): the certificate number. Personal data.
        identity_no: Personal,
        /// name (M), String(64): the payer's name. Personal data.
        name: Personal,
        /// identityType (C): `01` ID card (the only type Lakala accepts today; the
        /// default), `02`…`07`, `99` other.
        identity_type: String,
    }
}

getters!(IdentityInfo {
    /// identityNo.
    identity_no: Personal,
    /// name.
    name: Personal,
    /// identityType.
    identity_type: str,
});
extra_getter!(IdentityInfo);

const IDENTITY_TYPES: &[&str] = &["01", "02", "03", "04", "05", "06", "07", "99"];

impl Validate for IdentityInfo {
    fn check(&self, c: &mut Checker) {
        let number = self.identity_no.as_ref().map(Personal::expose);
        let rule = FieldRule::new(CharClass::AN, Len::Max(32));
        c.text("identityNo", number, rule, Req::M);
        let name = self.name.as_ref().map(Personal::expose);
        c.text("name", name, FieldRule::text(64), Req::M);
        c.one_of(
            "identityType",
            self.identity_type.as_deref(),
            IDENTITY_TYPES,
            Req::C,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_masked_and_camel_case() {
        let id = IdentityInfo::builder()
            .identity_no("32000000000000000X")
            .name("张三丰")
            .identity_type("01")
            .build()
            .unwrap();
        let shown = format!("{id:?}");
        assert!(!shown.contains("32000000000000000X") && !shown.contains("三丰"));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(
            json,
            r#"{"identityNo":"32000000000000000X","name":"张三丰","identityType":"01"}"#
        );
        let err = IdentityInfo::builder()
            .identity_type("08")
            .build()
            .unwrap_err();
        assert_eq!(err.fields(), ["identityNo", "name", "identityType"]);
    }
}
