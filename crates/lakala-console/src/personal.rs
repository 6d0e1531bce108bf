//! Personal data in what the console shows: masked exactly as everywhere else
//! ([`lakala_types::mask::mask`]), found by key anywhere in a JSON value (also inside
//! strings that hold JSON). The console has no way to show it in clear.

use lakala_types::mask::mask;
use serde_json::Value;

/// The keys whose values are personal data (compared without case, `_` and `-`): the
/// fields `lakala-types` holds as `Personal`.
const PERSONAL: &[&str] = &[
    "name",
    "certno",
    "bankcardno",
    "bankmobile",
    "openid",
    "subopenid",
    "userid",
    "authcode",
    "maskedauthcode",
    "buyeraccountno",
    "accno",
];

fn is_personal(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    PERSONAL.contains(&normalized.as_str())
}

fn mask_leaves(value: &mut Value) {
    match value {
        Value::String(s) => *s = mask(s),
        Value::Number(n) => *value = Value::String(mask(&n.to_string())),
        Value::Array(items) => items.iter_mut().for_each(mask_leaves),
        Value::Object(map) => map.values_mut().for_each(mask_leaves),
        Value::Null | Value::Bool(_) => {}
    }
}

/// Masks every personal field of `value`, in place.
pub(crate) fn mask_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_personal(key) {
                    mask_leaves(v);
                } else {
                    mask_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        Value::String(s) => {
            let trimmed = s.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                    let before = inner.clone();
                    mask_json(&mut inner);
                    if inner != before {
                        *s = inner.to_string();
                    }
                }
            }
        }
        _ => {}
    }
}

/// `value` masked, as compact JSON text.
pub(crate) fn masked_text(value: &Value) -> String {
    let mut v = value.clone();
    mask_json(&mut v);
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_fields_are_masked_wherever_they_are() {
        let v = json!({"acc_resp_fields": {"user_id": "2088102146225135"},
                       "auth_code": "288576824003652810",
                       "inner": "{\"openid\":\"oSBX00000000000000000000001\"}",
                       "trade_no": "2026120222001"});
        let text = masked_text(&v);
        assert!(!text.contains("2088102146225135"), "{text}");
        assert!(!text.contains("288576824003652810"), "{text}");
        assert!(!text.contains("oSBX00000000000000000000001"), "{text}");
        assert!(text.contains("2026120222001"), "{text}");
        assert!(text.contains(&mask("2088102146225135")), "{text}");
    }
}
