//! Events and the state view: ordered, counted, one transaction, final is final.

use super::fixtures::{event, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::event::NewEvent;
use crate::journal::PaymentJournal;
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// Events come back in order with sequence numbers 1..n and their payloads intact; the
/// record counts them.
pub async fn events_are_ordered_and_counted<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-EV-1");
    journal
        .record_intent(&micropay("MP-EV-1"))
        .await
        .expect("record");
    let kinds = ["sent", "answer", "query", "query", "notification", "note"];
    for (i, kind) in kinds.iter().enumerate() {
        let record = journal
            .append(&k, &event(T0 + i as i64, kind), &StateUpdate::none(), None)
            .await
            .expect("append");
        assert_eq!(record.event_count, i as i64 + 2);
        assert_eq!(record.updated_at, T0 + i as i64);
    }
    let odd = serde_json::json!({
        "text": "支付成功 ✓ \u{0} \"quoted\" \\ back",
        "nested": {"z": 1, "a": [1, 2.5, null, true]},
        "big": i64::MAX,
    });
    journal
        .append(
            &k,
            &NewEvent::new(T0 + 10, "node-b", "answer", odd.clone()),
            &StateUpdate::none(),
            None,
        )
        .await
        .expect("append odd payload");
    let events = journal.events(&k).await.expect("events");
    assert_eq!(events.len(), 8);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "sequence without gaps");
    }
    let stored: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        stored,
        [
            "intent",
            "sent",
            "answer",
            "query",
            "query",
            "notification",
            "note",
            "answer"
        ]
    );
    assert_eq!(events[7].payload, odd, "payload stored exactly");
    assert_eq!(events[7].instance, "node-b");
    assert_eq!(events[3].payload["at"], T0 + 2);
    let record = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(record.event_count, 8);
    assert_eq!(
        record.status,
        PaymentStatus::Recorded,
        "events alone change no status"
    );
}

