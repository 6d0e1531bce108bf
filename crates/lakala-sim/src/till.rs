//! A till's calls: pay an order, refund it, and how the till reads what it is told. With
//! `process.rs` this is where the simulation touches the client's API (adapt these two
//! files when that API changes).

use crate::plan::{OrderPlan, PreorderPlan, MERCHANT_NO};
use crate::process::location;
use lakala_client::{
    ClientError, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy, PreorderOptions,
    PreorderOutcome,
};
use lakala_types::labs::{AlipayPreorderFields, PreorderRequest, PreorderScenario};
use lakala_types::micropay::{MicropayRequest, RefundRequest};
use lakala_types::Amount;

/// What the till was told about a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayReport {
    /// Paid: the goods are handed over.
    Succeeded,
    /// Not paid, on evidence.
    Failed,
    /// Not known yet.
    Pending,
    /// Revoked: the payer is not charged.
    Revoked,
    /// Nothing was sent (an error before sending).
    NotSent,
}

/// What the till was told about a pre-order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreorderReport {
    /// Paid: the goods are handed over.
    Paid,
    /// Closed: the customer did not pay and can no longer.
    Closed,
    /// Not paid, on other evidence.
    Failed,
    /// Still open, or not known.
    Pending,
    /// Nothing was sent (an error before sending).
    NotSent,
}

/// What the till was told about a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReport {
    /// Refunded.
    Done,
    /// Accepted, still in progress.
    InProgress,
    /// Refused: nothing refunded.
    Refused,
    /// Not known.
    Unknown,
}

/// The revoke number a till's pending policy uses for `out_trade_no`.
pub fn revoke_number(out_trade_no: &str) -> String {
    format!("{out_trade_no}R")
}

/// The refund number of the till's refund number `n` of `out_trade_no`.
pub fn refund_number(out_trade_no: &str, n: usize) -> String {
    format!("{out_trade_no}F{n}")
}

/// Pays `order` with `auth_code` from terminal `term_no`. Returns the report and a line
/// for the trace.
pub async fn pay(
    client: &LakalaClient,
    order: &OrderPlan,
    term_no: &str,
    auth_code: &str,
) -> (PayReport, String) {
    let request = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(term_no)
        .out_trade_no(order.out_trade_no.clone())
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(order.amount).expect("a valid amount"))
        .location_info(location())
        .build()
        .expect("a valid micropay request");
    let policy = if order.revoke_on_pending {
        PendingPolicy::Revoke {
            revoke_out_trade_no: revoke_number(&order.out_trade_no),
        }
    } else {
        PendingPolicy::ReturnPending
    };
    match client.micropay(request, MicropayOptions::new(policy)).await {
        Ok(outcome) => {
            let report = match &outcome {
                PaymentOutcome::Succeeded { .. } => PayReport::Succeeded,
                PaymentOutcome::Failed { .. } => PayReport::Failed,
                PaymentOutcome::Revoked { .. } => PayReport::Revoked,
                _ => PayReport::Pending,
            };
            let why = match &outcome {
                PaymentOutcome::Pending(p) => format!(" ({})", p.reason),
                PaymentOutcome::Failed { reason, .. } => format!(" ({reason:?})"),
                _ => String::new(),
            };
            (report, format!("{}{why}", outcome.word()))
        }
        // Another barcode for an order already journaled: the till does what the error
        // says for the earlier payment's status (`ClientError::OtherAuthCode`'s docs).
        Err(e @ ClientError::OtherAuthCode { status, .. }) => {
            let report = match status {
                "failed" | "revoked" => PayReport::NotSent,
                "succeeded" => PayReport::Succeeded,
                _ => PayReport::Pending,
            };
            (report, format!("error: {e}"))
        }
        Err(e) => (PayReport::NotSent, format!("error: {e}")),
    }
}

/// Makes the pre-order `order` from terminal `term_no` and follows it to its end (the till
/// closes it after `close_after` when the plan says so). Returns the report and a line for
/// the trace.
pub async fn preorder(
    client: &LakalaClient,
    order: &OrderPlan,
    plan: &PreorderPlan,
    term_no: &str,
) -> (PreorderReport, String) {
    let fields = AlipayPreorderFields::builder()
        .timeout_express(plan.timeout_minutes.to_string())
        .build()
        .expect("valid wallet fields");
    let request = PreorderRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(term_no)
        .out_trade_no(order.out_trade_no.clone())
        .total_amount(Amount::from_fen(order.amount).expect("a valid amount"))
        .location_info(location())
        .subject("sim")
        .scenario(PreorderScenario::AlipayNative(fields))
        .build()
        .expect("a valid pre-order request");
    let mut options = PreorderOptions::default();
    if let Some(after) = plan.close_after {
        options = options.close_after(after);
    }
    match client.preorder(request, options).await {
        Ok(handle) => {
            let shown = handle.payment_request().is_some();
            let outcome = handle.outcome().await;
            let report = match &outcome {
                PreorderOutcome::Paid { .. } => PreorderReport::Paid,
                PreorderOutcome::Closed { .. } => PreorderReport::Closed,
                PreorderOutcome::Failed { .. } => PreorderReport::Failed,
                _ => PreorderReport::Pending,
            };
            (
                report,
                format!(
                    "{outcome}{}",
                    if shown {
                        ""
                    } else {
                        " (nothing shown to the customer)"
                    }
                ),
            )
        }
        Err(e) => (PreorderReport::NotSent, format!("error: {e}")),
    }
}

/// Refunds `amount` of `order` under `refund_no`: the client's typed outcome.
pub async fn refund(
    client: &LakalaClient,
    order: &OrderPlan,
    term_no: &str,
    refund_no: &str,
    amount: u64,
) -> (RefundReport, String) {
    let request = RefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(term_no)
        .out_trade_no(refund_no)
        .refund_amount(Amount::from_fen(amount).expect("a valid amount"))
        .origin_out_trade_no(order.out_trade_no.clone())
        .location_info(location())
        .build()
        .expect("a valid refund request");
    match client.refund(request).await {
        Ok(outcome) => {
            let report = match outcome.word() {
                "refunded" => RefundReport::Done,
                "in_progress" => RefundReport::InProgress,
                "declined" => RefundReport::Refused,
                _ => RefundReport::Unknown,
            };
            (report, outcome.word().to_owned())
        }
        Err(e) if e.may_have_been_executed() => (RefundReport::Unknown, format!("error: {e}")),
        Err(e) => (RefundReport::Refused, format!("not sent: {e}")),
    }
}
