//! What a service hears about payments finished or contradicted away from its own calls:
//! a payment a resolver settled, a companion (revoke, refund) closed, a contradiction the
//! journal kept for a person.
//!
//! Two ways to listen, both fed by the same events: [`crate::LakalaClient::settled_events`]
//! (a tokio broadcast stream, every event of every flow, resolver and notification of the
//! client) and [`crate::resolver::ResolverConfig::on_settled`] (a callback, the resolver's
//! own events). Events carry order numbers and words, never personal data.

use lakala_journal::{PaymentKey, PaymentKind, PaymentStatus};
use std::fmt;
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it misses some
/// ([`broadcast::error::RecvError::Lagged`]); the journal keeps everything anyway.
const CAPACITY: usize = 1024;

/// Something that happened to a journaled payment without the merchant's own call
/// returning it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettledEvent {
    /// A payment (or revoke, refund) reached a final status: `outcome` is the journal's
    /// outcome word (`succeeded`, `failed`, `revoked`, `refunded`, `moot`, ...).
    Final {
        /// The payment.
        key: PaymentKey,
        /// Micropay, revoke or refund.
        kind: PaymentKind,
        /// Its final status.
        status: PaymentStatus,
        /// The outcome word.
        outcome: String,
        /// What settled it (safe to log).
        detail: String,
    },
    /// The platform contradicted what the journal holds (a final status, a `trade_no`, an
    /// amount): the payment is marked `conflict` for a person and counted in the
    /// `lakala_conflicts_total` metric. Nothing was overwritten.
    Conflict {
        /// The payment.
        key: PaymentKey,
        /// What disagreed (`status`, `trade_no`, `total_amount`, ...).
        field: String,
        /// What the contradiction was, in words (no personal data).
        detail: String,
    },
    /// A payment passed its horizon without a final state: a person must look.
    Unresolved {
        /// The payment.
        key: PaymentKey,
        /// Why.
        detail: String,
    },
}

impl SettledEvent {
    /// The payment it is about.
    pub fn key(&self) -> &PaymentKey {
        match self {
            SettledEvent::Final { key, .. }
            | SettledEvent::Conflict { key, .. }
            | SettledEvent::Unresolved { key, .. } => key,
        }
    }
}

/// A callback for [`SettledEvent`]s (see [`crate::resolver::ResolverConfig::on_settled`]).
#[derive(Clone)]
pub struct SettledObserver(Arc<dyn Fn(&SettledEvent) + Send + Sync>);

impl SettledObserver {
    /// Calls `f` for each event (on the resolver's task: keep it short, hand off work).
    pub fn new(f: impl Fn(&SettledEvent) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub(crate) fn emit(&self, event: &SettledEvent) {
        (self.0)(event);
    }
}

impl fmt::Debug for SettledObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SettledObserver(..)")
    }
}

/// The client's broadcast of [`SettledEvent`]s.
#[derive(Debug, Clone)]
pub(crate) struct EventHub(broadcast::Sender<SettledEvent>);

impl Default for EventHub {
    fn default() -> Self {
        Self(broadcast::channel(CAPACITY).0)
    }
}

impl EventHub {
    /// Sends to every subscriber (none listening is fine).
    pub(crate) fn send(&self, event: SettledEvent) {
        if let SettledEvent::Conflict { key, field, detail } = &event {
            tracing::error!(payment = %key, field = %field, detail = %detail,
                "the platform contradicts the journal: marked for a person");
        }
        let _ = self.0.send(event);
    }
}

impl EventHub {
    /// A new receiver of every event sent from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<SettledEvent> {
        self.0.subscribe()
    }
}
