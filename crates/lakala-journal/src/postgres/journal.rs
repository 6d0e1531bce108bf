//! [`PaymentJournal`] for [`PostgresJournal`].

use super::error::PostgresResult;
use super::{digest, row, sql, PostgresJournal};
use crate::error::JournalError;
use crate::event::{kinds, Event, NewEvent};
use crate::history::History;
use crate::journal::{check_append, check_prune_keys, PaymentJournal};
use crate::lease;
use crate::lease::{Claim, Lease, LeaseClock};
use crate::list::ListFilter;
use crate::list_query::{self, ListShape};
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::status::PaymentStatus;
use crate::update::StateUpdate;
use crate::validation;
use tokio_postgres::types::ToSql;

fn words(statuses: &[PaymentStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

/// An event checked by `check_append`: the event, its serialized payload, its update.
type Fact<'a> = (&'a NewEvent, String, &'a StateUpdate);

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

    /// Appends `facts` in one transaction, applying each update with
    /// `StateUpdate::apply` (the one definition every store shares) to the row read
    /// `FOR UPDATE`, stopping after the first refused one (whose event is kept).
    ///
    /// Two round trips: `BEGIN` and the locking read pipelined, then one statement
    /// writing the state and the events, and `COMMIT`, pipelined. A failure in between closes the connection instead
    /// of returning it (pool.rs), so the server rolls back and nothing is written.
    async fn append_facts(
        &self,
        key: &PaymentKey,
        facts: &[Fact<'_>],
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        let mut c = self.pool.get().await?;
        let read = c.statement(sql::PAYMENT_FOR_APPEND.as_str()).await?;
        let write = c.statement(sql::WRITE_APPEND).await?;
        c.transaction_started();
        let (begun, found) = {
            let client: &tokio_postgres::Client = c.client()?;
            let params: [&(dyn ToSql + Sync); 2] = [&key.merchant_no, &key.out_trade_no];
            tokio::join!(
                client.batch_execute("BEGIN"),
                client.query_opt(&read, &params)
            )
        };
        c.check(begun)?;
        let found = c.check(found)?;
        let (current, stored) = match found {
            Some(row) => (
                row::record(&row, 0)?,
                row::value::<Vec<u8>>(&row, crate::schema::PAYMENT_COLUMN_COUNT)?,
            ),
            None => return Err(roll_back(c, JournalError::NotFound { what: "payment" }).await),
        };
        if let Some(lease) = fence {
            if !lease::holds(&current, lease) {
                return Err(roll_back(c, JournalError::LeaseLost).await);
            }
        }
        let mut history = match History::decode(&stored) {
            Ok(history) => history,
            Err(e) => return Err(roll_back(c, e).await),
        };
        let mut record = current;
        let mut refusal = None;
        for (event, payload, update) in facts {
            let applied = update.apply(&record, event.at);
            record = applied.record;
            history.push(event.at, &event.instance, &event.kind, payload);
            if applied.refusal.is_some() {
                refusal = applied.refusal;
                break;
            }
        }
        let encoded = if history.len() as i64 == record.event_count {
            history.encode()
        } else {
            Err(JournalError::corrupt(
                "a payment's event count disagrees with its history",
            ))
        };
        let encoded = match encoded {
            Ok(encoded) => encoded,
            Err(e) => return Err(roll_back(c, e).await),
        };
        let r = &record;
        let status = r.status.as_str();
        let (written, committed) = {
            let client: &tokio_postgres::Client = c.client()?;
            let params: [&(dyn ToSql + Sync); 15] = [
                &r.key.merchant_no,
                &r.key.out_trade_no,
                &status,
                &r.trade_no,
                &r.last_trade_state,
                &r.outcome,
                &r.reason,
                &r.attempts,
                &r.event_count,
                &r.updated_at,
                &r.next_check_at,
                &r.finished_at,
                &r.amount_fen,
                &r.conflict,
                &encoded,
            ];
            tokio::join!(
                client.execute(&write, &params),
                client.batch_execute("COMMIT")
            )
        };
        let written = c.check(written)?;
        c.check(committed)?;
        c.transaction_ended();
        if written != 1 {
            // Cannot happen under the row lock; said rather than assumed.
            return Err(JournalError::corrupt(
                "the payment row vanished under its lock",
            ));
        }
        match refusal {
            None => Ok(record),
            Some(e) => Err(e),
        }
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

/// Rolls the open transaction back and returns `error`; if the rollback fails, the
/// connection is closed instead (which rolls back too).
async fn roll_back(mut c: super::pool::Pooled<'_>, error: JournalError) -> JournalError {
    let result = match c.client() {
        Ok(client) => client.batch_execute("ROLLBACK").await,
        Err(e) => return e,
    };
    if c.check(result).is_ok() {
        c.transaction_ended();
    }
    error
}

#[async_trait::async_trait]
impl PaymentJournal for PostgresJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        intent.validate()?;
        let payload = validation::payload(&intent.event_payload())?;
        let mut history = History::new();
        history.push(intent.created_at, &intent.instance, kinds::INTENT, &payload);
        let history = history.encode()?;
        let fingerprint = digest::fingerprint_value(&intent.fingerprint);
        let auth_digest = digest::auth_digest_value(intent.auth_digest.as_deref());
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
                                &fingerprint,
                                &intent.created_at,
                                &intent.instance,
                                &intent.next_check_at,
                                &auth_digest,
                                &history,
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
        self.append_facts(key, &[(event, payload, update)], fence)
            .await
    }

    async fn append_all(
        &self,
        key: &PaymentKey,
        facts: &[(NewEvent, StateUpdate)],
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        if facts.is_empty() {
            return Err(JournalError::invalid("facts", "nothing to append"));
        }
        let mut checked = Vec::with_capacity(facts.len());
        for (event, update) in facts {
            let payload = check_append(key, event, update, fence)?;
            checked.push((event, payload, update));
        }
        self.append_facts(key, &checked, fence).await
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        key.validate()?;
        self.load(key).await
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        key.validate()?;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::HISTORY).await?;
        let found = {
            let result = c
                .client()?
                .query_opt(&statement, &[&key.merchant_no, &key.out_trade_no])
                .await;
            c.check(result)
        }?;
        match found {
            Some(found) => History::decode(&row::value::<Vec<u8>>(&found, 0)?)?.events(),
            None => Ok(Vec::new()),
        }
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        filter.validate()?;
        let params = ListParams::of(filter);
        let mut c = self.pool.get().await?;
        let statement = c.statement(params.sql).await?;
        // Every statement of the family takes the same ten parameters.
        let rows = {
            let result = c.client()?.query(&statement, &params.refs()).await;
            c.check(result)
        }?;
        rows.iter().map(|r| row::record(r, 0)).collect()
    }

    fn lease_clock(&self) -> LeaseClock {
        LeaseClock::Store
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
        // The lease's end in the caller's clock; the server keeps its own (sql.rs).
        let until = now.saturating_add(lease_secs);
        let secs = until - now;
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::CLAIM_DUE.as_str()).await?;
        let rows = {
            let result = c
                .client()?
                .query(&statement, &[&owner, &now, &secs, &limit])
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

    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        self.claim_one(key, owner, now, lease_secs).await
    }

    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        lease.validate()?;
        let changed = {
            let mut c = self.pool.get().await?;
            let statement = c.statement(sql::RENEW.as_str()).await?;
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
        let statement = c.statement(sql::PRUNE.as_str()).await?;
        {
            let result = c.client()?.execute(&statement, &[&final_before]).await;
            c.check(result)
        }
    }

    async fn prune_payments(
        &self,
        keys: &[PaymentKey],
        final_before: i64,
    ) -> Result<Vec<PaymentKey>, JournalError> {
        check_prune_keys(keys)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let merchants: Vec<&str> = keys.iter().map(|k| k.merchant_no.as_str()).collect();
        let numbers: Vec<&str> = keys.iter().map(|k| k.out_trade_no.as_str()).collect();
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::PRUNE_KEYS.as_str()).await?;
        let rows = {
            let result = c
                .client()?
                .query(&statement, &[&final_before, &merchants, &numbers])
                .await;
            c.check(result)
        }?;
        rows.iter()
            .map(|r| {
                Ok(PaymentKey::new(
                    r.try_get::<_, String>(0).journal()?,
                    r.try_get::<_, String>(1).journal()?,
                ))
            })
            .collect()
    }
}

