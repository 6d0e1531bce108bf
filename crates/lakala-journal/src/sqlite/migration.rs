//! The SQLite schema and its versioned migrations, applied when a journal is opened.

use super::application_id::{application_id, is_journal_id, APPLICATION_ID};
use super::error::SqliteResult;
use crate::error::JournalError;
use crate::history::History;
use crate::SCHEMA_VERSION;
use rusqlite::{params, Connection, TransactionBehavior};

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`: its SQL, then
/// its Rust step, if any (for what SQL cannot do: [`STEPS`]).
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
    // 3: the `preorder` kind (SQLite cannot alter a CHECK constraint: the table is
    // rebuilt, with foreign keys off, as SQLite's documentation prescribes), the time
    // indexes for listing by creation and finish time with keyset paging, and a compact
    // layout (crate docs, "What a payment costs on disk"): each payment has an integer
    // `id` (its row id, kept from version 2), the events are keyed by it in a WITHOUT
    // ROWID table (not by the merchant and number repeated in every event, and stored
    // once, not again in an index), and new rows keep their digests as bytes
    // (sqlite/digest.rs; rows of version 2 keep their text, read the same).
    r"
CREATE TABLE lakala_payments_v3 (
    id                  INTEGER PRIMARY KEY,
    merchant_no         TEXT    NOT NULL,
    out_trade_no        TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN
        ('micropay', 'revoke', 'refund', 'preorder')),
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
    auth_digest         TEXT,
    conflict            TEXT,
    UNIQUE (merchant_no, out_trade_no)
);
INSERT INTO lakala_payments_v3 (id, merchant_no, out_trade_no, kind, term_no,
    origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, trade_no,
    last_trade_state, outcome, reason, attempts, event_count, created_at, created_by,
    updated_at, next_check_at, finished_at, lease_owner, lease_token, lease_until,
    auth_digest, conflict)
SELECT rowid, merchant_no, out_trade_no, kind, term_no,
    origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, trade_no,
    last_trade_state, outcome, reason, attempts, event_count, created_at, created_by,
    updated_at, next_check_at, finished_at, lease_owner, lease_token, lease_until,
    auth_digest, conflict
FROM lakala_payments;
CREATE TABLE lakala_payment_events_v3 (
    payment_id   INTEGER NOT NULL REFERENCES lakala_payments (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    instance     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    PRIMARY KEY (payment_id, seq)
) WITHOUT ROWID;
INSERT INTO lakala_payment_events_v3 (payment_id, seq, at, instance, kind, payload)
SELECT p.id, e.seq, e.at, e.instance, e.kind, e.payload
FROM lakala_payment_events AS e
JOIN lakala_payments_v3 AS p
    ON p.merchant_no = e.merchant_no AND p.out_trade_no = e.out_trade_no;
DROP TABLE lakala_payment_events;
DROP TABLE lakala_payments;
ALTER TABLE lakala_payments_v3 RENAME TO lakala_payments;
ALTER TABLE lakala_payment_events_v3 RENAME TO lakala_payment_events;
CREATE INDEX lakala_payments_due ON lakala_payments (next_check_at)
    WHERE status IN ('recorded', 'pending');
CREATE INDEX lakala_payments_status ON lakala_payments (status);
CREATE INDEX lakala_payments_conflict ON lakala_payments (merchant_no, out_trade_no)
    WHERE conflict IS NOT NULL;
CREATE INDEX lakala_payments_origin ON lakala_payments (merchant_no, origin_out_trade_no)
    WHERE origin_out_trade_no IS NOT NULL;
CREATE INDEX lakala_payments_created
    ON lakala_payments (created_at, merchant_no, out_trade_no);
CREATE INDEX lakala_payments_finished
    ON lakala_payments (finished_at, merchant_no, out_trade_no)
    WHERE finished_at IS NOT NULL;
",
    // 4: indexes sized for a year of payments (issue 24). The status index goes: it
    // held an entry for every payment to find the few open ones, and listing those
    // through it sorted them all for every page. The open payments (`recorded`,
    // `pending`, `unresolved`) get two partial indexes instead, in key order
    // (`lakala_payments_open`) and by creation time (`lakala_payments_open_created`),
    // used by listings whose statuses are all open (list_query.rs writes the indexes'
    // condition into their SQL). The time indexes keep only the time: ties within one
    // second are put in key order by sorting that second's rows, and every entry is
    // smaller by the text key (about 50 bytes a payment and index).
    r"
DROP INDEX lakala_payments_status;
DROP INDEX lakala_payments_created;
DROP INDEX lakala_payments_finished;
CREATE INDEX lakala_payments_created ON lakala_payments (created_at);
CREATE INDEX lakala_payments_finished ON lakala_payments (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE INDEX lakala_payments_open ON lakala_payments (merchant_no, out_trade_no)
    WHERE status IN ('recorded', 'pending', 'unresolved');
CREATE INDEX lakala_payments_open_created ON lakala_payments (created_at)
    WHERE status IN ('recorded', 'pending', 'unresolved');
-- Each payment's events move into its row as one compressed history (history.rs; the
-- crate docs say what a payment costs on disk): the events table cost a row and its key
-- for every event. The default is only for the rows of before: the Rust step
-- history_from_events fills them and drops the events table.
ALTER TABLE lakala_payments ADD COLUMN history BLOB NOT NULL DEFAULT x'';
",
];

/// A migration's Rust step: runs after its SQL, in the same transaction.
type Step = fn(&Connection) -> Result<(), JournalError>;

/// The Rust steps, by migration (`None`: SQL only).
const STEPS: &[Option<Step>] = &[None, None, None, Some(history_from_events)];

/// Migration 4's step: every payment's events (`lakala_payment_events`, read in key order
/// with no sort) become its `history`; then the table goes. A payment whose events are
/// not numbered 1, 2, 3, ... is refused (nothing is renumbered or lost: the migration
/// rolls back).
fn history_from_events(connection: &Connection) -> Result<(), JournalError> {
    let mut events = connection
        .prepare(
            "SELECT payment_id, seq, at, instance, kind, payload FROM lakala_payment_events \
             ORDER BY payment_id, seq",
        )
        .journal()?;
    let mut write = connection
        .prepare("UPDATE lakala_payments SET history = ?2 WHERE id = ?1")
        .journal()?;
    let mut flush = |id: i64, history: &History| -> Result<(), JournalError> {
        write.execute(params![id, history.encode()?]).journal()?;
        Ok(())
    };
    let mut rows = events.query([]).journal()?;
    let mut current: Option<(i64, History)> = None;
    while let Some(row) = rows.next().journal()? {
        let id: i64 = row.get(0).journal()?;
        let seq: i64 = row.get(1).journal()?;
        let at: i64 = row.get(2).journal()?;
        let instance: String = row.get(3).journal()?;
        let kind: String = row.get(4).journal()?;
        let payload: String = row.get(5).journal()?;
        if current.as_ref().is_some_and(|(c, _)| *c != id) {
            if let Some((c, history)) = current.take() {
                flush(c, &history)?;
            }
        }
        let (_, history) = current.get_or_insert_with(|| (id, History::new()));
        if seq != history.len() as i64 + 1 {
            return Err(JournalError::corrupt(
                "a payment's events are not numbered 1, 2, 3, ... (found while migrating)",
            ));
        }
        history.push(at, &instance, &kind, &payload);
    }
    if let Some((c, history)) = current.take() {
        flush(c, &history)?;
    }
    drop(rows);
    drop(events);
    // A payment without events (never written by this crate) gets an empty history.
    connection
        .execute(
            "UPDATE lakala_payments SET history = ?1 WHERE length(history) = 0",
            params![History::new().encode()?],
        )
        .journal()?;
    connection
        .execute_batch("DROP TABLE lakala_payment_events;")
        .journal()
}

/// Brings the schema to [`SCHEMA_VERSION`]: nothing to do when it is current, the
/// missing migrations in one `BEGIN IMMEDIATE` transaction otherwise. Refuses another
/// application's database, a non-empty database that is not a journal, and a newer
/// schema.
pub(crate) fn migrate(connection: &mut Connection, read_only: bool) -> Result<(), JournalError> {
    debug_assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
    debug_assert_eq!(STEPS.len(), MIGRATIONS.len());
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
    // A migration that rebuilds a table (v3) must not cascade the drop of the old one
    // to the events: foreign keys are off while migrating (the pragma is a no-op inside
    // a transaction, so it is switched here) and checked before the commit.
    connection
        .pragma_update(None, "foreign_keys", "OFF")
        .journal()?;
    let result = migrate_in_transaction(connection);
    let restored = connection
        .pragma_update(None, "foreign_keys", "ON")
        .journal();
    result.and(restored)
}

fn migrate_in_transaction(connection: &mut Connection) -> Result<(), JournalError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .journal()?;
    // Another process may have migrated while we waited for the write lock.
    let version = check(&tx)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).journal()?;
        if let Some(step) = STEPS[i] {
            step(&tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .journal()?;
    }
    let dangling: i64 = tx
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .journal()?;
    if dangling != 0 {
        return Err(JournalError::corrupt(
            "events without their payment found while migrating",
        ));
    }
    // A new journal gets its mark; an existing one keeps whichever it has.
    if !is_journal_id(application_id(&tx)?) {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .journal()?;
    }
    tx.commit().journal()
}

/// The schema version, after checking the file is (or may become) a journal.
pub(crate) fn check(connection: &Connection) -> Result<i64, JournalError> {
    let application_id = application_id(connection)?;
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .journal()?;
    if !is_journal_id(application_id) {
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

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use crate::list_query::assert_open_indexes_have_the_listings_condition;

    /// The listings write the open indexes' condition word for word: the two must agree.
    #[test]
    fn the_open_indexes_have_the_listings_condition() {
        assert_open_indexes_have_the_listings_condition(MIGRATIONS[3]);
    }
}
