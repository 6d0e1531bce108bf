//! [`crate::PaymentJournal::claim_payment`] for [`MemoryJournal`].

use super::MemoryJournal;
use crate::error::JournalError;
use crate::lease::{self, Claim};
use crate::payment::PaymentKey;
use crate::validation;

/// Leases `key` unless a valid lease holds it, under the journal's one lock.
pub(super) fn claim_payment(
    journal: &MemoryJournal,
    key: &PaymentKey,
    owner: &str,
    now: i64,
    lease_secs: i64,
) -> Result<Option<Claim>, JournalError> {
    key.validate()?;
    validation::instance("lease owner", owner)?;
    validation::positive_secs("lease_secs", lease_secs)?;
    let mut state = journal.lock();
    let stored = state
        .payments
        .get_mut(key)
        .ok_or(JournalError::NotFound { what: "payment" })?;
    if !lease::is_free(&stored.record, now) {
        return Ok(None);
    }
    let lease = lease::take(&mut stored.record, owner, now.saturating_add(lease_secs));
    Ok(Some(Claim {
        lease,
        payment: stored.record.clone(),
    }))
}
