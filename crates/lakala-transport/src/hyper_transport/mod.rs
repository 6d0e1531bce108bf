//! The default [`HttpTransport`]: hyper 1.x and hyper-util's pooling client on Tokio,
//! HTTPS through rustls with the `aws-lc-rs` provider. Only with the `hyper` feature.

mod builder;
mod convert;
mod errors;

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::{capture_connection, HttpConnector};
use hyper_util::client::legacy::Client;

pub use builder::{
    BuildError, HyperTransportBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT,
};

use crate::error::TransportError;
use crate::message::{HttpRequest, HttpResponse};
use crate::HttpTransport;
use async_trait::async_trait;

/// The default transport: HTTP/1.1 over hyper, HTTPS through rustls, on Tokio.
///
/// Build it once ([`HyperTransport::builder`]) and share it (it is a cheap [`Clone`]
/// around one connection pool, or use it as `Arc<dyn HttpTransport>`). `send` must run
/// inside a Tokio runtime with IO and time enabled; outside one it returns
/// [`TransportError::InvalidRequest`] instead of panicking.
///
/// # What it sends and returns
///
/// * The method, URL path and query, headers and body as given, plus `Host` (unless
///   given) and `Content-Length` (unless given; it must then match). Nothing else: no
///   `User-Agent`, no compression. Header names go out in lowercase, as HTTP/1.1 allows
///   (names are case-insensitive); values byte for byte. Repeated names are sent in the
///   given order, grouped after the first occurrence of the name.
/// * Redirects are never followed: a 3xx comes back as an [`HttpResponse`]. So do 4xx and
///   5xx; see [`HttpResponse::error_for_status`].
/// * Response header names come back lowercase, values of a repeated name together and in
///   the order received, names in the order hyper's `HeaderMap` yields them (in practice,
///   first received first); values that are not UTF-8 are converted lossily.
/// * Connections are reused (per scheme, host and port) while idle for less than the
///   [pool idle timeout](HyperTransportBuilder::pool_idle_timeout). A request is retried
///   on a fresh connection only when hyper reports that a pooled one closed before any
///   byte of the request was written; nothing else is ever retried.
///
/// # Errors, and what each lets the caller assume
///
/// | what happened | error | executed? |
/// |---|---|---|
/// | URL unparsable, not absolute, scheme not http/https, `http://` with [`https_only`](HyperTransportBuilder::https_only), credentials in the URL, header name/value not valid HTTP (CR/LF...), `Content-Length` not matching the body, a `Transfer-Encoding` header, no Tokio runtime | [`InvalidRequest`](TransportError::InvalidRequest) | no: no connection attempted |
/// | DNS failure, connection refused/unreachable, [connect timeout](HyperTransportBuilder::connect_timeout), TLS handshake failure (bad certificate, plain HTTP server...) | [`Connect`](TransportError::Connect) | no |
/// | the [overall deadline](HyperTransportBuilder::timeout) passed before any connection was handed the request (slow DNS, stalled TLS handshake) | [`Connect`](TransportError::Connect) | no |
/// | the overall deadline passed after a connection was handed the request (while writing it, waiting for the answer or reading the body) | [`Timeout`](TransportError::Timeout) | MAYBE |
/// | connection reset or closed after the request was handed to it, before the full answer; unparsable answer; body cut short | [`ConnectionLost`](TransportError::ConnectionLost) | MAYBE |
/// | body announced or read beyond [`max_response_bytes`](HyperTransportBuilder::max_response_bytes) | [`BodyTooLarge`](TransportError::BodyTooLarge) | yes: the server answered |
/// | any status, 1xx aside | `Ok(`[`HttpResponse`]`)` | yes |
///
/// "Handed the request" is hyper-util's moment of assigning a ready connection to it,
/// just before writing; the transport observes it for every request. When unsure, the
/// mapping always says MAYBE, never "not executed". In the same spirit, a caller that
/// drops the future of `send` before it completes must assume the request MAY have been
/// executed.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    settings: Settings,
}

/// The settings a transport was built with (for `send` and `Debug`).
#[derive(Clone, Debug)]
struct Settings {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    https_only: bool,
    tls: TlsSummary,
}

/// Which TLS trust is in use, without any of its content (client keys stay out of logs).
#[derive(Clone, Debug)]
#[allow(dead_code)] // read through Debug only
enum TlsSummary {
    WebpkiRoots { extra_roots: usize },
    CustomRoots { roots: usize },
    CustomConfig,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.settings;
        f.debug_struct("HyperTransport")
            .field("connect_timeout", &s.connect_timeout)
            .field("timeout", &s.timeout)
            .field("max_response_bytes", &s.max_response_bytes)
            .field("pool_idle_timeout", &s.pool_idle_timeout)
            .field("pool_max_idle_per_host", &s.pool_max_idle_per_host)
            .field("https_only", &s.https_only)
            .field("tls", &s.tls)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A builder, with the defaults listed on [`HyperTransportBuilder`].
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::new()
    }

    /// A transport with every default (Mozilla roots, 10 s connect timeout, 30 s
    /// deadline, 4 MiB limit, `http://` allowed).
    pub fn new() -> Result<Self, BuildError> {
        HyperTransportBuilder::new().build()
    }

    /// The overall per-request deadline.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.settings.connect_timeout
    }

    /// The response body limit, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.settings.max_response_bytes
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<HttpResponse, TransportError> {
        let limit = self.settings.max_response_bytes;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| errors::from_client_error(&e, self.settings.connect_timeout))?;
        let (parts, body) = response.into_parts();
        let declared = convert::check_declared_length(&parts.headers, limit)?;
        let body = convert::read_limited(body, limit, declared).await?;
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: convert::headers_to_vec(&parts.headers),
            body,
        })
    }
}

#[async_trait]
impl HttpTransport for HyperTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut request = convert::to_hyper_request(request, self.settings.https_only)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TransportError::InvalidRequest {
                reason: "HyperTransport::send must run inside a Tokio runtime".into(),
            });
        }
        // Tells, if the deadline passes, whether a connection had been handed the request.
        let handed_over = capture_connection(&mut request);
        let started = Instant::now();
        match tokio::time::timeout(self.settings.timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => Err(errors::deadline_passed(
                handed_over.connection_metadata().is_some(),
                started.elapsed(),
                self.settings.timeout,
            )),
        }
    }
}
