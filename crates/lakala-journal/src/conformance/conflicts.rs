//! Contradictions: the platform disagreeing with the journal marks the payment for a
//! person, keeps the journaled facts, and stays on record; the auth code's digest is
//! kept as given.

use super::fixtures::{event, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::list::ListFilter;
use crate::payment::{Intent, Recorded};
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// The keyed hash of the auth code is stored and returned as given; a malformed one is
/// refused before anything is written.
pub async fn auth_digest_is_kept<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let digest = "hmac-sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let intent = micropay("MP-AD-1").with_auth_digest(digest);
    let Recorded::New(record) = journal.record_intent(&intent).await.expect("record") else {
        panic!("a new key is New");
    };
    assert_eq!(record.auth_digest.as_deref(), Some(digest));
    let stored = journal
        .payment(&intent.key)
        .await
        .expect("read")
        .expect("present");
    assert_eq!(stored.auth_digest.as_deref(), Some(digest));
    assert_eq!(stored, record);
    assert!(
        !format!("{stored:?}").contains(digest),
        "Debug does not show the digest"
    );
    let without = micropay("MP-AD-2");
    let Recorded::New(plain) = journal.record_intent(&without).await.expect("record") else {
        panic!("a new key is New");
    };
    assert_eq!(plain.auth_digest, None);

    let bad = [
        micropay("MP-AD-BAD-1").with_auth_digest("x".repeat(129)),
        micropay("MP-AD-BAD-2").with_auth_digest(""),
        micropay("MP-AD-BAD-3").with_auth_digest("line\nbreak"),
        micropay("MP-AD-BAD-4").with_auth_digest("摘要"),
        Intent::revoke(
            key("RV-AD-BAD-5"),
            "SBX00001",
            "MP-AD-1",
            super::fixtures::fingerprint("RV-AD-BAD-5"),
            "node-a",
            T0,
        )
        .with_auth_digest("abc"),
    ];
    for intent in bad {
        assert!(
            matches!(
                journal.record_intent(&intent).await,
                Err(JournalError::InvalidInput {
                    field: "auth digest",
                    ..
                })
            ),
            "{:?} refused",
            intent.key
        );
        assert_eq!(
            journal.payment(&intent.key).await.expect("read"),
            None,
            "nothing written"
        );
    }
    let longest = micropay("MP-AD-3").with_auth_digest("~".repeat(128));
    assert!(journal
        .record_intent(&longest)
        .await
        .expect("record")
        .is_new());
}

/// A status change refused on a final payment marks it: `conflict` says from which
/// status to which, the event is on record, the rest of the state is kept, and the
/// payment is listed by `ListFilter::conflicts`.
pub async fn final_conflict_marks_the_payment<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-FC-1");
    journal
        .record_intent(&micropay("MP-FC-1"))
        .await
        .expect("record");
    let paid = journal
        .append(
            &k,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T1"),
            None,
        )
        .await
        .expect("paid");
    assert_eq!(paid.conflict, None, "no conflict yet");
    assert!(journal
        .list(&ListFilter::conflicts())
        .await
        .expect("list")
        .is_empty());

    let e = journal
        .append(
            &k,
            &event(T0 + 2, "query"),
            &StateUpdate::status(PaymentStatus::Revoked).with_reason("query says REVOKED"),
            None,
        )
        .await
        .expect_err("succeeded -> revoked is refused");
    assert_eq!(
        e,
        JournalError::FinalConflict {
            current: PaymentStatus::Succeeded,
            attempted: PaymentStatus::Revoked
        }
    );
    let after = journal.payment(&k).await.expect("read").expect("present");
    let text = after.conflict.clone().expect("conflict set");
    assert!(
        text.contains("succeeded") && text.contains("revoked"),
        "says from which status to which: {text}"
    );
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.reason, None, "the rest is kept");
    assert_eq!(after.finished_at, paid.finished_at);
    assert_eq!(after.event_count, 3, "the contradiction is on record");
    assert_eq!(after.updated_at, T0 + 2);

    let listed = journal.list(&ListFilter::conflicts()).await.expect("list");
    assert_eq!(listed, vec![after.clone()]);

    // Agreeing facts later never clear it.
    let again = journal
        .append(
            &k,
            &event(T0 + 3, "notification"),
            &StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T1"),
            None,
        )
        .await
        .expect("agreeing");
    assert_eq!(
        again.conflict.as_deref(),
        Some(text.as_str()),
        "never cleared"
    );

    // The caller's own words ride along with a refusal.
    let e = journal
        .append(
            &k,
            &event(T0 + 4, "query"),
            &StateUpdate::status(PaymentStatus::Failed).with_conflict("query said FAIL"),
            None,
        )
        .await
        .expect_err("refused");
    assert!(matches!(e, JournalError::FinalConflict { .. }));
    let text = journal
        .payment(&k)
        .await
        .expect("read")
        .expect("present")
        .conflict
        .expect("conflict");
    assert!(
        text.contains("failed") && text.contains("query said FAIL"),
        "{text}"
    );
}

