//! What a revoke, a refund or a close became: typed outcomes read from a verified answer,
//! by plain functions with no I/O.
//!
//! The rule is the crate's (and PROTOCOL.md section 3's): an outcome is final only on
//! evidence. `declined` means certain that nothing moved; a code nobody listed, an answer
//! that names no order, a success without a `trade_state` are `unknown` or `in_progress`,
//! with what settles them ([`SettleBy`]): a query, **never sending the request again**.
//!
//! # The stable JSON form
//!
//! Each outcome serializes to an object tagged by `"outcome"`, its `word()`; field names and
//! words only ever gain members within a major version.
//!
//! | type | `outcome` | other fields |
//! |---|---|---|
//! | [`RevokeOutcome`] | `revoked` | `response` (the revoke's `resp_data`) |
//! | | `in_progress` | `code`, `message`, `response` (or `null`), `settle_by` |
//! | | `declined` | `code`, `message` |
//! | | `unknown` | `code` (or `null`), `message`, `response` (or `null`), `settle_by` |
//! | [`RefundOutcome`] | `refunded` | `evidence` |
//! | | `in_progress` | `state` (a refund `trade_state` or `null`), `code`, `message`, `evidence` (or `null`), `settle_by` |
//! | | `declined` | `code`, `message`, `evidence` (or `null`) |
//! | | `unknown` | `code` (or `null`), `message`, `evidence` (or `null`), `settle_by` |
//! | [`CloseOutcome`] | `closed` | `response` (the close's `resp_data`) |
//! | | `in_progress` | `code`, `message`, `settle_by` |
//! | | `declined` | `code`, `message` |
//! | | `unknown` | `code` (or `null`), `message`, `settle_by` |
//!
//! - `evidence` ([`RefundEvidence`]), tagged by `"by"`: `{"by": "answer", "response": <the
//!   refund's resp_data>}` or `{"by": "query", "response": <the refund query's resp_data>}`.
//! - `settle_by` ([`SettleBy`]): `"trade_query"` or `"refund_query"`.
//!
//! The outcomes deliberately do not deserialize: a `refunded` must only ever come from a
//! verified answer, never from JSON someone sent.
//!
//! | answer | [`RevokeOutcome`] | [`RefundOutcome::from_answer`] | [`RefundOutcome::from_query`] | [`CloseOutcome`] |
//! |---|---|---|---|---|
//! | success code naming the request's order, final state | `revoked` | `trade_state` SUCCESS: `refunded`; FAIL: `declined` | SUCCESS: `refunded`; FAIL: `declined` | `closed` |
//! | success code, `trade_state` INIT, DEAL, TIMEOUT, EXCEPTION or unlisted | `in_progress` | `in_progress` | `in_progress` | — |
//! | success code without `trade_state` | `revoked` | `in_progress` (accepted, not known done) | `unknown` | — |
//! | success code naming no order | `unknown` | `unknown` | `unknown` | `unknown` |
//! | pending code (`BBS10000`, `BBS11112`, `BBS11105`, ...) | `in_progress` | `in_progress` | `in_progress` | `in_progress` |
//! | refusal ([`CodeClass::Refused`]) naming the order | `declined` | `declined` | `unknown` (a refused query says nothing of the refund) | `declined` |
//! | refusal naming no order, any other code, no code | `unknown` | `unknown` | `unknown` | `unknown` |

use lakala_types::micropay::{
    CloseResponse, RefundQueryResponse, RefundResponse, RefundState, RefundVerdict, RevokeResponse,
    TradeState, V3Code, V3Response,
};
use lakala_types::CodeClass;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What settles an outcome that is not final yet: a query, never the request sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SettleBy {
    /// A trade query ([`crate::LakalaClient::trade_query`]): of the original order (`REFUND`
    /// means revoked and the money is back, `CLOSE` closed, `SUCCESS` still paid), or of
    /// the revoke's own number (`trade_main_type` `CANCEL`).
    TradeQuery,
    /// The refund query by the refund's own number
    /// ([`crate::LakalaClient::refund_query`]), or the trade query by that number
    /// (`trade_main_type` `REFUND`).
    RefundQuery,
}

