//! The journal at a year's scale (issue 24): builds journals of `JOURNAL_SCALE_SIZES`
//! payments (default `100000`; comma-separated, e.g. `100000,1000000,10000000`) on SQLite
//! and PostgreSQL (`JOURNAL_SCALE_STORES`, default `sqlite,postgres`), each a copy of a
//! real journaled payment (made by the client against the sandbox) under new numbers,
//! spread over the last 365 days, one in a thousand left pending; then measures, in one
//! run: bytes per payment (rows, events, indexes), listings (open, newest 50, one day's
//! first 50 and whole day), resolver claiming, micropay journaling cost against an empty
//! journal of the same store, and the prune of the oldest month with its archive (and the
//! archive read back). Prints a Markdown table (BENCHMARKS.md, section 5).
//!
//! Files go under `JOURNAL_SCALE_DIR` (default: a temporary directory), removed at the
//! end; PostgreSQL: `LAKALA_BENCH_POSTGRES_URL`, else `LAKALA_TEST_POSTGRES_URL`, else a
//! throwaway server of this process (lakala-test-postgres), one schema per journal,
//! dropped at the end. `JOURNAL_SCALE_CALLS` (200) payments per round and
//! `JOURNAL_SCALE_ROUNDS` (3) interleaved rounds for the micropay ratio.
//!
//! Run: `cargo run --release -p lakala-bench --bin journal-scale`.

use lakala_bench::env_num;
use lakala_client::{Config, LakalaClient, MicropayOptions, PendingPolicy};
use lakala_journal::archive::{ArchiveReader, GzipArchive};
use lakala_journal::retention::prune_finished;
use lakala_journal::{
    Event, ListFilter, PaymentJournal, PaymentKey, PaymentRecord, PostgresJournal, PostgresOptions,
    SqliteJournal,
};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{Sandbox, SandboxConfig};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

const DAY: i64 = 86_400;
/// China's offset from UTC: days are China days.
const CHINA: i64 = 8 * 3600;
/// One payment in this many is left pending.
const OPEN_EVERY: i64 = 1000;
/// Rows per bulk-load transaction.
const CHUNK: i64 = 250_000;

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

fn request() -> MicropayRequest {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        // Same length as the bulk numbers (JS + 14 digits).
        .out_trade_no(format!("JR{:08}{n:06}", std::process::id() % 100_000_000))
        .auth_code(auth_codes::SUCCEED)
        .total_amount(Amount::from_fen(101).expect("amount"))
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .expect("location"),
        )
        .build()
        .expect("request")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn ms(start: Instant) -> String {
    format!("{:.1}", secs(start) * 1e3)
}

/// Payments per second, one at a time.
async fn rate(client: &LakalaClient, calls: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        let outcome = client
            .micropay(
                request(),
                MicropayOptions::new(PendingPolicy::ReturnPending),
            )
            .await
            .expect("payment");
        assert_eq!(outcome.word(), "succeeded");
    }
    calls as f64 / secs(start)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A real journaled payment: its row and events, as the client wrote them.
struct Template {
    payment: PaymentRecord,
    events: Vec<Event>,
}

/// What the SQL of one bulk load needs, with the dialect's spelling of a row's number
/// `i` as text of `width` digits.
struct Shape<'a> {
    t: &'a Template,
    n: i64,
    start: i64,
    span: i64,
    pad: fn(&str, usize) -> String,
    /// SQLite: digests stored as bytes (`unhex`), as the store writes them.
    sqlite: bool,
}

