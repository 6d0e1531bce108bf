//! Pruning and reopening.

use super::fixtures::{event, key, micropay, T0};
use super::{open, Harness};
use crate::journal::PaymentJournal;
use crate::list::ListFilter;
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// `prune` deletes final payments finished before the cut, with their events, and
/// never an open one, however old.
pub async fn prune_keeps_open_payments<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let plan = [
        ("MP-P-SUCC", Some((PaymentStatus::Succeeded, T0 + 100))),
        ("MP-P-FAIL", Some((PaymentStatus::Failed, T0 + 200))),
        ("MP-P-REVK", Some((PaymentStatus::Revoked, T0 + 300))),
        ("MP-P-PEND", Some((PaymentStatus::Pending, T0 + 1))),
        ("MP-P-UNRS", Some((PaymentStatus::Unresolved, T0 + 2))),
        ("MP-P-RECD", None),
    ];
    for (no, step) in plan {
        let mut intent = micropay(no);
        intent.created_at = T0 - 1_000_000;
        journal.record_intent(&intent).await.expect("record");
        if let Some((status, at)) = step {
            journal
                .append(
                    &key(no),
                    &event(at, "outcome"),
                    &StateUpdate::status(status),
                    None,
                )
                .await
                .expect("status");
        }
    }
    assert_eq!(
        journal.prune(T0 + 100).await.expect("prune"),
        0,
        "strictly before"
    );
    assert_eq!(journal.prune(T0 + 250).await.expect("prune"), 2);
    assert_eq!(
        journal.payment(&key("MP-P-SUCC")).await.expect("read"),
        None
    );
    assert!(journal
        .events(&key("MP-P-SUCC"))
        .await
        .expect("events")
        .is_empty());
    assert!(journal
        .events(&key("MP-P-FAIL"))
        .await
        .expect("events")
        .is_empty());
    assert!(journal
        .payment(&key("MP-P-REVK"))
        .await
        .expect("read")
        .is_some());
    assert_eq!(journal.prune(i64::MAX).await.expect("prune"), 1);
    let left = journal.list(&ListFilter::all()).await.expect("list");
    let names: Vec<&str> = left.iter().map(|r| r.key.out_trade_no.as_str()).collect();
    assert_eq!(names, ["MP-P-PEND", "MP-P-RECD", "MP-P-UNRS"]);
    for no in names {
        assert!(!journal.events(&key(no)).await.expect("events").is_empty());
    }
    // A pruned number can be journaled again (the merchant's numbering is its own).
    assert!(journal
        .record_intent(&micropay("MP-P-SUCC"))
        .await
        .expect("record")
        .is_new());
}

/// What one handle wrote, a new handle reads, after the first is gone.
pub async fn data_survives_reopen<H: Harness>(harness: &H) {
    let k = key("MP-RE-1");
    {
        let journal = open(harness).await;
        journal
            .record_intent(&micropay("MP-RE-1"))
            .await
            .expect("record");
        journal
            .append(
                &k,
                &event(T0 + 1, "answer"),
                &StateUpdate::status(PaymentStatus::Pending).with_trade_no("T-RE"),
                None,
            )
            .await
            .expect("append");
        let _ = crate::ledger::NotificationLedger::claim(&journal, "open:re", T0, 30, T0 + 600)
            .await
            .expect("claim");
        crate::ledger::NotificationLedger::answered(&journal, "open:re", b"again", T0)
            .await
            .expect("answered");
    }
    let journal = open(harness).await;
    let r = journal.payment(&k).await.expect("read").expect("kept");
    assert_eq!(r.status, PaymentStatus::Pending);
    assert_eq!(r.trade_no.as_deref(), Some("T-RE"));
    assert_eq!(journal.events(&k).await.expect("events").len(), 2);
    assert_eq!(
        crate::ledger::NotificationLedger::claim(&journal, "open:re", T0 + 1, 30, T0 + 600).await,
        Ok(crate::ledger::Delivery::Answered(b"again".to_vec()))
    );
}
