//! The payment journal: the trait every store implements.

use crate::error::JournalError;
use crate::event::{Event, NewEvent};
use crate::lease::{Claim, Lease, LeaseClock};
use crate::list::ListFilter;
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::update::StateUpdate;

/// The durable payment journal: write-ahead intents, append-only events with a current
/// state view, and leases for resolvers.
///
/// Object safe: hold it as `Arc<dyn PaymentJournal>`. Times are Unix seconds given by
/// the caller, so tests and resolvers agree on "now": event times, `next_check_at` and
/// whether a payment is due always compare the caller's `now`. Lease **ends** use the
/// clock [`lease_clock`](Self::lease_clock) names: the caller's on memory and SQLite
/// (one machine), the database server's on PostgreSQL (several machines, whose clocks
/// may disagree).
#[async_trait::async_trait]
pub trait PaymentJournal: Send + Sync + std::fmt::Debug {
    /// Writes the intent **before** its request is sent, atomically on its key, together
    /// with its first event (`intent`, sequence 1).
    ///
    /// - [`Recorded::New`]: written; send the request.
    /// - [`Recorded::Existing`]: that key was journaled before for the same request:
    ///   nothing written; resolve the existing payment instead of sending it again.
    /// - [`Recorded::Conflict`]: that key was journaled for a different request:
    ///   nothing written; do not send.
    ///
    /// Any `Err` means nothing was written (except [`JournalError::ConnectionLost`]:
    /// read back): do not send, and report the error.
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError>;

    /// Appends `event` and applies `update` in one transaction, and returns the payment
    /// as it is afterwards.
    ///
    /// With `fence`, it is applied only if that lease is still held (same owner and
    /// token), else [`JournalError::LeaseLost`] and nothing is written.
    ///
    /// A status change refused by [`crate::PaymentStatus::check_transition`]
    /// ([`JournalError::FinalConflict`], [`JournalError::StatusRegression`]) still
    /// appends the event (the contradiction stays on record) and counts it, but leaves
    /// every other field of the state untouched.
    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError>;

    /// Appends several facts of one payment, in order, as calling
    /// [`append`](Self::append) for each would, stopping at the first error (which is
    /// returned; a refused status change keeps its event, as with `append`). Returns the
    /// payment after the last fact.
    ///
    /// For the facts a flow learns at one moment (an answer and the outcome it decides):
    /// a store that can writes them in one transaction, one commit instead of several
    /// (the SQLite journal does); there, a failure of the store itself leaves none of
    /// them written. The default calls `append` for each. An empty `facts` is
    /// [`JournalError::InvalidInput`].
    async fn append_all(
        &self,
        key: &PaymentKey,
        facts: &[(NewEvent, StateUpdate)],
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        if facts.is_empty() {
            return Err(JournalError::invalid("facts", "nothing to append"));
        }
        let mut last = None;
        for (event, update) in facts {
            last = Some(self.append(key, event, update, fence).await?);
        }
        last.ok_or_else(|| JournalError::invalid("facts", "nothing to append"))
    }

    /// The payment's current state, if it is journaled.
    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError>;

    /// The payment's events in order (sequence 1, 2, ...); empty if it is not journaled.
    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError>;

    /// Payments passing `filter`, in key order, each with its event count.
    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError>;

    /// Whose clock ends leases: [`LeaseClock::Caller`] unless the store says otherwise.
    fn lease_clock(&self) -> LeaseClock {
        LeaseClock::Caller
    }

    /// Atomically leases up to `limit` due payments to `owner` for `lease_secs` from
    /// `now`: status `recorded` or `pending`, `next_check_at <= now`, and no lease or an
    /// expired one (the lease of an instance that died is taken over). Oldest
    /// `next_check_at` first. Each claim gets a fresh, larger fencing token. Two callers
    /// never get the same payment while a lease is valid.
    ///
    /// Due-ness compares `next_check_at` with `now`. Whether an earlier lease expired,
    /// and when this one ends, follow [`lease_clock`](Self::lease_clock): with
    /// [`LeaseClock::Caller`], `lease_until <= now` and the lease ends at
    /// `now + lease_secs`; with [`LeaseClock::Store`], the store's clock decides both
    /// ([`Lease::until`] is still `now + lease_secs`, the end in the claimer's clock).
    async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claim>, JournalError>;

