//! Write-ahead intents: one payment per key, duplicates recognised.

use super::fixtures::{fingerprint, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::payment::{Intent, Recorded};
use crate::status::{PaymentKind, PaymentStatus};

/// The intent is written with its first event; the same key again is `Existing` (same
/// request) or `Conflict` (different fingerprint or kind), and nothing is written then.
pub async fn intent_is_written_ahead<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let intent = micropay("MP-WA-1");
    let recorded = journal.record_intent(&intent).await.expect("record");
    let Recorded::New(record) = recorded else {
        panic!("first record of a key must be New, got {recorded:?}");
    };
    assert_eq!(record.status, PaymentStatus::Recorded);
    assert_eq!(record.event_count, 1);
    assert_eq!(record.kind, PaymentKind::Micropay);
    assert_eq!(record.amount_fen, Some(101));
    assert_eq!(record.next_check_at, Some(T0 + 60));
    assert_eq!(record.created_by, "node-a");

    let stored = journal
        .payment(&intent.key)
        .await
        .expect("read")
        .expect("the intent is stored");
    assert_eq!(stored, record, "New returns what is stored");

    let events = journal.events(&intent.key).await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert_eq!(events[0].kind, "intent");
    assert_eq!(events[0].at, T0);
    assert_eq!(events[0].payload["masked_auth_code"], "2885**********2810");
    assert_eq!(events[0].payload["amount_fen"], 101);
    // The row keeps the digests; the event does not repeat them, nor absent fields.
    assert!(events[0].payload.get("fingerprint").is_none());
    assert!(events[0].payload.get("origin_out_trade_no").is_none());

    // The same request again: not sent twice.
    let again = journal.record_intent(&intent).await.expect("record again");
    assert_eq!(again, Recorded::Existing(record.clone()));

    // Another request reusing the number.
    let mut other = intent.clone();
    other.fingerprint = fingerprint("another request");
    other.amount_fen = Some(999);
    assert_eq!(
        journal.record_intent(&other).await.expect("record other"),
        Recorded::Conflict(record.clone())
    );
    let revoke_reusing = Intent::revoke(
        intent.key.clone(),
        "SBX00001",
        "MP-0",
        intent.fingerprint.clone(),
        "node-b",
        T0 + 1,
    );
    assert_eq!(
        journal
            .record_intent(&revoke_reusing)
            .await
            .expect("record revoke"),
        Recorded::Conflict(record.clone())
    );
    assert_eq!(journal.events(&intent.key).await.expect("events").len(), 1);
    assert_eq!(
        journal.payment(&intent.key).await.expect("read"),
        Some(record),
        "duplicates change nothing"
    );

    // Revokes and refunds are payments of their own.
    let revoke = Intent::revoke(
        key("RV-WA-1"),
        "SBX00001",
        "MP-WA-1",
        fingerprint("RV-WA-1"),
        "node-a",
        T0 + 2,
    );
    let Recorded::New(r) = journal.record_intent(&revoke).await.expect("revoke") else {
        panic!("a revoke under its own number is new");
    };
    assert_eq!(r.kind, PaymentKind::Revoke);
    assert_eq!(r.origin_out_trade_no.as_deref(), Some("MP-WA-1"));
    assert_eq!(r.amount_fen, None);
    assert_eq!(r.next_check_at, None);
}

/// Eight handles recording the same intent at once: exactly one `New`.
pub async fn concurrent_intents_record_once<H: Harness>(harness: &H) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let journal = open(harness).await;
        tasks.push(tokio::spawn(async move {
            journal.record_intent(&micropay("MP-RACE-1")).await
        }));
    }
    let mut new = 0;
    let mut existing = 0;
    for task in tasks {
        match task.await.expect("task").expect("record") {
            Recorded::New(_) => new += 1,
            Recorded::Existing(_) => existing += 1,
            Recorded::Conflict(r) => panic!("same request seen as a conflict: {r:?}"),
        }
    }
    assert_eq!((new, existing), (1, 7));
    let journal = open(harness).await;
    assert_eq!(
        journal
            .events(&key("MP-RACE-1"))
            .await
            .expect("events")
            .len(),
        1
    );
}

/// Refused arguments write nothing, and say which argument.
pub async fn invalid_input_writes_nothing<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    let mut clear = micropay("MP-BAD-1");
    clear.masked_auth_code = Some("288576824003652810".into());
    let e = journal.record_intent(&clear).await.expect_err("clear code");
    assert!(
        matches!(
            e,
            JournalError::InvalidInput {
                field: "masked auth code",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        !e.to_string().contains("288576824003652810"),
        "an error never repeats the value"
    );
    assert_eq!(journal.payment(&key("MP-BAD-1")).await.expect("read"), None);

    let mut nul = micropay("MP-BAD-2");
    nul.term_no = "SBX\0".into();
    assert!(matches!(
        journal.record_intent(&nul).await,
        Err(JournalError::InvalidInput {
            field: "term_no",
            ..
        })
    ));
    let mut long = micropay("MP-BAD-3");
    long.key.out_trade_no = "9".repeat(65);
    assert!(matches!(
        journal.record_intent(&long).await,
        Err(JournalError::InvalidInput {
            field: "out_trade_no",
            ..
        })
    ));
    let mut fp = micropay("MP-BAD-4");
    fp.fingerprint = "not hex at all, not at all".into();
    assert!(matches!(
        journal.record_intent(&fp).await,
        Err(JournalError::InvalidInput {
            field: "fingerprint",
            ..
        })
    ));
    let mut zero = micropay("MP-BAD-5");
    zero.amount_fen = Some(0);
    assert!(matches!(
        journal.record_intent(&zero).await,
        Err(JournalError::InvalidInput {
            field: "amount_fen",
            ..
        })
    ));
    for n in 2..=5 {
        assert_eq!(
            journal
                .payment(&key(&format!("MP-BAD-{n}")))
                .await
                .expect("read"),
            None
        );
    }
    assert!(journal
        .list(&crate::list::ListFilter::all())
        .await
        .expect("list")
        .is_empty());
}
