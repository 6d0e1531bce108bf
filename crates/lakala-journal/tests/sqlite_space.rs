//! A prune that frees thousands of pages of a real SQLite file, then `reclaim_space`: the
//! main file and its `-wal` together shrink by (nearly) all of them, and the payments kept
//! are intact. (SQLite gives back one page per step of `PRAGMA incremental_vacuum`: a
//! statement run for one step returned a single page, whatever the prune freed.)

use lakala_journal::conformance::{key, micropay, T0};
use lakala_journal::retention::prune_finished;
use lakala_journal::{
    ListFilter, NewEvent, PaymentJournal, PaymentStatus, SqliteJournal, SqliteOptions, StateUpdate,
    Synchronous,
};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Payments in the journal; every tenth is left pending (never pruned).
const PAYMENTS: i64 = 3000;
/// Characters of each answer's filler: pseudo-random hex, so that a store which
/// compresses events still keeps about half of them.
const FILLER: usize = 8000;

/// `len` hex digits from a xorshift generator seeded with `seed`.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}

fn wal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The main file and its `-wal`, in bytes.
fn on_disk(path: &Path) -> u64 {
    size(path) + size(&wal(path))
}

/// A `PRAGMA` of the file, read by a connection of its own.
fn pragma(path: &Path, name: &str) -> i64 {
    Connection::open(path)
        .expect("raw connection")
        .pragma_query_value(None, name, |r| r.get(0))
        .expect("pragma")
}

#[tokio::test]
async fn reclaim_space_gives_back_every_page_a_large_prune_freed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.sqlite3");
    let journal = SqliteJournal::open_with(
        &path,
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    for i in 0..PAYMENTS {
        let no = format!("SPACE-{i:05}");
        let mut intent = micropay(&no);
        intent.created_at = T0 + i * 60;
        journal.record_intent(&intent).await.expect("record");
        if i % 10 != 9 {
            let answer = NewEvent::new(
                intent.created_at + 1,
                "node-a",
                "answer",
                serde_json::json!({"code": "BBS00000", "filler": noise(i as u64, FILLER)}),
            );
            journal
                .append(
                    &key(&no),
                    &answer,
                    &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no(format!("T{i}")),
                    None,
                )
                .await
                .expect("finish");
        }
    }
    journal.checkpoint().await.expect("checkpoint");
    assert_eq!(
        pragma(&path, "auto_vacuum"),
        2,
        "created in incremental mode"
    );

    let report = prune_finished(&journal, T0 + PAYMENTS * 60, None)
        .await
        .expect("prune");
    assert_eq!(report.pruned, (PAYMENTS - PAYMENTS / 10) as u64);
    let page = pragma(&path, "page_size") as u64;
    let free_pages = pragma(&path, "freelist_count") as u64;
    assert!(
        free_pages > 2000,
        "the prune should free thousands of pages, freed {free_pages}"
    );
    let before = on_disk(&path);

    let reclaimed = journal.reclaim_space(false).await.expect("reclaim");
    assert!(
        reclaimed.incremental && !reclaimed.vacuumed,
        "{reclaimed:?}"
    );
    assert_eq!(reclaimed.free_bytes_left, 0, "{reclaimed:?}");
    assert!(
        reclaimed.freed_bytes >= free_pages * page * 9 / 10,
        "{reclaimed:?}, {free_pages} free pages of {page} bytes"
    );
    assert_eq!(pragma(&path, "freelist_count"), 0);
    assert_eq!(size(&wal(&path)), 0, "the -wal is emptied");
    let after = on_disk(&path);
    assert!(
        after + free_pages * page * 9 / 10 <= before,
        "main file and -wal went from {before} to {after} bytes; the prune freed {} bytes",
        free_pages * page
    );

    // What was kept is intact, and the journal goes on.
    let open = journal
        .list(&ListFilter::open().limit(1000))
        .await
        .expect("open");
    assert_eq!(open.len() as i64, PAYMENTS / 10);
    let all = journal
        .list(&ListFilter::all().limit(1000))
        .await
        .expect("all");
    assert_eq!(all.len(), open.len());
    let last = micropay("SPACE-NEXT");
    journal.record_intent(&last).await.expect("record after");
    assert!(journal
        .payment(&key("SPACE-NEXT"))
        .await
        .expect("read")
        .is_some());
    journal.close().await.expect("close");
    let check: String = Connection::open(&path)
        .expect("raw connection")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
}
