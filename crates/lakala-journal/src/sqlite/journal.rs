//! [`PaymentJournal`] for [`SqliteJournal`]: every write runs in a `BEGIN IMMEDIATE`
//! transaction (shared with the writes queued with it, each in its own savepoint: see
//! group_commit.rs), which also makes leases exclusive across connections and processes.

use super::error::SqliteResult;
use super::row::{self, COLUMNS};
use super::{SqliteJournal, Synchronous};
use crate::error::JournalError;
use crate::event::{kinds, Event, NewEvent};
use crate::history::History;
use crate::journal::{check_append, check_prune_keys, PaymentJournal};
use crate::lease::{self, Claim, Lease};
use crate::list::ListFilter;
use crate::list_query::{self, ListShape};
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::schema;
use crate::update::StateUpdate;
use crate::validation;
use rusqlite::params;
use rusqlite::types::Value;

#[async_trait::async_trait]
impl PaymentJournal for SqliteJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        intent.validate()?;
        let payload = crate::validation::payload(&intent.event_payload())?;
        let intent = intent.clone();
        let sync_intent = self.synchronous == Synchronous::Intents;
        self.worker
            .write(sync_intent, move |tx| {
                let record = PaymentRecord::from_intent(&intent);
                let mut history = History::new();
                history.push(intent.created_at, &intent.instance, kinds::INTENT, &payload);
                if row::insert(tx, &record, &history.encode()?)? {
                    return Ok(Recorded::New(record));
                }
                let existing = row::load(tx, &intent.key)?
                    .ok_or_else(|| JournalError::corrupt("a payment both exists and does not"))?;
                Ok(Recorded::existing(existing, &intent))
            })
            .await
    }

    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        let payload = check_append(key, event, update, fence)?;
        let (key, event, update, fence) =
            (key.clone(), event.clone(), update.clone(), fence.cloned());
        self.worker
            .write_keeping(move |tx| {
                append_in(tx, &key, &[(event, payload, update)], fence.as_ref())
            })
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
            checked.push((event.clone(), payload, update.clone()));
        }
        let (key, fence) = (key.clone(), fence.cloned());
        self.worker
            .write_keeping(move |tx| append_in(tx, &key, &checked, fence.as_ref()))
            .await
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        key.validate()?;
        let key = key.clone();
        self.worker
            .run(move |connection| row::load(connection, &key))
            .await
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        key.validate()?;
        let key = key.clone();
        self.worker
            .run(move |connection| row::events(connection, &key))
            .await
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        filter.validate()?;
        let (sql, values) = list_statement(filter);
        self.worker
            .run(move |connection| row::records_bound(connection, &sql, &values))
            .await
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
        let limit = validation::batch(limit);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let owner = owner.to_owned();
        let until = now.saturating_add(lease_secs);
        self.worker
            .write(false, move |tx| {
                let sql = format!(
                    "SELECT {COLUMNS} FROM lakala_payments \
                         WHERE status IN ('recorded', 'pending') AND next_check_at <= ?1 \
                         AND (lease_until IS NULL OR lease_until <= ?1) \
                         ORDER BY next_check_at, merchant_no, out_trade_no LIMIT ?2"
                );
                let due = row::records(tx, &sql, params![now, limit as i64])?;
                let mut claims = Vec::with_capacity(due.len());
                for mut record in due {
                    let lease = lease::take(&mut record, &owner, until);
                    row::store(tx, &record)?;
                    claims.push(Claim {
                        lease,
                        payment: record,
                    });
                }
                Ok(claims)
            })
            .await
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
        let lease = lease.clone();
        self.worker
            .write(false, move |tx| {
                let mut record =
                    row::load(tx, &lease.key)?.ok_or(JournalError::NotFound { what: "payment" })?;
                if !lease::holds(&record, &lease) {
                    return Err(JournalError::LeaseLost);
                }
                record.lease_until = Some(until);
                row::store(tx, &record)?;
                Ok(Lease { until, ..lease })
            })
            .await
    }

    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError> {
        lease.validate()?;
        let lease = lease.clone();
        self.worker
            .write(false, move |tx| {
                let mut record =
                    row::load(tx, &lease.key)?.ok_or(JournalError::NotFound { what: "payment" })?;
                if !lease::holds(&record, &lease) {
                    return Err(JournalError::LeaseLost);
                }
                lease::give_up(&mut record, next_check_at);
                row::store(tx, &record)
            })
            .await
    }

    async fn prune(&self, final_before: i64) -> Result<u64, JournalError> {
        self.worker
            .write(false, move |tx| {
                // The events go with their payment's row (its history).
                let which = schema::deletable("?1");
                let deleted = tx
                    .execute(
                        &format!("DELETE FROM lakala_payments WHERE {which}"),
                        params![final_before],
                    )
                    .journal()?;
                Ok(deleted as u64)
            })
            .await
    }

    async fn prune_payments(
        &self,
        keys: &[PaymentKey],
        final_before: i64,
    ) -> Result<Vec<PaymentKey>, JournalError> {
        check_prune_keys(keys)?;
        let keys = keys.to_vec();
        self.worker
            .write(false, move |tx| {
                let which = schema::deletable("?1");
                let mut check = tx
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM lakala_payments \
                         WHERE merchant_no = ?2 AND out_trade_no = ?3 AND {which}"
                    ))
                    .journal()?;
                let mut payment = tx
                    .prepare_cached(
                        "DELETE FROM lakala_payments WHERE merchant_no = ?1 AND out_trade_no = ?2",
                    )
                    .journal()?;
                let mut deleted = Vec::new();
                for key in keys {
                    let n: i64 = check
                        .query_row(
                            params![final_before, key.merchant_no, key.out_trade_no],
                            |r| r.get(0),
                        )
                        .journal()?;
                    if n == 1 {
                        payment
                            .execute(params![key.merchant_no, key.out_trade_no])
                            .journal()?;
                        deleted.push(key);
                    }
                }
                Ok(deleted)
            })
            .await
    }
}

