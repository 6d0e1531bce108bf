//! Open-platform asynchronous notifications (for example a micropay result at
//! `notify_url`).

use super::{NotificationError, ReplayGuard};
use lakala_crypto::open_platform::{Freshness, NotificationVerifier};
use lakala_crypto::{Clock, CryptoError};
use std::sync::Arc;

/// Verifies open-platform notifications and produces the answers.
#[derive(Debug, Clone)]
pub struct OpenPlatformNotificationHandler {
    verifier: NotificationVerifier,
    freshness: Freshness,
    replay: Arc<dyn ReplayGuard>,
    clock: Arc<dyn crate::ClockDebug>,
}

/// A verified, fresh, first-seen notification.
#[derive(Debug, Clone)]
pub struct OpenPlatformNotification {
    /// The body, parsed (kept whole: the platform's fields vary by product).
    pub body: serde_json::Value,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The signed nonce.
    pub nonce: String,
}

impl OpenPlatformNotificationHandler {
    /// A handler verifying with the notification certificate's key.
    pub fn new(
        notify_key: lakala_crypto::PublicKey,
        freshness: Freshness,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::ClockDebug>,
    ) -> Self {
        Self {
            verifier: NotificationVerifier::new(notify_key).with_freshness(freshness),
            freshness,
            replay,
            clock,
        }
    }

    /// Verifies the `Authorization` header over `body`, checks freshness and replay, and
    /// parses the body.
    pub async fn handle(
        &self,
        authorization: &str,
        body: &[u8],
    ) -> Result<OpenPlatformNotification, NotificationError> {
        let now = self.clock.unix_seconds();
        let auth = match self.verifier.verify(authorization, body, now) {
            Ok(a) => a,
            Err(CryptoError::StaleTimestamp { timestamp, now, .. }) => {
                return Err(NotificationError::Stale { timestamp, now })
            }
            Err(e) => return Err(NotificationError::Verification(e)),
        };
        let timestamp = auth
            .timestamp_secs()
            .map_err(NotificationError::Verification)?;
        let key = format!("open:{}:{}", auth.timestamp, auth.nonce_str);
        let window = i64::try_from(self.freshness.max_skew.as_secs()).unwrap_or(i64::MAX);
        if !self
            .replay
            .check_and_remember(&key, timestamp.saturating_add(window), now)
            .await
        {
            return Err(NotificationError::Replayed { key });
        }
        let body = serde_json::from_slice(body).map_err(|e| NotificationError::malformed(&e))?;
        Ok(OpenPlatformNotification {
            body,
            timestamp,
            nonce: auth.nonce_str,
        })
    }

    /// `{"code":"SUCCESS","message":"执行成功"}`: the answer that stops the platform's retries.
    pub fn success_answer() -> Vec<u8> {
        r#"{"code":"SUCCESS","message":"执行成功"}"#.as_bytes().to_vec()
    }

    /// `{"code":"FAIL","message":…}`: asks the platform to send the notification again.
    pub fn failure_answer(message: &str) -> Vec<u8> {
        serde_json::json!({"code": "FAIL", "message": message})
            .to_string()
            .into_bytes()
    }
}
