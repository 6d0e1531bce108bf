//! The listings by time read an index on both SQL stores, whatever the size of the
//! journal: checked on the plans the stores themselves run (`explain_list`), so a later
//! change to the SQL or the indexes cannot silently fall back to scanning and sorting
//! the whole journal.
//!
//! SQLite chooses plans without statistics here (no `ANALYZE`), by the shape of the
//! query and the indexes; PostgreSQL chooses by its statistics, so its table is given
//! 20,000 payments and analyzed first: with a handful of rows a sequential scan is the
//! right plan and `enable_seqscan` would have to be turned off to see the index at all.
//! It is left on: the test checks the plan the server would really choose.

#[path = "support/postgres.rs"]
mod postgres_support;

use lakala_journal::conformance::{micropay, Harness, T0};
use lakala_journal::{
    ListCursor, ListFilter, PaymentJournal, PaymentRecord, PaymentStatus, SqliteJournal,
    SqliteOptions, StateUpdate, Synchronous,
};
use postgres_support::{harness, raw_client};

/// The listings to check, with the index each must read.
fn listings(last: &PaymentRecord) -> Vec<(ListFilter, &'static str)> {
    let day = (T0, T0 + 86_400);
    let last = ListCursor::after(&ListFilter::all().newest_first(), last).expect("cursor");
    vec![
        (ListFilter::all().newest_first(), "lakala_payments_created"),
        (
            ListFilter::all().newest_first().continue_after(last),
            "lakala_payments_created",
        ),
        (
            ListFilter::all().created_in(day.0, day.1),
            "lakala_payments_created",
        ),
        (
            ListFilter::all().created_in(day.0, day.1).newest_first(),
            "lakala_payments_created",
        ),
        (
            ListFilter::all().finished_in(day.0, day.1),
            "lakala_payments_finished",
        ),
        (
            ListFilter::all()
                .with_statuses([PaymentStatus::Succeeded])
                .with_merchant("822290059430001")
                .finished_in(day.0, day.1)
                .newest_first(),
            "lakala_payments_finished",
        ),
    ]
}

#[tokio::test]
async fn sqlite_listings_by_time_read_an_index() {
    let dir = tempfile::tempdir().expect("dir");
    let journal = SqliteJournal::open_with(
        dir.path().join("journal.sqlite3"),
        SqliteOptions::default().synchronous(Synchronous::Normal),
    )
    .await
    .expect("open");
    for i in 0..200 {
        let mut intent = micropay(&format!("MP-PLAN-{i}"));
        intent.created_at = T0 + i * 600;
        journal.record_intent(&intent).await.expect("record");
        if i % 2 == 0 {
            journal
                .append(
                    &intent.key,
                    &lakala_journal::conformance::event(intent.created_at + 5, "answer"),
                    &StateUpdate::status(PaymentStatus::Succeeded),
                    None,
                )
                .await
                .expect("finish");
        }
    }
    let last = journal
        .record_intent(&micropay("MP-LAST"))
        .await
        .expect("record");
    for (filter, index) in listings(last.record()) {
        let plan = journal.explain_list(&filter).await.expect("plan");
        assert!(
            plan.contains(&format!("USING INDEX {index}"))
                || plan.contains(&format!("USING COVERING INDEX {index}")),
            "{:?} must read {index}:\n{plan}",
            filter.order()
        );
        assert!(
            !plan.contains("TEMP B-TREE"),
            "{:?} must not sort:\n{plan}",
            filter.order()
        );
        // And it answers.
        journal.list(&filter).await.expect("list");
    }
}

#[tokio::test]
async fn postgres_listings_by_time_read_an_index() {
    let h = harness().await;
    let journal = h.open().await.expect("connect");
    let last = journal
        .record_intent(&micropay("MP-PLAN-0"))
        .await
        .expect("record");
    let client = raw_client().await;
    client
        .batch_execute(&format!(
            "SET search_path TO \"{s}\";
             INSERT INTO lakala_payments (merchant_no, out_trade_no, kind, term_no,
                 amount_fen, masked_auth_code, fingerprint, status, trade_no, attempts,
                 event_count, created_at, created_by, updated_at, finished_at)
             SELECT '82229005943000' || (i % 3), 'MP-BULK-' || i, 'micropay', 'SBX00001',
                 101, '2885**********2810', md5(i::text), 'succeeded', 'T' || i, 0, 3,
                 {T0} + i * 60, 'node-a', {T0} + i * 60 + 2, {T0} + i * 60 + 2
             FROM generate_series(1, 20000) AS i;
             ANALYZE lakala_payments;",
            s = h.schema
        ))
        .await
        .expect("bulk load");
    for (filter, index) in listings(last.record()) {
        let plan = journal.explain_list(&filter).await.expect("plan");
        assert!(
            plan.contains(&format!("using {index}")),
            "{:?} must read {index}:\n{plan}",
            filter.order()
        );
        assert!(
            !plan.contains("Seq Scan") && !plan.contains("Sort"),
            "{:?} must neither scan nor sort:\n{plan}",
            filter.order()
        );
        journal.list(&filter).await.expect("list");
    }
    drop(journal);
    h.finish().await;
}

/// A payment's companions (what a prune checks for every payment) are found by the
/// origin index, not by walking the merchant's payments.
#[tokio::test]
async fn sqlite_companions_are_found_by_the_origin_index() {
    let dir = tempfile::tempdir().expect("dir");
    let journal = SqliteJournal::open(dir.path().join("journal.sqlite3"))
        .await
        .expect("open");
    let filter = ListFilter::all()
        .with_merchant("822290059430001")
        .with_origin("MP-1");
    let plan = journal.explain_list(&filter).await.expect("plan");
    assert!(plan.contains("lakala_payments_origin"), "{plan}");
    assert!(journal.list(&filter).await.expect("list").is_empty());
}
