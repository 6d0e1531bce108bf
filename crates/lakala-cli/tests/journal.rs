//! Issue 11 with real parts: the `lakala` binary killed with SIGKILL in each phase of a
//! payment and a new process finishing it, with exactly one micropay received by the
//! sandbox; two resolver processes sharing a real PostgreSQL journal; a journal that is
//! corrupt, locked or read-only.

use lakala_journal::{
    PaymentJournal, PaymentKey, PaymentStatus, PostgresJournal, PostgresOptions, SqliteJournal,
};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

struct Env {
    sandbox: RunningSandbox,
    config: String,
    dir: tempfile::TempDir,
}

impl Env {
    async fn start(pending_delay: Duration) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = Sandbox::start(SandboxConfig::default().pending_delay(pending_delay))
            .await
            .unwrap();
        sandbox.keys().write(dir.path()).unwrap();
        let config = sandbox
            .write_client_config(dir.path())
            .unwrap()
            .display()
            .to_string();
        Env {
            sandbox,
            config,
            dir,
        }
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.path().join("journal.sqlite")
    }

    fn sqlite(&self) -> String {
        format!("sqlite:{}", self.journal_path().display())
    }

    /// `lakala --config <sandbox> <args>`, with a 2 s request timeout.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lakala"));
        c.args(["--config", self.config.as_str()])
            .args(args)
            .env_remove("LAKALA_BASE_URL")
            .env_remove("LAKALA_CONFIG")
            .env_remove("LAKALA_JOURNAL")
            .env("XDG_DATA_HOME", self.dir.path())
            .env("LAKALA_REQUEST_TIMEOUT_SECS", "2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let out = self.command(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn micropay_args<'a>(journal: &'a str, order: &'a str, auth_code: &'a str) -> Vec<&'a str> {
    vec![
        "--json",
        "--journal",
        journal,
        "micropay",
        "--merchant-no",
        MERCHANT_NO,
        "--term-no",
        TERM_NO,
        "--amount",
        "101",
        "--auth-code",
        auth_code,
        "--out-trade-no",
        order,
    ]
}

/// What the proxy in front of the sandbox does with a request.
#[derive(Clone, Copy)]
enum Proxy {
    /// Reads the request and never forwards it: nothing reaches the platform.
    Blackhole,
    /// Forwards the request and never returns the answer.
    Hold,
}

async fn proxy(mode: Proxy, upstream: std::net::SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                match mode {
                    Proxy::Blackhole => {
                        let mut sink = [0u8; 4096];
                        while matches!(client.read(&mut sink).await, Ok(n) if n > 0) {}
                    }
                    Proxy::Hold => {
                        let Ok(upstream) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let (mut from_client, _to_client) = client.into_split();
                        let (mut from_upstream, mut to_upstream) = upstream.into_split();
                        tokio::spawn(async move {
                            let _ = tokio::io::copy(&mut from_client, &mut to_upstream).await;
                        });
                        let mut sink = Vec::new();
                        let _ = from_upstream.read_to_end(&mut sink).await;
                    }
                }
            });
        }
    });
    url
}

/// Waits (up to 20 s) for `what`.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn status_in(path: &Path, order: &str) -> Option<PaymentStatus> {
    let journal = SqliteJournal::open(path).await.ok()?;
    journal
        .payment(&PaymentKey::new(MERCHANT_NO, order))
        .await
        .ok()
        .flatten()
        .map(|r| r.status)
}

