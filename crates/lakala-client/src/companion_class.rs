//! What a revoke's or refund's own answer says, before any query: done, refused, not
//! sent, or not known (then the payment's state, or the refund query, settles it).

use crate::answer::Answer;
use crate::error::ClientError;
use lakala_journal::PaymentStatus;
use lakala_types::micropay::{RefundResponse, RevokeResponse, TradeState, V3Code, V3Response};
use lakala_types::CodeClass;

/// What a revoke's own answer says.
#[derive(Debug, Clone)]
pub(crate) enum RevokeAnswer {
    /// `BBS00000`: revoked.
    Done(Option<RevokeResponse>),
    /// A definite refusal naming the revoke: it did not run.
    Refused(String),
    /// Nothing was sent.
    NotSent(String),
    /// It may or may not have run (another code, a timeout, an unverifiable answer);
    /// `answered`: the platform did answer (the request is not in flight any more).
    Unknown { why: String, answered: bool },
}

/// Classifies a revoke exchange.
pub(crate) fn revoke_answer(
    result: &Result<Answer<V3Response<RevokeResponse>>, ClientError>,
) -> RevokeAnswer {
    match result {
        Ok(answer) => {
            let code = answer.value.code();
            let words = format!(
                "revoke answered {} {}",
                code.map(V3Code::as_str).unwrap_or("(no code)"),
                answer.value.msg().unwrap_or_default()
            );
            match code.map(V3Code::class) {
                Some(CodeClass::Success) => RevokeAnswer::Done(answer.value.resp_data().cloned()),
                Some(CodeClass::Refused) if answer.value.resp_data().is_some() => {
                    RevokeAnswer::Refused(words)
                }
                _ => RevokeAnswer::Unknown {
                    why: words,
                    answered: true,
                },
            }
        }
        Err(e) if !e.may_have_been_executed() => RevokeAnswer::NotSent(format!("revoke not sent: {e}")),
        Err(e) => RevokeAnswer::Unknown {
            why: format!("revoke failed: {e}"),
            answered: false,
        },
    }
}

/// What a refund's answer makes of its journal record: final only on `SUCCESS`
/// (refunded), `FAIL` or a definite refusal naming it, or when nothing was sent.
pub(crate) fn refund_status(
    result: &Result<Answer<V3Response<RefundResponse>>, ClientError>,
) -> (Option<PaymentStatus>, &'static str) {
    match result {
        Ok(answer) => match answer.value.code().map(|c| c.class()) {
            Some(CodeClass::Success) => match answer.value.resp_data().and_then(|d| d.trade_state()) {
                Some(TradeState::Success) => (Some(PaymentStatus::Succeeded), "refunded"),
                Some(TradeState::Fail) => (Some(PaymentStatus::Failed), "declined"),
                _ => (None, "in_progress"),
            },
            Some(CodeClass::Refused) if answer.value.resp_data().is_some() => {
                (Some(PaymentStatus::Failed), "declined")
            }
            _ => (None, "unknown"),
        },
        Err(e) if !e.may_have_been_executed() => (Some(PaymentStatus::Failed), "not_sent"),
        Err(_) => (None, "unknown"),
    }
}

