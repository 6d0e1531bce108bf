//! Open-platform asynchronous notifications (for example a micropay result at
//! `notify_url`).

use super::event_key::OpenEvent;
use super::open_notification::OpenPlatformNotification;
use super::payment_event::{journal_first, PaymentNotificationEvent};
use super::{
    claim, Incoming, NotificationError, ReplayGuard, DEFAULT_PROCESSING_WINDOW_SECS,
    DEFAULT_RETENTION_SECS,
};
use crate::events::EventHub;
use lakala_crypto::open_platform::{Freshness, NotificationVerifier};
use lakala_crypto::{Clock, CryptoError};
use lakala_journal::PaymentJournal;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Verifies open-platform notifications and produces the answers.
///
/// A notification is one event per (`merchant_no`, `out_trade_no`, `trade_state`): its
/// idempotency key ([`OpenPlatformNotification::idempotency_key`]). The first delivery of
/// an event runs the merchant's code; every later delivery of it, however signed and to
/// whichever instance shares the [`ReplayGuard`], gets the recorded answer
/// ([`Incoming::Repeat`]), even when its signature is older than the freshness window
/// (an unknown stale notification stays refused as [`NotificationError::Stale`]). A new
/// state of the same order (`DEAL`, then `SUCCESS`) is a new event.
///
/// `merchant_no` must be one of the handler's merchants ([`Self::for_merchants`]; the
/// client's handler takes its merchant profile's): another merchant's notification is
/// [`NotificationError::NotForUs`], answered with [`Self::not_for_us_answer`].
#[derive(Debug, Clone)]
pub struct OpenPlatformNotificationHandler {
    keys: NotifyKeys,
    freshness: Freshness,
    replay: Arc<dyn ReplayGuard>,
    clock: Arc<dyn crate::clock::ClockDebug>,
    processing_secs: i64,
    retention_secs: i64,
    merchants: Vec<String>,
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
    Set(crate::certificates::Certificates),
}

impl OpenPlatformNotificationHandler {
    /// A handler verifying with the notification certificate's key.
    pub fn new(
        notify_key: lakala_crypto::PublicKey,
        freshness: Freshness,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::clock::ClockDebug>,
    ) -> Self {
        Self {
            keys: NotifyKeys::Fixed(
                NotificationVerifier::new(notify_key).with_freshness(freshness),
            ),
            freshness,
            replay,
            clock,
            processing_secs: DEFAULT_PROCESSING_WINDOW_SECS,
            retention_secs: DEFAULT_RETENTION_SECS,
            merchants: Vec::new(),
            payments: None,
            events: EventHub::default(),
        }
    }

    /// The merchant numbers this handler accepts notifications for (every other
    /// `merchant_no` is [`NotificationError::NotForUs`]). A handler without any refuses
    /// every notification with [`NotificationError::NotConfigured`].
    pub fn for_merchants<I, S>(mut self, merchants: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.merchants = merchants.into_iter().map(Into::into).collect();
        self
    }

