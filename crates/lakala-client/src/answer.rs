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
/// Serializes as `{"response": <the verified JSON>, "violations": ["field: rule", ...]}`,
/// the payer's wallet ids left out of `response` unless the serialization is wrapped in
/// [`crate::payer::WithPayerIds`]
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
        if crate::payer::payer_ids_asked() {
            s.serialize_field("response", &self.json)?;
        } else {
            s.serialize_field("response", &crate::payer::without_payer_fields(&self.json))?;
        }
        s.serialize_field("violations", &violations)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payer::WithPayerIds;

    #[test]
    fn the_serialized_answer_leaves_wallet_ids_out_unless_asked() {
        let answer = Answer::new(
            (),
            vec![],
            serde_json::json!({"resp_data": {"out_trade_no": "T1",
                "acc_resp_fields": {"user_id": "2088102146225135", "buyer_logon_id": "a***@b.com"}}}),
        );
        let default = serde_json::to_string(&answer).unwrap();
        assert!(!default.contains("2088102146225135") && !default.contains("a***@b.com"));
        assert!(default.contains("T1"), "{default}");
        let asked = serde_json::to_string(&WithPayerIds(&answer)).unwrap();
        assert!(asked.contains("2088102146225135"), "{asked}");
    }
}
