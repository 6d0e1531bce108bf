//! Lakala's notification endpoints for [axum](https://docs.rs/axum) 0.8 and tower.
//!
//! Both notification families of `lakala-client` as HTTP endpoints, three ways:
//!
//! - **routes** ([`open_platform`], [`crossborder`], or both under [`NotificationRoutes`]):
//!   the whole exchange, with the merchant's own code as an async closure that receives
//!   the verified event (open platform: a
//!   [`PaymentNotificationEvent`](lakala_client::notification::PaymentNotificationEvent),
//!   written to the journal first, with its idempotency key) or the opened notification
//!   (cross-border);
//! - **extractors** ([`OpenPlatformNotice`], [`CrossBorderNotice`]) for handlers of your
//!   own: they yield a verified, new notification, and answer a forged, stale or repeated
//!   one themselves;
//! - **a tower [`Service`](tower_service::Service)** ([`NotificationRoutes::into_service`])
//!   for plain hyper (through `hyper_util::service::TowerToHyperService`) or any tower stack.
//!
//! The raw body is what is verified (never a re-serialized one), bodies over
//! [`MAX_BODY_BYTES`] are refused, redeliveries are remembered by the handler's
//! [`ReplayGuard`](lakala_client::notification::ReplayGuard) and get the very bytes
//! answered before, and the answers and HTTP statuses are the ones the platform expects:
//!
//! | case | HTTP | open-platform body | cross-border body |
//! |---|---|---|---|
//! | processed (or a redelivery of an event processed, however signed, even past the freshness window) | 200 | `{"code":"SUCCESS","message":"执行成功"}` | the merchant's recorded answer, sealed for this delivery |
//! | for another merchant (`merchant_no` not configured) | 200 | `{"code":"SUCCESS","message":"not for this merchant; ignored"}` (Lakala stops; nothing processed) | — (`merId` edited: 400 below) |
//! | processing failed, another worker holds it, the replay store failed | 503 | `{"code":"FAIL",...}` | `{"retCode":"9999","retMsg":...}` |
//! | signature or MAC wrong, missing `Authorization` | 401 | `{"code":"FAIL",...}` | `{"retCode":"9999",...}` |
//! | body too large (over [`MAX_BODY_BYTES`]) | 413 | `{"code":"FAIL",...}` | `{"retCode":"9999",...}` |
//! | body unreadable (connection cut, malformed chunk), malformed, content not understood (no `merchant_no`/`out_trade_no`/`trade_state`; cross-border content that does not open to JSON with an `orderNo`, as under a forged `encKey`), stale and never answered, `merId` or `ver` not ours | 400 | `{"code":"FAIL",...}` | `{"retCode":"9999",...}` |
//! | the handler lacks a key | 500 | `{"code":"FAIL",...}` | `{"retCode":"9999",...}` |
//!
//! The platform delivers again after a 503 (or any failure answer); a refusal is never
//! processed. "Once" is per event (see `lakala_client::notification`): the merchant's
//! code runs until it returns `Ok` once, and may run again only if it failed or its
//! process died before the answer was recorded: key its writes on the idempotency key. Failure messages are fixed phrases, never the error's details (they go to
//! the log, which never holds personal data).
//!
//! # The till's side
//!
//! - [`CallError`]: every `ClientError` as the HTTP status that tells a till what to do
//!   (409 a reused order number, 422 invalid input, 502/504 the payment may exist, 503
//!   only when trying again may work; the table is on the type).
//! - [`payment_status`]: a `GET` route answering a payment's status from the journal in
//!   the SDK's till form (`lakala_client::till::TillStatus`), never the platform's raw
//!   answer.
//! - [`BearerToken`]: the till's and the operator's routes behind a shared secret.
//!
//! **Which routes face the internet.** Only the notification routes: Lakala must reach
//! them, and they verify every request themselves. The till's routes (payments, order
//! status) and the operator's (certificate reload, console actions) must never be open
//! there: serve them on an internal listener, or behind [`BearerToken::protect`] (or mutual
//! TLS) when they share the public listener. `examples/pos-service` does the latter.
//!
//! # Example
//!
//! ```
//! use lakala_axum::NotificationRoutes;
//! use lakala_client::notification::{InMemoryReplayGuard, OpenPlatformNotificationHandler};
//! use lakala_crypto::open_platform::{Freshness, PlatformSigner};
//! use lakala_crypto::{PrivateKey, SystemClock, Clock};
//! use std::sync::Arc;
//! use tower_service::Service;
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let notify_key = PrivateKey::generate(&mut rand::thread_rng(), 1024)?;
//! let handler = OpenPlatformNotificationHandler::new(
//!     notify_key.public_key(),
//!     Freshness::default(),
//!     Arc::new(InMemoryReplayGuard::new()),
//!     Arc::new(SystemClock),
//! )
//! .for_merchants(["822290070111135"]);
//! let mut app = NotificationRoutes::new()
//!     .open_platform("/lakala/notify", handler, |event| async move {
//!         // Once per (merchant_no, out_trade_no, trade_state): key your own writes on
//!         // event.idempotency_key(), so that running twice (after a crash) is harmless.
//!         assert_eq!(event.trade_state.as_str(), "SUCCESS");
//!         assert_eq!(event.idempotency_key(), "open:822290070111135:T1:SUCCESS");
//!         Ok::<(), std::convert::Infallible>(())
//!     })
//!     .into_router();
//!
//! // The platform's side, signing a notification.
//! let body = br#"{"merchant_no":"822290070111135","out_trade_no":"T1","trade_state":"SUCCESS"}"#;
//! let auth = PlatformSigner::new("01", notify_key).sign_notification(body, SystemClock.unix_seconds(), "n1")?;
//! let request = http::Request::post("/lakala/notify")
//!     .header("Authorization", auth.to_string())
//!     .body(axum::body::Body::from(&body[..]))?;
//! let response = app.call(request).await?;
//! assert_eq!(response.status(), 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Router;
use http::{header, HeaderMap, StatusCode};
use lakala_client::notification::{
    CrossBorderAnswer, CrossBorderNotification, CrossBorderNotificationHandler, Incoming,
    NotificationError, OpenPlatformNotificationHandler, PaymentNotificationEvent,
};
use lakala_crypto::CryptoError;
use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::task::{Context, Poll};

