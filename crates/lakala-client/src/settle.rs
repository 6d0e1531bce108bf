//! Settling a payment by asking the platform: one trade query and what it proves, as plain
//! functions shared by the live flow, a resumed flow and the resolver.
//!
//! What a query proves ([`Verdict`]):
//! - `BBS00000` with a `trade_state` about this very order (same number, same amount, and
//!   the merchant named when confirming a payment): the state's verdict (paid, failed,
//!   reversed, in progress);
//! - a code that says the order does not exist
//!   ([`V3Code::says_order_not_found`]): [`Verdict::NotFound`];
//! - anything else (another code, `BBS00000` without `trade_state`, an answer that fails
//!   verification, a transport failure): [`Verdict::Inconclusive`]. It has said nothing;
//!   the payment stays open and is queried again.
//!
//! A revoke is settled the same way: sent once under the rule
//! ([`crate::money_gate::revoke_on_own`]), and when its answer is not conclusive, its fate
//! is read from the original order's state (`REFUND` after our revoke: revoked; `SUCCESS`:
//! the revoke did not run), never by sending it again.

use crate::answer::Answer;
use crate::client::LakalaClient;
use crate::companion_class::revoke_outcome;
use crate::companion_outcome::{RefundOutcome, RevokeOutcome};
use crate::error::ClientError;
use crate::micropay::Companion;
use crate::money_gate::Permit;
use crate::outcome::{OrderRef, RevokeAttempt};
use crate::recorder::Recorder;
use crate::timing::InFlightWindow;
use crate::verdict::Verdict;
use lakala_journal::{kinds, PaymentStatus, StateUpdate};
use lakala_types::micropay::{
    LocationInfo, RefundQueryRequest, RevokeRequest, RevokeResponse, TradeQueryRequest,
    TradeQueryResponse, TradeState, TradeVerdict, V3Code, V3Response,
};
use lakala_types::Amount;
use serde_json::json;

/// What a query found: its verdict and the `trade_no` it gave.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) verdict: Verdict,
    pub(crate) trade_no: Option<String>,
}

/// Queries `order` by its `out_trade_no` and says what the answer proves. Never fails: an
/// error is [`Verdict::Inconclusive`].
pub(crate) async fn query(
    client: &LakalaClient,
    order: &OrderRef,
    amount: Option<Amount>,
) -> Finding {
    let request = TradeQueryRequest::builder()
        .merchant_no(order.merchant_no.clone())
        .term_no(order.term_no.clone())
        .out_trade_no(order.out_trade_no.clone())
        .build();
    let answer = match request {
        Ok(r) => client.trade_query(r).await,
        Err(e) => Err(ClientError::InvalidRequest(e)),
    };
    match answer {
        Ok(answer) => classify(order, amount, answer),
        Err(e) => Finding {
            verdict: Verdict::Inconclusive {
                why: format!("failed: {e}"),
            },
            trade_no: None,
        },
    }
}

/// What a verified trade-query answer (already bound to `order` by number) proves.
pub(crate) fn classify(
    order: &OrderRef,
    amount: Option<Amount>,
    answer: Answer<V3Response<TradeQueryResponse>>,
) -> Finding {
    let code = answer.value.code().cloned();
    let inconclusive = |why: String| Finding {
        verdict: Verdict::Inconclusive { why },
        trade_no: None,
    };
    let found = code.as_ref().is_some_and(V3Code::is_success);
    if !found {
        let code_text = code.as_ref().map(V3Code::as_str).unwrap_or("(no code)");
        if code.as_ref().is_some_and(V3Code::says_order_not_found) {
            return Finding {
                verdict: Verdict::NotFound {
                    code: code_text.to_owned(),
                },
                trade_no: None,
            };
        }
        return inconclusive(format!(
            "answered {code_text} {}: not conclusive",
            answer.value.msg().unwrap_or_default()
        ));
    }
    let Some(data) = answer.value.resp_data() else {
        return inconclusive("answered BBS00000 without resp_data".to_owned());
    };
    let trade_no = data.trade_no().map(str::to_owned);
    let found_amount = data.total_amount().copied();
    if let (Some(expected), Some(found)) = (amount, found_amount) {
        if expected.fen() != found.fen() {
            return inconclusive(format!(
                "answered another amount ({} fen, expected {}): about another payment",
                found.fen(),
                expected.fen()
            ));
        }
    }
    let Some(state) = data.trade_state().cloned() else {
        return inconclusive("answered BBS00000 without trade_state".to_owned());
    };
    let description = data.trade_state_desc().map(str::to_owned);
    let verdict = match state.verdict() {
        TradeVerdict::Paid => {
            // Binding a payment to its merchant: a query answer must name it.
            if data.merchant_no() != Some(order.merchant_no.as_str()) {
                return inconclusive(
                    "answered paid without naming the merchant: cannot bind it".to_owned(),
                );
            }
            Verdict::Paid(Box::new(
                answer.map(|v| v.resp_data().cloned().unwrap_or_default()),
            ))
        }
        TradeVerdict::Failed => Verdict::Failed { state, description },
        TradeVerdict::Closed if state == TradeState::Refund => Verdict::Reversed { description },
        TradeVerdict::Closed => Verdict::Failed { state, description },
        _ => Verdict::InProgress { state },
    };
    Finding { verdict, trade_no }
}

