//! The idempotency key of a notification: the business event it announces, never its
//! signature (every redelivery is signed afresh).
//!
//! - open platform: `open:<merchant_no>:<out_trade_no>:<trade_state>`. A refund's
//!   notification names the refund's own `out_trade_no`, so it is its own event. The
//!   cashier's notifications name the same things `merchantNo`, `merchantOrderNo`,
//!   `payStatus`; those are read when the snake_case names are absent.
//! - cross-border: `crossborder:<reqType>:<orderNo>`, from the opened content.
//!
//! Each part must be 1 to 64 characters, without `:` or control characters, so that two
//! different events never share a key and a key stays within the ledger's 256 bytes.

use super::NotificationError;

/// The longest part of a key.
const MAX_PART: usize = 64;

/// One checked part of a key.
fn part<'a>(field: &'static str, value: Option<&'a str>) -> Result<&'a str, NotificationError> {
    let value = value.ok_or_else(|| NotificationError::content(format!("no {field}")))?;
    if value.is_empty()
        || value.chars().count() > MAX_PART
        || value.chars().any(|c| c == ':' || c.is_control())
    {
        return Err(NotificationError::content(format!(
            "{field} is empty, longer than {MAX_PART} characters, or holds ':' or a control character"
        )));
    }
    Ok(value)
}

/// The first of `names` that `body` holds as a string.
fn text<'a>(body: &'a serde_json::Value, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| body.get(*n).and_then(serde_json::Value::as_str))
}

/// What an open-platform notification is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenEvent {
    pub merchant_no: String,
    pub out_trade_no: String,
    pub trade_state: String,
}

impl OpenEvent {
    /// Reads the event's identity from a notification body.
    pub fn of(body: &serde_json::Value) -> Result<Self, NotificationError> {
        if !body.is_object() {
            return Err(NotificationError::content("the body is not a JSON object"));
        }
        let merchant_no = part("merchant_no", text(body, &["merchant_no", "merchantNo"]))?;
        let out_trade_no = part(
            "out_trade_no",
            text(body, &["out_trade_no", "merchantOrderNo"]),
        )?;
        let trade_state = part("trade_state", text(body, &["trade_state", "payStatus"]))?;
        Ok(Self {
            merchant_no: merchant_no.to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            trade_state: trade_state.to_owned(),
        })
    }

    /// `open:<merchant_no>:<out_trade_no>:<trade_state>`.
    pub fn key(&self) -> String {
        format!(
            "open:{}:{}:{}",
            self.merchant_no, self.out_trade_no, self.trade_state
        )
    }
}

/// `crossborder:<reqType>:<orderNo>` from a notification's opened content, which must be
/// a JSON object with a string `orderNo` (the field every cross-border business message of
/// the spec carries).
pub(crate) fn crossborder_key(req_type: &str, content: &str) -> Result<String, NotificationError> {
    let value: serde_json::Value = serde_json::from_str(content)
        .map_err(|_| NotificationError::content("the content is not JSON"))?;
    if !value.is_object() {
        return Err(NotificationError::content(
            "the content is not a JSON object",
        ));
    }
    let req_type = part("reqType", Some(req_type))?;
    let order_no = part("orderNo", text(&value, &["orderNo"]))?;
    Ok(format!("crossborder:{req_type}:{order_no}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn open_keys_name_merchant_order_and_state() {
        let e = OpenEvent::of(
            &json!({"merchant_no": "M1", "out_trade_no": "T1", "trade_state": "SUCCESS"}),
        )
        .unwrap();
        assert_eq!(e.key(), "open:M1:T1:SUCCESS");
        let cashier =
            OpenEvent::of(&json!({"merchantNo": "M1", "merchantOrderNo": "T1", "payStatus": "S"}))
                .unwrap();
        assert_eq!(cashier.key(), "open:M1:T1:S");
        for bad in [
            json!({"merchant_no": "M1", "out_trade_no": "T:1", "trade_state": "SUCCESS"}),
            json!({"merchant_no": "M1", "trade_state": "SUCCESS"}),
            json!({"merchant_no": "M1", "out_trade_no": "x".repeat(65), "trade_state": "S"}),
            json!([1]),
        ] {
            assert!(matches!(
                OpenEvent::of(&bad),
                Err(NotificationError::Content { .. })
            ));
        }
    }

    #[test]
    fn crossborder_keys_need_an_order_in_json_content() {
        assert_eq!(
            crossborder_key("B0005", r#"{"orderNo":"O1","retCode":"0000"}"#).unwrap(),
            "crossborder:B0005:O1"
        );
        for bad in ["", "null", "\u{1}garbage", r#"{"retCode":"0000"}"#, "[]"] {
            assert!(crossborder_key("B0005", bad).is_err(), "{bad:?}");
        }
    }
}
