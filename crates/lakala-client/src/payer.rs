//! Which fields of the platform's JSON identify the payer: masked in `Debug`, left out of
//! the serialized outcome unless asked ([`WithPayerIds`]).
//!
//! Lakala's notifications carry the payer's wallet account under several names, depending
//! on the product and the wallet: `user_id` (Alipay, in `acc_resp_fields`), `openid` and
//! `sub_openid` (WeChat), `payerId1`/`payerId2` (the cashier's notifications, for example
//! `2088702852632582` and `rob***@126.com`), `buyer_id`, `buyer_logon_id`. A name is a
//! payer field when, lower-cased and without `_`, it is one of [`PAYER_FIELDS`] or one of
//! them followed by digits (`user_id1`, `payerId2`).

use serde::{Serialize, Serializer};
use serde_json::Value;
use std::cell::Cell;

/// Payer field names, lower-cased without `_`.
pub const PAYER_FIELDS: &[&str] = &[
    "userid",
    "payerid",
    "openid",
    "subopenid",
    "buyerid",
    "buyerlogonid",
    "buyeruserid",
    "payeraccount",
];

/// Whether `name` holds the payer's identity.
pub fn is_payer_field(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let stem = folded.trim_end_matches(|c: char| c.is_ascii_digit());
    PAYER_FIELDS.contains(&stem)
}

/// A copy of `value` whose payer fields (at any depth, also inside JSON-in-a-string
/// fields such as `acc_resp_fields`) read `"***"`.
pub fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_payer_field(k) && !v.is_null() {
                        Value::String("***".into())
                    } else {
                        masked(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        Value::String(text) if text.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(text) {
                Ok(inner @ Value::Object(_)) => Value::String(masked(&inner).to_string()),
                _ => value.clone(),
            }
        }
        other => other.clone(),
    }
}

/// A copy of `value` without its payer fields (at any depth, also inside JSON-in-a-string
/// fields such as `acc_resp_fields`).
pub fn without_payer_fields(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !is_payer_field(k))
                .map(|(k, v)| (k.clone(), without_payer_fields(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_payer_fields).collect()),
        Value::String(text) if text.trim_start().starts_with('{') => {
            match serde_json::from_str::<Value>(text) {
                Ok(inner @ Value::Object(_)) => {
                    Value::String(without_payer_fields(&inner).to_string())
                }
                _ => value.clone(),
            }
        }
        other => other.clone(),
    }
}

thread_local! {
    static WITH_PAYER_IDS: Cell<bool> = const { Cell::new(false) };
}

/// Whether the serialization running on this thread asked for payer ids.
pub(crate) fn payer_ids_asked() -> bool {
    WITH_PAYER_IDS.with(Cell::get)
}

/// Serializes the wrapped value (an outcome, an answer) *with* the payer's wallet ids.
///
/// By default the serialized outcome ([`crate::outcome`]) leaves payer fields out of the
/// verified answers it carries (`user_id`, `openid`, `sub_openid`, ...: see
/// [`is_payer_field`]); wrap it to keep them, where the payer's identity is needed and may
/// be stored:
///
/// ```
/// # fn show(outcome: &lakala_client::outcome::PaymentOutcome) -> serde_json::Result<String> {
/// use lakala_client::payer::WithPayerIds;
/// let with_ids = serde_json::to_string(&WithPayerIds(outcome))?;
/// # Ok(with_ids) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WithPayerIds<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for WithPayerIds<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Reset(bool);
        impl Drop for Reset {
            fn drop(&mut self) {
                WITH_PAYER_IDS.with(|c| c.set(self.0));
            }
        }
        let _reset = Reset(WITH_PAYER_IDS.with(|c| c.replace(true)));
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payer_fields_are_masked_at_any_depth() {
        let v = serde_json::json!({"payerId1": "2088702852632582", "payerId2": "rob***@126.com",
            "payer_amount": "100", "acc_resp_fields": {"user_id": "2088xx", "openid": "o-1"},
            "nested": "{\"sub_openid\":\"o-2\",\"x\":1}", "user_id1": null});
        let m = masked(&v).to_string();
        for secret in ["2088702852632582", "rob", "2088xx", "o-1", "o-2"] {
            assert!(!m.contains(secret), "{secret} in {m}");
        }
        assert!(m.contains("\"payer_amount\":\"100\""));
        assert!(is_payer_field("USER_ID2") && !is_payer_field("payer_amount"));
    }

    #[test]
    fn payer_fields_are_left_out_unless_asked() {
        let v = serde_json::json!({"out_trade_no": "T1", "acc_resp_fields": {"user_id": "2088xx"},
            "list": [{"openid": "o-1", "n": 1}]});
        let out = without_payer_fields(&v).to_string();
        assert!(
            !out.contains("2088xx") && !out.contains("o-1") && out.contains("T1"),
            "{out}"
        );
        assert!(!payer_ids_asked());
        struct Probe;
        impl Serialize for Probe {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bool(payer_ids_asked())
            }
        }
        assert_eq!(
            serde_json::to_string(&WithPayerIds(&Probe)).unwrap(),
            "true"
        );
        assert!(!payer_ids_asked(), "reset after serializing");
    }
}
