//! The open platform's notification as the merchant's code receives it: made by the
//! handler ([`super::open_platform`]) and carried by the journaled event
//! ([`super::payment_event`]).

use super::event_key::OpenEvent;

/// A verified, fresh, first-seen notification.
///
/// Serializes as `{"body": <the notification's JSON>, "timestamp", "nonce", "replay_key"}`
/// (`replay_key` is the idempotency key). That exposes the body, payer fields included:
/// serialize it for processing, never into a log. `Debug` masks the payer fields (see
/// [`crate::payer`]). It does not deserialize: a notification only ever comes out of
/// verification.
#[derive(Clone, serde::Serialize)]
pub struct OpenPlatformNotification {
    /// The body, parsed (kept whole: the platform's fields vary by product). Holds the
    /// payer's wallet ids: never log it whole.
    pub body: serde_json::Value,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The signed nonce.
    pub nonce: String,
    #[serde(rename = "replay_key")]
    pub(super) key: String,
    #[serde(skip)]
    pub(super) event: OpenEvent,
}

impl std::fmt::Debug for OpenPlatformNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenPlatformNotification")
            .field("body", &crate::payer::masked(&self.body))
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("key", &self.key)
            .finish()
    }
}

impl OpenPlatformNotification {
    /// The idempotency key: `open:<merchant_no>:<out_trade_no>:<trade_state>`, the same
    /// for every delivery of the event however it is signed.
    pub fn idempotency_key(&self) -> &str {
        &self.key
    }

    /// The same as [`Self::idempotency_key`] (the ledger's key).
    pub fn replay_key(&self) -> &str {
        &self.key
    }

    /// `merchant_no` (`merchantNo` in the cashier's notifications): one of the handler's.
    pub fn merchant_no(&self) -> &str {
        &self.event.merchant_no
    }

    /// `out_trade_no` (`merchantOrderNo` in the cashier's notifications).
    pub fn out_trade_no(&self) -> &str {
        &self.event.out_trade_no
    }

    /// `trade_state` (`payStatus` in the cashier's notifications).
    pub fn trade_state(&self) -> &str {
        &self.event.trade_state
    }
}
