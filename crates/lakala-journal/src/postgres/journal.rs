//! [`PaymentJournal`] for [`PostgresJournal`].

use super::{row, sql, PostgresJournal};
use crate::error::JournalError;
use crate::event::{Event, NewEvent};
use crate::journal::{check_append, PaymentJournal};
use crate::lease::{Claim, Lease};
use crate::list::ListFilter;
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::status::PaymentStatus;
use crate::update::StateUpdate;
use crate::validation;

fn words(statuses: &[PaymentStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

impl PostgresJournal {
    async fn load(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::PAYMENT.as_str()).await?;
        let found = {
            let result = c
                .client()?
                .query_opt(&statement, &[&key.merchant_no, &key.out_trade_no])
                .await;
            c.check(result)
        }?;
        found.map(|r| row::record(&r, 0)).transpose()
    }

    /// `LeaseLost` if the payment exists (the fence failed), `NotFound` if not.
    async fn lease_lost_or_missing(&self, key: &PaymentKey) -> JournalError {
        let result = async {
            let mut c = self.pool.get().await?;
            let statement = c.statement(sql::EXISTS).await?;
            {
                let result = c
                    .client()?
                    .query_opt(&statement, &[&key.merchant_no, &key.out_trade_no])
                    .await;
                c.check(result)
            }
        }
        .await;
        match result {
            Ok(Some(_)) => JournalError::LeaseLost,
            Ok(None) => JournalError::NotFound { what: "payment" },
            Err(e) => e,
        }
    }
}

#[async_trait::async_trait]
impl PaymentJournal for PostgresJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        intent.validate()?;
        let payload = validation::payload(&intent.event_payload())?;
        // A concurrent prune could remove the existing row between the two statements;
        // a second pass then inserts it.
        for _ in 0..2 {
            let inserted: i64 = {
                let mut c = self.pool.get().await?;
                let statement = c.statement(sql::RECORD_INTENT).await?;
                let row = {
                    let result = c
                        .client()?
                        .query_one(
                            &statement,
                            &[
                                &intent.key.merchant_no,
                                &intent.key.out_trade_no,
                                &intent.kind.as_str(),
                                &intent.term_no,
                                &intent.origin_out_trade_no,
                                &intent.amount_fen,
                                &intent.masked_auth_code,
                                &intent.fingerprint,
                                &intent.created_at,
                                &intent.instance,
                                &intent.next_check_at,
                                &payload,
                            ],
                        )
                        .await;
                    c.check(result)
                }?;
                row::value(&row, 0)?
            };
            if inserted == 1 {
                return Ok(Recorded::New(PaymentRecord::from_intent(intent)));
            }
            if let Some(existing) = self.load(&intent.key).await? {
                return Ok(Recorded::existing(existing, intent));
            }
        }
        Err(JournalError::Busy {
            reason: "the payment was deleted while being recorded".into(),
        })
    }

    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        let payload = check_append(key, event, update, fence)?;
        let attempted = update.status.map(PaymentStatus::as_str);
        let sources = words(
            &update
                .status
                .map(PaymentStatus::sources_of)
                .unwrap_or_default(),
        );
        let finals = words(&PaymentStatus::FINAL);
        let claimable = words(&PaymentStatus::CLAIMABLE);
        let fence_owner = fence.map(|l| l.owner.as_str());
        let fence_token = fence.map(|l| l.token);
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::APPEND.as_str()).await?;
        let found = {
            let result = c
                .client()?
                .query_opt(
                    &statement,
                    &[
                        &key.merchant_no,
                        &key.out_trade_no,
                        &fence_owner,
                        &fence_token,
                        &attempted,
                        &sources,
                        &event.at,
                        &event.instance,
                        &event.kind,
                        &payload,
                        &finals,
                        &update.trade_no,
                        &update.last_trade_state,
                        &update.outcome,
                        &update.reason,
                        &claimable,
                        &update.next_check_at,
                        &update.count_attempt,
                    ],
                )
                .await;
            c.check(result)
        }?;
        let Some(found) = found else {
            return Err(JournalError::NotFound { what: "payment" });
        };
        let fence_ok: bool = row::value(&found, 1)?;
        if !fence_ok {
            return Err(JournalError::LeaseLost);
        }
        let status_ok: bool = row::value(&found, 2)?;
        if !status_ok {
            let before: String = row::value(&found, 0)?;
            let before: PaymentStatus = before.parse()?;
            let attempted = update.status.unwrap_or(before);
            before.check_transition(attempted)?;
            return Err(JournalError::corrupt(
                "the store and this build disagree on a status change",
            ));
        }
        row::record(&found, 3)
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        key.validate()?;
        self.load(key).await
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        key.validate()?;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::EVENTS).await?;
        let rows = {
            let result = c
                .client()?
                .query(&statement, &[&key.merchant_no, &key.out_trade_no])
                .await;
            c.check(result)
        }?;
        rows.iter().map(row::event).collect()
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        filter.validate()?;
        let statuses = words(&filter.statuses);
        let after = filter.after.as_ref();
        let after_merchant = after.map(|k| k.merchant_no.as_str());
        let after_out = after.map(|k| k.out_trade_no.as_str());
        let limit = validation::batch(filter.limit) as i64;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::LIST.as_str()).await?;
        let rows = {
            let result = c
                .client()?
                .query(
                    &statement,
                    &[
                        &statuses,
                        &filter.merchant_no,
                        &after_merchant,
                        &after_out,
                        &limit,
                    ],
                )
                .await;
            c.check(result)
        }?;
        rows.iter().map(|r| row::record(r, 0)).collect()
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claim>, JournalError> {
        validation::instance("lease owner", owner)?;
        validation::positive_secs("lease_secs", lease_secs)?;
        let limit = validation::batch(limit) as i64;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let until = now.saturating_add(lease_secs);
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::CLAIM_DUE.as_str()).await?;
        let rows = {
            let result = c
                .client()?
                .query(&statement, &[&owner, &now, &until, &limit])
                .await;
            c.check(result)
        }?;
        let mut claims = rows
            .iter()
            .map(|r| {
                let payment = row::record(r, 0)?;
                Ok(Claim {
                    lease: Lease {
                        key: payment.key.clone(),
                        owner: owner.to_owned(),
                        token: payment.lease_token,
                        until,
                    },
                    payment,
                })
            })
            .collect::<Result<Vec<_>, JournalError>>()?;
        claims.sort_by(|a, b| {
            (a.payment.next_check_at, &a.payment.key)
                .cmp(&(b.payment.next_check_at, &b.payment.key))
        });
        Ok(claims)
    }

    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        lease.validate()?;
        let changed = {
            let mut c = self.pool.get().await?;
            let statement = c.statement(sql::RENEW).await?;
            {
                let result = c
                    .client()?
                    .execute(
                        &statement,
                        &[
                            &lease.key.merchant_no,
                            &lease.key.out_trade_no,
                            &lease.owner,
                            &lease.token,
                            &until,
                        ],
                    )
                    .await;
                c.check(result)
            }?
        };
        if changed == 1 {
            Ok(Lease {
                until,
                ..lease.clone()
            })
        } else {
            Err(self.lease_lost_or_missing(&lease.key).await)
        }
    }

    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError> {
        lease.validate()?;
        let changed = {
            let mut c = self.pool.get().await?;
            let statement = c.statement(sql::RELEASE).await?;
            {
                let result = c
                    .client()?
                    .execute(
                        &statement,
                        &[
                            &lease.key.merchant_no,
                            &lease.key.out_trade_no,
                            &lease.owner,
                            &lease.token,
                            &next_check_at,
                        ],
                    )
                    .await;
                c.check(result)
            }?
        };
        if changed == 1 {
            Ok(())
        } else {
            Err(self.lease_lost_or_missing(&lease.key).await)
        }
    }

    async fn prune(&self, final_before: i64) -> Result<u64, JournalError> {
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::PRUNE).await?;
        {
            let result = c.client()?.execute(&statement, &[&final_before]).await;
            c.check(result)
        }
    }
}
