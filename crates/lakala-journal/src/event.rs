//! Events: the append-only facts about a payment.

use crate::error::JournalError;
use crate::validation;

/// Event kinds the SDK writes. Any short lowercase word is accepted; these are the ones
/// with an agreed meaning.
pub mod kinds {
    /// The intent itself: always the first event (written by `record_intent`).
    pub const INTENT: &str = "intent";
    /// The request left this process (or was about to).
    pub const SENT: &str = "sent";
    /// The platform's answer to the request.
    pub const ANSWER: &str = "answer";
    /// A trade query's result.
    pub const QUERY: &str = "query";
    /// The outcome the SDK concluded.
    pub const OUTCOME: &str = "outcome";
    /// A revoke attempted for this payment.
    pub const REVOKE_ATTEMPT: &str = "revoke_attempt";
    /// A platform notification about this payment.
    pub const NOTIFICATION: &str = "notification";
    /// A remark (a person's or the resolver's).
    pub const NOTE: &str = "note";
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// When it happened (Unix seconds).
    pub at: i64,
    /// The instance that saw it.
    pub instance: String,
    /// A short lowercase word (`[a-z0-9_]{1,32}`), see [`kinds`].
    pub kind: String,
    /// What was seen. Never put personal data or a clear auth code here; at most 64 KiB
    /// serialized. Stored as JSON text, exactly as serialized (on the SQL stores, inside
    /// the payment's compressed history).
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event.
    pub fn new(
        at: i64,
        instance: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            at,
            instance: instance.into(),
            kind: kind.into(),
            payload,
        }
    }

    /// Checks the fields and serializes the payload.
    pub(crate) fn validate(&self) -> Result<String, JournalError> {
        validation::instance("instance", &self.instance)?;
        validation::word("event kind", &self.kind)?;
        validation::payload(&self.payload)
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its place in the payment's history: 1 for the intent, then 2, 3, ... with no gap.
    pub seq: i64,
    /// When it happened (Unix seconds).
    pub at: i64,
    /// The instance that saw it.
    pub instance: String,
    /// Its kind.
    pub kind: String,
    /// Its payload.
    pub payload: serde_json::Value,
}

impl Event {
    /// Rebuilds an event from stored columns.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn from_stored(
        seq: i64,
        at: i64,
        instance: String,
        kind: String,
        payload: &str,
    ) -> Result<Self, JournalError> {
        let payload = serde_json::from_str(payload)
            .map_err(|_| JournalError::corrupt("an event payload is not JSON"))?;
        Ok(Self {
            seq,
            at,
            instance,
            kind,
            payload,
        })
    }
}
