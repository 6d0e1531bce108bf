//! SQLite on real files: what the store says when the file is not a journal, is locked,
//! is read-only, was written by a newer version, or is opened again.

use lakala_journal::conformance::{event, key, micropay, T0};
use lakala_journal::{
    Delivery, JournalError, ListFilter, NotificationLedger, PaymentJournal, PaymentStatus,
    Recorded, SqliteJournal, SqliteOptions, StateUpdate, Synchronous,
};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn temp_journal() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("journal.sqlite3");
    (dir, path)
}

fn pragma(path: &Path, name: &str) -> i64 {
    Connection::open(path)
        .expect("raw open")
        .pragma_query_value(None, name, |r| r.get(0))
        .expect("pragma")
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_corrupt() {
    let (_dir, path) = temp_journal();
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&path, &garbage).expect("write garbage");
    let e = SqliteJournal::open(&path).await.expect_err("garbage");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("not a database"), "{e}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        garbage,
        "left untouched"
    );
}

#[tokio::test]
async fn a_damaged_journal_is_corrupt() {
    let (_dir, path) = temp_journal();
    {
        let journal = SqliteJournal::open(&path).await.expect("open");
        for i in 0..300 {
            journal
                .record_intent(&micropay(&format!("MP-DMG-{i:04}")))
                .await
                .expect("record");
        }
    }
    // Overwrite everything after the header page with noise; the header still says
    // "SQLite format 3", so the damage shows when the pages are read.
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 3 * 4096, "the journal has several pages");
    for (i, b) in bytes.iter_mut().enumerate().skip(4096) {
        *b = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3];
    }
    std::fs::write(&path, &bytes).expect("damage");
    let result = match SqliteJournal::open(&path).await {
        Err(e) => Err(e),
        Ok(journal) => journal
            .list(&ListFilter::all().limit(1000))
            .await
            .map(|_| ()),
    };
    let e = result.expect_err("damaged pages are noticed");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
}

#[tokio::test]
async fn another_applications_database_is_refused_and_left_alone() {
    let (_dir, path) = temp_journal();
    {
        let c = Connection::open(&path).expect("raw open");
        c.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (7);",
        )
        .expect("foreign schema");
    }
    let e = SqliteJournal::open(&path).await.expect_err("not a journal");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    let c = Connection::open(&path).expect("raw open");
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'lakala%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tables, 0, "nothing created in someone else's database");
    c.pragma_update(None, "application_id", 0x1234)
        .expect("set id");
    drop(c);
    let e = SqliteJournal::open(&path)
        .await
        .expect_err("another application");
    assert!(e.to_string().contains("another application"), "{e}");
}

