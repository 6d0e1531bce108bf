//! Listing by time: ranges, newest first, keyset pages in every order, and pre-orders.

use super::fixtures::{event, fingerprint, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::list::{ListCursor, ListFilter, ListOrder, TimeField};
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::status::{PaymentKind, PaymentStatus};
use crate::update::StateUpdate;

fn names(records: &[PaymentRecord]) -> Vec<String> {
    records.iter().map(|r| r.key.to_string()).collect()
}

/// Every page of `filter`, following cursors through their text form, `page` at a time.
async fn all_pages<J: PaymentJournal>(journal: &J, filter: ListFilter, page: usize) -> Vec<String> {
    let mut filter = filter.limit(page);
    let mut seen = Vec::new();
    for _ in 0..100 {
        let found = journal.list(&filter).await.expect("page");
        assert!(found.len() <= page);
        let Some(last) = found.last() else {
            return seen;
        };
        let cursor = ListCursor::after(&filter, last).expect("cursor");
        let again: ListCursor = cursor.to_string().parse().expect("cursor text");
        filter = filter.continue_after(again);
        seen.extend(names(&found));
    }
    panic!("paging does not end");
}

/// Payments created over several seconds (two at the same second, two merchants), some
/// finished: listed by creation and finish time, oldest and newest first, in half-open
/// ranges, combined with status and merchant, and paged through cursors (in text) in
/// every order without repeating or skipping one; a cursor of another order is refused.
pub async fn list_by_time_and_pages<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let m1 = "822290059430001";
    let m2 = "822290059430002";
    // (merchant, number, created, finished after)
    let payments = [
        (m1, "MP-T-1", T0, Some(50)),
        (m1, "MP-T-2", T0 + 10, None),
        (m2, "MP-T-3", T0 + 10, Some(5)),
        (m1, "MP-T-4", T0 + 10, Some(1)),
        (m1, "MP-T-5", T0 + 20, None),
        (m2, "MP-T-6", T0 + 30, Some(1)),
        (m1, "MP-T-7", T0 + 40, Some(100)),
    ];
    for (merchant, no, created, finished) in payments {
        let intent = Intent::micropay(
            PaymentKey::new(merchant, no),
            "SBX00001",
            101,
            "2885**********2810",
            fingerprint(no),
            "node-a",
            created,
        );
        journal.record_intent(&intent).await.expect("record");
        if let Some(after) = finished {
            journal
                .append(
                    &intent.key,
                    &event(created + after, "answer"),
                    &StateUpdate::status(PaymentStatus::Succeeded),
                    None,
                )
                .await
                .expect("finish");
        }
    }
    let k = |m: &str, no: &str| format!("{m}/{no}");

    let newest = journal
        .list(&ListFilter::all().newest_first())
        .await
        .expect("newest");
    assert_eq!(
        names(&newest),
        [
            k(m1, "MP-T-7"),
            k(m2, "MP-T-6"),
            k(m1, "MP-T-5"),
            k(m2, "MP-T-3"),
            k(m1, "MP-T-4"),
            k(m1, "MP-T-2"),
            k(m1, "MP-T-1"),
        ],
        "creation time descending, ties by key descending"
    );
    let day = journal
        .list(&ListFilter::all().created_in(T0 + 10, T0 + 30))
        .await
        .expect("range");
    assert_eq!(
        names(&day),
        [
            k(m1, "MP-T-2"),
            k(m1, "MP-T-4"),
            k(m2, "MP-T-3"),
            k(m1, "MP-T-5"),
        ],
        "half-open, oldest first, ties by key"
    );
    let finished = journal
        .list(&ListFilter::all().finished_in(T0, T0 + 1000))
        .await
        .expect("finished");
    assert_eq!(
        names(&finished),
        [
            k(m1, "MP-T-4"),
            k(m2, "MP-T-3"),
            k(m2, "MP-T-6"),
            k(m1, "MP-T-1"),
            k(m1, "MP-T-7"),
        ],
        "by finish time; open payments are never in it"
    );
    let finished_newest = journal
        .list(
            &ListFilter::all()
                .finished_in(T0 + 12, T0 + 141)
                .newest_first(),
        )
        .await
        .expect("finished newest");
    assert_eq!(
        names(&finished_newest),
        [
            k(m1, "MP-T-7"),
            k(m1, "MP-T-1"),
            k(m2, "MP-T-6"),
            k(m2, "MP-T-3")
        ]
    );
    let open_newest = journal
        .list(&ListFilter::open().newest_first())
        .await
        .expect("open newest");
    assert_eq!(names(&open_newest), [k(m1, "MP-T-5"), k(m1, "MP-T-2")]);
    let merchant = journal
        .list(
            &ListFilter::all()
                .with_merchant(m2)
                .created_in(T0, T0 + 100)
                .newest_first(),
        )
        .await
        .expect("merchant");
    assert_eq!(names(&merchant), [k(m2, "MP-T-6"), k(m2, "MP-T-3")]);
    assert!(journal
        .list(&ListFilter::all().created_in(T0 + 10, T0 + 10))
        .await
        .expect("empty range")
        .is_empty());

    // Pages of every size, in every order, through the cursor's text form.
    for filter in [
        ListFilter::all(),
        ListFilter::all().newest_first(),
        ListFilter::all().created_in(T0 + 10, T0 + 41),
        ListFilter::all().created_in(T0, T0 + 41).newest_first(),
        ListFilter::all().finished_in(T0, T0 + 1000),
        ListFilter::all().finished_in(T0, T0 + 1000).newest_first(),
        ListFilter::open(),
        ListFilter::open().newest_first(),
        ListFilter::open().created_in(T0, T0 + 41),
        ListFilter::all()
            .with_statuses([PaymentStatus::Succeeded])
            .created_in(T0, T0 + 41)
            .newest_first(),
        ListFilter::all().with_merchant(m1).newest_first(),
    ] {
        let whole = names(&journal.list(&filter).await.expect("whole"));
        for page in 1..=3 {
            assert_eq!(
                all_pages(&journal, filter.clone(), page).await,
                whole,
                "{:?}, pages of {page}",
                filter.order()
            );
        }
    }

    let page = journal
        .list(&ListFilter::all().newest_first().limit(1))
        .await
        .expect("page");
    let cursor = ListCursor::after(&ListFilter::all().newest_first(), &page[0]).expect("cursor");
    assert_eq!(cursor.order(), ListOrder::NewestFirst(TimeField::Created));
    let e = journal
        .list(
            &ListFilter::all()
                .created_in(T0, T0 + 100)
                .continue_after(cursor),
        )
        .await
        .expect_err("a cursor of another order");
    assert!(
        matches!(
            e,
            JournalError::InvalidInput {
                field: "cursor",
                ..
            }
        ),
        "{e:?}"
    );
}

