//! `lakala validate KIND`: every rule a message breaks.

use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use lakala_types::{crossborder, micropay, parse, preauth, Validate, Violation};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::io::Read;

type Check = fn(&str) -> Result<Vec<Violation>, serde_json::Error>;

fn check<T: DeserializeOwned + Validate>(json: &str) -> Result<Vec<Violation>, serde_json::Error> {
    parse::<T>(json).map(|p| p.violations)
}

/// The kinds, with what each is.
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

pub fn run(kind: Option<&str>, list: bool) -> Result<Report, Failure> {
    if list || kind.is_none() {
        let mut report = Report::new("kinds", Exit::Success).extra(
            "kinds",
            json!(KINDS.iter().map(|(k, _, _)| *k).collect::<Vec<_>>()),
        );
        for (name, what, _) in KINDS {
            report = report.line(format!("{name:26} {what}"));
        }
        return Ok(report);
    }
    let kind = kind.unwrap_or_default();
    let Some((_, _, check)) = KINDS.iter().find(|(k, _, _)| *k == kind) else {
        return Err(Failure::Usage(format!(
            "unknown kind {kind:?}; see lakala validate --list"
        )));
    };
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let violations = check(&text).map_err(|e| {
        Failure::Usage(format!(
            "not a {kind}: malformed at line {}, column {} ({})",
            e.line(),
            e.column(),
            e.classify() as u8
        ))
    })?;
    if violations.is_empty() {
        return Ok(Report::new("valid", Exit::Success).line(format!("valid {kind}")));
    }
    let mut report = Report::new("invalid", Exit::Usage).extra(
        "violations",
        json!(violations
            .iter()
            .map(|v| json!({"field": v.field, "rule": v.to_string()}))
            .collect::<Vec<_>>()),
    );
    for v in &violations {
        report = report.line(v.to_string());
    }
    Ok(report)
}
