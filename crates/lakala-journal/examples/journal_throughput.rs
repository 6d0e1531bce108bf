//! What the journal costs a payment: `record_intent` + 3 appends (sent, answer, query) +
//! the final update, on SQLite (a WAL file, both sync levels) and on PostgreSQL.
//!
//! ```sh
//! eval "$(scripts/test-postgres.sh start)"        # optional: PostgreSQL on loopback
//! cargo run --release -p lakala-journal --all-features --example journal-throughput -- 2000
//! scripts/test-postgres.sh stop
//! ```
//!
//! The argument is the number of payments per run (default 1000). PostgreSQL is measured
//! when `LAKALA_TEST_POSTGRES_URL` is set; next to it, the time of one `SELECT 1` round
//! trip on the same loopback. The journal's sessions always commit synchronously
//! (`synchronous_commit = on`); to see the protocol's share without the disk's, run it
//! against a throwaway server with `fsync = off` (`ALTER SYSTEM SET fsync = off;
//! SELECT pg_reload_conf();`).

use lakala_journal::{
    Intent, JournalError, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, PostgresJournal,
    PostgresOptions, SqliteJournal, SqliteOptions, StateUpdate, Synchronous,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000;

/// One payment's journal work: five writes.
async fn one_payment(
    journal: &dyn PaymentJournal,
    run: &str,
    n: usize,
) -> Result<(), JournalError> {
    let key = PaymentKey::new("822290059430001", format!("{run}-{n:07}"));
    let intent = Intent::micropay(
        key.clone(),
        "SBX00001",
        101,
        "2885**********2810",
        "9f86d081884c7d659a2feaa0c55ad015",
        "bench",
        T0,
    )
    .with_next_check_at(T0 + 60);
    journal.record_intent(&intent).await?;
    let event = |kind: &str, payload| NewEvent::new(T0, "bench", kind, payload);
    journal
        .append(
            &key,
            &event("sent", serde_json::json!({})),
            &StateUpdate::status(PaymentStatus::Pending),
            None,
        )
        .await?;
    journal
        .append(
            &key,
            &event(
                "answer",
                serde_json::json!({"code": "BBS11112", "msg": "用户支付中"}),
            ),
            &StateUpdate::none()
                .with_trade_no("2023111422001")
                .with_next_check_at(T0 + 5),
            None,
        )
        .await?;
    journal
        .append(
            &key,
            &event("query", serde_json::json!({"trade_state": "USERPAYING"})),
            &StateUpdate::none()
                .with_last_trade_state("USERPAYING")
                .counting_attempt(),
            None,
        )
        .await?;
    journal
        .append(
            &key,
            &event("outcome", serde_json::json!({"trade_state": "SUCCESS"})),
            &StateUpdate::status(PaymentStatus::Succeeded).with_outcome("succeeded"),
            None,
        )
        .await?;
    Ok(())
}

/// Runs `payments` payments over `tasks` concurrent tasks; returns the wall time.
async fn run(
    journal: Arc<dyn PaymentJournal>,
    label: &str,
    payments: usize,
    tasks: usize,
) -> Result<Duration, JournalError> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let journal = journal.clone();
        let run = format!("{label}-{t}");
        handles.push(tokio::spawn(async move {
            for n in (t..payments).step_by(tasks) {
                one_payment(journal.as_ref(), &run, n).await?;
            }
            Ok::<_, JournalError>(())
        }));
    }
    for h in handles {
        h.await.map_err(|e| JournalError::Io {
            reason: e.to_string(),
        })??;
    }
    Ok(started.elapsed())
}

fn report(what: &str, payments: usize, elapsed: Duration) {
    let per = elapsed.as_secs_f64() / payments as f64;
    println!(
        "{what:<56} {:>8.0} payments/s  {:>7.3} ms/payment  {:>7.3} ms/write",
        1.0 / per,
        per * 1e3,
        per * 1e3 / 5.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let payments: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1000);
    println!("{payments} payments each: record_intent + 3 appends + final update (5 writes)");

    let dir = tempfile::tempdir()?;
    for (sync, name) in [
        (Synchronous::Intents, "Intents"),
        (Synchronous::Full, "Full"),
        (Synchronous::Normal, "Normal"),
    ] {
        let path = dir.path().join(format!("bench-{name}.sqlite3"));
        let journal: Arc<dyn PaymentJournal> = Arc::new(
            SqliteJournal::open_with(&path, SqliteOptions::default().synchronous(sync)).await?,
        );
        let elapsed = run(journal.clone(), "s1", payments, 1).await?;
        report(
            &format!("SQLite WAL, Synchronous::{name}, 1 task"),
            payments,
            elapsed,
        );
        let elapsed = run(journal, "s8", payments, 8).await?;
        report(
            &format!("SQLite WAL, Synchronous::{name}, 8 tasks"),
            payments,
            elapsed,
        );
    }

    match std::env::var("LAKALA_TEST_POSTGRES_URL") {
        Ok(url) => {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            let ping = client.prepare("SELECT 1").await?;
            let started = Instant::now();
            for _ in 0..1000 {
                client.query_one(&ping, &[]).await?;
            }
            let rtt = started.elapsed() / 1000;
            println!(
                "PostgreSQL round trip (SELECT 1): {:.3} ms; 5 round trips: {:.3} ms",
                rtt.as_secs_f64() * 1e3,
                rtt.as_secs_f64() * 5e3
            );
            let schema = format!("lakala_bench_{}", std::process::id());
            let journal: Arc<dyn PaymentJournal> = Arc::new(
                PostgresJournal::connect_with(
                    &url,
                    PostgresOptions::default().schema(schema.clone()).max_connections(8),
                )
                .await?,
            );
            let elapsed = run(journal.clone(), "p1", payments, 1).await?;
            report("PostgreSQL loopback, 1 task", payments, elapsed);
            let elapsed = run(journal, "p8", payments, 8).await?;
            report("PostgreSQL loopback, 8 tasks, 8 connections", payments, elapsed);
            client
                .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await?;
        }
        Err(_) => println!(
            "PostgreSQL: not measured (set LAKALA_TEST_POSTGRES_URL, e.g. with scripts/test-postgres.sh start)"
        ),
    }
    Ok(())
}
