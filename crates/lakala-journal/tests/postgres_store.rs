//! PostgreSQL on a real server (`LAKALA_TEST_POSTGRES_URL`, see
//! scripts/test-postgres.sh): connection failures, migrations, a newer schema, a broken
//! schema, read-only sessions, and a connection killed under the pool.

#[path = "support/postgres.rs"]
mod postgres_support;

use lakala_journal::conformance::{event, key, micropay, Harness, T0};
use lakala_journal::{
    JournalError, ListFilter, PaymentJournal, PostgresJournal, PostgresOptions, Recorded,
    StateUpdate,
};
use postgres_support::{fresh_schema, harness, raw_client, url};
use std::time::Duration;

/// The test URL with extra query parameters.
fn url_with(params: &str) -> String {
    let base = url();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{params}")
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // A loopback port nobody listens on: bind one, then close it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let e = PostgresJournal::connect_with(
        &format!("postgres://lakala:secret-password@127.0.0.1:{port}/x"),
        PostgresOptions::default().connect_timeout(Duration::from_secs(2)),
    )
    .await
    .expect_err("nobody listens");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
    assert!(!e.to_string().contains("secret-password"), "{e}");
}

#[tokio::test]
async fn bad_connection_strings_and_schema_names_are_refused() {
    let e = PostgresJournal::connect("postgres://lakala:secret-password@host:notaport/db")
        .await
        .expect_err("bad port");
    assert!(
        matches!(
            e,
            JournalError::InvalidInput {
                field: "connection string",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains("secret-password"), "{e}");
    for schema in ["", "Upper", "9lives", "semi;colon", "quo\"te"] {
        let e = PostgresJournal::connect_with(&url(), PostgresOptions::default().schema(schema))
            .await
            .expect_err("bad schema name");
        assert!(
            matches!(
                e,
                JournalError::InvalidInput {
                    field: "schema",
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_database_is_unavailable() {
    let base = url();
    let Some((server, _db)) = base.rsplit_once('/') else {
        panic!("LAKALA_TEST_POSTGRES_URL has no database part: {base}");
    };
    let e = PostgresJournal::connect(&format!("{server}/no_such_database_here"))
        .await
        .expect_err("no database");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
    assert!(e.to_string().contains("3D000"), "{e}");
}

#[tokio::test]
async fn migrations_run_once_even_when_instances_start_together() {
    let h = harness().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (url, options) = (h.url.clone(), h.options());
        tasks.push(tokio::spawn(async move {
            PostgresJournal::connect_with(&url, options).await
        }));
    }
    let mut journals = Vec::new();
    for t in tasks {
        journals.push(t.await.expect("task").expect("connect"));
    }
    journals[0]
        .record_intent(&micropay("MP-MIG"))
        .await
        .expect("record");
    drop(journals);
    // Reopening applies nothing and keeps everything.
    let again = h.open().await.expect("reopen");
    assert!(matches!(
        again.record_intent(&micropay("MP-MIG")).await,
        Ok(Recorded::Existing(_))
    ));
    let client = raw_client().await;
    let version: i64 = client
        .query_one(
            &format!("SELECT version FROM \"{}\".lakala_journal_schema", h.schema),
            &[],
        )
        .await
        .expect("version")
        .get(0);
    assert_eq!(version, lakala_journal::SCHEMA_VERSION);
    let rows: i64 = client
        .query_one(
            &format!(
                "SELECT count(*) FROM \"{}\".lakala_journal_schema",
                h.schema
            ),
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 1);
    h.finish().await;
}

#[tokio::test]
async fn a_journal_from_a_newer_version_is_refused() {
    let h = harness().await;
    drop(h.open().await.expect("create"));
    raw_client()
        .await
        .batch_execute(&format!(
            "UPDATE \"{}\".lakala_journal_schema SET version = 99",
            h.schema
        ))
        .await
        .expect("bump");
    let e = h.open().await.expect_err("newer");
    assert_eq!(
        e,
        JournalError::NewerSchema {
            found: 99,
            supported: lakala_journal::SCHEMA_VERSION
        }
    );
    h.finish().await;
}

#[tokio::test]
async fn a_broken_schema_is_corrupt() {
    let h = harness().await;
    let journal = h.open().await.expect("create");
    journal
        .record_intent(&micropay("MP-BRK"))
        .await
        .expect("record");
    raw_client()
        .await
        .batch_execute(&format!(
            "ALTER TABLE \"{}\".lakala_payments DROP COLUMN history",
            h.schema
        ))
        .await
        .expect("break it");
    // A new handle prepares its statements against the broken schema.
    let fresh = h.open().await.expect("the version table still says 1");
    let e = fresh
        .append(
            &key("MP-BRK"),
            &event(T0, "note"),
            &StateUpdate::none(),
            None,
        )
        .await
        .expect_err("no history column");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("42703"), "{e}");
    h.finish().await;
}

#[tokio::test]
async fn a_read_only_session_reads_and_refuses_writes() {
    let h = harness().await;
    let journal = h.open().await.expect("create");
    journal
        .record_intent(&micropay("MP-RO"))
        .await
        .expect("record");
    let read_only = PostgresJournal::connect_with(
        &url_with("options=-c%20default_transaction_read_only%3Don"),
        h.options(),
    )
    .await
    .expect("a current journal opens read-only");
    assert!(read_only
        .payment(&key("MP-RO"))
        .await
        .expect("read")
        .is_some());
    assert_eq!(
        read_only
            .list(&ListFilter::all())
            .await
            .expect("list")
            .len(),
        1
    );
    let e = read_only
        .record_intent(&micropay("MP-RO-2"))
        .await
        .expect_err("read-only");
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
    let e = read_only
        .claim_due("node-a", T0 + 100, 30, 10)
        .await
        .expect_err("read-only");
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
    // And a read-only session cannot create a journal.
    let e = PostgresJournal::connect_with(
        &url_with("options=-c%20default_transaction_read_only%3Don"),
        PostgresOptions::default().schema(fresh_schema()),
    )
    .await
    .expect_err("cannot create");
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
    h.finish().await;
}

#[tokio::test]
async fn a_killed_connection_is_replaced() {
    let h = harness().await;
    let app = h.schema.clone();
    let journal = PostgresJournal::connect_with(
        &url_with(&format!("application_name={app}")),
        h.options().max_connections(1),
    )
    .await
    .expect("connect");
    journal
        .record_intent(&micropay("MP-KILL"))
        .await
        .expect("record");
    let admin = raw_client().await;
    let killed: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .expect("terminate")
        .get(0);
    assert_eq!(killed, 1, "the journal's one connection");
    // Termination is a signal: wait until the backend is gone (bounded).
    for _ in 0..100 {
        let left: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .await
            .expect("count")
            .get(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The first call may meet the dead connection: a transient error, never a wrong
    // answer; the next gets a new connection.
    match journal.payment(&key("MP-KILL")).await {
        Ok(found) => assert!(found.is_some()),
        Err(e) => assert!(e.is_transient(), "{e:?}"),
    }
    let found = journal.payment(&key("MP-KILL")).await.expect("reconnected");
    assert!(found.is_some());
    h.finish().await;
}

#[tokio::test]
async fn debug_never_shows_the_connection_string() {
    let h = harness().await;
    let journal = h.open().await.expect("connect");
    let shown = format!("{journal:?}");
    assert!(
        !shown.contains("127.0.0.1") && !shown.contains("postgres://"),
        "{shown}"
    );
    assert!(shown.contains(&h.schema));
    h.finish().await;
}

/// A schema written by version 1 (before auth digests, conflict marks and server-clock
/// leases) is brought to the current version on connect, its payments and a held lease
/// intact.
#[tokio::test]
async fn a_version_1_schema_is_upgraded_on_connect() {
    let h = harness().await;
    let events = {
        let journal = h.open().await.expect("create");
        journal
            .record_intent(&micropay("MP-V1"))
            .await
            .expect("record");
        journal
            .append(
                &key("MP-V1"),
                &event(T0 + 1, "answer"),
                &StateUpdate::none().with_trade_no("T1"),
                None,
            )
            .await
            .expect("append");
        all_events(&journal).await
    };
    let client = raw_client().await;
    to_version_3(&client, &h.schema, &events).await;
    // Back to exactly what version 1 had.
    client
        .batch_execute(&format!(
            "SET search_path TO \"{s}\"; \
             {TO_V2} \
             DROP INDEX lakala_payments_conflict; DROP INDEX lakala_payments_origin; \
             ALTER TABLE lakala_payments DROP COLUMN auth_digest, DROP COLUMN conflict, \
                 DROP COLUMN lease_skew; \
             UPDATE lakala_journal_schema SET version = 1; \
             UPDATE lakala_payments SET lease_owner = 'old-node', lease_token = 3, \
                 lease_until = 4000000000",
            s = h.schema
        ))
        .await
        .expect("make it a version 1 schema");

    let journal = h.open().await.expect("connect and upgrade");
    let version: i64 = client
        .query_one(
            &format!("SELECT version FROM \"{}\".lakala_journal_schema", h.schema),
            &[],
        )
        .await
        .expect("version")
        .get(0);
    assert_eq!(version, lakala_journal::SCHEMA_VERSION);
    let r = journal
        .payment(&key("MP-V1"))
        .await
        .expect("read")
        .expect("kept");
    assert_eq!((r.trade_no.as_deref(), r.event_count), (Some("T1"), 2));
    assert_eq!((r.auth_digest, r.conflict), (None, None));
    assert_eq!(
        (r.lease_owner.as_deref(), r.lease_token, r.lease_until),
        (Some("old-node"), 3, Some(4_000_000_000)),
        "a lease from before keeps its end (no skew)"
    );
    assert!(journal
        .claim_due("node-b", T0 + 100, 30, 10)
        .await
        .expect("claim")
        .is_empty());
    journal
        .append(
            &key("MP-V1"),
            &event(T0 + 2, "note"),
            &StateUpdate::none().with_conflict("checked by hand"),
            None,
        )
        .await
        .expect("mark");
    assert_eq!(
        journal
            .list(&ListFilter::conflicts())
            .await
            .expect("list")
            .len(),
        1
    );
    drop(journal);
    drop(h.open().await.expect("reconnect: nothing to migrate"));
    h.finish().await;
}

/// Every payment's events, read through the journal: what a schema of version 3 keeps
/// in its events table.
async fn all_events(journal: &impl PaymentJournal) -> Vec<(String, Vec<lakala_journal::Event>)> {
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

/// A stored digest (digest.rs's forms) as the text version 3 kept: 32 bytes as hex (with
/// `prefix`), anything else the text after its marker bytes.
fn digest_text(column: &str, prefix: &str) -> String {
    format!(
        "CASE WHEN {column} IS NULL THEN NULL \
         WHEN octet_length({column}) = 32 THEN '{prefix}' || encode({column}, 'hex') \
         ELSE convert_from(substr({column}, CASE WHEN octet_length({column}) = 33 \
             AND get_byte({column}, 1) = 255 THEN 3 ELSE 2 END), 'UTF8') END"
    )
}

/// What version 4 changed, undone with the SQL of version 3: the status index back, the
/// time indexes carrying the key again, no indexes of the open payments, the digests as
/// text, each payment's `id` back, and the events (`events`, by payment number of the
/// fixtures' merchant) in the events table of version 3 instead of each payment's history.
async fn to_version_3(
    client: &tokio_postgres::Client,
    schema: &str,
    events: &[(String, Vec<lakala_journal::Event>)],
) {
    client
        .batch_execute(&format!(
            "SET search_path TO \"{schema}\";
             DROP INDEX lakala_payments_open; DROP INDEX lakala_payments_open_created;
             DROP INDEX lakala_payments_created; DROP INDEX lakala_payments_finished;
             CREATE INDEX lakala_payments_status ON lakala_payments (status);
             CREATE INDEX lakala_payments_created
                 ON lakala_payments (created_at, merchant_no, out_trade_no);
             CREATE INDEX lakala_payments_finished
                 ON lakala_payments (finished_at, merchant_no, out_trade_no)
                 WHERE finished_at IS NOT NULL;
             ALTER TABLE lakala_payments
                 ALTER COLUMN fingerprint TYPE text USING ({fingerprint}),
                 ALTER COLUMN auth_digest TYPE text USING ({auth_digest}),
                 DROP COLUMN history,
                 ADD COLUMN id BIGINT GENERATED BY DEFAULT AS IDENTITY;
             ALTER TABLE lakala_payments ADD CONSTRAINT lakala_payments_id_key UNIQUE (id);
             CREATE TABLE lakala_payment_events (
                 payment_id BIGINT NOT NULL REFERENCES lakala_payments (id) ON DELETE CASCADE,
                 seq        BIGINT NOT NULL,
                 at         BIGINT NOT NULL,
                 instance   TEXT   NOT NULL,
                 kind       TEXT   NOT NULL,
                 payload    TEXT   NOT NULL,
                 PRIMARY KEY (payment_id, seq));
             UPDATE lakala_journal_schema SET version = 3;",
            fingerprint = digest_text("fingerprint", ""),
            auth_digest = digest_text("auth_digest", "hmac-sha256:"),
        ))
        .await
        .expect("make it a version 3 schema");
    for (no, list) in events {
        for e in list {
            let payload = serde_json::to_string(&e.payload).expect("payload");
            let inserted = client
                .execute(
                    &format!(
                        "INSERT INTO \"{schema}\".lakala_payment_events \
                         (payment_id, seq, at, instance, kind, payload) \
                         SELECT id, $3, $4, $5, $6, $7 FROM \"{schema}\".lakala_payments \
                         WHERE merchant_no = $1 AND out_trade_no = $2"
                    ),
                    &[
                        &key(no).merchant_no,
                        no,
                        &e.seq,
                        &e.at,
                        &e.instance,
                        &e.kind,
                        &payload,
                    ],
                )
                .await
                .expect("an event of version 3");
            assert_eq!(inserted, 1);
        }
    }
}

/// Whether `schema` has the events table of versions 1 to 3.
async fn has_events_table(client: &tokio_postgres::Client, schema: &str) -> bool {
    client
        .query_one(
            &format!("SELECT to_regclass('\"{schema}\".lakala_payment_events') IS NOT NULL"),
            &[],
        )
        .await
        .expect("events table")
        .get(0)
}

/// What version 3 added, taken away again (after [`to_version_3`]): back to exactly version 2 (no payment `id`,
/// the events keyed by the merchant and number).
const TO_V2: &str = "\
    ALTER TABLE lakala_payments DROP CONSTRAINT lakala_payments_kind_check; \
    ALTER TABLE lakala_payments ADD CONSTRAINT lakala_payments_kind_check \
        CHECK (kind IN ('micropay', 'revoke', 'refund')); \
    DROP INDEX lakala_payments_created; DROP INDEX lakala_payments_finished; \
    CREATE INDEX lakala_payments_finished ON lakala_payments (finished_at) \
        WHERE finished_at IS NOT NULL; \
    CREATE TABLE old_events (merchant_no TEXT COLLATE \"C\" NOT NULL, \
        out_trade_no TEXT COLLATE \"C\" NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, \
        instance TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, \
        PRIMARY KEY (merchant_no, out_trade_no, seq), \
        FOREIGN KEY (merchant_no, out_trade_no) \
            REFERENCES lakala_payments (merchant_no, out_trade_no) ON DELETE CASCADE); \
    INSERT INTO old_events SELECT p.merchant_no, p.out_trade_no, e.seq, e.at, e.instance, \
        e.kind, e.payload FROM lakala_payment_events AS e \
        JOIN lakala_payments AS p ON p.id = e.payment_id; \
    DROP TABLE lakala_payment_events; \
    ALTER TABLE old_events RENAME TO lakala_payment_events; \
    ALTER INDEX old_events_pkey RENAME TO lakala_payment_events_pkey; \
    ALTER TABLE lakala_payments DROP COLUMN id; \
    UPDATE lakala_journal_schema SET version = 2;";

/// A schema written by version 2 (before pre-orders and the time indexes) is brought to
/// the current version on connect: its payments and events intact, pre-orders accepted, the time
/// indexes there.
#[tokio::test]
async fn a_version_2_schema_is_upgraded_on_connect() {
    let h = harness().await;
    let events = {
        let journal = h.open().await.expect("create");
        journal
            .record_intent(&micropay("MP-V2"))
            .await
            .expect("record");
        journal
            .append(
                &key("MP-V2"),
                &event(T0 + 1, "answer"),
                &StateUpdate::status(lakala_journal::PaymentStatus::Succeeded).with_trade_no("T1"),
                None,
            )
            .await
            .expect("append");
        all_events(&journal).await
    };
    let client = raw_client().await;
    to_version_3(&client, &h.schema, &events).await;
    client
        .batch_execute(&format!("SET search_path TO \"{}\"; {TO_V2}", h.schema))
        .await
        .expect("make it a version 2 schema");
    let refused = client
        .batch_execute(&format!(
            "SET search_path TO \"{}\"; UPDATE lakala_payments SET kind = 'preorder'",
            h.schema
        ))
        .await;
    assert!(refused.is_err(), "version 2 refuses the preorder kind");

    let journal = h.open().await.expect("connect and upgrade");
    let version: i64 = client
        .query_one(
            &format!("SELECT version FROM \"{}\".lakala_journal_schema", h.schema),
            &[],
        )
        .await
        .expect("version")
        .get(0);
    assert_eq!(version, lakala_journal::SCHEMA_VERSION);
    assert_eq!(
        payment_indexes(&client, &h.schema)
            .await
            .into_iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>(),
        V4_INDEXES
    );
    let r = journal
        .payment(&key("MP-V2"))
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
        (
            lakala_journal::PaymentStatus::Succeeded,
            Some("T1"),
            2,
            Some(T0 + 1)
        )
    );
    assert_eq!(
        journal.events(&key("MP-V2")).await.expect("events").len(),
        2
    );
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
        .list(&ListFilter::all().newest_first())
        .await
        .expect("list");
    let names: Vec<&str> = newest.iter().map(|r| r.key.out_trade_no.as_str()).collect();
    assert_eq!(names, ["PO-V3", "MP-V2"]);
    assert_eq!(
        journal.events(&key("PO-V3")).await.expect("events").len(),
        1,
        "a new payment's intent event, in its history"
    );
    assert!(!has_events_table(&client, &h.schema).await);
    drop(journal);
    drop(h.open().await.expect("reconnect: nothing to migrate"));
    h.finish().await;
}

/// The indexes of `lakala_payments` in `schema` besides its key and `id`, by name:
/// (name, definition).
async fn payment_indexes(client: &tokio_postgres::Client, schema: &str) -> Vec<(String, String)> {
    client
        .query(
            "SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = $1 AND t.relname = 'lakala_payments' \
             AND c.relname NOT IN ('lakala_payments_pkey', 'lakala_payments_id_key') \
             ORDER BY 1",
            &[&schema],
        )
        .await
        .expect("indexes")
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// The indexes of `lakala_payments` besides its key and `id` since version 4.
const V4_INDEXES: [&str; 7] = [
    "lakala_payments_conflict",
    "lakala_payments_created",
    "lakala_payments_due",
    "lakala_payments_finished",
    "lakala_payments_open",
    "lakala_payments_open_created",
    "lakala_payments_origin",
];

/// A schema written by version 3 is brought to version 4 on connect: the status index
/// gone, the time indexes on the time alone, the open payments indexed by key and by
/// creation time; its payments intact and listed in the same orders (ties within a
/// second by key, across pages).
#[tokio::test]
async fn a_version_3_schema_is_upgraded_on_connect() {
    use lakala_journal::PaymentStatus;
    let h = harness().await;
    let events = {
        let journal = h.open().await.expect("create");
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
    let client = raw_client().await;
    to_version_3(&client, &h.schema, &events).await;
    assert!(has_events_table(&client, &h.schema).await);
    let before: Vec<String> = payment_indexes(&client, &h.schema)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(
        before.contains(&"lakala_payments_status".to_owned()),
        "{before:?}"
    );

    let journal = h.open().await.expect("connect and upgrade");
    let version: i64 = client
        .query_one(
            &format!("SELECT version FROM \"{}\".lakala_journal_schema", h.schema),
            &[],
        )
        .await
        .expect("version")
        .get(0);
    assert_eq!(version, 4);
    assert_eq!(
        all_events(&journal).await,
        events,
        "every event read back as version 3 kept it"
    );
    assert!(!has_events_table(&client, &h.schema).await);
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

    let indexes = payment_indexes(&client, &h.schema).await;
    assert_eq!(
        indexes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        V4_INDEXES
    );
    let definition =
        |name: &str| -> &str { &indexes.iter().find(|(n, _)| n == name).expect("index").1 };
    assert!(
        definition("lakala_payments_created").ends_with("btree (created_at)"),
        "{}",
        definition("lakala_payments_created")
    );
    assert!(
        definition("lakala_payments_finished")
            .ends_with("btree (finished_at) WHERE (finished_at IS NOT NULL)"),
        "{}",
        definition("lakala_payments_finished")
    );
    for name in ["lakala_payments_open", "lakala_payments_open_created"] {
        assert!(
            definition(name).contains("WHERE (status = ANY (ARRAY['recorded'::text, 'pending'::text, 'unresolved'::text]))"),
            "{}",
            definition(name)
        );
    }
    drop(h.open().await.expect("reconnect: nothing to migrate"));
    h.finish().await;
}

/// Digests of every form, written as text by version 3, read back exactly after the
/// upgrade to version 4 (which stores them as `bytea`: the client's forms as 32 bytes).
#[tokio::test]
async fn digests_of_version_3_read_back_unchanged_as_bytea() {
    let h = harness().await;
    let client_fp = "0123456789abcdef".repeat(4);
    let client_digest = format!("hmac-sha256:{}", "5a".repeat(32));
    let cases: [(&str, String, Option<String>); 5] = [
        ("MP-DG-1", client_fp.clone(), Some(client_digest.clone())),
        ("MP-DG-2", "legacy-FP".into(), Some("hmac:abc".into())),
        ("MP-DG-3", "x".repeat(31), Some("y".repeat(31))),
        ("MP-DG-4", client_fp.to_uppercase(), None),
        ("MP-DG-5", "交易-ü".into(), Some("ab".repeat(32))),
    ];
    let events = {
        let journal = h.open().await.expect("create");
        for (no, _, _) in &cases {
            journal.record_intent(&micropay(no)).await.expect("record");
        }
        all_events(&journal).await
    };
    let client = raw_client().await;
    to_version_3(&client, &h.schema, &events).await;
    // Values of any form, as older versions (or other writers) may have left them.
    for (no, fingerprint, digest) in &cases {
        client
            .execute(
                &format!(
                    "UPDATE \"{}\".lakala_payments SET fingerprint = $2, auth_digest = $3 \
                     WHERE out_trade_no = $1",
                    h.schema
                ),
                &[no, fingerprint, digest],
            )
            .await
            .expect("a value of version 3");
    }
    let texts: Vec<(String, String, Option<String>)> = client
        .query(
            &format!(
                "SELECT out_trade_no, fingerprint, auth_digest FROM \"{}\".lakala_payments \
                 ORDER BY out_trade_no",
                h.schema
            ),
            &[],
        )
        .await
        .expect("version 3's text")
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let expected: Vec<(String, String, Option<String>)> = cases
        .iter()
        .map(|(no, fp, d)| (no.to_string(), fp.clone(), d.clone()))
        .collect();
    assert_eq!(
        texts, expected,
        "the schema of version 3 holds them as text"
    );

    let journal = h.open().await.expect("connect and upgrade");
    for (no, fingerprint, digest) in &cases {
        let r = journal
            .payment(&key(no))
            .await
            .expect("read")
            .expect("kept");
        assert_eq!(
            (&r.fingerprint, &r.auth_digest),
            (fingerprint, digest),
            "{no}"
        );
    }
    let stored: Vec<(String, String, i32, Option<i32>)> = client
        .query(
            &format!(
                "SELECT out_trade_no, pg_typeof(fingerprint)::text, octet_length(fingerprint), \
                 octet_length(auth_digest) FROM \"{}\".lakala_payments ORDER BY out_trade_no",
                h.schema
            ),
            &[],
        )
        .await
        .expect("stored")
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(stored[0], ("MP-DG-1".into(), "bytea".into(), 32, Some(32)));
    assert_eq!(stored[1].2, 1 + "legacy-FP".len() as i32);
    assert_eq!((stored[2].2, stored[2].3), (33, Some(33)));
    // New payments of each form the journal accepts, written by version 4, read back the
    // same.
    let new_cases: [(&str, String, Option<String>); 4] = [
        ("MP-DG-1", client_fp.clone(), Some(client_digest.clone())),
        (
            "MP-DG-2",
            "0123456789abcdef".repeat(2),
            Some("hmac:abc".into()),
        ),
        ("MP-DG-3", "ab".repeat(16), Some("y".repeat(31))),
        ("MP-DG-5", client_fp.clone(), Some("ab".repeat(32))),
    ];
    for (no, fingerprint, digest) in &new_cases {
        let no = format!("{no}-NEW");
        let mut intent = micropay(&no);
        intent.fingerprint = fingerprint.clone();
        intent.auth_digest = digest.clone();
        let Recorded::New(_) = journal.record_intent(&intent).await.expect("record") else {
            panic!("new");
        };
        let r = journal
            .payment(&key(&no))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            (&r.fingerprint, &r.auth_digest),
            (fingerprint, digest),
            "{no}"
        );
        assert!(matches!(
            journal.record_intent(&intent).await.expect("again"),
            Recorded::Existing(_)
        ));
    }
    h.finish().await;
}