/// A `trade_no` or amount that disagrees with the journaled one is refused with
/// `FactConflict`: the event is kept and counted, the journaled facts and the status
/// are kept, `conflict` is set. The same fact again is no conflict.
pub async fn contradicting_facts_are_conflicts<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-FACT-1");
    journal
        .record_intent(&micropay("MP-FACT-1"))
        .await
        .expect("record");
    journal
        .append(
            &k,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Pending)
                .with_trade_no("T1")
                .with_next_check_at(T0 + 10),
            None,
        )
        .await
        .expect("pending");
    let same = journal
        .append(
            &k,
            &event(T0 + 2, "notification"),
            &StateUpdate::none().with_trade_no("T1").with_amount_fen(101),
            None,
        )
        .await
        .expect("the same facts again");
    assert_eq!(same.conflict, None);

    let e = journal
        .append(
            &k,
            &event(T0 + 3, "notification"),
            &StateUpdate::status(PaymentStatus::Succeeded)
                .with_trade_no("T2")
                .with_outcome("succeeded"),
            None,
        )
        .await
        .expect_err("another trade_no");
    assert_eq!(
        e,
        JournalError::FactConflict {
            field: "trade_no",
            journaled: "T1".into(),
            offered: "T2".into()
        }
    );
    let after = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(
        after.trade_no.as_deref(),
        Some("T1"),
        "the journaled fact kept"
    );
    assert_eq!(after.status, PaymentStatus::Pending, "the status kept");
    assert_eq!(after.outcome, None, "the rest kept");
    assert_eq!(after.next_check_at, Some(T0 + 10));
    assert_eq!(after.finished_at, None);
    assert_eq!(after.event_count, 4, "the event is kept and counted");
    let text = after.conflict.clone().expect("conflict set");
    assert!(
        text.contains("trade_no") && text.contains("T1") && text.contains("T2"),
        "{text}"
    );
    let events = journal.events(&k).await.expect("events");
    assert_eq!(events.len(), 4);
    assert_eq!(events[3].kind, "notification");

    let e = journal
        .append(
            &k,
            &event(T0 + 4, "query"),
            &StateUpdate::none().with_amount_fen(102).counting_attempt(),
            None,
        )
        .await
        .expect_err("another amount");
    assert_eq!(
        e,
        JournalError::FactConflict {
            field: "amount_fen",
            journaled: "101".into(),
            offered: "102".into()
        }
    );
    let after = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(after.amount_fen, Some(101));
    assert_eq!(after.attempts, 0, "not counted as an attempt");
    assert!(after.conflict.expect("conflict").contains("amount_fen"));

    // Several facts at once stop at the contradiction, which keeps its event.
    let k2 = key("MP-FACT-2");
    journal
        .record_intent(&micropay("MP-FACT-2"))
        .await
        .expect("record");
    let e = journal
        .append_all(
            &k2,
            &[
                (
                    event(T0 + 1, "answer"),
                    StateUpdate::status(PaymentStatus::Pending).with_trade_no("T7"),
                ),
                (
                    event(T0 + 2, "query"),
                    StateUpdate::status(PaymentStatus::Succeeded).with_trade_no("T8"),
                ),
                (
                    event(T0 + 3, "outcome"),
                    StateUpdate::status(PaymentStatus::Succeeded),
                ),
            ],
            None,
        )
        .await
        .expect_err("the second fact contradicts the first");
    assert!(matches!(
        e,
        JournalError::FactConflict {
            field: "trade_no",
            ..
        }
    ));
    let r = journal.payment(&k2).await.expect("read").expect("present");
    assert_eq!(r.status, PaymentStatus::Pending);
    assert_eq!(r.trade_no.as_deref(), Some("T7"));
    assert_eq!(r.event_count, 3, "up to the contradiction");
    assert!(r.conflict.is_some());

    // A revoke carries no amount: the first one offered is taken.
    let rv = Intent::revoke(
        key("RV-FACT-3"),
        "SBX00001",
        "MP-FACT-1",
        super::fixtures::fingerprint("RV-FACT-3"),
        "node-a",
        T0,
    );
    journal.record_intent(&rv).await.expect("record");
    let r = journal
        .append(
            &rv.key,
            &event(T0 + 1, "answer"),
            &StateUpdate::none().with_amount_fen(101),
            None,
        )
        .await
        .expect("an amount where none was journaled");
    assert_eq!(r.amount_fen, Some(101));
    assert_eq!(r.conflict, None);

    let conflicts = journal.list(&ListFilter::conflicts()).await.expect("list");
    let names: Vec<&str> = conflicts
        .iter()
        .map(|r| r.key.out_trade_no.as_str())
        .collect();
    assert_eq!(names, ["MP-FACT-1", "MP-FACT-2"]);
}