/// The statement listing a filter and its ten parameters (see list_query.rs).
pub(crate) struct ListParams {
    pub(crate) sql: &'static str,
    statuses: Vec<&'static str>,
    merchant_no: Option<String>,
    after_merchant: Option<String>,
    after_out: Option<String>,
    limit: i64,
    conflicts_only: bool,
    origin: Option<String>,
    from: Option<i64>,
    before: Option<i64>,
    after_time: Option<i64>,
}

impl ListParams {
    pub(crate) fn of(filter: &ListFilter) -> Self {
        let after = filter.after.as_ref();
        let (from, before) = list_query::bounds(filter);
        Self {
            sql: sql::list(ListShape::of(filter)),
            statuses: words(&filter.statuses),
            merchant_no: filter.merchant_no.clone(),
            after_merchant: after.map(|c| c.key().merchant_no.clone()),
            after_out: after.map(|c| c.key().out_trade_no.clone()),
            limit: validation::batch(filter.limit) as i64,
            conflicts_only: filter.conflicts_only,
            origin: filter.origin_out_trade_no.clone(),
            from,
            before,
            after_time: after.and_then(|c| c.time()),
        }
    }

    /// The same ten parameters as SQL literals (for `EXECUTE` of the statement prepared
    /// with SQL's `PREPARE`: explain.rs).
    pub(crate) fn literals(&self) -> [String; 10] {
        fn text(value: &Option<String>) -> String {
            value.as_ref().map_or_else(
                || "NULL::text".to_owned(),
                // An escape string: the same whatever `standard_conforming_strings`.
                |v| format!("E'{}'::text", v.replace('\\', "\\\\").replace('\'', "''")),
            )
        }
        fn int(value: Option<i64>) -> String {
            // Quoted: `-9223372036854775808::int8` would cast before negating.
            value.map_or_else(|| "NULL::int8".to_owned(), |v| format!("'{v}'::int8"))
        }
        let statuses: Vec<String> = self.statuses.iter().map(|s| format!("'{s}'")).collect();
        [
            format!("ARRAY[{}]::text[]", statuses.join(", ")),
            text(&self.merchant_no),
            text(&self.after_merchant),
            text(&self.after_out),
            int(Some(self.limit)),
            self.conflicts_only.to_string(),
            text(&self.origin),
            int(self.from),
            int(self.before),
            int(self.after_time),
        ]
    }

    pub(crate) fn refs(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 10] {
        [
            &self.statuses,
            &self.merchant_no,
            &self.after_merchant,
            &self.after_out,
            &self.limit,
            &self.conflicts_only,
            &self.origin,
            &self.from,
            &self.before,
            &self.after_time,
        ]
    }
}
