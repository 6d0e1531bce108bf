//! The schedule on which a pending micropay is queried, what happens when it ends, and the
//! events that make the polling observable.

use lakala_types::micropay::TradeState;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Delays between trade queries of a pending payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSchedule {
    delays: Vec<Duration>,
}

impl PollSchedule {
    /// The spec's schedule: +5, +5, +5, +5, +10, +10, +20 seconds (one minute in all).
    pub fn spec() -> Self {
        Self::from_secs(&[5, 5, 5, 5, 10, 10, 20])
    }

    /// A custom schedule, in seconds.
    pub fn from_secs(delays: &[u64]) -> Self {
        Self {
            delays: delays.iter().map(|s| Duration::from_secs(*s)).collect(),
        }
    }

    /// The delays, in order.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// Total waiting time of the schedule.
    pub fn total(&self) -> Duration {
        self.delays.iter().sum()
    }
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self::spec()
    }
}

/// What to do when the schedule ends and the payment is still not final.
///
/// There is no default: the caller chooses, because both choices have consequences for
/// the customer standing at the till.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PendingPolicy {
    /// Return [`crate::PaymentOutcome::Pending`] with everything needed to resolve the
    /// payment later ([`crate::LakalaClient::trade_query`]).
    ReturnPending,
    /// Revoke the order. `revoke_out_trade_no` is the revocation's own request number,
    /// chosen by the caller (the client never invents one behind the caller's back).
    Revoke {
        /// `out_trade_no` of the revoke request.
        revoke_out_trade_no: String,
    },
}

/// One step of a micropay flow, for progress displays and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PollEvent {
    /// The flow started: the order is known, nothing sent yet.
    Started {
        /// The order being paid.
        order: crate::outcome::OrderRef,
    },
    /// The platform answered that the payment is in progress (`DCP10000`, `BBS10000`,
    /// need_query).
    Pending {
        /// The code it answered with.
        code: String,
    },
    /// The micropay exchange failed in a way that may have executed it, or answered a code
    /// that is not conclusive; polling starts.
    OutcomeUnknown {
        /// Why (safe to log: no personal data).
        reason: String,
    },
    /// Waiting before query number `attempt` (1-based).
    Waiting {
        /// Query number about to be made.
        attempt: usize,
        /// Number of queries in the schedule.
        of: usize,
        /// How long the wait is.
        delay: Duration,
        /// Time waited since the flow began (schedule time, not wall time).
        elapsed: Duration,
    },
    /// Query number `attempt` answered.
    Queried {
        /// Query number.
        attempt: usize,
        /// The trade state, if the order was found.
        state: Option<TradeState>,
    },
    /// Query number `attempt` failed; polling goes on.
    QueryFailed {
        /// Query number.
        attempt: usize,
        /// Why.
        reason: String,
    },
    /// The schedule ended without a final state.
    ScheduleExhausted,
    /// Revoking the order (the pending policy asked for it).
    Revoking,
    /// Closing a pre-order (asked, past its expiry, or nothing to pay with); a trade query
    /// follows and decides.
    Closing {
        /// Why (safe to log).
        reason: String,
    },
    /// The flow ended (also when its caller had gone away): `outcome` is
    /// [`crate::PaymentOutcome::word`], or `not_sent` when the flow ended in an error before
    /// anything was sent.
    Finished {
        /// The order, with its `trade_no` when an answer gave it.
        order: crate::outcome::OrderRef,
        /// The outcome's word.
        outcome: &'static str,
    },
}

/// Receives [`PollEvent`]s as they happen.
#[derive(Clone)]
pub struct PollObserver(Arc<dyn Fn(&PollEvent) + Send + Sync>);

impl PollObserver {
    /// Calls `f` for each event.
    pub fn new(f: impl Fn(&PollEvent) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub(crate) fn emit(&self, event: PollEvent) {
        tracing::debug!(?event, "micropay progress");
        (self.0)(&event);
    }
}

impl Default for PollObserver {
    fn default() -> Self {
        Self::new(|_| {})
    }
}

impl fmt::Debug for PollObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PollObserver(..)")
    }
}
