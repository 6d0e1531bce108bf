//! Micropay payments per second against the sandbox on loopback, without a journal, with
//! an SQLite journal (a file, WAL) and with a PostgreSQL journal (when
//! `LAKALA_BENCH_POSTGRES_URL` or `LAKALA_TEST_POSTGRES_URL` names a server), measured in one
//! run so that the ratios compare like with like. Prints payments/s one at a time and
//! `BENCH_CONCURRENCY` (16) in flight, and what the journal adds per payment.
//!
//! Run: `cargo run --release -p lakala-bench --bin journal-calls`.

use lakala_bench::env_num;
use lakala_client::{Config, LakalaClient, MicropayOptions, PendingPolicy};
use lakala_journal::{PaymentJournal, PostgresJournal, PostgresOptions, SqliteJournal};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{Sandbox, SandboxConfig};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

fn request() -> MicropayRequest {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(format!("JB{}{n:08}", std::process::id()))
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

/// Payments per second over `calls` payments, `in_flight` at a time.
async fn rate(client: &LakalaClient, calls: usize, in_flight: usize) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let (client, next) = (client.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let outcome = client
                    .micropay(
                        request(),
                        MicropayOptions::new(PendingPolicy::ReturnPending),
                    )
                    .await
                    .expect("payment");
                assert_eq!(outcome.word(), "succeeded");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let calls = env_num("BENCH_JOURNAL_CALLS", 400usize);
    let in_flight = env_num("BENCH_CONCURRENCY", 16usize);
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = sandbox
        .write_client_config(dir.path())
        .expect("client config");
    let config = Config::from_file_and_env(Some(&path), |_| None).expect("config");
    let client = |journal: Option<Arc<dyn PaymentJournal>>| {
        let mut b = LakalaClient::builder(config.clone()).instance("bench");
        if let Some(j) = journal {
            b = b.journal(j);
        }
        b.build().expect("client")
    };
    let mut journals: Vec<(&str, Option<Arc<dyn PaymentJournal>>)> = vec![
        ("none", None),
        (
            "SQLite (file, WAL)",
            Some(Arc::new(
                SqliteJournal::open(dir.path().join("bench.sqlite"))
                    .await
                    .expect("sqlite"),
            )),
        ),
    ];
    let pg = std::env::var("LAKALA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LAKALA_TEST_POSTGRES_URL"))
        .ok();
    match &pg {
        Some(url) => journals.push((
            "PostgreSQL (loopback)",
            Some(Arc::new(
                PostgresJournal::connect_with(
                    url,
                    PostgresOptions::default()
                        .schema(format!("lakala_bench_{}", std::process::id())),
                )
                .await
                .expect("postgres"),
            )),
        )),
        None => eprintln!("no LAKALA_BENCH_POSTGRES_URL: PostgreSQL not measured"),
    }
    println!("| journal | in flight | payments/s | vs none | added ms per payment |");
    println!("|---|---|---|---|---|");
    let mut base = [0.0f64; 2];
    for (name, journal) in journals {
        let c = client(journal);
        rate(&c, 20, 1).await; // warm-up
        for (i, n) in [1, in_flight].into_iter().enumerate() {
            let r = rate(&c, calls, n).await;
            if name == "none" {
                base[i] = r;
            }
            let added = (1.0 / r - 1.0 / base[i]) * 1e3 * n as f64;
            println!(
                "| {name} | {n} | {r:.0} | {:.2} | {added:.2} |",
                r / base[i]
            );
        }
    }
    sandbox.shutdown().await;
}
