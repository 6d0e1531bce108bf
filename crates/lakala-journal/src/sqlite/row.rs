//! Reading and writing payment rows.

use super::digest;
use super::error::SqliteResult;
use crate::error::JournalError;
use crate::event::Event;
use crate::history::History;
use crate::payment::{PaymentKey, PaymentRecord};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub(crate) use crate::schema::PAYMENT_COLUMNS as COLUMNS;

/// A payment from a row selected with [`COLUMNS`].
pub(crate) fn record(row: &Row<'_>) -> Result<PaymentRecord, JournalError> {
    let kind: String = row.get(2).journal()?;
    let status: String = row.get(8).journal()?;
    Ok(PaymentRecord {
        key: PaymentKey {
            merchant_no: row.get(0).journal()?,
            out_trade_no: row.get(1).journal()?,
        },
        kind: kind.parse()?,
        term_no: row.get(3).journal()?,
        origin_out_trade_no: row.get(4).journal()?,
        amount_fen: row.get(5).journal()?,
        masked_auth_code: row.get(6).journal()?,
        fingerprint: digest::fingerprint(row.get_ref(7).journal()?)
            .ok_or_else(|| JournalError::corrupt("a payment's fingerprint is not text"))?,
        status: status.parse()?,
        trade_no: row.get(9).journal()?,
        last_trade_state: row.get(10).journal()?,
        outcome: row.get(11).journal()?,
        reason: row.get(12).journal()?,
        attempts: row.get(13).journal()?,
        event_count: row.get(14).journal()?,
        created_at: row.get(15).journal()?,
        created_by: row.get(16).journal()?,
        updated_at: row.get(17).journal()?,
        next_check_at: row.get(18).journal()?,
        finished_at: row.get(19).journal()?,
        lease_owner: row.get(20).journal()?,
        lease_until: row.get(21).journal()?,
        lease_token: row.get(22).journal()?,
        auth_digest: digest::auth_digest(row.get_ref(23).journal()?)
            .ok_or_else(|| JournalError::corrupt("a payment's auth digest is unreadable"))?,
        conflict: row.get(24).journal()?,
    })
}

/// The payment with `key`, if any.
pub(crate) fn load(
    connection: &Connection,
    key: &PaymentKey,
) -> Result<Option<PaymentRecord>, JournalError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM lakala_payments WHERE merchant_no = ?1 AND out_trade_no = ?2"
    );
    let mut statement = connection.prepare_cached(&sql).journal()?;
    let mut rows = statement
        .query(params![key.merchant_no, key.out_trade_no])
        .journal()?;
    match rows.next().journal()? {
        Some(row) => Ok(Some(record(row)?)),
        None => Ok(None),
    }
}

/// Inserts a new payment row with its stored `history` (history.rs).
pub(crate) fn insert(
    connection: &Connection,
    r: &PaymentRecord,
    history: &[u8],
) -> Result<bool, JournalError> {
    let sql = format!(
        "INSERT INTO lakala_payments ({COLUMNS}, history) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
          ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26) \
         ON CONFLICT (merchant_no, out_trade_no) DO NOTHING"
    );
    let changed = connection
        .prepare_cached(&sql)
        .journal()?
        .execute(params![
            r.key.merchant_no,
            r.key.out_trade_no,
            r.kind.as_str(),
            r.term_no,
            r.origin_out_trade_no,
            r.amount_fen,
            r.masked_auth_code,
            digest::fingerprint_value(&r.fingerprint),
            r.status.as_str(),
            r.trade_no,
            r.last_trade_state,
            r.outcome,
            r.reason,
            r.attempts,
            r.event_count,
            r.created_at,
            r.created_by,
            r.updated_at,
            r.next_check_at,
            r.finished_at,
            r.lease_owner,
            r.lease_until,
            r.lease_token,
            digest::auth_digest_value(r.auth_digest.as_deref()),
            r.conflict,
            history,
        ])
        .journal()?;
    Ok(changed == 1)
}