mod bearer;
mod call_error;
mod payment_status;

pub use bearer::{BearerToken, TokenError, MIN_TOKEN_LEN};
pub use call_error::{status_of_call, CallError};
pub use payment_status::payment_status;

/// The largest notification body accepted (64 KiB; the platform's are a few hundred
/// bytes). Larger ones are refused with 413 before anything is read past the limit; a body
/// that cannot be read for another reason (a connection cut mid-body, a malformed chunk)
/// gets 400.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The HTTP status a [`NotificationError`] is answered with (see the [crate docs](crate)).
pub fn status_of(error: &NotificationError) -> StatusCode {
    if error.is_retryable() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match error {
        NotificationError::Verification(_) => StatusCode::UNAUTHORIZED,
        NotificationError::NotConfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A fixed phrase for the answer body: the details stay in the log.
fn phrase(status: StatusCode) -> &'static str {
    match status {
        StatusCode::SERVICE_UNAVAILABLE => "temporarily unavailable, deliver again",
        StatusCode::UNAUTHORIZED => "verification failed",
        StatusCode::INTERNAL_SERVER_ERROR => "not configured",
        StatusCode::PAYLOAD_TOO_LARGE => "body too large",
        _ => "refused",
    }
}

pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn log(family: &'static str, error: &NotificationError) {
    if error.is_retryable() {
        tracing::warn!(family, %error, "notification not processed now; the platform will deliver it again");
    } else {
        tracing::warn!(family, %error, "notification refused");
    }
}

/// The open-platform answer for `error`: its status and a `{"code":"FAIL",...}` body, or,
/// for a notification that is not for this merchant, HTTP 200
/// [`OpenPlatformNotificationHandler::not_for_us_answer`] (the one answer after which
/// Lakala stops redelivering; nothing was processed).
pub fn open_platform_error_response(error: &NotificationError) -> Response {
    log("open_platform", error);
    if error.stops_platform() {
        return json_response(
            StatusCode::OK,
            OpenPlatformNotificationHandler::not_for_us_answer(),
        );
    }
    let status = status_of(error);
    json_response(
        status,
        OpenPlatformNotificationHandler::failure_answer(phrase(status)),
    )
}

/// The cross-border answer for `error`: its status and an unsigned `{"retCode":"9999",...}`
/// body (there is no notification key to seal it under).
pub fn crossborder_error_response(error: &NotificationError) -> Response {
    log("crossborder", error);
    let status = status_of(error);
    let body = format!(r#"{{"retCode":"9999","retMsg":"{}"}}"#, phrase(status));
    json_response(status, body.into_bytes())
}

/// The `Authorization` header, if present and text.
fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// The 401 answer to a notification without a usable `Authorization` header.
fn missing_authorization() -> Response {
    open_platform_error_response(&NotificationError::Verification(
        CryptoError::MissingHeader {
            name: "Authorization",
        },
    ))
}

/// Why a notification body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyError {
    /// Past [`MAX_BODY_BYTES`]: 413.
    TooLarge,
    /// The connection failed or the body was malformed in transit: 400.
    Unreadable,
}

impl BodyError {
    fn status(self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Unreadable => StatusCode::BAD_REQUEST,
        }
    }

    fn open_platform(self) -> Response {
        tracing::warn!(family = "open_platform", error = ?self, "notification body not read");
        let status = self.status();
        json_response(
            status,
            OpenPlatformNotificationHandler::failure_answer(phrase(status)),
        )
    }

    fn crossborder(self) -> Response {
        tracing::warn!(family = "crossborder", error = ?self, "notification body not read");
        let status = self.status();
        let body = format!(r#"{{"retCode":"9999","retMsg":"{}"}}"#, phrase(status));
        json_response(status, body.into_bytes())
    }
}

/// The headers and the raw body, read up to [`MAX_BODY_BYTES`].
async fn read_body(request: Request) -> Result<(HeaderMap, Bytes), BodyError> {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok((parts.headers, bytes)),
        Err(e) if is_length_limit(&e) => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// Whether reading stopped at the length limit (anywhere in the error's chain).
fn is_length_limit(error: &axum::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// A `POST` route for open-platform notifications (for example a micropay's
/// `notify_url`): verifies the `Authorization` header over the raw body, runs `process` on
/// a new payment event (after the journal learnt it) and answers `SUCCESS` when it returns
/// `Ok`; a redelivery of the event, however signed, gets the answer
/// sent before without running `process`; when `process` fails the platform is asked to
/// deliver again (503). See the [crate docs](crate) for every answer.
pub fn open_platform<S, F, Fut, E>(
    handler: OpenPlatformNotificationHandler,
    process: F,
) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(PaymentNotificationEvent) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    post(move |request: Request| {
        let handler = handler.clone();
        let process = process.clone();
        async move {
            let (headers, body) = match read_body(request).await {
                Ok(read) => read,
                Err(e) => return e.open_platform(),
            };
            let Some(authorization) = authorization(&headers) else {
                return missing_authorization();
            };
            match handler.process(authorization, &body, process).await {
                Ok(bytes) => json_response(StatusCode::OK, bytes),
                Err(e) => open_platform_error_response(&e),
            }
        }
    })
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A `POST` route for cross-border notifications: verifies the MAC over the raw body
/// before decrypting anything, runs `process` on a new notification and answers with the
/// sealed [`CrossBorderAnswer`] it returns; a repeat gets the bytes sent before; when
/// `process` fails the platform is asked to deliver again (503).
pub fn crossborder<S, F, Fut, E>(
    handler: CrossBorderNotificationHandler,
    process: F,
) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(CrossBorderNotification) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<CrossBorderAnswer, E>> + Send + 'static,
    E: Display + Send + 'static,
{
    post(move |request: Request| {
        let handler = handler.clone();
        let process = process.clone();
        async move {
            let (_, body) = match read_body(request).await {
                Ok(read) => read,
                Err(e) => return e.crossborder(),
            };
            match handler.process(&body, process).await {
                Ok(bytes) => json_response(StatusCode::OK, bytes),
                Err(e) => crossborder_error_response(&e),
            }
        }
    })
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Both notification routes under one [`Router`], to merge into an application or to
/// serve as a tower service.
#[derive(Debug, Default)]
pub struct NotificationRoutes {
    router: Router,
}

impl NotificationRoutes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the open-platform route at `path` (see [`open_platform`]).
    pub fn open_platform<F, Fut, E>(
        self,
        path: &str,
        handler: OpenPlatformNotificationHandler,
        process: F,
    ) -> Self
    where
        F: Fn(PaymentNotificationEvent) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        Self {
            router: self.router.route(path, open_platform(handler, process)),
        }
    }

    /// Adds the cross-border route at `path` (see [`crossborder`]).
    pub fn crossborder<F, Fut, E>(
        self,
        path: &str,
        handler: CrossBorderNotificationHandler,
        process: F,
    ) -> Self
    where
        F: Fn(CrossBorderNotification) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<CrossBorderAnswer, E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        Self {
            router: self.router.route(path, crossborder(handler, process)),
        }
    }

    /// The routes as an axum [`Router`]: merge it into your application's router once
    /// that has its state (`app.with_state(state).merge(routes.into_router())`).
    pub fn into_router(self) -> Router {
        self.router
    }

    /// The routes as a tower service, for hyper or any tower stack. Unknown paths get 404.
    pub fn into_service(self) -> NotificationService {
        NotificationService {
            router: self.router,
        }
    }
}

/// The notification routes as a [`tower_service::Service`] of `http` requests. Cheap to
/// clone; never fails (every error is an HTTP answer).
#[derive(Debug, Clone)]
pub struct NotificationService {
    router: Router,
}

impl<B> tower_service::Service<http::Request<B>> for NotificationService
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = axum::routing::future::RouteFuture<Infallible>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        <Router as tower_service::Service<http::Request<B>>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        self.router.call(request)
    }
}

