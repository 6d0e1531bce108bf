//! The statements of the PostgreSQL store. Most operations are one statement, so one
//! round trip once the statement is prepared on the connection, each in its own implicit
//! transaction; an append is a short explicit transaction of two pipelined round trips
//! (`BEGIN` + [`PAYMENT_FOR_APPEND`], then [`WRITE_APPEND`] + `COMMIT`; see journal.rs).
//!
//! Lease times: `lease_until` is stored in the **server's** clock
//! (`clock_timestamp()`), and `lease_skew` is the claimer's clock minus the server's,
//! measured when the payment was claimed. Rows are read with `lease_until + lease_skew`,
//! the lease end in the holder's clock, as `Lease::until` is.

use crate::list_query::{order_clause, ListShape};
use crate::schema::{deletable, PAYMENT_COLUMNS};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// The server's clock in Unix seconds.
pub(super) const SERVER_NOW: &str = "floor(extract(epoch FROM clock_timestamp()))::int8";

/// The payment columns as this store reads them (see the module docs), qualified by
/// `alias` when it is not empty.
pub(super) fn columns_of(alias: &str) -> String {
    let prefix = if alias.is_empty() {
        String::new()
    } else {
        format!("{alias}.")
    };
    PAYMENT_COLUMNS
        .split(',')
        .map(|c| match c.trim() {
            "lease_until" => format!(
                "CASE WHEN {prefix}lease_until IS NULL THEN NULL ELSE {}::int8 END \
                 AS lease_until",
                clamped(&format!(
                    "{prefix}lease_until::numeric + {prefix}lease_skew"
                ))
            ),
            c => format!("{prefix}{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A numeric SQL expression clamped to the `int8` range (a lease end far in the future
/// and a clock skew never overflow). Not for NULLs: `GREATEST` and `LEAST` skip them.
pub(super) fn clamped(numeric: &str) -> String {
    format!("GREATEST(LEAST({numeric}, 9223372036854775807), -9223372036854775808)")
}

static COLUMNS: LazyLock<String> = LazyLock::new(|| columns_of(""));

/// Inserts the payment with its history (its `intent` event, history.rs) unless the key
/// exists; returns how many payments were inserted (0 or 1). The digests are in their
/// stored form (digest.rs).
pub(crate) const RECORD_INTENT: &str = "\
WITH ins AS (
    INSERT INTO lakala_payments (merchant_no, out_trade_no, kind, term_no,
        origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, attempts,
        event_count, created_at, created_by, updated_at, next_check_at, lease_token,
        auth_digest, history)
    VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::int8, $7::text,
        $8::bytea, 'recorded', 0, 1, $9::int8, $10::text, $9::int8, $11::int8, 0,
        $12::bytea, $13::bytea)
    ON CONFLICT (merchant_no, out_trade_no) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM ins";

/// One payment.
pub(crate) static PAYMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {cols} FROM lakala_payments WHERE merchant_no = $1::text AND out_trade_no = $2::text",
        cols = *COLUMNS
    )
});

/// Whether a payment exists.
pub(crate) const EXISTS: &str =
    "SELECT 1 FROM lakala_payments WHERE merchant_no = $1::text AND out_trade_no = $2::text";

/// A payment's stored history (history.rs).
pub(crate) const HISTORY: &str =
    "SELECT history FROM lakala_payments WHERE merchant_no = $1::text AND out_trade_no = $2::text";

/// The payment and its stored history, locked until the end of the transaction (an
/// append's first step).
pub(crate) static PAYMENT_FOR_APPEND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {cols}, history FROM lakala_payments \
         WHERE merchant_no = $1::text AND out_trade_no = $2::text FOR UPDATE",
        cols = *COLUMNS
    )
});

/// Writes the state an append computed (`StateUpdate::apply`, the one definition): every
/// field an event can change, none of the lease; and the history with the new events
/// (`$15`). Returns how many rows it wrote (none if the payment row was not there).
pub(crate) const WRITE_APPEND: &str = "\
UPDATE lakala_payments SET status = $3::text, trade_no = $4::text,
    last_trade_state = $5::text, outcome = $6::text, reason = $7::text,
    attempts = $8::int8, event_count = $9::int8, updated_at = $10::int8,
    next_check_at = $11::int8, finished_at = $12::int8, amount_fen = $13::int8,
    conflict = $14::text, history = $15::bytea
WHERE merchant_no = $1::text AND out_trade_no = $2::text";

/// Lists payments (`$2` merchant; `$7` origin; `$5` limit) of `shape`: in
/// its order, after the cursor (`$10` time, `$3`, `$4` key) when it has one, within
/// `[$8, $9)` in a time order (see list_query.rs); `$1` (the statuses) and `$6` (conflicts
/// only) are passed but not read: the shape has them. One statement per shape, built on
/// its first use and kept (a few dozen in practice; 17,408 at the very most).
pub(crate) fn list(shape: ListShape) -> &'static str {
    static BUILT: LazyLock<Mutex<HashMap<ListShape, &'static str>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    // A panic elsewhere while holding the lock leaves the map as it was: still good.
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built
        .entry(shape)
        .or_insert_with(|| Box::leak(list_sql(shape).into_boxed_str()))
}

