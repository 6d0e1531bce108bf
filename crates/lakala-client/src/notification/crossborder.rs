//! Cross-border notifications (for example `reqType` `B0005`) and the merchant's signed
//! answer.

use super::event_key::crossborder_key;
use super::{
    Delivery, Incoming, NotificationError, ReplayGuard, DEFAULT_PROCESSING_WINDOW_SECS,
    DEFAULT_RETENTION_SECS,
};
use lakala_crypto::crossborder::{Merchant, NotificationEnvelope, OpenedNotification};
use lakala_crypto::{parse_ts, Clock, Plaintext};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The protocol version this handler speaks.
const VER: &str = "3.0.0";

/// Verifies, checks and opens cross-border notifications, and seals the answers.
///
/// A notification counts as verified only when its MAC verifies *and* its content opens to
/// the JSON the spec describes (an object with a string `orderNo`): the MAC does not cover
/// `encKey`, so a forged `encKey` whose key decrypts `encData` with valid padding opens to
/// garbage, and is refused ([`NotificationError::Content`]) before it can claim anything.
///
/// The idempotency key is what the opened content identifies: `crossborder:<reqType>:<orderNo>`
/// (never the envelope's `merId`, `ts` or `encKey`). The first delivery of an event runs the
/// merchant's code; a later one, however sealed and to whichever instance shares the
/// ledger, gets the answer recorded then, sealed again for this delivery (its `ts`, under
/// its key), also when it is older than the freshness window. The ledger keeps that answer
/// as `{"ret_code","ret_msg","json"}` in clear: keep personal data out of answers.
/// `merId` and `ver`, which the MAC does not cover, must equal this handler's
/// ([`NotificationError::NotForUs`]).
///
/// ```
/// # use lakala_client::notification::{CrossBorderNotificationHandler, InMemoryReplayGuard, Incoming};
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
/// let Incoming::New(notification) = handler.handle(&body).await? else { panic!("new") };
/// assert_eq!(notification.req_type(), "B0005");
/// let answer: Vec<u8> = handler.answer(&notification, "0000", "成功", "{}").await?;
/// // The platform's redelivery gets the same signed answer again, and is not processed twice.
/// let Incoming::Repeat(again) = handler.handle(&body).await? else { panic!("repeat") };
/// assert_eq!(again, answer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct CrossBorderNotificationHandler {
    merchant: Merchant,
    replay: Arc<dyn ReplayGuard>,
    clock: Arc<dyn crate::clock::ClockDebug>,
    max_age: Duration,
    processing_secs: i64,
    retention_secs: i64,
}

/// A verified, fresh, first-seen cross-border notification.
///
/// Serializes as `{"req_type", "ts", "mer_id", "replay_key", "content"}`, `content` being
/// the decrypted business JSON (as JSON, or as a string if it is not JSON). That exposes
/// the content, which may hold personal data: serialize it for processing, never into a
/// log. It does not deserialize: a notification only ever comes out of verification.
#[derive(Debug, Clone)]
pub struct CrossBorderNotification {
    opened: OpenedNotification,
    key: String,
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

    /// `merId` (equal to the handler's).
    pub fn mer_id(&self) -> &str {
        &self.opened.mer_id
    }

    /// The decrypted business JSON (may hold personal data; `Debug` does not print it).
    pub fn content(&self) -> &Plaintext {
        &self.opened.biz
    }

    /// The idempotency key: `crossborder:<reqType>:<orderNo>`, from the opened content.
    pub fn idempotency_key(&self) -> &str {
        &self.key
    }

    /// The same as [`Self::idempotency_key`] (the ledger's key).
    pub fn replay_key(&self) -> &str {
        &self.key
    }
}

