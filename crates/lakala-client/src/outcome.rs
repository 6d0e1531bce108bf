//! How a payment ended, and the evidence for it.
//!
//! # The stable JSON form
//!
//! Outcomes serialize (serde, for example `serde_json::to_string`) to one stable form, the
//! one `lakala micropay --json` prints and a service hands to its tills. Field names and
//! words below only ever gain new members; none is renamed or removed within a major
//! version.
//!
//! [`PaymentOutcome`] is an object tagged by `"outcome"`, [`PaymentOutcome::word`]:
//!
//! | `outcome` | other fields |
//! |---|---|
//! | `succeeded` | `order`, `confirmation` |
//! | `failed` | `order`, `reason` |
//! | `pending` | `order`, `last_state` (a `trade_state` or `null`), `reason` (text), `revoke` (or `null`) |
//! | `revoked` | `order`, `revoke_out_trade_no`, `response` (the revoke's `resp_data`, or `null` when a query found the order `REFUND`) |
//!
//! - `order` ([`OrderRef`]): `{"merchant_no", "term_no", "out_trade_no", "trade_no"}`,
//!   `trade_no` `null` until an answer gave it.
//! - `confirmation` ([`Confirmation`]), tagged by `"by"`: `{"by": "immediate", "response",
//!   "violations"}` (the micropay answer itself) or `{"by": "query", "attempt", "response",
//!   "violations"}` (query number `attempt`, 1-based). An [`Answer`] is `{"response": <the
//!   verified answer in the platform's wire field names>, "violations": [<"field: rule">]}`.
//! - `reason` ([`FailureReason`]), tagged by `"kind"`: `{"kind": "declined", "code",
//!   "message"}`, `{"kind": "trade_failed", "state", "description", "attempt",
//!   "micropay_answer": {"code", "message"} | null}`, `{"kind": "not_sent", "reason"}`.
//! - `revoke` ([`RevokeAttempt`]): `{"revoke_out_trade_no", "result",
//!   "may_have_been_executed"}`.
//!
//! ```json
//! {"outcome":"pending","order":{"merchant_no":"822290070111135","term_no":"29034705",
//!  "out_trade_no":"T1","trade_no":null},"last_state":"DEAL","reason":"still DEAL","revoke":null}
//! ```
//!
//! [`OrderRef`], [`FailureReason`], [`PlatformAnswer`], [`PendingPayment`] and
//! [`RevokeAttempt`] also deserialize from this form (a service may store a pending payment
//! and resolve it later). [`PaymentOutcome`] and [`Confirmation`] deliberately do not: a
//! `Succeeded` must only ever come from a verified answer, never from JSON someone sent.
//!
//! The JSON holds the verified answers as the platform sent them, except the payer's wallet
//! ids (`user_id`, `openid`, `sub_openid`, ...: [`crate::payer::is_payer_field`]), which
//! are left out unless asked for explicitly by serializing through
//! [`crate::payer::WithPayerIds`]. Treat it like the answers themselves, not like a log
//! line.

use crate::answer::Answer;
use lakala_types::micropay::{
    MicropayResponse, RevokeResponse, TradeQueryResponse, TradeState, V3Code,
};
use serde::{Deserialize, Serialize};

/// The numbers that identify a payment, enough to query or revoke it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
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

/// What confirmed a payment. Serialized tagged by `"by"` (`immediate`, `query`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Confirmation {
    /// The micropay answer itself (`DCP00000` about this order, no query needed).
    Immediate(Box<Answer<MicropayResponse>>),
    /// A trade query on query number `attempt` (`trade_state` SUCCESS or PART_REFUND).
    Query {
        /// Which query of the schedule.
        attempt: usize,
        /// The query's answer (serialized flat: its `response` and `violations`).
        #[serde(flatten)]
        response: Box<Answer<TradeQueryResponse>>,
    },
}

/// A code and message the platform answered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAnswer {
    /// The code.
    pub code: V3Code,
    /// The message.
    pub message: String,
}

/// The evidence that a payment failed. Serialized tagged by `"kind"` (`declined`,
/// `trade_failed`, `not_sent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeAttempt {
    /// The revoke request's own number (retry only with this one).
    pub revoke_out_trade_no: String,
    /// What happened (a code and message, or an error).
    pub result: String,
    /// Whether the revoke may have been executed.
    pub may_have_been_executed: bool,
}

#[cfg(test)]
mod tests {
    //! The stable JSON form: golden values that fail if any field or word changes, and
    //! round trips of the types that deserialize.

    use super::*;
    use serde_json::json;

    fn order(trade_no: Option<&str>) -> OrderRef {
        OrderRef {
            merchant_no: "822290070111135".into(),
            term_no: "29034705".into(),
            out_trade_no: "T1".into(),
            trade_no: trade_no.map(Into::into),
        }
    }

    fn order_json(trade_no: serde_json::Value) -> serde_json::Value {
        json!({"merchant_no": "822290070111135", "term_no": "29034705",
               "out_trade_no": "T1", "trade_no": trade_no})
    }

