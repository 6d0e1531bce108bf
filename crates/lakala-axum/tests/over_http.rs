//! Both notification families over real loopback HTTP: the routes, the extractors and the
//! tower service under plain hyper.

use axum::extract::FromRef;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use lakala_axum::{CrossBorderNotice, NotificationRoutes, OpenPlatformNotice};
use lakala_client::notification::{
    CrossBorderAnswer, CrossBorderNotificationHandler, InMemoryReplayGuard,
    OpenPlatformNotificationHandler,
};
use lakala_crypto::crossborder::{Merchant, NotificationAnswerEnvelope, Platform};
use lakala_crypto::open_platform::{Freshness, PlatformSigner};
use lakala_crypto::{Clock, PrivateKey, SystemClock, TsGenerator};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport, HyperTransport};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const MER_ID: &str = "DOPCHN000455";

struct Keys {
    notify: PrivateKey,
    merchant: PrivateKey,
    platform: PrivateKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        Keys {
            notify: PrivateKey::generate(&mut rng, 1024).unwrap(),
            merchant: PrivateKey::generate(&mut rng, 1024).unwrap(),
            platform: PrivateKey::generate(&mut rng, 1024).unwrap(),
        }
    })
}

fn open_handler() -> OpenPlatformNotificationHandler {
    OpenPlatformNotificationHandler::new(
        keys().notify.public_key(),
        Freshness::default(),
        Arc::new(InMemoryReplayGuard::new()),
        Arc::new(SystemClock),
    )
    .for_merchants(["822290070111135"])
}