/// Appends from four handles at once keep one gapless sequence.
pub async fn concurrent_appends_keep_the_sequence<H: Harness>(harness: &H) {
    let k = key("MP-EV-RACE");
    open(harness)
        .await
        .record_intent(&micropay("MP-EV-RACE"))
        .await
        .expect("record");
    let mut tasks = Vec::new();
    for worker in 0..4i64 {
        let journal = open(harness).await;
        let k = k.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10i64 {
                let e = NewEvent::new(
                    T0 + i,
                    format!("node-{worker}"),
                    "note",
                    serde_json::json!({"worker": worker, "i": i}),
                );
                journal
                    .append(&k, &e, &StateUpdate::none().counting_attempt(), None)
                    .await
                    .expect("append");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let journal = open(harness).await;
    let events = journal.events(&k).await.expect("events");
    assert_eq!(events.len(), 41);
    assert!(events
        .iter()
        .enumerate()
        .all(|(i, e)| e.seq == i as i64 + 1));
    for worker in 0..4 {
        let mine: Vec<i64> = events
            .iter()
            .filter(|e| e.payload["worker"] == worker)
            .map(|e| e.payload["i"].as_i64().unwrap_or(-1))
            .collect();
        assert_eq!(
            mine,
            (0..10).collect::<Vec<_>>(),
            "each writer's events in its order"
        );
    }
    let record = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!((record.event_count, record.attempts), (41, 40));
}

/// Each update sets what it names and keeps the rest.
pub async fn state_view_follows_updates<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-ST-1");
    journal
        .record_intent(&micropay("MP-ST-1"))
        .await
        .expect("record");

    let r = journal
        .append(
            &k,
            &event(T0 + 1, "sent"),
            &StateUpdate::status(PaymentStatus::Pending).with_next_check_at(T0 + 5),
            None,
        )
        .await
        .expect("sent");
    assert_eq!(r.status, PaymentStatus::Pending);
    assert_eq!(r.next_check_at, Some(T0 + 5));
    assert_eq!(r.finished_at, None);

    let r = journal
        .append(
            &k,
            &event(T0 + 2, "answer"),
            &StateUpdate::none()
                .with_trade_no("2023111422001")
                .with_reason("micropay answered BBS11112")
                .with_outcome("pending"),
            None,
        )
        .await
        .expect("answer");
    assert_eq!(r.status, PaymentStatus::Pending);
    assert_eq!(r.trade_no.as_deref(), Some("2023111422001"));
    assert_eq!(r.reason.as_deref(), Some("micropay answered BBS11112"));
    assert_eq!(r.next_check_at, Some(T0 + 5), "kept");

    let r = journal
        .append(
            &k,
            &event(T0 + 5, "query"),
            &StateUpdate::status(PaymentStatus::Pending)
                .with_last_trade_state("USERPAYING")
                .with_next_check_at(T0 + 15)
                .counting_attempt(),
            None,
        )
        .await
        .expect("query");
    assert_eq!(r.last_trade_state.as_deref(), Some("USERPAYING"));
    assert_eq!(r.next_check_at, Some(T0 + 15));
    assert_eq!(r.attempts, 1);
    assert_eq!(r.trade_no.as_deref(), Some("2023111422001"), "kept");
    assert_eq!(
        r.reason.as_deref(),
        Some("micropay answered BBS11112"),
        "kept"
    );

    let r = journal
        .append(
            &k,
            &event(T0 + 15, "query"),
            &StateUpdate::status(PaymentStatus::Succeeded)
                .with_last_trade_state("SUCCESS")
                .with_outcome("succeeded")
                .with_next_check_at(T0 + 99)
                .counting_attempt(),
            None,
        )
        .await
        .expect("success");
    assert_eq!(r.status, PaymentStatus::Succeeded);
    assert_eq!(r.finished_at, Some(T0 + 15));
    assert_eq!(r.next_check_at, None, "a final payment has no next check");
    assert_eq!(r.attempts, 2);
    assert_eq!(r.outcome.as_deref(), Some("succeeded"));
    assert_eq!(r.event_count, 5);
    assert_eq!(
        journal.payment(&k).await.expect("read"),
        Some(r),
        "append returns what is stored"
    );
}

/// Final statuses are never left; a contradiction is recorded as an event and refused;
/// nothing goes back to `recorded`; `unresolved` leaves the resolvers until reopened.
pub async fn final_statuses_are_terminal<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let k = key("MP-FIN-1");
    journal
        .record_intent(&micropay("MP-FIN-1"))
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

    let e = journal
        .append(
            &k,
            &event(T0 + 2, "notification"),
            &StateUpdate::status(PaymentStatus::Failed)
                .with_trade_no("T2")
                .with_reason("notification says FAIL"),
            None,
        )
        .await
        .expect_err("succeeded -> failed is refused");
    assert_eq!(
        e,
        JournalError::FinalConflict {
            current: PaymentStatus::Succeeded,
            attempted: PaymentStatus::Failed
        }
    );
    let after = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.trade_no.as_deref(), Some("T1"), "state untouched");
    assert_eq!(after.reason, None, "state untouched");
    assert_eq!(after.finished_at, paid.finished_at);
    assert_eq!(after.event_count, 3, "the contradicting event is on record");
    let events = journal.events(&k).await.expect("events");
    assert_eq!(events.last().map(|e| e.kind.as_str()), Some("notification"));

    for attempted in [
        PaymentStatus::Pending,
        PaymentStatus::Unresolved,
        PaymentStatus::Revoked,
    ] {
        assert_eq!(
            journal
                .append(
                    &k,
                    &event(T0 + 3, "note"),
                    &StateUpdate::status(attempted),
                    None
                )
                .await,
            Err(JournalError::FinalConflict {
                current: PaymentStatus::Succeeded,
                attempted
            })
        );
    }
    // The same final status again is fine (a query and a notification agree).
    let same = journal
        .append(
            &k,
            &event(T0 + 4, "notification"),
            &StateUpdate::status(PaymentStatus::Succeeded),
            None,
        )
        .await
        .expect("same final again");
    assert_eq!(same.finished_at, paid.finished_at, "finished once");
    assert_eq!(same.event_count, 7);

    // Pending never goes back to recorded.
    let k2 = key("MP-FIN-2");
    journal
        .record_intent(&micropay("MP-FIN-2"))
        .await
        .expect("record");
    journal
        .append(
            &k2,
            &event(T0 + 1, "sent"),
            &StateUpdate::status(PaymentStatus::Pending),
            None,
        )
        .await
        .expect("pending");
    assert_eq!(
        journal
            .append(
                &k2,
                &event(T0 + 2, "note"),
                &StateUpdate::status(PaymentStatus::Recorded),
                None
            )
            .await,
        Err(JournalError::StatusRegression {
            current: PaymentStatus::Pending,
            attempted: PaymentStatus::Recorded
        })
    );
    let r = journal.payment(&k2).await.expect("read").expect("present");
    assert_eq!((r.status, r.event_count), (PaymentStatus::Pending, 3));

    // Unresolved: no next check, not claimed; reopened by a person.
    let r = journal
        .append(
            &k2,
            &event(T0 + 3, "outcome"),
            &StateUpdate::status(PaymentStatus::Unresolved).with_next_check_at(T0 + 10),
            None,
        )
        .await
        .expect("unresolved");
    assert_eq!(r.next_check_at, None);
    assert!(r.finished_at.is_none());
    assert!(journal
        .claim_due("resolver", T0 + 1_000_000, 30, 10)
        .await
        .expect("claim")
        .iter()
        .all(|c| c.lease.key != k2));
    journal
        .append(
            &k2,
            &event(T0 + 4, "note"),
            &StateUpdate::status(PaymentStatus::Pending).with_next_check_at(T0 + 5),
            None,
        )
        .await
        .expect("reopened");
    let claims = journal
        .claim_due("resolver", T0 + 5, 30, 10)
        .await
        .expect("claim");
    assert!(
        claims.iter().any(|c| c.lease.key == k2),
        "claimed again after reopening"
    );
}

