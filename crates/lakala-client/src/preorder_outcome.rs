//! How a pre-order ended ([`PreorderOutcome`]), and the one rule that decides it from the
//! platform (`settled_by_query`): a pre-order is reported paid only when a trade query
//! about this very order found it paid, and closed only when one found it `CLOSE`. Never
//! from a close's own answer: an order we asked to close may have been paid first, and
//! then the truth is "paid" (crate docs, "Closed means never paid").

use crate::answer::Answer;
use crate::companion_outcome::SettleBy;
use crate::outcome::{FailureReason, OrderRef};
use crate::verdict::Verdict;
use lakala_types::micropay::{TradeQueryResponse, TradeState};
use std::fmt;

/// Who made a closed pre-order close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClosedBy {
    /// The SDK sent a close (asked by the merchant, or because the order was past its
    /// expiry and still unpaid) and a trade query found the order `CLOSE`.
    Sdk,
    /// The platform closed it (its expiry passed) without a close of ours.
    Platform,
}

impl ClosedBy {
    /// `sdk` or `platform`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedBy::Sdk => "sdk",
            ClosedBy::Platform => "platform",
        }
    }
}

/// What the SDK knows of a close it sent, carried by an outcome that is not final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseAttempt {
    /// What its answer said (safe to log).
    pub result: String,
    /// Whether it may have been executed (the platform accepted it, or its answer was
    /// lost): a later query may find the order `CLOSE`.
    pub may_have_been_executed: bool,
}

/// A pre-order whose end is not known yet.
#[derive(Debug, Clone)]
pub struct PendingPreorder {
    /// The order.
    pub order: OrderRef,
    /// The last `trade_state` a query found (`None`: no query found the order).
    pub last_state: Option<TradeState>,
    /// Why it is not final (safe to log).
    pub reason: String,
    /// The close the SDK sent, if it sent one.
    pub close: Option<CloseAttempt>,
    /// What settles it: a trade query of the order (a resolver keeps asking when the
    /// client has a journal).
    pub settle_by: SettleBy,
}

/// How a pre-order ended.
///
/// What each variant lets the caller assume:
/// - [`Paid`](PreorderOutcome::Paid): a verified trade query about THIS order, naming the
///   merchant, found it paid. Hand over the goods.
/// - [`Closed`](PreorderOutcome::Closed): a verified trade query found it `CLOSE`: the
///   customer did not pay, and can no longer. Never reported for an order the customer
///   paid, even one the SDK asked to close.
/// - [`Failed`](PreorderOutcome::Failed): not paid, on other evidence (the pre-order was
///   refused naming the order, the trade `FAIL`, or nothing was sent).
/// - [`Pending`](PreorderOutcome::Pending): the order exists and is waiting for the
///   customer (or for the close the SDK sent); ask again.
/// - [`Unknown`](PreorderOutcome::Unknown): nothing conclusive was heard; never treat it as
///   failed. `settle_by` says what resolves it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PreorderOutcome {
    /// Paid.
    Paid {
        /// The order (its `trade_no` known).
        order: OrderRef,
        /// Which query found it.
        attempt: usize,
        /// That query's verified answer.
        response: Box<Answer<TradeQueryResponse>>,
    },
    /// Closed before it was paid.
    Closed {
        /// The order.
        order: OrderRef,
        /// Who closed it.
        closed_by: ClosedBy,
        /// Which query found it `CLOSE`.
        attempt: usize,
    },
    /// Not paid, on evidence.
    Failed {
        /// The order.
        order: OrderRef,
        /// The evidence.
        reason: FailureReason,
    },
    /// Open: the customer may still pay.
    Pending(PendingPreorder),
    /// Not known.
    Unknown(PendingPreorder),
}

impl PreorderOutcome {
    /// The order.
    pub fn order(&self) -> &OrderRef {
        match self {
            PreorderOutcome::Paid { order, .. }
            | PreorderOutcome::Closed { order, .. }
            | PreorderOutcome::Failed { order, .. } => order,
            PreorderOutcome::Pending(p) | PreorderOutcome::Unknown(p) => &p.order,
        }
    }