impl Shape<'_> {
    fn created(&self) -> String {
        format!("({} + i * {} / {})", self.start, self.span, self.n)
    }
    fn open(&self) -> String {
        format!("(i % {OPEN_EVERY} = 0)")
    }
    fn number(&self) -> String {
        format!("('JS' || {})", (self.pad)("i", 14))
    }
    fn trade_no(&self) -> String {
        let len = self
            .t
            .payment
            .trade_no
            .as_deref()
            .map_or(20, str::len)
            .max(8);
        format!("('T' || {})", (self.pad)("i", len - 1))
    }
    fn q(text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }
    fn opt_q(text: &Option<String>) -> String {
        text.as_deref().map_or("NULL".into(), Self::q)
    }
    fn opt_n(n: Option<i64>) -> String {
        n.map_or("NULL".into(), |n| n.to_string())
    }

    /// `INSERT INTO lakala_payments ... SELECT ... FROM <series>` for rows `a..=b`.
    fn payments(&self, series: &str) -> String {
        let p = &self.t.payment;
        let created = self.created();
        let open = self.open();
        // A distinct fingerprint per payment, as long as the real one.
        let mut fingerprint = format!(
            "{} || {}",
            Self::q(&p.fingerprint[..p.fingerprint.len().saturating_sub(12)]),
            (self.pad)("i", 12.min(p.fingerprint.len()))
        );
        let mut digest = Self::opt_q(&p.auth_digest);
        if self.sqlite {
            // As the store writes them (sqlite/digest.rs): bytes.
            fingerprint = format!("unhex({fingerprint})");
            if let Some(hex) = p
                .auth_digest
                .as_deref()
                .and_then(|d| d.strip_prefix("hmac-sha256:"))
            {
                digest = format!("unhex({})", Self::q(hex));
            }
        }
        let d = |t: Option<i64>| {
            t.map_or("NULL".into(), |t| {
                format!("{created} + {}", t - p.created_at)
            })
        };
        format!(
            "INSERT INTO lakala_payments (merchant_no, out_trade_no, kind, term_no, \
             origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, trade_no, \
             last_trade_state, outcome, reason, attempts, event_count, created_at, created_by, \
             updated_at, next_check_at, finished_at, lease_owner, lease_token, lease_until, \
             auth_digest, conflict) \
             SELECT {merchant}, {number}, {kind}, {term}, NULL, {amount}, {code}, \
             {fingerprint}, CASE WHEN {open} THEN 'pending' ELSE {status} END, {trade_no}, \
             {last_state}, CASE WHEN {open} THEN NULL ELSE {outcome} END, {reason}, {attempts}, \
             CASE WHEN {open} THEN 2 ELSE {events} END, {created}, {by}, {updated}, \
             CASE WHEN {open} THEN {created} + 60 ELSE NULL END, \
             CASE WHEN {open} THEN NULL ELSE {finished} END, NULL, 0, NULL, {digest}, NULL \
             FROM {series}",
            merchant = Self::q(&p.key.merchant_no),
            number = self.number(),
            kind = Self::q(p.kind.as_str()),
            term = Self::q(&p.term_no),
            amount = Self::opt_n(p.amount_fen),
            code = Self::opt_q(&p.masked_auth_code),
            status = Self::q(p.status.as_str()),
            trade_no = self.trade_no(),
            last_state = Self::opt_q(&p.last_trade_state),
            outcome = Self::opt_q(&p.outcome),
            reason = Self::opt_q(&p.reason),
            attempts = p.attempts,
            events = p.event_count,
            by = Self::q(&p.created_by),
            updated = d(Some(p.updated_at)),
            finished = d(p.finished_at),
        )
    }

    /// One `INSERT INTO lakala_payment_events ... SELECT` per template event.
    fn events(&self, series: &str) -> Vec<String> {
        let p = &self.t.payment;
        let number = self.number();
        let trade = self.trade_no();
        self.t
            .events
            .iter()
            .map(|e| {
                let payload = e.payload.to_string();
                let mut expr = Self::q(&payload);
                expr = format!(
                    "replace({expr}, {}, {number})",
                    Self::q(&p.key.out_trade_no)
                );
                if let Some(t) = &p.trade_no {
                    expr = format!("replace({expr}, {}, {trade})", Self::q(t));
                }
                let only_open = if e.seq > 2 {
                    format!(" WHERE NOT {}", self.open())
                } else {
                    String::new()
                };
                // Keyed by the payment's id (schema v3).
                format!(
                    "INSERT INTO lakala_payment_events (payment_id, seq, at, instance, kind, \
                     payload) SELECT p.id, {seq}, {created} + {dt}, {instance}, {kind}, {expr} \
                     FROM {series} JOIN lakala_payments AS p ON p.merchant_no = {merchant} \
                     AND p.out_trade_no = {number}{only_open}",
                    merchant = Self::q(&p.key.merchant_no),
                    seq = e.seq,
                    created = self.created(),
                    dt = e.at - p.created_at,
                    instance = Self::q(&e.instance),
                    kind = Self::q(&e.kind),
                )
            })
            .collect()
    }
}

