//! Handlers for the platform's notifications, independent of any web framework: bytes and
//! headers in, bytes out.
//!
//! Both handlers verify before anything else, then check freshness and replay through a
//! [`ReplayGuard`] (in memory by default; back it with your own store when several
//! processes receive notifications).

mod crossborder;
mod open_platform;
mod replay;

pub use crossborder::{CrossBorderNotification, CrossBorderNotificationHandler};
pub use open_platform::{OpenPlatformNotification, OpenPlatformNotificationHandler};
pub use replay::{InMemoryReplayGuard, ReplayGuard};

use lakala_crypto::CryptoError;

/// Why a notification was refused. Answer the platform with an error status (or the
/// protocol's failure answer); never act on a refused notification.
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
    /// Authentic, but already received: a replay (or the platform's retry of a
    /// notification already handled).
    #[error("notification already received ({key})")]
    Replayed {
        /// The replay key (timestamp and nonce; no personal data).
        key: String,
    },
    /// The handler has no key for this kind of notification.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
}

impl NotificationError {
    pub(crate) fn malformed(e: &serde_json::Error) -> Self {
        NotificationError::Malformed {
            line: e.line(),
            column: e.column(),
        }
    }
}