/// An extractor yielding a verified, new open-platform payment event (already written to
/// the journal, if the handler has one), for handlers of your own. The state must provide the handler (`OpenPlatformNotificationHandler: FromRef<S>`).
///
/// A repeat is answered by the extractor itself with the bytes answered before (the
/// handler does not run); a refused notification gets its status (see the [crate
/// docs](crate)). Finish with [`OpenPlatformNotice::success`] or
/// [`OpenPlatformNotice::fail`]: dropping it unanswered leaves it held by this worker
/// until the processing window ends.
#[derive(Debug)]
pub struct OpenPlatformNotice {
    /// The verified event: the notification, the journaled payment, its new state, whether
    /// it changed anything, and its idempotency key.
    pub event: PaymentNotificationEvent,
    handler: OpenPlatformNotificationHandler,
}

impl OpenPlatformNotice {
    /// Records it as processed and answers `SUCCESS` (a redelivery gets the same answer).
    pub async fn success(self) -> Response {
        match self.handler.answer(&self.event).await {
            Ok(bytes) => json_response(StatusCode::OK, bytes),
            Err(e) => open_platform_error_response(&e),
        }
    }

    /// Gives it up (its redelivery is processed again) and answers 503 `FAIL`; `why` goes
    /// to the log.
    pub async fn fail(self, why: impl Display) -> Response {
        if let Err(e) = self.handler.abandon(&self.event).await {
            return open_platform_error_response(&e);
        }
        open_platform_error_response(&NotificationError::Processing(why.to_string()))
    }
}

