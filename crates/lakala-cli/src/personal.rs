//! Personal data in what the CLI prints: masked by default, exactly as `Debug` masks it
//! (`lakala_types::mask::mask`), and shown in clear only with `--reveal-personal-data`.
//!
//! The fields are those `lakala-types` holds as `Personal`: the cross-border `name`,
//! `certNo`, `bankCardNo`, `bankMobile`; the wallets' `openId` / `openid` / `sub_openid` and
//! `user_id`; payment codes (`auth_code`). They are found by key anywhere in a JSON value,
//! also inside strings that hold JSON.

use lakala_types::mask::mask;
use serde_json::Value;

/// The keys whose values are personal data (compared without case and underscores).
const PERSONAL: &[&str] = &[
    "name",
    "certno",
    "bankcardno",
    "bankmobile",
    "openid",
    "subopenid",
    "userid",
    "authcode",
];

fn is_personal(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    PERSONAL.contains(&normalized.as_str())
}

fn mask_value(value: &mut Value) {
    match value {
        Value::String(s) => *s = mask(s),
        Value::Number(n) => *value = Value::String(mask(&n.to_string())),
        Value::Null | Value::Bool(_) => {}
        Value::Array(_) | Value::Object(_) => {
            // A structure under a personal key: every string in it is personal.
            each_leaf(value, &mut |leaf| mask_value(leaf));
        }
    }
}

fn each_leaf(value: &mut Value, f: &mut impl FnMut(&mut Value)) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| each_leaf(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| each_leaf(v, f)),
        leaf => f(leaf),
    }
}

/// Masks every personal field of `value`, in place.
pub fn mask_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_personal(key) {
                    mask_value(v);
                } else {
                    mask_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        Value::String(s) => {
            // JSON carried as a string (cross-border business JSON, wallet fields).
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

/// `value` as it may be printed: masked unless `reveal`.
pub fn shown(value: &Value, reveal: bool) -> Value {
    let mut value = value.clone();
    if !reveal {
        mask_json(&mut value);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_every_personal_field_at_any_depth_and_keeps_the_rest() {
        let mut v = json!({
            "orderNo": "A1", "name": "张三", "certNo": "110101199003072316",
            "bankCardNo": "6222021234567890123", "bankMobile": "13812345678",
            "resp_data": {"out_trade_no": "T1", "acc_resp_fields": {"user_id": "2088000000000001"},
                          "list": [{"openid": "oSBX00000000000000000000001"}]},
            "openId": 12345678901u64,
            "biz": "{\"name\":\"李四\",\"retCode\":\"0000\"}",
            "auth_code": "288576824003652810",
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
        let biz: Value = serde_json::from_str(v["biz"].as_str().unwrap()).unwrap();
        assert_eq!(biz["name"], "李*");
        assert_eq!(biz["retCode"], "0000");
    }

    #[test]
    fn reveal_shows_everything_unchanged() {
        let v = json!({"name": "张三", "certNo": "110101199003072316"});
        assert_eq!(shown(&v, true), v);
        assert_ne!(shown(&v, false), v);
    }
}