/// `with_conflict` marks any payment, final ones included, without changing its status;
/// a later mark replaces the text, nothing clears it; bad text is refused.
pub async fn explicit_conflicts_mark_any_payment<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-XC-1");
    journal
        .record_intent(&micropay("MP-XC-1"))
        .await
        .expect("record");
    let done = journal
        .append(
            &k,
            &event(T0 + 1, "answer"),
            &StateUpdate::status(PaymentStatus::Failed),
            None,
        )
        .await
        .expect("failed");
    let marked = journal
        .append(
            &k,
            &event(T0 + 2, "notification"),
            &StateUpdate::none().with_conflict("a notification says paid"),
            None,
        )
        .await
        .expect("marked");
    assert_eq!(marked.status, PaymentStatus::Failed);
    assert_eq!(marked.finished_at, done.finished_at);
    assert_eq!(marked.conflict.as_deref(), Some("a notification says paid"));
    let later = journal
        .append(
            &k,
            &event(T0 + 3, "note"),
            &StateUpdate::none().with_reason("looked at"),
            None,
        )
        .await
        .expect("note");
    assert_eq!(
        later.conflict.as_deref(),
        Some("a notification says paid"),
        "kept"
    );
    let replaced = journal
        .append(
            &k,
            &event(T0 + 4, "query"),
            &StateUpdate::none().with_conflict("the query says paid too"),
            None,
        )
        .await
        .expect("marked again");
    assert_eq!(
        replaced.conflict.as_deref(),
        Some("the query says paid too")
    );

    for bad in ["nul\0".to_owned(), "x".repeat(1025)] {
        assert!(matches!(
            journal
                .append(
                    &k,
                    &event(T0 + 5, "note"),
                    &StateUpdate::none().with_conflict(bad),
                    None
                )
                .await,
            Err(JournalError::InvalidInput {
                field: "conflict",
                ..
            })
        ));
    }
    assert!(matches!(
        journal
            .append(
                &k,
                &event(T0 + 5, "note"),
                &StateUpdate::none().with_amount_fen(0),
                None
            )
            .await,
        Err(JournalError::InvalidInput {
            field: "amount_fen",
            ..
        })
    ));
    let r = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(r.event_count, 5, "refused arguments wrote nothing");

    // Any status: an open payment marked stays claimable and open.
    let k2 = key("MP-XC-2");
    journal
        .record_intent(&micropay("MP-XC-2"))
        .await
        .expect("record");
    let open_marked = journal
        .append(
            &k2,
            &event(T0 + 1, "note"),
            &StateUpdate::status(PaymentStatus::Pending).with_conflict("two answers disagree"),
            None,
        )
        .await
        .expect("marked");
    assert_eq!(open_marked.status, PaymentStatus::Pending);
    let listed = journal
        .list(&ListFilter::conflicts().with_statuses([PaymentStatus::Pending]))
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, k2);
    let all = journal
        .list(&ListFilter::conflicts().with_merchant(k.merchant_no.clone()))
        .await
        .expect("list");
    assert_eq!(all.len(), 2, "any status");
    assert!(journal
        .list(&ListFilter::conflicts().with_merchant("822290059430999"))
        .await
        .expect("list")
        .is_empty());
}
