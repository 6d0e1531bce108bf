//! Leases: exclusive while valid, taken over when expired, fenced by token.

use super::fixtures::{event, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::payment::PaymentKey;
use crate::status::PaymentStatus;
use crate::update::StateUpdate;
use std::collections::HashSet;

/// A lease taken over after it expired fences its old owner off everything: append,
/// renew, release.
pub async fn stale_lease_is_fenced_off<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let k = key("MP-FENCE-1");
    a.record_intent(&micropay("MP-FENCE-1"))
        .await
        .expect("record");

    let claims = a
        .claim_due("node-a", T0 + 60, 30, 10)
        .await
        .expect("claim a");
    assert_eq!(claims.len(), 1);
    let lease_a = claims[0].lease.clone();
    assert_eq!(lease_a.key, k);
    assert_eq!(lease_a.owner, "node-a");
    assert_eq!(lease_a.until, T0 + 90);
    assert_eq!(claims[0].payment.lease_owner.as_deref(), Some("node-a"));
    assert_eq!(claims[0].payment.lease_token, lease_a.token);
    assert_eq!(
        claims[0].payment.term_no, "SBX00001",
        "the claim carries the payment"
    );

    let r = a
        .append(
            &k,
            &event(T0 + 61, "query"),
            &StateUpdate::status(PaymentStatus::Pending).with_next_check_at(T0 + 60),
            Some(&lease_a),
        )
        .await
        .expect("the holder writes");
    assert_eq!(r.event_count, 2);

    // Still valid: nobody else gets it.
    assert!(b
        .claim_due("node-b", T0 + 89, 30, 10)
        .await
        .expect("claim b")
        .is_empty());
    // Expired (at `until` it is free): taken over.
    let claims = b
        .claim_due("node-b", T0 + 90, 30, 10)
        .await
        .expect("claim b");
    assert_eq!(claims.len(), 1);
    let lease_b = claims[0].lease.clone();
    assert!(lease_b.token > lease_a.token, "fencing tokens grow");

    let stale = a
        .append(
            &k,
            &event(T0 + 91, "query"),
            &StateUpdate::status(PaymentStatus::Succeeded),
            Some(&lease_a),
        )
        .await;
    assert_eq!(stale, Err(JournalError::LeaseLost));
    assert_eq!(
        a.renew(&lease_a, T0 + 500).await,
        Err(JournalError::LeaseLost)
    );
    assert_eq!(
        a.release(&lease_a, Some(T0)).await,
        Err(JournalError::LeaseLost)
    );
    let r = b.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.event_count, 2, "the stale write left nothing");
    assert_eq!(r.status, PaymentStatus::Pending);
    assert_eq!(r.lease_owner.as_deref(), Some("node-b"));
    assert_eq!(
        r.lease_until,
        Some(T0 + 120),
        "the stale renew changed nothing"
    );

    let r = b
        .append(
            &k,
            &event(T0 + 92, "query"),
            &StateUpdate::status(PaymentStatus::Succeeded),
            Some(&lease_b),
        )
        .await
        .expect("the new holder writes");
    assert_eq!(r.status, PaymentStatus::Succeeded);
    b.release(&lease_b, Some(T0 + 1000)).await.expect("release");
    let r = b.payment(&k).await.expect("read").expect("present");
    assert_eq!((r.lease_owner, r.lease_until), (None, None));
    assert_eq!(
        r.next_check_at, None,
        "a final payment gets no next check on release"
    );
    assert_eq!(
        b.append(
            &k,
            &event(T0 + 93, "note"),
            &StateUpdate::none(),
            Some(&lease_b)
        )
        .await,
        Err(JournalError::LeaseLost),
        "a released lease fences too"
    );

    // Fences are checked against the key they name.
    let other = key("MP-FENCE-2");
    a.record_intent(&micropay("MP-FENCE-2"))
        .await
        .expect("record");
    assert!(matches!(
        a.append(
            &other,
            &event(T0, "note"),
            &StateUpdate::none(),
            Some(&lease_b)
        )
        .await,
        Err(JournalError::InvalidInput { field: "fence", .. })
    ));
    let missing = crate::Lease {
        key: key("MP-NOWHERE"),
        ..lease_b
    };
    assert_eq!(
        a.renew(&missing, T0).await,
        Err(JournalError::NotFound { what: "payment" })
    );
    assert_eq!(
        a.append(&missing.key, &event(T0, "note"), &StateUpdate::none(), None)
            .await,
        Err(JournalError::NotFound { what: "payment" })
    );
}

