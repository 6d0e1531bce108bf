//! `lakala query`, `lakala revoke`, `lakala refund` (and `--by-order`: idmrefund).

use crate::args::{Cli, QueryArgs, RefundArgs, RevokeArgs};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::{RefundOutcome, RevokeOutcome};
use lakala_types::labs::IdmRefundRequest;
use lakala_types::micropay::{
    LocationInfo, RefundRequest, RevokeRequest, TradeQueryRequest, TradeState, TradeVerdict,
};
use lakala_types::Amount;
use serde_json::json;

pub async fn query(cli: &Cli, args: &QueryArgs) -> Result<Report, Failure> {
    let mut builder = TradeQueryRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone());
    if let Some(n) = &args.out_trade_no {
        builder = builder.out_trade_no(n.clone());
    }
    if let Some(n) = &args.trade_no {
        builder = builder.trade_no(n.clone());
    }
    let request = builder.build()?;
    let connection = super::connect(cli, Family::OpenPlatform).await?;
    let answer = connection.client.trade_query(request).await?;
    let found = answer.value.code().is_some_and(|c| c.is_success());
    let state = answer
        .value
        .resp_data()
        .and_then(|d| d.trade_state())
        .cloned();
    // "Not found" is not "not paid": the order may not be visible yet. Only a final
    // state found by the query is an outcome.
    let (outcome, exit) = match (found, &state) {
        (false, _) => ("not_found", Exit::Pending),
        (true, Some(state)) => match (state, state.verdict()) {
            (TradeState::PartRefund, _) => ("trade_part_refund", Exit::Success),
            (_, TradeVerdict::Paid) => ("trade_success", Exit::Success),
            (_, TradeVerdict::Failed) => ("trade_fail", Exit::Declined),
            (TradeState::Refund, _) => ("trade_refund", Exit::Declined),
            (_, TradeVerdict::Closed) => ("trade_closed", Exit::Declined),
            _ => ("trade_pending", Exit::Pending),
        },
        (true, None) => ("trade_pending", Exit::Pending),
    };
    Ok(Report::new(outcome, exit)
        .response(answer.json().clone())
        .line(format!(
            "{}: {}",
            args.out_trade_no
                .as_deref()
                .or(args.trade_no.as_deref())
                .unwrap_or_default(),
            if found {
                state
                    .as_ref()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_else(|| "(no state)".into())
            } else {
                format!("not found ({})", answer.value.msg().unwrap_or_default())
            }
        )))
}

pub async fn revoke(cli: &Cli, args: &RevokeArgs) -> Result<Report, Failure> {
    let out_trade_no = args
        .out_trade_no
        .clone()
        .unwrap_or_else(|| super::fresh_number("RV"));
    let request = RevokeRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .out_trade_no(out_trade_no.clone())
        .origin_out_trade_no(args.origin_out_trade_no.clone())
        .location_info(
            LocationInfo::builder()
                .request_ip(args.location.request_ip.clone())
                .build()?,
        )
        .build()?;
    let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
    let outcome = connection.client.revoke(request).await?;
    let said = match &outcome {
        RevokeOutcome::InProgress { code, message, .. }
        | RevokeOutcome::Declined { code, message } => format!("{} {message}", code.as_str()),
        RevokeOutcome::Unknown { code, message, .. } => format!(
            "{} {message}",
            code.as_ref().map(|c| c.as_str()).unwrap_or_default()
        ),
        _ => String::new(),
    };
    let done = format!(
        "revoked {} (revoke {out_trade_no})",
        args.origin_out_trade_no
    );
    Ok(settled(
        outcome.word(),
        serde_json::to_value(&outcome).unwrap_or_default(),
        said,
        done,
        "revoke",
        &args.origin_out_trade_no,
        &out_trade_no,
    ))
}

