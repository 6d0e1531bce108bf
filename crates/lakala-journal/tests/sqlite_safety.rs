//! A journal file that is safe to operate: a file that exists but holds no journal (empty,
//! or the main file of a journal whose `-wal` was lost) is refused, never made a new,
//! empty journal; a checkpoint or a close leaves the main file complete, so a plain copy
//! of it is the whole journal; `backup_to` copies a journal in use.

use lakala_journal::conformance::{event, key, micropay, T0};
use lakala_journal::{
    JournalError, ListFilter, PaymentJournal, PaymentStatus, SqliteJournal, SqliteOptions,
    StateUpdate,
};
use std::path::{Path, PathBuf};

fn temp_journal() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("journal.sqlite");
    (dir, path)
}

fn wal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// `count` payments, each with an answer event, the last few still pending.
async fn write_payments(journal: &SqliteJournal, count: usize) {
    for i in 0..count {
        let number = format!("MP-SAFE-{i:04}");
        journal.record_intent(&micropay(&number)).await.unwrap();
        let status = if i + 3 < count {
            PaymentStatus::Succeeded
        } else {
            PaymentStatus::Pending
        };
        journal
            .append(
                &key(&number),
                &event(T0 + 1, "answer"),
                &StateUpdate::status(status),
                None,
            )
            .await
            .unwrap();
    }
}

async fn numbers(journal: &SqliteJournal) -> Vec<(String, PaymentStatus)> {
    journal
        .list(&ListFilter::all().limit(10_000))
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.key.out_trade_no, p.status))
        .collect()
}

fn assert_no_journal(e: &JournalError) {
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("holds no journal"), "{text}");
    assert!(text.contains("-wal"), "{text}");
}

#[tokio::test]
async fn an_empty_file_is_refused_and_left_alone() {
    let (_dir, path) = temp_journal();
    std::fs::write(&path, b"").unwrap();
    let e = SqliteJournal::open(&path).await.expect_err("empty file");
    assert_no_journal(&e);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left untouched");
    // Also read-only, and also through a URL.
    let e = SqliteJournal::open_with(&path, SqliteOptions::default().read_only(true))
        .await
        .expect_err("empty file");
    assert_no_journal(&e);
    let e = lakala_journal::Journal::open(&format!("sqlite:{}", path.display()))
        .await
        .expect_err("empty file");
    assert_no_journal(&e);

    // The main file of a journal created in place by an older version, whose -wal (with
    // the whole schema) was lost: SQLite's header in WAL mode, nothing else.
    std::fs::remove_file(&path).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(raw);
    assert!(!wal(&path).exists());
    let e = SqliteJournal::open(&path).await.expect_err("header only");
    assert_no_journal(&e);
}

/// What "lost its WAL" looks like on disk: a journal's writes stay in `PATH-wal` until a
/// checkpoint, so the main file copied (or left) without it holds the empty journal it
/// was created as, marked "in use" (the mark every writable open checkpoints at once).
#[tokio::test]
async fn a_journal_whose_wal_was_lost_is_refused() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    write_payments(&journal, 20).await;
    assert!(
        std::fs::metadata(wal(&path)).unwrap().len() > 0,
        "the writes are in the -wal"
    );
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    assert!(!wal(&copy).exists());
    let before = std::fs::read(&copy).unwrap();
    let e = SqliteJournal::open(&copy).await.expect_err("no journal");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("-wal file is missing"), "{e}");
    assert_eq!(std::fs::read(&copy).unwrap(), before, "left untouched");
    // The journal itself is whole.
    assert_eq!(numbers(&journal).await.len(), 20);
}

#[tokio::test]
async fn a_new_journal_is_created_only_where_no_file_is() {
    let (_dir, path) = temp_journal();
    let e = SqliteJournal::open_with(&path, SqliteOptions::default().create_if_missing(false))
        .await
        .expect_err("not asked to create");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
    assert!(!path.exists());
    let journal = SqliteJournal::open(&path).await.expect("created");
    write_payments(&journal, 2).await;
    journal.close().await.unwrap();
    let again = SqliteJournal::open_with(&path, SqliteOptions::default().create_if_missing(false))
        .await
        .expect("an existing journal opens");
    assert_eq!(numbers(&again).await.len(), 2);
}

#[tokio::test]
async fn a_copy_of_the_main_file_of_a_journal_in_use_is_refused_even_after_a_checkpoint() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    write_payments(&journal, 25).await;
    journal.checkpoint().await.unwrap();
    assert_eq!(
        std::fs::metadata(wal(&path)).unwrap().len(),
        0,
        "-wal emptied"
    );
    // The journal keeps being written after any checkpoint: its main file alone says
    // "in use", and a copy of it without its -wal is refused rather than trusted.
    journal.record_intent(&micropay("MP-AFTER")).await.unwrap();
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let e = SqliteJournal::open(&copy)
        .await
        .expect_err("in use, no -wal");
    assert!(matches!(e, JournalError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("-wal file is missing"), "{e}");
    // Copied together with its -wal, it is the whole journal.
    let with_wal = dir.path().join("with-wal.sqlite");
    std::fs::copy(&path, &with_wal).unwrap();
    std::fs::copy(wal(&path), wal(&with_wal)).unwrap();
    let copied = SqliteJournal::open(&with_wal).await.unwrap();
    assert_eq!(numbers(&copied).await, numbers(&journal).await);
}

