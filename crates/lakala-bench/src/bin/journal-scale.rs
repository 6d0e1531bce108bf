//! The journal at a year's scale (issue 24): builds journals of `JOURNAL_SCALE_SIZES`
//! payments (default `100000`; comma-separated, e.g. `100000,1000000,10000000`) on SQLite
//! and PostgreSQL (`JOURNAL_SCALE_STORES`, default `sqlite,postgres`), each a copy of a
//! real journaled payment (made by the client against the sandbox) under new numbers,
//! spread over the last 365 days, one in a thousand left pending; then measures, in one
//! run: bytes per payment (rows with their histories, indexes), listings (open: first
//! 50 and all; newest 50; one day's first 50 and whole day), resolver claiming, micropay journaling cost against an empty
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

/// A real journaled payment: its row and events, as the client wrote them; and
/// [`HISTORIES`] stored histories of copies of it (finished, then open), each encoded by
/// the journal itself with its own trade number and times.
struct Template {
    payment: PaymentRecord,
    events: Vec<Event>,
    finished: Vec<Vec<u8>>,
    open: Vec<Vec<u8>>,
}

/// How many distinct histories the bulk load cycles through: every copy's events are
/// compressed with numbers and times of their own, as a real journal's are (one blob
/// copied everywhere could compress better than a real payment's).
const HISTORIES: usize = 1000;

/// A deterministic stream of pseudo-random numbers (no dependency, same every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }
}

