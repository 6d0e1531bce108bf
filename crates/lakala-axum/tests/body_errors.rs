//! A body too large is 413; a body that cannot be read for another reason is 400. Both
//! families, both ways in (the routes and the extractors), and the merchant's code never
//! runs.

use axum::body::Body;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::Request;
use http_body::Frame;
use lakala_axum::{CrossBorderNotice, NotificationRoutes, OpenPlatformNotice};
use lakala_client::notification::{
    CrossBorderAnswer, CrossBorderNotificationHandler, OpenPlatformNotificationHandler,
};
use lakala_crypto::crossborder::Merchant;
use lakala_crypto::open_platform::Freshness;
use lakala_crypto::{PrivateKey, SystemClock};
use lakala_journal::MemoryJournal;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// A body that yields a few bytes, then fails as a connection cut mid-body does.
struct CutBody(bool);

impl http_body::Body for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.0 {
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset mid-body",
            ))));
        }
        self.0 = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{\"out_")))))
    }
}

fn handlers() -> (
    OpenPlatformNotificationHandler,
    CrossBorderNotificationHandler,
) {
    let mut rng = rand::thread_rng();
    let key = PrivateKey::generate(&mut rng, 1024).unwrap();
    let open = OpenPlatformNotificationHandler::new(
        key.public_key(),
        Freshness::default(),
        Arc::new(MemoryJournal::new()),
        Arc::new(SystemClock),
    )
    .for_merchants(["822290070111135"]);
    let crossborder = CrossBorderNotificationHandler::new(
        Merchant::new("DOPCHN000455", key.clone(), key.public_key()),
        Arc::new(MemoryJournal::new()),
        Arc::new(SystemClock),
    );
    (open, crossborder)
}

async fn status(router: &mut Router, path: &str, body: Body) -> u16 {
    let request = Request::post(path)
        .header("Authorization", "LKLAPI-SHA256withRSA x")
        .body(body)
        .unwrap();
    router.call(request).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn too_large_is_413_and_unreadable_is_400() {
    let (open, crossborder) = handlers();
    let calls = Arc::new(AtomicUsize::new(0));
    let (a, b) = (calls.clone(), calls.clone());
    let mut routes = NotificationRoutes::new()
        .open_platform("/open", open.clone(), move |_| {
            a.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, &str>(()) }
        })
        .crossborder("/crossborder", crossborder.clone(), move |_| {
            b.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, &str>(CrossBorderAnswer::success("{}")) }
        })
        .into_router();

    #[derive(Clone)]
    struct State(
        OpenPlatformNotificationHandler,
        CrossBorderNotificationHandler,
    );
    impl axum::extract::FromRef<State> for OpenPlatformNotificationHandler {
        fn from_ref(s: &State) -> Self {
            s.0.clone()
        }
    }
    impl axum::extract::FromRef<State> for CrossBorderNotificationHandler {
        fn from_ref(s: &State) -> Self {
            s.1.clone()
        }
    }
    let mut extractors: Router =
        Router::new()
            .route(
                "/open",
                post(|n: OpenPlatformNotice| async move { n.success().await }),
            )
            .route(
                "/crossborder",
                post(|n: CrossBorderNotice| async move {
                    n.answer(CrossBorderAnswer::success("{}")).await
                }),
            )
            .with_state(State(open, crossborder));

    let huge = || Body::from(vec![b' '; lakala_axum::MAX_BODY_BYTES + 1]);
    for router in [&mut routes, &mut extractors] {
        for path in ["/open", "/crossborder"] {
            assert_eq!(status(router, path, huge()).await, 413, "{path}");
            assert_eq!(
                status(router, path, Body::new(CutBody(false))).await,
                400,
                "{path}"
            );
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing was processed");
}