/// A pre-order is journaled with its amount, no auth code and no origin; it stays open
/// (it may never be paid) and finishes like any payment.
pub async fn preorders_are_journaled<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let intent = Intent::preorder(
        PaymentKey::new("822290059430001", "PO-1"),
        "SBX00001",
        300,
        fingerprint("PO-1"),
        "node-a",
        T0,
    )
    .with_next_check_at(T0 + 60);
    let Recorded::New(record) = journal.record_intent(&intent).await.expect("record") else {
        panic!("a new pre-order");
    };
    assert_eq!(record.kind, PaymentKind::Preorder);
    assert_eq!(
        (record.amount_fen, record.masked_auth_code.as_deref()),
        (Some(300), None)
    );
    let again = journal.record_intent(&intent).await.expect("again");
    assert!(matches!(again, Recorded::Existing(_)), "{again:?}");
    let read = journal
        .payment(&intent.key)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(read.kind, PaymentKind::Preorder);
    let open_ones = journal.list(&ListFilter::open()).await.expect("open");
    assert_eq!(names(&open_ones), ["822290059430001/PO-1"]);
    let paid = journal
        .append(
            &intent.key,
            &event(T0 + 30, "notification"),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T-PO-1"),
            None,
        )
        .await
        .expect("paid");
    assert_eq!(paid.finished_at, Some(T0 + 30));
    let mut with_code = intent.clone();
    with_code.key = PaymentKey::new("822290059430001", "PO-2");
    with_code.masked_auth_code = Some("2885**********2810".into());
    assert!(matches!(
        journal.record_intent(&with_code).await,
        Err(JournalError::InvalidInput { .. })
    ));
    assert_eq!(
        journal.payment(&with_code.key).await.expect("read"),
        None,
        "nothing written"
    );
}