impl Template {
    /// The stored histories of [`HISTORIES`] copies of the payment, finished (all its
    /// events) and open (its first two, as the bulk load's open rows have), written
    /// through a scratch SQLite journal and read back raw: the payloads with the copy's
    /// own out_trade_no and trade_no (random digits of the same length, as unique numbers
    /// compress), the times moved by a random offset.
    async fn histories(&mut self, dir: &Path) {
        let path = dir.join("histories.sqlite");
        let journal = SqliteJournal::open(&path).await.expect("scratch journal");
        let p = &self.payment;
        let mut rng = Lcg(0x5eed);
        for open in [false, true] {
            for k in 0..HISTORIES {
                let number = format!("JS{}", rng.digits(14));
                let trade = p.trade_no.as_deref().map(|t| (t, rng.digits(t.len())));
                let shift = (rng.next() % (365 * DAY as u64)) as i64;
                let key = PaymentKey::new(p.key.merchant_no.clone(), format!("{number}{open}{k}"));
                let mut intent = lakala_journal::Intent::micropay(
                    key.clone(),
                    p.term_no.clone(),
                    p.amount_fen.expect("a micropay's amount"),
                    p.masked_auth_code.clone().expect("a masked auth code"),
                    p.fingerprint.clone(),
                    self.events[0].instance.clone(),
                    self.events[0].at - shift,
                );
                // As the real intent had it (its payload says).
                let next_check = self.events[0].payload.get("next_check_at");
                if let Some(at) = next_check.and_then(serde_json::Value::as_i64) {
                    intent = intent.with_next_check_at(at - shift);
                }
                if let Some(d) = &p.auth_digest {
                    intent = intent.with_auth_digest(d.clone());
                }
                journal
                    .record_intent(&intent)
                    .await
                    .expect("scratch intent");
                let count = if open { 2 } else { self.events.len() };
                for e in &self.events[1..count] {
                    let mut text = e.payload.to_string().replace(&p.key.out_trade_no, &number);
                    if let Some((t, digits)) = &trade {
                        text = text.replace(t, digits);
                    }
                    let event = lakala_journal::NewEvent::new(
                        e.at - shift,
                        e.instance.clone(),
                        e.kind.clone(),
                        serde_json::from_str(&text).expect("payload"),
                    );
                    journal
                        .append(&key, &event, &lakala_journal::StateUpdate::none(), None)
                        .await
                        .expect("scratch event");
                }
            }
        }
        journal.close().await.expect("close");
        let c = rusqlite::Connection::open(&path).expect("raw");
        let blobs = |open: bool| -> Vec<Vec<u8>> {
            c.prepare("SELECT history FROM lakala_payments WHERE out_trade_no LIKE ?1 ORDER BY id")
                .expect("prepare")
                .query_map([format!("%{open}%")], |r| r.get(0))
                .expect("histories")
                .collect::<Result<_, _>>()
                .expect("histories")
        };
        self.finished = blobs(false);
        self.open = blobs(true);
        assert_eq!(
            (self.finished.len(), self.open.len()),
            (HISTORIES, HISTORIES)
        );
        let mean = |v: &[Vec<u8>]| v.iter().map(Vec::len).sum::<usize>() as f64 / v.len() as f64;
        eprintln!(
            "histories: {:.1} bytes a finished payment's ({} events), {:.1} an open one's",
            mean(&self.finished),
            self.events.len(),
            mean(&self.open)
        );
        drop(c);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

/// What the SQL of one bulk load needs, with the dialect's spelling of a row's number
/// `i` as text of `width` digits.
struct Shape<'a> {
    t: &'a Template,
    n: i64,
    start: i64,
    span: i64,
    pad: fn(&str, usize) -> String,
    /// SQLite: digests stored as bytes (`unhex`), as the store writes them (PostgreSQL:
    /// `decode(.., 'hex')`).
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
        // As the stores write the client's forms (sqlite/digest.rs, postgres/digest.rs):
        // bytes.
        let unhex = |x: &str| {
            if self.sqlite {
                format!("unhex({x})")
            } else {
                format!("decode({x}, 'hex')")
            }
        };
        assert_eq!(p.fingerprint.len(), 64, "a SHA-256 fingerprint");
        fingerprint = unhex(&fingerprint);
        if let Some(hex) = p
            .auth_digest
            .as_deref()
            .and_then(|d| d.strip_prefix("hmac-sha256:"))
        {
            digest = unhex(&Self::q(hex));
        } else {
            assert!(
                self.sqlite || p.auth_digest.is_none(),
                "the client's auth digest form"
            );
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
             auth_digest, conflict, history) \
             SELECT {merchant}, {number}, {kind}, {term}, NULL, {amount}, {code}, \
             {fingerprint}, CASE WHEN {open} THEN 'pending' ELSE {status} END, {trade_no}, \
             {last_state}, CASE WHEN {open} THEN NULL ELSE {outcome} END, {reason}, {attempts}, \
             CASE WHEN {open} THEN 2 ELSE {events} END, {created}, {by}, {updated}, \
             CASE WHEN {open} THEN {created} + 60 ELSE NULL END, \
             CASE WHEN {open} THEN NULL ELSE {finished} END, NULL, 0, NULL, {digest}, NULL, \
             (SELECT h.history FROM journal_scale_histories AS h \
                 WHERE h.k = i % {HISTORIES} AND h.open = {open}) \
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
                c.execute_batch(
                    "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; \
                     CREATE TEMP TABLE journal_scale_histories \
                         (k INTEGER, open INTEGER, history BLOB, PRIMARY KEY (k, open));",
                )
                .expect("pragmas");
                for (open, blobs) in [(false, &shape.t.finished), (true, &shape.t.open)] {
                    for (k, blob) in blobs.iter().enumerate() {
                        c.execute(
                            "INSERT INTO journal_scale_histories VALUES (?1, ?2, ?3)",
                            rusqlite::params![k as i64, open, blob],
                        )
                        .expect("a history");
                    }
                }
                let mut a = 1;
                while a <= n {
                    let b = (a + CHUNK - 1).min(n);
                    let series = format!(
                        "(WITH RECURSIVE s(i) AS (SELECT {a} UNION ALL SELECT i + 1 FROM s WHERE i < {b}) SELECT i FROM s)"
                    );
                    let sql = format!("BEGIN; {}; COMMIT;", shape.payments(&series));
                    c.execute_batch(&sql).expect("bulk load");
                    a = b + 1;
                }
                c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                    .expect("checkpoint");
            }
            Store::Postgres { url, schema } => {
                let c = connect(url).await;
                c.batch_execute(&format!(
                    "SET search_path TO \"{schema}\"; SET synchronous_commit = off; \
                     CREATE TEMP TABLE journal_scale_histories \
                         (k int8, open bool, history bytea, PRIMARY KEY (k, open))"
                ))
                .await
                .expect("search path");
                for (open, blobs) in [(false, &shape.t.finished), (true, &shape.t.open)] {
                    for (k, blob) in blobs.iter().enumerate() {
                        c.execute(
                            "INSERT INTO journal_scale_histories VALUES ($1, $2, $3)",
                            &[&(k as i64), &open, blob],
                        )
                        .await
                        .expect("a history");
                    }
                }
                let mut a = 1;
                while a <= n {
                    let b = (a + CHUNK - 1).min(n);
                    let series = format!("generate_series({a}::int8, {b}::int8) AS s(i)");
                    let sql = format!("BEGIN; {}; COMMIT;", shape.payments(&series));
                    c.batch_execute(&sql).await.expect("bulk load");
                    a = b + 1;
                }
                // What autovacuum would do soon after such a load: statistics, the
                // visibility map.
                c.batch_execute("VACUUM ANALYZE lakala_payments")
                    .await
                    .expect("analyze");
            }
        }
    }

    /// Bytes of the payments (rows with their histories) and their indexes: (total,
    /// table, indexes).
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
                if let Ok(mean) = c.query_row(
                    "SELECT avg(length(history)) FROM lakala_payments",
                    [],
                    |r| r.get::<_, f64>(0),
                ) {
                    eprintln!("histories: {mean:.1} bytes a payment on average");
                }
                let (mut p, mut i) = (0, 0);
                for (name, size) in per.unwrap_or_default() {
                    if name == "lakala_payments" {
                        p += size as u64;
                    } else if name.contains("lakala_payments") {
                        i += size as u64;
                    }
                }
                (total, p, i)
            }
            Store::Postgres { url, schema } => {
                let c = connect(url).await;
                // Where the bytes go: the table (with its TOAST, if any) and each index.
                let rows = c
                    .query(
                        "SELECT c.relname::text, pg_relation_size(c.oid)::int8 \
                         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                         WHERE n.nspname = $1 AND c.relkind IN ('r', 'i') ORDER BY 1",
                        &[schema],
                    )
                    .await
                    .expect("relations");
                for r in &rows {
                    eprintln!(
                        "relation {}: {} bytes",
                        r.get::<_, String>(0),
                        r.get::<_, i64>(1)
                    );
                }
                let table = format!("'\"{schema}\".lakala_payments'");
                let row = c
                    .query_one(
                        &format!(
                            "SELECT pg_table_size({table})::int8, pg_indexes_size({table})::int8, \
                             (SELECT avg(octet_length(history))::float8 \
                                 FROM \"{schema}\".lakala_payments)"
                        ),
                        &[],
                    )
                    .await
                    .expect("sizes");
                let (p, i): (i64, i64) = (row.get(0), row.get(1));
                if let Ok(Some(mean)) = row.try_get::<_, Option<f64>>(2) {
                    eprintln!("histories: {mean:.1} bytes a payment on average");
                }
                ((p + i) as u64, p as u64, i as u64)
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
        let mut template = Template {
            payment,
            events,
            finished: Vec::new(),
            open: Vec::new(),
        };
        template.histories(dir).await;
        template
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
    println!("| store | payments | load, s | bytes/payment (rows with histories, indexes) | micropay vs empty journal | open: first 50 | open: all | newest 50 | a day: first 50 | a day: all (rows) | claim 100 due | prune a month + archive (payments) | archive read back | file (SQLite: main + -wal) / tables after prune |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
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
    // Listings, warm: the handle has its connection and statements before the first
    // timed call (what a running service has), the data is where the load left it.
    journal
        .list(&ListFilter::all().limit(1))
        .await
        .expect("warm-up");
    // The first page of open payments, as `lakala payments list --open` and the console
    // ask for it; then every open payment, 1,000 a page.
    let t = Instant::now();
    let open_first = journal
        .list(&ListFilter::open().limit(50))
        .await
        .expect("open");
    let open_first_ms = ms(t);
    assert!(!open_first.is_empty());
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
        "| {} | {n} | {load:.0} | **{:.0}** ({:.0}, {:.0}) | {ratio:.2} ({:.0} vs {:.0}/s) | {open_first_ms} ms | {open_ms} ms ({open}) | {newest_ms} ms | {first_ms} ms | {day_ms} ms ({rows}) | {claim_ms} ms ({}) | {prune_s:.1} s ({}, kept {}; archive {:.0} B/payment) | {read_s:.2} s | {:.0} MB → {after} |",
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