fn sigkill(mut child: Child) {
    // Child::kill sends SIGKILL on Unix: no destructor, no flush, no goodbye.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_before_sending_then_the_same_payment_is_sent_exactly_once() {
    let env = Env::start(Duration::from_secs(1)).await;
    let journal = env.sqlite();
    let hole = proxy(Proxy::Blackhole, env.sandbox.local_addr()).await;
    let mut args = micropay_args(&journal, "KILL1", auth_codes::SUCCEED);
    args.splice(0..0, ["--base-url", hole.as_str()]);
    let child = env.command(&args).spawn().unwrap();
    let path = env.journal_path();
    let mut recorded = false;
    for _ in 0..800 {
        if status_in(&path, "KILL1").await == Some(PaymentStatus::Recorded) {
            recorded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(recorded, "the intent is written before anything is sent");
    sigkill(child);
    assert_eq!(env.sandbox.micropay_requests("KILL1"), 0);
    // The till retries the same payment once the killed process's request cannot be in
    // flight any more (twice the request timeout).
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (code, json, stderr) = env.run(&micropay_args(&journal, "KILL1", auth_codes::SUCCEED));
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("succeeded")),
        "{json} {stderr}"
    );
    assert_eq!(env.sandbox.micropay_requests("KILL1"), 1);
    assert_eq!(
        status_in(&path, "KILL1").await,
        Some(PaymentStatus::Succeeded)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_after_sending_before_the_answer_then_resolved_without_paying_twice() {
    let env = Env::start(Duration::from_secs(1)).await;
    let journal = env.sqlite();
    let hold = proxy(Proxy::Hold, env.sandbox.local_addr()).await;
    let mut args = micropay_args(&journal, "KILL2", auth_codes::SUCCEED);
    args.splice(0..0, ["--base-url", hold.as_str()]);
    let child = env.command(&args).spawn().unwrap();
    until("the sandbox received the micropay", || {
        env.sandbox.micropay_requests("KILL2") == 1
    })
    .await;
    sigkill(child);
    let path = env.journal_path();
    assert_eq!(
        status_in(&path, "KILL2").await,
        Some(PaymentStatus::Recorded)
    );
    let (code, json, stderr) = env.run(&[
        "--json",
        "--journal",
        &journal,
        "payments",
        "resolve",
        "--all",
    ]);
    assert_eq!(code, 0, "{json} {stderr}");
    let payments = json["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["out_trade_no"], "KILL2");
    assert_eq!(payments[0]["outcome"], "succeeded");
    assert!(payments[0]["events"].as_i64().unwrap() >= 3);
    assert_eq!(env.sandbox.micropay_requests("KILL2"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_polling_then_resolved_later_by_another_process() {
    let env = Env::start(Duration::from_secs(3)).await;
    let journal = env.sqlite();
    let mut args = micropay_args(&journal, "KILL3", auth_codes::PENDING_THEN_SUCCEED);
    args.extend(["--poll-schedule", "1,1,1,1,1,1,1,1"]);
    // Progress goes to stderr only without --json.
    args.retain(|a| *a != "--json");
    let mut child = env.command(&args).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("query 1:") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the first query happened");
    sigkill(child);
    let path = env.journal_path();
    assert_eq!(
        status_in(&path, "KILL3").await,
        Some(PaymentStatus::Pending)
    );
    // Listing says it is open: exit 4.
    let (code, json, _) = env.run(&[
        "--json",
        "--journal",
        &journal,
        "payments",
        "list",
        "--open",
    ]);
    assert_eq!(code, 4, "{json}");
    assert_eq!(json["payments"][0]["outcome"], "pending");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (code, json, stderr) = env.run(&[
        "--json",
        "--journal",
        &journal,
        "payments",
        "resolve",
        "KILL3",
    ]);
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["payments"][0]["outcome"], "succeeded");
    assert_eq!(env.sandbox.micropay_requests("KILL3"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_locked_or_read_only_journal_is_a_clear_error_and_nothing_is_sent() {
    let env = Env::start(Duration::from_secs(1)).await;
    // Not a database.
    let garbage = env.dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let url = format!("sqlite:{}", garbage.display());
    let (code, json, stderr) = env.run(&micropay_args(&url, "BAD1", auth_codes::SUCCEED));
    assert_eq!(code, 1, "{json} {stderr}");
    assert!(stderr.contains("not a usable journal"), "{stderr}");
    // Locked by another writer for longer than the busy timeout.
    let locked = env.dir.path().join("locked.sqlite");
    drop(SqliteJournal::open(&locked).await.unwrap());
    let holder = rusqlite_lock(&locked);
    let url = format!("sqlite:{}", locked.display());
    let (code, json, stderr) = env.run(&micropay_args(&url, "BAD2", auth_codes::SUCCEED));
    let mut holder = holder;
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(code, 6, "busy is transient: {json} {stderr}");
    assert!(stderr.contains("journal busy"), "{stderr}");
    // A directory nobody may write: the journal cannot be created.
    let (code, _, stderr) = env.run(&micropay_args(
        "sqlite:/proc/lakala-no-such/journal.sqlite",
        "BAD3",
        auth_codes::SUCCEED,
    ));
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("journal"), "{stderr}");
    for order in ["BAD1", "BAD2", "BAD3"] {
        assert_eq!(env.sandbox.micropay_requests(order), 0, "{order} was sent");
    }
}

/// Holds an exclusive write lock on the SQLite file at `path` until dropped (another
/// process's writer, as far as the CLI can tell).
fn rusqlite_lock(path: &Path) -> Child {
    Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\ntime.sleep(60)",
            &path.display().to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map(|mut child| {
            let mut line = String::new();
            BufReader::new(child.stdout.as_mut().unwrap())
                .read_line(&mut line)
                .unwrap();
            assert_eq!(line.trim(), "locked");
            child
        })
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// PostgreSQL: two resolver processes on one journal.
// ---------------------------------------------------------------------------------------

fn postgres_url() -> String {
    match std::env::var("LAKALA_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "LAKALA_TEST_POSTGRES_URL is not set: these tests need a real PostgreSQL server. \
             Start one with `eval \"$(scripts/test-postgres.sh start)\"` from the workspace root."
        ),
    }
}

fn fresh_schema(name: &str) -> String {
    format!(
        "lakala_cli_{name}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

async fn postgres(schema: &str) -> Arc<PostgresJournal> {
    Arc::new(
        PostgresJournal::connect_with(
            &postgres_url(),
            PostgresOptions::default().schema(schema.to_owned()),
        )
        .await
        .unwrap(),
    )
}

/// `count` payments left pending in the journal (the schedule is empty: the live flow
/// stops at once), made by a client of this test process.
async fn pending_payments(env: &Env, journal: Arc<PostgresJournal>, prefix: &str, count: usize) {
    let config =
        lakala_client::Config::from_file_and_env(Some(Path::new(&env.config)), |_| None).unwrap();
    let mut config = config;
    config.poll_schedule = lakala_client::PollSchedule::from_secs(&[]);
    let client = lakala_client::LakalaClient::builder(config)
        .journal(journal)
        .instance("maker")
        .build()
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let client = client.clone();
        let order = format!("{prefix}{i:04}");
        tasks.spawn(async move {
            let request = lakala_types::micropay::MicropayRequest::builder()
                .merchant_no(MERCHANT_NO)
                .term_no(TERM_NO)
                .out_trade_no(order)
                .auth_code(auth_codes::PENDING_THEN_SUCCEED)
                .total_amount(lakala_types::Amount::from_fen(101).unwrap())
                .location_info(
                    lakala_types::micropay::LocationInfo::builder()
                        .request_ip("127.0.0.1")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap();
            let outcome = client
                .micropay(
                    request,
                    lakala_client::MicropayOptions::new(
                        lakala_client::PendingPolicy::ReturnPending,
                    ),
                )
                .await
                .unwrap();
            assert_eq!(outcome.word(), "pending");
        });
        if tasks.len() >= 16 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_resolver_processes_finish_200_payments_each_exactly_once() {
    let env = Env::start(Duration::from_secs(1)).await;
    let schema = fresh_schema("two");
    let journal = postgres(&schema).await;
    pending_payments(&env, journal.clone(), "TWO", 200).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let url = postgres_url();
    let args = [
        "--json",
        "--journal",
        url.as_str(),
        "--journal-schema",
        schema.as_str(),
        "payments",
        "resolve",
        "--all",
    ];
    let a = env.command(&args).spawn().unwrap();
    let b = env.command(&args).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut worked = 0;
    for out in [&a, &b] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        worked += json["payments"].as_array().unwrap().len();
    }
    assert!(worked >= 200, "every payment was reported by a resolver");
    let mut per_instance = std::collections::HashMap::new();
    for i in 0..200 {
        let key = PaymentKey::new(MERCHANT_NO, format!("TWO{i:04}"));
        let record = journal.payment(&key).await.unwrap().unwrap();
        assert_eq!(record.status, PaymentStatus::Succeeded, "{key}");
        // Exactly one query after the live flow: no payment was queried by both.
        let queries: Vec<_> = journal
            .events(&key)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "query" && e.instance != "maker")
            .collect();
        assert_eq!(queries.len(), 1, "{key}: {queries:?}");
        *per_instance.entry(queries[0].instance.clone()).or_insert(0) += 1;
        assert_eq!(env.sandbox.micropay_requests(&key.out_trade_no), 1);
    }
    assert_eq!(per_instance.values().sum::<i32>(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lease_of_a_killed_resolver_is_taken_over() {
    let env = Env::start(Duration::from_secs(1)).await;
    let schema = fresh_schema("lease");
    let journal = postgres(&schema).await;
    pending_payments(&env, journal.clone(), "LSE", 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let url = postgres_url();
    let hole = proxy(Proxy::Blackhole, env.sandbox.local_addr()).await;
    // Resolver A claims what fits in its 4 s lease with a 60 s request timeout (one
    // payment: a round claims only what it can finish inside its lease), then hangs on its
    // query (the platform never answers), and is killed.
    let a = env
        .command(&[
            "--base-url",
            hole.as_str(),
            "--json",
            "--journal",
            url.as_str(),
            "--journal-schema",
            schema.as_str(),
            "payments",
            "resolve",
            "--all",
            "--lease-secs",
            "4",
        ])
        .env("LAKALA_REQUEST_TIMEOUT_SECS", "60")
        .spawn()
        .unwrap();
    let mut leased = Vec::new();
    for _ in 0..400 {
        leased.clear();
        for i in 0..20 {
            let key = PaymentKey::new(MERCHANT_NO, format!("LSE{i:04}"));
            if journal
                .payment(&key)
                .await
                .unwrap()
                .unwrap()
                .lease_owner
                .is_some()
            {
                leased.push(key.out_trade_no);
            }
        }
        if !leased.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(leased.len(), 1, "resolver A holds one payment: {leased:?}");
    sigkill(a);
    let args = [
        "--json",
        "--journal",
        url.as_str(),
        "--journal-schema",
        schema.as_str(),
        "payments",
        "resolve",
        "--all",
    ];
    // While A's lease lasts, B cannot take A's payment; it finishes the others.
    let (code, json, _) = env.run(&args);
    assert_eq!(code, 0, "{json}");
    let payments = json["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 19, "{json}");
    assert!(
        payments
            .iter()
            .all(|p| p["out_trade_no"] != leased[0].as_str() && p["outcome"] == "succeeded"),
        "{json}"
    );
    // Once it expires, B finishes A's payment too.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (code, json, stderr) = env.run(&args);
    assert_eq!(code, 0, "{json} {stderr}");
    let payments = json["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{json}");
    assert_eq!(payments[0]["out_trade_no"], leased[0].as_str(), "{json}");
    assert_eq!(payments[0]["outcome"], "succeeded", "{json}");
}