impl SettleBy {
    /// A stable snake_case word: `trade_query`, `refund_query`.
    pub fn word(self) -> &'static str {
        match self {
            SettleBy::TradeQuery => "trade_query",
            SettleBy::RefundQuery => "refund_query",
        }
    }
}

fn message<T>(answer: &V3Response<T>) -> String {
    answer.msg().unwrap_or_default().to_owned()
}

fn named(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// How a revoke (cancel of a barcode payment) ended.
///
/// What each variant lets the caller assume:
/// - [`Revoked`](RevokeOutcome::Revoked): a verified success naming this revoke: the order
///   is cancelled and anything paid goes back to the payer.
/// - [`InProgress`](RevokeOutcome::InProgress): accepted, not finished: settle by
///   [`SettleBy`], do not send again.
/// - [`Declined`](RevokeOutcome::Declined): a definite refusal naming this revoke: nothing
///   was cancelled, no money moved.
/// - [`Unknown`](RevokeOutcome::Unknown): it may or may not have run. Settle by query;
///   sending it again may cancel a payment whose goods are gone.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevokeOutcome {
    /// Revoked.
    Revoked {
        /// The revoke's verified `resp_data`.
        response: RevokeResponse,
    },
    /// Accepted and in progress.
    InProgress {
        /// The answer's code.
        code: V3Code,
        /// The answer's message.
        message: String,
        /// The answer's `resp_data`, if any.
        response: Option<RevokeResponse>,
        /// What settles it.
        settle_by: SettleBy,
    },
    /// Refused; nothing moved.
    Declined {
        /// The refusal's code.
        code: V3Code,
        /// The refusal's message.
        message: String,
    },
    /// Not known whether it ran.
    Unknown {
        /// The answer's code, if it had one.
        code: Option<V3Code>,
        /// The answer's message (or why the answer proves nothing).
        message: String,
        /// The answer's `resp_data`, if any.
        response: Option<RevokeResponse>,
        /// What settles it.
        settle_by: SettleBy,
    },
}

impl RevokeOutcome {
    /// Classifies a verified revoke answer (already bound to its request; see
    /// [`crate::binding`]). Pure: no I/O.
    pub fn from_answer(answer: &V3Response<RevokeResponse>) -> Self {
        let data = answer.resp_data();
        let unknown = |msg: String| RevokeOutcome::Unknown {
            code: answer.code().cloned(),
            message: msg,
            response: data.cloned(),
            settle_by: SettleBy::TradeQuery,
        };
        let Some(code) = answer.code() else {
            return unknown("the answer has no code".into());
        };
        let names_revoke = named(data.and_then(RevokeResponse::out_trade_no));
        match code.class() {
            CodeClass::Success => {
                let Some(data) = data.filter(|_| names_revoke) else {
                    return unknown(format!(
                        "{}: a success that names no revoke proves nothing",
                        message(answer)
                    ));
                };
                // The public revoke answer carries no trade_state; if one is sent, it decides.
                let state = data
                    .extra()
                    .get("trade_state")
                    .and_then(Value::as_str)
                    .map(TradeState::from);
                match state {
                    None | Some(TradeState::Success) | Some(TradeState::Refund) => {
                        RevokeOutcome::Revoked {
                            response: data.clone(),
                        }
                    }
                    Some(TradeState::Fail) => {
                        unknown(format!("{}: trade_state FAIL on a revoke", message(answer)))
                    }
                    Some(_) => RevokeOutcome::InProgress {
                        code: code.clone(),
                        message: message(answer),
                        response: Some(data.clone()),
                        settle_by: SettleBy::TradeQuery,
                    },
                }
            }
            CodeClass::Pending => RevokeOutcome::InProgress {
                code: code.clone(),
                message: message(answer),
                response: data.cloned(),
                settle_by: SettleBy::TradeQuery,
            },
            CodeClass::Refused if names_revoke => RevokeOutcome::Declined {
                code: code.clone(),
                message: message(answer),
            },
            _ => unknown(message(answer)),
        }
    }

