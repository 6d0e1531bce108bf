//! The PostgreSQL schema and its versioned migrations, applied when a journal connects.

use super::error::PostgresResult;
use super::pool::Pool;
use crate::error::JournalError;
use crate::SCHEMA_VERSION;
use tokio_postgres::GenericClient;

/// The advisory lock that serializes migrations of every journal in a database.
const MIGRATION_LOCK: i64 = 0x4C4B_4C4A;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`. Keys and
/// notification keys are `COLLATE "C"`: byte order, as in the other stores, whatever
/// the database's locale.
const MIGRATIONS: &[&str] = &[
    // 1: payments, their events, notification replay memory.
    r#"
CREATE TABLE lakala_payments (
    merchant_no         TEXT COLLATE "C" NOT NULL,
    out_trade_no        TEXT COLLATE "C" NOT NULL,
    kind                TEXT   NOT NULL CHECK (kind IN ('micropay', 'revoke', 'refund')),
    term_no             TEXT   NOT NULL,
    origin_out_trade_no TEXT,
    amount_fen          BIGINT,
    masked_auth_code    TEXT,
    fingerprint         TEXT   NOT NULL,
    status              TEXT   NOT NULL CHECK (status IN
        ('recorded', 'pending', 'succeeded', 'failed', 'revoked', 'unresolved')),
    trade_no            TEXT,
    last_trade_state    TEXT,
    outcome             TEXT,
    reason              TEXT,
    attempts            BIGINT NOT NULL DEFAULT 0,
    event_count         BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by          TEXT   NOT NULL,
    updated_at          BIGINT NOT NULL,
    next_check_at       BIGINT,
    finished_at         BIGINT,
    lease_owner         TEXT,
    lease_token         BIGINT NOT NULL DEFAULT 0,
    lease_until         BIGINT,
    PRIMARY KEY (merchant_no, out_trade_no)
);
CREATE INDEX lakala_payments_due ON lakala_payments (next_check_at)
    WHERE status IN ('recorded', 'pending');
CREATE INDEX lakala_payments_finished ON lakala_payments (finished_at)
    WHERE finished_at IS NOT NULL;
CREATE INDEX lakala_payments_status ON lakala_payments (status);
CREATE TABLE lakala_payment_events (
    merchant_no  TEXT COLLATE "C" NOT NULL,
    out_trade_no TEXT COLLATE "C" NOT NULL,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    instance     TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    PRIMARY KEY (merchant_no, out_trade_no, seq),
    FOREIGN KEY (merchant_no, out_trade_no)
        REFERENCES lakala_payments (merchant_no, out_trade_no) ON DELETE CASCADE
);
CREATE TABLE lakala_notifications (
    key              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    answer           BYTEA,
    processing_until BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    first_seen_at    BIGINT NOT NULL,
    answered_at      BIGINT
);
CREATE INDEX lakala_notifications_expiry ON lakala_notifications (expires_at);
"#,
    // 2: the auth code's keyed hash, contradictions marked for a person, companions by
    // their original payment, lease ends in the server's clock (`lease_skew`: the
    // claimer's clock minus the server's at the claim).
    r#"
ALTER TABLE lakala_payments ADD COLUMN auth_digest TEXT;
ALTER TABLE lakala_payments ADD COLUMN conflict TEXT;
ALTER TABLE lakala_payments ADD COLUMN lease_skew BIGINT NOT NULL DEFAULT 0;
CREATE INDEX lakala_payments_conflict ON lakala_payments (merchant_no, out_trade_no)
    WHERE conflict IS NOT NULL;
CREATE INDEX lakala_payments_origin ON lakala_payments (merchant_no, origin_out_trade_no)
    WHERE origin_out_trade_no IS NOT NULL;
"#,
    // 3: the `preorder` kind, and the time indexes for listing by creation and finish
    // time with keyset paging (the finish index now carries the key, for ties).
    r#"
ALTER TABLE lakala_payments DROP CONSTRAINT lakala_payments_kind_check;
ALTER TABLE lakala_payments ADD CONSTRAINT lakala_payments_kind_check
    CHECK (kind IN ('micropay', 'revoke', 'refund', 'preorder'));
CREATE INDEX lakala_payments_created
    ON lakala_payments (created_at, merchant_no, out_trade_no);
DROP INDEX lakala_payments_finished;
CREATE INDEX lakala_payments_finished
    ON lakala_payments (finished_at, merchant_no, out_trade_no)
    WHERE finished_at IS NOT NULL;
"#,
];

/// Brings the schema to [`SCHEMA_VERSION`]. A current schema is only read (so a
/// read-only connection, a hot standby for example, can open it); otherwise the
/// migrations run in one transaction under an advisory lock (so instances starting
/// together migrate once), creating the schema named in the options if needed. Refuses
/// a newer schema.
pub(crate) async fn migrate(pool: &Pool) -> Result<(), JournalError> {
    debug_assert_eq!(MIGRATIONS.len() as i64, SCHEMA_VERSION);
    let mut pooled = pool.get().await?;
    let client = pooled.client()?;
    if check(&*client).await? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = client.transaction().await.journal()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .journal()?;
    if let Some(schema) = pool.schema() {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await
            .journal()?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS lakala_journal_schema (\
             id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id), \
             version BIGINT NOT NULL)",
    )
    .await
    .journal()?;
    // Again under the lock: another instance may have migrated meanwhile.
    let version = check(&tx).await?;
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.batch_execute(sql).await.journal()?;
    }
    tx.execute(
        "INSERT INTO lakala_journal_schema (id, version) VALUES (TRUE, $1) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version",
        &[&SCHEMA_VERSION],
    )
    .await
    .journal()?;
    tx.commit().await.journal()
}

/// The schema version in the store (0 when there is no journal yet); refuses a newer
/// one.
async fn check(client: &impl GenericClient) -> Result<i64, JournalError> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('lakala_journal_schema') IS NOT NULL",
            &[],
        )
        .await
        .journal()?
        .try_get(0)
        .journal()?;
    if !exists {
        return Ok(0);
    }
    let version: i64 = client
        .query_opt("SELECT version FROM lakala_journal_schema", &[])
        .await
        .journal()?
        .map(|row| row.try_get(0))
        .transpose()
        .journal()?
        .unwrap_or(0);
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
