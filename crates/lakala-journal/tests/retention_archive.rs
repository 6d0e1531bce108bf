//! Pruning with an archive on a real SQLite file and a real PostgreSQL server: the
//! archive reads back exactly what was deleted, appends across prunes, refuses damage;
//! the SQLite file gives the freed pages back.

#[path = "support/postgres.rs"]
mod postgres_support;

use lakala_journal::archive::{ArchiveReader, ArchivedPayment, GzipArchive};
use lakala_journal::conformance::{key, micropay, Harness, T0};
use lakala_journal::retention::prune_finished;
use lakala_journal::{
    JournalError, ListFilter, NewEvent, PaymentJournal, PaymentRecord, PaymentStatus,
    SqliteJournal, SqliteOptions, StateUpdate, Synchronous,
};
use rusqlite::Connection;
use std::path::Path;

/// `count` payments created a day apart, each with an answer of about 1 KB; every one
/// but each tenth (left pending) finished a second after it was created.
async fn fill<J: PaymentJournal>(journal: &J, prefix: &str, count: i64) {
    for i in 0..count {
        let no = format!("{prefix}-{i:04}");
        let mut intent = micropay(&no);
        intent.created_at = T0 + i * 86_400;
        journal.record_intent(&intent).await.expect("record");
        if i % 10 != 9 {
            let answer = NewEvent::new(
                intent.created_at + 1,
                "node-a",
                "answer",
                serde_json::json!({"code": "BBS00000", "filler": "x".repeat(1000), "i": i}),
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
}

async fn snapshot<J: PaymentJournal>(journal: &J) -> Vec<ArchivedPayment> {
    let mut all = Vec::new();
    let mut filter = ListFilter::all().limit(1000);
    loop {
        let page = journal.list(&filter).await.expect("list");
        let Some(last) = page.last() else { break };
        filter = filter.page_after(last).expect("next");
        for payment in page {
            let events = journal.events(&payment.key).await.expect("events");
            all.push(ArchivedPayment { payment, events });
        }
    }
    all
}

fn read_back(path: &Path) -> Vec<ArchivedPayment> {
    ArchiveReader::open(path)
        .expect("open archive")
        .collect::<Result<Vec<_>, _>>()
        .expect("read archive")
}

/// Prunes everything final before `cut` into `archive`, and checks the archive holds
/// exactly the deleted payments, as they were, with their events.
async fn prune_and_check<J: PaymentJournal>(journal: &J, cut: i64, archive: &Path) -> u64 {
    let before = snapshot(journal).await;
    let mut sink = GzipArchive::append(archive).expect("archive");
    let report = prune_finished(journal, cut, Some(&mut sink))
        .await
        .expect("prune");
    assert_eq!(report.archived, report.pruned, "{report:?}");
    let after = snapshot(journal).await;
    let gone: Vec<&ArchivedPayment> = before
        .iter()
        .filter(|p| !after.iter().any(|a| a.payment.key == p.payment.key))
        .collect();
    assert_eq!(gone.len() as u64, report.pruned);
    assert!(after
        .iter()
        .all(|p| !p.payment.status.is_final() || p.payment.finished_at >= Some(cut)));
    let archived = read_back(archive);
    for p in gone {
        let found = archived
            .iter()
            .find(|a| a.payment.key == p.payment.key)
            .expect("every pruned payment is in the archive");
        assert_eq!(found, p, "as it was, with its events");
    }
    report.pruned
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("size").len()
}

#[tokio::test]
async fn sqlite_prune_archives_reads_back_and_frees_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.sqlite3");
    let archive = dir.path().join("archive.jsonl.gz");
    let journal = SqliteJournal::open_with(
        &path,
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    fill(&journal, "MP-A", 400).await;
    journal.checkpoint().await.expect("checkpoint");
    let size_before = file_size(&path);

    // Two prunes appended to one archive: everything before day 200, then before day 300.
    let first = prune_and_check(&journal, T0 + 200 * 86_400, &archive).await;
    assert_eq!(first, 180, "9 of every 10 days finished");
    let second = prune_and_check(&journal, T0 + 300 * 86_400, &archive).await;
    assert_eq!(second, 90);
    assert_eq!(read_back(&archive).len(), 270, "both prunes, in one file");
    let open_left = journal.list(&ListFilter::open()).await.expect("open");
    assert_eq!(open_left.len(), 40, "open payments are never pruned");

    let reclaimed = journal.reclaim_space(false).await.expect("reclaim");
    assert!(reclaimed.incremental, "{reclaimed:?}");
    assert!(!reclaimed.vacuumed);
    assert!(reclaimed.freed_bytes > 0, "{reclaimed:?}");
    assert!(file_size(&path) < size_before, "the file shrank");
    journal.close().await.expect("close");
}

/// A journal file made before incremental vacuum (mode NONE) keeps its free pages until
/// `reclaim_space(true)` runs the one VACUUM that converts it.
#[tokio::test]
async fn an_old_file_is_converted_to_incremental_vacuum() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.sqlite3");
    {
        let journal = SqliteJournal::open(&path).await.expect("create");
        journal.close().await.expect("close");
        let c = Connection::open(&path).expect("raw");
        c.execute_batch("PRAGMA auto_vacuum = NONE; VACUUM;")
            .expect("as an old file");
        let mode: i64 = c
            .pragma_query_value(None, "auto_vacuum", |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, 0);
    }
    let journal = SqliteJournal::open_with(
        &path,
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    fill(&journal, "MP-B", 200).await;
    assert!(journal.prune(T0 + 400 * 86_400).await.expect("prune") > 0);
    let kept = journal.reclaim_space(false).await.expect("reclaim");
    assert!(!kept.incremental && !kept.vacuumed, "{kept:?}");
    assert_eq!(kept.freed_bytes, 0);
    assert!(kept.free_bytes_left > 0, "{kept:?}");
    let converted = journal.reclaim_space(true).await.expect("convert");
    assert!(converted.incremental && converted.vacuumed, "{converted:?}");
    assert!(converted.freed_bytes > 0, "{converted:?}");
    assert_eq!(
        journal.list(&ListFilter::open()).await.expect("open").len(),
        20
    );
    journal.close().await.expect("close");
}

#[tokio::test]
async fn damaged_archives_are_refused_naming_the_place() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("archive.jsonl.gz");
    let journal = lakala_journal::MemoryJournal::new();
    fill(&journal, "MP-D", 30).await;
    let mut sink = GzipArchive::append(&path).expect("archive");
    let report = prune_finished(&journal, i64::MAX, Some(&mut sink))
        .await
        .expect("prune");
    assert_eq!(report.pruned, 27);
    let whole = std::fs::read(&path).expect("read");

    // Cut short in the middle of the gzip stream.
    std::fs::write(&path, &whole[..whole.len() / 2]).expect("write");
    let read: Vec<Result<ArchivedPayment, JournalError>> =
        ArchiveReader::open(&path).expect("open").collect();
    assert!(
        matches!(read.last(), Some(Err(JournalError::Corrupt { .. }))),
        "a cut archive ends in an error"
    );
    // Not gzip at all.
    std::fs::write(&path, b"{\"v\":1}\n").expect("write");
    let first = ArchiveReader::open(&path).expect("open").next();
    assert!(matches!(first, Some(Err(JournalError::Corrupt { .. }))));
    // Gzip of lines that are not archive lines.
    for line in [
        "not json\n",
        "{\"v\":2,\"payment\":{},\"events\":[]}\n",
        "{\"v\":1,\"payment\":{\"merchant_no\":\"\"},\"events\":[]}\n",
        "{\"v\":1}",
    ] {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(line.as_bytes()).expect("gz");
        std::fs::write(&path, e.finish().expect("gz")).expect("write");
        let first = ArchiveReader::open(&path).expect("open").next();
        match first {
            Some(Err(JournalError::Corrupt { reason })) => {
                assert!(reason.contains("line 1"), "{reason}")
            }
            other => panic!("{line:?}: {other:?}"),
        }
    }
    assert!(matches!(
        ArchiveReader::open(dir.path().join("missing.gz")),
        Err(JournalError::Io { .. })
    ));
}

#[tokio::test]
async fn postgres_prune_archives_and_reads_back() {
    let h = postgres_support::harness().await;
    let journal = h.open().await.expect("connect");
    fill(&journal, "MP-P", 120).await;
    let dir = tempfile::tempdir().expect("dir");
    let archive = dir.path().join("archive.jsonl.gz");
    let pruned = prune_and_check(&journal, T0 + 100 * 86_400, &archive).await;
    assert_eq!(pruned, 90);
    assert_eq!(
        journal.list(&ListFilter::open()).await.expect("open").len(),
        12
    );
    let left: Vec<PaymentRecord> = journal
        .list(&ListFilter::all().limit(1000))
        .await
        .expect("list");
    assert_eq!(left.len(), 30);
    drop(journal);
    h.finish().await;
}
