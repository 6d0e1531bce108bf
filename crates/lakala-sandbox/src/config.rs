//! How a sandbox is started.

use crate::keys::SandboxKeys;
use lakala_crypto::open_platform::Freshness;
use lakala_crypto::{Clock, SystemClock};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How long a pending micropay (auth codes ending `1001`, `1002`, `1004` and `1005`) takes
/// to settle, by default: long enough that the spec's first two queries (at +5 s and
/// +10 s) see `DEAL`, short enough that the third (+15 s) sees the outcome.
pub const DEFAULT_PENDING_DELAY: Duration = Duration::from_secs(12);

/// How long the answer of a slow micropay (auth code ending `1007`) is held back, by
/// default: longer than the client's default request timeout (30 s).
pub const DEFAULT_SLOW_ANSWER_DELAY: Duration = Duration::from_secs(40);

/// How long an unpaid labs pre-order stays payable when its request gives no
/// `acc_busi_fields.timeout_express`, by default: 5 minutes, the default Lakala's
/// open-platform SDK documents for `timeout_express`.
pub const DEFAULT_PREORDER_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// How long a refund answered `DEAL` (amounts ending in `77` fen) stays `DEAL` on the refund
/// query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DealRefunds {
    /// Forever (the default): the refund never settles.
    #[default]
    Forever,
    /// The first N refund queries answer `DEAL`, the next `SUCCESS` (the refund is then
    /// done: the order's `refund_amount` grows).
    SucceedAfterQueries(u32),
}

/// Lakala's published redelivery schedule, in seconds: the waits after the first, second,
/// ... failed delivery (1 s, 5 s, 5 s, 10 s, 3 min, 10 min, 20 min, 30 min, 1 h, 2 h).
pub const LAKALA_SCHEDULE_SECS: [u64; 10] = [1, 5, 5, 10, 180, 600, 1200, 1800, 3600, 7200];

/// Redeliveries of open-platform notifications (micropay `notify_url`), as Lakala makes
/// them: each attempt is a new request, freshly signed, until the merchant answers HTTP 200
/// with `{"code":"SUCCESS",...}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NotifyPolicy {
    /// Attempts in all, the first included (default 11: the first and the ten of the
    /// schedule). At least one is made.
    pub max_attempts: u32,
    /// The wait after each failed attempt, the last repeated if there are more attempts
    /// (default [`LAKALA_SCHEDULE_SECS`]).
    pub schedule: Vec<Duration>,
    /// Every wait is multiplied by this (default 1.0): compresses the schedule for tests
    /// (0.001 makes Lakala's 4 hours about 15 s).
    pub time_factor: f64,
    /// Deadline of one attempt: connect, send, read the answer (default 5 s).
    pub attempt_timeout: Duration,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 1 + LAKALA_SCHEDULE_SECS.len() as u32,
            schedule: LAKALA_SCHEDULE_SECS
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            time_factor: 1.0,
            attempt_timeout: Duration::from_secs(5),
        }
    }
}

impl NotifyPolicy {
    /// Lakala's schedule compressed so that the first retry comes after `first_backoff`
    /// (Lakala's 1 s), with `max_attempts` attempts.
    pub fn new(max_attempts: u32, first_backoff: Duration) -> Self {
        Self {
            max_attempts,
            time_factor: first_backoff.as_secs_f64(),
            ..Self::default()
        }
    }