    /// The stable snake_case word: `revoked`, `in_progress`, `declined`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            RevokeOutcome::Revoked { .. } => "revoked",
            RevokeOutcome::InProgress { .. } => "in_progress",
            RevokeOutcome::Declined { .. } => "declined",
            RevokeOutcome::Unknown { .. } => "unknown",
        }
    }

    /// Whether the outcome is final (revoked or declined).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RevokeOutcome::Revoked { .. } | RevokeOutcome::Declined { .. }
        )
    }

    /// What settles it, when it is not final.
    pub fn settle_by(&self) -> Option<SettleBy> {
        match self {
            RevokeOutcome::InProgress { settle_by, .. }
            | RevokeOutcome::Unknown { settle_by, .. } => Some(*settle_by),
            _ => None,
        }
    }
}

/// The verified answer a refund outcome rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundEvidence {
    /// The refund's own answer.
    Answer {
        /// Its `resp_data`.
        response: RefundResponse,
    },
    /// A refund query's answer.
    Query {
        /// Its `resp_data`.
        response: RefundQueryResponse,
    },
    /// A refund by the merchant's order (idmrefund)'s own answer (the refund query's
    /// fields).
    IdmAnswer {
        /// Its `resp_data`.
        response: RefundQueryResponse,
    },
}

/// How a refund ended.
///
/// What each variant lets the caller assume:
/// - [`Refunded`](RefundOutcome::Refunded): a verified answer about this refund said
///   `trade_state` SUCCESS: the money went back.
/// - [`InProgress`](RefundOutcome::InProgress): accepted, not finished (INIT, DEAL, TIMEOUT,
///   EXCEPTION, a pending code, a success without a state): query it; it may still succeed,
///   so do not refund again under another number.
/// - [`Declined`](RefundOutcome::Declined): certain that no money moved (`trade_state` FAIL
///   about this refund, or a definite refusal naming it).
/// - [`Unknown`](RefundOutcome::Unknown): it may or may not have run: settle by query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefundOutcome {
    /// Refunded.
    Refunded {
        /// The answer that says so.
        evidence: RefundEvidence,
    },
    /// Accepted and in progress.
    InProgress {
        /// The refund's `trade_state`, when the answer gave one.
        state: Option<RefundState>,
        /// The answer's code.
        code: V3Code,
        /// The answer's message.
        message: String,
        /// The answer, if it carried `resp_data`.
        evidence: Option<RefundEvidence>,
        /// What settles it.
        settle_by: SettleBy,
    },
    /// Certain that no money moved.
    Declined {
        /// The answer's code.
        code: V3Code,
        /// The answer's message.
        message: String,
        /// The answer, if it carried `resp_data`.
        evidence: Option<RefundEvidence>,
    },
    /// Not known whether it ran.
    Unknown {
        /// The answer's code, if it had one.
        code: Option<V3Code>,
        /// The answer's message (or why the answer proves nothing).
        message: String,
        /// The answer, if it carried `resp_data`.
        evidence: Option<RefundEvidence>,
        /// What settles it.
        settle_by: SettleBy,
    },
}

impl RefundOutcome {
    /// Classifies a verified refund answer (already bound to its request). Pure: no I/O.
    pub fn from_answer(answer: &V3Response<RefundResponse>) -> Self {
        let data = answer.resp_data();
        let evidence = data.map(|d| RefundEvidence::Answer {
            response: d.clone(),
        });
        let names_refund = named(data.and_then(RefundResponse::out_trade_no));
        let state = data
            .and_then(RefundResponse::trade_state)
            .map(|s| RefundState::from(s.as_str()));
        classify(answer, evidence, names_refund, state, Reading::Answer)
    }

    /// Classifies a verified refund-query answer (already bound to its request). Pure: no
    /// I/O. A refused or unlisted code says nothing about the refund: `unknown`.
    pub fn from_query(answer: &V3Response<RefundQueryResponse>) -> Self {
        let data = answer.resp_data();
        let evidence = data.map(|d| RefundEvidence::Query {
            response: d.clone(),
        });
        let names_refund = named(data.and_then(|d| d.out_refund_order_no().or(d.out_trade_no())));
        let state = data.and_then(RefundQueryResponse::trade_state).cloned();
        classify(answer, evidence, names_refund, state, Reading::Query)
    }

