//! Notifications: micropay results delivered with retries to a loopback listener, refused
//! for other hosts; cross-border notifications sent on request, the signed answer verified.

mod support;

use lakala_crypto::crossborder::{Merchant, NotificationEnvelope};
use lakala_crypto::open_platform::NotificationVerifier;
use lakala_crypto::PrivateKey;
use lakala_sandbox::behaviour::auth_codes;
use lakala_sandbox::{DeliveryStatus, SandboxError};
use serde_json::Value;
use support::{eventually, listener, start};
use tokio::net::TcpListener;

const SUCCESS: &str = r#"{"code":"SUCCESS","message":"执行成功"}"#;
const FAIL: &str = r#"{"code":"FAIL","message":"try again"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_with_retry_until_success() {
    let env = start().await;
    let (url, seen) =
        listener(|n, _, _| (200, if n == 0 { FAIL } else { SUCCESS }.as_bytes().to_vec())).await;
    let answer = env
        .micropay_with("N1", auth_codes::PENDING_THEN_SUCCEED, 88, Some(&url))
        .await;
    assert_eq!(answer["code"], "DCP10000");
    assert!(seen.lock().unwrap().is_empty(), "nothing before it settles");
    env.advance(12);
    let sandbox = &env.sandbox;
    eventually("delivery", || {
        sandbox
            .notification_deliveries()
            .first()
            .is_some_and(|d| d.status == DeliveryStatus::Delivered)
    })
    .await;
    let delivery = &sandbox.notification_deliveries()[0];
    assert_eq!(
        (
            delivery.attempts,
            delivery.trade_state.as_str(),
            delivery.url.as_str()
        ),
        (2, "SUCCESS", url.as_str())
    );

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let verifier = NotificationVerifier::new(env.keys.open_notify().cert().public_key().clone());
    let mut nonces = Vec::new();
    for (authorization, body) in &seen {
        assert!(
            authorization.starts_with("LKLAPI-SHA256withRSA timestamp="),
            "{authorization}"
        );
        assert!(
            !authorization.contains("appid"),
            "notifications carry no appid"
        );
        let auth = verifier
            .verify(authorization, body, env.now())
            .expect("signed with the notification key");
        nonces.push(auth.nonce_str);
        let body: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(body["out_trade_no"], "N1");
        assert_eq!(body["trade_state"], "SUCCESS");
        assert_eq!(body["total_amount"], "88");
    }
    assert_ne!(nonces[0], nonces[1], "each attempt is signed afresh");
    // The platform's signing key does not verify notifications.
    let wrong = NotificationVerifier::new(env.keys.open_platform().cert().public_key().clone());
    assert!(wrong.verify(&seen[0].0, &seen[0].1, env.now()).is_err());
    env.sandbox.shutdown().await;
}