/// Appends `facts` (each event, its serialized payload, its update) inside a write
/// transaction, stopping after the first refused update (whose event is kept). The outer
/// error undoes it all; the inner one (a refused status change) keeps the events.
fn append_in(
    tx: &rusqlite::Connection,
    key: &PaymentKey,
    facts: &[(NewEvent, String, StateUpdate)],
    fence: Option<&Lease>,
) -> Result<Result<PaymentRecord, JournalError>, JournalError> {
    let mut record = row::load(tx, key)?.ok_or(JournalError::NotFound { what: "payment" })?;
    if let Some(lease) = fence {
        if !lease::holds(&record, lease) {
            return Err(JournalError::LeaseLost);
        }
    }
    let mut history = row::history(tx, key)?.ok_or(JournalError::NotFound { what: "payment" })?;
    let mut refusal = None;
    for (event, payload, update) in facts {
        let applied = update.apply(&record, event.at);
        history.push(event.at, &event.instance, &event.kind, payload);
        record = applied.record;
        if applied.refusal.is_some() {
            refusal = applied.refusal;
            break;
        }
    }
    if history.len() as i64 != record.event_count {
        return Err(JournalError::corrupt(
            "a payment's event count disagrees with its history",
        ));
    }
    row::store_appended(tx, &record, &history.encode()?)?;
    Ok(match refusal {
        None => Ok(record),
        Some(e) => Err(e),
    })
}

/// The statement that lists `filter` and its parameters (`?1` to `?10`, see list_query.rs).
pub(crate) fn list_statement(filter: &ListFilter) -> (String, [Value; 10]) {
    let mut shape = ListShape::of(filter);
    let time_order = shape.order.time_field().is_some();
    // A time order always has a lower bound (`i64::MIN` when none): without a range on
    // the time, SQLite would rather scan the table and sort it all than walk the time
    // index and sort each second's payments. (Its plans do not depend on the values.)
    shape.from |= time_order;
    // A payment's companions: by the origin index, never by walking the merchant's
    // payments in key order (which SQLite would otherwise prefer, to avoid a sort).
    let index = if shape.by_origin && shape.by_merchant {
        " INDEXED BY lakala_payments_origin"
    } else {
        ""
    };
    let mut sql = format!("SELECT {COLUMNS} FROM lakala_payments{index} WHERE 1 = 1");
    if let Some(statuses) = shape.statuses.sql(false) {
        sql += &format!(" AND {statuses}");
    }
    if shape.conflicts_only {
        sql += " AND conflict IS NOT NULL";
    }
    // Only the conditions given, so that the key and origin indexes can serve them (in
    // key order; in a time order the time index leads: `+merchant_no` keeps SQLite from
    // walking the merchant's payments by key and sorting them all).
    if shape.by_merchant {
        sql += if time_order {
            " AND +merchant_no = ?1"
        } else {
            " AND merchant_no = ?1"
        };
    }
    if shape.by_origin {
        sql += " AND origin_out_trade_no = ?7";
    }
    sql += &list_query::order_clause(shape, |n| format!("?{n}"));
    sql += " LIMIT ?5";
    let after = filter.after.as_ref();
    let (from, before) = list_query::bounds(filter);
    let values: [Value; 10] = [
        filter.merchant_no.clone().into(),
        Value::Null,
        after.map(|c| c.key().merchant_no.clone()).into(),
        after.map(|c| c.key().out_trade_no.clone()).into(),
        (validation::batch(filter.limit) as i64).into(),
        Value::Null,
        filter.origin_out_trade_no.clone().into(),
        from.unwrap_or(i64::MIN).into(),
        before.into(),
        after.and_then(|c| c.time()).into(),
    ];
    (sql, values)
}
