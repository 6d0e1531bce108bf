//! `lakala micropay`: pays, shows the polling live on stderr, and exits with the outcome.

use crate::args::{Cli, MicropayArgs, OnPending};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::{
    Confirmation, FailureReason, MicropayOptions, PaymentOutcome, PendingPolicy, PollEvent,
    PollObserver,
};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::{json, Value};

pub async fn run(cli: &Cli, args: &MicropayArgs) -> Result<Report, Failure> {
    let out_trade_no = args
        .out_trade_no
        .clone()
        .unwrap_or_else(|| super::fresh_number("MP"));
    let mut builder = MicropayRequest::builder()
        .merchant_no(args.merchant_no.clone())
        .term_no(args.term_no.clone())
        .out_trade_no(out_trade_no.clone())
        .auth_code(args.auth_code.clone())
        .total_amount(Amount::from_fen(args.amount)?)
        .location_info(
            LocationInfo::builder()
                .request_ip(args.location.request_ip.clone())
                .build()?,
        );
    if let Some(subject) = &args.subject {
        builder = builder.subject(subject.clone());
    }
    if let Some(url) = &args.notify_url {
        builder = builder.notify_url(url.clone());
    }
    let request = builder.build()?;
    let policy = match args.on_pending {
        OnPending::Wait => PendingPolicy::ReturnPending,
        OnPending::Revoke => PendingPolicy::Revoke {
            revoke_out_trade_no: lakala_client::revoke_number(&out_trade_no, "R"),
        },
    };
    let mut options = MicropayOptions::new(policy);
    if !cli.json {
        options = options.observer(PollObserver::new(progress));
    }
    let route = args.route.map(|r| r.setting());
    let connection = super::connect_journaled_adjusted(cli, Family::OpenPlatform, |config| {
        if let Some(route) = route {
            config.micropay_route = route;
        }
    })
    .await?;
    let outcome = connection.client.micropay(request, options).await?;
    Ok(report(&outcome))
}

/// Live progress on stderr.
fn progress(event: &PollEvent) {
    match event {
        PollEvent::Pending { code } => eprintln!("pending ({code}): the payer may be confirming"),
        PollEvent::OutcomeUnknown { reason } => eprintln!("outcome unknown ({reason}); querying"),
        PollEvent::Waiting {
            attempt,
            of,
            delay,
            elapsed,
        } => eprintln!(
            "query {attempt}/{of} in {}s (elapsed {}s)",
            delay.as_secs(),
            elapsed.as_secs()
        ),
        PollEvent::Queried { attempt, state } => eprintln!(
            "query {attempt}: {}",
            state.as_ref().map(|s| s.as_str()).unwrap_or("not found")
        ),
        PollEvent::QueryFailed { attempt, reason } => eprintln!("query {attempt} failed: {reason}"),
        PollEvent::ScheduleExhausted => eprintln!("no final state after the whole schedule"),
        PollEvent::Revoking => eprintln!("revoking the order"),
        PollEvent::Started { order } => eprintln!("paying {}", order.out_trade_no),
        _ => {}
    }
}

pub fn report(outcome: &PaymentOutcome) -> Report {
    let order = outcome.order();
    let order_json = json!({
        "merchant_no": order.merchant_no, "term_no": order.term_no,
        "out_trade_no": order.out_trade_no, "trade_no": order.trade_no,
    });
    let report = match outcome {
        PaymentOutcome::Succeeded { confirmation, .. } => {
            let (how, response) = match confirmation {
                Confirmation::Immediate(a) => ("at once".to_owned(), a.json().clone()),
                Confirmation::Query { attempt, response } => {
                    (format!("by query {attempt}"), response.json().clone())
                }
                _ => (String::new(), Value::Null),
            };
            Report::new("succeeded", Exit::Success)
                .response(response)
                .line(format!("paid: {} (confirmed {how})", order.out_trade_no))
        }
        PaymentOutcome::Failed { reason, .. } => {
            let (why, response) = match reason {
                FailureReason::Declined { code, message } => (
                    format!("declined {} {message}", code.as_str()),
                    json!({"code": code.as_str(), "msg": message}),
                ),
                FailureReason::TradeFailed {
                    state,
                    description,
                    attempt,
                    micropay_answer,
                } => (
                    format!(
                        "query {attempt} found the trade {} {}{}",
                        state.as_str(),
                        description.as_deref().unwrap_or_default(),
                        micropay_answer
                            .as_ref()
                            .map(|a| format!(
                                "; micropay had answered {} {}",
                                a.code.as_str(),
                                a.message
                            ))
                            .unwrap_or_default()
                    ),
                    json!({
                        "trade_state": state.as_str(),
                        "trade_state_desc": description,
                        "micropay_code": micropay_answer.as_ref().map(|a| a.code.as_str()),
                        "micropay_msg": micropay_answer.as_ref().map(|a| a.message.as_str()),
                    }),
                ),
                FailureReason::NotSent { reason } => (format!("not sent: {reason}"), Value::Null),
                _ => ("failed".to_owned(), Value::Null),
            };
            let exit = if matches!(reason, FailureReason::NotSent { .. }) {
                Exit::Transport
            } else {
                Exit::Declined
            };
            Report::new("failed", exit)
                .response(response)
                .line(format!("not paid: {} ({why})", order.out_trade_no))
        }
        PaymentOutcome::Pending(p) => Report::new("pending", Exit::Pending)
            .response(json!({"trade_state": p.last_state.as_ref().map(|s| s.as_str())}))
            .extra("reason", json!(p.reason))
            .extra(
                "revoke",
                json!(p.revoke.as_ref().map(|r| json!({
                    "out_trade_no": r.revoke_out_trade_no, "result": r.result,
                    "may_have_been_executed": r.may_have_been_executed }))),
            )
            .line(format!("PENDING: {} ({})", order.out_trade_no, p.reason))
            .line(format!(
                "resolve it later: lakala query --merchant-no {} --term-no {} --out-trade-no {}",
                order.merchant_no, order.term_no, order.out_trade_no
            )),
        PaymentOutcome::Revoked {
            revoke_out_trade_no,
            response,
            ..
        } => Report::new("revoked", Exit::Declined)
            .response(
                serde_json::to_value(lakala_client::payer::WithPayerIds(response))
                    .unwrap_or(Value::Null),
            )
            .line(format!(
                "revoked: {} (revoke {revoke_out_trade_no}); the payer is not charged",
                order.out_trade_no
            )),
        _ => Report::new("unknown", Exit::Pending),
    };
    // The library's stable JSON form (lakala_client::outcome), so that the CLI and a
    // service serializing the outcome agree field for field; `response` stays the
    // verified answer in wire names, as for every command.
    let mut report = report.extra("order", order_json);
    // The CLI masks personal data itself (unless --reveal-personal-data): it takes the
    // payer's ids to mask or show them.
    if let Ok(Value::Object(form)) =
        serde_json::to_value(lakala_client::payer::WithPayerIds(outcome))
    {
        for (key, value) in form {
            if key != "outcome" && key != "response" {
                report = report.extra(&key, value);
            }
        }
    }
    report
}
