//! Notification handlers: verification, freshness, replay keys on signed fields only,
//! idempotent answers, and retryable failures.

mod support;

use lakala_client::notification::{
    CrossBorderAnswer, CrossBorderNotificationHandler, Delivery, InMemoryReplayGuard, Incoming,
    NotificationError, OpenPlatformNotificationHandler, ReplayGuard, ReplayStoreError,
};
use lakala_crypto::crossborder::{Merchant, Platform};
use lakala_crypto::open_platform::Freshness;
use lakala_crypto::{Certificate, ManualClock, PrivateKey, TsGenerator, ValidityCheck};
use rand::SeedableRng;
use std::sync::Arc;
use std::time::Duration;
use support::shared;

fn keys() -> (PrivateKey, PrivateKey) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    (
        PrivateKey::generate(&mut rng, 1024).unwrap(),
        PrivateKey::generate(&mut rng, 1024).unwrap(),
    )
}

#[tokio::test]
async fn crossborder_notification_accepted_once_then_replay_and_stale_refused() {
    let (merchant_key, platform_key) = keys();
    let clock = Arc::new(ManualClock::at_unix(1_700_000_000));
    let platform = Platform::new(platform_key.clone(), merchant_key.public_key());
    let ts = TsGenerator::with_clock(clock.clone());
    let (envelope, sec_key) = platform
        .seal_notification(
            "DOPCHN000455",
            &ts.next(),
            "B0005",
            r#"{"orderNo":"ORDER1","retCode":"0000"}"#,
        )
        .unwrap();
    let body = serde_json::to_vec(&envelope).unwrap();
    let handler = CrossBorderNotificationHandler::new(
        Merchant::new(
            "DOPCHN000455",
            merchant_key.clone(),
            platform_key.public_key(),
        ),
        Arc::new(InMemoryReplayGuard::new()),
        clock.clone(),
    )
    .with_max_age(Duration::from_secs(600));

    let Incoming::New(n) = handler.handle(&body).await.unwrap() else {
        panic!("a first delivery is new")
    };
    assert_eq!(n.req_type(), "B0005");
    assert_eq!(
        n.content().as_str(),
        r#"{"orderNo":"ORDER1","retCode":"0000"}"#
    );
    assert_eq!(n.idempotency_key(), "crossborder:B0005:ORDER1");
    assert!(
        !format!("{n:?}").contains("retCode"),
        "content is not printed"
    );

    // The signed answer opens on the platform side with the notification's key.
    let answer = handler
        .answer(&n, "0000", "成功", r#"{"received":true}"#)
        .await
        .unwrap();
    let first_answer = answer.clone();
    let answer: lakala_crypto::crossborder::NotificationAnswerEnvelope =
        serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer.ts, envelope.ts);
    let opened = platform
        .open_notification_answer(&answer, &sec_key)
        .unwrap();
    assert_eq!(opened.biz.unwrap().as_str(), r#"{"received":true}"#);

    // The platform delivers it again (our answer was lost): the same signed answer, byte
    // for byte, and no second processing.
    match handler.handle(&body).await.unwrap() {
        Incoming::Repeat(bytes) => assert_eq!(bytes, first_answer),
        Incoming::New(_) => panic!("a notification already answered was handed out again"),
    }

    // A fresh notification delivered too late.
    let (late, _) = platform
        .seal_notification("DOPCHN000455", &ts.next(), "B0005", r#"{"orderNo":"LATE"}"#)
        .unwrap();
    clock.advance(Duration::from_secs(601));
    assert!(matches!(
        handler.handle(&serde_json::to_vec(&late).unwrap()).await,
        Err(NotificationError::Stale { .. })
    ));

    // Tampered, or not JSON.
    let mut tampered = envelope.clone();
    tampered.req_type = "B0006".into();
    assert!(matches!(
        handler
            .handle(&serde_json::to_vec(&tampered).unwrap())
            .await,
        Err(NotificationError::Verification(_))
    ));
    assert!(matches!(
        handler.handle(b"{not json").await,
        Err(NotificationError::Malformed { .. })
    ));
}

fn real_sample() -> (String, Vec<u8>) {
    let v: serde_json::Value =
        serde_json::from_slice(&shared("openplatform/lakala-notify-sample.json")).unwrap();
    (
        v["authorization"].as_str().unwrap().to_owned(),
        v["body"].as_str().unwrap().as_bytes().to_vec(),
    )
}

fn open_handler(cert: &str, clock: Arc<ManualClock>) -> OpenPlatformNotificationHandler {
    let cert =
        Certificate::load(shared(&format!("openplatform/{cert}")), ValidityCheck::Now).unwrap();
    OpenPlatformNotificationHandler::new(
        cert.public_key().clone(),
        Freshness::default(),
        Arc::new(InMemoryReplayGuard::new()),
        clock,
    )
    .for_merchants(["822126090640003"])
}

#[tokio::test]
async fn the_real_lakala_notification_is_accepted_with_the_real_certificate() {
    let (auth, body) = real_sample();
    let clock = Arc::new(ManualClock::at_unix(1_630_905_585 + 30));
    let handler = open_handler("lakala-apigw-notify-cert.pem", clock.clone());
    let Incoming::New(n) = handler.handle(&auth, &body).await.unwrap() else {
        panic!("a first delivery is new")
    };
    assert_eq!(n.notification.body["payStatus"], "S");
    assert_eq!(
        n.notification.body["merchantOrderNo"],
        "CH2021090613190866292"
    );
    assert_eq!(n.notification.timestamp, 1_630_905_585);
    assert_eq!(
        n.idempotency_key(),
        "open:822126090640003:CH2021090613190866292:S"
    );
    // The payer's wallet ids are in the body, never in Debug.
    assert_eq!(n.notification.body["payerId1"], "2088702852632582");
    let printed = format!("{n:?}");
    assert!(
        !printed.contains("2088702852632582") && !printed.contains("rob***"),
        "{printed}"
    );
    assert_eq!(
        OpenPlatformNotificationHandler::success_answer(),
        r#"{"code":"SUCCESS","message":"执行成功"}"#.as_bytes()
    );
    // Delivered again before it was answered: another worker holds it (retryable).
    let busy = handler.handle(&auth, &body).await.unwrap_err();
    assert!(matches!(busy, NotificationError::InProgress { .. }) && busy.is_retryable());
    // Answered, then delivered again: the same answer.
    let answer = handler.answer(&n).await.unwrap();
    assert!(
        matches!(handler.handle(&auth, &body).await.unwrap(), Incoming::Repeat(b) if b == answer)
    );
    // With the other APIGW certificate: refused.
    let wrong = open_handler("lakala-apigw-v2-cert.pem", clock);
    assert!(matches!(
        wrong.handle(&auth, &body).await,
        Err(NotificationError::Verification(_))
    ));
}

#[tokio::test]
async fn the_real_notification_is_stale_today() {
    let (auth, body) = real_sample();
    let handler = open_handler(
        "lakala-apigw-notify-cert.pem",
        Arc::new(ManualClock::at_unix(1_630_905_585 + 301)),
    );
    assert!(matches!(
        handler.handle(&auth, &body).await,
        Err(NotificationError::Stale {
            timestamp: 1_630_905_585,
            ..
        })
    ));
}

#[tokio::test]
async fn handlers_built_from_the_client_configuration() {
    let h = support::harness();
    let replay = Arc::new(InMemoryReplayGuard::new());
    assert!(h
        .client
        .crossborder_notification_handler(replay.clone())
        .is_ok());
    assert!(h.client.open_platform_notification_handler(replay).is_ok());
}

struct Fixture {
    platform: Platform,
    handler: CrossBorderNotificationHandler,
    ts: TsGenerator<Arc<ManualClock>>,
}

fn crossborder_fixture(guard: Arc<dyn ReplayGuard>) -> Fixture {
    let (merchant_key, platform_key) = keys();
    let clock = Arc::new(ManualClock::at_unix(1_700_000_000));
    Fixture {
        platform: Platform::new(platform_key.clone(), merchant_key.public_key()),
        handler: CrossBorderNotificationHandler::new(
            Merchant::new("DOPCHN000455", merchant_key, platform_key.public_key()),
            guard,
            clock.clone(),
        ),
        ts: TsGenerator::with_clock(clock),
    }
}

#[tokio::test]
async fn an_edited_mer_id_neither_passes_nor_makes_a_notification_new() {
    let f = crossborder_fixture(Arc::new(InMemoryReplayGuard::new()));
    let (envelope, _) = f
        .platform
        .seal_notification("DOPCHN000455", &f.ts.next(), "B0005", r#"{"orderNo":"1"}"#)
        .unwrap();
    let body = serde_json::to_vec(&envelope).unwrap();
    let Incoming::New(n) = f.handler.handle(&body).await.unwrap() else {
        panic!("new")
    };
    let answer = f.handler.answer(&n, "0000", "成功", "{}").await.unwrap();

    // merId is not covered by the MAC: edited or emptied, the MAC still verifies, but the
    // notification is not for this merchant, and it is not a new notification either.
    for edited in ["DOPCHN000999", ""] {
        let mut e = envelope.clone();
        e.mer_id = edited.into();
        let err = f
            .handler
            .handle(&serde_json::to_vec(&e).unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, NotificationError::NotForUs { field: "merId", found, .. } if found == edited),
            "{err}"
        );
        assert!(!err.is_retryable());
    }
    let mut e = envelope.clone();
    e.ver = "2.0.0".into();
    assert!(matches!(
        f.handler.handle(&serde_json::to_vec(&e).unwrap()).await,
        Err(NotificationError::NotForUs { field: "ver", .. })
    ));
    // The genuine one is still answered with the first answer.
    assert!(matches!(f.handler.handle(&body).await.unwrap(), Incoming::Repeat(b) if b == answer));
    assert!(n.replay_key().starts_with("crossborder:"));
    assert!(
        !n.replay_key().contains("DOPCHN"),
        "merId is not part of the key"
    );
}

#[tokio::test]
async fn a_notification_whose_processing_failed_is_processed_again_on_redelivery() {
    let f = crossborder_fixture(Arc::new(InMemoryReplayGuard::new()));
    let (envelope, sec_key) = f
        .platform
        .seal_notification("DOPCHN000455", &f.ts.next(), "B0005", r#"{"orderNo":"7"}"#)
        .unwrap();
    let body = serde_json::to_vec(&envelope).unwrap();
    let calls = &std::sync::atomic::AtomicUsize::new(0);

    // The merchant's processing fails (its database is down): retryable, nothing answered.
    let err = f
        .handler
        .process(&body, |_n| async {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err::<CrossBorderAnswer, _>("database unavailable")
        })
        .await
        .unwrap_err();
    assert!(matches!(&err, NotificationError::Processing(m) if m.contains("database")));
    assert!(err.is_retryable());

    // The platform's redelivery is processed again, and answered.
    let answer = f
        .handler
        .process(&body, |n| async move {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(n.content().as_str(), r#"{"orderNo":"7"}"#);
            Ok::<_, std::convert::Infallible>(CrossBorderAnswer {
                ret_code: "0000".into(),
                ret_msg: "成功".into(),
                json: r#"{"ok":1}"#.into(),
            })
        })
        .await
        .unwrap();
    let opened = f
        .platform
        .open_notification_answer(&serde_json::from_slice(&answer).unwrap(), &sec_key)
        .unwrap();
    assert_eq!(opened.ret_code, "0000");

    // A third delivery: the same bytes, and the merchant's code does not run again.
    let again = f
        .handler
        .process(&body, |_n| async {
            panic!("processed twice");
            #[allow(unreachable_code)]
            Err::<CrossBorderAnswer, &str>("")
        })
        .await
        .unwrap();
    assert_eq!(again, answer);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A guard whose store is down.
#[derive(Debug)]
struct BrokenStore;

#[async_trait::async_trait]
impl ReplayGuard for BrokenStore {
    async fn claim(&self, _: &str, _: i64, _: i64, _: i64) -> Result<Delivery, ReplayStoreError> {
        Err(ReplayStoreError::Unavailable {
            reason: "connection refused".into(),
        })
    }
    async fn answered(&self, _: &str, _: &[u8], _: i64) -> Result<(), ReplayStoreError> {
        Err(ReplayStoreError::Unavailable {
            reason: "connection refused".into(),
        })
    }
    async fn answer_of(&self, _: &str, _: i64) -> Result<Option<Vec<u8>>, ReplayStoreError> {
        Err(ReplayStoreError::Unavailable {
            reason: "connection refused".into(),
        })
    }
    async fn abandon(&self, _: &str) -> Result<(), ReplayStoreError> {
        Err(ReplayStoreError::Unavailable {
            reason: "connection refused".into(),
        })
    }
}

#[tokio::test]
async fn a_failing_replay_store_is_a_retryable_refusal_never_a_silent_accept() {
    let f = crossborder_fixture(Arc::new(BrokenStore));
    let (envelope, _) = f
        .platform
        .seal_notification("DOPCHN000455", &f.ts.next(), "B0005", r#"{"orderNo":"9"}"#)
        .unwrap();
    let err = f
        .handler
        .process(&serde_json::to_vec(&envelope).unwrap(), |_n| async {
            panic!("processed without the replay store");
            #[allow(unreachable_code)]
            Err::<CrossBorderAnswer, &str>("")
        })
        .await
        .unwrap_err();
    assert!(matches!(err, NotificationError::Store(_)));
    assert!(err.is_retryable());

    let (auth, body) = real_sample();
    let cert = Certificate::load(
        shared("openplatform/lakala-apigw-notify-cert.pem"),
        ValidityCheck::Now,
    )
    .unwrap();
    let handler = OpenPlatformNotificationHandler::new(
        cert.public_key().clone(),
        Freshness::default(),
        Arc::new(BrokenStore),
        Arc::new(ManualClock::at_unix(1_630_905_585)),
    )
    .for_merchants(["822126090640003"]);
    let err = handler.handle(&auth, &body).await.unwrap_err();
    assert!(matches!(err, NotificationError::Store(_)) && err.is_retryable());
}

#[tokio::test]
async fn open_platform_processing_failure_then_redelivery() {
    let (auth, body) = real_sample();
    let handler = open_handler(
        "lakala-apigw-notify-cert.pem",
        Arc::new(ManualClock::at_unix(1_630_905_585)),
    );
    let err = handler
        .process(&auth, &body, |_n| async { Err("ledger locked") })
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    let answer = handler
        .process(&auth, &body, |n| async move {
            assert_eq!(n.notification.body["payStatus"], "S");
            Ok::<(), &str>(())
        })
        .await
        .unwrap();
    assert_eq!(answer, OpenPlatformNotificationHandler::success_answer());
    let again = handler
        .process(&auth, &body, |_n| async { Err("must not run") })
        .await
        .unwrap();
    assert_eq!(again, answer);
}
