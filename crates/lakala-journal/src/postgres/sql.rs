//! The statements of the PostgreSQL store. Each is one statement, so each operation is
//! one round trip once the statement is prepared on the connection, and each runs in
//! its own implicit transaction.

use crate::schema::{payment_columns_of, PAYMENT_COLUMNS as COLUMNS};
use std::sync::LazyLock;

/// Inserts the payment and its `intent` event unless the key exists; returns how many
/// payments were inserted (0 or 1).
pub(crate) const RECORD_INTENT: &str = "\
WITH ins AS (
    INSERT INTO lakala_payments (merchant_no, out_trade_no, kind, term_no,
        origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, attempts,
        event_count, created_at, created_by, updated_at, next_check_at, lease_token)
    VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::int8, $7::text, $8::text,
        'recorded', 0, 1, $9::int8, $10::text, $9::int8, $11::int8, 0)
    ON CONFLICT (merchant_no, out_trade_no) DO NOTHING
    RETURNING merchant_no, out_trade_no
), ev AS (
    INSERT INTO lakala_payment_events (merchant_no, out_trade_no, seq, at, instance, kind, payload)
    SELECT merchant_no, out_trade_no, 1, $9::int8, $10::text, 'intent', $12::text FROM ins
)
SELECT count(*) FROM ins";

/// One payment.
pub(crate) static PAYMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM lakala_payments WHERE merchant_no = $1::text AND out_trade_no = $2::text"
    )
});

/// Whether a payment exists.
pub(crate) const EXISTS: &str =
    "SELECT 1 FROM lakala_payments WHERE merchant_no = $1::text AND out_trade_no = $2::text";

/// A payment's events in order.
pub(crate) const EVENTS: &str = "\
SELECT seq, at, instance, kind, payload FROM lakala_payment_events
WHERE merchant_no = $1::text AND out_trade_no = $2::text ORDER BY seq";

/// Appends an event and applies a state update, under the row lock, fenced.
///
/// `$5` is the attempted status (or NULL), `$6` the statuses it may be reached from
/// (computed by `PaymentStatus::check_transition`, the one rule), `$11` the final
/// statuses, `$16` the statuses that keep a `next_check_at`. Returns one row per existing
/// payment: its status before, whether the fence held, whether the status change was
/// allowed, and the payment afterwards (NULLs if the fence failed).
pub(crate) static APPEND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
WITH cur AS (
    SELECT * FROM lakala_payments
    WHERE merchant_no = $1::text AND out_trade_no = $2::text
    FOR UPDATE
), v AS (
    SELECT cur.merchant_no, cur.out_trade_no, cur.status AS old_status, cur.event_count,
        ($3::text IS NULL OR (cur.lease_owner IS NOT DISTINCT FROM $3::text
            AND cur.lease_token IS NOT DISTINCT FROM $4::int8)) AS fence_ok,
        ($5::text IS NULL OR cur.status = ANY($6::text[])) AS status_ok,
        COALESCE($5::text, cur.status) AS wanted
    FROM cur
), ev AS (
    INSERT INTO lakala_payment_events (merchant_no, out_trade_no, seq, at, instance, kind, payload)
    SELECT merchant_no, out_trade_no, event_count + 1, $7::int8, $8::text, $9::text, $10::text
    FROM v WHERE fence_ok
), upd AS (
    UPDATE lakala_payments p SET
        event_count = p.event_count + 1,
        updated_at = $7::int8,
        status = CASE WHEN v.status_ok THEN v.wanted ELSE p.status END,
        finished_at = CASE
            WHEN v.status_ok AND v.wanted = ANY($11::text[]) AND NOT (p.status = ANY($11::text[]))
            THEN $7::int8 ELSE p.finished_at END,
        trade_no = CASE WHEN v.status_ok THEN COALESCE($12::text, p.trade_no) ELSE p.trade_no END,
        last_trade_state = CASE WHEN v.status_ok
            THEN COALESCE($13::text, p.last_trade_state) ELSE p.last_trade_state END,
        outcome = CASE WHEN v.status_ok THEN COALESCE($14::text, p.outcome) ELSE p.outcome END,
        reason = CASE WHEN v.status_ok THEN COALESCE($15::text, p.reason) ELSE p.reason END,
        next_check_at = CASE
            WHEN NOT v.status_ok THEN p.next_check_at
            WHEN NOT (v.wanted = ANY($16::text[])) THEN NULL
            ELSE COALESCE($17::int8, p.next_check_at) END,
        attempts = p.attempts + CASE WHEN v.status_ok AND $18::bool THEN 1 ELSE 0 END
    FROM v
    WHERE p.merchant_no = v.merchant_no AND p.out_trade_no = v.out_trade_no AND v.fence_ok
    RETURNING {returning}
)
SELECT v.old_status, v.fence_ok, v.status_ok, {upd} FROM v LEFT JOIN upd ON TRUE",
        returning = payment_columns_of("p"),
        upd = payment_columns_of("upd"),
    )
});

