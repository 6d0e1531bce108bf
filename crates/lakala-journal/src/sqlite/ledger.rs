//! [`NotificationLedger`] for [`SqliteJournal`].

use super::error::SqliteResult;
use super::SqliteJournal;
use crate::error::JournalError;
use crate::ledger::{self, Decision, Delivery, LedgerEntry, NotificationLedger};
use crate::validation;
use rusqlite::{params, OptionalExtension};

/// How many expired entries one claim forgets, at most.
const EXPIRED_BATCH: i64 = 100;

#[async_trait::async_trait]
impl NotificationLedger for SqliteJournal {
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, JournalError> {
        ledger::validate_claim(key, processing_secs)?;
        let key = key.to_owned();
        self.worker
            .write(false, move |tx| {
                tx.prepare_cached(
                    "DELETE FROM lakala_notifications WHERE key IN \
                         (SELECT key FROM lakala_notifications WHERE expires_at < ?1 LIMIT ?2)",
                )
                .journal()?
                .execute(params![now, EXPIRED_BATCH])
                .journal()?;
                let entry = tx
                    .prepare_cached(
                        "SELECT answer, processing_until, expires_at \
                             FROM lakala_notifications WHERE key = ?1",
                    )
                    .journal()?
                    .query_row(params![key], |r| {
                        Ok(LedgerEntry {
                            answer: r.get(0)?,
                            processing_until: r.get(1)?,
                            expires_at: r.get(2)?,
                        })
                    })
                    .optional()
                    .journal()?;
                match ledger::decide(entry.as_ref(), now) {
                    Decision::Known(delivery) => Ok(delivery),
                    Decision::Take => {
                        tx.prepare_cached(
                            "INSERT OR REPLACE INTO lakala_notifications \
                                 (key, answer, processing_until, expires_at, first_seen_at) \
                                 VALUES (?1, NULL, ?2, ?3, ?4)",
                        )
                        .journal()?
                        .execute(params![
                            key,
                            now.saturating_add(processing_secs),
                            expires_at,
                            now
                        ])
                        .journal()?;
                        Ok(Delivery::First)
                    }
                }
            })
            .await
    }

    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        validation::answer(answer)?;
        let (key, answer) = (key.to_owned(), answer.to_vec());
        self.worker
            .write(false, move |connection| {
                let changed = connection
                    .prepare_cached(
                        "UPDATE lakala_notifications SET answer = ?2, answered_at = ?3 \
                         WHERE key = ?1",
                    )
                    .journal()?
                    .execute(params![key, answer, now])
                    .journal()?;
                if changed == 0 {
                    return Err(JournalError::NotFound {
                        what: "notification",
                    });
                }
                Ok(())
            })
            .await
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, JournalError> {
        validation::notification_key(key)?;
        let key = key.to_owned();
        self.worker
            .write(false, move |tx| {
                let entry = tx
                    .prepare_cached(
                        "SELECT answer, processing_until, expires_at \
                             FROM lakala_notifications WHERE key = ?1",
                    )
                    .journal()?
                    .query_row(params![key], |r| {
                        Ok(LedgerEntry {
                            answer: r.get(0)?,
                            processing_until: r.get(1)?,
                            expires_at: r.get(2)?,
                        })
                    })
                    .optional()
                    .journal()?;
                Ok(ledger::answer_at(entry, now))
            })
            .await
    }

    async fn abandon(&self, key: &str) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        let key = key.to_owned();
        self.worker
            .write(false, move |connection| {
                connection
                    .prepare_cached(
                        "DELETE FROM lakala_notifications WHERE key = ?1 AND answer IS NULL",
                    )
                    .journal()?
                    .execute(params![key])
                    .journal()?;
                Ok(())
            })
            .await
    }
}
