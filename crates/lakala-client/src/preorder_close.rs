//! Closing a pre-order the SDK gave up on (asked by the merchant, or past its expiry and
//! still unpaid), shared by the live flow and the resolver: send the close, then ask the
//! platform what the order is. The close's answer decides nothing
//! ([`crate::preorder_outcome::settled_by_query`] does, from the query): an order the
//! customer paid before the close arrived is paid, and reported so.
//!
//! A close moves no money, so sending it again is safe (the rule of the crate's "Settled
//! stays settled" is about what moves money); the flow and the resolver send one again
//! when the order is still open after the previous close's answer came back or its
//! in-flight window ended.

use crate::client::LakalaClient;
use crate::companion_outcome::CloseOutcome;
use crate::outcome::OrderRef;
use crate::preorder_outcome::{settled_by_query, CloseAttempt, PreorderOutcome};
use crate::recorder::{Recorder, Written};
use crate::settle;
use crate::verdict::Verdict;
use lakala_journal::StateUpdate;
use lakala_types::micropay::{CloseRequest, LocationInfo};
use lakala_types::Amount;
use serde_json::json;

/// The journal event of a close the SDK sent for a pre-order.
pub(crate) const CLOSE_EVENT: &str = "close";

/// What a close and the query after it found.
#[derive(Debug)]
pub(crate) enum CloseSettled {
    /// The query decided the end: paid (the customer was first), closed or failed.
    Ended(Box<PreorderOutcome>),
    /// Not yet: what the close said, and what the query found.
    Open {
        attempt: CloseAttempt,
        verdict: Verdict,
    },
    /// The lease was lost while journaling: stop, nothing more is sent.
    LeaseLost,
}

/// Sends a close of `order` (journaled first as an event of the pre-order), then queries
/// the order (journaled as query `attempt`) and settles by that query alone.
pub(crate) async fn close_then_query(
    client: &LakalaClient,
    order: &OrderRef,
    amount: Option<Amount>,
    location: LocationInfo,
    attempt: usize,
    recorder: &Recorder,
) -> CloseSettled {
    let request = CloseRequest::builder()
        .merchant_no(order.merchant_no.clone())
        .term_no(order.term_no.clone())
        .origin_out_trade_no(order.out_trade_no.clone())
        .location_info(location)
        .build();
    let written = recorder
        .note(CLOSE_EVENT, json!({"sending": true}), StateUpdate::none())
        .await;
    if written == Written::LeaseLost {
        return CloseSettled::LeaseLost;
    }
    let close = match request {
        Ok(request) => {
            tracing::info!(payment = %recorder.key(), "closing the pre-order");
            match client.close(request).await {
                Ok(answer) => {
                    let outcome = CloseOutcome::from_answer(&answer.value);
                    let code = answer
                        .value
                        .code()
                        .map(|c| c.as_str())
                        .unwrap_or("(no code)");
                    CloseAttempt {
                        result: format!("close answered {code}: {}", outcome.word()),
                        // Only a refusal naming the order says it did not run.
                        may_have_been_executed: !matches!(outcome, CloseOutcome::Declined { .. }),
                    }
                }
                Err(e) => CloseAttempt {
                    result: format!("close failed: {e}"),
                    may_have_been_executed: e.may_have_been_executed(),
                },
            }
        }
        Err(e) => CloseAttempt {
            result: format!("close request invalid: {e}"),
            may_have_been_executed: false,
        },
    };
    let written = recorder
        .note(
            CLOSE_EVENT,
            json!({"result": close.result, "may_have_been_executed": close.may_have_been_executed}),
            StateUpdate::none(),
        )
        .await;
    if written == Written::LeaseLost {
        return CloseSettled::LeaseLost;
    }
    let finding = settle::query(client, order, amount).await;
    let (code, state) = finding.verdict.journal_words();
    let inconclusive = match &finding.verdict {
        Verdict::Inconclusive { why } => Some(why.clone()),
        _ => None,
    };
    if recorder
        .query(attempt, code, state, inconclusive.as_deref())
        .await
        == Written::LeaseLost
    {
        return CloseSettled::LeaseLost;
    }
    let mut order = order.clone();
    if order.trade_no.is_none() {
        order.trade_no = finding.trade_no.clone();
    }
    match settled_by_query(&order, finding.verdict, attempt, true) {
        Ok(outcome) => CloseSettled::Ended(Box::new(outcome)),
        Err(verdict) => CloseSettled::Open {
            attempt: close,
            verdict,
        },
    }
}
