//! Handlers for the platform's notifications, independent of any web framework: bytes and
//! headers in, bytes out.
//!
//! Both handlers verify before anything else, then check that the notification is
//! understood (its content is the JSON the protocol describes) and addressed to one of the
//! configured merchants, then claim its idempotency key through a [`ReplayGuard`] (in
//! memory by default; back it with a shared store, the journal's SQLite or PostgreSQL,
//! when several processes receive notifications).
//!
//! The idempotency key is the business event, never the signature: an open-platform
//! notification is one event per (`merchant_no`, `out_trade_no`, `trade_state`) (a
//! refund's names its own `out_trade_no`), a cross-border one per (`reqType`, `orderNo`
//! of its opened content). Lakala signs every redelivery afresh; all of them are the same
//! event. Handling is idempotent:
//! - a new notification comes out as [`Incoming::New`]; process it, then record the answer
//!   with the handler's `answer` (its bytes are remembered) or give it up with `abandon`
//!   when processing failed (the platform's redelivery is then processed again);
//! - a redelivery of an event already answered comes out as [`Incoming::Repeat`]
//!   with the answer recorded before (also when its signature is older than the freshness
//!   window): send it, do not process twice;
//! - a redelivery while another worker is processing, or a failure of the guard's store, is
//!   a [`NotificationError`] whose [`is_retryable`](NotificationError::is_retryable) is
//!   true: answer with a failure the platform retries on (HTTP 503), never accept silently;
//! - a notification for another merchant is [`NotificationError::NotForUs`], whose
//!   [`stops_platform`](NotificationError::stops_platform) is true: answer an open-platform
//!   one with [`OpenPlatformNotificationHandler::not_for_us_answer`] (HTTP 200,
//!   `"code":"SUCCESS"`, nothing processed), the one answer after which Lakala stops.
//!
//! # What "once" means
//!
//! The merchant's code runs for an event until it returns `Ok` once; after that, no
//! delivery of the event, to any instance sharing the ledger, runs it again (until the
//! answer is forgotten, 24 hours by default). It can still run more than once for one
//! event when it failed, when its process died before the answer was recorded, or when it
//! outlived its processing window (60 s by default) while another instance took the event:
//! key the merchant's own writes on the event's idempotency key and make them safe to
//! repeat.
//!
//! The handlers' `process` method does all of this around the merchant's own async code.

mod crossborder;
mod event_key;
mod open_notification;
mod open_platform;
mod payment_event;
mod replay;

pub use crossborder::{CrossBorderAnswer, CrossBorderNotification, CrossBorderNotificationHandler};
pub use open_notification::OpenPlatformNotification;
pub use open_platform::OpenPlatformNotificationHandler;
pub use payment_event::PaymentNotificationEvent;
pub use replay::{Delivery, InMemoryReplayGuard, ReplayGuard, ReplayStoreError};

use lakala_crypto::CryptoError;

/// How long a worker holds a notification it is processing before another may take it
/// (when the first died without answering): 60 seconds unless the handler is told
/// otherwise.
pub const DEFAULT_PROCESSING_WINDOW_SECS: i64 = 60;

/// How long an event's answer is remembered unless the handler is told otherwise: 24
/// hours, longer than Lakala's redelivery schedule (1 s, 5 s, 5 s, 10 s, 3 min, 10 min,
/// 20 min, 30 min, 1 h, 2 h: about 4 hours in all).
pub const DEFAULT_RETENTION_SECS: i64 = 24 * 3600;

/// A verified notification: new, or one answered before.
#[derive(Debug)]
#[must_use = "a new notification must be answered or abandoned; a repeat must be answered with its bytes"]
pub enum Incoming<N> {
    /// Seen for the first time (or its earlier processing failed): process it, then answer
    /// it (the answer is remembered) or abandon it.
    New(N),
    /// Already answered: send these exact bytes again, and do not process it twice.
    Repeat(Vec<u8>),
}

