//! Which payments [`crate::PaymentJournal::list`] returns.

use crate::error::JournalError;
use crate::payment::{PaymentKey, PaymentRecord};
use crate::status::PaymentStatus;
use crate::validation;

/// A filter for listing payments, in key order (merchant, then `out_trade_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    /// Only these statuses; empty means every status.
    pub statuses: Vec<PaymentStatus>,
    /// Only this merchant.
    pub merchant_no: Option<String>,
    /// Only payments whose `conflict` is set (any status).
    pub conflicts_only: bool,
    /// Only the revokes and refunds of this original payment (their
    /// `origin_out_trade_no`); combine with [`ListFilter::with_merchant`].
    pub origin_out_trade_no: Option<String>,
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
            conflicts_only: false,
            origin_out_trade_no: None,
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

    /// Payments the platform contradicted, marked for a person: every payment whose
    /// `conflict` is set, whatever its status.
    pub fn conflicts() -> Self {
        Self {
            conflicts_only: true,
            ..Self::all()
        }
    }

    /// Only the revokes and refunds whose `origin_out_trade_no` is `out_trade_no` (the
    /// companions of that payment); combine with [`ListFilter::with_merchant`].
    pub fn with_origin(mut self, out_trade_no: impl Into<String>) -> Self {
        self.origin_out_trade_no = Some(out_trade_no.into());
        self
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
        if let Some(origin) = &self.origin_out_trade_no {
            validation::identifier("origin_out_trade_no", origin)?;
        }
        if let Some(after) = &self.after {
            after.validate()?;
        }
        Ok(())
    }

    /// Whether a payment passes the filter (stores that filter in memory use it).
    pub(crate) fn admits(&self, record: &PaymentRecord) -> bool {
        let key = &record.key;
        (self.statuses.is_empty() || self.statuses.contains(&record.status))
            && self
                .merchant_no
                .as_ref()
                .is_none_or(|m| *m == key.merchant_no)
            && (!self.conflicts_only || record.conflict.is_some())
            && self
                .origin_out_trade_no
                .as_ref()
                .is_none_or(|o| record.origin_out_trade_no.as_ref() == Some(o))
            && self.after.as_ref().is_none_or(|after| key > after)
    }
}
