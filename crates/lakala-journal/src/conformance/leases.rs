//! Leases: exclusive while valid, taken over when expired, fenced by token.

use super::fixtures::{event, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::lease::LeaseClock;
use crate::payment::PaymentKey;
use crate::status::PaymentStatus;
use crate::update::StateUpdate;
use std::collections::HashSet;

/// How these tests let a lease expire on a store: with [`LeaseClock::Caller`] the
/// callers' `now` moves past its end; with [`LeaseClock::Store`] real time must pass, so
/// the leases are a few seconds long there, and each test waits them out (long enough
/// that a lease checked as held right after its claim cannot have expired yet).
pub(super) struct Timing {
    clock: LeaseClock,
}

impl Timing {
    pub(super) fn of(journal: &impl PaymentJournal) -> Self {
        Self {
            clock: journal.lease_clock(),
        }
    }

    /// A lease length: `caller` seconds of the callers' clock, or `store` real seconds.
    pub(super) fn secs(&self, caller: i64, store: i64) -> i64 {
        match self.clock {
            LeaseClock::Caller => caller,
            LeaseClock::Store => store,
        }
    }

    /// Lets a lease of `secs` (taken just before) run out on the store's clock.
    pub(super) async fn outlive(&self, secs: i64) {
        if self.clock == LeaseClock::Store {
            // Whole seconds of the server's clock: one more than the lease.
            tokio::time::sleep(std::time::Duration::from_millis(secs as u64 * 1000 + 1100)).await;
        }
    }
}

/// A lease taken over after it expired fences its old owner off everything: append,
/// renew, release.
pub async fn stale_lease_is_fenced_off<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let k = key("MP-FENCE-1");
    a.record_intent(&micropay("MP-FENCE-1"))
        .await
        .expect("record");

    let timing = Timing::of(&a);
    let secs = timing.secs(30, 4);
    let claims = a
        .claim_due("node-a", T0 + 60, secs, 10)
        .await
        .expect("claim a");
    assert_eq!(claims.len(), 1);
    let lease_a = claims[0].lease.clone();
    assert_eq!(lease_a.key, k);
    assert_eq!(lease_a.owner, "node-a");
    assert_eq!(lease_a.until, T0 + 60 + secs);
    assert_eq!(claims[0].payment.lease_until, Some(T0 + 60 + secs));
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
        .claim_due("node-b", T0 + 59 + secs, secs, 10)
        .await
        .expect("claim b")
        .is_empty());
    // Expired (at `until` it is free): taken over.
    timing.outlive(secs).await;
    let claims = b
        .claim_due("node-b", T0 + 60 + secs, secs, 10)
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
        Some(T0 + 60 + 2 * secs),
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
    let missing = crate::lease::Lease {
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

    let timing = Timing::of(&setup);
    let secs = timing.secs(300, 12);
    let claimed = claim_all(harness, 6, T0 + 10, secs).await;
    let keys: HashSet<&PaymentKey> = claimed.iter().map(|(k, _, _)| k).collect();
    assert_eq!(claimed.len(), PAYMENTS, "every due payment claimed once");
    assert_eq!(keys.len(), PAYMENTS, "no payment claimed twice");
    assert!(keys
        .iter()
        .all(|k| k.out_trade_no.starts_with("MP-CL-0") || k.out_trade_no.starts_with("MP-CL-1")));
    assert!(
        setup
            .claim_due("late", T0 + 10, secs, 1000)
            .await
            .expect("claim")
            .is_empty(),
        "nothing left"
    );
    let late = setup
        .claim_due("late", T0 + 9 + secs, secs, 1000)
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

    timing.outlive(secs).await;
    let retaken = claim_all(harness, 6, T0 + 10 + secs, secs).await;
    // On the store's clock the late claim's lease ran out during the wait as well.
    let expected = match timing.clock {
        LeaseClock::Caller => PAYMENTS,
        LeaseClock::Store => PAYMENTS + 1,
    };
    assert_eq!(retaken.len(), expected, "expired leases taken over");
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
    let timing = Timing::of(&a);
    let secs = timing.secs(10, 3);
    let k = key("MP-EXP-1");
    a.record_intent(&micropay("MP-EXP-1"))
        .await
        .expect("record");
    let lease = a
        .claim_due("node-a", T0 + 60, secs, 1)
        .await
        .expect("claim")
        .remove(0)
        .lease;
    // Renewed right away to three lease lengths from the claim.
    let renewed = a.renew(&lease, T0 + 60 + 3 * secs).await.expect("renew");
    assert_eq!(renewed.until, T0 + 60 + 3 * secs);
    assert_eq!(renewed.token, lease.token);
    let r = a.payment(&k).await.expect("read").expect("present");
    assert_eq!(
        r.lease_until,
        Some(T0 + 60 + 3 * secs),
        "in the holder's clock"
    );
    // Past the first end, before the renewed one.
    timing.outlive(secs).await;
    assert!(
        b.claim_due("node-b", T0 + 60 + secs, secs, 1)
            .await
            .expect("claim")
            .is_empty(),
        "renewed"
    );
    assert!(b
        .claim_due("node-b", T0 + 59 + 3 * secs, secs, 1)
        .await
        .expect("claim")
        .is_empty());
    // The instance "dies": once the renewed lease ends, it is free.
    timing.outlive(2 * secs).await;
    let taken = b
        .claim_due("node-b", T0 + 60 + 3 * secs, secs, 1)
        .await
        .expect("claim");
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].lease.key, k);
    let lease_b = taken[0].lease.clone();
    assert_eq!(
        a.renew(&renewed, T0 + 1000).await,
        Err(JournalError::LeaseLost),
        "a lease taken over is not renewed"
    );
    b.release(&lease_b, Some(T0 + 500)).await.expect("release");
    let r = b.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.next_check_at, Some(T0 + 500));
    assert_eq!((r.lease_owner, r.lease_until), (None, None));
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
}

