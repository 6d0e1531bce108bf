//! [`TillStatus`]: what a till (or any caller outside the payment service) is told about a
//! payment, in one small stable JSON form, whether it comes from a live flow's
//! [`PaymentOutcome`] or from the journal's [`PaymentRecord`].
//!
//! ```json
//! {"status":"paid","merchant_no":"822290070111135","out_trade_no":"T1",
//!  "trade_no":"2024010233210000001","amount_fen":101,"reason":null}
//! ```
//!
//! | `status` | meaning for the till | from an outcome | from a journal record |
//! |---|---|---|---|
//! | `paid` | hand over the goods | `succeeded` (a pre-order: `paid`) | `succeeded` |
//! | `failed` | not charged: ask for another code | `failed`, `revoked` (a pre-order: `closed`, `failed`) | `failed`, `revoked` |
//! | `pending` | not known yet: ask again later (the SDK keeps resolving it) | `pending` (a pre-order: `pending`, `unknown`) | `recorded`, `pending` |
//! | `unknown` | not known, and no longer resolved automatically: a person must look | — | `unresolved` |
//!
//! The fields only ever gain new members within a major version. There is nothing
//! personal in it: no auth code (not even masked), no payer or wallet ids, no platform
//! answer — only the merchant's and the platform's order numbers, the amount when known
//! (`null` when no verified answer or journal record gave it) and a reason (`null` when
//! paid). It deserializes too (a till reading it); it is a view, never evidence: the SDK
//! never turns a `TillStatus` back into an outcome.

use crate::outcome::{Confirmation, FailureReason, PaymentOutcome};
use crate::preorder_outcome::PreorderOutcome;
use lakala_journal::{PaymentRecord, PaymentStatus};
use serde::{Deserialize, Serialize};

/// The four words a till acts on (see the [module docs](crate::till)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TillWord {
    /// Paid.
    Paid,
    /// Not charged, on evidence (failed, or revoked).
    Failed,
    /// Not known yet; the SDK is still resolving it.
    Pending,
    /// Not known, and past the point where the SDK resolves it by itself.
    Unknown,
}

impl TillWord {
    /// `paid`, `failed`, `pending` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            TillWord::Paid => "paid",
            TillWord::Failed => "failed",
            TillWord::Pending => "pending",
            TillWord::Unknown => "unknown",
        }
    }
}

/// A payment as a till sees it (see the [module docs](crate::till) for the form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillStatus {
    /// Paid, failed, pending or unknown.
    pub status: TillWord,
    /// `merchant_no`.
    pub merchant_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// The platform's `trade_no`, once known.
    pub trade_no: Option<String>,
    /// The amount in fen, when a verified answer or the journal gave it.
    pub amount_fen: Option<i64>,
    /// Why it is not paid, or why it is not known yet (`None` when paid).
    pub reason: Option<String>,
}

impl TillStatus {
    /// Sets the amount (a caller that knows what it asked for).
    pub fn with_amount_fen(mut self, amount_fen: i64) -> Self {
        self.amount_fen = Some(amount_fen);
        self
    }
}

impl From<&PaymentOutcome> for TillStatus {
    fn from(outcome: &PaymentOutcome) -> Self {
        let order = outcome.order();
        let (status, reason, amount) = match outcome {
            PaymentOutcome::Succeeded { confirmation, .. } => {
                let amount = match confirmation {
                    Confirmation::Immediate(a) => a.value.total_amount().copied(),
                    Confirmation::Query { response, .. } => response.value.total_amount().copied(),
                };
                (TillWord::Paid, None, amount)
            }
            PaymentOutcome::Failed { reason, .. } => {
                (TillWord::Failed, Some(failure_reason(reason)), None)
            }
            PaymentOutcome::Pending(p) => (TillWord::Pending, Some(p.reason.clone()), None),
            PaymentOutcome::Revoked {
                revoke_out_trade_no,
                ..
            } => (
                TillWord::Failed,
                Some(format!(
                    "revoked ({revoke_out_trade_no}): the payer is not charged"
                )),
                None,
            ),
        };
        TillStatus {
            status,
            merchant_no: order.merchant_no.clone(),
            out_trade_no: order.out_trade_no.clone(),
            trade_no: order.trade_no.clone(),
            amount_fen: amount.and_then(|a| i64::try_from(a.fen()).ok()),
            reason,
        }
    }
}

