//! Cross-border notifications (for example `reqType` `B0005`) and the merchant's signed
//! answer.

use super::{NotificationError, ReplayGuard};
use lakala_crypto::crossborder::{Merchant, NotificationEnvelope, OpenedNotification};
use lakala_crypto::{parse_ts, Clock, Plaintext};
use std::sync::Arc;
use std::time::Duration;

/// Verifies, checks and opens cross-border notifications, and seals the answers.
///
/// ```
/// # use lakala_client::notification::{CrossBorderNotificationHandler, InMemoryReplayGuard};
/// # use lakala_crypto::{crossborder::{Merchant, Platform}, PrivateKey, ManualClock, TsGenerator};
/// # use std::sync::Arc;
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// # let mut rng = rand::thread_rng();
/// # let (mk, pk) = (PrivateKey::generate(&mut rng, 1024)?, PrivateKey::generate(&mut rng, 1024)?);
/// # let clock = Arc::new(ManualClock::at_unix(1_700_000_000));
/// # let (envelope, _) = Platform::new(pk.clone(), mk.public_key())
/// #     .seal_notification("DOPCHN000455", &TsGenerator::with_clock(clock.clone()).next(), "B0005", r#"{"orderNo":"1"}"#)?;
/// # let body = serde_json::to_vec(&envelope)?;
/// let handler = CrossBorderNotificationHandler::new(
///     Merchant::new("DOPCHN000455", mk, pk.public_key()),
///     Arc::new(InMemoryReplayGuard::new()),
///     clock.clone(),
/// );
/// let notification = handler.handle(&body).await?;
/// assert_eq!(notification.req_type(), "B0005");
/// let answer: Vec<u8> = handler.answer(&notification, "0000", "成功", "{}")?;
/// // A second delivery of the same notification is refused as a replay.
/// assert!(handler.handle(&body).await.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct CrossBorderNotificationHandler {
    merchant: Merchant,
    replay: Arc<dyn ReplayGuard>,
    clock: Arc<dyn crate::ClockDebug>,
    max_age: Duration,
}

/// A verified, fresh, first-seen cross-border notification.
#[derive(Debug)]
pub struct CrossBorderNotification {
    opened: OpenedNotification,
}

impl CrossBorderNotification {
    /// `reqType`, for example `B0005`.
    pub fn req_type(&self) -> &str {
        &self.opened.req_type
    }

    /// `ts` of the notification.
    pub fn ts(&self) -> &str {
        &self.opened.ts
    }

    /// `merId`.
    pub fn mer_id(&self) -> &str {
        &self.opened.mer_id
    }

    /// The decrypted business JSON (may hold personal data; `Debug` does not print it).
    pub fn content(&self) -> &Plaintext {
        &self.opened.biz
    }
}

impl CrossBorderNotificationHandler {
    /// A handler that accepts notifications up to 10 minutes old (see
    /// [`Self::with_max_age`]).
    pub fn new(
        merchant: Merchant,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::ClockDebug>,
    ) -> Self {
        Self {
            merchant,
            replay,
            clock,
            max_age: Duration::from_secs(600),
        }
    }

    /// Changes how old (or how far in the future) a notification's `ts` may be.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Verifies the MAC (before decrypting anything), opens the notification, and checks
    /// that its `ts` is fresh and not seen before.
    pub async fn handle(&self, body: &[u8]) -> Result<CrossBorderNotification, NotificationError> {
        let envelope: NotificationEnvelope =
            serde_json::from_slice(body).map_err(|e| NotificationError::malformed(&e))?;
        let opened = self
            .merchant
            .open_notification(&envelope)
            .map_err(NotificationError::Verification)?;
        let at = parse_ts(&opened.ts).map_err(NotificationError::Verification)?;
        let now = self.clock.unix_seconds();
        let max = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        if (now - at).abs() > max {
            return Err(NotificationError::Stale { timestamp: at, now });
        }
        let key = format!(
            "crossborder:{}:{}:{}",
            opened.mer_id, opened.req_type, opened.ts
        );
        if !self
            .replay
            .check_and_remember(&key, at.saturating_add(max), now)
            .await
        {
            return Err(NotificationError::Replayed { key });
        }
        tracing::info!(req_type = %opened.req_type, ts = %opened.ts, "cross-border notification accepted");
        Ok(CrossBorderNotification { opened })
    }

    /// The signed answer body: `answer_json` under the notification's key, MAC by the
    /// merchant key.
    pub fn answer(
        &self,
        notification: &CrossBorderNotification,
        ret_code: &str,
        ret_msg: &str,
        answer_json: &str,
    ) -> Result<Vec<u8>, NotificationError> {
        let envelope = self
            .merchant
            .seal_notification_answer(&notification.opened, ret_code, ret_msg, answer_json)
            .map_err(NotificationError::Verification)?;
        serde_json::to_vec(&envelope).map_err(|e| NotificationError::malformed(&e))
    }
}