/// Released without a time: the payment keeps its next check; a released lease is
/// free at once, whatever its end was.
pub async fn release_frees_the_payment<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let k = key("MP-REL-1");
    a.record_intent(&micropay("MP-REL-1"))
        .await
        .expect("record");
    let lease = a
        .claim_due("node-b", T0 + 600, 3600, 1)
        .await
        .expect("claim")
        .remove(0)
        .lease;
    a.release(&lease, None).await.expect("release");
    let r = a.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.next_check_at, Some(T0 + 60));
    assert_eq!(r.lease_owner, None);
    let again = a.claim_due("node-c", T0 + 600, 10, 1).await.expect("claim");
    assert_eq!(again.len(), 1, "free at once");
    assert!(again[0].lease.token > lease.token);
}

/// Two instances whose clocks disagree by minutes. With [`LeaseClock::Store`] the one
/// whose clock runs ahead cannot claim a payment the other holds, and the holder's
/// renew (in its own clock) keeps it; with [`LeaseClock::Caller`] the documented
/// behaviour holds instead: a `now` past the lease's end takes it over.
pub async fn skewed_clocks_and_leases<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let k = key("MP-SKEW-1");
    a.record_intent(&micropay("MP-SKEW-1"))
        .await
        .expect("record");
    // Instance a's clock says T0 + 60; instance b's runs ten minutes ahead.
    let a_now = T0 + 60;
    let b_now = a_now + 600;
    let lease = a
        .claim_due("node-a", a_now, 120, 1)
        .await
        .expect("claim")
        .remove(0)
        .lease;
    assert_eq!(lease.until, a_now + 120);
    let by_b = b.claim_due("node-b", b_now, 120, 1).await.expect("claim");
    match a.lease_clock() {
        LeaseClock::Store => {
            assert!(
                by_b.is_empty(),
                "a clock ahead does not end another's lease"
            );
            let renewed = a.renew(&lease, a_now + 5 + 120).await.expect("renew");
            assert_eq!(renewed.until, a_now + 125);
            assert!(
                b.claim_due("node-b", b_now + 300, 120, 1)
                    .await
                    .expect("claim")
                    .is_empty(),
                "still held after the renew"
            );
            let r = b.payment(&k).await.expect("read").expect("present");
            assert_eq!(r.lease_owner.as_deref(), Some("node-a"));
            assert_eq!(r.lease_until, Some(a_now + 125), "in the holder's clock");
            // The holder's write is fenced in: it still holds.
            a.append(
                &k,
                &event(a_now + 6, "query"),
                &StateUpdate::status(PaymentStatus::Pending).with_next_check_at(a_now + 30),
                Some(&renewed),
            )
            .await
            .expect("the holder writes");
            a.release(&renewed, None).await.expect("release");
            // Instance b's clock is behind the new check time? It is ahead: due for it.
            let taken = b.claim_due("node-b", b_now, 120, 1).await.expect("claim");
            assert_eq!(taken.len(), 1, "free once released");
            assert_eq!(taken[0].lease.until, b_now + 120, "in b's clock");
        }
        LeaseClock::Caller => {
            assert_eq!(by_b.len(), 1, "the caller's clock decides: taken over");
            assert!(by_b[0].lease.token > lease.token);
            assert_eq!(
                a.append(
                    &k,
                    &event(a_now + 6, "query"),
                    &StateUpdate::none(),
                    Some(&lease)
                )
                .await,
                Err(JournalError::LeaseLost),
                "and the old holder is fenced off"
            );
        }
    }
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
