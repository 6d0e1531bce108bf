//! `lakala refund-query` and `lakala close`: the calls that settle what a refund or an
//! unpaid order became. Their words are the client's typed outcomes'
//! ([`RefundOutcome::word`], [`CloseOutcome::word`]); exit statuses: done 0, declined on
//! evidence 3, in progress or unknown 4 (errors: verification 5, transient 6).

use crate::args::{Cli, CloseArgs, RefundQueryArgs};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::{CloseOutcome, RefundOutcome};
use lakala_types::micropay::{
    CloseRequest, LocationInfo, RefundQueryRequest, TradeQueryRequest, TradeState,
};
use serde_json::json;

pub async fn refund_query(cli: &Cli, args: &RefundQueryArgs) -> Result<Report, Failure> {
    let request = RefundQueryRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .out_refund_order_no(args.out_refund_order_no.clone())
        .build()?;
    let connection = super::connect(cli, Family::OpenPlatform).await?;
    let answer = connection.client.refund_query(request).await?;
    let outcome = RefundOutcome::from_query(&answer.value);
    let number = &args.out_refund_order_no;
    let said = format!(
        "{} {}",
        answer.value.code().map(|c| c.as_str()).unwrap_or_default(),
        answer.value.msg().unwrap_or_default()
    );
    let (line, exit) = match &outcome {
        RefundOutcome::Refunded { .. } => (format!("refund {number}: refunded"), Exit::Success),
        RefundOutcome::Declined { .. } => (
            format!("refund {number}: failed, no money moved ({said})"),
            Exit::Declined,
        ),
        RefundOutcome::InProgress { state, .. } => (
            format!(
                "refund {number}: in progress ({}); query again later, do not refund again",
                state.as_ref().map(|s| s.as_str()).unwrap_or(said.as_str())
            ),
            Exit::Pending,
        ),
        _ => (
            format!("refund {number}: not known ({said}); query again later, or query the trade by this number"),
            Exit::Pending,
        ),
    };
    Ok(Report::new(outcome.word(), exit)
        .response(answer.json().clone())
        .extra("out_refund_order_no", json!(number))
        .line(line))
}

pub async fn close(cli: &Cli, args: &CloseArgs) -> Result<Report, Failure> {
    let mut builder = CloseRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .location_info(
            LocationInfo::builder()
                .request_ip(args.location.request_ip.clone())
                .build()?,
        );
    if let Some(n) = &args.origin_out_trade_no {
        builder = builder.origin_out_trade_no(n.clone());
    }
    if let Some(n) = &args.origin_trade_no {
        builder = builder.origin_trade_no(n.clone());
    }
    let request = builder.build()?;
    let order = args
        .origin_out_trade_no
        .as_deref()
        .or(args.origin_trade_no.as_deref())
        .unwrap_or_default()
        .to_owned();
    let connection = super::connect(cli, Family::OpenPlatform).await?;
    let answer = connection.client.close(request).await?;
    let outcome = CloseOutcome::from_answer(&answer.value);
    let said = format!(
        "{} {}",
        answer.value.code().map(|c| c.as_str()).unwrap_or_default(),
        answer.value.msg().unwrap_or_default()
    );
    let report = match &outcome {
        CloseOutcome::Closed { .. } => {
            // Accepted; the trade query is the proof that the order is closed.
            let mut query = TradeQueryRequest::builder()
                .merchant_no(args.merchant_no.clone())
                .term_no(args.term_no.clone());
            if let Some(n) = &args.origin_out_trade_no {
                query = query.out_trade_no(n.clone());
            } else if let Some(n) = &args.origin_trade_no {
                query = query.trade_no(n.clone());
            }
            let confirmed = match connection.client.trade_query(query.build()?).await {
                Ok(q) => {
                    let state = q.value.resp_data().and_then(|d| d.trade_state()).cloned();
                    (state, Some(q.json().clone()), None)
                }
                Err(e) => (None, None, Some(e.to_string())),
            };
            match confirmed {
                (Some(TradeState::Close), query, _) => Report::new("closed", Exit::Success)
                    .line(format!("closed {order} (trade query: CLOSE)"))
                    .extra("confirmation", json!(query)),
                (state, query, error) => Report::new("unknown", Exit::Pending)
                    .line(format!(
                        "close of {order} accepted, but the trade query says {}: query it again",
                        error.unwrap_or_else(|| state
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_else(|| "nothing".into()))
                    ))
                    .extra("confirmation", json!(query)),
            }
        }
        CloseOutcome::Declined { .. } => {
            Report::new("declined", Exit::Declined).line(format!("close of {order} refused: {said}"))
        }
        CloseOutcome::InProgress { .. } => Report::new("in_progress", Exit::Pending).line(
            format!("close of {order} in progress ({said}): check with lakala query"),
        ),
        _ => Report::new("unknown", Exit::Pending).line(format!(
            "close of {order} answered {said}: not conclusive; check with lakala query (a paid order cannot be closed: revoke or refund it)"
        )),
    };
    Ok(report.response(answer.json().clone()))
}
