//! A verified answer: the typed value, the spec violations found in it, and its JSON.

use lakala_types::Violation;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

/// A verified answer from the platform.
///
/// `value` is the typed content; `violations` lists where the platform's answer breaks the
/// spec's rules (answers are parsed leniently, so these are reported rather than fatal).
/// The verified JSON is kept for display and audit; it may hold personal data, so `Debug`
/// does not print it.
///
/// Serializes as `{"response": <the verified JSON>, "violations": ["field: rule", ...]}`
/// (see [the stable JSON form](crate::outcome#the-stable-json-form)). It does not deserialize: an
/// answer only ever comes from a verified exchange.
#[derive(Clone)]
pub struct Answer<T> {
    /// The typed content.
    pub value: T,
    /// Violations of the spec's rules found in the answer.
    pub violations: Vec<Violation>,
    json: serde_json::Value,
}

impl<T> Answer<T> {
    pub(crate) fn new(value: T, violations: Vec<Violation>, json: serde_json::Value) -> Self {
        Self {
            value,
            violations,
            json,
        }
    }

    /// The verified (and, for the cross-border gateway, decrypted) answer in the platform's
    /// wire field names.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        Answer {
            value: f(self.value),
            violations: self.violations,
            json: self.json,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Answer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("value", &self.value)
            .field("violations", &self.violations)
            .finish_non_exhaustive()
    }
}

impl<T> Serialize for Answer<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let violations: Vec<String> = self.violations.iter().map(ToString::to_string).collect();
        let mut s = serializer.serialize_struct("Answer", 2)?;
        s.serialize_field("response", &self.json)?;
        s.serialize_field("violations", &violations)?;
        s.end()
    }
}