fn crossborder_handler() -> CrossBorderNotificationHandler {
    let k = keys();
    CrossBorderNotificationHandler::new(
        Merchant::new(MER_ID, k.merchant.clone(), k.platform.public_key()),
        Arc::new(InMemoryReplayGuard::new()),
        Arc::new(SystemClock),
    )
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

fn http() -> HyperTransport {
    HyperTransport::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn post_open(url: &str, body: &[u8], authorization: Option<String>) -> HttpResponse {
    let mut request = HttpRequest::post(url.to_owned(), body.to_vec());
    if let Some(a) = authorization {
        request = request.header("Authorization", a);
    }
    http().send(request).await.unwrap()
}

fn signed(body: &[u8], nonce: &str) -> String {
    PlatformSigner::new("01", keys().notify.clone())
        .sign_notification(body, SystemClock.unix_seconds(), nonce)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn open_platform_route_answers_as_the_platform_expects() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let router = NotificationRoutes::new()
        .open_platform("/notify", open_handler(), move |n| {
            let seen = seen.clone();
            async move {
                // The first delivery of "fail-once" fails; everything else succeeds.
                let n_call = seen.fetch_add(1, Ordering::SeqCst);
                if n.notification.out_trade_no() == "fail-once" && n_call == 1 {
                    return Err("database down");
                }
                Ok(())
            }
        })
        .into_router();
    let url = format!("{}/notify", serve(router).await);
    let body = br#"{"merchant_no":"822290070111135","out_trade_no":"T1","trade_state":"SUCCESS"}"#;
    let auth = signed(body, "n1");

    let first = post_open(&url, body, Some(auth.clone())).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.body,
        OpenPlatformNotificationHandler::success_answer()
    );
    // The platform's redelivery: the same answer, not processed twice.
    let again = post_open(&url, body, Some(auth)).await;
    assert_eq!((again.status, again.body), (200, first.body));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Another merchant's notification: 200 and SUCCESS so that Lakala stops, not
    // processed (the call count below stays put).
    let other = br#"{"merchant_no":"822290070111136","out_trade_no":"T1","trade_state":"SUCCESS"}"#;
    let not_ours = post_open(&url, other, Some(signed(other, "n-other"))).await;
    assert_eq!(
        (not_ours.status, not_ours.body),
        (200, OpenPlatformNotificationHandler::not_for_us_answer())
    );

    // Forged, unsigned, malformed authorization: 401, never processed.
    let forged = post_open(&url, br#"{"out_trade_no":"T2"}"#, Some(signed(body, "n2"))).await;
    assert_eq!(forged.status, 401);
    assert!(String::from_utf8_lossy(&forged.body).contains("FAIL"));
    assert_eq!(post_open(&url, body, None).await.status, 401);
    assert_eq!(
        post_open(&url, body, Some("LKLAPI-SHA256withRSA x".into()))
            .await
            .status,
        401
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Processing fails: 503, and the redelivery is processed again.
    let failing =
        br#"{"merchant_no":"822290070111135","out_trade_no":"fail-once","trade_state":"SUCCESS"}"#;
    let auth = signed(failing, "n3");
    assert_eq!(
        post_open(&url, failing, Some(auth.clone())).await.status,
        503
    );
    assert_eq!(post_open(&url, failing, Some(auth)).await.status, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // A huge body is refused before verification.
    let huge = vec![b' '; lakala_axum::MAX_BODY_BYTES + 1];
    assert_eq!(
        post_open(&url, &huge, Some(signed(&huge, "n4")))
            .await
            .status,
        413
    );
}

#[tokio::test]
async fn crossborder_route_seals_the_answer_and_refuses_tampering() {
    let router = NotificationRoutes::new()
        .crossborder("/crossborder", crossborder_handler(), |n| async move {
            assert_eq!(n.req_type(), "B0005");
            Ok::<_, std::convert::Infallible>(CrossBorderAnswer::success(r#"{"ok":true}"#))
        })
        .into_router();
    let url = format!("{}/crossborder", serve(router).await);
    let k = keys();
    let platform = Platform::new(k.platform.clone(), k.merchant.public_key());
    let (envelope, sec_key) = platform
        .seal_notification(
            MER_ID,
            &TsGenerator::new().next(),
            "B0005",
            r#"{"orderNo":"1"}"#,
        )
        .unwrap();
    let body = serde_json::to_vec(&envelope).unwrap();
    let response = post_open(&url, &body, None).await;
    assert_eq!(response.status, 200);
    let answer: NotificationAnswerEnvelope = serde_json::from_slice(&response.body).unwrap();
    let opened = platform
        .open_notification_answer(&answer, &sec_key)
        .unwrap();
    assert_eq!(opened.ret_code, "0000");
    assert_eq!(opened.biz.unwrap().as_str(), r#"{"ok":true}"#);

    let mut tampered: serde_json::Value = serde_json::from_slice(&body).unwrap();
    tampered["reqType"] = "B0006".into();
    let refused = post_open(&url, tampered.to_string().as_bytes(), None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(post_open(&url, b"not json", None).await.status, 400);
}

#[derive(Clone)]
struct State {
    open: OpenPlatformNotificationHandler,
    crossborder: CrossBorderNotificationHandler,
}

impl FromRef<State> for OpenPlatformNotificationHandler {
    fn from_ref(s: &State) -> Self {
        s.open.clone()
    }
}

impl FromRef<State> for CrossBorderNotificationHandler {
    fn from_ref(s: &State) -> Self {
        s.crossborder.clone()
    }
}

async fn own_open(notice: OpenPlatformNotice) -> Response {
    if notice.event.notification.out_trade_no() == "refuse" {
        return notice.fail("not now").await;
    }
    notice.success().await
}

async fn own_crossborder(notice: CrossBorderNotice) -> Response {
    notice.answer(CrossBorderAnswer::success("{}")).await
}

#[tokio::test]
async fn extractors_in_handlers_of_ones_own() {
    let state = State {
        open: open_handler(),
        crossborder: crossborder_handler(),
    };
    let router = Router::new()
        .route("/notify", post(own_open))
        .route("/crossborder", post(own_crossborder))
        .with_state(state);
    let base = serve(router).await;
    let url = format!("{base}/notify");
    let body = br#"{"merchant_no":"822290070111135","out_trade_no":"T1","trade_state":"SUCCESS"}"#;
    let auth = signed(body, "e1");
    assert_eq!(post_open(&url, body, Some(auth.clone())).await.status, 200);
    // The repeat is answered by the extractor with the same bytes.
    let again = post_open(&url, body, Some(auth)).await;
    assert_eq!(
        again.body,
        OpenPlatformNotificationHandler::success_answer()
    );
    let refuse =
        br#"{"merchant_no":"822290070111135","out_trade_no":"refuse","trade_state":"SUCCESS"}"#;
    assert_eq!(
        post_open(&url, refuse, Some(signed(refuse, "e2")))
            .await
            .status,
        503
    );
    assert_eq!(
        post_open(&url, body, Some(signed(b"x", "e3"))).await.status,
        401
    );

    let k = keys();
    let platform = Platform::new(k.platform.clone(), k.merchant.public_key());
    let (envelope, _) = platform
        .seal_notification(
            MER_ID,
            &TsGenerator::new().next(),
            "B0005",
            r#"{"orderNo":"2"}"#,
        )
        .unwrap();
    let response = post_open(
        &format!("{base}/crossborder"),
        &serde_json::to_vec(&envelope).unwrap(),
        None,
    )
    .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn tower_service_under_plain_hyper() {
    let service = NotificationRoutes::new()
        .open_platform("/notify", open_handler(), |_| async {
            Ok::<_, std::convert::Infallible>(())
        })
        .into_service();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    let body = br#"{"merchant_no":"822290070111135","out_trade_no":"H1","trade_state":"SUCCESS"}"#;
    let ok = post_open(&url, body, Some(signed(body, "h1"))).await;
    assert_eq!(ok.status, 200);
    assert_eq!(post_open(&url, body, None).await.status, 401);
    let other = post_open(&url.replace("/notify", "/other"), body, None).await;
    assert_eq!(other.status, 404);
}
