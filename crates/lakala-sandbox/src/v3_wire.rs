//! The v3 wire helpers every open-platform handler shares: the answer envelope, strict
//! request parsing, and small formatting rules.

use lakala_crypto::format_china_time;
use lakala_types::micropay::V3Request;
use lakala_types::Validate;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A v3 answer: `{code, msg, resp_time, resp_data?}`.
pub(crate) fn v3(now: i64, code: &str, msg: &str, resp_data: Option<Value>) -> Value {
    let mut answer = json!({
        "code": code,
        "msg": truncate(msg, 256),
        "resp_time": format_china_time(now),
    });
    if let Some(data) = resp_data {
        answer["resp_data"] = data;
    }
    answer
}

/// At most `max_chars` characters of `text`.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Parses a request leniently and refuses it if it breaks any rule: the message lists them.
pub(crate) fn parse_checked<T: DeserializeOwned + Validate>(text: &str) -> Result<T, String> {
    let parsed = lakala_types::parse::<T>(text)
        .map_err(|e| format!("报文格式错误 (line {}, column {})", e.line(), e.column()))?;
    if parsed.violations.is_empty() {
        Ok(parsed.value)
    } else {
        let list: Vec<String> = parsed.violations.iter().map(|v| v.to_string()).collect();
        Err(format!("参数错误: {}", list.join("; ")))
    }
}

/// The `req_data` of a v3 request that breaks no rule.
pub(crate) fn parse_v3<T: DeserializeOwned + Validate + Clone>(text: &str) -> Result<T, String> {
    let request: V3Request<T> = parse_checked(text)?;
    request
        .req_data()
        .cloned()
        .ok_or_else(|| "参数错误: req_data: required".to_owned())
}

/// `yyyyMMdd` of `now` (China time).
pub(crate) fn day(now: i64) -> String {
    format_china_time(now)[..8].to_owned()
}

/// The value, or empty.
pub(crate) fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

/// `acc_resp_fields` of a wallet: the payer's identifier there (personal data, fixed in the
/// sandbox), in micropay answers and trade queries.
pub(crate) fn wallet_user(account_type: &str) -> Option<Value> {
    match account_type {
        "ALIPAY" => Some(json!({"user_id": "2088000000000001"})),
        "WECHAT" => Some(json!({"openid": "oSBX00000000000000000000001"})),
        _ => None,
    }
}