/// A journal closed cleanly, then opened and written again, and its -wal lost: the main
/// file holds the earlier run's payments and says "in use", so it is refused instead of
/// showing the earlier run as the whole journal.
#[tokio::test]
async fn a_wal_lost_after_an_earlier_clean_close_is_refused() {
    let (dir, path) = temp_journal();
    let first = SqliteJournal::open(&path).await.unwrap();
    write_payments(&first, 5).await;
    first.close().await.unwrap();
    let second = SqliteJournal::open(&path).await.unwrap();
    second
        .record_intent(&micropay("MP-SECOND-RUN"))
        .await
        .unwrap();
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let e = SqliteJournal::open(&copy)
        .await
        .expect_err("in use, no -wal");
    assert!(e.to_string().contains("-wal file is missing"), "{e}");
}

#[tokio::test]
async fn close_checkpoints_so_a_plain_copy_is_complete() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    let clone = journal.clone();
    write_payments(&journal, 12).await;
    let expected = numbers(&journal).await;
    drop(clone);
    journal.close().await.unwrap();
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let copied = SqliteJournal::open(&copy).await.unwrap();
    assert_eq!(numbers(&copied).await, expected);
}

#[tokio::test]
async fn a_checkpoint_on_a_read_only_handle_is_refused() {
    let (_dir, path) = temp_journal();
    SqliteJournal::open(&path)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    let journal = SqliteJournal::open_with(&path, SqliteOptions::default().read_only(true))
        .await
        .unwrap();
    let e = journal.checkpoint().await.expect_err("read-only");
    assert!(matches!(e, JournalError::ReadOnly { .. }), "{e:?}");
    journal.close().await.expect("closing a read-only handle");
}

#[tokio::test]
async fn backup_copies_every_payment_of_a_journal_in_use() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    write_payments(&journal, 300).await;
    // A second handle on the file (another process, say) keeps writing meanwhile.
    let other = SqliteJournal::open(&path).await.unwrap();
    let writer = tokio::spawn(async move {
        for i in 0..50 {
            other
                .record_intent(&micropay(&format!("MP-DURING-{i:03}")))
                .await
                .unwrap();
        }
    });
    let dest = dir.path().join("backup.sqlite");
    journal.backup_to(&dest).await.unwrap();
    writer.await.unwrap();
    assert!(!wal(&dest).exists() || std::fs::metadata(wal(&dest)).unwrap().len() == 0);
    let copy = SqliteJournal::open(&dest).await.unwrap();
    let copied = numbers(&copy).await;
    // One moment of the journal: all 300 payments, their statuses and events, and a
    // prefix of the concurrent ones.
    let originals: Vec<_> = copied
        .iter()
        .filter(|(n, _)| n.starts_with("MP-SAFE-"))
        .collect();
    assert_eq!(originals.len(), 300);
    for (number, status) in &originals {
        let events = copy.events(&key(number)).await.unwrap();
        assert_eq!(events.len(), 2, "{number}");
        let expected = journal.payment(&key(number)).await.unwrap().unwrap().status;
        assert_eq!(*status, expected, "{number}");
    }
    let during = copied
        .iter()
        .filter(|(n, _)| n.starts_with("MP-DURING-"))
        .count();
    for i in 0..during {
        let number = format!("MP-DURING-{i:03}");
        assert!(
            copied.iter().any(|(n, _)| *n == number),
            "a prefix: {number}"
        );
    }
    // The copy is a journal of its own: writable, independent of the original.
    copy.record_intent(&micropay("MP-IN-COPY")).await.unwrap();
    assert!(journal.payment(&key("MP-IN-COPY")).await.unwrap().is_none());
}

#[tokio::test]
async fn backup_never_overwrites() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    let dest = dir.path().join("taken");
    std::fs::write(&dest, b"keep me").unwrap();
    let e = journal.backup_to(&dest).await.expect_err("exists");
    assert!(matches!(e, JournalError::InvalidInput { .. }), "{e:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), b"keep me");
    let e = journal
        .backup_to(dir.path().join("no/such/dir/b.sqlite"))
        .await
        .expect_err("no directory");
    assert!(matches!(e, JournalError::Unavailable { .. }), "{e:?}");
}

/// Several handles (as several processes would) opening one new path at once: one creates
/// the journal, the others wait for its creation and open it; none is refused as a lost
/// journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn handles_opening_a_new_journal_at_once_all_open_it() {
    for round in 0..20 {
        let (_dir, path) = temp_journal();
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { SqliteJournal::open(&path).await })
            })
            .collect();
        for open in opens {
            let journal = open
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert!(numbers(&journal).await.is_empty());
        }
    }
}

/// The documented way out when a person knows the -wal was folded in (another SQLite
/// program opened and closed the journal after a crash): mark it closed cleanly by hand.
#[tokio::test]
async fn a_journal_marked_closed_by_hand_opens_again() {
    let (dir, path) = temp_journal();
    let journal = SqliteJournal::open(&path).await.unwrap();
    write_payments(&journal, 4).await;
    journal.checkpoint().await.unwrap(); // everything folded into the main file
    let copy = dir.path().join("folded.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    assert!(
        SqliteJournal::open(&copy).await.is_err(),
        "says in use, no -wal"
    );
    let raw = rusqlite::Connection::open(&copy).unwrap();
    raw.pragma_update(None, "application_id", 1_280_003_146_i64)
        .unwrap();
    drop(raw);
    let reopened = SqliteJournal::open(&copy).await.unwrap();
    assert_eq!(numbers(&reopened).await, numbers(&journal).await);
}
