//! The CLI's journal seen through a watch that counts the facts the store failed to
//! write, so that `lakala` can say so on stderr and in its exit status while still
//! reporting the outcome it learnt.

use async_trait::async_trait;
use lakala_journal::{
    Claim, Event, Intent, JournalError, Lease, ListFilter, NewEvent, PaymentJournal, PaymentKey,
    PaymentRecord, Recorded, StateUpdate,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What the watch saw: how many writes the store failed, and the first failure's words.
#[derive(Debug, Default)]
pub struct WriteFailures {
    count: AtomicU64,
    first: Mutex<Option<String>>,
}

impl WriteFailures {
    /// Writes the store failed.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// The first failure, in the store's words.
    pub fn first(&self) -> Option<String> {
        self.first.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn note(&self, what: &str, e: &JournalError) {
        self.count.fetch_add(1, Ordering::SeqCst);
        tracing::warn!(write = what, error = %e, "a fact could not be journaled");
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| format!("{what}: {e}"));
    }
}

/// A failure of the store itself (nothing or not everything written), as opposed to an
/// answer the journal gives on purpose: a refused status change (its event is written),
/// a lease taken over, an unknown payment, an argument refused.
fn is_store_failure(e: &JournalError) -> bool {
    !matches!(
        e,
        JournalError::FinalConflict { .. }
            | JournalError::StatusRegression { .. }
            | JournalError::LeaseLost
            | JournalError::NotFound { .. }
            | JournalError::InvalidInput { .. }
    )
}

/// A journal whose failed writes are counted in [`WriteFailures`]; reads pass through.
#[derive(Debug)]
pub struct WatchedJournal {
    inner: Arc<dyn PaymentJournal>,
    failures: Arc<WriteFailures>,
}

impl WatchedJournal {
    pub fn new(inner: Arc<dyn PaymentJournal>) -> Self {
        Self {
            inner,
            failures: Arc::default(),
        }
    }

    pub fn failures(&self) -> Arc<WriteFailures> {
        self.failures.clone()
    }

    fn watch<T>(&self, what: &str, result: Result<T, JournalError>) -> Result<T, JournalError> {
        if let Err(e) = &result {
            if is_store_failure(e) {
                self.failures.note(what, e);
            }
        }
        result
    }
}

#[async_trait]
impl PaymentJournal for WatchedJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        self.watch("intent", self.inner.record_intent(intent).await)
    }

    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        let result = self.inner.append(key, event, update, fence).await;
        self.watch(&event.kind, result)
    }

    async fn append_all(
        &self,
        key: &PaymentKey,
        facts: &[(NewEvent, StateUpdate)],
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        let result = self.inner.append_all(key, facts, fence).await;
        let what = facts
            .iter()
            .map(|(event, _)| event.kind.as_str())
            .collect::<Vec<_>>()
            .join("+");
        self.watch(&what, result)
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        self.inner.payment(key).await
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        self.inner.events(key).await
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        self.inner.list(filter).await
    }

    fn lease_clock(&self) -> lakala_journal::LeaseClock {
        self.inner.lease_clock()
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claim>, JournalError> {
        let result = self.inner.claim_due(owner, now, lease_secs, limit).await;
        self.watch("lease", result)
    }

    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        let result = self.inner.claim_payment(key, owner, now, lease_secs).await;
        self.watch("lease", result)
    }

    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        self.watch("lease renewal", self.inner.renew(lease, until).await)
    }

    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError> {
        let result = self.inner.release(lease, next_check_at).await;
        self.watch("lease release", result)
    }

    async fn prune(&self, final_before: i64) -> Result<u64, JournalError> {
        self.watch("prune", self.inner.prune(final_before).await)
    }

    async fn prune_payments(
        &self,
        keys: &[PaymentKey],
        final_before: i64,
    ) -> Result<Vec<PaymentKey>, JournalError> {
        let result = self.inner.prune_payments(keys, final_before).await;
        self.watch("prune", result)
    }
}