impl serde::Serialize for CrossBorderNotification {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let text = self.opened.biz.as_str();
        let content = serde_json::from_str::<serde_json::Value>(text)
            .unwrap_or_else(|_| serde_json::Value::String(text.to_owned()));
        let mut s = serializer.serialize_struct("CrossBorderNotification", 5)?;
        s.serialize_field("req_type", &self.opened.req_type)?;
        s.serialize_field("ts", &self.opened.ts)?;
        s.serialize_field("mer_id", &self.opened.mer_id)?;
        s.serialize_field("replay_key", &self.key)?;
        s.serialize_field("content", &content)?;
        s.end()
    }
}

/// What the merchant answers to a cross-border notification (sealed by the handler).
/// Serializes as `{"ret_code", "ret_msg", "json"}`, and deserializes from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CrossBorderAnswer {
    /// `retCode`, `0000` for success.
    pub ret_code: String,
    /// `retMsg`.
    pub ret_msg: String,
    /// The answer's business JSON, encrypted under the notification's key.
    pub json: String,
}

impl CrossBorderAnswer {
    /// `retCode` `0000`, `retMsg` `成功`, with `json` as the answer's business JSON.
    pub fn success(json: impl Into<String>) -> Self {
        Self {
            ret_code: "0000".into(),
            ret_msg: "成功".into(),
            json: json.into(),
        }
    }
}

impl CrossBorderNotificationHandler {
    /// A handler that accepts notifications up to 10 minutes old (see
    /// [`Self::with_max_age`]).
    pub fn new(
        merchant: Merchant,
        replay: Arc<dyn ReplayGuard>,
        clock: Arc<dyn crate::clock::ClockDebug>,
    ) -> Self {
        Self {
            merchant,
            replay,
            clock,
            max_age: Duration::from_secs(600),
            processing_secs: DEFAULT_PROCESSING_WINDOW_SECS,
            retention_secs: DEFAULT_RETENTION_SECS,
        }
    }

