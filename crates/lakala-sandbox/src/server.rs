//! The HTTP server: start, route, bound what is read, shut down.

use crate::api::{error_response, Api, HttpResponse, SlowAnswer};
use crate::config::SandboxConfig;
use crate::delivery::{
    CrossBorderNotificationAnswer, NotificationDelivery, OpenPlatformNotificationAnswer,
};
use crate::error::{Result, SandboxError};
use crate::keys::SandboxKeys;
use crate::shared::{lock, Shared};
use crate::state::State;
use crate::{behaviour, control, dev_page, gate, notify, open, request_log};
use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use lakala_crypto::crossborder::Platform;
use lakala_crypto::open_platform::{PlatformSigner, RequestVerifier};
use lakala_crypto::TsGenerator;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How long a shutdown waits for open connections to finish their current request.
const DRAIN: Duration = Duration::from_secs(5);
/// How often pending payments are checked against the sandbox clock.
const TICK: Duration = Duration::from_millis(100);

/// Entry point: [`Sandbox::start`].
#[derive(Debug)]
pub struct Sandbox;

/// A running sandbox. Dropping it stops the server too; [`RunningSandbox::shutdown`] also
/// waits for open connections to finish.
pub struct RunningSandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    ticker: JoinHandle<()>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox: generates keys (on a blocking thread) unless the configuration
    /// holds some, binds the listening socket, and serves until shut down. Must be called
    /// within a Tokio runtime with I/O and time enabled.
    ///
    /// Refuses a non-loopback address unless [`SandboxConfig::allow_non_loopback`] is set.
    pub async fn start(config: SandboxConfig) -> Result<RunningSandbox> {
        if !config.allow_non_loopback && !config.listen.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(config.listen.to_string()));
        }
        let keys = match config.keys {
            Some(keys) => keys,
            None => tokio::task::spawn_blocking(SandboxKeys::generate)
                .await
                .map_err(|e| SandboxError::Task(e.to_string()))??,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| SandboxError::Bind {
                addr: config.listen.to_string(),
                reason: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| SandboxError::Bind {
            addr: config.listen.to_string(),
            reason: e.to_string(),
        })?;
        let pending_delay_secs = whole_secs(config.pending_delay);
        let shared = Arc::new(Shared {
            crossborder: Platform::new(
                keys.crossborder_platform_key().clone(),
                keys.crossborder_merchant_key().public_key(),
            ),
            verifier: RequestVerifier::new(keys.open_merchant().cert().public_key().clone())
                .with_freshness(config.freshness),
            signer: PlatformSigner::new(
                keys.open_platform().serial_hex(),
                keys.open_platform().key().clone(),
            ),
            notify_signer: PlatformSigner::new(
                keys.open_notify().serial_hex(),
                keys.open_notify().key().clone(),
            ),
            keys,
            ts: TsGenerator::with_clock(Arc::clone(&config.clock)),
            clock: config.clock,
            pending_delay_secs,
            slow_answer_delay: config.slow_answer_delay,
            deal_refunds: config.deal_refunds,
            preorder_expiry_secs: whole_secs(config.preorder_expiry),
            notify: config.notify,
            base_url: format!("http://{addr}"),
            max_body: config.max_body_bytes,
            read_timeout: config.read_timeout,
            state: Mutex::new(State::default()),
            deliveries: Mutex::new(Vec::new()),
            requests: Mutex::default(),
            tasks: Mutex::new(JoinSet::new()),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), shutdown_rx));
        let ticker = tokio::spawn(tick(Arc::clone(&shared)));
        tracing::info!(base_url = %shared.base_url, "lakala sandbox listening");
        Ok(RunningSandbox {
            addr,
            shared,
            shutdown,
            server: Some(server),
            ticker,
        })
    }
}

impl RunningSandbox {
    /// The base URL of both API families, `http://127.0.0.1:PORT`: use it as
    /// `Environment::Custom(base_url)`. `/gate/auth`, `/api/v2/...` and `/api/v3/...` are
    /// served under it.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The keys in use.
    pub fn keys(&self) -> &SandboxKeys {
        &self.shared.keys
    }

