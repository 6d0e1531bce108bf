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
        Ok(())
    }

    /// Applies the update to `record` for an event at `at`, as every store must: the
    /// event count and `updated_at` always move; if the status change is refused, nothing
    /// else changes and the refusal is returned alongside the new record.
    pub(crate) fn apply(&self, record: &mut PaymentRecord, at: i64) -> Result<(), JournalError> {
        record.event_count += 1;
        record.updated_at = at;
        let status = self.status.unwrap_or(record.status);
        record.status.check_transition(status)?;
        if status.is_final() && !record.status.is_final() {
            record.finished_at = Some(at);
        }
        record.status = status;
        if let Some(v) = &self.trade_no {
            record.trade_no = Some(v.clone());
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
        if !status.keeps_next_check() {
            record.next_check_at = None;
        } else if let Some(next) = self.next_check_at {
            record.next_check_at = Some(next);
        }
        if self.count_attempt {
            record.attempts += 1;
        }
        Ok(())
    }
}
