//! The CLI's SQLite journal as an operator handles it: after a run its file alone is the
//! whole journal (a plain `cp` is a complete copy), `lakala payments backup` copies it
//! consistently, and a fact that cannot be journaled (the journal made unwritable in the
//! middle of a payment) is said on stderr and in the exit status (7) while the outcome is
//! still reported.

use lakala_journal::{ListFilter, PaymentJournal, PaymentStatus, SqliteJournal, SqliteOptions};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

struct Env {
    _sandbox: RunningSandbox,
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
            _sandbox: sandbox,
            config,
            dir,
        }
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.path().join("journal.sqlite")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lakala"));
        c.args(["--config", self.config.as_str()])
            .args([
                "--journal",
                &format!("sqlite:{}", self.journal_path().display()),
            ])
            .args(args)
            .env_remove("LAKALA_BASE_URL")
            .env_remove("LAKALA_CONFIG")
            .env_remove("LAKALA_JOURNAL")
            .env_remove("RUST_LOG")
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

    fn pay(&self, order: &str) {
        let (code, json, stderr) = self.run(&micropay_args(order, auth_codes::SUCCEED));
        assert_eq!(
            (code, json["outcome"].as_str()),
            (0, Some("succeeded")),
            "{stderr}"
        );
    }
}

fn micropay_args<'a>(order: &'a str, auth_code: &'a str) -> Vec<&'a str> {
    vec![
        "--json",
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

fn wal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

async fn statuses(path: &Path) -> Vec<(String, PaymentStatus, i64)> {
    let journal = SqliteJournal::open_with(path, SqliteOptions::default().read_only(true))
        .await
        .unwrap();
    let list = journal
        .list(&ListFilter::all().limit(1000))
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.key.out_trade_no, p.status, p.event_count))
        .collect();
    journal.close().await.unwrap();
    list
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_run_a_plain_copy_of_the_journal_file_is_complete() {
    let env = Env::start(Duration::from_secs(1)).await;
    env.pay("CP-1");
    env.pay("CP-2");
    let path = env.journal_path();
    // Checkpointed at exit: nothing left only in the -wal.
    assert!(!wal(&path).exists() || std::fs::metadata(wal(&path)).unwrap().len() == 0);
    let backup_dir = tempfile::tempdir().unwrap();
    let copy = backup_dir.path().join("backup.sqlite");
    std::fs::copy(&path, &copy).unwrap(); // cp journal.sqlite backup.sqlite
    let copied = statuses(&copy).await;
    let numbers: Vec<_> = copied.iter().map(|(n, s, _)| (n.as_str(), *s)).collect();
    assert_eq!(
        numbers,
        [
            ("CP-1", PaymentStatus::Succeeded),
            ("CP-2", PaymentStatus::Succeeded)
        ]
    );
    assert_eq!(copied, statuses(&path).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn payments_backup_makes_a_copy_holding_every_payment() {
    let env = Env::start(Duration::from_secs(1)).await;
    for order in ["BK-1", "BK-2", "BK-3"] {
        env.pay(order);
    }
    let dest = env.dir.path().join("copy.sqlite");
    let dest_arg = dest.display().to_string();
    let (code, json, stderr) = env.run(&["--json", "payments", "backup", &dest_arg]);
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["outcome"], "backed_up");
    assert_eq!(json["payments"], 3);
    let copied = statuses(&dest).await;
    assert_eq!(copied.len(), 3);
    assert_eq!(copied, statuses(&env.journal_path()).await);
    for (number, status, events) in &copied {
        assert_eq!(*status, PaymentStatus::Succeeded, "{number}");
        assert!(*events >= 2, "{number}: {events} events");
    }
    // Never over an existing file.
    let before = std::fs::read(&dest).unwrap();
    let (code, _, stderr) = env.run(&["payments", "backup", &dest_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(std::fs::read(&dest).unwrap(), before);
}

/// Clears the immutable attribute again, whatever happens.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(paths: &[PathBuf]) -> Immutable {
        for path in paths {
            let status = Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .expect("run chattr (e2fsprogs)");
            assert!(status.success(), "chattr +i {} failed", path.display());
        }
        Immutable(paths.to_vec())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(path).status();
        }
    }
}

/// The journal made unwritable while the payment is pending (after its intent and its
/// answer were written, before its outcome): the CLI still reports the outcome it learnt
/// ("succeeded"), says on stderr that facts could not be journaled, and exits 7.
#[tokio::test(flavor = "multi_thread")]
async fn a_fact_that_cannot_be_journaled_is_said_and_exits_7_with_the_outcome() {
    let env = Env::start(Duration::from_secs(3)).await;
    let mut args = micropay_args("RO-1", auth_codes::PENDING_THEN_SUCCEED);
    args.extend(["--poll-schedule", "1,1,1,1,1,1,1,1"]);
    let mut child = env.command(&args).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut all);
        all
    });
    // Wait (up to 20 s) until the journal says pending: intent and answer written.
    let start = std::time::Instant::now();
    loop {
        let pending = match SqliteJournal::open_with(
            env.journal_path(),
            SqliteOptions::default().read_only(true),
        )
        .await
        {
            Ok(journal) => {
                let list = journal.list(&ListFilter::all()).await.unwrap_or_default();
                let _ = journal.close().await;
                list.iter().any(|p| p.status == PaymentStatus::Pending)
            }
            Err(_) => false,
        };
        if pending {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never pending");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let path = env.journal_path();
    // Root ignores permission bits: make the file and its -wal immutable.
    let guard = Immutable::set(&[path.clone(), wal(&path)]);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    drop(guard);
    let json: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    assert_eq!(json["outcome"], "succeeded", "{stdout} {stderr}");
    assert_eq!(status.code(), Some(7), "{stdout} {stderr}");
    assert!(
        stderr.contains("could not be journaled"),
        "said on stderr: {stderr}"
    );
    // The journal still says what it last could: pending, for `payments resolve`.
    let journal = statuses(&path).await;
    assert_eq!(journal.len(), 1);
    assert_ne!(journal[0].1, PaymentStatus::Succeeded, "{journal:?}");
}
