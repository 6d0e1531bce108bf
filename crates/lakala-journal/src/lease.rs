//! Leases: which resolver works on which payment, until when.

use crate::error::JournalError;
use crate::payment::{PaymentKey, PaymentRecord};
use crate::validation;

/// A resolver's exclusive hold on one payment until `until`.
///
/// `token` is a fencing token: it grows with every claim of the payment, so a writer
/// whose lease expired and was taken over is refused ([`JournalError::LeaseLost`]) even
/// if its clock disagrees with everyone else's. A lease that expired but was not taken
/// over still fences successfully: nobody else is working on the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The leased payment.
    pub key: PaymentKey,
    /// Who holds it (the instance name given to `claim_due`).
    pub owner: String,
    /// The fencing token of this claim.
    pub token: i64,
    /// Until when it is held (Unix seconds in the claimer's clock, exclusive: at `until`
    /// it is free; see [`LeaseClock`] for whose clock ends it).
    pub until: i64,
}

impl Lease {
    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        self.key.validate()?;
        validation::instance("lease owner", &self.owner)
    }
}

/// Whose clock decides when a lease ends ([`crate::PaymentJournal::lease_clock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseClock {
    /// The `now` each caller passes (memory and SQLite: one machine, one clock). A lease
    /// ends when a claimer's `now` reaches [`Lease::until`].
    Caller,
    /// The store's own clock (PostgreSQL: `clock_timestamp()` on the server), so
    /// instances whose clocks disagree never hold one payment at once. The store
    /// measures the claimer's offset when it claims and keeps the lease for the
    /// `lease_secs` asked, by its clock; [`Lease::until`] and
    /// [`crate::PaymentRecord::lease_until`] are shown in the claimer's clock, and
    /// `renew`'s `until` is read in it. Another claimer's `now` does not end the lease,
    /// however far ahead its clock is.
    Store,
}

/// A payment taken by [`crate::PaymentJournal::claim_due`]: the lease and the payment's
/// state when it was claimed (everything a resolver needs to query it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The lease; pass it as the fence of every write.
    pub lease: Lease,
    /// The payment as claimed.
    pub payment: PaymentRecord,
}

/// Whether a payment's lease is free at `now` (none, or expired).
pub(crate) fn is_free(record: &PaymentRecord, now: i64) -> bool {
    record.lease_until.is_none_or(|until| until <= now)
}

/// Whether `lease` still holds the payment (same owner and token).
pub(crate) fn holds(record: &PaymentRecord, lease: &Lease) -> bool {
    record.lease_owner.as_deref() == Some(lease.owner.as_str()) && record.lease_token == lease.token
}

/// Whether a payment is due for a resolver at `now`, lease aside.
pub(crate) fn is_due(record: &PaymentRecord, now: i64) -> bool {
    record.status.is_claimable() && record.next_check_at.is_some_and(|at| at <= now)
}

/// Leases `record` to `owner` until `until` and returns the lease.
pub(crate) fn take(record: &mut PaymentRecord, owner: &str, until: i64) -> Lease {
    record.lease_token += 1;
    record.lease_owner = Some(owner.to_owned());
    record.lease_until = Some(until);
    Lease {
        key: record.key.clone(),
        owner: owner.to_owned(),
        token: record.lease_token,
        until,
    }
}

/// Gives the lease up (the token stays, so the next claim's is larger).
pub(crate) fn give_up(record: &mut PaymentRecord, next_check_at: Option<i64>) {
    record.lease_owner = None;
    record.lease_until = None;
    if let Some(next) = next_check_at {
        if record.status.keeps_next_check() {
            record.next_check_at = Some(next);
        }
    }
}
