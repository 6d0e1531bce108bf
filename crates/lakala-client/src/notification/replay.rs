//! Remembering which notifications were received, and what was answered to them, so that
//! handling is idempotent: the platform's redelivery of a notification already answered
//! gets the same answer again, and a notification whose processing failed is processed
//! again when it comes back.

use std::collections::HashMap;
use std::sync::Mutex;

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

#[derive(Debug, Clone)]
enum Entry {
    Processing { until: i64, expires_at: i64 },
    Answered { answer: Vec<u8>, expires_at: i64 },
}

impl Entry {
    fn expires_at(&self) -> i64 {
        match self {
            Entry::Processing { expires_at, .. } | Entry::Answered { expires_at, .. } => {
                *expires_at
            }
        }
    }
}

/// An in-process [`ReplayGuard`]. Expired keys are dropped as new ones arrive, so memory
/// stays proportional to the notifications of one freshness window.
#[derive(Debug, Default)]
pub struct InMemoryReplayGuard {
    seen: Mutex<HashMap<String, Entry>>,
}

impl InMemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A poisoned lock only means another thread panicked mid-update; every update is a
        // single insert or remove, so the map is consistent.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
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
        let mut seen = self.lock();
        seen.retain(|_, entry| entry.expires_at() >= now);
        match seen.get(key) {
            Some(Entry::Answered { answer, .. }) => return Ok(Delivery::Answered(answer.clone())),
            Some(Entry::Processing { until, .. }) if *until > now => {
                return Ok(Delivery::InProgress { until: *until })
            }
            _ => {}
        }
        seen.insert(
            key.to_owned(),
            Entry::Processing {
                until: now.saturating_add(processing_secs),
                expires_at,
            },
        );
        Ok(Delivery::First)
    }

    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), ReplayStoreError> {
        let mut seen = self.lock();
        let expires_at = seen.get(key).map_or(now, Entry::expires_at);
        seen.insert(
            key.to_owned(),
            Entry::Answered {
                answer: answer.to_vec(),
                expires_at,
            },
        );
        Ok(())
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, ReplayStoreError> {
        Ok(match self.lock().get(key) {
            Some(Entry::Answered { answer, expires_at }) if *expires_at >= now => {
                Some(answer.clone())
            }
            _ => None,
        })
    }

    async fn abandon(&self, key: &str) -> Result<(), ReplayStoreError> {
        let mut seen = self.lock();
        if matches!(seen.get(key), Some(Entry::Processing { .. })) {
            seen.remove(key);
        }
        Ok(())
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
}