    /// Classifies a verified idmrefund answer (already bound to its request) as a refund's
    /// own answer is classified ([`RefundOutcome::from_answer`]): its `trade_state` says
    /// where the refund is; a definite refusal naming the refund is declined. Pure: no I/O.
    pub fn from_idm_answer(answer: &V3Response<RefundQueryResponse>) -> Self {
        let data = answer.resp_data();
        let evidence = data.map(|d| RefundEvidence::IdmAnswer {
            response: d.clone(),
        });
        let names_refund = named(data.and_then(|d| d.out_refund_order_no().or(d.out_trade_no())));
        let state = data.and_then(RefundQueryResponse::trade_state).cloned();
        classify(answer, evidence, names_refund, state, Reading::Answer)
    }

    /// The stable snake_case word: `refunded`, `in_progress`, `declined`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            RefundOutcome::Refunded { .. } => "refunded",
            RefundOutcome::InProgress { .. } => "in_progress",
            RefundOutcome::Declined { .. } => "declined",
            RefundOutcome::Unknown { .. } => "unknown",
        }
    }

    /// Whether the outcome is final (refunded or declined).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RefundOutcome::Refunded { .. } | RefundOutcome::Declined { .. }
        )
    }

    /// What settles it, when it is not final.
    pub fn settle_by(&self) -> Option<SettleBy> {
        match self {
            RefundOutcome::InProgress { settle_by, .. }
            | RefundOutcome::Unknown { settle_by, .. } => Some(*settle_by),
            _ => None,
        }
    }
}

/// Which answer a refund outcome is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Answer,
    Query,
}

fn classify<T>(
    answer: &V3Response<T>,
    evidence: Option<RefundEvidence>,
    names_refund: bool,
    state: Option<RefundState>,
    reading: Reading,
) -> RefundOutcome {
    let unknown = |msg: String, evidence: Option<RefundEvidence>| RefundOutcome::Unknown {
        code: answer.code().cloned(),
        message: msg,
        evidence,
        settle_by: SettleBy::RefundQuery,
    };
    let Some(code) = answer.code() else {
        return unknown("the answer has no code".into(), evidence);
    };
    let in_progress = |state: Option<RefundState>, evidence| RefundOutcome::InProgress {
        state,
        code: code.clone(),
        message: message(answer),
        evidence,
        settle_by: SettleBy::RefundQuery,
    };
    match code.class() {
        CodeClass::Success => {
            let evidence = match evidence {
                Some(evidence) if names_refund => evidence,
                other => {
                    return unknown(
                        format!(
                            "{}: a success that names no refund proves nothing",
                            message(answer)
                        ),
                        other,
                    )
                }
            };
            match state.as_ref().map(RefundState::verdict) {
                Some(RefundVerdict::Done) => RefundOutcome::Refunded { evidence },
                Some(RefundVerdict::Failed) => RefundOutcome::Declined {
                    code: code.clone(),
                    message: message(answer),
                    evidence: Some(evidence),
                },
                Some(_) => in_progress(state, Some(evidence)),
                // A refund answered "accepted" without saying where it is: in progress. A
                // query that found it without a state has said nothing.
                None if reading == Reading::Answer => in_progress(None, Some(evidence)),
                None => unknown(
                    format!("{}: found, but no trade_state", message(answer)),
                    Some(evidence),
                ),
            }
        }
        CodeClass::Pending => in_progress(state, evidence),
        CodeClass::Refused if reading == Reading::Answer && names_refund => {
            RefundOutcome::Declined {
                code: code.clone(),
                message: message(answer),
                evidence,
            }
        }
        _ => unknown(message(answer), evidence),
    }
}

/// How a close (of an unpaid order) ended.
///
/// - [`Closed`](CloseOutcome::Closed): a verified success naming this order: the platform
///   accepted the close. The order's final state is what a trade query says (`CLOSE`);
///   Lakala's integrators confirm it so, and so should a caller that must be sure.
/// - [`InProgress`](CloseOutcome::InProgress): a pending code: query the trade.
/// - [`Declined`](CloseOutcome::Declined): a definite refusal naming the order: not closed.
/// - [`Unknown`](CloseOutcome::Unknown): not known (a paid order's close is refused with a
///   code no public list names): query the trade.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CloseOutcome {
    /// The close was accepted.
    Closed {
        /// The close's verified `resp_data`.
        response: CloseResponse,
    },
    /// In progress.
    InProgress {
        /// The answer's code.
        code: V3Code,
        /// The answer's message.
        message: String,
        /// What settles it.
        settle_by: SettleBy,
    },
    /// Refused; the order is as it was.
    Declined {
        /// The refusal's code.
        code: V3Code,
        /// The refusal's message.
        message: String,
    },
    /// Not known.
    Unknown {
        /// The answer's code, if it had one.
        code: Option<V3Code>,
        /// The answer's message.
        message: String,
        /// What settles it.
        settle_by: SettleBy,
    },
}

