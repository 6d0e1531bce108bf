//! Notification handlers: verification, freshness, replay, answers.

mod support;

use lakala_client::notification::{
    CrossBorderNotificationHandler, InMemoryReplayGuard, NotificationError,
    OpenPlatformNotificationHandler,
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

    let n = handler.handle(&body).await.unwrap();
    assert_eq!(n.req_type(), "B0005");
    assert_eq!(
        n.content().as_str(),
        r#"{"orderNo":"ORDER1","retCode":"0000"}"#
    );
    assert!(
        !format!("{n:?}").contains("ORDER1"),
        "content is not printed"
    );

    // The signed answer opens on the platform side with the notification's key.
    let answer = handler
        .answer(&n, "0000", "成功", r#"{"received":true}"#)
        .unwrap();
    let answer: lakala_crypto::crossborder::NotificationAnswerEnvelope =
        serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer.ts, envelope.ts);
    let opened = platform
        .open_notification_answer(&answer, &sec_key)
        .unwrap();
    assert_eq!(opened.biz.unwrap().as_str(), r#"{"received":true}"#);

    assert!(matches!(
        handler.handle(&body).await,
        Err(NotificationError::Replayed { .. })
    ));

    // A fresh notification delivered too late.
    let (late, _) = platform
        .seal_notification("DOPCHN000455", &ts.next(), "B0005", "{}")
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
}

#[tokio::test]
async fn the_real_lakala_notification_is_accepted_with_the_real_certificate() {
    let (auth, body) = real_sample();
    let clock = Arc::new(ManualClock::at_unix(1_630_905_585 + 30));
    let handler = open_handler("lakala-apigw-notify-cert.pem", clock.clone());
    let n = handler.handle(&auth, &body).await.unwrap();
    assert_eq!(n.body["payStatus"], "S");
    assert_eq!(n.body["merchantOrderNo"], "CH2021090613190866292");
    assert_eq!(n.timestamp, 1_630_905_585);
    assert_eq!(
        OpenPlatformNotificationHandler::success_answer(),
        r#"{"code":"SUCCESS","message":"执行成功"}"#.as_bytes()
    );
    // Delivered twice: a replay.
    assert!(matches!(
        handler.handle(&auth, &body).await,
        Err(NotificationError::Replayed { .. })
    ));
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