/// The update of every mutable column of a payment row (`?1`, `?2` its key).
const STORE: &str = "UPDATE lakala_payments SET status = ?3, trade_no = ?4, \
    last_trade_state = ?5, outcome = ?6, reason = ?7, attempts = ?8, event_count = ?9, \
    updated_at = ?10, next_check_at = ?11, finished_at = ?12, lease_owner = ?13, \
    lease_until = ?14, lease_token = ?15, amount_fen = ?16, conflict = ?17";

/// Writes every mutable column of an existing payment row.
pub(crate) fn store(connection: &Connection, r: &PaymentRecord) -> Result<(), JournalError> {
    store_with(connection, r, None)
}

/// Writes every mutable column of an existing payment row and its new stored `history`
/// (an append: the events and the state they changed, in one statement).
pub(crate) fn store_appended(
    connection: &Connection,
    r: &PaymentRecord,
    history: &[u8],
) -> Result<(), JournalError> {
    store_with(connection, r, Some(history))
}

fn store_with(
    connection: &Connection,
    r: &PaymentRecord,
    history: Option<&[u8]>,
) -> Result<(), JournalError> {
    let sql = match history {
        None => format!("{STORE} WHERE merchant_no = ?1 AND out_trade_no = ?2"),
        Some(_) => format!("{STORE}, history = ?18 WHERE merchant_no = ?1 AND out_trade_no = ?2"),
    };
    let mut statement = connection.prepare_cached(&sql).journal()?;
    let params = params![
        r.key.merchant_no,
        r.key.out_trade_no,
        r.status.as_str(),
        r.trade_no,
        r.last_trade_state,
        r.outcome,
        r.reason,
        r.attempts,
        r.event_count,
        r.updated_at,
        r.next_check_at,
        r.finished_at,
        r.lease_owner,
        r.lease_until,
        r.lease_token,
        r.amount_fen,
        r.conflict,
    ];
    let changed = match history {
        None => statement.execute(params),
        Some(history) => {
            let mut all = params.to_vec();
            all.push(&history);
            statement.execute(all.as_slice())
        }
    }
    .journal()?;
    if changed != 1 {
        return Err(JournalError::NotFound { what: "payment" });
    }
    Ok(())
}

/// The payment's events (its stored history, history.rs), `None` when there is no such
/// payment.
pub(crate) fn history(
    connection: &Connection,
    key: &PaymentKey,
) -> Result<Option<History>, JournalError> {
    let stored: Option<Vec<u8>> = connection
        .prepare_cached(
            "SELECT history FROM lakala_payments WHERE merchant_no = ?1 AND out_trade_no = ?2",
        )
        .journal()?
        .query_row(params![key.merchant_no, key.out_trade_no], |r| r.get(0))
        .optional()
        .journal()?;
    stored.map(|stored| History::decode(&stored)).transpose()
}

/// The payment's events in order (none when there is no such payment).
pub(crate) fn events(
    connection: &Connection,
    key: &PaymentKey,
) -> Result<Vec<Event>, JournalError> {
    match history(connection, key)? {
        Some(history) => history.events(),
        None => Ok(Vec::new()),
    }
}

/// Runs a query returning payment rows.
pub(crate) fn records(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<PaymentRecord>, JournalError> {
    let mut statement = connection.prepare_cached(sql).journal()?;
    let mut rows = statement.query(params).journal()?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().journal()? {
        out.push(record(row)?);
    }
    Ok(out)
}

/// The payments a statement selects with [`COLUMNS`], its placeholders `?1`, `?2`, ...
/// bound from `values` by number (a number the statement does not use is skipped).
pub(crate) fn records_bound(
    connection: &Connection,
    sql: &str,
    values: &[rusqlite::types::Value],
) -> Result<Vec<PaymentRecord>, JournalError> {
    let mut statement = connection.prepare_cached(sql).journal()?;
    for i in 1..=statement.parameter_count() {
        let value = values.get(i - 1).ok_or_else(|| {
            JournalError::corrupt("a listing statement with an unknown placeholder")
        })?;
        statement.raw_bind_parameter(i, value).journal()?;
    }
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().journal()? {
        out.push(record(row)?);
    }
    Ok(out)
}