/// `append_all` writes an answer and the outcome it decides as two events in order; a
/// refused status change among them keeps its event and stops there; a lost fence, an
/// unknown payment and an empty list write nothing.
pub async fn facts_are_appended_together<H: Harness>(harness: &H) {
    use crate::lease::Lease;
    let journal = open(harness).await;
    let k = key("MP-ALL-1");
    journal
        .record_intent(&micropay("MP-ALL-1"))
        .await
        .expect("record");
    let answer_and_outcome = [
        (
            event(T0 + 1, "answer"),
            StateUpdate::status(PaymentStatus::Pending).with_trade_no("T1"),
        ),
        (
            event(T0 + 1, "outcome"),
            StateUpdate::status(PaymentStatus::Succeeded).with_outcome("succeeded"),
        ),
    ];
    let after = journal
        .append_all(&k, &answer_and_outcome, None)
        .await
        .expect("answer and outcome");
    assert_eq!(after.event_count, 3);
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.trade_no.as_deref(), Some("T1"));
    assert_eq!(after.outcome.as_deref(), Some("succeeded"));
    let kinds: Vec<String> = journal
        .events(&k)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["intent", "answer", "outcome"]);

    let contradicting = [
        (
            event(T0 + 2, "notification"),
            StateUpdate::status(PaymentStatus::Failed),
        ),
        (event(T0 + 2, "note"), StateUpdate::none()),
    ];
    let e = journal
        .append_all(&k, &contradicting, None)
        .await
        .expect_err("succeeded -> failed is refused");
    assert!(matches!(e, JournalError::FinalConflict { .. }), "{e:?}");
    let after = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(
        after.event_count, 4,
        "the refused event kept, the next not written"
    );

    let stale = Lease {
        key: k.clone(),
        owner: "nobody".into(),
        token: 999,
        until: T0 + 1000,
    };
    let e = journal
        .append_all(&k, &answer_and_outcome, Some(&stale))
        .await
        .expect_err("a lease not held");
    assert_eq!(e, JournalError::LeaseLost);
    let e = journal
        .append_all(&key("MP-ALL-NONE"), &answer_and_outcome, None)
        .await
        .expect_err("unknown payment");
    assert!(matches!(e, JournalError::NotFound { .. }), "{e:?}");
    let e = journal
        .append_all(&k, &[], None)
        .await
        .expect_err("nothing to append");
    assert!(matches!(e, JournalError::InvalidInput { .. }), "{e:?}");
    let after = journal.payment(&k).await.expect("read").expect("present");
    assert_eq!(after.event_count, 4, "nothing written by the refused calls");
}
