//! Listing payments.

use super::fixtures::{event, fingerprint, micropay, T0};
use super::{open, Harness};
use crate::journal::PaymentJournal;
use crate::list::ListFilter;
use crate::payment::{Intent, PaymentKey};
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// Filters by status and merchant, pages in key order, reports event counts.
pub async fn list_filters_and_pages<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let statuses = [
        ("MP-L-1", None),
        ("MP-L-2", Some(PaymentStatus::Pending)),
        ("MP-L-3", Some(PaymentStatus::Succeeded)),
        ("MP-L-4", Some(PaymentStatus::Unresolved)),
        ("MP-L-5", Some(PaymentStatus::Failed)),
        ("MP-L-6", Some(PaymentStatus::Pending)),
    ];
    for (no, status) in statuses {
        journal.record_intent(&micropay(no)).await.expect("record");
        if let Some(status) = status {
            let k = crate::conformance::key(no);
            journal
                .append(
                    &k,
                    &event(T0 + 1, "note"),
                    &StateUpdate::status(status),
                    None,
                )
                .await
                .expect("status");
        }
    }
    let mut other = micropay("MP-L-1");
    other.key = PaymentKey::new("822290059430002", "MP-L-1");
    journal.record_intent(&other).await.expect("record");

    let all = journal.list(&ListFilter::all()).await.expect("list");
    let names: Vec<String> = all.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(
        names,
        [
            "822290059430001/MP-L-1",
            "822290059430001/MP-L-2",
            "822290059430001/MP-L-3",
            "822290059430001/MP-L-4",
            "822290059430001/MP-L-5",
            "822290059430001/MP-L-6",
            "822290059430002/MP-L-1",
        ]
    );
    assert_eq!(all[0].event_count, 1);
    assert_eq!(all[1].event_count, 2);

    let open_ones = journal.list(&ListFilter::open()).await.expect("list");
    let names: Vec<&str> = open_ones
        .iter()
        .map(|r| r.key.out_trade_no.as_str())
        .collect();
    assert_eq!(names, ["MP-L-1", "MP-L-2", "MP-L-4", "MP-L-6", "MP-L-1"]);

    let unresolved = journal.list(&ListFilter::unresolved()).await.expect("list");
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].key.out_trade_no, "MP-L-4");

    let finals = journal
        .list(&ListFilter::all().with_statuses(PaymentStatus::FINAL))
        .await
        .expect("list");
    let names: Vec<&str> = finals.iter().map(|r| r.key.out_trade_no.as_str()).collect();
    assert_eq!(names, ["MP-L-3", "MP-L-5"]);

    let merchant = journal
        .list(&ListFilter::all().with_merchant("822290059430002"))
        .await
        .expect("list");
    assert_eq!(merchant.len(), 1);

    // Pages of two.
    let mut seen = Vec::new();
    let mut filter = ListFilter::all().limit(2);
    loop {
        let page = journal.list(&filter).await.expect("page");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        filter = filter.clone().after(last.key.clone());
        seen.extend(page.into_iter().map(|r| r.key));
    }
    assert_eq!(seen, all.iter().map(|r| r.key.clone()).collect::<Vec<_>>());
    assert!(journal
        .list(&ListFilter::all().limit(0))
        .await
        .expect("list")
        .is_empty());
}

/// `with_origin` lists the revokes and refunds of one payment (combined with a merchant
/// and with paging), nothing else.
pub async fn list_by_origin<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let merchant = "822290059430001";
    journal
        .record_intent(&micropay("MP-O-1"))
        .await
        .expect("record");
    let companions = [
        Intent::revoke(
            PaymentKey::new(merchant, "RV-O-1"),
            "SBX00001",
            "MP-O-1",
            fingerprint("RV-O-1"),
            "node-a",
            T0,
        ),
        Intent::refund(
            PaymentKey::new(merchant, "RF-O-1"),
            "SBX00001",
            "MP-O-1",
            50,
            fingerprint("RF-O-1"),
            "node-a",
            T0,
        ),
        Intent::refund(
            PaymentKey::new(merchant, "RF-O-2"),
            "SBX00001",
            "MP-O-1",
            51,
            fingerprint("RF-O-2"),
            "node-a",
            T0,
        ),
        // Another payment's refund, and another merchant's with the same origin number.
        Intent::refund(
            PaymentKey::new(merchant, "RF-O-3"),
            "SBX00001",
            "MP-O-2",
            5,
            fingerprint("RF-O-3"),
            "node-a",
            T0,
        ),
        Intent::revoke(
            PaymentKey::new("822290059430002", "RV-O-4"),
            "SBX00001",
            "MP-O-1",
            fingerprint("RV-O-4"),
            "node-a",
            T0,
        ),
    ];
    for intent in &companions {
        journal.record_intent(intent).await.expect("record");
    }
    journal
        .append(
            &companions[1].key,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Succeeded),
            None,
        )
        .await
        .expect("refunded");

    let of_mp1 = journal
        .list(
            &ListFilter::all()
                .with_merchant(merchant)
                .with_origin("MP-O-1"),
        )
        .await
        .expect("list");
    let names: Vec<&str> = of_mp1.iter().map(|r| r.key.out_trade_no.as_str()).collect();
    assert_eq!(
        names,
        ["RF-O-1", "RF-O-2", "RV-O-1"],
        "any status, key order"
    );
    let everywhere = journal
        .list(&ListFilter::all().with_origin("MP-O-1"))
        .await
        .expect("list");
    assert_eq!(everywhere.len(), 4, "without a merchant: every merchant's");
    let open_ones = journal
        .list(
            &ListFilter::open()
                .with_merchant(merchant)
                .with_origin("MP-O-1"),
        )
        .await
        .expect("list");
    assert_eq!(open_ones.len(), 2, "with statuses");
    let first_page = journal
        .list(
            &ListFilter::all()
                .with_merchant(merchant)
                .with_origin("MP-O-1")
                .limit(1),
        )
        .await
        .expect("list");
    assert_eq!(first_page.len(), 1);
    let next = journal
        .list(
            &ListFilter::all()
                .with_merchant(merchant)
                .with_origin("MP-O-1")
                .after(first_page[0].key.clone()),
        )
        .await
        .expect("list");
    assert_eq!(next.len(), 2);
    assert!(journal
        .list(&ListFilter::all().with_origin("MP-NONE"))
        .await
        .expect("list")
        .is_empty());
    assert!(matches!(
        journal.list(&ListFilter::all().with_origin("")).await,
        Err(crate::error::JournalError::InvalidInput {
            field: "origin_out_trade_no",
            ..
        })
    ));
}
