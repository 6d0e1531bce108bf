//! Open-platform asynchronous notifications (for example a micropay result at
//! `notify_url`).

use super::{claim, Incoming, NotificationError, ReplayGuard, DEFAULT_PROCESSING_WINDOW_SECS};
use crate::events::{EventHub, SettledEvent};
use lakala_crypto::open_platform::{Freshness, NotificationVerifier};
use lakala_crypto::{Clock, CryptoError};
use lakala_journal::{
    kinds, JournalError, NewEvent, PaymentJournal, PaymentKey, PaymentKind, PaymentStatus,
    StateUpdate,
};
use lakala_types::micropay::{TradeState, TradeVerdict};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Verifies open-platform notifications and produces the answers.
///
/// The replay key is the signed `timestamp` and `nonce_str`. A redelivery of a notification
/// already answered gets the same answer again ([`Incoming::Repeat`]).
#[derive(Debug, Clone)]
pub struct OpenPlatformNotificationHandler {
    keys: NotifyKeys,
    freshness: Freshness,
    replay: Arc<dyn ReplayGuard>,
    clock: Arc<dyn crate::ClockDebug>,
    processing_secs: i64,
    payments: Option<(Arc<dyn PaymentJournal>, String)>,
    /// Where contradictions and finished payments are announced.
    events: EventHub,
}

/// Where the handler's verification keys come from.
#[derive(Debug, Clone)]
enum NotifyKeys {
    /// One key, fixed for the handler's life.
    Fixed(NotificationVerifier),
    /// The valid notification certificates of a replaceable set, tried in turn.
    Set(crate::Certificates),
}

/// A verified, fresh, first-seen notification.
///
/// Serializes as `{"body": <the notification's JSON>, "timestamp", "nonce", "replay_key"}`.
/// It does not deserialize: a notification only ever comes out of verification.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OpenPlatformNotification {
    /// The body, parsed (kept whole: the platform's fields vary by product).
    pub body: serde_json::Value,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The signed nonce.
    pub nonce: String,
    #[serde(rename = "replay_key")]
    key: String,
}