    /// Writes the merchant's keys and a client configuration for this sandbox into `dir`;
    /// returns the configuration's path. See [`SandboxKeys::write_client_config`].
    pub fn write_client_config(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
        self.shared
            .keys
            .write_client_config(dir, &self.shared.base_url)
    }

    /// The settings of Lakala's open-platform SDKs for this sandbox, with the merchant's
    /// files in `dir`: see [`SandboxKeys::sdk_settings`]. For a startup banner.
    pub fn sdk_settings(&self, dir: impl AsRef<Path>) -> Vec<crate::keys::SdkSetting> {
        self.shared.keys.sdk_settings(dir, &self.shared.base_url)
    }

    /// Sends a cross-border `B0005` notification carrying `biz_json` to `url` (a loopback
    /// `http://` URL), and verifies and opens the merchant's signed answer.
    pub async fn send_crossborder_notification(
        &self,
        url: &str,
        biz_json: &str,
    ) -> Result<CrossBorderNotificationAnswer> {
        notify::send_crossborder(&self.shared, url, "B0005", biz_json).await
    }

    /// As [`RunningSandbox::send_crossborder_notification`], with another `reqType`.
    pub async fn send_crossborder_notification_of_type(
        &self,
        url: &str,
        req_type: &str,
        biz_json: &str,
    ) -> Result<CrossBorderNotificationAnswer> {
        notify::send_crossborder(&self.shared, url, req_type, biz_json).await
    }

    /// How many micropay requests for `out_trade_no` reached the sandbox (passed
    /// authentication), repeats included: what "exactly one micropay" is checked against.
    pub fn micropay_requests(&self, out_trade_no: &str) -> usize {
        self.shared
            .state()
            .micropays
            .iter()
            .filter(|n| *n == out_trade_no)
            .count()
    }

    /// How many revokes of the order `origin_out_trade_no` executed (cancelled it, giving
    /// back what was paid). Inconclusive and refused revokes, and repeats answered from
    /// memory, do not count.
    pub fn revokes_executed(&self, origin_out_trade_no: &str) -> usize {
        let state = self.shared.state();
        let count = state.ledger.revokes_executed.get(origin_out_trade_no);
        count.copied().unwrap_or(0)
    }

    /// How many refunds of the order `origin_out_trade_no` were accepted (refunded at once,
    /// or `DEAL` and on their way). Refused refunds and repeats answered from memory do not
    /// count.
    pub fn refunds_executed(&self, origin_out_trade_no: &str) -> usize {
        let state = self.shared.state();
        let count = state.ledger.refunds_executed.get(origin_out_trade_no);
        count.copied().unwrap_or(0)
    }

    /// The amount (fen) of the refunds [`RunningSandbox::refunds_executed`] counts.
    pub fn refunded_amount(&self, origin_out_trade_no: &str) -> u64 {
        let state = self.shared.state();
        let amount = state.ledger.refunded_amount.get(origin_out_trade_no);
        amount.copied().unwrap_or(0)
    }

    /// How many labs pre-order requests for `out_trade_no` reached the sandbox (passed
    /// authentication), repeats included.
    pub fn preorder_requests(&self, out_trade_no: &str) -> usize {
        let state = self.shared.state();
        state
            .preorders
            .iter()
            .filter(|n| *n == out_trade_no)
            .count()
    }

    /// What the payer paid (fen) for the order `out_trade_no` (a micropay or a pre-order of
    /// either family), counted once when the order became paid; refunds and revokes do not
    /// lower it (see [`RunningSandbox::refunded_amount`]). 0 for an order never paid.
    pub fn paid_amount(&self, out_trade_no: &str) -> u64 {
        let state = self.shared.state();
        let amount = state.ledger.paid_amount.get(out_trade_no);
        amount.copied().unwrap_or(0)
    }

    /// How many authenticated requests on the `*_encry` routes opened with the SM4 key (what
    /// shows that a client sealed its calls).
    pub fn sealed_requests(&self) -> usize {
        self.shared.state().sealed_requests
    }

