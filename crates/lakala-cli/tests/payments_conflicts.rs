//! `lakala payments list --conflicts`: the payments the platform contradicted, marked
//! for a person, listed with what disagreed, from a real SQLite journal file prepared
//! through the library.

use lakala_journal::{
    Intent, JournalError, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal,
    StateUpdate,
};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const MERCHANT: &str = "822290059430001";
const T0: i64 = 1_700_000_000;

fn micropay(out_trade_no: &str) -> Intent {
    Intent::micropay(
        PaymentKey::new(MERCHANT, out_trade_no),
        "SBX00001",
        101,
        "2885**********2810",
        "0123456789abcdef0123456789abcdef",
        "node-a",
        T0,
    )
    .with_auth_digest("hmac-sha256:00ff")
}

fn event(at: i64, kind: &str) -> NewEvent {
    NewEvent::new(at, "node-a", kind, serde_json::json!({ "at": at }))
}

/// Three payments: one paid then contradicted by a notification saying failed (a
/// `FinalConflict`), one pending whose query reported another `trade_no` (a
/// `FactConflict`), one paid without any contradiction.
async fn prepare(path: &Path) {
    let journal = SqliteJournal::open(path).await.expect("open the journal");
    for no in ["CF-PAID", "CF-PENDING", "CF-CLEAN"] {
        journal.record_intent(&micropay(no)).await.expect("record");
    }
    let paid = PaymentKey::new(MERCHANT, "CF-PAID");
    journal
        .append(
            &paid,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T100"),
            None,
        )
        .await
        .expect("paid");
    let refused = journal
        .append(
            &paid,
            &event(T0 + 2, "notification"),
            &StateUpdate::status(PaymentStatus::Failed),
            None,
        )
        .await;
    assert!(matches!(refused, Err(JournalError::FinalConflict { .. })));

    let pending = PaymentKey::new(MERCHANT, "CF-PENDING");
    journal
        .append(
            &pending,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Pending)
                .with_trade_no("T200")
                .with_next_check_at(T0 + 10),
            None,
        )
        .await
        .expect("pending");
    let refused = journal
        .append(
            &pending,
            &event(T0 + 3, "query"),
            &StateUpdate::none().with_trade_no("T999"),
            None,
        )
        .await;
    assert!(matches!(refused, Err(JournalError::FactConflict { .. })));

    journal
        .append(
            &PaymentKey::new(MERCHANT, "CF-CLEAN"),
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T300"),
            None,
        )
        .await
        .expect("clean");
}

/// Runs `lakala --journal sqlite:PATH <args>`: exit code, stdout, stderr.
fn lakala(dir: &Path, journal: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakala"))
        .arg("--journal")
        .arg(format!("sqlite:{}", journal.display()))
        .args(args)
        .env_remove("LAKALA_BASE_URL")
        .env_remove("LAKALA_CONFIG")
        .env_remove("LAKALA_JOURNAL")
        .env("XDG_DATA_HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .output()
        .expect("run lakala");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn payments_list_conflicts_shows_the_contradicted_payments_and_what_disagreed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("journal.sqlite");
    prepare(&path).await;

    let (code, stdout, stderr) = lakala(
        dir.path(),
        &path,
        &["--json", "payments", "list", "--conflicts"],
    );
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {stdout} / {stderr}"));
    let payments = json["payments"].as_array().expect("payments");
    let names: Vec<&str> = payments
        .iter()
        .map(|p| p["out_trade_no"].as_str().unwrap_or(""))
        .collect();
    // Newest first; created in the same second, so by number descending.
    assert_eq!(names, ["CF-PENDING", "CF-PAID"], "{stdout}");
    let paid = payments[1]["conflict"].as_str().expect("conflict text");
    assert!(
        paid.contains("succeeded") && paid.contains("failed"),
        "{paid}"
    );
    assert_eq!(payments[1]["status"], "succeeded", "the status is kept");
    let pending = payments[0]["conflict"].as_str().expect("conflict text");
    assert!(
        pending.contains("trade_no") && pending.contains("T200") && pending.contains("T999"),
        "{pending}"
    );
    assert_eq!(
        payments[0]["trade_no"], "T200",
        "the journaled fact is kept"
    );
    assert_eq!(code, 4, "one of them is not final: {stderr}");

    // With --open: only the open one.
    let (_, stdout, _) = lakala(
        dir.path(),
        &path,
        &["--json", "payments", "list", "--conflicts", "--open"],
    );
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let payments = json["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["out_trade_no"], "CF-PENDING");

    // Without --conflicts every payment is listed, each with its "conflict" (null when
    // none).
    let (_, stdout, _) = lakala(dir.path(), &path, &["--json", "payments", "list"]);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let payments = json["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 3);
    assert_eq!(payments[2]["out_trade_no"], "CF-CLEAN");
    assert!(payments[2]["conflict"].is_null());
    assert!(payments[1]["conflict"].is_string());

    // The text output names the contradiction on the payment's line.
    let (_, stdout, stderr) = lakala(dir.path(), &path, &["payments", "list", "--conflicts"]);
    let text = format!("{stdout}{stderr}");
    let line = text
        .lines()
        .find(|l| l.contains("CF-PAID"))
        .unwrap_or_else(|| panic!("a line for CF-PAID: {text}"));
    assert!(
        line.contains("conflict:") && line.contains("failed"),
        "{line}"
    );
    assert!(
        text.contains("2 contradicted by the platform"),
        "the summary counts them: {text}"
    );
    assert!(!text.contains("CF-CLEAN"), "{text}");
}

/// `lakala doctor`'s findings as `(level, check, detail)`, with the journal at `path`.
fn doctor(dir: &Path, path: &Path) -> Vec<(String, String, String)> {
    let (code, stdout, stderr) = lakala(dir, path, &["--json", "doctor"]);
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {stdout} / {stderr}"));
    assert_eq!(code, 0, "warnings only: {stdout} / {stderr}");
    json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("findings: {stdout}"))
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("level"), s("check"), s("detail"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_counts_the_contradicted_payments_and_names_the_listing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("journal.sqlite");
    prepare(&path).await;
    let findings = doctor(dir.path(), &path);
    let line = findings
        .iter()
        .find(|f| f.1 == "conflicts")
        .unwrap_or_else(|| panic!("a conflicts line: {findings:?}"));
    assert_eq!(line.0, "warn", "{line:?}");
    assert!(
        line.2.starts_with("2 payments") && line.2.contains("lakala payments list --conflicts"),
        "{line:?}"
    );

    // A journal without any: the line says so, as a passed check.
    let clean = dir.path().join("clean.sqlite");
    let journal = SqliteJournal::open(&clean).await.expect("open");
    journal
        .record_intent(&micropay("CF-ALONE"))
        .await
        .expect("record");
    journal.close().await.expect("close");
    let findings = doctor(dir.path(), &clean);
    assert!(
        findings
            .iter()
            .any(|f| f.0 == "ok" && f.1 == "conflicts" && f.2.starts_with("no payment")),
        "{findings:?}"
    );
}