    fn answer<T: serde::de::DeserializeOwned>(wire: serde_json::Value) -> Box<Answer<T>> {
        let value = serde_json::from_value(wire["resp_data"].clone()).unwrap();
        Box::new(Answer::new(value, Vec::new(), wire))
    }

    #[test]
    fn succeeded_immediately() {
        let wire = json!({"code": "DCP00000", "msg": "OK", "resp_data": {"out_trade_no": "T1", "trade_no": "2024T1"}});
        let outcome = PaymentOutcome::Succeeded {
            order: order(Some("2024T1")),
            confirmation: Confirmation::Immediate(answer::<MicropayResponse>(wire.clone())),
        };
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"outcome": "succeeded", "order": order_json(json!("2024T1")),
                   "confirmation": {"by": "immediate", "response": wire, "violations": []}})
        );
    }

    #[test]
    fn succeeded_by_query() {
        let wire =
            json!({"code": "BBS00000", "msg": "成功", "resp_data": {"trade_state": "SUCCESS"}});
        let outcome = PaymentOutcome::Succeeded {
            order: order(None),
            confirmation: Confirmation::Query {
                attempt: 2,
                response: answer::<TradeQueryResponse>(wire.clone()),
            },
        };
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"outcome": "succeeded", "order": order_json(json!(null)),
                   "confirmation": {"by": "query", "attempt": 2, "response": wire, "violations": []}})
        );
    }

    #[test]
    fn failed_forms_and_round_trip() {
        let cases = [
            (
                FailureReason::Declined {
                    code: V3Code::from("DCP10004"),
                    message: "余额不足".into(),
                },
                json!({"kind": "declined", "code": "DCP10004", "message": "余额不足"}),
            ),
            (
                FailureReason::TradeFailed {
                    state: TradeState::Close,
                    description: Some("closed".into()),
                    attempt: 3,
                    micropay_answer: Some(PlatformAnswer {
                        code: V3Code::from("DCP99999"),
                        message: "?".into(),
                    }),
                },
                json!({"kind": "trade_failed", "state": "CLOSE", "description": "closed",
                       "attempt": 3, "micropay_answer": {"code": "DCP99999", "message": "?"}}),
            ),
            (
                FailureReason::NotSent {
                    reason: "connection refused".into(),
                },
                json!({"kind": "not_sent", "reason": "connection refused"}),
            ),
        ];
        for (reason, golden) in cases {
            let outcome = PaymentOutcome::Failed {
                order: order(None),
                reason: reason.clone(),
            };
            assert_eq!(
                serde_json::to_value(&outcome).unwrap(),
                json!({"outcome": "failed", "order": order_json(json!(null)), "reason": golden})
            );
            let back: FailureReason = serde_json::from_value(golden).unwrap();
            assert_eq!(back, reason);
        }
    }

    #[test]
    fn pending_form_and_round_trip() {
        let pending = PendingPayment {
            order: order(Some("2024T1")),
            last_state: Some(TradeState::Deal),
            reason: "still DEAL".into(),
            revoke: Some(RevokeAttempt {
                revoke_out_trade_no: "T1R".into(),
                result: "timeout".into(),
                may_have_been_executed: true,
            }),
        };
        let golden = json!({"outcome": "pending", "order": order_json(json!("2024T1")),
            "last_state": "DEAL", "reason": "still DEAL",
            "revoke": {"revoke_out_trade_no": "T1R", "result": "timeout", "may_have_been_executed": true}});
        let value = serde_json::to_value(PaymentOutcome::Pending(pending.clone())).unwrap();
        assert_eq!(value, golden);
        // The outcome's own fields deserialize back into the pending payment (the tag is
        // ignored), so a service can store it and resolve it later.
        let back: PendingPayment = serde_json::from_value(value).unwrap();
        assert_eq!(back, pending);
    }

    #[test]
    fn revoked_form() {
        let outcome = PaymentOutcome::Revoked {
            order: order(None),
            revoke_out_trade_no: "T1R".into(),
            response: None,
        };
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"outcome": "revoked", "order": order_json(json!(null)),
                   "revoke_out_trade_no": "T1R", "response": null})
        );
    }

    #[test]
    fn the_tag_is_the_word_and_order_ref_round_trips() {
        let outcome = PaymentOutcome::Revoked {
            order: order(Some("X")),
            revoke_out_trade_no: "R".into(),
            response: None,
        };
        assert_eq!(
            serde_json::to_value(&outcome).unwrap()["outcome"],
            outcome.word()
        );
        let text = serde_json::to_string(&order(Some("X"))).unwrap();
        assert_eq!(
            serde_json::from_str::<OrderRef>(&text).unwrap(),
            order(Some("X"))
        );
        // Hostile input is a typed error, never a panic.
        assert!(serde_json::from_str::<OrderRef>(r#"{"merchant_no": 1}"#).is_err());
        assert!(serde_json::from_str::<FailureReason>(r#"{"kind": "paid"}"#).is_err());
    }
}