impl CloseOutcome {
    /// Classifies a verified close answer (already bound to its request). Pure: no I/O.
    pub fn from_answer(answer: &V3Response<CloseResponse>) -> Self {
        let data = answer.resp_data();
        let names_order =
            data.is_some_and(|d| named(d.origin_out_trade_no()) || named(d.origin_trade_no()));
        let unknown = |msg: String| CloseOutcome::Unknown {
            code: answer.code().cloned(),
            message: msg,
            settle_by: SettleBy::TradeQuery,
        };
        let Some(code) = answer.code() else {
            return unknown("the answer has no code".into());
        };
        match (code.class(), data) {
            (CodeClass::Success, Some(data)) if names_order => CloseOutcome::Closed {
                response: data.clone(),
            },
            (CodeClass::Pending, _) => CloseOutcome::InProgress {
                code: code.clone(),
                message: message(answer),
                settle_by: SettleBy::TradeQuery,
            },
            (CodeClass::Refused, _) if names_order => CloseOutcome::Declined {
                code: code.clone(),
                message: message(answer),
            },
            _ => unknown(message(answer)),
        }
    }

    /// The stable snake_case word: `closed`, `in_progress`, `declined`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            CloseOutcome::Closed { .. } => "closed",
            CloseOutcome::InProgress { .. } => "in_progress",
            CloseOutcome::Declined { .. } => "declined",
            CloseOutcome::Unknown { .. } => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer<T: serde::de::DeserializeOwned>(wire: Value) -> V3Response<T> {
        serde_json::from_value(wire).unwrap()
    }