#[tokio::test]
async fn reopening_keeps_data_and_reapplies_no_migration() {
    let (_dir, path) = temp_journal();
    {
        let journal = SqliteJournal::open(&path).await.expect("create");
        journal
            .record_intent(&micropay("MP-REOPEN"))
            .await
            .expect("record");
        journal
            .append(
                &key("MP-REOPEN"),
                &event(T0 + 1, "sent"),
                &StateUpdate::status(PaymentStatus::Pending),
                None,
            )
            .await
            .expect("append");
    }
    assert_eq!(
        pragma(&path, "user_version"),
        lakala_journal::SCHEMA_VERSION
    );
    // "LKLJ" once closed cleanly, "LKLW" while a handle may still be writing (the dropped
    // handle's thread closes on its own time).
    assert!([0x4C4B_4C4A, 0x4C4B_4C57].contains(&pragma(&path, "application_id")));
    for _ in 0..3 {
        let journal = SqliteJournal::open(&path).await.expect("reopen");
        let r = journal
            .payment(&key("MP-REOPEN"))
            .await
            .expect("read")
            .expect("kept");
        assert_eq!((r.status, r.event_count), (PaymentStatus::Pending, 2));
        assert!(matches!(
            journal.record_intent(&micropay("MP-REOPEN")).await,
            Ok(Recorded::Existing(_))
        ));
    }
    assert_eq!(
        pragma(&path, "user_version"),
        lakala_journal::SCHEMA_VERSION
    );
    let c = Connection::open(&path).expect("raw open");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_journal_from_a_newer_version_is_refused() {
    let (_dir, path) = temp_journal();
    drop(SqliteJournal::open(&path).await.expect("create"));
    Connection::open(&path)
        .expect("raw open")
        .pragma_update(None, "user_version", 99)
        .expect("bump version");
    let e = SqliteJournal::open(&path).await.expect_err("newer");
    assert_eq!(
        e,
        JournalError::NewerSchema {
            found: 99,
            supported: lakala_journal::SCHEMA_VERSION
        }
    );
    assert_eq!(pragma(&path, "user_version"), 99, "not downgraded");
}

#[tokio::test]
async fn a_locked_file_is_busy_after_the_timeout_and_nothing_is_written() {
    let (_dir, path) = temp_journal();
    let journal = SqliteJournal::open_with(
        &path,
        SqliteOptions::default().busy_timeout(Duration::from_millis(150)),
    )
    .await
    .expect("open");
    journal
        .record_intent(&micropay("MP-LOCK-0"))
        .await
        .expect("record");

    let other = Connection::open(&path).expect("second connection");
    other
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("exclusive transaction");
    other
        .execute(
            "UPDATE lakala_payments SET reason = 'held' WHERE out_trade_no = 'MP-LOCK-0'",
            [],
        )
        .expect("write under the lock");

    let e = journal
        .record_intent(&micropay("MP-LOCK-1"))
        .await
        .expect_err("locked");
    assert!(matches!(e, JournalError::Busy { .. }), "{e:?}");
    assert!(e.is_transient());
    let e = journal
        .claim_due("node-a", T0 + 100, 30, 10)
        .await
        .expect_err("locked");
    assert!(matches!(e, JournalError::Busy { .. }), "{e:?}");
    let e = journal
        .claim("open:k", T0, 30, T0 + 60)
        .await
        .expect_err("locked");
    assert!(matches!(e, JournalError::Busy { .. }), "{e:?}");
    // WAL: readers are not blocked by the writer, and see the last commit.
    let r = journal
        .payment(&key("MP-LOCK-0"))
        .await
        .expect("read under the lock")
        .expect("present");
    assert_eq!(r.reason, None);

    other.execute_batch("ROLLBACK").expect("release");
    assert_eq!(
        journal.payment(&key("MP-LOCK-1")).await.expect("read"),
        None
    );
    assert!(journal
        .record_intent(&micropay("MP-LOCK-1"))
        .await
        .expect("record after the lock")
        .is_new());
}

#[tokio::test]
async fn opened_read_only_it_reads_and_refuses_writes() {
    let (_dir, path) = temp_journal();
    {
        let journal = SqliteJournal::open(&path).await.expect("create");
        journal
            .record_intent(&micropay("MP-RO-0"))
            .await
            .expect("record");
    }
    let journal = SqliteJournal::open_with(&path, SqliteOptions::default().read_only(true))
        .await
        .expect("open read-only");
    assert!(journal
        .payment(&key("MP-RO-0"))
        .await
        .expect("read")
        .is_some());
    assert_eq!(
        journal.list(&ListFilter::all()).await.expect("list").len(),
        1
    );
    for e in [
        journal
            .record_intent(&micropay("MP-RO-1"))
            .await
            .map(|_| ()),
        journal
            .append(
                &key("MP-RO-0"),
                &event(T0, "note"),
                &StateUpdate::none(),
                None,
            )
            .await
            .map(|_| ()),
        journal
            .claim_due("node-a", T0 + 100, 30, 10)
            .await
            .map(|_| ()),
        journal.claim("open:k", T0, 30, T0 + 60).await.map(|_| ()),
        journal.prune(i64::MAX).await.map(|_| ()),
    ] {
        let e = e.expect_err("read-only");
        assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
    }
    assert_eq!(
        journal.list(&ListFilter::all()).await.expect("list").len(),
        1
    );

    // Read-only on a file that holds no journal: refused as not a journal (it is never
    // made one, read-only or not).
    let (_dir2, empty) = temp_journal();
    drop(Connection::open(&empty).expect("create an empty database"));
    std::fs::write(&empty, b"").expect("empty file");
    let e = SqliteJournal::open_with(&empty, SqliteOptions::default().read_only(true))
        .await
        .expect_err("needs a schema");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
}

/// Clears the immutable attribute again, whatever happens.
struct Immutable<'a>(&'a Path);

impl Immutable<'_> {
    fn set(path: &Path) -> Immutable<'_> {
        let status = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .expect("run chattr (e2fsprogs)");
        assert!(status.success(), "chattr +i failed");
        Immutable(path)
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

