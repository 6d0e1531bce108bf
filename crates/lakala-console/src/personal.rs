//! Personal data in what the console shows: masked exactly as everywhere else, with the
//! one list of personal keys of `lakala_types::mask` (also inside strings that hold JSON).
//! The console has no way to show it in clear.

use lakala_types::mask::mask_json;
use serde_json::Value;

/// `value` masked, as compact JSON text.
pub(crate) fn masked_text(value: &Value) -> String {
    let mut v = value.clone();
    mask_json(&mut v);
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_types::mask::mask;
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
