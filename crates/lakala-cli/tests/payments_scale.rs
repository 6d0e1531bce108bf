//! `lakala payments list` and `lakala payments prune` on a real SQLite journal file,
//! running the real binary: newest first, pages continued by the printed cursor, a China
//! day by --since/--until, JSON lines for long listings, status and merchant filters;
//! prune with an archive that `list --from-archive` reads back.

use lakala_journal::{
    Intent, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal, SqliteOptions,
    StateUpdate, Synchronous,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

const M1: &str = "822290059430001";
const M2: &str = "822290059430002";
/// 2023-11-15 00:00:00 China time.
const DAY0: i64 = 1_699_977_600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// 120 payments, 30 a day over 4 China days (one an hour from 00:30), merchants
/// alternating; every tenth left pending; plus 5 recent ones finished yesterday, and a
/// refund (old) of a payment finished yesterday, which must stay with it.
async fn prepare(path: &Path) {
    let journal = SqliteJournal::open_with(
        path,
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    let finish = |key: PaymentKey, at: i64, status: PaymentStatus| {
        let journal = journal.clone();
        async move {
            journal
                .append(
                    &key,
                    &NewEvent::new(
                        at,
                        "node-a",
                        "answer",
                        serde_json::json!({"code": "BBS00000"}),
                    ),
                    &StateUpdate::status(status).with_trade_no(format!("T-{}", key.out_trade_no)),
                    None,
                )
                .await
                .expect("finish");
        }
    };
    for i in 0..120i64 {
        let merchant = if i % 2 == 0 { M1 } else { M2 };
        let key = PaymentKey::new(merchant, format!("MP-S-{i:03}"));
        let created = DAY0 + (i / 30) * 86_400 + (i % 30) * 2400 + 1800;
        let intent = Intent::micropay(
            key.clone(),
            "SBX00001",
            100 + i,
            "2885**********2810",
            format!("{:032x}", i),
            "node-a",
            created,
        );
        journal.record_intent(&intent).await.expect("record");
        if i % 10 != 9 {
            finish(key, created + 3, PaymentStatus::Succeeded).await;
        }
    }
    let yesterday = now() - 86_400;
    for i in 0..5 {
        let key = PaymentKey::new(M1, format!("MP-RECENT-{i}"));
        let intent = Intent::micropay(
            key.clone(),
            "SBX00001",
            500,
            "2885**********2810",
            format!("{:032x}", 1000 + i),
            "node-a",
            yesterday,
        );
        journal.record_intent(&intent).await.expect("record");
        finish(key, yesterday + 1, PaymentStatus::Succeeded).await;
    }
    let refund = Intent::refund(
        PaymentKey::new(M1, "RF-RECENT-0"),
        "SBX00001",
        "MP-RECENT-0",
        100,
        format!("{:032x}", 2000),
        "node-a",
        DAY0,
    );
    journal.record_intent(&refund).await.expect("refund");
    finish(refund.key.clone(), DAY0 + 5, PaymentStatus::Succeeded).await;
    journal.close().await.expect("close");
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

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("one JSON object ({e}): {stdout}"))
}

fn numbers(listing: &Value) -> Vec<String> {
    listing["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .map(|p| p["out_trade_no"].as_str().expect("number").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_days_and_filters_from_a_real_journal() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.sqlite");
    prepare(&path).await;

    // Newest first, 50 by default, with a cursor while there are more.
    let (code, out, err) = lakala(dir.path(), &path, &["--json", "payments", "list"]);
    assert_eq!(code, 4, "some listed payments are open: {err}");
    let first = json(&out);
    let page = numbers(&first);
    assert_eq!(page.len(), 50);
    assert!(page[0].starts_with("MP-RECENT-"), "{page:?}");
    assert_eq!(first["time_zone"], "UTC+08:00");
    assert_eq!(
        first["payments"][0]["created"].as_str().map(str::len),
        Some(19)
    );

    // Every page through the printed cursors: each payment once, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut args = vec!["--json", "payments", "list", "--limit", "17"];
        if let Some(c) = &cursor {
            args.extend(["--cursor", c.as_str()]);
        }
        let (_, out, err) = lakala(dir.path(), &path, &args);
        let listing = json(&out);
        seen.extend(numbers(&listing));
        match listing["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(err.is_empty() || err.contains("journal:"), "{err}");
    }
    assert_eq!(seen.len(), 126, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        126,
        "no payment twice"
    );
    let created: Vec<String> = seen
        .iter()
        .filter(|n| n.starts_with("MP-S-"))
        .cloned()
        .collect();
    let mut newest_first = created.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, newest_first, "newest first");

    // One China day: the second day, 30 payments.
    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "list",
            "--since",
            "2023-11-16",
            "--until",
            "2023-11-16",
            "--limit",
            "100",
        ],
    );
    let day = numbers(&json(&out));
    let expected: Vec<String> = (30..60).rev().map(|i| format!("MP-S-{i:03}")).collect();
    assert_eq!(day, expected);
    // A time range in UTC says the same day differently.
    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "list",
            "--since",
            "2023-11-15T16:00:00Z",
            "--until",
            "@1700150400",
            "--limit",
            "100",
        ],
    );
    assert_eq!(numbers(&json(&out)), expected);

    // Status and merchant.
    let (code, out, _) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "list",
            "--status",
            "pending",
            "--status",
            "recorded",
            "--merchant-no",
            M2,
        ],
    );
    assert_eq!(code, 4);
    let open = numbers(&json(&out));
    // Every tenth is left open, and those are all the second merchant's.
    let expected: Vec<String> = (0..12)
        .map(|k| format!("MP-S-{:03}", 119 - 10 * k))
        .collect();
    assert_eq!(open, expected);
    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &["--json", "payments", "list", "--open", "--limit", "5"],
    );
    assert_eq!(numbers(&json(&out)).len(), 5);

    // All, as JSON lines: one payment a line, then the summary.
    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &["--json", "payments", "list", "--limit", "0"],
    );
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 127);
    assert!(lines[..126].iter().all(|l| l["out_trade_no"].is_string()));
    assert_eq!(lines[126]["outcome"], "listed");
    assert_eq!(lines[126]["listed"], 126);
    assert!(lines[126]["next_cursor"].is_null());

    // Text: the time zone said, a line per payment, the cursor to continue.
    let (_, out, _) = lakala(dir.path(), &path, &["payments", "list", "--limit", "3"]);
    assert!(out.starts_with("times: UTC+08:00"), "{out}");
    assert!(out.contains("more: add --cursor "), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" micropay ")).count(),
        3,
        "{out}"
    );

    // Nonsense is refused as usage.
    for bad in [
        &["payments", "list", "--since", "yesterday"][..],
        &["payments", "list", "--status", "paid"],
        &["payments", "list", "--cursor", "k.zz.00"],
    ] {
        let (code, _, err) = lakala(dir.path(), &path, bad);
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
    // A cursor of a newest-first listing does not continue a listing by key... every
    // CLI listing is newest first, so it is taken; one made by hand for key order is not.
    let (code, _, err) = lakala(
        dir.path(),
        &path,
        &["payments", "list", "--cursor", "k.4d.4d"],
    );
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_archives_what_goes_and_list_reads_it_back() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.sqlite");
    let archive = dir.path().join("old.jsonl.gz");
    prepare(&path).await;

    let (code, out, err) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "prune",
            "--older-than",
            "30",
            "--archive",
            archive.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out} {err}");
    let done = json(&out);
    // 108 old finished payments go; the old refund stays with its recent payment.
    assert_eq!(done["pruned"], 108, "{done}");
    assert_eq!(done["archived"], 108);
    assert_eq!(done["kept"], 1);
    assert_eq!(done["space"]["incremental_vacuum"], true);
    assert!(done["space"]["freed_bytes"].as_u64().unwrap() > 0, "{done}");

    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &["--json", "payments", "list", "--limit", "0"],
    );
    let left: Vec<String> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["out_trade_no"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(left.len(), 18, "12 open, 5 recent, the refund: {left:?}");
    assert!(left.contains(&"RF-RECENT-0".to_owned()));

    let (code, out, err) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "list",
            "--from-archive",
            archive.to_str().unwrap(),
            "--limit",
            "0",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let archived: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(archived.len(), 109, "108 payments and the summary");
    assert!(archived[..108].iter().all(|p| p["status"] == "succeeded"));
    // Filters apply to the archive too.
    let (_, out, _) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "list",
            "--from-archive",
            archive.to_str().unwrap(),
            "--merchant-no",
            M1,
            "--since",
            "2023-11-15",
            "--until",
            "2023-11-15",
        ],
    );
    let day = json(&out);
    assert_eq!(
        numbers(&day).len(),
        15,
        "the first merchant's half of the first day: {day}"
    );

    // Nothing left to prune: a second run prunes nothing and appends nothing.
    let size = std::fs::metadata(&archive).expect("archive").len();
    let (code, out, _) = lakala(
        dir.path(),
        &path,
        &[
            "--json",
            "payments",
            "prune",
            "--older-than",
            "30",
            "--archive",
            archive.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["pruned"], 0);
    assert_eq!(std::fs::metadata(&archive).expect("archive").len(), size);
}