    /// How many micropay requests reached the sandbox in all.
    pub fn micropay_requests_total(&self) -> usize {
        self.shared.state().micropays.len()
    }

    /// Signs `body` (sent byte for byte) with the notification key, as the platform signs
    /// its asynchronous notifications (`Authorization: LKLAPI-SHA256withRSA
    /// timestamp=..,nonce_str=..,signature=..`), POSTs it once to `url` (a loopback
    /// `http://` URL) and checks that the merchant answers HTTP 200 with
    /// `{"code":"SUCCESS",...}`. No retries: the result says what happened.
    pub async fn send_open_platform_notification(
        &self,
        url: &str,
        body: &str,
    ) -> Result<OpenPlatformNotificationAnswer> {
        notify::send_open_platform_once(&self.shared, url, body).await
    }

    /// Every payment-result notification (micropays and pre-orders) so far, in the order they were started, with their
    /// state.
    pub fn notification_deliveries(&self) -> Vec<NotificationDelivery> {
        lock(&self.shared.deliveries).clone()
    }

    /// Stops accepting connections, lets open ones finish their request (up to 5 s), and
    /// stops pending notification deliveries.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.stop_background();
    }

    fn stop_background(&self) {
        self.ticker.abort();
        lock(&self.shared.tasks).abort_all();
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.stop_background();
    }
}

/// A duration in whole seconds, rounded up (the sandbox clock counts whole seconds).
fn whole_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs())
        .unwrap_or(i64::MAX)
        .saturating_add(i64::from(d.subsec_nanos() > 0))
}

async fn tick(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        shared.settle_and_notify();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                connections.spawn(connection(stream, Arc::clone(&shared), shutdown.clone()));
            }
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let read_timeout = shared.read_timeout;
    let peer = stream.peer_addr().ok();
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(route(shared, peer, request).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN, conn).await;
        }
    }
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken(String),
}

/// How much of an oversized body is read and discarded before answering 413, so that a
/// client still sending gets the answer rather than a reset connection.
fn drain_limit(max: usize) -> usize {
    max.saturating_mul(16).max(1 << 20)
}

/// Reads at most `max` bytes of body within `deadline`; a larger body is drained (up to
/// [`drain_limit`]) and refused.
async fn read_body(mut body: Incoming, max: usize, deadline: Duration) -> Result<Bytes, BodyError> {
    let drain = drain_limit(max);
    let read = async {
        let mut kept = Vec::new();
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                seen = seen.saturating_add(data.len());
                if seen > drain {
                    return Err(BodyError::TooLarge);
                }
                if seen <= max {
                    kept.extend_from_slice(&data);
                }
            }
        }
        if seen > max {
            Err(BodyError::TooLarge)
        } else {
            Ok(Bytes::from(kept))
        }
    };
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or(Err(BodyError::Timeout))
}

/// Whether a `Content-Type` says JSON in UTF-8: `application/json` (any case), with no
/// `charset` parameter or `charset=utf-8` (quoted or not, `utf8` too). Anything else, and no
/// header at all, is refused: the platform reads JSON only, and its signatures cover bytes
/// that another charset would read differently.
fn is_json_utf8(value: Option<&http::HeaderValue>) -> bool {
    let Some(Ok(value)) = value.map(|v| v.to_str()) else {
        return false;
    };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return param.trim().is_empty();
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            return true;
        }
        let charset = value.trim().trim_matches('"');
        charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
    })
}

/// Whether a client at `peer` may use the control endpoints: only from loopback, even when
/// the sandbox listens on other addresses ([`SandboxConfig::allow_non_loopback`]).
fn control_allowed(peer: Option<SocketAddr>) -> bool {
    peer.is_some_and(|p| p.ip().is_loopback())
}

