//! Personal data in what the CLI prints: masked by default, exactly as `Debug` masks it,
//! with the one list of personal keys of `lakala_types::mask` (also inside strings that
//! hold JSON), and shown in clear only with `--reveal-personal-data`.

use lakala_types::mask::mask_json;
use serde_json::Value;

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
    fn masked_unless_revealed() {
        let v = json!({"name": "张三", "certNo": "110101199003072316", "orderNo": "A1"});
        assert_eq!(shown(&v, true), v);
        let masked = shown(&v, false);
        assert_eq!(masked["name"], "张*");
        assert_eq!(masked["certNo"], "1101**********2316");
        assert_eq!(masked["orderNo"], "A1");
    }
}