/// How a revoke the SDK sent ended.
#[derive(Debug)]
pub(crate) enum RevokeSettled {
    /// Revoked: by its own answer, or the order found `REFUND` after it.
    Revoked { response: Option<RevokeResponse> },
    /// The payment's own fate (paid, failed) was found instead: the revoke did not run.
    PaymentFinal(Verdict, Option<String>),
    /// Not known yet: the revoke's journal record stays open for a resolver, which settles
    /// it by query.
    Open {
        attempt: RevokeAttempt,
        verdict: Option<Verdict>,
    },
}

/// Sends a revoke of `order` the rule allowed (`permit`), under its own number, journaled
/// as a companion of the payment, and settles an inconclusive answer by querying the
/// order. Facts about the payment go to `payment` (its recorder).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn revoke_settled(
    client: &LakalaClient,
    order: &OrderRef,
    amount: Option<Amount>,
    revoke_no: &str,
    location: Option<LocationInfo>,
    permit: Permit,
    attempt: usize,
    payment: &Recorder,
) -> RevokeSettled {
    let attempt_of = |result: String, may: bool| RevokeAttempt {
        revoke_out_trade_no: revoke_no.to_owned(),
        result,
        may_have_been_executed: may,
    };
    let mut builder = RevokeRequest::builder()
        .merchant_no(order.merchant_no.clone())
        .term_no(order.term_no.clone())
        .out_trade_no(revoke_no.to_owned())
        .origin_out_trade_no(order.out_trade_no.clone());
    if let Some(location) = location {
        builder = builder.location_info(location);
    }
    let request = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            return RevokeSettled::Open {
                attempt: attempt_of(format!("revoke request invalid: {e}"), false),
                verdict: None,
            }
        }
    };
    tracing::info!(payment = %payment.key(), revoke = revoke_no, permit = permit.what(), "revoking");
    let (why, answered, companion) = match client.revoke_recorded(request).await {
        Ok(Companion::Sent(answer, companion)) => match revoke_outcome(&answer) {
            Ok(RevokeOutcome::Revoked { response }) => {
                return RevokeSettled::Revoked {
                    response: Some(response),
                }
            }
            Ok(RevokeOutcome::Declined { code, message }) => {
                return RevokeSettled::Open {
                    attempt: attempt_of(
                        format!("revoke declined {} {message}", code.as_str()),
                        false,
                    ),
                    verdict: None,
                }
            }
            Err(why) => {
                return RevokeSettled::Open {
                    attempt: attempt_of(why, false),
                    verdict: None,
                }
            }
            Ok(open) => {
                let why = match &open {
                    RevokeOutcome::InProgress { code, message, .. } => {
                        format!("revoke answered {} {message}", code.as_str())
                    }
                    RevokeOutcome::Unknown { code, message, .. } => format!(
                        "revoke answered {} {message}",
                        code.as_ref().map(|c| c.as_str()).unwrap_or("(no code)")
                    ),
                    other => other.word().to_owned(),
                };
                (why, answer.is_ok(), companion)
            }
        },
        // Journaled before (a resumed flow): never sent again, settled by query.
        Ok(Companion::Journaled(companion)) => (
            "journaled before: settled by query, not sent again".to_owned(),
            false,
            Some(companion),
        ),
        Err(e) => {
            return RevokeSettled::Open {
                attempt: attempt_of(format!("revoke not sent: {e}"), false),
                verdict: None,
            }
        }
    };
    payment
        .note(
            kinds::REVOKE_ATTEMPT,
            json!({"revoke_out_trade_no": revoke_no, "result": why, "may_have_been_executed": true}),
            StateUpdate::none(),
        )
        .await;
    // The revoke's own answer was not conclusive: the order's state is.
    let finding = query(client, order, amount).await;
    let (code, state) = finding.verdict.journal_words();
    let inconclusive = match &finding.verdict {
        Verdict::Inconclusive { why } => Some(why.as_str()),
        _ => None,
    };
    payment.query(attempt, code, state, inconclusive).await;
    let moot = |companion: Option<Recorder>, detail: String| async move {
        if let Some(c) = companion {
            c.companion_final(PaymentStatus::Failed, "moot", json!({"moot": detail}))
                .await;
        }
    };
    match finding.verdict {
        Verdict::Reversed { .. } => {
            if let Some(c) = &companion {
                c.companion_final(
                    PaymentStatus::Succeeded,
                    "revoked",
                    json!({"by": "query of the order: REFUND"}),
                )
                .await;
            }
            RevokeSettled::Revoked { response: None }
        }
        // Paid, but the revoke's request may still be on its way (it timed out or the
        // connection broke after sending): it can still arrive and reverse the payment, so
        // "paid" is not final until the revoke's in-flight window is over. The payment
        // stays pending; a resolver settles it after that window
        // ([`crate::timing::InFlightWindow`]).
        verdict @ Verdict::Paid(_) if !answered => RevokeSettled::Open {
            attempt: attempt_of(
                format!(
                    "{why}; the order is paid, but the revoke may still arrive: settled once \
                     it cannot be in flight any more"
                ),
                true,
            ),
            verdict: Some(verdict),
        },
        verdict @ (Verdict::Paid(_) | Verdict::Failed { .. }) => {
            // The revoke did not run. Its record closes as moot when its answer came back
            // (it is not in flight any more); after a timeout it stays open, and a
            // resolver closes it once its in-flight window is over. A failed order stays
            // failed whenever the revoke arrives.
            if answered {
                moot(
                    companion,
                    format!("the order is {}", verdict.describe(attempt)),
                )
                .await;
            }
            RevokeSettled::PaymentFinal(verdict, finding.trade_no)
        }
        verdict => RevokeSettled::Open {
            attempt: attempt_of(why, true),
            verdict: Some(verdict),
        },
    }
}

