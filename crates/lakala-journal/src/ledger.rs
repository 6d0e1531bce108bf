//! Notification replay memory with idempotent handling, shared by every instance that
//! receives the platform's notifications.

use crate::error::JournalError;

/// What to do with a delivered notification ([`NotificationLedger::claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Seen for the first time (or its previous worker gave up or crashed): process it,
    /// then call [`NotificationLedger::answered`] (or [`NotificationLedger::abandon`]).
    /// Nobody else will be given it until the processing window ends.
    First,
    /// Already processed: send these exact bytes again as the answer.
    Answered(Vec<u8>),
    /// Another worker is processing it until `until` (Unix seconds): answer the platform
    /// with a retryable failure so it delivers again later.
    InProgress {
        /// When the other worker's processing window ends.
        until: i64,
    },
}

/// Replay memory of both notification families (cross-border and open platform), with
/// the answer sent, so a redelivery to any instance gets the same answer and is not
/// processed twice.
///
/// Keys are the caller's, at most 256 bytes without control characters. The notification
/// handlers key an entry on the business event a notification announces (for example
/// `open:<merchant_no>:<out_trade_no>:<trade_state>`), not on its signature, so that a
/// redelivery signed afresh is recognised. Entries past their `expires_at` are forgotten (dropped
/// lazily as new notifications arrive).
///
/// Known limit: a worker that outlives its processing window may finish after another
/// worker was given the same notification as `First`; both then process it. Choose a
/// window longer than processing ever takes.
#[async_trait::async_trait]
pub trait NotificationLedger: Send + Sync + std::fmt::Debug {
    /// Takes `key` for processing for `processing_secs` from `now`, remembering it until
    /// `expires_at`, unless it is answered or being processed.
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, JournalError>;

    /// Records the exact answer body sent for `key` (at most 64 KiB), so a redelivery
    /// gets the same bytes. [`JournalError::NotFound`] if the key is not claimed (or was
    /// already forgotten).
    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), JournalError>;

    /// The answer recorded for `key` at `now`, without claiming anything: `None` when the
    /// key is unknown, expired, or not answered yet. For a redelivery too old to be
    /// processed: if its event was answered, it gets the same answer again.
    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, JournalError>;

    /// Processing failed: forgets the claim so the next delivery is processed again. An
    /// answered key stays answered; an unknown key is not an error.
    async fn abandon(&self, key: &str) -> Result<(), JournalError>;
}

/// One remembered notification, as the stores that decide in Rust keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerEntry {
    /// `None` while processing.
    pub answer: Option<Vec<u8>>,
    /// End of the processing window (meaningful while processing).
    pub processing_until: i64,
    /// When the entry is forgotten.
    pub expires_at: i64,
}

/// What a claim finds.
pub(crate) enum Decision {
    /// Nobody has it (or it expired, or its worker's window passed): take it.
    Take,
    /// Answer again / report in progress.
    Known(Delivery),
}

/// The claim rule, shared by the stores that decide in Rust.
pub(crate) fn decide(entry: Option<&LedgerEntry>, now: i64) -> Decision {
    match entry {
        None => Decision::Take,
        Some(e) if e.expires_at < now => Decision::Take,
        Some(LedgerEntry {
            answer: Some(answer),
            ..
        }) => Decision::Known(Delivery::Answered(answer.clone())),
        Some(e) if e.processing_until > now => Decision::Known(Delivery::InProgress {
            until: e.processing_until,
        }),
        Some(_) => Decision::Take,
    }
}

/// The answer an entry holds at `now`, if it is answered and not expired.
pub(crate) fn answer_at(entry: Option<LedgerEntry>, now: i64) -> Option<Vec<u8>> {
    entry.filter(|e| e.expires_at >= now).and_then(|e| e.answer)
}

/// Checks a claim's arguments.
pub(crate) fn validate_claim(key: &str, processing_secs: i64) -> Result<(), JournalError> {
    crate::validation::notification_key(key)?;
    crate::validation::positive_secs("processing_secs", processing_secs)
}