/// A journal file the process may not write to: as root, permission bits do not stop
/// writes, so the file is made immutable (`chattr +i`); as another user, it is made
/// read-only (mode 0444). SQLite then opens it read-only by itself.
#[tokio::test]
async fn a_file_that_may_not_be_written_is_read_only() {
    let (_dir, path) = temp_journal();
    {
        let journal = SqliteJournal::open(&path).await.expect("create");
        journal
            .record_intent(&micropay("MP-IMM-0"))
            .await
            .expect("record");
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let _guard;
    if is_root {
        _guard = Some(Immutable::set(&path));
    } else {
        _guard = None;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444))
            .expect("chmod 0444");
    }
    let journal = SqliteJournal::open(&path)
        .await
        .expect("a current journal opens");
    assert!(journal
        .payment(&key("MP-IMM-0"))
        .await
        .expect("read")
        .is_some());
    let e = journal
        .record_intent(&micropay("MP-IMM-1"))
        .await
        .expect_err("cannot write");
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
}

#[tokio::test]
async fn a_missing_directory_is_unavailable() {
    let (dir, _) = temp_journal();
    let path = dir.path().join("no/such/dir/journal.sqlite3");
    let e = SqliteJournal::open(&path).await.expect_err("cannot create");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
    assert!(e.is_transient());
    let (_dir, missing) = temp_journal();
    let e = SqliteJournal::open_with(&missing, SqliteOptions::default().read_only(true))
        .await
        .expect_err("read-only does not create");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
}

#[tokio::test]
async fn normal_sync_and_handles_sharing_one_connection() {
    let (_dir, path) = temp_journal();
    let journal = SqliteJournal::open_with(
        &path,
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    let clone = journal.clone();
    journal
        .record_intent(&micropay("MP-SYNC"))
        .await
        .expect("record");
    assert!(clone
        .payment(&key("MP-SYNC"))
        .await
        .expect("read")
        .is_some());
    assert_eq!(
        clone.claim("open:s", T0, 30, T0 + 60).await,
        Ok(Delivery::First)
    );
    assert_eq!(
        journal.claim("open:s", T0, 30, T0 + 60).await,
        Ok(Delivery::InProgress { until: T0 + 30 })
    );
    assert!(format!("{journal:?}").contains("journal.sqlite3"));
}

/// A file written by schema version 1 (before auth digests and conflict marks) is
/// brought to the current version when opened, its payments intact, and takes the new
/// fields at once.
#[tokio::test]
async fn a_version_1_journal_is_upgraded_on_open() {
    let (_dir, path) = temp_journal();
    let events = {
        let journal = SqliteJournal::open(&path).await.expect("create");
        journal
            .record_intent(&micropay("MP-V1"))
            .await
            .expect("record");
        journal
            .append(
                &key("MP-V1"),
                &event(T0 + 1, "answer"),
                &StateUpdate::status(PaymentStatus::Pending).with_trade_no("T1"),
                None,
            )
            .await
            .expect("append");
        all_events(&journal).await
    };
    // Back to exactly what version 1 had: no digest, no conflict, no new indexes.
    {
        let c = Connection::open(&path).expect("raw open");
        to_version_3(&c, &events);
        to_version_2(&c);
        c.execute_batch(
            "DROP INDEX lakala_payments_conflict; DROP INDEX lakala_payments_origin; \
             ALTER TABLE lakala_payments DROP COLUMN auth_digest; \
             ALTER TABLE lakala_payments DROP COLUMN conflict; PRAGMA user_version = 1;",
        )
        .expect("make it a version 1 file");
        let columns: i64 = c
            .query_row(
                "SELECT count(*) FROM pragma_table_info('lakala_payments') \
                 WHERE name IN ('auth_digest', 'conflict')",
                [],
                |r| r.get(0),
            )
            .expect("columns");
        assert_eq!(columns, 0);
    }
    assert_eq!(pragma(&path, "user_version"), 1);

    let journal = SqliteJournal::open(&path).await.expect("open and upgrade");
    assert_eq!(
        pragma(&path, "user_version"),
        lakala_journal::SCHEMA_VERSION
    );
    let r = journal
        .payment(&key("MP-V1"))
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (r.status, r.trade_no.as_deref(), r.event_count),
        (PaymentStatus::Pending, Some("T1"), 2)
    );
    assert_eq!((r.auth_digest, r.conflict), (None, None));
    let e = journal
        .append(
            &key("MP-V1"),
            &event(T0 + 2, "query"),
            &StateUpdate::none().with_trade_no("T2"),
            None,
        )
        .await
        .expect_err("another trade_no");
    assert!(matches!(e, JournalError::FactConflict { .. }), "{e:?}");
    let marked = journal.list(&ListFilter::conflicts()).await.expect("list");
    assert_eq!(marked.len(), 1);
    let digest = micropay("MP-V1-NEW").with_auth_digest("hmac:abc");
    let Recorded::New(new) = journal.record_intent(&digest).await.expect("record") else {
        panic!("new");
    };
    assert_eq!(new.auth_digest.as_deref(), Some("hmac:abc"));
    drop(journal);
    // Opened again: nothing left to migrate.
    drop(SqliteJournal::open(&path).await.expect("reopen"));
    assert_eq!(
        pragma(&path, "user_version"),
        lakala_journal::SCHEMA_VERSION
    );
}