/// Every micropay that answers pending and settles by itself is notified, whatever its
/// answer said (`DCP10000` or `BBS10000`) and however it settles; one that waits to be
/// revoked is not (the sandbox README's table of barcodes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pending_micropay_that_settles_by_itself_is_notified() {
    let env = start().await;
    let (url, _) = listener(|_, _, _| (200, SUCCESS.as_bytes().to_vec())).await;
    let cases = [
        (
            "S1001",
            auth_codes::PENDING_THEN_SUCCEED,
            "DCP10000",
            "SUCCESS",
        ),
        ("S1002", auth_codes::PENDING_THEN_FAIL, "DCP10000", "FAIL"),
        (
            "S1004",
            auth_codes::PAYING_THEN_SUCCEED,
            "BBS10000",
            "SUCCESS",
        ),
        ("S1005", auth_codes::PENDING_THEN_CLOSE, "DCP10000", "CLOSE"),
    ];
    for (order, code, answer_code, _) in cases {
        let answer = env.micropay_with(order, code, 7, Some(&url)).await;
        assert_eq!(answer["code"], answer_code, "{order}: {answer}");
    }
    env.micropay_with("S1003", auth_codes::PENDING_UNTIL_REVOKED, 7, Some(&url))
        .await;
    env.advance(12);
    let sandbox = &env.sandbox;
    eventually("four delivered", || {
        let d = sandbox.notification_deliveries();
        d.len() == 4 && d.iter().all(|d| d.status == DeliveryStatus::Delivered)
    })
    .await;
    let deliveries = sandbox.notification_deliveries();
    for (order, _, _, state) in cases {
        let d = deliveries
            .iter()
            .find(|d| d.out_trade_no == order)
            .unwrap_or_else(|| panic!("{order} notified"));
        assert_eq!(d.trade_state, state, "{order}");
    }
    assert!(deliveries.iter().all(|d| d.out_trade_no != "S1003"));
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gives_up_after_the_last_attempt_and_refuses_other_hosts() {
    let env = start().await;
    let (url, seen) = listener(|_, _, _| (500, FAIL.as_bytes().to_vec())).await;
    env.micropay_with("N2", auth_codes::PENDING_THEN_FAIL, 5, Some(&url))
        .await;
    env.micropay_with(
        "N3",
        auth_codes::PENDING_THEN_SUCCEED,
        5,
        Some("http://www.test.com/notify"),
    )
    .await;
    // Succeeds at once: the spec notifies only payments that answered pending.
    env.micropay_with("N4", auth_codes::SUCCEED, 5, Some(&url))
        .await;
    env.advance(12);
    let sandbox = &env.sandbox;
    eventually("both settled", || {
        let d = sandbox.notification_deliveries();
        d.len() == 2 && d.iter().all(|d| d.status != DeliveryStatus::InProgress)
    })
    .await;
    let deliveries = sandbox.notification_deliveries();
    let n2 = deliveries.iter().find(|d| d.out_trade_no == "N2").unwrap();
    assert_eq!(n2.attempts, 4);
    assert_eq!(n2.trade_state, "FAIL");
    assert!(
        matches!(&n2.status, DeliveryStatus::GaveUp { last_error } if last_error.contains("500"))
    );
    let n3 = deliveries.iter().find(|d| d.out_trade_no == "N3").unwrap();
    assert!(
        matches!(n3.status, DeliveryStatus::Refused { .. }),
        "{n3:?}"
    );
    assert_eq!(n3.attempts, 0);
    assert_eq!(seen.lock().unwrap().len(), 4);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossborder_notification_and_its_signed_answer() {
    let env = start().await;
    let merchant = env.merchant();
    let (url, seen) = listener(move |_, _, body| {
        let envelope: NotificationEnvelope = serde_json::from_slice(body).unwrap();
        let opened = merchant
            .open_notification(&envelope)
            .expect("verifies with the platform key");
        assert_eq!(opened.req_type, "B0005");
        assert_eq!(opened.biz.as_str(), r#"{"orderNo":"X1","status":"00"}"#);
        let answer = merchant
            .seal_notification_answer(&opened, "0000", "成功", r#"{"received":true}"#)
            .unwrap();
        (200, serde_json::to_vec(&answer).unwrap())
    })
    .await;
    let answer = env
        .sandbox
        .send_crossborder_notification(&url, r#"{"orderNo":"X1","status":"00"}"#)
        .await
        .unwrap();
    assert_eq!(
        (answer.ret_code.as_str(), answer.ret_msg.as_str()),
        ("0000", "成功")
    );
    assert_eq!(answer.biz.as_deref(), Some(r#"{"received":true}"#));
    assert_eq!(answer.ts.len(), 20);
    let notification: Value = serde_json::from_slice(&seen.lock().unwrap()[0].1).unwrap();
    assert_eq!(notification["merId"], env.keys.mer_id());
    assert_eq!(notification["reqType"], "B0005");

    // An answer signed with another key is refused.
    let intruder = Merchant::new(
        env.keys.mer_id(),
        PrivateKey::generate(&mut rand::thread_rng(), 1024).unwrap(),
        env.keys.crossborder_platform_public_key(),
    );
    let real = env.merchant();
    let (url, _) = listener(move |_, _, body| {
        let envelope: NotificationEnvelope = serde_json::from_slice(body).unwrap();
        let opened = real.open_notification(&envelope).unwrap();
        let mut answer = real
            .seal_notification_answer(&opened, "0000", "成功", "{}")
            .unwrap();
        answer.mac = intruder
            .seal_notification_answer(&opened, "0000", "成功", "{}")
            .unwrap()
            .mac;
        (200, serde_json::to_vec(&answer).unwrap())
    })
    .await;
    let refused = env.sandbox.send_crossborder_notification(&url, "{}").await;
    assert!(
        matches!(refused, Err(SandboxError::Answer(_))),
        "{refused:?}"
    );

    // Not loopback; nobody listening.
    let far = env
        .sandbox
        .send_crossborder_notification("http://192.0.2.1/notify", "{}")
        .await;
    assert!(matches!(far, Err(SandboxError::NotLoopback(_))), "{far:?}");
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/n", closed.local_addr().unwrap());
    drop(closed);
    let nobody = env.sandbox.send_crossborder_notification(&dead, "{}").await;
    assert!(
        matches!(nobody, Err(SandboxError::Delivery(_))),
        "{nobody:?}"
    );
    env.sandbox.shutdown().await;
}