/// Why a notification was refused. Never act on a refused notification.
///
/// [`NotificationError::is_retryable`] tells which errors should be answered with a failure
/// the platform retries on (HTTP 503): the notification may be perfectly good, and we could
/// not handle it now. The others are refusals of the notification itself (HTTP 400 or 401).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The body is not the JSON the protocol describes.
    #[error("malformed notification at line {line}, column {column}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The MAC or signature is missing or wrong, or a field it covers is malformed.
    #[error("notification failed verification: {0}")]
    Verification(#[source] CryptoError),
    /// Authentic, but its timestamp is too far from our clock.
    #[error("stale notification: timestamp {timestamp}, now {now}")]
    Stale {
        /// The notification's time (Unix seconds).
        timestamp: i64,
        /// Our clock (Unix seconds).
        now: i64,
    },
    /// Authentic, but addressed to another merchant or protocol version than this
    /// handler's (possibly edited on the way, or another merchant's genuine notification
    /// sent to this URL). Nothing was processed. Not retryable, and
    /// [`stops_platform`](Self::stops_platform): answer an open-platform one with
    /// [`OpenPlatformNotificationHandler::not_for_us_answer`] (HTTP 200, `"code":"SUCCESS"`),
    /// the only answer after which Lakala stops redelivering. Counted in the notification
    /// metrics with `result` `not_for_us`.
    #[error("notification for another {field}: {found:?}, expected {expected:?}")]
    NotForUs {
        /// The wire name of the field.
        field: &'static str,
        /// What this handler is configured for.
        expected: String,
        /// What the notification says.
        found: String,
    },
    /// The MAC or signature verified, but the content is not what the protocol describes:
    /// a cross-border notification whose `encData` does not open to a JSON object with an
    /// `orderNo` (for example under a forged `encKey`: the MAC does not cover `encKey`), or
    /// an open-platform body without `merchant_no`, `out_trade_no` and `trade_state`. Not
    /// verified, nothing claimed, nothing processed.
    #[error("notification content not understood: {reason}")]
    Content {
        /// What was wrong (no personal data).
        reason: String,
    },
    /// Another worker is processing this notification now. Retryable.
    #[error("notification is being processed by another worker ({key})")]
    InProgress {
        /// The replay key (signed fields only; no personal data).
        key: String,
    },
    /// The replay guard's store failed. Retryable.
    #[error(transparent)]
    Store(#[from] ReplayStoreError),
    /// The merchant's processing failed; the notification was given up so that its
    /// redelivery is processed again. Retryable.
    #[error("processing the notification failed: {0}")]
    Processing(String),
    /// The handler has no key for this kind of notification.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
}

impl NotificationError {
    /// Whether the platform should deliver the notification again (answer with HTTP 503 or
    /// the protocol's failure answer): true for [`InProgress`](Self::InProgress),
    /// [`Store`](Self::Store) and [`Processing`](Self::Processing).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            NotificationError::InProgress { .. }
                | NotificationError::Store(_)
                | NotificationError::Processing(_)
        )
    }

    /// Whether the platform should be told to stop: true for
    /// [`NotForUs`](Self::NotForUs), which is answered as a success that was ignored (see
    /// [`OpenPlatformNotificationHandler::not_for_us_answer`]), since a refusal would be
    /// redelivered for hours.
    pub fn stops_platform(&self) -> bool {
        matches!(self, NotificationError::NotForUs { .. })
    }

    pub(crate) fn content(reason: impl Into<String>) -> Self {
        NotificationError::Content {
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed(e: &serde_json::Error) -> Self {
        NotificationError::Malformed {
            line: e.line(),
            column: e.column(),
        }
    }
}

/// Claims `key` through `guard`: what to do with the notification it names.
pub(crate) async fn claim<N>(
    guard: &dyn ReplayGuard,
    key: &str,
    now: i64,
    processing_secs: i64,
    expires_at: i64,
    notification: N,
) -> Result<Incoming<N>, NotificationError> {
    match guard.claim(key, now, processing_secs, expires_at).await? {
        Delivery::First => Ok(Incoming::New(notification)),
        Delivery::Answered(bytes) => {
            tracing::info!(
                key,
                "notification delivered again: the same answer is sent again"
            );
            Ok(Incoming::Repeat(bytes))
        }
        Delivery::InProgress { .. } => Err(NotificationError::InProgress {
            key: key.to_owned(),
        }),
    }
}

/// Counts a notification that was refused or not processed ([`crate::metrics`]).
pub(crate) fn count_failed(family: &'static str, error: &NotificationError) {
    let result = if error.is_retryable() {
        "retry"
    } else if error.stops_platform() {
        "not_for_us"
    } else {
        "refused"
    };
    let verification = match error {
        NotificationError::Verification(e) => Some(crate::metrics::crypto_reason(e)),
        NotificationError::Stale { .. } => Some("stale"),
        NotificationError::Malformed { .. } => Some("malformed"),
        NotificationError::Content { .. } => Some("content"),
        _ => None,
    };
    crate::metrics::notification_failed(family, result, verification);
}