impl<S> FromRequest<S> for OpenPlatformNotice
where
    S: Send + Sync,
    OpenPlatformNotificationHandler: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let handler = OpenPlatformNotificationHandler::from_ref(state);
        let (headers, body) = read_body(request).await.map_err(BodyError::open_platform)?;
        let authorization = authorization(&headers).ok_or_else(missing_authorization)?;
        match handler.handle(authorization, &body).await {
            Ok(Incoming::New(event)) => Ok(Self { event, handler }),
            Ok(Incoming::Repeat(bytes)) => Err(json_response(StatusCode::OK, bytes)),
            Err(e) => Err(open_platform_error_response(&e)),
        }
    }
}

/// An extractor yielding a verified, new cross-border notification; as
/// [`OpenPlatformNotice`], with `CrossBorderNotificationHandler: FromRef<S>`.
#[derive(Debug)]
pub struct CrossBorderNotice {
    /// The verified, decrypted notification.
    pub notification: CrossBorderNotification,
    handler: CrossBorderNotificationHandler,
}

impl CrossBorderNotice {
    /// Seals `answer`, remembers it for redeliveries and sends it.
    pub async fn answer(self, answer: CrossBorderAnswer) -> Response {
        match self
            .handler
            .answer(
                &self.notification,
                &answer.ret_code,
                &answer.ret_msg,
                &answer.json,
            )
            .await
        {
            Ok(bytes) => json_response(StatusCode::OK, bytes),
            Err(e) => crossborder_error_response(&e),
        }
    }

    /// Gives it up (its redelivery is processed again) and answers 503; `why` goes to the
    /// log.
    pub async fn fail(self, why: impl Display) -> Response {
        if let Err(e) = self.handler.abandon(&self.notification).await {
            return crossborder_error_response(&e);
        }
        crossborder_error_response(&NotificationError::Processing(why.to_string()))
    }
}

impl<S> FromRequest<S> for CrossBorderNotice
where
    S: Send + Sync,
    CrossBorderNotificationHandler: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let handler = CrossBorderNotificationHandler::from_ref(state);
        let (_, body) = read_body(request).await.map_err(BodyError::crossborder)?;
        match handler.handle(&body).await {
            Ok(Incoming::New(notification)) => Ok(Self {
                notification,
                handler,
            }),
            Ok(Incoming::Repeat(bytes)) => Err(json_response(StatusCode::OK, bytes)),
            Err(e) => Err(crossborder_error_response(&e)),
        }
    }
}