/// A request to a control endpoint ([`control`]): POST only, from loopback only.
async fn route_control(
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    request: Request<Incoming>,
) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if !control_allowed(peer) {
        return error_response(
            None,
            StatusCode::FORBIDDEN,
            control::codes::NOT_LOOPBACK,
            "control endpoints answer loopback clients only",
        );
    }
    if request.method() != Method::POST {
        return error_response(
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            behaviour::codes::METHOD_NOT_ALLOWED,
            "only POST is served",
        );
    }
    match read_body(request.into_body(), shared.max_body, shared.read_timeout).await {
        Ok(body) => control::handle(&shared, &path, &body).await,
        Err(BodyError::TooLarge) => error_response(
            None,
            StatusCode::PAYLOAD_TOO_LARGE,
            behaviour::codes::TOO_LARGE,
            "request body too large",
        ),
        Err(BodyError::Timeout) => error_response(
            None,
            StatusCode::REQUEST_TIMEOUT,
            behaviour::codes::READ_TIMEOUT,
            "request body not received in time",
        ),
        Err(BodyError::Broken(reason)) => error_response(
            None,
            StatusCode::BAD_REQUEST,
            behaviour::codes::INVALID_REQUEST,
            &format!("cannot read the request body: {reason}"),
        ),
    }
}

async fn route(
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    request: Request<Incoming>,
) -> HttpResponse {
    let path = request.uri().path().to_owned();
    if path.starts_with(control::PREFIX) {
        return route_control(shared, peer, request).await;
    }
    if dev_page::is_dev_path(&path) {
        return dev_page::route(shared, peer, request).await;
    }
    let Some((api, wire)) = Api::from_path(&path) else {
        tracing::debug!(%path, "no such API");
        return error_response(
            None,
            StatusCode::NOT_FOUND,
            behaviour::codes::NOT_FOUND,
            "no such API",
        );
    };
    if request.method() != Method::POST {
        return error_response(
            Some(api),
            StatusCode::METHOD_NOT_ALLOWED,
            behaviour::codes::METHOD_NOT_ALLOWED,
            "only POST is served",
        );
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        error_response(
            Some(api),
            StatusCode::PAYLOAD_TOO_LARGE,
            behaviour::codes::TOO_LARGE,
            "request body too large",
        )
    };
    if declared.is_some_and(|n| n > drain_limit(shared.max_body) as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let body = match read_body(body, shared.max_body, shared.read_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Timeout) => {
            return error_response(
                Some(api),
                StatusCode::REQUEST_TIMEOUT,
                behaviour::codes::READ_TIMEOUT,
                "request body not received in time",
            )
        }
        Err(BodyError::Broken(reason)) => {
            return error_response(
                Some(api),
                StatusCode::BAD_REQUEST,
                behaviour::codes::INVALID_REQUEST,
                &format!("cannot read the request body: {reason}"),
            )
        }
    };
    if !is_json_utf8(parts.headers.get(header::CONTENT_TYPE)) {
        tracing::debug!(%path, "refused: Content-Type is not JSON in UTF-8");
        return error_response(
            Some(api),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            behaviour::codes::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json;charset=utf-8",
        );
    }
    let response = match api {
        Api::GateAuth => gate::handle(&shared, &body),
        _ => open::handle(&shared, api, wire, &parts.headers, &body),
    };
    let response = request_log::record(
        &shared.requests,
        &*shared.clock,
        &path,
        api,
        &body,
        response,
    )
    .await;
    if let Some(SlowAnswer(delay)) = response.extensions().get::<SlowAnswer>().copied() {
        tracing::debug!(%path, ?delay, "holding the answer back");
        tokio::time::sleep(delay).await;
    }
    tracing::debug!(%path, status = response.status().as_u16(), "answered");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_endpoints_serve_loopback_clients_only() {
        assert!(control_allowed(Some("127.0.0.1:5000".parse().unwrap())));
        assert!(control_allowed(Some("[::1]:5000".parse().unwrap())));
        assert!(!control_allowed(Some("192.0.2.7:5000".parse().unwrap())));
        assert!(!control_allowed(Some(
            "[2001:db8::1]:5000".parse().unwrap()
        )));
        assert!(!control_allowed(None), "an unknown peer is not trusted");
    }
}
