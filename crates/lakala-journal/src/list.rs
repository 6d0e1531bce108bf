//! Which payments [`crate::PaymentJournal::list`] returns.

use crate::error::JournalError;
use crate::payment::PaymentKey;
use crate::status::PaymentStatus;
use crate::validation;

/// A filter for listing payments, in key order (merchant, then `out_trade_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    /// Only these statuses; empty means every status.
    pub statuses: Vec<PaymentStatus>,
    /// Only this merchant.
    pub merchant_no: Option<String>,
    /// Start after this key (the last key of the previous page).
    pub after: Option<PaymentKey>,
    /// At most this many (at most [`crate::validation::MAX_BATCH`]).
    pub limit: usize,
}

impl ListFilter {
    /// Every payment, 100 at a time.
    pub fn all() -> Self {
        Self {
            statuses: Vec::new(),
            merchant_no: None,
            after: None,
            limit: 100,
        }
    }

    /// Payments that are not final (`recorded`, `pending`, `unresolved`).
    pub fn open() -> Self {
        Self {
            statuses: vec![
                PaymentStatus::Recorded,
                PaymentStatus::Pending,
                PaymentStatus::Unresolved,
            ],
            ..Self::all()
        }
    }

    /// Payments a person must look at (`unresolved`).
    pub fn unresolved() -> Self {
        Self {
            statuses: vec![PaymentStatus::Unresolved],
            ..Self::all()
        }
    }

    /// Only these statuses.
    pub fn with_statuses(mut self, statuses: impl IntoIterator<Item = PaymentStatus>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Only this merchant.
    pub fn with_merchant(mut self, merchant_no: impl Into<String>) -> Self {
        self.merchant_no = Some(merchant_no.into());
        self
    }

    /// After this key.
    pub fn after(mut self, key: PaymentKey) -> Self {
        self.after = Some(key);
        self
    }

    /// At most `limit`.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        if let Some(m) = &self.merchant_no {
            validation::identifier("merchant_no", m)?;
        }
        if let Some(after) = &self.after {
            after.validate()?;
        }
        Ok(())
    }

    /// Whether a payment passes the filter (stores that filter in memory use it).
    pub(crate) fn admits(&self, key: &PaymentKey, status: PaymentStatus) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&status))
            && self
                .merchant_no
                .as_ref()
                .is_none_or(|m| *m == key.merchant_no)
            && self.after.as_ref().is_none_or(|after| key > after)
    }
}