pub async fn refund(cli: &Cli, args: &RefundArgs) -> Result<Report, Failure> {
    let out_trade_no = args
        .out_trade_no
        .clone()
        .unwrap_or_else(|| super::fresh_number("RF"));
    let location = LocationInfo::builder()
        .request_ip(args.location.request_ip.clone())
        .build()?;
    let outcome = if args.by_order {
        let mut builder = IdmRefundRequest::builder()
            .merchant_no(args.merchant_no.clone())
            .term_no(args.term_no.clone())
            .out_refund_order_no(out_trade_no.clone())
            .refund_amount(Amount::from_fen(args.refund_amount)?)
            .origin_out_trade_no(args.origin_out_trade_no.clone())
            .location_info(location);
        if let Some(reason) = &args.refund_reason {
            builder = builder.refund_reason(reason.clone());
        }
        let request = builder.build()?;
        let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
        connection.client.idm_refund(request).await?
    } else {
        plain_refund(cli, args, &out_trade_no, location).await?
    };
    refund_report(args, &out_trade_no, outcome)
}

/// The plain refund route (`/api/v3/labs/relation/refund`).
async fn plain_refund(
    cli: &Cli,
    args: &RefundArgs,
    out_trade_no: &str,
    location: LocationInfo,
) -> Result<RefundOutcome, Failure> {
    let mut builder = RefundRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .out_trade_no(out_trade_no.to_owned())
        .refund_amount(Amount::from_fen(args.refund_amount)?)
        .origin_out_trade_no(args.origin_out_trade_no.clone())
        .location_info(location);
    if let Some(reason) = &args.refund_reason {
        builder = builder.refund_reason(reason.clone());
    }
    let request = builder.build()?;
    let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
    Ok(connection.client.refund(request).await?)
}

/// The report of a refund, by either route.
fn refund_report(
    args: &RefundArgs,
    out_trade_no: &str,
    outcome: RefundOutcome,
) -> Result<Report, Failure> {
    let said = match &outcome {
        RefundOutcome::InProgress {
            code,
            message,
            state,
            ..
        } => format!(
            "{} {message}{}",
            code.as_str(),
            state
                .as_ref()
                .map(|s| format!(" (trade_state {})", s.as_str()))
                .unwrap_or_default()
        ),
        RefundOutcome::Declined { code, message, .. } => format!("{} {message}", code.as_str()),
        RefundOutcome::Unknown { code, message, .. } => format!(
            "{} {message}",
            code.as_ref().map(|c| c.as_str()).unwrap_or_default()
        ),
        _ => String::new(),
    };
    let done = format!(
        "refunded {} fen of {} (refund {out_trade_no})",
        args.refund_amount, args.origin_out_trade_no
    );
    Ok(settled(
        outcome.word(),
        serde_json::to_value(&outcome).unwrap_or_default(),
        said,
        done,
        "refund",
        &args.origin_out_trade_no,
        out_trade_no,
    ))
}

/// The report of a revoke or refund, by its typed outcome's word: `revoked` / `refunded`
/// (exit 0), `in_progress` (exit 4: settle with a query, never by sending it again),
/// `declined` (exit 3: a definite refusal naming this request, nothing moved), `unknown`
/// (exit 4: query).
fn settled(
    word: &'static str,
    outcome: serde_json::Value,
    said: String,
    done: String,
    what: &str,
    origin: &str,
    out_trade_no: &str,
) -> Report {
    let settle = if what == "refund" {
        format!("lakala refund-query on {out_trade_no}")
    } else {
        format!("lakala query on {origin} (REFUND means revoked)")
    };
    let report = match word {
        "revoked" | "refunded" => Report::new(word, Exit::Success).line(done),
        "in_progress" => Report::new("in_progress", Exit::Pending)
            .line(format!("{what} of {origin} in progress: {said}"))
            .line(format!("settle it with {settle}; never send it again")),
        "declined" => Report::new("declined", Exit::Declined)
            .line(format!("{what} of {origin} declined: {said}")),
        _ => Report::new("unknown", Exit::Pending)
            .line(format!(
                "{what} of {origin} answered {said}: not conclusive"
            ))
            .line(format!(
                "settle it with {settle}; never send it again under another number"
            )),
    };
    report
        .response(outcome)
        .extra("out_trade_no", json!(out_trade_no))
}