/// What version 3 added, taken away again: the payments table rebuilt with the kind
/// check of version 2 (without `preorder`) and its indexes, without the time indexes,
/// its fingerprints as hex text, no `id` column; the events keyed by the merchant and
/// number, in a table with rowids.
fn to_version_2(c: &Connection) {
    c.execute_batch(
        "PRAGMA foreign_keys = OFF; BEGIN;
         CREATE TABLE old_payments AS SELECT * FROM lakala_payments;
         DROP TABLE lakala_payments;
         CREATE TABLE lakala_payments (
            merchant_no TEXT NOT NULL, out_trade_no TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('micropay', 'revoke', 'refund')),
            term_no TEXT NOT NULL, origin_out_trade_no TEXT, amount_fen INTEGER,
            masked_auth_code TEXT, fingerprint TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('recorded', 'pending', 'succeeded', 'failed', 'revoked', 'unresolved')),
            trade_no TEXT, last_trade_state TEXT, outcome TEXT, reason TEXT,
            attempts INTEGER NOT NULL DEFAULT 0, event_count INTEGER NOT NULL,
            created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
            updated_at INTEGER NOT NULL, next_check_at INTEGER, finished_at INTEGER,
            lease_owner TEXT, lease_token INTEGER NOT NULL DEFAULT 0, lease_until INTEGER,
            auth_digest TEXT, conflict TEXT,
            PRIMARY KEY (merchant_no, out_trade_no));
         INSERT INTO lakala_payments SELECT merchant_no, out_trade_no, kind, term_no,
            origin_out_trade_no, amount_fen, masked_auth_code, lower(hex(fingerprint)),
            status, trade_no, last_trade_state, outcome, reason, attempts, event_count,
            created_at, created_by, updated_at, next_check_at, finished_at, lease_owner,
            lease_token, lease_until,
            CASE WHEN typeof(auth_digest) = 'blob'
                THEN 'hmac-sha256:' || lower(hex(auth_digest)) ELSE auth_digest END,
            conflict FROM old_payments;
         CREATE TABLE old_events AS SELECT p.merchant_no, p.out_trade_no, e.seq, e.at,
            e.instance, e.kind, e.payload
            FROM lakala_payment_events AS e JOIN old_payments AS p ON p.id = e.payment_id;
         DROP TABLE old_payments;
         DROP TABLE lakala_payment_events;
         CREATE TABLE lakala_payment_events (
            merchant_no TEXT NOT NULL, out_trade_no TEXT NOT NULL, seq INTEGER NOT NULL,
            at INTEGER NOT NULL, instance TEXT NOT NULL, kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (merchant_no, out_trade_no, seq),
            FOREIGN KEY (merchant_no, out_trade_no)
                REFERENCES lakala_payments (merchant_no, out_trade_no) ON DELETE CASCADE);
         INSERT INTO lakala_payment_events SELECT * FROM old_events;
         DROP TABLE old_events;
         CREATE INDEX lakala_payments_due ON lakala_payments (next_check_at)
             WHERE status IN ('recorded', 'pending');
         CREATE INDEX lakala_payments_finished ON lakala_payments (finished_at)
             WHERE finished_at IS NOT NULL;
         CREATE INDEX lakala_payments_status ON lakala_payments (status);
         CREATE INDEX lakala_payments_conflict ON lakala_payments (merchant_no, out_trade_no)
             WHERE conflict IS NOT NULL;
         CREATE INDEX lakala_payments_origin
             ON lakala_payments (merchant_no, origin_out_trade_no)
             WHERE origin_out_trade_no IS NOT NULL;
         PRAGMA user_version = 2;
         COMMIT; PRAGMA foreign_keys = ON;",
    )
    .expect("make it a version 2 file");
}

