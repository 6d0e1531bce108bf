//! How a resolver works ([`ResolverConfig`]): apart from [`crate::resolver`] itself so that
//! the configuration file's `[resolver]` section ([`crate::service_config`]) can say it
//! without importing the resolver.

use crate::events::{SettledEvent, SettledObserver};
use crate::timing::FIRST_TAIL_DELAY_SECS;
use lakala_types::micropay::LocationInfo;
use std::time::Duration;

/// The queries after the spec's schedule: growing delays up to a horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTail {
    delays: Vec<Duration>,
    horizon: Duration,
}

impl LongTail {
    /// The first delay of [`LongTail::lakala`], in seconds: when a payment the live flow
    /// left pending is first due for a resolver.
    pub const FIRST_DELAY_SECS: i64 = FIRST_TAIL_DELAY_SECS;

    /// 30 s, 1, 2, 5, 10 min, then every 10 min, until 2 h 30 min after the intent.
    pub fn lakala() -> Self {
        Self::new(
            [30, 60, 120, 300, 600].map(Duration::from_secs).to_vec(),
            Duration::from_secs(150 * 60),
        )
    }

    /// Custom delays (the last repeats) and horizon. An empty list means one query per
    /// minute.
    pub fn new(delays: Vec<Duration>, horizon: Duration) -> Self {
        Self { delays, horizon }
    }

    /// The delay before the tail's query number `n` (0-based); the last delay repeats.
    pub fn delay(&self, n: usize) -> Duration {
        self.delays
            .get(n)
            .or(self.delays.last())
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }

    /// How long after its intent a payment may stay pending before a person must look.
    pub fn horizon(&self) -> Duration {
        self.horizon
    }
}

impl Default for LongTail {
    fn default() -> Self {
        Self::lakala()
    }
}

/// What a resolver does with a payment still not final when the spec's schedule is over.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResolverPolicy {
    /// Keep querying on the long tail; past the horizon, mark it `unresolved`.
    ReturnPending,
    /// Revoke it, under the rule (the crate's rule: only a payment a fresh query
    /// found still in progress, never reported succeeded, never revoked before), with the
    /// revoke number [`crate::revoke_number`]`(out_trade_no, suffix)` and this location
    /// (revokes require one).
    Revoke {
        /// Appended to the payment's number to make the revoke's.
        suffix: String,
        /// The revoke's `location_info`.
        location: LocationInfo,
    },
}

/// How a resolver works.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The queries after the spec's schedule.
    pub tail: LongTail,
    /// How long a claimed payment is held before another instance may take it over.
    pub lease: Duration,
    /// How many payments one round claims at most. A round claims fewer when its lease
    /// cannot cover them: as many as finish inside the lease at the worst case (three
    /// exchanges at the request timeout each, plus ten seconds).
    pub batch: usize,
    /// What to do when the spec's schedule ends without a final state.
    pub on_pending: ResolverPolicy,
    /// How often [`Resolver::spawn`](crate::resolver::Resolver::spawn) looks for due payments.
    pub tick: Duration,
    /// Told of every payment this resolver finishes, every companion it closes, every
    /// contradiction it meets and every payment it gives up on ([`SettledEvent`]); the
    /// client's [`LakalaClient::settled_events`](crate::LakalaClient::settled_events)
    /// stream carries the same events.
    pub on_settled: Option<SettledObserver>,
}

impl ResolverConfig {
    /// Calls `f` for every [`SettledEvent`] of this resolver.
    pub fn on_settled(mut self, f: impl Fn(&SettledEvent) + Send + Sync + 'static) -> Self {
        self.on_settled = Some(SettledObserver::new(f));
        self
    }
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            tail: LongTail::lakala(),
            lease: Duration::from_secs(120),
            batch: 50,
            on_pending: ResolverPolicy::ReturnPending,
            tick: Duration::from_secs(5),
            on_settled: None,
        }
    }
}
