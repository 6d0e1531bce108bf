//! How a payment ended, and the evidence for it.

use crate::answer::Answer;
use lakala_types::micropay::{
    MicropayResponse, RevokeResponse, TradeQueryResponse, TradeState, V3Code,
};

/// The numbers that identify a payment, enough to query or revoke it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    /// `merchant_no`.
    pub merchant_no: String,
    /// `term_no`.
    pub term_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// The platform's `trade_no`, once an answer about this order has given it.
    pub trade_no: Option<String>,
}

/// How a micropay ended.
///
/// What each variant lets the caller assume:
/// - [`Succeeded`](PaymentOutcome::Succeeded): a verified answer about THIS order said
///   paid. Hand over the goods.
/// - [`Failed`](PaymentOutcome::Failed): certain that no money moved — a definite refusal
///   naming this order, a trade query that found it `FAIL`, `CLOSE` or `REFUND`, or a
///   request that provably never left. Safe to ask the payer for another code.
/// - [`Pending`](PaymentOutcome::Pending): NOT known. The payer may have been charged.
///   Never treat it as failed; resolve it by query ([`PendingPayment::order`]).
/// - [`Revoked`](PaymentOutcome::Revoked): the order was revoked; the payer is not charged
///   (or was refunded in full).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// Paid.
    Succeeded {
        /// The order.
        order: OrderRef,
        /// What confirmed it.
        confirmation: Confirmation,
    },
    /// Not paid, on evidence.
    Failed {
        /// The order.
        order: OrderRef,
        /// The evidence.
        reason: FailureReason,
    },
    /// Still unknown when the schedule ended (policy [`crate::PendingPolicy::ReturnPending`],
    /// or a revoke whose outcome is itself not final). Resolve it with
    /// [`crate::LakalaClient::trade_query`] on `order`.
    Pending(PendingPayment),
    /// The schedule ended and the order was revoked: the payer is not charged.
    Revoked {
        /// The order.
        order: OrderRef,
        /// The revoke request's own number.
        revoke_out_trade_no: String,
        /// The platform's answer to the revoke; `None` when the revoke's answer was not
        /// conclusive and a trade query of the order found it `REFUND` (revoked) instead.
        response: Option<RevokeResponse>,
    },
}

impl PaymentOutcome {
    /// The order this outcome is about.
    pub fn order(&self) -> &OrderRef {
        match self {
            PaymentOutcome::Succeeded { order, .. }
            | PaymentOutcome::Failed { order, .. }
            | PaymentOutcome::Revoked { order, .. } => order,
            PaymentOutcome::Pending(p) => &p.order,
        }
    }

    /// A stable snake_case word for the outcome: `succeeded`, `failed`, `pending`,
    /// `revoked`.
    pub fn word(&self) -> &'static str {
        match self {
            PaymentOutcome::Succeeded { .. } => "succeeded",
            PaymentOutcome::Failed { .. } => "failed",
            PaymentOutcome::Pending(_) => "pending",
            PaymentOutcome::Revoked { .. } => "revoked",
        }
    }

    /// Whether the outcome is final (everything but [`PaymentOutcome::Pending`]).
    pub fn is_final(&self) -> bool {
        !matches!(self, PaymentOutcome::Pending(_))
    }
}

/// What confirmed a payment.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Confirmation {
    /// The micropay answer itself (`DCP00000` about this order, no query needed).
    Immediate(Box<Answer<MicropayResponse>>),
    /// A trade query on query number `attempt` (`trade_state` SUCCESS or PART_REFUND).
    Query {
        /// Which query of the schedule.
        attempt: usize,
        /// The query's answer.
        response: Box<Answer<TradeQueryResponse>>,
    },
}

/// A code and message the platform answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformAnswer {
    /// The code.
    pub code: V3Code,
    /// The message.
    pub message: String,
}

/// The evidence that a payment failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FailureReason {
    /// A signed micropay answer about this order with a definite refusal code
    /// ([`lakala_types::CodeClass::Refused`]).
    Declined {
        /// The code.
        code: V3Code,
        /// The message.
        message: String,
    },
    /// A trade query found the order failed (`FAIL`) or closed (`CLOSE`, or `REFUND`
    /// without a revoke of ours): no money moved, or all of it went back.
    TradeFailed {
        /// The state the query found.
        state: TradeState,
        /// `trade_state_desc`, if given.
        description: Option<String>,
        /// Which query found it.
        attempt: usize,
        /// What the micropay itself answered, when it answered a code that was not
        /// conclusive (an unlisted code, a duplicate order, a refusal naming no order).
        micropay_answer: Option<PlatformAnswer>,
    },
    /// No connection could be made: the request was never sent. Safe to try again.
    NotSent {
        /// Why.
        reason: String,
    },
}

/// A payment whose outcome is not known yet, with what is needed to resolve it.
#[derive(Debug, Clone)]
pub struct PendingPayment {
    /// The order to query.
    pub order: OrderRef,
    /// The last trade state a query reported, if any did.
    pub last_state: Option<TradeState>,
    /// Why it is still unknown (the last query's answer or error).
    pub reason: String,
    /// The revoke attempted under [`crate::PendingPolicy::Revoke`], if any.
    pub revoke: Option<RevokeAttempt>,
}

/// A revoke that did not reach a confirmed result.
#[derive(Debug, Clone)]
pub struct RevokeAttempt {
    /// The revoke request's own number (retry only with this one).
    pub revoke_out_trade_no: String,
    /// What happened (a code and message, or an error).
    pub result: String,
    /// Whether the revoke may have been executed.
    pub may_have_been_executed: bool,
}
