//! `lakala validate KIND`: every rule a message breaks.

use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::validate_kinds::{check_text, violations_json, KINDS};
use serde_json::json;
use std::io::Read;

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
    let violations = check_text(*check, kind, &text).map_err(Failure::Usage)?;
    if violations.is_empty() {
        return Ok(Report::new("valid", Exit::Success).line(format!("valid {kind}")));
    }
    let mut report =
        Report::new("invalid", Exit::Usage).extra("violations", violations_json(&violations));
    for v in &violations {
        report = report.line(v.to_string());
    }
    Ok(report)
}