    /// Lakala's schedule, every wait multiplied by `factor`.
    pub fn compressed(factor: f64) -> Self {
        Self {
            time_factor: factor,
            ..Self::default()
        }
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        let wait = self
            .schedule
            .get(index)
            .or(self.schedule.last())
            .copied()
            .unwrap_or_default();
        let factor = if self.time_factor.is_finite() && self.time_factor >= 0.0 {
            self.time_factor
        } else {
            1.0
        };
        Duration::try_from_secs_f64(wait.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn lakala_schedule_and_its_compression() {
        let p = NotifyPolicy::default();
        let waits: Vec<u64> = (1..=11).map(|a| p.backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 5, 5, 10, 180, 600, 1200, 1800, 3600, 7200, 7200]);
        let fast = NotifyPolicy::new(4, Duration::from_millis(10));
        assert_eq!(fast.backoff(1), Duration::from_millis(10));
        assert_eq!(fast.backoff(5), Duration::from_millis(1800));
    }
}

/// How a sandbox is started. `SandboxConfig::default()` listens on `127.0.0.1:0` (a free
/// port), generates fresh keys, and uses the system clock.
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Where to listen (default `127.0.0.1:0`: any free loopback port).
    pub listen: SocketAddr,
    /// Refuse to listen on anything but loopback unless this is set (default `false`).
    pub allow_non_loopback: bool,
    /// Keys to use; `None` (the default) generates fresh ones at start.
    pub keys: Option<SandboxKeys>,
    /// The sandbox's clock: signatures' timestamps, freshness checks, `ts`, trade times,
    /// and when pending payments settle. Inject a [`lakala_crypto::ManualClock`] in tests.
    pub clock: Arc<dyn Clock>,
    /// Allowed distance between a request's signed timestamp and the clock (default 300 s).
    pub freshness: Freshness,
    /// How long pending micropays take to settle, by the sandbox clock
    /// (default [`DEFAULT_PENDING_DELAY`]).
    pub pending_delay: Duration,
    /// Largest request body accepted (default 64 KiB); larger ones get HTTP 413.
    pub max_body_bytes: usize,
    /// Deadline for reading a request's headers, and again for its body (default 10 s).
    pub read_timeout: Duration,
    /// Redeliveries of micropay and pre-order notifications.
    pub notify: NotifyPolicy,
    /// How long a slow micropay's answer is held back (default
    /// [`DEFAULT_SLOW_ANSWER_DELAY`]), in real time.
    pub slow_answer_delay: Duration,
    /// How long a `DEAL` refund stays `DEAL` (default [`DealRefunds::Forever`]).
    pub deal_refunds: DealRefunds,
    /// How long an unpaid labs pre-order without `timeout_express` stays payable before it
    /// closes, by the sandbox clock (default [`DEFAULT_PREORDER_EXPIRY`]).
    pub preorder_expiry: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_non_loopback: false,
            keys: None,
            clock: Arc::new(SystemClock),
            freshness: Freshness::default(),
            pending_delay: DEFAULT_PENDING_DELAY,
            max_body_bytes: 64 * 1024,
            read_timeout: Duration::from_secs(10),
            notify: NotifyPolicy::default(),
            slow_answer_delay: DEFAULT_SLOW_ANSWER_DELAY,
            deal_refunds: DealRefunds::Forever,
            preorder_expiry: DEFAULT_PREORDER_EXPIRY,
        }
    }
}

impl SandboxConfig {
    /// Listens on `addr` (which must be loopback unless [`Self::allow_non_loopback`]).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Uses these keys instead of generating fresh ones.
    pub fn keys(mut self, keys: SandboxKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Uses this clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the allowed clock skew of signed requests.
    pub fn freshness(mut self, freshness: Freshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Sets how long pending micropays take to settle.
    pub fn pending_delay(mut self, delay: Duration) -> Self {
        self.pending_delay = delay;
        self
    }

    /// Sets the largest request body accepted.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets the read deadline for headers and for the body.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets the notification retry policy.
    pub fn notify(mut self, policy: NotifyPolicy) -> Self {
        self.notify = policy;
        self
    }

    /// Sets how long a slow micropay's answer is held back.
    pub fn slow_answer_delay(mut self, delay: Duration) -> Self {
        self.slow_answer_delay = delay;
        self
    }

    /// Sets how long a `DEAL` refund stays `DEAL`.
    pub fn deal_refunds(mut self, deal_refunds: DealRefunds) -> Self {
        self.deal_refunds = deal_refunds;
        self
    }

    /// Sets how long an unpaid labs pre-order without `timeout_express` stays payable.
    pub fn preorder_expiry(mut self, expiry: Duration) -> Self {
        self.preorder_expiry = expiry;
        self
    }

    /// Allows listening on a non-loopback address (you expose test keys to the network).
    pub fn allow_non_loopback(mut self, allow: bool) -> Self {
        self.allow_non_loopback = allow;
        self
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .field("keys", &self.keys.as_ref().map(|_| "given"))
            .field("freshness", &self.freshness)
            .field("pending_delay", &self.pending_delay)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("read_timeout", &self.read_timeout)
            .field("notify", &self.notify)
            .field("slow_answer_delay", &self.slow_answer_delay)
            .field("deal_refunds", &self.deal_refunds)
            .field("preorder_expiry", &self.preorder_expiry)
            .finish_non_exhaustive()
    }
}
