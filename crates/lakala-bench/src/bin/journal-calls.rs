//! Micropay payments per second against the sandbox on loopback, without a journal, with
//! an SQLite journal (a file, WAL) and with a PostgreSQL journal (when
//! `LAKALA_BENCH_POSTGRES_URL` or `LAKALA_TEST_POSTGRES_URL` names a server), measured in one
//! run so that the ratios compare like with like. Prints payments/s one at a time and
//! `BENCH_CONCURRENCY` (16) in flight, the median of `BENCH_ROUNDS` (5) interleaved rounds
//! of `BENCH_JOURNAL_CALLS` (400) payments, and what the journal adds per payment: to its
//! latency, and to the machine's time (the inverse of the rate).
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

/// One journal configuration under test.
struct Row {
    name: String,
    client: LakalaClient,
    /// Payments/s per round, one at a time and `in_flight` at a time.
    rates: [Vec<f64>; 2],
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let calls = env_num("BENCH_JOURNAL_CALLS", 400usize);
    let in_flight = env_num("BENCH_CONCURRENCY", 16usize);
    let rounds = env_num("BENCH_ROUNDS", 5usize).max(1);
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
    let mut journals: Vec<(String, Option<Arc<dyn PaymentJournal>>)> = vec![
        ("none".into(), None),
        (
            "SQLite (file, WAL)".into(),
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
        Some(url) => {
            for connections in [PostgresOptions::default().max_connections, in_flight] {
                let journal = PostgresJournal::connect_with(
                    url,
                    PostgresOptions::default()
                        .max_connections(connections)
                        .schema(format!("lakala_bench_{}_{connections}", std::process::id())),
                )
                .await
                .expect("postgres");
                journals.push((
                    format!("PostgreSQL (loopback, {connections} connections)"),
                    Some(Arc::new(journal)),
                ));
            }
        }
        None => eprintln!("no LAKALA_BENCH_POSTGRES_URL: PostgreSQL not measured"),
    }
    let mut rows: Vec<Row> = journals
        .into_iter()
        .map(|(name, journal)| Row {
            name,
            client: client(journal),
            rates: [Vec::new(), Vec::new()],
        })
        .collect();
    for row in &rows {
        rate(&row.client, 20, 1).await; // warm-up
    }
    // Rounds interleave the configurations, so that a machine getting busier or quieter
    // during the run moves every row alike; each row reports its median round.
    for _ in 0..rounds {
        for row in &mut rows {
            for (i, n) in [1, in_flight].into_iter().enumerate() {
                row.rates[i].push(rate(&row.client, calls, n).await);
            }
        }
    }
    println!(
        "{calls} payments per round, median of {rounds} interleaved rounds. Added latency: how \
         much longer each payment takes; added time per payment: 1/rate minus 1/rate without \
         a journal (what the machine spends more per payment; equal to the latency one at a time)."
    );
    println!();
    println!("| journal | in flight | payments/s | vs none | added latency, ms | added time per payment, ms |");
    println!("|---|---|---|---|---|---|");
    let base = [median(&rows[0].rates[0]), median(&rows[0].rates[1])];
    for row in &rows {
        for (i, n) in [1, in_flight].into_iter().enumerate() {
            let r = median(&row.rates[i]);
            let per_payment = (1.0 / r - 1.0 / base[i]) * 1e3;
            println!(
                "| {} | {n} | {r:.0} | {:.2} | {:.2} | {per_payment:.2} |",
                row.name,
                r / base[i],
                per_payment * n as f64
            );
        }
    }
    sandbox.shutdown().await;
}