    #[test]
    fn revoke_answers_classify() {
        let named = json!({"out_trade_no": "R1", "origin_out_trade_no": "O1"});
        let table = [
            (
                json!({"code": "BBS00000", "msg": "撤销成功", "resp_data": named}),
                "revoked",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "SUCCESS"}}),
                "revoked",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "REFUND"}}),
                "revoked",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "DEAL"}}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "FAIL"}}),
                "unknown",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_out_trade_no": "O1"}}),
                "unknown",
            ),
            (json!({"code": "BBS00000", "msg": ""}), "unknown"),
            (json!({"code": "BBS10000", "msg": "支付中"}), "in_progress"),
            (
                json!({"code": "BBS16111", "msg": "mismatch", "resp_data": {"out_trade_no": "R1"}}),
                "declined",
            ),
            (json!({"code": "BBS16111", "msg": "mismatch"}), "unknown"),
            (json!({"code": "000101", "msg": "网络请求超时"}), "unknown"),
            (
                json!({"code": "SBX20001", "msg": "?", "resp_data": {"out_trade_no": "R1"}}),
                "unknown",
            ),
            (json!({"msg": "no code"}), "unknown"),
        ];
        for (wire, word) in table {
            let outcome = RevokeOutcome::from_answer(&answer(wire.clone()));
            assert_eq!(outcome.word(), word, "{wire}");
            assert_eq!(serde_json::to_value(&outcome).unwrap()["outcome"], word);
            assert_eq!(
                outcome.is_final(),
                matches!(word, "revoked" | "declined"),
                "{wire}"
            );
            assert_eq!(outcome.settle_by().is_some(), !outcome.is_final());
        }
    }

    #[test]
    fn refund_answers_classify() {
        let data = |state: Option<&str>| {
            let mut d = json!({"out_trade_no": "R1", "refund_amount": "100"});
            if let Some(s) = state {
                d["trade_state"] = json!(s);
            }
            d
        };
        let table = [
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("SUCCESS"))}),
                "refunded",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("FAIL"))}),
                "declined",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("DEAL"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("INIT"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("TIMEOUT"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("EXCEPTION"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("REFUNDING"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(None)}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"trade_state": "SUCCESS"}}),
                "unknown",
            ),
            (json!({"code": "BBS00000", "msg": ""}), "unknown"),
            (json!({"code": "BBS11112", "msg": "退款中"}), "in_progress"),
            (
                json!({"code": "BBS11105", "msg": "退款中", "resp_data": data(Some("DEAL"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS11184", "msg": "商户停用", "resp_data": {"out_trade_no": "R1"}}),
                "declined",
            ),
            (json!({"code": "BBS11184", "msg": "商户停用"}), "unknown"),
            (json!({"code": "000100", "msg": "网络请求失败"}), "unknown"),
            (json!({"code": "SBX00005", "msg": "exceeds"}), "unknown"),
            (json!({"msg": ""}), "unknown"),
        ];
        for (wire, word) in table {
            let outcome = RefundOutcome::from_answer(&answer(wire.clone()));
            assert_eq!(outcome.word(), word, "{wire}");
            assert_eq!(serde_json::to_value(&outcome).unwrap()["outcome"], word);
            if !outcome.is_final() {
                assert_eq!(outcome.settle_by(), Some(SettleBy::RefundQuery));
            }
        }
    }

    #[test]
    fn refund_query_answers_classify() {
        let data = |state: Option<&str>| {
            let mut d = json!({"out_refund_order_no": "R1"});
            if let Some(s) = state {
                d["trade_state"] = json!(s);
            }
            d
        };
        let table = [
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("SUCCESS"))}),
                "refunded",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("FAIL"))}),
                "declined",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("DEAL"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("INIT"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("TIMEOUT"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("EXCEPTION"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(Some("PART_REFUND"))}),
                "in_progress",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": data(None)}),
                "unknown",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "SUCCESS"}}),
                "refunded",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"trade_state": "SUCCESS"}}),
                "unknown",
            ),
            (json!({"code": "BBS11112", "msg": "退款中"}), "in_progress"),
            (
                json!({"code": "BBS16111", "msg": "refused", "resp_data": data(Some("FAIL"))}),
                "unknown",
            ),
            (json!({"code": "000101", "msg": "网络请求超时"}), "unknown"),
            (json!({"code": "SBX00004", "msg": "不存在"}), "unknown"),
        ];
        for (wire, word) in table {
            let outcome = RefundOutcome::from_query(&answer(wire.clone()));
            assert_eq!(outcome.word(), word, "{wire}");
        }
    }

    #[test]
    fn close_answers_classify() {
        let table = [
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_out_trade_no": "O1"}}),
                "closed",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_trade_no": "2024"}}),
                "closed",
            ),
            (
                json!({"code": "BBS00000", "msg": "", "resp_data": {"trade_time": "20240102030405"}}),
                "unknown",
            ),
            (json!({"code": "BBS10000", "msg": ""}), "in_progress"),
            (
                json!({"code": "BBS16111", "msg": "", "resp_data": {"origin_out_trade_no": "O1"}}),
                "declined",
            ),
            (json!({"code": "BBS16111", "msg": ""}), "unknown"),
            (json!({"code": "SBX00008", "msg": "paid"}), "unknown"),
        ];
        for (wire, word) in table {
            let outcome = CloseOutcome::from_answer(&answer(wire.clone()));
            assert_eq!(outcome.word(), word, "{wire}");
        }
    }

    #[test]
    fn the_json_form_is_stable() {
        let outcome =
            RefundOutcome::from_answer(&answer(json!({"code": "BBS00000", "msg": "受理",
            "resp_data": {"out_trade_no": "R1", "trade_state": "DEAL"}})));
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"outcome": "in_progress", "state": "DEAL", "code": "BBS00000", "message": "受理",
                   "evidence": {"by": "answer", "response": {"out_trade_no": "R1", "trade_state": "DEAL"}},
                   "settle_by": "refund_query"})
        );
        let outcome = RevokeOutcome::from_answer(&answer(json!({"code": "SBX29999", "msg": "?"})));
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"outcome": "unknown", "code": "SBX29999", "message": "?", "response": null,
                   "settle_by": "trade_query"})
        );
        assert_eq!(SettleBy::RefundQuery.word(), "refund_query");
    }
}