impl From<PaymentOutcome> for TillStatus {
    fn from(outcome: PaymentOutcome) -> Self {
        TillStatus::from(&outcome)
    }
}

fn failure_reason(reason: &FailureReason) -> String {
    match reason {
        FailureReason::Declined { code, message } => {
            format!("declined: {} {message}", code.as_str())
        }
        FailureReason::TradeFailed {
            state, description, ..
        } => match description {
            Some(d) => format!("trade {}: {d}", state.as_str()),
            None => format!("trade {}", state.as_str()),
        },
        FailureReason::NotSent { reason } => format!("not sent: {reason}"),
    }
}

impl From<&PreorderOutcome> for TillStatus {
    /// A pre-order as a till sees it: `paid`; `failed` when closed or failed (the customer
    /// was not charged: make a new order); `pending` while open or unknown.
    fn from(outcome: &PreorderOutcome) -> Self {
        let order = outcome.order();
        let (status, reason, amount) = match outcome {
            PreorderOutcome::Paid { response, .. } => {
                (TillWord::Paid, None, response.value.total_amount().copied())
            }
            PreorderOutcome::Closed { .. } => (
                TillWord::Failed,
                Some("closed unpaid: the customer is not charged".to_owned()),
                None,
            ),
            PreorderOutcome::Failed { reason, .. } => {
                (TillWord::Failed, Some(failure_reason(reason)), None)
            }
            PreorderOutcome::Pending(p) | PreorderOutcome::Unknown(p) => {
                (TillWord::Pending, Some(p.reason.clone()), None)
            }
        };
        TillStatus {
            status,
            merchant_no: order.merchant_no.clone(),
            out_trade_no: order.out_trade_no.clone(),
            trade_no: order.trade_no.clone(),
            amount_fen: amount.and_then(|a| i64::try_from(a.fen()).ok()),
            reason,
        }
    }
}

impl From<&PaymentRecord> for TillStatus {
    fn from(record: &PaymentRecord) -> Self {
        let status = match record.status {
            PaymentStatus::Succeeded => TillWord::Paid,
            PaymentStatus::Failed | PaymentStatus::Revoked => TillWord::Failed,
            PaymentStatus::Recorded | PaymentStatus::Pending => TillWord::Pending,
            PaymentStatus::Unresolved => TillWord::Unknown,
        };
        let reason = match (status, &record.reason) {
            (TillWord::Paid, _) => None,
            (_, Some(reason)) => Some(reason.clone()),
            (TillWord::Failed, None) if record.status == PaymentStatus::Revoked => {
                Some("revoked: the payer is not charged".to_owned())
            }
            (TillWord::Pending, None) => Some("being resolved".to_owned()),
            (TillWord::Unknown, None) => Some("unresolved: a person must look".to_owned()),
            (TillWord::Failed, None) => Some("failed: the journal recorded no reason".to_owned()),
        };
        TillStatus {
            status,
            merchant_no: record.key.merchant_no.clone(),
            out_trade_no: record.key.out_trade_no.clone(),
            trade_no: record.trade_no.clone(),
            amount_fen: record.amount_fen,
            reason,
        }
    }
}