    /// Changes how long an event's answer is remembered (default 24 hours).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention_secs = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Changes how old (or how far in the future) a notification's `ts` may be.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Changes how long a worker holds a notification it processes (default 60 s).
    pub fn with_processing_window(mut self, window: Duration) -> Self {
        self.processing_secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Verifies the MAC (before decrypting anything), opens the notification, checks that
    /// its content is understood, that it is addressed to this merchant and version and
    /// that its `ts` is fresh (a stale redelivery of an answered event gets its answer),
    /// and claims its idempotency key.
    pub async fn handle(
        &self,
        body: &[u8],
    ) -> Result<Incoming<CrossBorderNotification>, NotificationError> {
        let result = self.verify_and_claim(body).await;
        match &result {
            Ok(incoming) => {
                crate::metrics::notification("crossborder", matches!(incoming, Incoming::Repeat(_)))
            }
            Err(e) => super::count_failed("crossborder", e),
        }
        result
    }

    async fn verify_and_claim(
        &self,
        body: &[u8],
    ) -> Result<Incoming<CrossBorderNotification>, NotificationError> {
        let envelope: NotificationEnvelope =
            serde_json::from_slice(body).map_err(|e| NotificationError::malformed(&e))?;
        let opened = self
            .merchant
            .open_notification(&envelope)
            .map_err(NotificationError::Verification)?;
        // Opened means understood: under a forged encKey the content is garbage.
        let key = crossborder_key(&opened.req_type, opened.biz.as_str())?;
        for (field, expected, found) in [
            ("merId", self.merchant.mer_id(), envelope.mer_id.as_str()),
            ("ver", VER, envelope.ver.as_str()),
        ] {
            if expected != found {
                return Err(NotificationError::NotForUs {
                    field,
                    expected: expected.to_owned(),
                    found: found.to_owned(),
                });
            }
        }
        let at = parse_ts(&opened.ts).map_err(NotificationError::Verification)?;
        let now = self.clock.unix_seconds();
        let max = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        let notification = CrossBorderNotification {
            opened,
            key: key.clone(),
        };
        if (now - at).abs() > max {
            return match self.replay.answer_of(&key, now).await? {
                Some(recorded) => {
                    tracing::info!(
                        key,
                        "stale redelivery of an answered event: the same answer again"
                    );
                    Ok(Incoming::Repeat(self.reseal(&notification, &recorded)?))
                }
                None => Err(NotificationError::Stale { timestamp: at, now }),
            };
        }
        tracing::info!(req_type = %notification.opened.req_type, ts = %notification.opened.ts, "cross-border notification verified");
        match self
            .replay
            .claim(
                &key,
                now,
                self.processing_secs,
                now.saturating_add(self.retention_secs),
            )
            .await?
        {
            Delivery::First => Ok(Incoming::New(notification)),
            Delivery::Answered(recorded) => {
                tracing::info!(
                    key,
                    "notification delivered again: the same answer is sent again"
                );
                Ok(Incoming::Repeat(self.reseal(&notification, &recorded)?))
            }
            Delivery::InProgress { .. } => Err(NotificationError::InProgress { key }),
        }
    }

    /// Seals the recorded answer again for this delivery.
    fn reseal(
        &self,
        notification: &CrossBorderNotification,
        recorded: &[u8],
    ) -> Result<Vec<u8>, NotificationError> {
        let answer: CrossBorderAnswer =
            serde_json::from_slice(recorded).map_err(|e| NotificationError::malformed(&e))?;
        self.seal(
            notification,
            &answer.ret_code,
            &answer.ret_msg,
            &answer.json,
        )
    }

    fn seal(
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

    /// Seals the answer (`answer_json` under the notification's key, MAC by the merchant
    /// key) and records it, so that a redelivery of the event gets the same answer (sealed
    /// for that delivery).
    pub async fn answer(
        &self,
        notification: &CrossBorderNotification,
        ret_code: &str,
        ret_msg: &str,
        answer_json: &str,
    ) -> Result<Vec<u8>, NotificationError> {
        let bytes = self.seal(notification, ret_code, ret_msg, answer_json)?;
        let recorded = serde_json::to_vec(&CrossBorderAnswer {
            ret_code: ret_code.to_owned(),
            ret_msg: ret_msg.to_owned(),
            json: answer_json.to_owned(),
        })
        .map_err(|e| NotificationError::malformed(&e))?;
        self.replay
            .answered(&notification.key, &recorded, self.clock.unix_seconds())
            .await?;
        Ok(bytes)
    }

    /// Gives the notification up after its processing failed: the platform's redelivery is
    /// processed again.
    pub async fn abandon(
        &self,
        notification: &CrossBorderNotification,
    ) -> Result<(), NotificationError> {
        self.replay.abandon(&notification.key).await?;
        Ok(())
    }

    /// The whole exchange around the merchant's own code: handles `body`, runs `process`
    /// on a new notification and seals and remembers its answer; answers a redelivery with
    /// the bytes answered before. When `process` fails the notification is abandoned and
    /// the error is [`NotificationError::Processing`] (retryable), so that the platform's
    /// redelivery is processed again.
    pub async fn process<F, Fut, E>(
        &self,
        body: &[u8],
        process: F,
    ) -> Result<Vec<u8>, NotificationError>
    where
        F: FnOnce(CrossBorderNotification) -> Fut,
        Fut: Future<Output = Result<CrossBorderAnswer, E>>,
        E: std::fmt::Display,
    {
        let notification = match self.handle(body).await? {
            Incoming::Repeat(bytes) => return Ok(bytes),
            Incoming::New(notification) => notification,
        };
        match process(notification.clone()).await {
            Ok(answer) => {
                self.answer(
                    &notification,
                    &answer.ret_code,
                    &answer.ret_msg,
                    &answer.json,
                )
                .await
            }
            Err(e) => {
                self.abandon(&notification).await?;
                Err(NotificationError::Processing(e.to_string()))
            }
        }
    }
}
