//! Notifications are business events: recognised across re-signing and staleness, refused
//! when not for us or not understood, and never printed with the payer's ids.

mod support;

use lakala_client::notification::{
    CrossBorderAnswer, CrossBorderNotificationHandler, Incoming, NotificationError,
    OpenPlatformNotificationHandler,
};
use lakala_crypto::crossborder::{Merchant, NotificationEnvelope, Platform};
use lakala_crypto::open_platform::Freshness;
use lakala_crypto::{ManualClock, PrivateKey, SecKey, TsGenerator};
use lakala_journal::MemoryJournal;
use rand::SeedableRng;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{key, notify_signer};

const MERCHANT: &str = "822290070111135";
const NOW: i64 = 1_700_000_000;

fn open_handler(clock: Arc<ManualClock>) -> OpenPlatformNotificationHandler {
    OpenPlatformNotificationHandler::new(
        key(11).public_key(),
        Freshness::default(),
        Arc::new(MemoryJournal::new()),
        clock,
    )
    .for_merchants(["822290070999999", MERCHANT])
}

fn body(merchant: &str, order: &str, state: &str) -> Vec<u8> {
    json!({"merchant_no": merchant, "out_trade_no": order, "trade_no": "2024T1",
        "trade_state": state, "total_amount": "100",
        "acc_resp_fields": {"user_id": "2088102146225135"}, "user_id1": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
    .to_string()
    .into_bytes()
}

fn signed(body: &[u8], at: i64, nonce: &str) -> String {
    notify_signer()
        .sign_notification(body, at, nonce)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_re_signed_redelivery_is_the_same_event_and_a_new_state_is_a_new_one() {
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let handler = open_handler(clock.clone());
    let runs = AtomicUsize::new(0);
    let process = |event: lakala_client::notification::PaymentNotificationEvent| {
        let runs = &runs;
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            assert_eq!(event.notification.merchant_no(), MERCHANT);
            assert!(event.payment.is_none(), "no journal: no payment");
            Ok::<(), String>(())
        }
    };
    let deal = body(MERCHANT, "O1", "DEAL");
    let success = body(MERCHANT, "O1", "SUCCESS");
    handler
        .process(&signed(&deal, NOW, "n1"), &deal, process)
        .await
        .unwrap();
    // The same event, signed again (new timestamp and nonce), as Lakala redelivers.
    clock.advance(Duration::from_secs(5));
    let again = handler
        .process(&signed(&deal, NOW + 5, "n2"), &deal, process)
        .await
        .unwrap();
    assert_eq!(again, OpenPlatformNotificationHandler::success_answer());
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "a redelivery did not run the code"
    );
    // DEAL then SUCCESS: two events, the code runs for each.
    handler
        .process(&signed(&success, NOW + 5, "n3"), &success, process)
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // An exact replay of a signature runs nothing either.
    handler
        .process(&signed(&success, NOW + 5, "n3"), &success, process)
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_stale_redelivery_of_an_answered_event_gets_the_recorded_answer() {
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let handler = open_handler(clock.clone());
    let b = body(MERCHANT, "O2", "SUCCESS");
    let auth = signed(&b, NOW, "n1");
    handler
        .process(&auth, &b, |_| async { Ok::<(), String>(()) })
        .await
        .unwrap();
    // An hour later the very same delivery (its signature far older than 300 s) comes back.
    clock.advance(Duration::from_secs(3600));
    let answer = handler
        .process(&auth, &b, |_| async { Err("must not run") })
        .await
        .unwrap();
    assert_eq!(answer, OpenPlatformNotificationHandler::success_answer());
    // A stale notification of an event never answered stays refused.
    let unknown = body(MERCHANT, "O3", "SUCCESS");
    let err = handler
        .process(&signed(&unknown, NOW, "n2"), &unknown, |_| async {
            Ok::<(), String>(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, NotificationError::Stale { timestamp: NOW, .. }),
        "{err}"
    );
    // A forged stale one is refused as forged, not looked up.
    let forged = signed(&body(MERCHANT, "O2", "FAIL"), NOW, "n3");
    assert!(matches!(
        handler.handle(&forged, &b).await,
        Err(NotificationError::Verification(_))
    ));
}

#[tokio::test]
async fn another_merchants_notification_is_not_for_us_and_stops_the_platform() {
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let handler = open_handler(clock);
    let other = body("822290070111136", "O4", "SUCCESS");
    let err = handler
        .process(&signed(&other, NOW, "n1"), &other, |_| async {
            Err::<(), _>("must not run")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, NotificationError::NotForUs { field: "merchant_no", found, .. } if found == "822290070111136"),
        "{err}"
    );
    assert!(err.stops_platform() && !err.is_retryable());
    let answer: serde_json::Value =
        serde_json::from_slice(&OpenPlatformNotificationHandler::not_for_us_answer()).unwrap();
    assert_eq!(answer["code"], "SUCCESS");
    // A body naming no payment event is not understood.
    let vague = br#"{"merchant_no":"822290070111135","trade_state":"SUCCESS"}"#;
    assert!(matches!(
        handler.handle(&signed(vague, NOW, "n2"), vague).await,
        Err(NotificationError::Content { .. })
    ));
}

#[tokio::test]
async fn payer_ids_never_appear_in_debug() {
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let handler = open_handler(clock);
    let b = body(MERCHANT, "O5", "SUCCESS");
    let Incoming::New(event) = handler.handle(&signed(&b, NOW, "n1"), &b).await.unwrap() else {
        panic!("new")
    };
    let printed = format!("{event:?} {:?}", event.notification);
    for id in ["2088102146225135", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"] {
        assert!(!printed.contains(id), "{id} in {printed}");
    }
    assert!(
        printed.contains("O5"),
        "the order is still shown: {printed}"
    );
}

struct CrossBorder {
    platform: Platform,
    merchant_key: PrivateKey,
    handler: CrossBorderNotificationHandler,
    ts: TsGenerator<Arc<ManualClock>>,
    clock: Arc<ManualClock>,
}

fn crossborder(ledger: Arc<MemoryJournal>) -> CrossBorder {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    let merchant_key = PrivateKey::generate(&mut rng, 1024).unwrap();
    let platform_key = PrivateKey::generate(&mut rng, 1024).unwrap();
    let clock = Arc::new(ManualClock::at_unix(NOW));
    CrossBorder {
        platform: Platform::new(platform_key.clone(), merchant_key.public_key()),
        handler: CrossBorderNotificationHandler::new(
            Merchant::new(
                "DOPCHN000455",
                merchant_key.clone(),
                platform_key.public_key(),
            ),
            ledger,
            clock.clone(),
        ),
        merchant_key,
        ts: TsGenerator::with_clock(clock.clone()),
        clock,
    }
}

/// Whether `key` decrypts `enc_data` (hex) with valid PKCS#7 padding to GBK text: what the
/// MAC-verified envelope needs to "open" under a forged `encKey`.
fn opens_under(key: &SecKey, enc_data: &str) -> bool {
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyInit};
    let ct = hex::decode(enc_data).unwrap();
    let cipher = ecb::Decryptor::<aes::Aes128>::new(key.aes_key().into());
    match cipher.decrypt_padded_vec_mut::<Pkcs7>(&ct) {
        Ok(pt) => encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(&pt)
            .is_some(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_forged_enc_key_is_refused_and_cannot_take_the_genuine_notifications_place() {
    let ledger = Arc::new(MemoryJournal::new());
    let f = crossborder(ledger.clone());
    let ts = f.ts.next();
    let (genuine, sec_key) = f
        .platform
        .seal_notification(
            "DOPCHN000455",
            &ts,
            "B0005",
            r#"{"orderNo":"AUTH-1","retCode":"0000"}"#,
        )
        .unwrap();
    // The attacker holds only public keys: it searches for a one-time key under which the
    // genuine encData still opens (valid padding, decodable text), then encrypts `ts` + that
    // key under the merchant's public key. The MAC, which does not cover encKey, still
    // verifies.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(99);
    let started = std::time::Instant::now();
    let mut tries = 0u64;
    let forged_key = loop {
        tries += 1;
        let candidate = SecKey::generate(&mut rng);
        if opens_under(&candidate, &genuine.enc_data) {
            break candidate;
        }
    };
    eprintln!(
        "forged encKey found after {tries} tries in {:?}",
        started.elapsed()
    );
    let attacker = Merchant::new("x", f.merchant_key.clone(), f.merchant_key.public_key());
    let wrapped = attacker
        .seal_request_with_key(&ts, "{}", forged_key, &mut rng)
        .unwrap();
    let forged = NotificationEnvelope {
        enc_key: wrapped.envelope.enc_key,
        ..genuine.clone()
    };
    let err = f
        .handler
        .handle(&serde_json::to_vec(&forged).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, NotificationError::Content { .. }), "{err}");
    assert!(!err.is_retryable());
    // The genuine notification, delivered after the forgery, is processed and answered
    // under its own key.
    let answer = f
        .handler
        .process(&serde_json::to_vec(&genuine).unwrap(), |n| async move {
            assert_eq!(n.idempotency_key(), "crossborder:B0005:AUTH-1");
            Ok::<_, String>(CrossBorderAnswer::success(r#"{"received":true}"#))
        })
        .await
        .unwrap();
    let opened = f
        .platform
        .open_notification_answer(&serde_json::from_slice(&answer).unwrap(), &sec_key)
        .unwrap();
    assert_eq!(opened.biz.unwrap().as_str(), r#"{"received":true}"#);
}

#[tokio::test]
async fn a_crossborder_redelivery_sealed_afresh_gets_the_recorded_answer_sealed_for_it() {
    let ledger = Arc::new(MemoryJournal::new());
    let f = crossborder(ledger.clone());
    let content = r#"{"orderNo":"AUTH-2","retCode":"0000"}"#;
    let (first, _) = f
        .platform
        .seal_notification("DOPCHN000455", &f.ts.next(), "B0005", content)
        .unwrap();
    let runs = AtomicUsize::new(0);
    let process = |_n| {
        let runs = &runs;
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(CrossBorderAnswer::success(r#"{"n":1}"#))
        }
    };
    f.handler
        .process(&serde_json::to_vec(&first).unwrap(), process)
        .await
        .unwrap();
    // Sealed again: a new ts and one-time key, the same event. Twenty minutes later, older
    // than the freshness window: still the recorded answer, under the new key.
    let (again, again_key) = f
        .platform
        .seal_notification("DOPCHN000455", &f.ts.next(), "B0005", content)
        .unwrap();
    f.clock.advance(Duration::from_secs(1200));
    let answer = f
        .handler
        .process(&serde_json::to_vec(&again).unwrap(), process)
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let envelope: lakala_crypto::crossborder::NotificationAnswerEnvelope =
        serde_json::from_slice(&answer).unwrap();
    assert_eq!(
        envelope.ts, again.ts,
        "the answer copies this delivery's ts"
    );
    let opened = f
        .platform
        .open_notification_answer(&envelope, &again_key)
        .unwrap();
    assert_eq!(opened.ret_code, "0000");
    assert_eq!(opened.biz.unwrap().as_str(), r#"{"n":1}"#);
    // Another order is a new event; stale and unknown, it is refused.
    let (other, _) = f
        .platform
        .seal_notification(
            "DOPCHN000455",
            "20231114221320000001",
            "B0005",
            r#"{"orderNo":"AUTH-3"}"#,
        )
        .unwrap();
    assert!(matches!(
        f.handler.handle(&serde_json::to_vec(&other).unwrap()).await,
        Err(NotificationError::Stale { .. })
    ));
}

#[derive(Clone, Default)]
struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn payer_ids_never_appear_in_the_handlers_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let clock = Arc::new(ManualClock::at_unix(NOW));
    let handler = open_handler(clock.clone());
    let b = body(MERCHANT, "O6", "SUCCESS");
    let auth = signed(&b, NOW, "n1");
    // New, repeated, stale-and-answered, another merchant's, not understood.
    handler
        .process(&auth, &b, |_| async { Ok::<(), String>(()) })
        .await
        .unwrap();
    handler
        .process(&signed(&b, NOW, "n2"), &b, |_| async {
            Ok::<(), String>(())
        })
        .await
        .unwrap();
    clock.advance(Duration::from_secs(7200));
    handler
        .process(&auth, &b, |_| async { Ok::<(), String>(()) })
        .await
        .unwrap();
    let other = body("822290070111136", "O6", "SUCCESS");
    let _ = handler
        .handle(&signed(&other, NOW + 7200, "n3"), &other)
        .await;
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("O6"), "the handler logs the event: {logs}");
    for id in ["2088102146225135", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"] {
        assert!(!logs.contains(id), "{id} in the logs: {logs}");
    }
}

#[test]
fn not_for_us_is_counted() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            let handler = open_handler(Arc::new(ManualClock::at_unix(NOW)));
            let other = body("822290070111136", "O7", "SUCCESS");
            for nonce in ["n1", "n2"] {
                assert!(handler
                    .handle(&signed(&other, NOW, nonce), &other)
                    .await
                    .is_err());
            }
        })
    });
    let counted = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find_map(|(key, _, _, value)| {
            let key = key.key();
            let labelled = key
                .labels()
                .any(|l| l.key() == "result" && l.value() == "not_for_us");
            match value {
                DebugValue::Counter(n)
                    if key.name() == lakala_client::metrics::NOTIFICATIONS && labelled =>
                {
                    Some(n)
                }
                _ => None,
            }
        });
    assert_eq!(counted, Some(2));
}

/// A notification about a journaled pre-order finishes it in the pre-order's own words
/// (`paid`, `closed`), and a pre-order the platform said was closed is never turned into
/// "paid" by a later notification: the journal keeps `closed` and marks the contradiction.
#[tokio::test]
async fn a_notification_finishes_a_journaled_preorder_and_closed_stays_closed() {
    use lakala_journal::{Intent, PaymentJournal, PaymentKey, PaymentStatus};
    let clock = Arc::new(ManualClock::at_unix(NOW));
    let journal = Arc::new(MemoryJournal::new());
    for order in ["P1", "P2"] {
        journal
            .record_intent(&Intent::preorder(
                PaymentKey::new(MERCHANT, order),
                "29034705",
                100,
                "ab12cd34ef567890",
                "instance-a",
                NOW - 60,
            ))
            .await
            .unwrap();
    }
    let handler = open_handler(clock.clone()).with_payments(journal.clone(), "instance-a");
    let ok = |_| async { Ok::<(), String>(()) };

    let paid = body(MERCHANT, "P1", "SUCCESS");
    handler
        .process(&signed(&paid, NOW, "p1"), &paid, ok)
        .await
        .unwrap();
    let p1 = journal
        .payment(&PaymentKey::new(MERCHANT, "P1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p1.status, PaymentStatus::Succeeded);
    assert_eq!(p1.outcome.as_deref(), Some("paid"));

    let closed = body(MERCHANT, "P2", "CLOSE");
    handler
        .process(&signed(&closed, NOW, "p2"), &closed, ok)
        .await
        .unwrap();
    let key2 = PaymentKey::new(MERCHANT, "P2");
    let p2 = journal.payment(&key2).await.unwrap().unwrap();
    assert_eq!(p2.status, PaymentStatus::Failed);
    assert_eq!(p2.outcome.as_deref(), Some("closed"));

    // A later "SUCCESS" about the closed order: recorded, never applied, marked.
    let late = body(MERCHANT, "P2", "SUCCESS");
    handler
        .process(&signed(&late, NOW + 1, "p3"), &late, ok)
        .await
        .unwrap();
    let p2 = journal.payment(&key2).await.unwrap().unwrap();
    assert_eq!(p2.status, PaymentStatus::Failed);
    assert_eq!(p2.outcome.as_deref(), Some("closed"));
    assert!(
        p2.conflict.is_some(),
        "the contradiction is marked for a person"
    );
}