fn sqlite_pad(x: &str, width: usize) -> String {
    format!("substr('{}' || {x}, -{width})", "0".repeat(width))
}

fn pg_pad(x: &str, width: usize) -> String {
    format!("lpad({x}::text, {width}, '0')")
}

/// One journal store under test: how to open a handle, load rows, measure its size.
enum Store {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "SQLite",
            Store::Postgres { .. } => "PostgreSQL",
        }
    }

    async fn open(&self) -> Arc<dyn PaymentJournal> {
        match self {
            Store::Sqlite(path) => Arc::new(SqliteJournal::open(path).await.expect("sqlite")),
            Store::Postgres { url, schema } => Arc::new(
                PostgresJournal::connect_with(
                    url,
                    PostgresOptions::default().schema(schema.clone()),
                )
                .await
                .expect("postgres"),
            ),
        }
    }

    async fn load(&self, shape: &Shape<'_>) {
        // The schema, made by the journal itself.
        match self {
            Store::Sqlite(path) => SqliteJournal::open(path)
                .await
                .expect("create")
                .close()
                .await
                .expect("close"),
            Store::Postgres { .. } => drop(self.open().await),
        }
        let n = shape.n;
        match self {
            Store::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).expect("raw");
                c.execute_batch("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")
                    .expect("pragmas");
                let mut a = 1;
                while a <= n {
                    let b = (a + CHUNK - 1).min(n);
                    let series = format!(
                        "(WITH RECURSIVE s(i) AS (SELECT {a} UNION ALL SELECT i + 1 FROM s WHERE i < {b}) SELECT i FROM s)"
                    );
                    let mut sql = String::from("BEGIN;");
                    sql += &shape.payments(&series);
                    sql += ";";
                    for e in shape.events(&series) {
                        sql += &e;
                        sql += ";";
                    }
                    sql += "COMMIT;";
                    c.execute_batch(&sql).expect("bulk load");
                    a = b + 1;
                }
                c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                    .expect("checkpoint");
            }
            Store::Postgres { url, schema } => {
                let c = connect(url).await;
                c.batch_execute(&format!(
                    "SET search_path TO \"{schema}\"; SET synchronous_commit = off"
                ))
                .await
                .expect("search path");
                let mut a = 1;
                while a <= n {
                    let b = (a + CHUNK - 1).min(n);
                    let series = format!("generate_series({a}::int8, {b}::int8) AS s(i)");
                    let mut sql = String::from("BEGIN;");
                    sql += &shape.payments(&series);
                    sql += ";";
                    for e in shape.events(&series) {
                        sql += &e;
                        sql += ";";
                    }
                    sql += "COMMIT;";
                    c.batch_execute(&sql).await.expect("bulk load");
                    a = b + 1;
                }
                // What autovacuum would do soon after such a load: statistics, the
                // visibility map.
                for table in ["lakala_payments", "lakala_payment_events"] {
                    c.batch_execute(&format!("VACUUM ANALYZE {table}"))
                        .await
                        .expect("analyze");
                }
            }
        }
    }

    /// Bytes of rows, events and their indexes: (total, payments with indexes, events
    /// with indexes).
    async fn bytes(&self) -> (u64, u64, u64) {
        match self {
            Store::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).expect("raw");
                let total = std::fs::metadata(path).expect("size").len();
                // dbstat: bytes per table and index, when SQLite was built with it.
                let per: Result<Vec<(String, i64)>, _> = c
                    .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
                    .and_then(|mut s| {
                        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                            .collect::<Result<Vec<_>, _>>()
                    });
                // Where the bytes go, for whoever reads the log: each table and index
                // with its unused space (pages are rarely full: events arrive for older
                // payments while newer ones are written).
                if let Ok(mut s) = c.prepare(
                    "SELECT name, sum(pgsize), sum(unused), sum(ncell) FROM dbstat GROUP BY name",
                ) {
                    if let Ok(rows) = s.query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                        ))
                    }) {
                        for (name, size, unused, cells) in rows.flatten() {
                            eprintln!(
                                "dbstat {name}: {size} bytes, {unused} unused, {cells} cells"
                            );
                        }
                    }
                }
                let (mut p, mut e) = (0, 0);
                for (name, size) in per.unwrap_or_default() {
                    if name.contains("event") {
                        e += size as u64;
                    } else if name.contains("payments") {
                        p += size as u64;
                    }
                }
                (total, p, e)
            }
            Store::Postgres { url, schema } => {
                let c = connect(url).await;
                let size = |t: &str| format!("pg_total_relation_size('\"{schema}\".{t}')");
                let row = c
                    .query_one(
                        &format!(
                            "SELECT {}::int8, {}::int8",
                            size("lakala_payments"),
                            size("lakala_payment_events")
                        ),
                        &[],
                    )
                    .await
                    .expect("sizes");
                let (p, e): (i64, i64) = (row.get(0), row.get(1));
                ((p + e) as u64, p as u64, e as u64)
            }
        }
    }

    async fn remove(&self) {
        match self {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(sidecar(path, suffix));
                }
            }
            Store::Postgres { url, schema } => {
                connect(url)
                    .await
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .expect("drop schema");
            }
        }
    }
}