/// An auth digest of the client's form (stored as bytes by version 3, as text by 2).
const V2_DIGEST: &str =
    "hmac-sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A file written by schema version 2 (before pre-orders and the time indexes) is
/// brought to the current version when opened: the payments table rebuilt without losing a row or
/// an event (foreign keys off while it is, so the drop does not cascade), pre-orders
/// accepted, the time indexes there.
#[tokio::test]
async fn a_version_2_journal_is_upgraded_on_open() {
    let (_dir, path) = temp_journal();
    let events = {
        let journal = SqliteJournal::open(&path).await.expect("create");
        for no in ["MP-V2-1", "MP-V2-2"] {
            let intent = micropay(no).with_auth_digest(V2_DIGEST);
            journal.record_intent(&intent).await.expect("record");
        }
        journal
            .append(
                &key("MP-V2-1"),
                &event(T0 + 1, "answer"),
                &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T1"),
                None,
            )
            .await
            .expect("append");
        journal
            .append(
                &key("MP-V2-2"),
                &event(T0 + 2, "note"),
                &StateUpdate::none().with_conflict("checked by hand"),
                None,
            )
            .await
            .expect("mark");
        all_events(&journal).await
    };
    {
        let c = Connection::open(&path).expect("raw open");
        to_version_3(&c, &events);
        to_version_2(&c);
        let refused = c.execute("UPDATE lakala_payments SET kind = 'preorder'", []);
        assert!(refused.is_err(), "version 2 refuses the preorder kind");
    }
    assert_eq!(pragma(&path, "user_version"), 2);

    let journal = SqliteJournal::open(&path).await.expect("open and upgrade");
    assert_eq!(
        pragma(&path, "user_version"),
        lakala_journal::SCHEMA_VERSION
    );
    let r = journal
        .payment(&key("MP-V2-1"))
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (
            r.status,
            r.trade_no.as_deref(),
            r.event_count,
            r.finished_at
        ),
        (PaymentStatus::Succeeded, Some("T1"), 2, Some(T0 + 1))
    );
    assert_eq!(
        journal.events(&key("MP-V2-1")).await.expect("events").len(),
        2
    );
    assert_eq!(
        journal.events(&key("MP-V2-2")).await.expect("events").len(),
        2
    );
    assert_eq!(
        (r.fingerprint.as_str(), r.auth_digest.as_deref()),
        (micropay("MP-V2-1").fingerprint.as_str(), Some(V2_DIGEST)),
        "the digests of version 2 (text) read back unchanged"
    );
    let marked = journal.list(&ListFilter::conflicts()).await.expect("list");
    assert_eq!(marked.len(), 1);
    let preorder = lakala_journal::Intent::preorder(
        lakala_journal::PaymentKey::new("822290059430001", "PO-V3"),
        "SBX00001",
        300,
        "0123456789abcdef0123456789abcdef",
        "node-a",
        T0 + 5,
    );
    assert!(journal
        .record_intent(&preorder)
        .await
        .expect("record")
        .is_new());
    let newest = journal
        .list(&ListFilter::all().newest_first().limit(2))
        .await
        .expect("list");
    let names: Vec<&str> = newest.iter().map(|r| r.key.out_trade_no.as_str()).collect();
    assert_eq!(names, ["PO-V3", "MP-V2-2"]);
    drop(journal);
    let c = Connection::open(&path).expect("raw open");
    assert_eq!(
        payment_indexes(&c)
            .into_iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>(),
        V4_INDEXES
    );
    assert_eq!(
        events_table(&c),
        0,
        "the events moved into the payments' histories"
    );
    let stored: Vec<(String, String)> = c
        .prepare(
            "SELECT out_trade_no, typeof(fingerprint) || ' ' || typeof(auth_digest) \
             FROM lakala_payments WHERE out_trade_no IN ('MP-V2-1', 'PO-V3') \
             ORDER BY out_trade_no",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        stored,
        [
            ("MP-V2-1".to_owned(), "text text".to_owned()),
            ("PO-V3".to_owned(), "blob null".to_owned())
        ],
        "rows of version 2 keep their text; new rows store the fingerprint as bytes"
    );
    let dangling: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("check");
    assert_eq!(dangling, 0);
}

