//! The notification ledger: first delivery processed once, answers replayed.

use super::fixtures::T0;
use super::{open, Harness};
use crate::error::JournalError;
use crate::ledger::{Delivery, NotificationLedger};

/// First → in progress for everyone else → answered with the exact bytes, everywhere.
pub async fn ledger_first_in_progress_answered<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let key = "open:1700000000:nonce-1";
    assert_eq!(a.claim(key, T0, 30, T0 + 600).await, Ok(Delivery::First));
    assert_eq!(
        b.claim(key, T0 + 5, 30, T0 + 600).await,
        Ok(Delivery::InProgress { until: T0 + 30 })
    );
    // Bytes, not text: any answer body comes back unchanged.
    let answer: Vec<u8> = [b"{\"code\":\"SUCCESS\"}".as_slice(), &[0, 0xff, 0xfe]].concat();
    a.answered(key, &answer, T0 + 6).await.expect("answered");
    assert_eq!(
        b.claim(key, T0 + 7, 30, T0 + 600).await,
        Ok(Delivery::Answered(answer.clone()))
    );
    // Looked up without claiming: nothing before the answer, the bytes after, nothing
    // once expired.
    assert_eq!(b.answer_of("open:unknown", T0 + 7).await, Ok(None));
    assert_eq!(b.answer_of(key, T0 + 7).await, Ok(Some(answer.clone())));
    assert_eq!(b.answer_of(key, T0 + 601).await, Ok(None));
    // Long after the processing window, still answered (until it expires).
    assert_eq!(
        a.claim(key, T0 + 500, 30, T0 + 600).await,
        Ok(Delivery::Answered(answer.clone()))
    );
    // Abandoning an answered key keeps the answer.
    b.abandon(key).await.expect("abandon");
    assert_eq!(
        b.claim(key, T0 + 501, 30, T0 + 600).await,
        Ok(Delivery::Answered(answer))
    );
    // Keys are independent.
    assert_eq!(
        b.claim("crossborder:DOPCHN000455:B0005:20231114", T0, 30, T0 + 600)
            .await,
        Ok(Delivery::First)
    );
}

/// Abandon → processed again; a crashed worker's window passes → processed again; an
/// expired entry is forgotten; answers for unknown keys and bad arguments refused.
pub async fn ledger_abandon_and_processing_window<H: Harness>(harness: &H) {
    let a = open(harness).await;
    let b = open(harness).await;
    let key = "open:1700000000:nonce-2";
    assert_eq!(a.claim(key, T0, 30, T0 + 600).await, Ok(Delivery::First));
    assert_eq!(
        a.answer_of(key, T0).await,
        Ok(None),
        "claimed, not answered"
    );
    a.abandon(key).await.expect("abandon");
    assert_eq!(
        b.claim(key, T0 + 1, 30, T0 + 600).await,
        Ok(Delivery::First)
    );
    // b crashes: until its window ends the key is busy, then it is given out again.
    assert_eq!(
        a.claim(key, T0 + 30, 30, T0 + 600).await,
        Ok(Delivery::InProgress { until: T0 + 31 })
    );
    assert_eq!(
        a.claim(key, T0 + 31, 30, T0 + 600).await,
        Ok(Delivery::First)
    );
    a.answered(key, b"ok", T0 + 32).await.expect("answered");
    // After expires_at the entry is forgotten: a new delivery is new.
    assert_eq!(
        b.claim(key, T0 + 600, 30, T0 + 1200).await,
        Ok(Delivery::Answered(b"ok".to_vec()))
    );
    assert_eq!(
        b.claim(key, T0 + 601, 30, T0 + 1200).await,
        Ok(Delivery::First)
    );

    assert_eq!(
        a.answered("open:never-claimed", b"ok", T0).await,
        Err(JournalError::NotFound {
            what: "notification"
        })
    );
    a.abandon("open:never-claimed")
        .await
        .expect("abandoning nothing is fine");
    assert!(matches!(
        a.claim("", T0, 30, T0 + 600).await,
        Err(JournalError::InvalidInput { .. })
    ));
    assert!(matches!(
        a.claim(&"k".repeat(257), T0, 30, T0 + 600).await,
        Err(JournalError::InvalidInput { .. })
    ));
    assert!(matches!(
        a.claim("open:x", T0, 0, T0 + 600).await,
        Err(JournalError::InvalidInput {
            field: "processing_secs",
            ..
        })
    ));
    assert_eq!(
        a.claim("open:x", T0, 30, T0 + 600).await,
        Ok(Delivery::First)
    );
    assert!(matches!(
        a.answered("open:x", &vec![b'x'; 64 * 1024 + 1], T0).await,
        Err(JournalError::InvalidInput {
            field: "answer",
            ..
        })
    ));
    // Many expired entries are dropped lazily without disturbing live ones.
    for i in 0..150 {
        let k = format!("open:old:{i}");
        assert_eq!(a.claim(&k, T0, 30, T0 + 10).await, Ok(Delivery::First));
    }
    assert_eq!(
        a.claim("open:x", T0 + 20, 30, T0 + 600).await,
        Ok(Delivery::InProgress { until: T0 + 30 })
    );
    assert_eq!(
        a.claim("open:old:3", T0 + 20, 30, T0 + 600).await,
        Ok(Delivery::First)
    );
}

/// Eight handles claiming one key at once: exactly one processes it.
pub async fn ledger_concurrent_claims_have_one_winner<H: Harness>(harness: &H) {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let ledger = open(harness).await;
        tasks.push(tokio::spawn(async move {
            ledger
                .claim("crossborder:DOPCHN000455:B0005:race", T0, 30, T0 + 600)
                .await
        }));
    }
    let mut first = 0;
    for task in tasks {
        match task.await.expect("task").expect("claim") {
            Delivery::First => first += 1,
            Delivery::InProgress { until } => assert_eq!(until, T0 + 30),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(first, 1);
}
