//! What a revoke's or refund's own answer makes of its journal record and of the flow that
//! sent it, read through the typed outcomes ([`RevokeOutcome`], [`RefundOutcome`]): final
//! only on evidence, otherwise open and settled by query (never by sending it again).

use crate::answer::Answer;
use crate::companion_outcome::{RefundOutcome, RevokeOutcome, SettleBy};
use crate::error::ClientError;
use lakala_journal::PaymentStatus;
use lakala_types::micropay::{RefundQueryResponse, RefundResponse, RevokeResponse, V3Response};

/// The typed outcome of a revoke exchange; `Err` only when nothing was sent.
pub(crate) fn revoke_outcome(
    result: &Result<Answer<V3Response<RevokeResponse>>, ClientError>,
) -> Result<RevokeOutcome, String> {
    match result {
        Ok(answer) => Ok(RevokeOutcome::from_answer(&answer.value)),
        Err(e) if !e.may_have_been_executed() => Err(format!("revoke not sent: {e}")),
        Err(e) => Ok(RevokeOutcome::Unknown {
            code: None,
            message: format!("revoke failed: {e}"),
            response: None,
            settle_by: SettleBy::TradeQuery,
        }),
    }
}

/// The typed outcome of a refund exchange; `Err` only when nothing was sent.
pub(crate) fn refund_outcome(
    result: &Result<Answer<V3Response<RefundResponse>>, ClientError>,
) -> Result<RefundOutcome, String> {
    match result {
        Ok(answer) => Ok(RefundOutcome::from_answer(&answer.value)),
        Err(e) if !e.may_have_been_executed() => Err(format!("refund not sent: {e}")),
        Err(e) => Ok(RefundOutcome::Unknown {
            code: None,
            message: format!("refund failed: {e}"),
            evidence: None,
            settle_by: SettleBy::RefundQuery,
        }),
    }
}

/// The typed outcome of an idmrefund exchange (refund by the merchant's order); `Err` only
/// when nothing was sent.
pub(crate) fn idm_refund_outcome(
    result: &Result<Answer<V3Response<RefundQueryResponse>>, ClientError>,
) -> Result<RefundOutcome, String> {
    match result {
        Ok(answer) => Ok(RefundOutcome::from_idm_answer(&answer.value)),
        Err(e) if !e.may_have_been_executed() => Err(format!("idmrefund not sent: {e}")),
        Err(e) => Ok(RefundOutcome::Unknown {
            code: None,
            message: format!("idmrefund failed: {e}"),
            evidence: None,
            settle_by: SettleBy::RefundQuery,
        }),
    }
}

/// The journal status and word of a revoke's outcome (`None`: stays open).
pub(crate) fn revoke_status(
    outcome: &Result<RevokeOutcome, String>,
) -> (Option<PaymentStatus>, &'static str) {
    match outcome {
        Ok(RevokeOutcome::Revoked { .. }) => (Some(PaymentStatus::Succeeded), "revoked"),
        Ok(RevokeOutcome::Declined { .. }) => (Some(PaymentStatus::Failed), "declined"),
        Ok(o) => (None, o.word()),
        Err(_) => (Some(PaymentStatus::Failed), "not_sent"),
    }
}

/// The journal status and word of a refund's outcome (`None`: stays open). `BBS00000` with
/// `DEAL` is in progress, never refunded.
pub(crate) fn refund_status(
    outcome: &Result<RefundOutcome, String>,
) -> (Option<PaymentStatus>, &'static str) {
    match outcome {
        Ok(RefundOutcome::Refunded { .. }) => (Some(PaymentStatus::Succeeded), "refunded"),
        Ok(RefundOutcome::Declined { .. }) => (Some(PaymentStatus::Failed), "declined"),
        Ok(o) => (None, o.word()),
        Err(_) => (Some(PaymentStatus::Failed), "not_sent"),
    }
}