    /// Changes how long an event's answer is remembered (default 24 hours, longer than
    /// Lakala's redelivery schedule of about 4 hours).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention_secs = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Finishes journaled payments from the notifications, before the merchant's code
    /// runs: a new notification about a journaled micropay or pre-order (same `merchant_no`,
    /// `out_trade_no` and `total_amount`) is written to the journal (its `trade_state` as
    /// `last_trade_state`, and, when final, the payment's status, outcome and reason). One
    /// with another amount is recorded as a fact only, and logged.
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
        certificates: crate::certificates::Certificates,
        freshness: Freshness,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::clock::ClockDebug>,
    ) -> Self {
        Self {
            keys: NotifyKeys::Set(certificates),
            freshness,
            replay,
            clock,
            processing_secs: DEFAULT_PROCESSING_WINDOW_SECS,
            retention_secs: DEFAULT_RETENTION_SECS,
            merchants: Vec::new(),
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

    /// Verifies the `Authorization` header over `body`, parses the body, checks that it is
    /// for one of this handler's merchants, checks freshness (a stale redelivery of an
    /// answered event gets its recorded answer), claims the event's idempotency key and
    /// writes a new event to the journal.
    pub async fn handle(
        &self,
        authorization: &str,
        body: &[u8],
    ) -> Result<Incoming<PaymentNotificationEvent>, NotificationError> {
        let result = self.verify_and_claim(authorization, body).await;
        match &result {
            Ok(incoming) => crate::metrics::notification(
                "open_platform",
                matches!(incoming, Incoming::Repeat(_)),
            ),
            Err(e) => super::count_failed("open_platform", e),
        }
        result
    }

    async fn verify_and_claim(
        &self,
        authorization: &str,
        body: &[u8],
    ) -> Result<Incoming<PaymentNotificationEvent>, NotificationError> {
        let now = self.clock.unix_seconds();
        // The signature is checked before the timestamp: a stale one is genuine.
        let auth = match self.verify(authorization, body, now) {
            Ok(a) => Ok(a),
            Err(CryptoError::StaleTimestamp { timestamp, now, .. }) => Err((timestamp, now)),
            Err(e) => return Err(NotificationError::Verification(e)),
        };
        let body: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| NotificationError::malformed(&e))?;
        let event = OpenEvent::of(&body)?;
        if self.merchants.is_empty() {
            return Err(NotificationError::NotConfigured(
                "merchant numbers (OpenPlatformNotificationHandler::for_merchants)",
            ));
        }
        if !self.merchants.contains(&event.merchant_no) {
            return Err(NotificationError::NotForUs {
                field: "merchant_no",
                expected: self.merchants.join(","),
                found: event.merchant_no,
            });
        }
        let key = event.key();
        let auth = match auth {
            Ok(auth) => auth,
            // Signed by Lakala, but too old to be processed now: answered before, it gets
            // the same answer (so that Lakala stops); unknown, it stays refused.
            Err((timestamp, now)) => {
                return match self.replay.answer_of(&key, now).await? {
                    Some(bytes) => {
                        tracing::info!(
                            key,
                            "stale redelivery of an answered event: the same answer again"
                        );
                        Ok(Incoming::Repeat(bytes))
                    }
                    None => Err(NotificationError::Stale { timestamp, now }),
                }
            }
        };
        let timestamp = auth
            .timestamp_secs()
            .map_err(NotificationError::Verification)?;
        let notification = OpenPlatformNotification {
            body,
            timestamp,
            nonce: auth.nonce_str,
            key: key.clone(),
            event,
        };
        let incoming = claim(
            &*self.replay,
            &key,
            now,
            self.processing_secs,
            now.saturating_add(self.retention_secs),
            notification,
        )
        .await?;
        let notification = match incoming {
            Incoming::Repeat(bytes) => return Ok(Incoming::Repeat(bytes)),
            Incoming::New(n) => n,
        };
        let journal = self
            .payments
            .as_ref()
            .map(|(j, instance)| (&**j, instance.as_str()));
        match journal_first(journal, notification, now, &self.events).await {
            Ok(event) => Ok(Incoming::New(event)),
            Err(e) => {
                // The journal could not learn it: nobody processes it now, the platform's
                // redelivery tries again.
                if let Err(abandon) = self.replay.abandon(&key).await {
                    tracing::warn!(key, error = %abandon, "cannot give a notification up");
                }
                Err(e)
            }
        }
    }

    /// Records that the notification was processed and returns the success answer
    /// ([`Self::success_answer`]), which a redelivery gets again.
    pub async fn answer(
        &self,
        event: &PaymentNotificationEvent,
    ) -> Result<Vec<u8>, NotificationError> {
        let bytes = Self::success_answer();
        self.replay
            .answered(event.idempotency_key(), &bytes, self.clock.unix_seconds())
            .await?;
        Ok(bytes)
    }

    /// Gives the notification up after its processing failed: the platform's redelivery is
    /// processed again.
    pub async fn abandon(&self, event: &PaymentNotificationEvent) -> Result<(), NotificationError> {
        self.replay.abandon(event.idempotency_key()).await?;
        Ok(())
    }

    /// The whole exchange around the merchant's own code: handles the notification, runs
    /// `process` on a new event (after the journal learnt it) and answers `SUCCESS`
    /// (remembered); answers a redelivery of the event with the bytes answered before,
    /// without running `process`. When `process` fails the notification is abandoned and
    /// the error is [`NotificationError::Processing`] (retryable: answer with
    /// [`Self::failure_answer`] or HTTP 503).
    pub async fn process<F, Fut, E>(
        &self,
        authorization: &str,
        body: &[u8],
        process: F,
    ) -> Result<Vec<u8>, NotificationError>
    where
        F: FnOnce(PaymentNotificationEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let event = match self.handle(authorization, body).await? {
            Incoming::Repeat(bytes) => return Ok(bytes),
            Incoming::New(event) => event,
        };
        match process(event.clone()).await {
            Ok(()) => self.answer(&event).await,
            Err(e) => {
                self.abandon(&event).await?;
                Err(NotificationError::Processing(e.to_string()))
            }
        }
    }

    /// `{"code":"SUCCESS","message":"执行成功"}`: the answer that stops the platform's retries.
    pub fn success_answer() -> Vec<u8> {
        r#"{"code":"SUCCESS","message":"执行成功"}"#.as_bytes().to_vec()
    }

    /// `{"code":"SUCCESS","message":"not for this merchant; ignored"}`, with HTTP 200: the
    /// answer to [`NotificationError::NotForUs`]. Lakala redelivers every notification
    /// until it reads `"code":"SUCCESS"`, so this is the only answer that stops it; nothing
    /// was processed, and the message says so.
    pub fn not_for_us_answer() -> Vec<u8> {
        r#"{"code":"SUCCESS","message":"not for this merchant; ignored"}"#
            .as_bytes()
            .to_vec()
    }

    /// `{"code":"FAIL","message":…}`: asks the platform to send the notification again.
    pub fn failure_answer(message: &str) -> Vec<u8> {
        serde_json::json!({"code": "FAIL", "message": message})
            .to_string()
            .into_bytes()
    }
}
