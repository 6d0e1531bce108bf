//! [`MemoryJournal`]: the journal in this process's memory.

mod claim_payment;
mod journal;
mod ledger;

use crate::event::Event;
use crate::ledger::LedgerEntry;
use crate::payment::{PaymentKey, PaymentRecord};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// A journal held in memory: for tests, demos, and single-process setups that accept
/// losing the journal on restart. Clones share the same journal (like separate
/// connections to one database).
///
/// It keeps every guarantee of the traits except durability: nothing survives the
/// process. Lease ends compare the `now` the callers pass
/// ([`crate::LeaseClock::Caller`]).
///
/// ```
/// use lakala_journal::{
///     Intent, MemoryJournal, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, Recorded,
///     StateUpdate,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), lakala_journal::JournalError> {
/// let journal = MemoryJournal::new();
/// let key = PaymentKey::new("822290059430001", "MP20240101000001");
/// let intent = Intent::micropay(
///     key.clone(),
///     "SBX00001",
///     101,
///     "2885**********2810",                // masked by the caller, never the clear code
///     "9f86d081884c7d659a2feaa0c55ad015",  // the caller's digest of the request
///     "node-a",
///     1_700_000_000,
/// )
/// .with_next_check_at(1_700_000_060);
///
/// // Write-ahead: only a New record may be sent.
/// assert!(matches!(journal.record_intent(&intent).await?, Recorded::New(_)));
/// // The same number again is not sent twice.
/// assert!(matches!(journal.record_intent(&intent).await?, Recorded::Existing(_)));
///
/// let sent = NewEvent::new(1_700_000_000, "node-a", "sent", serde_json::json!({}));
/// journal.append(&key, &sent, &StateUpdate::status(PaymentStatus::Pending), None).await?;
/// let answer = NewEvent::new(1_700_000_001, "node-a", "answer", serde_json::json!({"code": "BBS00000"}));
/// let paid = StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("2024010100001");
/// let record = journal.append(&key, &answer, &paid, None).await?;
///
/// assert_eq!(record.status, PaymentStatus::Succeeded);
/// assert_eq!(record.event_count, 3);
/// assert_eq!(journal.events(&key).await?.len(), 3);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MemoryJournal {
    state: Arc<Mutex<MemoryState>>,
}

#[derive(Default)]
struct MemoryState {
    payments: BTreeMap<PaymentKey, StoredPayment>,
    notifications: HashMap<String, LedgerEntry>,
}

struct StoredPayment {
    record: PaymentRecord,
    events: Vec<Event>,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state, even if a thread panicked while holding it (every change is made on a
    /// copy and stored whole, so a poisoned lock never exposes half a change).
    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for MemoryJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryJournal")
            .field("payments", &state.payments.len())
            .field("notifications", &state.notifications.len())
            .finish()
    }
}
