//! Which notification fields identify the payer, and masking them for `Debug`.
//!
//! Lakala's notifications carry the payer's wallet account under several names, depending
//! on the product and the wallet: `user_id` (Alipay, in `acc_resp_fields`), `openid` and
//! `sub_openid` (WeChat), `payerId1`/`payerId2` (the cashier's notifications, for example
//! `2088702852632582` and `rob***@126.com`), `buyer_id`, `buyer_logon_id`. A name is a
//! payer field when, lower-cased and without `_`, it is one of [`PAYER_FIELDS`] or one of
//! them followed by digits (`user_id1`, `payerId2`).

use serde_json::Value;

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
}