/// `PATH` with `suffix` appended (`-wal`, `-shm`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The size of `path`, 0 when there is no such file.
fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The client with `journal`, against the sandbox.
fn client(config: &Config, journal: Arc<dyn PaymentJournal>) -> LakalaClient {
    LakalaClient::builder(config.clone())
        .instance("bench")
        .journal(journal)
        .build()
        .expect("client")
}

#[tokio::main]
async fn main() {
    let sizes: Vec<i64> = std::env::var("JOURNAL_SCALE_SIZES")
        .unwrap_or_else(|_| "100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("JOURNAL_SCALE_SIZES: numbers"))
        .collect();
    let stores = std::env::var("JOURNAL_SCALE_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    let calls = env_num("JOURNAL_SCALE_CALLS", 200usize);
    let rounds = env_num("JOURNAL_SCALE_ROUNDS", 3usize).max(1);
    let temp = tempfile::tempdir_in(
        std::env::var("JOURNAL_SCALE_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().display().to_string()),
    )
    .expect("directory");
    let dir = temp.path();
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let config_path = sandbox.write_client_config(dir).expect("client config");
    let config = Config::from_file_and_env(Some(&config_path), |_| None).expect("config");

    // The template: one real payment, journaled by the client.
    let template = {
        let path = dir.join("template.sqlite");
        let journal: Arc<dyn PaymentJournal> =
            Arc::new(SqliteJournal::open(&path).await.expect("sqlite"));
        let c = client(&config, journal.clone());
        let req = request();
        let key = PaymentKey::new(
            MERCHANT_NO,
            req.out_trade_no().expect("a number").to_owned(),
        );
        c.micropay(req, MicropayOptions::new(PendingPolicy::ReturnPending))
            .await
            .expect("payment");
        let payment = journal
            .payment(&key)
            .await
            .expect("read")
            .expect("journaled");
        let events = journal.events(&key).await.expect("events");
        Template { payment, events }
    };
    for e in &template.events {
        eprintln!("template event {} {}: {}", e.seq, e.kind, e.payload);
    }
    eprintln!(
        "template: {} events ({}), status {}",
        template.events.len(),
        template
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        template.payment.status
    );

    let pg_url = std::env::var("LAKALA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LAKALA_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| lakala_test_postgres::url());
    println!("| store | payments | load, s | bytes/payment (payments+indexes, events+indexes) | micropay vs empty journal | open list | newest 50 | a day: first 50 | a day: all (rows) | claim 100 due | prune a month + archive (payments) | archive read back | file (SQLite: main + -wal) / tables after prune |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for size in &sizes {
        for kind in stores.split(',') {
            let store = match kind.trim() {
                "sqlite" => Store::Sqlite(dir.join(format!("scale-{size}.sqlite"))),
                "postgres" => Store::Postgres {
                    url: pg_url.clone(),
                    schema: format!("lakala_scale_{}_{size}", std::process::id()),
                },
                other => panic!("unknown store {other}"),
            };
            let empty = match kind.trim() {
                "sqlite" => Store::Sqlite(dir.join(format!("empty-{size}.sqlite"))),
                _ => Store::Postgres {
                    url: pg_url.clone(),
                    schema: format!("lakala_scale_{}_empty_{size}", std::process::id()),
                },
            };
            measure(
                &store, &empty, &template, *size, &config, calls, rounds, dir,
            )
            .await;
            store.remove().await;
            empty.remove().await;
        }
    }
    sandbox.shutdown().await;
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    store: &Store,
    empty: &Store,
    template: &Template,
    n: i64,
    config: &Config,
    calls: usize,
    rounds: usize,
    dir: &Path,
) {
    let now = now();
    // A year up to an hour ago, starting at a China midnight.
    let start = (now - 365 * DAY + CHINA).div_euclid(DAY) * DAY - CHINA;
    let shape = Shape {
        t: template,
        n,
        start,
        span: 365 * DAY - 3600,
        pad: match store {
            Store::Sqlite(_) => sqlite_pad,
            Store::Postgres { .. } => pg_pad,
        },
        sqlite: matches!(store, Store::Sqlite(_)),
    };
    let t = Instant::now();
    store.load(&shape).await;
    let load = secs(t);
    let (bytes, payment_bytes, event_bytes) = store.bytes().await;
    let per = |b: u64| b as f64 / n as f64;

    let journal = store.open().await;
    // Listings.
    let t = Instant::now();
    let mut open = 0;
    let mut filter = ListFilter::open().limit(1000);
    loop {
        let page = journal.list(&filter).await.expect("open");
        let Some(last) = page.last() else { break };
        filter = filter.page_after(last).expect("next");
        open += page.len();
    }
    let open_ms = ms(t);
    let t = Instant::now();
    let newest = journal
        .list(&ListFilter::all().newest_first().limit(50))
        .await
        .expect("newest");
    let newest_ms = ms(t);
    assert_eq!(newest.len(), 50);
    let day = start + 180 * DAY;
    let t = Instant::now();
    let first = journal
        .list(
            &ListFilter::all()
                .created_in(day, day + DAY)
                .newest_first()
                .limit(50),
        )
        .await
        .expect("day");
    let first_ms = ms(t);
    assert!(!first.is_empty());
    let t = Instant::now();
    let mut rows = 0;
    let mut filter = ListFilter::all()
        .created_in(day, day + DAY)
        .newest_first()
        .limit(1000);
    loop {
        let page = journal.list(&filter).await.expect("day");
        let Some(last) = page.last() else { break };
        filter = filter.page_after(last).expect("next");
        rows += page.len();
    }
    let day_ms = ms(t);
    // Resolver claiming (then given back).
    let t = Instant::now();
    let claims = journal
        .claim_due("bench-resolver", now, 60, 100)
        .await
        .expect("claim");
    let claim_ms = ms(t);
    for c in &claims {
        journal
            .release(&c.lease, Some(now + 3600))
            .await
            .expect("release");
    }

    // Micropay journaling cost: this journal against an empty one of the same store.
    let big = client(config, journal.clone());
    empty.load(&Shape { n: 0, ..shape }).await;
    let small = client(config, empty.open().await);
    rate(&big, 20).await;
    rate(&small, 20).await;
    let (mut on_big, mut on_empty) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        on_empty.push(rate(&small, calls).await);
        on_big.push(rate(&big, calls).await);
    }
    let ratio = median(&on_big) / median(&on_empty);

    // Prune the oldest month, with its archive; read the archive back.
    let archive_path = dir.join(format!("archive-{n}.jsonl.gz"));
    let t = Instant::now();
    let mut archive = GzipArchive::append(&archive_path).expect("archive");
    let pruned = prune_finished(&*journal, start + 30 * DAY, Some(&mut archive))
        .await
        .expect("prune");
    drop(big);
    drop(journal);
    // SQLite: the main file and its -wal once the space is given back, the handle still
    // open (its close would checkpoint what reclaim_space left in the -wal).
    let mut files = None;
    if let Store::Sqlite(path) = store {
        let j = SqliteJournal::open(path).await.expect("sqlite");
        let free_pages: i64 = rusqlite::Connection::open(path)
            .expect("raw")
            .query_row("PRAGMA freelist_count", [], |r| r.get(0))
            .expect("freelist");
        eprintln!(
            "after the prune: {free_pages} free pages; main file {} B, -wal {} B",
            file_len(path),
            file_len(&sidecar(path, "-wal"))
        );
        // The dropped handles' threads close their connections a moment later.
        let mut attempts = 0;
        let reclaiming = Instant::now();
        let space = loop {
            attempts += 1;
            match j.reclaim_space(false).await {
                Ok(space) => break space,
                Err(lakala_journal::JournalError::Busy { .. }) if attempts < 100 => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await
                }
                Err(e) => panic!("reclaim: {e}"),
            }
        };
        eprintln!("reclaim_space: {space:?} in {:.1} s", secs(reclaiming));
        files = Some((file_len(path), file_len(&sidecar(path, "-wal"))));
        j.close().await.expect("close");
    }
    let prune_s = secs(t);
    let t = Instant::now();
    let mut read = 0u64;
    for archived in ArchiveReader::open(&archive_path).expect("archive") {
        archived.expect("archived payment");
        read += 1;
    }
    let read_s = secs(t);
    assert_eq!(read, pruned.archived);
    let archive_bytes = std::fs::metadata(&archive_path).expect("archive").len();
    let _ = std::fs::remove_file(&archive_path);
    let (after, _, _) = store.bytes().await;
    let after = match files {
        Some((main, wal)) => format!(
            "{:.0} MB + {:.0} MB -wal",
            main as f64 / 1e6,
            wal as f64 / 1e6
        ),
        None => format!("{:.0} MB", after as f64 / 1e6),
    };

    println!(
        "| {} | {n} | {load:.0} | **{:.0}** ({:.0}, {:.0}) | {ratio:.2} ({:.0} vs {:.0}/s) | {open_ms} ms ({open}) | {newest_ms} ms | {first_ms} ms | {day_ms} ms ({rows}) | {claim_ms} ms ({}) | {prune_s:.1} s ({}, kept {}; archive {:.0} B/payment) | {read_s:.2} s | {:.0} MB → {after} |",
        store.name(),
        per(bytes),
        per(payment_bytes),
        per(event_bytes),
        median(&on_big),
        median(&on_empty),
        claims.len(),
        pruned.pruned,
        pruned.kept,
        archive_bytes as f64 / pruned.archived.max(1) as f64,
        bytes as f64 / 1e6,
    );
}
