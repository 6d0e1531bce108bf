//! [`NotificationLedger`] for [`MemoryJournal`].

use super::MemoryJournal;
use crate::error::JournalError;
use crate::ledger::{self, Decision, Delivery, LedgerEntry, NotificationLedger};
use crate::validation;

#[async_trait::async_trait]
impl NotificationLedger for MemoryJournal {
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, JournalError> {
        ledger::validate_claim(key, processing_secs)?;
        let mut state = self.lock();
        state.notifications.retain(|_, e| e.expires_at >= now);
        match ledger::decide(state.notifications.get(key), now) {
            Decision::Known(delivery) => Ok(delivery),
            Decision::Take => {
                state.notifications.insert(
                    key.to_owned(),
                    LedgerEntry {
                        answer: None,
                        processing_until: now.saturating_add(processing_secs),
                        expires_at,
                    },
                );
                Ok(Delivery::First)
            }
        }
    }

    async fn answered(&self, key: &str, answer: &[u8], _now: i64) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        validation::answer(answer)?;
        let mut state = self.lock();
        let entry = state
            .notifications
            .get_mut(key)
            .ok_or(JournalError::NotFound {
                what: "notification",
            })?;
        entry.answer = Some(answer.to_vec());
        Ok(())
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, JournalError> {
        validation::notification_key(key)?;
        let state = self.lock();
        Ok(ledger::answer_at(
            state.notifications.get(key).cloned(),
            now,
        ))
    }

    async fn abandon(&self, key: &str) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        let mut state = self.lock();
        if state
            .notifications
            .get(key)
            .is_some_and(|e| e.answer.is_none())
        {
            state.notifications.remove(key);
        }
        Ok(())
    }
}