impl OpenPlatformNotification {
    /// The replay key: `open:` + timestamp + nonce (signed fields only).
    pub fn replay_key(&self) -> &str {
        &self.key
    }
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
            keys: NotifyKeys::Fixed(
                NotificationVerifier::new(notify_key).with_freshness(freshness),
            ),
            freshness,
            replay,
            clock,
            processing_secs: DEFAULT_PROCESSING_WINDOW_SECS,
            payments: None,
            events: EventHub::default(),
        }
    }

    /// Finishes journaled payments from the notifications: a new notification about a
    /// journaled micropay (same `merchant_no`, `out_trade_no` and `total_amount`) with a
    /// final `trade_state` is recorded as the payment's outcome. One with another amount is
    /// recorded as a fact only, and logged.
    pub fn with_payments(
        mut self,
        journal: Arc<dyn PaymentJournal>,
        instance: impl Into<String>,
    ) -> Self {
        self.payments = Some((journal, instance.into()));
        self
    }

    /// Announces on `events` (the client's stream) what notifications finish or contradict.
    pub(crate) fn with_events(mut self, events: EventHub) -> Self {
        self.events = events;
        self
    }

    /// A handler verifying with the notification certificates of `certificates` that are
    /// valid at the time of each notification, tried in turn (so both the old and the new
    /// certificate verify during a rotation); replacing the set reaches this handler.
    pub fn with_certificates(
        certificates: crate::Certificates,
        freshness: Freshness,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::ClockDebug>,
    ) -> Self {
        Self {
            keys: NotifyKeys::Set(certificates),
            freshness,
            replay,
            clock,
            processing_secs: DEFAULT_PROCESSING_WINDOW_SECS,
            payments: None,
            events: EventHub::default(),
        }
    }

    /// Verifies with the fixed key, or with each valid certificate of the set until one
    /// verifies the signature.
    fn verify(
        &self,
        authorization: &str,
        body: &[u8],
        now: i64,
    ) -> Result<lakala_crypto::open_platform::Authorization, CryptoError> {
        match &self.keys {
            NotifyKeys::Fixed(verifier) => verifier.verify(authorization, body, now),
            NotifyKeys::Set(certificates) => {
                let set = certificates.current();
                let mut last = None;
                for certificate in set.notify_valid_at(now)? {
                    match NotificationVerifier::new(certificate.public_key().clone())
                        .with_freshness(self.freshness)
                        .verify(authorization, body, now)
                    {
                        Err(e @ CryptoError::SignatureMismatch { .. }) => last = Some(e),
                        other => return other,
                    }
                }
                Err(last.unwrap_or(CryptoError::SignatureMismatch {
                    what: "notification",
                }))
            }
        }
    }

    /// Changes how long a worker holds a notification it processes (default 60 s).
    pub fn with_processing_window(mut self, window: Duration) -> Self {
        self.processing_secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Verifies the `Authorization` header over `body`, checks freshness, parses the body
    /// and claims its replay key.
    pub async fn handle(
        &self,
        authorization: &str,
        body: &[u8],
    ) -> Result<Incoming<OpenPlatformNotification>, NotificationError> {
        let result = self.verify_and_claim(authorization, body).await;
        match &result {
            Ok(incoming) => crate::metrics::notification(
                "open_platform",
                matches!(incoming, Incoming::Repeat(_)),
            ),
            Err(e) => crate::metrics::notification_failed("open_platform", e),
        }
        result
    }

    async fn verify_and_claim(
        &self,
        authorization: &str,
        body: &[u8],
    ) -> Result<Incoming<OpenPlatformNotification>, NotificationError> {
        let now = self.clock.unix_seconds();
        let auth = match self.verify(authorization, body, now) {
            Ok(a) => a,
            Err(CryptoError::StaleTimestamp { timestamp, now, .. }) => {
                return Err(NotificationError::Stale { timestamp, now })
            }
            Err(e) => return Err(NotificationError::Verification(e)),
        };
        let timestamp = auth
            .timestamp_secs()
            .map_err(NotificationError::Verification)?;
        let body = serde_json::from_slice(body).map_err(|e| NotificationError::malformed(&e))?;
        let key = format!("open:{}:{}", auth.timestamp, auth.nonce_str);
        let window = i64::try_from(self.freshness.max_skew.as_secs()).unwrap_or(i64::MAX);
        let notification = OpenPlatformNotification {
            body,
            timestamp,
            nonce: auth.nonce_str,
            key: key.clone(),
        };
        let incoming = claim(
            &*self.replay,
            &key,
            now,
            self.processing_secs,
            timestamp.saturating_add(window),
            notification,
        )
        .await?;
        if let (Incoming::New(n), Some((journal, instance))) = (&incoming, &self.payments) {
            apply_to_journal(&**journal, instance, &n.body, now, &self.events).await;
        }
        Ok(incoming)
    }

    /// Records that the notification was processed and returns the success answer
    /// ([`Self::success_answer`]), which a redelivery gets again.
    pub async fn answer(
        &self,
        notification: &OpenPlatformNotification,
    ) -> Result<Vec<u8>, NotificationError> {
        let bytes = Self::success_answer();
        self.replay
            .answered(&notification.key, &bytes, self.clock.unix_seconds())
            .await?;
        Ok(bytes)
    }

    /// Gives the notification up after its processing failed: the platform's redelivery is
    /// processed again.
    pub async fn abandon(
        &self,
        notification: &OpenPlatformNotification,
    ) -> Result<(), NotificationError> {
        self.replay.abandon(&notification.key).await?;
        Ok(())
    }

    /// The whole exchange around the merchant's own code: handles the notification, runs
    /// `process` on a new one and answers `SUCCESS` (remembered); answers a redelivery with
    /// the bytes answered before. When `process` fails the notification is abandoned and
    /// the error is [`NotificationError::Processing`] (retryable: answer with
    /// [`Self::failure_answer`] or HTTP 503).
    pub async fn process<F, Fut, E>(
        &self,
        authorization: &str,
        body: &[u8],
        process: F,
    ) -> Result<Vec<u8>, NotificationError>
    where
        F: FnOnce(OpenPlatformNotification) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let notification = match self.handle(authorization, body).await? {
            Incoming::Repeat(bytes) => return Ok(bytes),
            Incoming::New(notification) => notification,
        };
        match process(notification.clone()).await {
            Ok(()) => self.answer(&notification).await,
            Err(e) => {
                self.abandon(&notification).await?;
                Err(NotificationError::Processing(e.to_string()))
            }
        }
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

/// Records a verified notification about a journaled micropay, and finishes the payment
/// when it names the same order and amount and a final state. The `trade_no` and amount it
/// gives are offered to the journal, which never overwrites one it holds with another: a
/// disagreement is kept as a fact, the payment is marked `conflict` for a person, and the
/// contradiction is announced ([`SettledEvent::Conflict`]). Other journal failures are
/// logged: the notification itself is still handled, and resolvers settle the payment by
/// query.
async fn apply_to_journal(
    journal: &dyn PaymentJournal,
    instance: &str,
    body: &serde_json::Value,
    now: i64,
    events: &EventHub,
) {
    let text = |name: &str| body.get(name).and_then(serde_json::Value::as_str);
    let (Some(merchant_no), Some(out_trade_no)) = (text("merchant_no"), text("out_trade_no"))
    else {
        return;
    };
    let key = PaymentKey::new(merchant_no, out_trade_no);
    let record = match journal.payment(&key).await {
        Ok(Some(r)) if r.kind == PaymentKind::Micropay => r,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(payment = %key, error = %e, "cannot read the journal for a notification");
            return;
        }
    };
    let amount = text("total_amount").and_then(|a| a.trim_start_matches('0').parse::<i64>().ok());
    let same_amount = match (record.amount_fen, amount) {
        (Some(journaled), Some(notified)) => journaled == notified,
        _ => false,
    };
    let state = text("trade_state").map(TradeState::from);
    let status = match (same_amount, state.as_ref().map(TradeState::verdict)) {
        (true, Some(TradeVerdict::Paid)) => Some((PaymentStatus::Succeeded, "succeeded")),
        (true, Some(TradeVerdict::Failed | TradeVerdict::Closed)) => {
            Some((PaymentStatus::Failed, "failed"))
        }
        _ => None,
    };
    if !same_amount {
        tracing::warn!(payment = %key, "a notification names another amount than the journaled payment: recorded, not applied");
    }
    let mut update = match status {
        Some((status, word)) => StateUpdate::status(status).with_outcome(word),
        None => StateUpdate::none(),
    };
    if let Some(t) = text("trade_no") {
        update = update.with_trade_no(t);
    }
    if let Some(a) = amount {
        update = update.with_amount_fen(a);
    }
    let event = NewEvent::new(
        now,
        instance,
        kinds::NOTIFICATION,
        serde_json::json!({"trade_state": state.as_ref().map(TradeState::as_str),
            "trade_no": text("trade_no"), "total_amount": text("total_amount"),
            "same_amount": same_amount}),
    );
    match journal.append(&key, &event, &update, None).await {
        Ok(after) => {
            let newly_final = !record.status.is_final() && after.status.is_final();
            if let (Some((status, word)), true) = (status, newly_final) {
                events.send(SettledEvent::Final {
                    key,
                    kind: PaymentKind::Micropay,
                    status,
                    outcome: word.to_owned(),
                    detail: "a notification".to_owned(),
                });
            }
        }
        Err(e @ (JournalError::FinalConflict { .. } | JournalError::FactConflict { .. })) => {
            let field = match &e {
                JournalError::FactConflict { field, .. } => field.to_string(),
                _ => "status".to_owned(),
            };
            crate::metrics::conflict(&field);
            events.send(SettledEvent::Conflict {
                key,
                field,
                detail: format!("a notification: {e}"),
            });
        }
        Err(e) => {
            tracing::error!(payment = %key, error = %e, "a notification could not be written to the journal");
        }
    }
}
