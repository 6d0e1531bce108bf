//! Remembering which notifications were received, and what was answered to them, so that
//! handling is idempotent: the platform's redelivery of a notification already answered
//! gets the same answer again, and a notification whose processing failed is processed
//! again when it comes back.

/// What a [`ReplayGuard`] knows of a notification it is asked to claim (the journal's
/// [`lakala_journal::Delivery`]).
pub use lakala_journal::Delivery;

/// The replay guard's store failed, or refused the key: nothing is known about the
/// notification. Answer the platform with a retryable failure (it delivers again); never
/// accept the notification silently.
pub use lakala_journal::JournalError as ReplayStoreError;

/// Remembers notifications by key until they expire, with the answer each got: the
/// journal's [`lakala_journal::NotificationLedger`], so that every journal store serves as
/// a replay guard.
///
/// The in-process [`InMemoryReplayGuard`] serves one process. When several processes
/// receive notifications, use a shared store (`lakala-journal`'s SQLite or PostgreSQL
/// journal), so that a redelivery to another instance is recognised.
///
/// Implementations must be atomic per key: two concurrent claims of one key never both get
/// [`Delivery::First`] while the first holder's processing window lasts.
pub use lakala_journal::NotificationLedger as ReplayGuard;

/// An in-process [`ReplayGuard`]: the memory journal's notification ledger
/// ([`lakala_journal::MemoryJournal`]) under the name the notification handlers' docs use,
/// so that memory, SQLite and PostgreSQL replay memories follow one set of rules
/// ([`lakala_journal::NotificationLedger`]): `answered` on a key that is not claimed is
/// [`ReplayStoreError::NotFound`], `abandon` never forgets an answer, expired keys are
/// dropped as new ones arrive (memory stays proportional to the notifications of one
/// freshness window).
///
/// A service that journals its payments in memory already has one: pass its
/// [`lakala_journal::Journal::notifications`].
#[derive(Debug, Default)]
pub struct InMemoryReplayGuard {
    ledger: lakala_journal::MemoryJournal,
}

impl InMemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ReplayGuard for InMemoryReplayGuard {
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, ReplayStoreError> {
        self.ledger
            .claim(key, now, processing_secs, expires_at)
            .await
    }

    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), ReplayStoreError> {
        self.ledger.answered(key, answer, now).await
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, ReplayStoreError> {
        self.ledger.answer_of(key, now).await
    }

    async fn abandon(&self, key: &str) -> Result<(), ReplayStoreError> {
        self.ledger.abandon(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_in_progress_answered_and_abandoned() {
        let g = InMemoryReplayGuard::new();
        assert_eq!(g.claim("k", 100, 30, 700).await.unwrap(), Delivery::First);
        assert_eq!(
            g.claim("k", 101, 30, 700).await.unwrap(),
            Delivery::InProgress { until: 130 }
        );
        // The holder gave up: the next delivery is processed again.
        g.abandon("k").await.unwrap();
        assert_eq!(g.claim("k", 102, 30, 700).await.unwrap(), Delivery::First);
        g.answered("k", b"ok", 103).await.unwrap();
        assert_eq!(
            g.claim("k", 104, 30, 700).await.unwrap(),
            Delivery::Answered(b"ok".to_vec())
        );
        // Abandon never forgets an answer.
        g.abandon("k").await.unwrap();
        assert_eq!(
            g.claim("k", 105, 30, 700).await.unwrap(),
            Delivery::Answered(b"ok".to_vec())
        );
    }

    #[tokio::test]
    async fn a_holder_that_died_is_replaced_after_its_window() {
        let g = InMemoryReplayGuard::new();
        assert_eq!(g.claim("k", 100, 30, 700).await.unwrap(), Delivery::First);
        assert_eq!(g.claim("k", 131, 30, 700).await.unwrap(), Delivery::First);
    }

    #[tokio::test]
    async fn expired_keys_are_forgotten() {
        let g = InMemoryReplayGuard::new();
        g.claim("k", 100, 30, 200).await.unwrap();
        g.answered("k", b"ok", 101).await.unwrap();
        assert_eq!(g.claim("k", 201, 30, 900).await.unwrap(), Delivery::First);
    }

    #[tokio::test]
    async fn answering_a_key_never_claimed_fails_as_in_every_journal() {
        let g = InMemoryReplayGuard::new();
        let e = g.answered("never-claimed", b"ok", 100).await.unwrap_err();
        assert!(matches!(e, ReplayStoreError::NotFound { .. }), "{e}");
        // Nothing was inserted: the key is still new.
        assert_eq!(
            g.claim("never-claimed", 101, 30, 700).await.unwrap(),
            Delivery::First
        );
    }
}