/// How a journaled revoke whose fate is not known is settled by a resolver: by the
/// original order's state, never by sending it again.
pub(crate) enum CompanionVerdict {
    /// The order is `REFUND`: the revoke ran.
    Executed,
    /// The order is paid or failed and the revoke cannot be in flight any more: it did
    /// not run, and it is moot.
    Moot(String),
    /// Not known yet: query again later.
    Open(String),
}

/// What the origin's verdict says about a revoke journaled at `created_at`.
pub(crate) fn revoke_by_origin(
    verdict: &Verdict,
    created_at: i64,
    now: i64,
    window: InFlightWindow,
) -> CompanionVerdict {
    match verdict {
        Verdict::Reversed { .. } => CompanionVerdict::Executed,
        Verdict::Paid(_) | Verdict::Failed { .. } if window.is_over(created_at, now) => {
            CompanionVerdict::Moot(format!("the order is {}", verdict.describe(0)))
        }
        Verdict::NotFound { .. } if window.is_over(created_at, now) => {
            CompanionVerdict::Moot("the order does not exist".into())
        }
        other => CompanionVerdict::Open(other.describe(0)),
    }
}

/// What the refund query says of a journaled refund.
pub(crate) enum RefundFate {
    /// Refunded (`SUCCESS`).
    Refunded(String),
    /// Failed or refused: nothing refunded.
    Failed(String),
    /// Not known yet (in progress, or the query said nothing): ask again later.
    Open(String),
}

/// What the refund query said of a journaled refund: its fate, and the words of the
/// answer (for a reconciliation's report).
pub(crate) struct RefundFinding {
    /// The refund's fate.
    pub(crate) fate: RefundFate,
    /// The answer's code (`None`: no verified answer).
    pub(crate) code: Option<String>,
    /// The refund's `trade_state`, when the answer gave one.
    pub(crate) state: Option<String>,
    /// The code says the refund does not exist.
    pub(crate) not_found: bool,
    /// Found and in progress (a pending code or state): not an unanswered query.
    pub(crate) in_progress: bool,
}

/// Settles a journaled refund by the refund query (by its own number): never by sending
/// it again.
pub(crate) async fn refund_fate(
    client: &LakalaClient,
    record: &lakala_journal::PaymentRecord,
) -> RefundFate {
    refund_found(client, record).await.fate
}

/// Asks the refund query about a journaled refund (by its own number) and says what it
/// proved, with the answer's words.
pub(crate) async fn refund_found(
    client: &LakalaClient,
    record: &lakala_journal::PaymentRecord,
) -> RefundFinding {
    let unanswered = |fate: RefundFate| RefundFinding {
        fate,
        code: None,
        state: None,
        not_found: false,
        in_progress: false,
    };
    let request = RefundQueryRequest::builder()
        .merchant_no(record.key.merchant_no.clone())
        .term_no(record.term_no.clone())
        .out_refund_order_no(record.key.out_trade_no.clone())
        .build();
    let answer = match request {
        Ok(r) => client.refund_query(r).await,
        Err(e) => return unanswered(RefundFate::Open(format!("refund query invalid: {e}"))),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => return unanswered(RefundFate::Open(format!("the refund query failed: {e}"))),
    };
    let code = answer.value.code().cloned();
    let state = answer
        .value
        .resp_data()
        .and_then(|d| d.trade_state())
        .map(|s| s.as_str().to_owned());
    let outcome = RefundOutcome::from_query(&answer.value);
    let in_progress = matches!(outcome, RefundOutcome::InProgress { .. });
    let fate = match outcome {
        RefundOutcome::Refunded { .. } => {
            RefundFate::Refunded("the refund query found it SUCCESS".into())
        }
        RefundOutcome::Declined { code, .. } => RefundFate::Failed(format!(
            "the refund query found it failed ({})",
            code.as_str()
        )),
        other => RefundFate::Open(format!("the refund query: {}", other.word())),
    };
    RefundFinding {
        fate,
        not_found: code.as_ref().is_some_and(V3Code::says_order_not_found),
        code: code.map(|c| c.as_str().to_owned()),
        state,
        in_progress,
    }
}
