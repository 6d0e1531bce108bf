//! Personal data (names, certificate and card numbers, phone numbers, wallet user ids,
//! payment codes) and how it shows in `Debug` output.
//!
//! The one mechanism is [`Personal`]: a string that serializes as itself but whose `Debug`
//! shows only [`mask`]ed text. Types holding personal data derive `Debug` and stay safe to log.
//!
//! Raw JSON (a platform's answer kept in a journal, a notification's body) has no types:
//! [`mask_json`] masks it by key, with the one list of personal keys, [`PERSONAL_KEYS`],
//! that every tool printing such JSON (the CLI, the console) uses.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// The JSON keys whose values are personal data, as [`is_personal_key`] compares them
/// (lower case, without `_` and `-`): the fields this crate holds as [`Personal`] (the
/// cross-border `name`, `certNo`, `bankCardNo`, `bankMobile`; the wallets' `openid`,
/// `sub_openid`, `user_id`; payment codes, `auth_code`), the journal's
/// `masked_auth_code`, and the buyer account numbers of wallet answers
/// (`buyer_account_no`, `acc_no`).
pub const PERSONAL_KEYS: &[&str] = &[
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

/// Whether the value under JSON key `key` is personal data: `key` without `_` and `-`,
/// in lower case, is one of [`PERSONAL_KEYS`] (`certNo`, `cert_no`, `CERT-NO` all are).
pub fn is_personal_key(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    PERSONAL_KEYS.contains(&normalized.as_str())
}

/// Masks every string and number in `value` (a personal key's value, whatever its shape):
/// a number becomes its masked text; `null` and booleans stay.
fn mask_leaves(value: &mut Value) {
    match value {
        Value::String(s) => *s = mask(s),
        Value::Number(n) => *value = Value::String(mask(&n.to_string())),
        Value::Array(items) => items.iter_mut().for_each(mask_leaves),
        Value::Object(map) => map.values_mut().for_each(mask_leaves),
        Value::Null | Value::Bool(_) => {}
    }
}

/// Masks, in place, the value of every personal key ([`is_personal_key`]) anywhere in
/// `value`, with [`mask`] (the same text `Debug` of a [`Personal`] shows), also inside
/// strings that hold JSON (cross-border business JSON, wallet fields), which stay
/// strings (re-serialized only when something in them was masked). Everything else is
/// left as it was.
pub fn mask_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_personal_key(key) {
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
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Masks `value` for logs: values shorter than 8 characters keep their first character
/// (`蒋志飞` → `蒋**`); longer ones keep a quarter at each end, at most 4 characters each
/// (`321123199001011111` → `3211**********1111`). Counts characters, not bytes.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = if n < 8 { 0 } else { (n / 4).min(4) };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let shown = if keep == 0 {
                i == 0 && n > 1
            } else {
                i < keep || i >= n - keep
            };
            if shown {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A string holding personal data. Serializes and parses as the plain string; `Debug` shows
/// it [`mask`]ed. There is deliberately no `Display`: read the value with [`Personal::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Personal(String);

impl Personal {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Personal(value.into())
    }

    /// The unmasked value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Personal {
    fn from(value: String) -> Self {
        Personal(value)
    }
}

impl From<&str> for Personal {
    fn from(value: &str) -> Self {
        Personal(value.to_owned())
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", mask(&self.0))
    }
}

impl Serialize for Personal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Personal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Personal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_like_the_examples() {
        assert_eq!(mask("蒋志飞"), "蒋**");
        assert_eq!(mask("321123199001011111"), "3211**********1111");
        assert_eq!(mask("13812345678"), "13*******78");
        assert_eq!(mask("x"), "*");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn personal_keys_match_in_any_spelling() {
        for key in [
            "certNo",
            "cert_no",
            "CERT-NO",
            "openId",
            "sub_openid",
            "user_id",
        ] {
            assert!(is_personal_key(key), "{key}");
        }
        for key in ["trade_no", "out_trade_no", "names", "auth", "orderNo"] {
            assert!(!is_personal_key(key), "{key}");
        }
    }

    #[test]
    fn mask_json_masks_every_personal_field_at_any_depth_and_keeps_the_rest() {
        let mut v = json!({
            "orderNo": "A1", "name": "张三", "certNo": "110101199003072316",
            "bankCardNo": "6222021234567890123", "bankMobile": "13812345678",
            "resp_data": {"out_trade_no": "T1", "acc_resp_fields": {"user_id": "2088000000000001"},
                          "list": [{"openid": "oSBX00000000000000000000001"}]},
            "openId": 12345678901u64,
            "biz": "{\"name\":\"李四\",\"retCode\":\"0000\"}",
            "auth_code": "288576824003652810",
            "buyer_account_no": "2088102146225135", "acc_no": "6222021234567890",
            "card": {"name": ["王五", 7], "valid": true, "memo": null},
            "untouched": "{\"retCode\": \"0000\"}",
        });
        mask_json(&mut v);
        assert_eq!(v["orderNo"], "A1");
        assert_eq!(v["name"], "张*");
        assert_eq!(v["certNo"], "1101**********2316");
        assert_eq!(v["bankCardNo"], mask("6222021234567890123"));
        assert_eq!(v["bankMobile"], "13*******78");
        assert_eq!(v["resp_data"]["out_trade_no"], "T1");
        assert_eq!(
            v["resp_data"]["acc_resp_fields"]["user_id"],
            "2088********0001"
        );
        assert_eq!(
            v["resp_data"]["list"][0]["openid"],
            mask("oSBX00000000000000000000001")
        );
        assert_eq!(v["openId"], mask("12345678901"));
        assert_eq!(v["auth_code"], "2885**********2810");
        assert_eq!(v["buyer_account_no"], "2088********5135");
        assert_eq!(v["acc_no"], "6222********7890");
        assert_eq!(v["card"]["name"], json!(["王*", "*"]));
        assert_eq!(v["card"]["valid"], true);
        assert_eq!(v["card"]["memo"], Value::Null);
        let biz: Value = serde_json::from_str(v["biz"].as_str().unwrap()).unwrap();
        assert_eq!(biz["name"], "李*");
        assert_eq!(biz["retCode"], "0000");
        assert_eq!(
            v["untouched"], "{\"retCode\": \"0000\"}",
            "not re-serialized"
        );
    }
}