    /// A stable word: `paid`, `closed`, `failed`, `pending`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            PreorderOutcome::Paid { .. } => "paid",
            PreorderOutcome::Closed { .. } => "closed",
            PreorderOutcome::Failed { .. } => "failed",
            PreorderOutcome::Pending(_) => "pending",
            PreorderOutcome::Unknown(_) => "unknown",
        }
    }

    /// Whether the outcome is final (paid, closed or failed).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PreorderOutcome::Paid { .. }
                | PreorderOutcome::Closed { .. }
                | PreorderOutcome::Failed { .. }
        )
    }
}

impl fmt::Display for PreorderOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = &self.order().out_trade_no;
        match self {
            PreorderOutcome::Paid { attempt, .. } => {
                write!(f, "{order} paid (trade query {attempt})")
            }
            PreorderOutcome::Closed {
                closed_by, attempt, ..
            } => write!(
                f,
                "{order} closed by the {} (trade query {attempt}: CLOSE), not paid",
                closed_by.as_str()
            ),
            PreorderOutcome::Failed { .. } => write!(f, "{order} not paid"),
            PreorderOutcome::Pending(p) => write!(f, "{order} waiting for payment: {}", p.reason),
            PreorderOutcome::Unknown(p) => write!(
                f,
                "{order} not known ({}); settle by {}",
                p.reason,
                p.settle_by.word()
            ),
        }
    }
}

/// THE rule of a pre-order's end, the only place that decides one from the platform: a
/// verified trade query's verdict about this very order (bound by number and amount, the
/// merchant named when paid: [`crate::settle::classify`]). Paid only on paid; closed only
/// on `CLOSE`; failed on `FAIL` or `REFUND`. Anything else is not an end: the verdict is
/// handed back, and the order is asked about again. The close's own answer never comes
/// here: it is evidence of nothing but the platform's intent.
pub(crate) fn settled_by_query(
    order: &OrderRef,
    verdict: Verdict,
    attempt: usize,
    close_sent: bool,
) -> Result<PreorderOutcome, Verdict> {
    let order = order.clone();
    match verdict {
        Verdict::Paid(response) => Ok(PreorderOutcome::Paid {
            order,
            attempt,
            response,
        }),
        Verdict::Failed {
            state: TradeState::Close,
            ..
        } => Ok(PreorderOutcome::Closed {
            order,
            closed_by: if close_sent {
                ClosedBy::Sdk
            } else {
                ClosedBy::Platform
            },
            attempt,
        }),
        Verdict::Failed { state, description } => Ok(PreorderOutcome::Failed {
            order,
            reason: FailureReason::TradeFailed {
                state,
                description,
                attempt,
                micropay_answer: None,
            },
        }),
        Verdict::Reversed { description } => Ok(PreorderOutcome::Failed {
            order,
            reason: FailureReason::TradeFailed {
                state: TradeState::Refund,
                description,
                attempt,
                micropay_answer: None,
            },
        }),
        open => Err(open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> OrderRef {
        OrderRef {
            merchant_no: "M".into(),
            term_no: "T".into(),
            out_trade_no: "P1".into(),
            trade_no: None,
        }
    }

    #[test]
    fn only_a_query_finding_close_makes_closed_and_an_open_order_is_not_an_end() {
        let closed = settled_by_query(
            &order(),
            Verdict::Failed {
                state: TradeState::Close,
                description: None,
            },
            3,
            true,
        )
        .unwrap();
        assert!(matches!(
            closed,
            PreorderOutcome::Closed {
                closed_by: ClosedBy::Sdk,
                attempt: 3,
                ..
            }
        ));
        let expired = settled_by_query(
            &order(),
            Verdict::Failed {
                state: TradeState::Close,
                description: None,
            },
            1,
            false,
        )
        .unwrap();
        assert!(matches!(
            expired,
            PreorderOutcome::Closed {
                closed_by: ClosedBy::Platform,
                ..
            }
        ));
        let failed = settled_by_query(
            &order(),
            Verdict::Failed {
                state: TradeState::Fail,
                description: None,
            },
            1,
            true,
        )
        .unwrap();
        assert_eq!(failed.word(), "failed");
        for open in [
            Verdict::InProgress {
                state: TradeState::Init,
            },
            Verdict::NotFound {
                code: "BBS11105".into(),
            },
            Verdict::Inconclusive { why: "busy".into() },
        ] {
            assert!(settled_by_query(&order(), open, 1, true).is_err());
        }
    }
}
