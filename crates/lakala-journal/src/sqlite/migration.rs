//! The SQLite schema and its versioned migrations, applied when a journal is opened.

use super::error::SqliteResult;
use crate::error::JournalError;
use crate::SCHEMA_VERSION;
use rusqlite::{Connection, TransactionBehavior};

/// `PRAGMA application_id` of a journal file: "LKLJ".
pub(crate) const APPLICATION_ID: i64 = 0x4C4B_4C4A;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    // 1: payments, their events, notification replay memory.
    r"
CREATE TABLE lakala_payments (
    merchant_no         TEXT    NOT NULL,
    out_trade_no        TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('micropay', 'revoke', 'refund')),
    term_no             TEXT    NOT NULL,
    origin_out_trade_no TEXT,
    amount_fen          INTEGER,
    masked_auth_code    TEXT,
    fingerprint         TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN
        ('recorded', 'pending', 'succeeded', 'failed', 'revoked', 'unresolved')),
    trade_no            TEXT,
    last_trade_state    TEXT,
    outcome             TEXT,
    reason              TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    event_count         INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    created_by          TEXT    NOT NULL,
    updated_at          INTEGER NOT NULL,
    next_check_at       INTEGER,
    finished_at         INTEGER,
    lease_owner         TEXT,
    lease_token         INTEGER NOT NULL DEFAULT 0,
    lease_until         INTEGER,
    PRIMARY KEY (merchant_no, out_trade_no)
);
CREATE INDEX lakala_payments_due ON lakala_payments (next_check_at)
    WHERE status IN ('recorded', 'pending');
CREATE INDEX lakala_payments_finished ON lakala_payments (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE INDEX lakala_payments_status ON lakala_payments (status);
CREATE TABLE lakala_payment_events (
    merchant_no  TEXT    NOT NULL,
    out_trade_no TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    instance     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    PRIMARY KEY (merchant_no, out_trade_no, seq),
    FOREIGN KEY (merchant_no, out_trade_no)
        REFERENCES lakala_payments (merchant_no, out_trade_no) ON DELETE CASCADE
);
CREATE TABLE lakala_notifications (
    key              TEXT    NOT NULL PRIMARY KEY,
    answer           BLOB,
    processing_until INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    first_seen_at    INTEGER NOT NULL,
    answered_at      INTEGER
);
CREATE INDEX lakala_notifications_expiry ON lakala_notifications (expires_at);
",
    // 2: the auth code's keyed hash, contradictions marked for a person, companions by
    // their original payment.
    r"
ALTER TABLE lakala_payments ADD COLUMN auth_digest TEXT;
ALTER TABLE lakala_payments ADD COLUMN conflict TEXT;
CREATE INDEX lakala_payments_conflict ON lakala_payments (merchant_no, out_trade_no)
    WHERE conflict IS NOT NULL;
CREATE INDEX lakala_payments_origin ON lakala_payments (merchant_no, origin_out_trade_no)
    WHERE origin_out_trade_no IS NOT NULL;
",
];

/// Brings the schema to [`SCHEMA_VERSION`]: nothing to do when it is current, the
/// missing migrations in one `BEGIN IMMEDIATE` transaction otherwise. Refuses another
/// application's database, a non-empty database that is not a journal, and a newer
/// schema.
pub(crate) fn migrate(connection: &mut Connection, read_only: bool) -> Result<(), JournalError> {
    debug_assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
    let version = check(connection)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if read_only {
        return Err(JournalError::ReadOnly {
            reason: format!(
                "opened read-only, but the schema (version {version}) must be brought to \
                 version {SCHEMA_VERSION} first"
            ),
        });
    }
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .journal()?;
    // Another process may have migrated while we waited for the write lock.
    let version = check(&tx)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).journal()?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .journal()?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .journal()?;
    tx.commit().journal()
}

/// The schema version, after checking the file is (or may become) a journal.
fn check(connection: &Connection) -> Result<i64, JournalError> {
    let application_id: i64 = connection
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .journal()?;
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .journal()?;
    if application_id != APPLICATION_ID {
        if application_id != 0 {
            return Err(JournalError::corrupt(format!(
                "another application's database (application_id {application_id:#x})"
            )));
        }
        let tables: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .journal()?;
        if version != 0 || tables != 0 {
            return Err(JournalError::corrupt(
                "a database that is not a journal (it has other contents)",
            ));
        }
    }
    if version > SCHEMA_VERSION {
        return Err(JournalError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 0 {
        return Err(JournalError::corrupt("negative schema version"));
    }
    Ok(version)
}
