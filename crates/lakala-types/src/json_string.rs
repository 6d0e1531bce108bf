//! Fields the v3 spec types as "a String whose value is JSON" (`extend_params`,
//! `goods_detail`, `fund_bill_list`, ...): typed in Rust, escaped JSON text on the wire.

use crate::rules::FieldRule;
use crate::validation::{Checker, Req, Validate};
use serde::de::DeserializeOwned;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A `T` carried on the wire as a JSON string holding `T`'s JSON.
///
/// The text is kept next to the value: a parsed value writes back exactly the text it was
/// parsed from (so signatures over re-sent data and unknown inner fields survive), and a
/// value built with [`JsonString::new`] writes compact JSON in field-declaration order.
/// Equality compares the values, not the text.
#[derive(Clone)]
pub struct JsonString<T> {
    value: T,
    text: String,
}

impl<T: Serialize> JsonString<T> {
    /// Wraps `value`, rendering its JSON text.
    pub fn new(value: T) -> Result<Self, serde_json::Error> {
        let text = serde_json::to_string(&value)?;
        Ok(JsonString { value, text })
    }
}

impl<T> JsonString<T> {
    /// The typed value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The JSON text carried on the wire.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The typed value, consuming the wrapper.
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T: DeserializeOwned> JsonString<T> {
    /// Parses the JSON text a string field holds.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let value = serde_json::from_str(text)?;
        Ok(JsonString {
            value,
            text: text.to_owned(),
        })
    }
}

impl<T: PartialEq> PartialEq for JsonString<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: fmt::Debug> fmt::Debug for JsonString<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonString").field(&self.value).finish()
    }
}

impl<T> Serialize for JsonString<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for JsonString<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        JsonString::parse(&text).map_err(de::Error::custom)
    }
}

impl<T: Validate> Validate for JsonString<T> {
    fn check(&self, checker: &mut Checker) {
        self.value.check(checker);
    }
}

impl Validate for serde_json::Value {
    /// Untyped JSON has no rules.
    fn check(&self, _checker: &mut Checker) {}
}

/// The check of a [`JsonString`] field, beside the type: [`crate::validation`] knows nothing of
/// it, so that the two modules do not import each other.
impl Checker {
    /// A "String holding JSON" field: the text's length, then the value's own rules.
    pub(crate) fn json<T: Validate>(
        &mut self,
        name: &str,
        value: Option<&JsonString<T>>,
        rule: FieldRule,
        req: Req,
    ) {
        self.text(name, value.map(JsonString::text), rule, req);
        if let Some(value) = value {
            self.nested(name, Some(value), Req::C);
        }
    }
}
