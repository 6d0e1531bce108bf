//! The message kinds `lakala validate` checks, and how one input is checked: the whole of
//! the command's input handling. It depends on nothing else of the CLI, so that the fuzz
//! target `cli_validate` (fuzz/) runs this very file.

use lakala_types::{crossborder, micropay, parse, preauth, Validate, Violation};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Checks one JSON text against the rules of a kind.
pub type Check = fn(&str) -> Result<Vec<Violation>, serde_json::Error>;

fn check<T: DeserializeOwned + Validate>(json: &str) -> Result<Vec<Violation>, serde_json::Error> {
    parse::<T>(json).map(|p| p.violations)
}

/// The kinds: name, what it is, and its check.
pub const KINDS: &[(&str, &str, Check)] = &[
    (
        "auth-request",
        "gate/auth business request (4.1.1)",
        check::<crossborder::AuthRequest>,
    ),
    (
        "auth-response",
        "gate/auth business answer (4.1.2)",
        check::<crossborder::AuthResponse>,
    ),
    (
        "crossborder-request",
        "cross-border request envelope",
        check::<crossborder::RequestEnvelope>,
    ),
    (
        "crossborder-response",
        "cross-border answer envelope",
        check::<crossborder::ResponseEnvelope>,
    ),
    (
        "crossborder-notification",
        "cross-border notification",
        check::<crossborder::Notification>,
    ),
    (
        "crossborder-answer",
        "merchant's answer to a notification",
        check::<crossborder::NotificationAnswer>,
    ),
    (
        "preauth-request",
        "v2 pre-order request envelope",
        check::<preauth::V2Request<preauth::PreOrderRequest>>,
    ),
    (
        "preauth-response",
        "v2 pre-order answer envelope",
        check::<preauth::V2Response<preauth::PreOrderResponse>>,
    ),
    (
        "micropay-request",
        "v3 micropay request envelope",
        check::<micropay::V3Request<micropay::MicropayRequest>>,
    ),
    (
        "micropay-response",
        "v3 micropay answer envelope",
        check::<micropay::V3Response<micropay::MicropayResponse>>,
    ),
    (
        "query-request",
        "v3 trade query request envelope",
        check::<micropay::V3Request<micropay::TradeQueryRequest>>,
    ),
    (
        "query-response",
        "v3 trade query answer envelope",
        check::<micropay::V3Response<micropay::TradeQueryResponse>>,
    ),
    (
        "revoke-request",
        "v3 revoke request envelope",
        check::<micropay::V3Request<micropay::RevokeRequest>>,
    ),
    (
        "refund-request",
        "v3 refund request envelope",
        check::<micropay::V3Request<micropay::RefundRequest>>,
    ),
];

/// Checks `text` with `check`: every rule it breaks, or why it is not JSON of that shape
/// (position and category only: the input may hold personal data).
pub fn check_text(check: Check, kind: &str, text: &str) -> Result<Vec<Violation>, String> {
    check(text).map_err(|e| {
        format!(
            "not a {kind}: malformed at line {}, column {} ({})",
            e.line(),
            e.column(),
            e.classify() as u8
        )
    })
}

/// The violations as the `--json` output's `violations` array.
pub fn violations_json(violations: &[Violation]) -> Value {
    json!(violations
        .iter()
        .map(|v| json!({"field": v.field, "rule": v.to_string()}))
        .collect::<Vec<_>>())
}
