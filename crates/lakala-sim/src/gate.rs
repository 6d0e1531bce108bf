//! What makes a crash a crash: every path by which a process acts on the world (its
//! transport, its sleeper, its journal connection) passes a gate that never opens again
//! once the process is dead. Tasks the client spawned itself (a micropay flow) can not be
//! aborted from outside; behind the gates they wait forever and act on nothing.

use lakala_client::Sleeper;
use lakala_journal::{
    Claim, Delivery, Event, Intent, JournalError, Lease, ListFilter, MemoryJournal, NewEvent,
    NotificationLedger, PaymentJournal, PaymentKey, PaymentRecord, Recorded, StateUpdate,
};
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Whether a process is alive.
#[derive(Debug, Default)]
pub struct Life {
    dead: AtomicBool,
}

impl Life {
    /// Kills the process: every gate stays shut from now on.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }

    /// Whether the process is alive.
    pub fn is_alive(&self) -> bool {
        !self.dead.load(Ordering::SeqCst)
    }

    /// Returns if the process is alive; never returns if it is dead.
    pub async fn pass(&self) {
        if !self.is_alive() {
            std::future::pending::<()>().await;
        }
    }
}

/// Decides, once an exchange is over and before its answer reaches the process, whether
/// the process crashes right there (the platform acted, the process never learns how).
pub type CrashPoint = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A process's connection to the platform.
pub struct GatedTransport {
    /// The platform.
    pub inner: Arc<dyn HttpTransport>,
    /// The process's life.
    pub life: Arc<Life>,
    /// Called with the request's URL after each exchange: `true` kills the process.
    pub crash_point: CrashPoint,
}

impl std::fmt::Debug for GatedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatedTransport")
            .field("life", &self.life)
            .finish()
    }
}

#[async_trait]
impl HttpTransport for GatedTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.life.pass().await;
        let url = request.url.clone();
        let result = self.inner.send(request).await;
        if self.life.is_alive() && (self.crash_point)(&url) {
            self.life.kill();
        }
        self.life.pass().await;
        result
    }
}

/// A process's sleeper (tokio time, paused in a simulation).
#[derive(Debug)]
pub struct GatedSleeper {
    /// The process's life.
    pub life: Arc<Life>,
}

#[async_trait]
impl Sleeper for GatedSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
        self.life.pass().await;
    }
}

/// A process's connection to the shared journal.
#[derive(Debug, Clone)]
pub struct GatedJournal {
    /// The journal all processes share.
    pub inner: MemoryJournal,
    /// The process's life.
    pub life: Arc<Life>,
}

#[async_trait]
impl PaymentJournal for GatedJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        self.life.pass().await;
        let r = self.inner.record_intent(intent).await;
        self.life.pass().await;
        r
    }

    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        self.life.pass().await;
        let r = self.inner.append(key, event, update, fence).await;
        self.life.pass().await;
        r
    }

    async fn append_all(
        &self,
        key: &PaymentKey,
        facts: &[(NewEvent, StateUpdate)],
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        self.life.pass().await;
        let r = self.inner.append_all(key, facts, fence).await;
        self.life.pass().await;
        r
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        self.life.pass().await;
        let r = self.inner.payment(key).await;
        self.life.pass().await;
        r
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        self.life.pass().await;
        let r = self.inner.events(key).await;
        self.life.pass().await;
        r
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        self.life.pass().await;
        let r = self.inner.list(filter).await;
        self.life.pass().await;
        r
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
        self.life.pass().await;
        let r = self.inner.claim_due(owner, now, lease_secs, limit).await;
        self.life.pass().await;
        r
    }

    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        self.life.pass().await;
        let r = self.inner.claim_payment(key, owner, now, lease_secs).await;
        self.life.pass().await;
        r
    }

    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        self.life.pass().await;
        let r = self.inner.renew(lease, until).await;
        self.life.pass().await;
        r
    }

    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError> {
        self.life.pass().await;
        let r = self.inner.release(lease, next_check_at).await;
        self.life.pass().await;
        r
    }

    async fn prune(&self, final_before: i64) -> Result<u64, JournalError> {
        self.life.pass().await;
        let r = self.inner.prune(final_before).await;
        self.life.pass().await;
        r
    }
}

#[async_trait]
impl NotificationLedger for GatedJournal {
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, JournalError> {
        self.life.pass().await;
        let r = self
            .inner
            .claim(key, now, processing_secs, expires_at)
            .await;
        self.life.pass().await;
        r
    }

    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), JournalError> {
        self.life.pass().await;
        let r = self.inner.answered(key, answer, now).await;
        self.life.pass().await;
        r
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, JournalError> {
        self.life.pass().await;
        let r = self.inner.answer_of(key, now).await;
        self.life.pass().await;
        r
    }

    async fn abandon(&self, key: &str) -> Result<(), JournalError> {
        self.life.pass().await;
        let r = self.inner.abandon(key).await;
        self.life.pass().await;
        r
    }
}
