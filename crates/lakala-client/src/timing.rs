//! Timing policies of journaled payments, each a small type that answers one "how long"
//! question (in the style of google-cloud-rust gax's `polling_backoff_policy` and
//! `polling_error_policy`):
//!
//! - [`InFlightWindow`]: how long after its intent a micropay may still be travelling to the
//!   platform (twice the request timeout). Before it is over, a "not found" proves nothing.
//! - [`LiveFlowWindow`]: how long a live flow keeps resolvers away from its payment (the
//!   spec's schedule, a request timeout per exchange and a minute).
//! - [`ClaimBudget`]: the worst-case time a resolver spends on one payment (every exchange
//!   at its request timeout), so that a round claims only what it can finish inside its
//!   lease.
//!
//! The spec's query schedule is [`crate::PollSchedule`]; the queries after it are
//! [`crate::resolver::LongTail`].

use crate::poll::PollSchedule;
use std::time::Duration;

/// When a payment the live flow left pending is first due for a resolver: the long tail's
/// first delay, in seconds.
pub(crate) const FIRST_TAIL_DELAY_SECS: i64 = 30;

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// How long a sent micropay may still be in flight: twice the request timeout. A sender
/// that timed out (or died) abandoned its request within one timeout; the second one is
/// margin for the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InFlightWindow(Duration);

impl InFlightWindow {
    pub(crate) fn new(request_timeout: Duration) -> Self {
        Self(request_timeout.saturating_mul(2))
    }

    /// Whether a request whose intent was written at `created_at` can no longer be in
    /// flight at `now`.
    pub(crate) fn is_over(&self, created_at: i64, now: i64) -> bool {
        now.saturating_sub(created_at) > secs(self.0)
    }

    /// When it is over for an intent written at `created_at`.
    pub(crate) fn ends_at(&self, created_at: i64) -> i64 {
        created_at.saturating_add(secs(self.0)).saturating_add(1)
    }
}

/// How long a live flow keeps resolvers away from its payment: the whole schedule, a
/// request timeout per exchange (the micropay, each query, a revoke), and a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LiveFlowWindow(Duration);

impl LiveFlowWindow {
    pub(crate) fn new(schedule: &PollSchedule, request_timeout: Duration) -> Self {
        let exchanges = u32::try_from(schedule.delays().len() + 2).unwrap_or(u32::MAX);
        Self(schedule.total() + request_timeout.saturating_mul(exchanges) + Duration::from_secs(60))
    }

    /// The end of the window for a flow that is active at `now`.
    pub(crate) fn until(&self, now: i64) -> i64 {
        now.saturating_add(secs(self.0))
    }
}

/// The worst-case time a resolver spends on one payment: a query, a send (a revoke), a
/// query after it, each at the request timeout, plus the journal writes' margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClaimBudget(Duration);

impl ClaimBudget {
    /// Exchanges one payment may need in one round.
    const EXCHANGES: u32 = 3;
    /// Margin for the journal's writes and the lease renewals.
    const MARGIN: Duration = Duration::from_secs(10);

    pub(crate) fn new(request_timeout: Duration) -> Self {
        Self(request_timeout.saturating_mul(Self::EXCHANGES) + Self::MARGIN)
    }

    /// The time one payment may take.
    #[cfg(test)]
    pub(crate) fn per_payment(&self) -> Duration {
        self.0
    }

    /// How many payments a round may claim under a lease of `lease`: as many as finish
    /// inside it one after the other, at least one, at most `max`.
    pub(crate) fn batch(&self, lease: Duration, max: usize) -> usize {
        let fits = lease.as_secs() / self.0.as_secs().max(1);
        usize::try_from(fits)
            .unwrap_or(usize::MAX)
            .clamp(1, max.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_claims_what_fits_in_its_lease() {
        let budget = ClaimBudget::new(Duration::from_secs(30));
        assert_eq!(budget.per_payment(), Duration::from_secs(100));
        assert_eq!(budget.batch(Duration::from_secs(120), 50), 1);
        assert_eq!(budget.batch(Duration::from_secs(1000), 50), 10);
        assert_eq!(budget.batch(Duration::from_secs(100_000), 50), 50);
        assert_eq!(budget.batch(Duration::from_secs(5), 50), 1);
    }

    #[test]
    fn the_in_flight_window_is_twice_the_request_timeout() {
        let w = InFlightWindow::new(Duration::from_secs(30));
        assert!(!w.is_over(1000, 1060));
        assert!(w.is_over(1000, 1061));
        assert_eq!(w.ends_at(1000), 1061);
    }
}
