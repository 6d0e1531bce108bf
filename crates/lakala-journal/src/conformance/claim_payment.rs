//! `claim_payment`: one given payment leased whatever its status, never while another
//! lease on it is valid, fenced like `claim_due`.

use super::fixtures::{event, key, micropay, T0};
use super::leases::Timing;
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// A final payment is leased; a second claimer (even under the same owner name) and the
/// resolvers' `claim_due` get nothing while the lease is valid; an expired lease is taken
/// over with a larger token and fences its old holder off; a missing payment is
/// `NotFound`; bad arguments are refused.
pub async fn claim_payment_is_exclusive_and_fenced<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let timing = Timing::of(&a);
    let secs = timing.secs(30, 4);

    // A final payment, and an open one that is due.
    let done = key("MP-ONE-DONE");
    a.record_intent(&micropay("MP-ONE-DONE"))
        .await
        .expect("record");
    a.append(
        &done,
        &event(T0 + 1, "answer"),
        &StateUpdate::status(PaymentStatus::Succeeded),
        None,
    )
    .await
    .expect("succeeded");
    let open_one = key("MP-ONE-OPEN");
    a.record_intent(&micropay("MP-ONE-OPEN"))
        .await
        .expect("record");

    let claim = a
        .claim_payment(&done, "reconciler-a", T0 + 100, secs)
        .await
        .expect("claim a final payment")
        .expect("free: leased");
    assert_eq!(claim.lease.key, done);
    assert_eq!(claim.lease.owner, "reconciler-a");
    assert_eq!(claim.lease.until, T0 + 100 + secs);
    assert_eq!(claim.payment.status, PaymentStatus::Succeeded);
    assert_eq!(claim.payment.lease_token, claim.lease.token);
    assert_eq!(claim.payment.lease_owner.as_deref(), Some("reconciler-a"));

    for owner in ["reconciler-b", "reconciler-a"] {
        assert_eq!(
            b.claim_payment(&done, owner, T0 + 100, secs).await,
            Ok(None),
            "held by a valid lease: {owner} gets nothing"
        );
    }
    let r = b.payment(&done).await.expect("read").expect("present");
    assert_eq!(
        r.lease_token, claim.lease.token,
        "a refused claim changes nothing"
    );

    // The holder writes under its lease, even on a final payment.
    let r = a
        .append(
            &done,
            &event(T0 + 101, "reconciled"),
            &StateUpdate::none(),
            Some(&claim.lease),
        )
        .await
        .expect("the holder writes");
    assert_eq!(r.status, PaymentStatus::Succeeded);

    // An open payment leased so is not claimed by resolvers, and the other way round.
    let held = a
        .claim_payment(&open_one, "reconciler-a", T0 + 100, secs)
        .await
        .expect("claim")
        .expect("free");
    assert!(
        b.claim_due("resolver", T0 + 100, secs, 10)
            .await
            .expect("claim_due")
            .is_empty(),
        "a payment leased by claim_payment is not claimed by a resolver"
    );
    a.release(&held.lease, None).await.expect("release");
    let by_resolver = b
        .claim_due("resolver", T0 + 100, secs, 10)
        .await
        .expect("claim_due");
    assert_eq!(by_resolver.len(), 1, "released: due again");
    assert_eq!(
        a.claim_payment(&open_one, "reconciler-a", T0 + 100, secs)
            .await,
        Ok(None),
        "a resolver's valid lease keeps claim_payment away"
    );
    let r = a.payment(&open_one).await.expect("read").expect("present");
    assert_eq!(
        r.next_check_at,
        Some(T0 + 60),
        "releasing with None kept the check time"
    );

    // Expired: taken over with a larger token; the old holder is fenced off.
    timing.outlive(secs).await;
    let taken = b
        .claim_payment(&done, "reconciler-b", T0 + 100 + secs, secs)
        .await
        .expect("claim")
        .expect("expired: taken over");
    assert!(taken.lease.token > claim.lease.token, "fencing tokens grow");
    assert_eq!(
        a.append(
            &done,
            &event(T0 + 200, "reconciled"),
            &StateUpdate::none(),
            Some(&claim.lease)
        )
        .await,
        Err(JournalError::LeaseLost)
    );
    assert_eq!(
        a.release(&claim.lease, None).await,
        Err(JournalError::LeaseLost)
    );
    b.release(&taken.lease, None).await.expect("release");
    let r = b.payment(&done).await.expect("read").expect("present");
    assert_eq!((r.lease_owner, r.lease_until), (None, None));
    assert_eq!(r.next_check_at, None, "a final payment keeps no check time");

    assert_eq!(
        a.claim_payment(&key("MP-ONE-NONE"), "reconciler-a", T0, secs)
            .await,
        Err(JournalError::NotFound { what: "payment" })
    );
    assert!(matches!(
        a.claim_payment(&done, "", T0, secs).await,
        Err(JournalError::InvalidInput { .. })
    ));
    assert!(matches!(
        a.claim_payment(&done, "reconciler-a", T0, 0).await,
        Err(JournalError::InvalidInput { .. })
    ));
}

/// Many handles claiming one payment at once: exactly one gets it.
pub async fn concurrent_claim_payment_has_one_winner<H: Harness>(harness: &H) {
    let setup = open(harness).await;
    let k = key("MP-ONE-RACE");
    setup
        .record_intent(&micropay("MP-ONE-RACE"))
        .await
        .expect("record");
    let secs = Timing::of(&setup).secs(300, 30);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let handle = open(harness).await;
        let k = k.clone();
        tasks.spawn(async move {
            handle
                .claim_payment(&k, &format!("racer-{i}"), T0 + 100, secs)
                .await
        });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Some(claim) = joined.expect("task").expect("claim") {
            winners.push(claim);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claimer wins");
    let r = setup.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.lease_token, winners[0].lease.token);
    assert_eq!(
        r.lease_owner.as_deref(),
        Some(winners[0].lease.owner.as_str())
    );
}