/// 200 due payments, six handles claiming at once in small batches: each payment is
/// leased exactly once, none is left, and while the leases hold nobody gets any; once
/// they expire all are taken over with larger tokens.
pub async fn claims_are_exclusive<H: Harness>(harness: &H) {
    const PAYMENTS: usize = 200;
    let setup = open(harness).await;
    for i in 0..PAYMENTS {
        let mut intent = micropay(&format!("MP-CL-{i:03}"));
        intent.next_check_at = Some(T0 + (i % 7) as i64);
        setup.record_intent(&intent).await.expect("record");
    }
    // Payments that must never be claimed at T0 + 10.
    let mut later = micropay("MP-CL-LATER");
    later.next_check_at = Some(T0 + 11);
    setup.record_intent(&later).await.expect("record");
    let mut unscheduled = micropay("MP-CL-UNSCHEDULED");
    unscheduled.next_check_at = None;
    setup.record_intent(&unscheduled).await.expect("record");
    let mut done = micropay("MP-CL-DONE");
    done.next_check_at = Some(T0);
    setup.record_intent(&done).await.expect("record");
    setup
        .append(
            &done.key,
            &event(T0, "answer"),
            &StateUpdate::status(PaymentStatus::Failed),
            None,
        )
        .await
        .expect("failed");

    let claimed = claim_all(harness, 6, T0 + 10, 300).await;
    let keys: HashSet<&PaymentKey> = claimed.iter().map(|(k, _, _)| k).collect();
    assert_eq!(claimed.len(), PAYMENTS, "every due payment claimed once");
    assert_eq!(keys.len(), PAYMENTS, "no payment claimed twice");
    assert!(keys
        .iter()
        .all(|k| k.out_trade_no.starts_with("MP-CL-0") || k.out_trade_no.starts_with("MP-CL-1")));
    assert!(
        setup
            .claim_due("late", T0 + 10, 300, 1000)
            .await
            .expect("claim")
            .is_empty(),
        "nothing left"
    );
    let late = setup
        .claim_due("late", T0 + 309, 300, 1000)
        .await
        .expect("claim");
    let late: Vec<&str> = late
        .iter()
        .map(|c| c.lease.key.out_trade_no.as_str())
        .collect();
    assert_eq!(
        late,
        ["MP-CL-LATER"],
        "the others stay leased until they expire"
    );

    let retaken = claim_all(harness, 6, T0 + 310, 300).await;
    assert_eq!(retaken.len(), PAYMENTS, "expired leases taken over");
    let first_tokens: std::collections::HashMap<&PaymentKey, i64> =
        claimed.iter().map(|(k, t, _)| (k, *t)).collect();
    for (k, token, owner) in &retaken {
        if let Some(old) = first_tokens.get(k) {
            assert!(token > old, "{k}: token {token} after {old}");
        }
        assert!(owner.starts_with("claimer-"));
    }
}