    /// Leases the one payment `key` to `owner` for `lease_secs` from `now`, **whatever its
    /// status** (final and `unresolved` ones included, and whatever its `next_check_at`),
    /// unless a lease on it is still valid: anyone's, `owner`'s own included (another task
    /// of the same instance may hold it). For work on a given payment beside the
    /// resolvers, such as reconciliation with the platform: while it holds the lease, no
    /// resolver claims the payment, and while a resolver holds one, this returns
    /// `Ok(None)` and changes nothing.
    ///
    /// Fenced like [`claim_due`](Self::claim_due): the claim gets a fresh, larger fencing
    /// token, an expired lease is taken over, and its end follows
    /// [`lease_clock`](Self::lease_clock). Give it up with [`release`](Self::release)
    /// (`None` keeps the payment's `next_check_at`). [`JournalError::NotFound`] when the
    /// payment is not journaled.
    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError>;

    /// Extends a held lease to `until` (in the holder's clock, as [`Lease::until`] is;
    /// pass the holder's `now` plus the lease length). Fenced like `append`:
    /// [`JournalError::LeaseLost`] if it is not held (taken over after it expired, or
    /// released), and nothing is changed. A lease that expired but was not taken over is
    /// renewed.
    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError>;

    /// Gives a held lease up, and sets when the payment is due again (`None`: keep the
    /// current `next_check_at`; final and unresolved payments keep none).
    /// [`JournalError::LeaseLost`] if it is not held.
    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError>;

    /// The merchant's retention tool: deletes the payments whose final status was reached
    /// before `final_before` (Unix seconds), with their events, and returns how many
    /// payments went. Never touches a payment that is not final, nor one marked as a
    /// conflict, nor one whose group (the original payment and its revokes and refunds)
    /// has a payment that may not be pruned (see [`crate::retention`]). The SDK never
    /// calls it. To keep an archive of what goes, use [`crate::retention::prune_finished`].
    async fn prune(&self, final_before: i64) -> Result<u64, JournalError>;

    /// Deletes those of `keys` that a [`prune`](Self::prune) with the same cut would
    /// delete (the rules are checked again, in the same transaction as the delete), with
    /// their events, and returns the keys deleted. At most
    /// [`crate::validation::MAX_BATCH`] keys; a payment missing or no longer prunable is
    /// left alone and not returned.
    ///
    /// The default refuses with [`JournalError::InvalidInput`] (field `prune`): a store
    /// written elsewhere (or a wrapper) must implement it to be pruned with an archive.
    async fn prune_payments(
        &self,
        keys: &[PaymentKey],
        final_before: i64,
    ) -> Result<Vec<PaymentKey>, JournalError> {
        let _ = (keys, final_before);
        Err(JournalError::invalid(
            "prune",
            "this store cannot delete chosen payments",
        ))
    }
}

/// Checks the keys of [`PaymentJournal::prune_payments`].
pub(crate) fn check_prune_keys(keys: &[PaymentKey]) -> Result<(), JournalError> {
    if keys.len() > crate::validation::MAX_BATCH {
        return Err(JournalError::invalid("keys", "more than MAX_BATCH"));
    }
    keys.iter().try_for_each(PaymentKey::validate)
}

/// Checks the arguments of [`PaymentJournal::append`] and serializes the payload.
pub(crate) fn check_append(
    key: &PaymentKey,
    event: &NewEvent,
    update: &StateUpdate,
    fence: Option<&Lease>,
) -> Result<String, JournalError> {
    key.validate()?;
    let payload = event.validate()?;
    update.validate()?;
    if let Some(lease) = fence {
        lease.validate()?;
        if lease.key != *key {
            return Err(JournalError::invalid("fence", "a lease of another payment"));
        }
    }
    Ok(payload)
}
