//! How a pre-order is followed ([`PreorderOptions`]), and what the journal keeps of it.

use crate::poll::PollObserver;
use std::time::Duration;

/// The journal event that keeps what a resolver needs of a pre-order: its expiry and
/// location (nothing personal).
pub(crate) const PREORDER_EVENT: &str = "preorder";

/// Lakala's validity of a pre-order when the request sets none (`timeout_express`).
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// How a pre-order is followed.
#[derive(Debug, Clone)]
pub struct PreorderOptions {
    /// How long past the order's expiry the SDK waits for the platform to close it before
    /// closing it itself (default one minute).
    pub close_margin: Duration,
    /// Closes the order this long after it was created if it is still unpaid (`None`, the
    /// default: only at its expiry plus the margin).
    pub close_after: Option<Duration>,
    /// Receives progress events.
    pub observer: PollObserver,
}

impl Default for PreorderOptions {
    fn default() -> Self {
        Self {
            close_margin: Duration::from_secs(60),
            close_after: None,
            observer: PollObserver::default(),
        }
    }
}

impl PreorderOptions {
    /// Closes the order `after` its creation if still unpaid.
    pub fn close_after(mut self, after: Duration) -> Self {
        self.close_after = Some(after);
        self
    }

    /// Waits `margin` past the expiry before the SDK closes the order itself.
    pub fn close_margin(mut self, margin: Duration) -> Self {
        self.close_margin = margin;
        self
    }

    /// Adds an observer of the progress.
    pub fn observer(mut self, observer: PollObserver) -> Self {
        self.observer = observer;
        self
    }
}