/// Payments by status set (empty: all), merchant and start key, in key order.
pub(crate) static LIST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
SELECT {COLUMNS} FROM lakala_payments
WHERE (cardinality($1::text[]) = 0 OR status = ANY($1::text[]))
  AND ($2::text IS NULL OR merchant_no = $2::text)
  AND ($3::text IS NULL OR (merchant_no, out_trade_no) > ($3::text, $4::text))
ORDER BY merchant_no, out_trade_no
LIMIT $5::int8"
    )
});

/// Leases up to `$4` due payments to `$1` until `$3`; rows another transaction is
/// claiming are skipped, not waited for.
pub(crate) static CLAIM_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
WITH due AS (
    SELECT merchant_no, out_trade_no FROM lakala_payments
    WHERE status IN ('recorded', 'pending') AND next_check_at <= $2::int8
      AND (lease_until IS NULL OR lease_until <= $2::int8)
    ORDER BY next_check_at, merchant_no, out_trade_no
    LIMIT $4::int8
    FOR UPDATE SKIP LOCKED
)
UPDATE lakala_payments p
SET lease_owner = $1::text, lease_token = p.lease_token + 1, lease_until = $3::int8
FROM due
WHERE p.merchant_no = due.merchant_no AND p.out_trade_no = due.out_trade_no
RETURNING {returning}",
        returning = payment_columns_of("p"),
    )
});

/// Extends a held lease.
pub(crate) const RENEW: &str = "\
UPDATE lakala_payments SET lease_until = $5::int8
WHERE merchant_no = $1::text AND out_trade_no = $2::text
  AND lease_owner = $3::text AND lease_token = $4::int8";

/// Gives a held lease up, setting the next check of a claimable payment.
pub(crate) const RELEASE: &str = "\
UPDATE lakala_payments SET lease_owner = NULL, lease_until = NULL,
    next_check_at = CASE WHEN $5::int8 IS NOT NULL AND status IN ('recorded', 'pending')
        THEN $5::int8 ELSE next_check_at END
WHERE merchant_no = $1::text AND out_trade_no = $2::text
  AND lease_owner = $3::text AND lease_token = $4::int8";

/// Deletes final payments finished before `$1` (their events go by `ON DELETE CASCADE`).
pub(crate) const PRUNE: &str = "\
DELETE FROM lakala_payments
WHERE status IN ('succeeded', 'failed', 'revoked') AND finished_at < $1::int8";

/// Takes a notification key unless it is answered or being processed (and not expired).
pub(crate) const LEDGER_CLAIM: &str = "\
INSERT INTO lakala_notifications AS n
    (key, answer, processing_until, expires_at, first_seen_at, answered_at)
VALUES ($1::text, NULL, $3::int8, $4::int8, $2::int8, NULL)
ON CONFLICT (key) DO UPDATE SET answer = NULL, processing_until = EXCLUDED.processing_until,
    expires_at = EXCLUDED.expires_at, first_seen_at = EXCLUDED.first_seen_at, answered_at = NULL
WHERE n.expires_at < $2::int8 OR (n.answer IS NULL AND n.processing_until <= $2::int8)
RETURNING 1";

/// A notification entry.
pub(crate) const LEDGER_ENTRY: &str =
    "SELECT answer, processing_until, expires_at FROM lakala_notifications WHERE key = $1::text";

/// Forgets up to 100 expired entries.
pub(crate) const LEDGER_EXPIRE: &str = "\
DELETE FROM lakala_notifications WHERE key IN (
    SELECT key FROM lakala_notifications WHERE expires_at < $1::int8
    LIMIT 100 FOR UPDATE SKIP LOCKED)";

/// Records the answer.
pub(crate) const LEDGER_ANSWERED: &str =
    "UPDATE lakala_notifications SET answer = $2::bytea, answered_at = $3::int8 WHERE key = $1::text";

/// Forgets an unanswered claim.
pub(crate) const LEDGER_ABANDON: &str =
    "DELETE FROM lakala_notifications WHERE key = $1::text AND answer IS NULL";