impl From<PaymentRecord> for TillStatus {
    fn from(record: PaymentRecord) -> Self {
        TillStatus::from(&record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{OrderRef, PendingPayment};
    use lakala_journal::{Intent, PaymentKey};
    use serde_json::json;

    fn order() -> OrderRef {
        OrderRef {
            merchant_no: "822290070111135".into(),
            term_no: "29034705".into(),
            out_trade_no: "T1".into(),
            trade_no: Some("2024T1".into()),
        }
    }

    fn record(status: PaymentStatus, reason: Option<&str>) -> PaymentRecord {
        use lakala_journal::PaymentJournal;
        let intent = Intent::micropay(
            PaymentKey::new("822290070111135", "T1"),
            "29034705",
            101,
            "**************2810",
            "ab".repeat(32),
            "pos-1",
            1_700_000_000,
        );
        // Built as the stores build it, then moved to the status under test.
        let journal = lakala_journal::MemoryJournal::new();
        let recorded = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(journal.record_intent(&intent))
            .unwrap();
        let mut r = recorded.record().clone();
        r.status = status;
        r.trade_no = Some("2024T1".into());
        r.reason = reason.map(Into::into);
        r
    }

    #[test]
    fn a_closed_preorder_is_failed_for_the_till_and_an_open_one_pending() {
        use crate::preorder_outcome::{ClosedBy, PendingPreorder};
        let closed = TillStatus::from(&PreorderOutcome::Closed {
            order: order(),
            closed_by: ClosedBy::Sdk,
            attempt: 4,
        });
        assert_eq!(closed.status, TillWord::Failed);
        assert!(closed.reason.unwrap().contains("not charged"));
        let open = TillStatus::from(&PreorderOutcome::Unknown(PendingPreorder {
            order: order(),
            last_state: None,
            reason: "close answered 000101".into(),
            close: None,
            settle_by: crate::companion_outcome::SettleBy::TradeQuery,
        }));
        assert_eq!(open.status, TillWord::Pending);
    }

    #[test]
    fn an_outcome_and_its_journal_record_say_the_same() {
        let pending = PaymentOutcome::Pending(PendingPayment {
            order: order(),
            last_state: None,
            reason: "still DEAL".into(),
            revoke: None,
        });
        let from_outcome = serde_json::to_value(TillStatus::from(&pending)).unwrap();
        assert_eq!(
            from_outcome,
            json!({"status": "pending", "merchant_no": "822290070111135", "out_trade_no": "T1",
                   "trade_no": "2024T1", "amount_fen": null, "reason": "still DEAL"})
        );
        let from_record = TillStatus::from(&record(PaymentStatus::Pending, Some("still DEAL")));
        assert_eq!(
            serde_json::to_value(from_record.clone()).unwrap(),
            json!({"status": "pending", "merchant_no": "822290070111135", "out_trade_no": "T1",
                   "trade_no": "2024T1", "amount_fen": 101, "reason": "still DEAL"})
        );
        assert_eq!(TillStatus::from(&pending).with_amount_fen(101), from_record);
    }

    #[test]
    fn every_journal_status_has_its_word() {
        for (status, word) in [
            (PaymentStatus::Recorded, "pending"),
            (PaymentStatus::Pending, "pending"),
            (PaymentStatus::Succeeded, "paid"),
            (PaymentStatus::Failed, "failed"),
            (PaymentStatus::Revoked, "failed"),
            (PaymentStatus::Unresolved, "unknown"),
        ] {
            let v = serde_json::to_value(TillStatus::from(&record(status, None))).unwrap();
            assert_eq!(v["status"], word, "{status:?}");
            assert_eq!(v["reason"].is_null(), word == "paid", "{v}");
            // Never the auth code, masked or not.
            assert!(!v.to_string().contains("2810"), "{v}");
        }
    }

    #[test]
    fn failed_and_revoked_outcomes_are_failed_with_a_reason() {
        let failed = PaymentOutcome::Failed {
            order: order(),
            reason: FailureReason::Declined {
                code: lakala_types::micropay::V3Code::from("DCP10004"),
                message: "余额不足".into(),
            },
        };
        let t = TillStatus::from(&failed);
        assert_eq!(t.status, TillWord::Failed);
        assert_eq!(t.reason.as_deref(), Some("declined: DCP10004 余额不足"));
        let revoked = PaymentOutcome::Revoked {
            order: order(),
            revoke_out_trade_no: "T1R".into(),
            response: None,
        };
        assert_eq!(TillStatus::from(revoked).status, TillWord::Failed);
        // A till reads it back; an unknown word is an error, never a guess.
        let back: TillStatus = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let forged = json!({"status": "maybe", "merchant_no": "M", "out_trade_no": "T",
                            "trade_no": null, "amount_fen": null, "reason": null});
        assert!(serde_json::from_value::<TillStatus>(forged).is_err());
    }
}
