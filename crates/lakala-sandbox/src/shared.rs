//! What every request handler shares: the keys, the clock, the orders, the notifications
//! sent and the requests received. [`crate::server`] builds it; the handlers take it.

use crate::config::{DealRefunds, NotifyPolicy};
use crate::delivery::NotificationDelivery;
use crate::keys::SandboxKeys;
use crate::request_log::RequestLog;
use crate::state::State;
use lakala_crypto::crossborder::Platform;
use lakala_crypto::open_platform::{PlatformSigner, RequestVerifier};
use lakala_crypto::{Clock, TsGenerator};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinSet;

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) keys: SandboxKeys,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ts: TsGenerator<Arc<dyn Clock>>,
    pub(crate) crossborder: Platform,
    pub(crate) verifier: RequestVerifier,
    pub(crate) signer: PlatformSigner,
    pub(crate) notify_signer: PlatformSigner,
    pub(crate) pending_delay_secs: i64,
    pub(crate) slow_answer_delay: Duration,
    pub(crate) deal_refunds: DealRefunds,
    /// [`SandboxConfig::preorder_expiry`](crate::config::SandboxConfig::preorder_expiry) in
    /// whole seconds (rounded up).
    pub(crate) preorder_expiry_secs: i64,
    pub(crate) notify: NotifyPolicy,
    pub(crate) base_url: String,
    pub(crate) max_body: usize,
    pub(crate) read_timeout: Duration,
    pub(crate) state: Mutex<State>,
    pub(crate) deliveries: Mutex<Vec<NotificationDelivery>>,
    /// What was received, for the developer page.
    pub(crate) requests: Mutex<RequestLog>,
    pub(crate) tasks: Mutex<JoinSet<()>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }

    pub(crate) fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }
}
