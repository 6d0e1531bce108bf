//! Remembering which notifications were already received.

use std::collections::HashMap;
use std::sync::Mutex;

/// Remembers keys until they expire. Implement it over a shared store (Redis, a database
/// table with a unique key) when several processes receive notifications.
#[async_trait::async_trait]
pub trait ReplayGuard: Send + Sync + std::fmt::Debug {
    /// Records `key` until `expires_at` (Unix seconds) and returns `true` if it was not
    /// already recorded, `false` if it was (a replay). Must be atomic.
    async fn check_and_remember(&self, key: &str, expires_at: i64, now: i64) -> bool;
}

/// An in-process [`ReplayGuard`]. Expired keys are dropped as new ones arrive, so memory
/// stays proportional to the notifications of one freshness window.
#[derive(Debug, Default)]
pub struct InMemoryReplayGuard {
    seen: Mutex<HashMap<String, i64>>,
}

impl InMemoryReplayGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ReplayGuard for InMemoryReplayGuard {
    async fn check_and_remember(&self, key: &str, expires_at: i64, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, expiry| *expiry >= now);
        if seen.contains_key(key) {
            return false;
        }
        seen.insert(key.to_owned(), expires_at);
        true
    }
}