/// The indexes of `lakala_payments` besides its key, by name: (name, definition).
fn payment_indexes(c: &Connection) -> Vec<(String, String)> {
    c.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
         AND tbl_name = 'lakala_payments' AND sql IS NOT NULL ORDER BY name",
    )
    .expect("prepare")
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("indexes")
}

/// The indexes of `lakala_payments` besides its key since version 4.
const V4_INDEXES: [&str; 7] = [
    "lakala_payments_conflict",
    "lakala_payments_created",
    "lakala_payments_due",
    "lakala_payments_finished",
    "lakala_payments_open",
    "lakala_payments_open_created",
    "lakala_payments_origin",
];

/// Every payment's events, read through the journal: what a file of version 3 keeps in
/// its events table.
async fn all_events(journal: &SqliteJournal) -> Vec<(String, Vec<lakala_journal::Event>)> {
    let mut all = Vec::new();
    for r in journal
        .list(&ListFilter::all().limit(1000))
        .await
        .expect("list")
    {
        let events = journal.events(&r.key).await.expect("events");
        assert_eq!(events.len() as i64, r.event_count);
        all.push((r.key.out_trade_no, events));
    }
    all
}

/// Whether the file has the events table of versions 1 to 3 (1) or not (0).
fn events_table(c: &Connection) -> i64 {
    c.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'lakala_payment_events'",
        [],
        |r| r.get(0),
    )
    .expect("events table")
}

/// What version 4 changed, undone with the SQL of version 3: the status index back, the
/// time indexes carrying the key again, no indexes of the open payments, and the events
/// (`events`, by payment number, of the merchant of `key`) in the events table of
/// version 3, keyed by the payment's id, instead of each payment's history.
fn to_version_3(c: &Connection, events: &[(String, Vec<lakala_journal::Event>)]) {
    c.execute_batch(
        "BEGIN;
         DROP INDEX lakala_payments_open; DROP INDEX lakala_payments_open_created;
         DROP INDEX lakala_payments_created; DROP INDEX lakala_payments_finished;
         CREATE INDEX lakala_payments_status ON lakala_payments (status);
         CREATE INDEX lakala_payments_created
             ON lakala_payments (created_at, merchant_no, out_trade_no);
         CREATE INDEX lakala_payments_finished
             ON lakala_payments (finished_at, merchant_no, out_trade_no)
             WHERE finished_at IS NOT NULL;
         CREATE TABLE lakala_payment_events (
             payment_id   INTEGER NOT NULL REFERENCES lakala_payments (id) ON DELETE CASCADE,
             seq          INTEGER NOT NULL,
             at           INTEGER NOT NULL,
             instance     TEXT    NOT NULL,
             kind         TEXT    NOT NULL,
             payload      TEXT    NOT NULL,
             PRIMARY KEY (payment_id, seq)
         ) WITHOUT ROWID;",
    )
    .expect("version 3's indexes and events table");
    for (no, list) in events {
        for e in list {
            let inserted = c
                .execute(
                    "INSERT INTO lakala_payment_events (payment_id, seq, at, instance, kind, \
                     payload) SELECT id, ?3, ?4, ?5, ?6, ?7 FROM lakala_payments \
                     WHERE merchant_no = ?1 AND out_trade_no = ?2",
                    rusqlite::params![
                        key(no).merchant_no,
                        no,
                        e.seq,
                        e.at,
                        e.instance,
                        e.kind,
                        serde_json::to_string(&e.payload).expect("payload")
                    ],
                )
                .expect("an event of version 3");
            assert_eq!(inserted, 1);
        }
    }
    c.execute_batch(
        "ALTER TABLE lakala_payments DROP COLUMN history;
         PRAGMA user_version = 3;
         COMMIT;",
    )
    .expect("make it a version 3 file");
}

