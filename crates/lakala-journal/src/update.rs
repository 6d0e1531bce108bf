//! The state change that goes with an event, and how it is applied.

use crate::error::JournalError;
use crate::payment::PaymentRecord;
use crate::status::PaymentStatus;
use crate::validation::{self, MAX_TEXT_LEN, MAX_WORD_LEN};

/// What an event changes in the payment's state view. Every field left `None` (or
/// `false`) keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateUpdate {
    /// The new status (checked by [`PaymentStatus::check_transition`]).
    pub status: Option<PaymentStatus>,
    /// The platform's `trade_no`.
    pub trade_no: Option<String>,
    /// The last `trade_state` a query reported.
    pub last_trade_state: Option<String>,
    /// The outcome word (for example `succeeded`, `declined`, `not_sent`).
    pub outcome: Option<String>,
    /// Why (free text, at most 1 KiB, no personal data).
    pub reason: Option<String>,
    /// When a resolver should look next. Ignored (and cleared) when the resulting status
    /// is final or `unresolved`.
    pub next_check_at: Option<i64>,
    /// Count one more attempt (a query or a revoke).
    pub count_attempt: bool,
    /// The amount in fen the platform reported. Sets `amount_fen` when the record has
    /// none; a different amount than the journaled one is a contradiction
    /// ([`JournalError::FactConflict`]), the same one changes nothing.
    pub amount_fen: Option<i64>,
    /// Marks the payment for a person: the platform contradicted the journal (at most
    /// 1 KiB of text, no personal data). Allowed on any payment, final ones included; it
    /// changes no status. A conflict is never cleared: a later one replaces the text,
    /// the earlier ones stay in the events.
    pub conflict: Option<String>,
}

/// What applying an update to a payment gives: the payment as it must be stored (always,
/// with the event counted), and why the update was refused, if it was.
#[derive(Debug)]
pub(crate) struct Applied {
    /// The payment afterwards. On a refusal: the payment before, with the event counted,
    /// `updated_at` moved and `conflict` set when the refusal is a contradiction.
    pub(crate) record: PaymentRecord,
    /// The refusal: [`JournalError::FinalConflict`], [`JournalError::StatusRegression`]
    /// or [`JournalError::FactConflict`].
    pub(crate) refusal: Option<JournalError>,
}

impl Applied {
    /// What `append` returns.
    pub(crate) fn result(self) -> Result<PaymentRecord, JournalError> {
        match self.refusal {
            None => Ok(self.record),
            Some(e) => Err(e),
        }
    }
}

impl StateUpdate {
    /// An update that changes nothing (the event alone is recorded).
    pub fn none() -> Self {
        Self::default()
    }