/// The statement of one shape. Conditions are written only when the filter has them (a
/// generic plan of `$2 IS NULL OR merchant_no = $2`, or of `cardinality($1) = 0 OR
/// status = ANY($1)`, could use no index for them), the statuses as words: so that a
/// generic plan knows them (how rare they are, and whether the open indexes serve them:
/// list_query.rs).
fn list_sql(shape: ListShape) -> String {
    let placeholder = |n: u8| match n {
        1 => "$1::text[]".to_owned(),
        6 => "$6::bool".to_owned(),
        2 | 3 | 4 | 7 => format!("${n}::text"),
        _ => format!("${n}::int8"),
    };
    let mut conditions = String::new();
    if let Some(statuses) = shape.statuses.sql(true) {
        conditions += &format!("\n  AND {statuses}");
    }
    if shape.conflicts_only {
        conditions += "\n  AND conflict IS NOT NULL";
    }
    if shape.by_merchant {
        conditions += "\n  AND merchant_no = $2::text";
    }
    if shape.by_origin {
        conditions += "\n  AND origin_out_trade_no = $7::text";
    }
    let order = order_clause(shape, placeholder);
    // PostgreSQL types every parameter up to the highest one named; the ones this shape
    // does not use are named once in a constant condition (always true, evaluated once).
    let named = format!("{conditions}{order}");
    let unused: String = [1u8, 2, 3, 4, 6, 7, 8, 9, 10]
        .into_iter()
        .filter(|n| !named.contains(&format!("${n}::")))
        .map(|n| {
            let p = placeholder(n);
            format!("\n  AND {p} IS NOT DISTINCT FROM {p}")
        })
        .collect();
    format!(
        "\
SELECT {cols} FROM lakala_payments
WHERE TRUE{conditions}{unused}
  {order}
LIMIT $5::int8",
        cols = *COLUMNS,
    )
}

/// Leases up to `$4` due payments to `$1` for `$3` seconds (at most the distance from
/// `$2` to `i64::MAX`, computed by the caller); rows another transaction is
/// claiming are skipped, not waited for. Due-ness compares `next_check_at` with the
/// caller's `$2`; the lease's end and whether an old lease expired use the server's
/// clock, so instances whose clocks disagree never hold one payment at once.
pub(crate) static CLAIM_DUE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
WITH clock AS MATERIALIZED (
    SELECT {SERVER_NOW} AS now
), due AS (
    SELECT merchant_no, out_trade_no FROM lakala_payments, clock
    WHERE status IN ('recorded', 'pending') AND next_check_at <= $2::int8
      AND (lease_until IS NULL OR lease_until <= clock.now)
    ORDER BY next_check_at, merchant_no, out_trade_no
    LIMIT $4::int8
    FOR UPDATE OF lakala_payments SKIP LOCKED
)
UPDATE lakala_payments p
SET lease_owner = $1::text, lease_token = p.lease_token + 1,
    lease_until = clock.now + LEAST($3::int8, 9223372036854775807 - clock.now),
    lease_skew = ({skew})::int8
FROM due, clock
WHERE p.merchant_no = due.merchant_no AND p.out_trade_no = due.out_trade_no
RETURNING {returning}",
        returning = columns_of("p"),
        skew = clamped("$2::int8::numeric - clock.now"),
    )
});

/// Extends a held lease to `$5` in the holder's clock, translated to the server's with
/// the skew measured at the claim.
pub(crate) static RENEW: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
UPDATE lakala_payments SET lease_until = ({until})::int8
WHERE merchant_no = $1::text AND out_trade_no = $2::text
  AND lease_owner = $3::text AND lease_token = $4::int8",
        until = clamped("$5::int8::numeric - lease_skew")
    )
});

/// Gives a held lease up, setting the next check of a claimable payment.
pub(crate) const RELEASE: &str = "\
UPDATE lakala_payments SET lease_owner = NULL, lease_until = NULL, lease_skew = 0,
    next_check_at = CASE WHEN $5::int8 IS NOT NULL AND status IN ('recorded', 'pending')
        THEN $5::int8 ELSE next_check_at END
WHERE merchant_no = $1::text AND out_trade_no = $2::text
  AND lease_owner = $3::text AND lease_token = $4::int8";

/// Deletes the payments a prune with the cut `$1` may delete (see `schema::deletable`),
/// their events with them (each row holds its history).
pub(crate) static PRUNE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM lakala_payments WHERE {}",
        deletable("$1::int8")
    )
});

/// Deletes those of the keys (`$2` merchants, `$3` numbers) a prune with the cut `$1`
/// may delete, and returns their keys. The group condition reads the statement's
/// snapshot, so payments of one group deleted together still count as prunable.
pub(crate) static PRUNE_KEYS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "DELETE FROM lakala_payments \
         WHERE (merchant_no, out_trade_no) IN \
             (SELECT * FROM unnest($2::text[], $3::text[])) \
         AND {} RETURNING merchant_no, out_trade_no",
        deletable("$1::int8")
    )
});

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