/// A file written by schema version 3 is brought to version 4 when opened: the status
/// index gone, the time indexes on the time alone, the open payments indexed by key and
/// by creation time; its payments intact and listed in the same orders (ties within a
/// second by key, across pages).
#[tokio::test]
async fn a_version_3_journal_is_upgraded_on_open() {
    let (_dir, path) = temp_journal();
    let events = {
        let journal = SqliteJournal::open(&path).await.expect("create");
        for no in ["MP-V3-1", "MP-V3-2", "MP-V3-3", "MP-V3-4"] {
            journal.record_intent(&micropay(no)).await.expect("record");
        }
        for (no, status) in [
            ("MP-V3-1", PaymentStatus::Succeeded),
            ("MP-V3-2", PaymentStatus::Pending),
            ("MP-V3-4", PaymentStatus::Failed),
        ] {
            journal
                .append(
                    &key(no),
                    &event(T0 + 1, "answer"),
                    &StateUpdate::status(status),
                    None,
                )
                .await
                .expect("append");
        }
        // Payloads whose text must survive byte for byte: Chinese, escapes, nesting.
        let odd = lakala_journal::NewEvent::new(
            T0 + 2,
            "node-b",
            "note",
            serde_json::json!({"msg": "交易成功", "esc": "tab\there \"quoted\" \\ \u{1}",
                "nested": {"list": [1, 2.5, null, true], "z": "", "a": -7}}),
        );
        journal
            .append(&key("MP-V3-2"), &odd, &StateUpdate::none(), None)
            .await
            .expect("append the odd one");
        all_events(&journal).await
    };
    {
        let c = Connection::open(&path).expect("raw open");
        to_version_3(&c, &events);
        assert_eq!(events_table(&c), 1);
        let names: Vec<String> = payment_indexes(&c).into_iter().map(|(n, _)| n).collect();
        assert!(
            names.contains(&"lakala_payments_status".to_owned()),
            "{names:?}"
        );
    }
    assert_eq!(pragma(&path, "user_version"), 3);

    let journal = SqliteJournal::open(&path).await.expect("open and upgrade");
    assert_eq!(pragma(&path, "user_version"), 4);
    assert_eq!(
        all_events(&journal).await,
        events,
        "every event read back as version 3 kept it"
    );
    let after = journal
        .append(
            &key("MP-V3-2"),
            &event(T0 + 3, "query"),
            &StateUpdate::none(),
            None,
        )
        .await
        .expect("append after the upgrade");
    assert_eq!(after.event_count, 4);
    let read = journal.events(&key("MP-V3-2")).await.expect("events");
    assert_eq!(
        read.iter()
            .map(|e| (e.seq, e.kind.as_str()))
            .collect::<Vec<_>>(),
        [(1, "intent"), (2, "answer"), (3, "note"), (4, "query")]
    );
    let names = |records: Vec<lakala_journal::PaymentRecord>| -> Vec<String> {
        records.into_iter().map(|r| r.key.out_trade_no).collect()
    };
    let open = journal.list(&ListFilter::open()).await.expect("open");
    assert_eq!(names(open), ["MP-V3-2", "MP-V3-3"]);
    let open_newest = journal
        .list(&ListFilter::open().newest_first())
        .await
        .expect("open, newest first");
    assert_eq!(names(open_newest), ["MP-V3-3", "MP-V3-2"]);
    let finished = journal
        .list(&ListFilter::all().finished_in(T0, T0 + 2).newest_first())
        .await
        .expect("finished");
    assert_eq!(names(finished), ["MP-V3-4", "MP-V3-1"]);
    // All four created in the same second: two pages of two, in key order descending.
    let first = ListFilter::all().newest_first().limit(2);
    let page = journal.list(&first).await.expect("page 1");
    let next = first
        .page_after(page.last().expect("a page"))
        .expect("cursor");
    assert_eq!(names(page), ["MP-V3-4", "MP-V3-3"]);
    let page = journal.list(&next).await.expect("page 2");
    assert_eq!(names(page), ["MP-V3-2", "MP-V3-1"]);
    drop(journal);

    let c = Connection::open(&path).expect("raw open");
    assert_eq!(events_table(&c), 0, "the events table is gone");
    let indexes = payment_indexes(&c);
    assert_eq!(
        indexes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        V4_INDEXES
    );
    let definition = |name: &str| -> String {
        let sql = &indexes.iter().find(|(n, _)| n == name).expect("index").1;
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert!(
        definition("lakala_payments_created").ends_with("ON lakala_payments (created_at)"),
        "{}",
        definition("lakala_payments_created")
    );
    assert!(
        definition("lakala_payments_finished")
            .ends_with("(finished_at) WHERE finished_at IS NOT NULL"),
        "{}",
        definition("lakala_payments_finished")
    );
    for name in ["lakala_payments_open", "lakala_payments_open_created"] {
        assert!(
            definition(name).ends_with("WHERE status IN ('recorded', 'pending', 'unresolved')"),
            "{}",
            definition(name)
        );
    }
}