    /// An update to `status`.
    pub fn status(status: PaymentStatus) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }

    /// Sets the platform's `trade_no`.
    pub fn with_trade_no(mut self, trade_no: impl Into<String>) -> Self {
        self.trade_no = Some(trade_no.into());
        self
    }

    /// Sets the last reported `trade_state`.
    pub fn with_last_trade_state(mut self, state: impl Into<String>) -> Self {
        self.last_trade_state = Some(state.into());
        self
    }

    /// Sets the outcome word.
    pub fn with_outcome(mut self, outcome: impl Into<String>) -> Self {
        self.outcome = Some(outcome.into());
        self
    }

    /// Sets the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the next check time.
    pub fn with_next_check_at(mut self, at: i64) -> Self {
        self.next_check_at = Some(at);
        self
    }

    /// Counts one more attempt.
    pub fn counting_attempt(mut self) -> Self {
        self.count_attempt = true;
        self
    }

    /// Offers the amount in fen the platform reported (checked against the journaled
    /// one, see [`StateUpdate::amount_fen`]).
    pub fn with_amount_fen(mut self, amount_fen: i64) -> Self {
        self.amount_fen = Some(amount_fen);
        self
    }

    /// Marks the payment for a person with `text` (see [`StateUpdate::conflict`]).
    pub fn with_conflict(mut self, text: impl Into<String>) -> Self {
        self.conflict = Some(text.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        if let Some(v) = &self.trade_no {
            validation::identifier("trade_no", v)?;
        }
        if let Some(v) = &self.last_trade_state {
            validation::text("last_trade_state", v, MAX_WORD_LEN)?;
        }
        if let Some(v) = &self.outcome {
            validation::text("outcome", v, MAX_WORD_LEN)?;
        }
        if let Some(v) = &self.reason {
            validation::text("reason", v, MAX_TEXT_LEN)?;
        }
        if let Some(v) = self.amount_fen {
            validation::amount(v)?;
        }
        if let Some(v) = &self.conflict {
            validation::text("conflict", v, MAX_TEXT_LEN)?;
        }
        Ok(())
    }

    /// The one definition of a state transition, used by every store: the payment
    /// `current` after an event at `at` carrying this update.
    ///
    /// The event count and `updated_at` always move. Then, in order:
    /// 1. a status change refused by [`PaymentStatus::check_transition`] leaves the rest
    ///    untouched; a [`JournalError::FinalConflict`] also sets `conflict` (the platform
    ///    contradicted a final status);
    /// 2. a `trade_no` or `amount_fen` that disagrees with the journaled one leaves the
    ///    rest untouched, sets `conflict` and is refused with
    ///    [`JournalError::FactConflict`];
    /// 3. otherwise every field the update carries is applied.
    pub(crate) fn apply(&self, current: &PaymentRecord, at: i64) -> Applied {
        let mut record = current.clone();
        record.event_count += 1;
        record.updated_at = at;
        let status = self.status.unwrap_or(current.status);
        if let Err(refusal) = current.status.check_transition(status) {
            if matches!(refusal, JournalError::FinalConflict { .. }) {
                record.conflict = Some(self.conflict_text(format!(
                    "the platform contradicted a final status: refused {} -> {}",
                    current.status, status
                )));
            }
            return Applied {
                record,
                refusal: Some(refusal),
            };
        }
        if let Some(refusal) = self.fact_conflict(current) {
            if let JournalError::FactConflict {
                field,
                journaled,
                offered,
            } = &refusal
            {
                record.conflict = Some(self.conflict_text(format!(
                    "the platform contradicted the journal: {field} journaled {journaled}, \
                     offered {offered}"
                )));
            }
            return Applied {
                record,
                refusal: Some(refusal),
            };
        }
        if status.is_final() && !current.status.is_final() {
            record.finished_at = Some(at);
        }
        record.status = status;
        if let Some(v) = &self.trade_no {
            record.trade_no = Some(v.clone());
        }
        if let Some(v) = self.amount_fen {
            record.amount_fen = Some(v);
        }
        if let Some(v) = &self.last_trade_state {
            record.last_trade_state = Some(v.clone());
        }
        if let Some(v) = &self.outcome {
            record.outcome = Some(v.clone());
        }
        if let Some(v) = &self.reason {
            record.reason = Some(v.clone());
        }
        if let Some(v) = &self.conflict {
            record.conflict = Some(v.clone());
        }
        if !status.keeps_next_check() {
            record.next_check_at = None;
        } else if let Some(next) = self.next_check_at {
            record.next_check_at = Some(next);
        }
        if self.count_attempt {
            record.attempts += 1;
        }
        Applied {
            record,
            refusal: None,
        }
    }

    /// A journaled fact this update contradicts, if any.
    fn fact_conflict(&self, current: &PaymentRecord) -> Option<JournalError> {
        if let (Some(journaled), Some(offered)) = (&current.trade_no, &self.trade_no) {
            if journaled != offered {
                return Some(JournalError::FactConflict {
                    field: "trade_no",
                    journaled: journaled.clone(),
                    offered: offered.clone(),
                });
            }
        }
        if let (Some(journaled), Some(offered)) = (current.amount_fen, self.amount_fen) {
            if journaled != offered {
                return Some(JournalError::FactConflict {
                    field: "amount_fen",
                    journaled: journaled.to_string(),
                    offered: offered.to_string(),
                });
            }
        }
        None
    }

    /// The conflict text of a refusal: the journal's words, then the caller's if the
    /// update carried some, within [`MAX_TEXT_LEN`].
    fn conflict_text(&self, what: String) -> String {
        let mut text = match &self.conflict {
            Some(caller) => format!("{what}; {caller}"),
            None => what,
        };
        if text.len() > MAX_TEXT_LEN {
            let mut end = MAX_TEXT_LEN;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        text
    }
}