/// Claims everything due with `claimers` handles at once; returns (key, token, owner).
async fn claim_all<H: Harness>(
    harness: &H,
    claimers: usize,
    now: i64,
    lease_secs: i64,
) -> Vec<(PaymentKey, i64, String)> {
    let mut tasks = Vec::new();
    for c in 0..claimers {
        let journal = open(harness).await;
        tasks.push(tokio::spawn(async move {
            let owner = format!("claimer-{c}");
            let mut mine = Vec::new();
            loop {
                let batch = journal
                    .claim_due(&owner, now, lease_secs, 7)
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                for claim in batch {
                    assert_eq!(claim.lease.owner, owner);
                    assert_eq!(claim.lease.until, now + lease_secs);
                    assert_eq!(claim.payment.lease_token, claim.lease.token);
                    mine.push((claim.lease.key, claim.lease.token, owner.clone()));
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("claimer"));
    }
    all
}

/// An expired lease is free; a renewed one is not; release makes it due again at the
/// time given.
pub async fn expired_leases_are_taken_over<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let k = key("MP-EXP-1");
    a.record_intent(&micropay("MP-EXP-1"))
        .await
        .expect("record");
    let lease = a
        .claim_due("node-a", T0 + 60, 10, 1)
        .await
        .expect("claim")
        .remove(0)
        .lease;
    let renewed = a.renew(&lease, T0 + 100).await.expect("renew");
    assert_eq!(renewed.until, T0 + 100);
    assert_eq!(renewed.token, lease.token);
    assert!(
        b.claim_due("node-b", T0 + 70, 10, 1)
            .await
            .expect("claim")
            .is_empty(),
        "renewed"
    );
    assert!(b
        .claim_due("node-b", T0 + 99, 10, 1)
        .await
        .expect("claim")
        .is_empty());
    // The instance "dies": at T0 + 100 its lease is free.
    let taken = b.claim_due("node-b", T0 + 100, 10, 1).await.expect("claim");
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].lease.key, k);
    let lease_b = taken[0].lease.clone();
    b.release(&lease_b, Some(T0 + 500)).await.expect("release");
    let r = b.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.next_check_at, Some(T0 + 500));
    assert!(a
        .claim_due("node-a", T0 + 499, 10, 1)
        .await
        .expect("claim")
        .is_empty());
    assert_eq!(
        a.claim_due("node-a", T0 + 500, 10, 1)
            .await
            .expect("claim")
            .len(),
        1
    );
    // Released without a time: keeps its next check.
    let lease = b
        .claim_due("node-b", T0 + 600, 10, 1)
        .await
        .expect("claim")
        .remove(0)
        .lease;
    b.release(&lease, None).await.expect("release");
    let r = b.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.next_check_at, Some(T0 + 500));
    assert_eq!(r.lease_owner, None);
}

/// Oldest first, limits honoured, bad arguments refused.
pub async fn claim_order_and_limits<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    for (no, at) in [
        ("MP-ORD-C", T0 + 3),
        ("MP-ORD-A", T0 + 1),
        ("MP-ORD-B", T0 + 2),
    ] {
        let mut intent = micropay(no);
        intent.next_check_at = Some(at);
        journal.record_intent(&intent).await.expect("record");
    }
    assert!(journal
        .claim_due("r", T0 + 10, 30, 0)
        .await
        .expect("claim")
        .is_empty());
    let first = journal.claim_due("r", T0 + 10, 30, 2).await.expect("claim");
    let names: Vec<&str> = first
        .iter()
        .map(|c| c.lease.key.out_trade_no.as_str())
        .collect();
    assert_eq!(names, ["MP-ORD-A", "MP-ORD-B"]);
    let rest = journal.claim_due("r", T0 + 10, 30, 2).await.expect("claim");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].lease.key.out_trade_no, "MP-ORD-C");
    assert!(matches!(
        journal.claim_due("r", T0, 0, 1).await,
        Err(JournalError::InvalidInput {
            field: "lease_secs",
            ..
        })
    ));
    assert!(matches!(
        journal.claim_due("", T0, 10, 1).await,
        Err(JournalError::InvalidInput {
            field: "lease owner",
            ..
        })
    ));
    // A lease far in the future does not overflow.
    let mut far = micropay("MP-ORD-FAR");
    far.next_check_at = Some(i64::MIN);
    journal.record_intent(&far).await.expect("record");
    let c = journal
        .claim_due("r", T0, i64::MAX, 1)
        .await
        .expect("claim");
    assert_eq!(c[0].lease.until, i64::MAX);
}
