//! [`NotificationLedger`] for [`PostgresJournal`].

use super::{row, sql, PostgresJournal};
use crate::error::JournalError;
use crate::ledger::{self, Decision, Delivery, LedgerEntry, NotificationLedger};
use crate::validation;
use tokio_postgres::types::ToSql;

#[async_trait::async_trait]
impl NotificationLedger for PostgresJournal {
    async fn claim(
        &self,
        key: &str,
        now: i64,
        processing_secs: i64,
        expires_at: i64,
    ) -> Result<Delivery, JournalError> {
        ledger::validate_claim(key, processing_secs)?;
        let until = now.saturating_add(processing_secs);
        let mut c = self.pool.get().await?;
        let take = c.statement(sql::LEDGER_CLAIM).await?;
        let expire = c.statement(sql::LEDGER_EXPIRE).await?;
        let entry = c.statement(sql::LEDGER_ENTRY).await?;
        // The entry can change between the claim and the read (answered, abandoned, or
        // its window passing); a few passes settle it.
        for _ in 0..3 {
            // Pipelined: the claim and the forgetting of expired entries share one round
            // trip.
            let take_params: [&(dyn ToSql + Sync); 4] = [&key, &now, &until, &expires_at];
            let expire_params: [&(dyn ToSql + Sync); 1] = [&now];
            let (taken, expired) = {
                let client: &tokio_postgres::Client = c.client()?;
                tokio::join!(
                    client.query_opt(&take, &take_params),
                    client.execute(&expire, &expire_params),
                )
            };
            c.check(expired)?;
            if c.check(taken)?.is_some() {
                return Ok(Delivery::First);
            }
            let found = {
                let result = c.client()?.query_opt(&entry, &[&key]).await;
                c.check(result)?
            };
            let found = found
                .map(|r| {
                    Ok::<_, JournalError>(LedgerEntry {
                        answer: row::value(&r, 0)?,
                        processing_until: row::value(&r, 1)?,
                        expires_at: row::value(&r, 2)?,
                    })
                })
                .transpose()?;
            if let Decision::Known(delivery) = ledger::decide(found.as_ref(), now) {
                return Ok(delivery);
            }
        }
        Err(JournalError::Busy {
            reason: "the notification entry kept changing while being claimed".into(),
        })
    }

    async fn answered(&self, key: &str, answer: &[u8], now: i64) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        validation::answer(answer)?;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::LEDGER_ANSWERED).await?;
        let changed = {
            let result = c
                .client()?
                .execute(&statement, &[&key, &answer, &now])
                .await;
            c.check(result)
        }?;
        if changed == 0 {
            return Err(JournalError::NotFound {
                what: "notification",
            });
        }
        Ok(())
    }

    async fn answer_of(&self, key: &str, now: i64) -> Result<Option<Vec<u8>>, JournalError> {
        validation::notification_key(key)?;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::LEDGER_ENTRY).await?;
        let found = {
            let result = c.client()?.query_opt(&statement, &[&key]).await;
            c.check(result)?
        };
        let entry = found
            .map(|r| {
                Ok::<_, JournalError>(LedgerEntry {
                    answer: row::value(&r, 0)?,
                    processing_until: row::value(&r, 1)?,
                    expires_at: row::value(&r, 2)?,
                })
            })
            .transpose()?;
        Ok(ledger::answer_at(entry, now))
    }

    async fn abandon(&self, key: &str) -> Result<(), JournalError> {
        validation::notification_key(key)?;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::LEDGER_ABANDON).await?;
        {
            let result = c.client()?.execute(&statement, &[&key]).await;
            c.check(result)
        }?;
        Ok(())
    }
}
