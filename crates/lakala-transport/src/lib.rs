//! One small async HTTP trait, so that the Lakala client can run over any HTTP stack.
//!
//! [`HttpTransport`] is object-safe and used as `Arc<dyn HttpTransport>`: send an
//! [`HttpRequest`] (method, URL, headers, body bytes), get an [`HttpResponse`] (status,
//! headers, body bytes) or a [`TransportError`] that says whether the request may have
//! reached the server. Nothing here knows about Lakala.
//!
//! Bring your own client by implementing the trait:
//!
//! ```
//! use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
//!
//! /// Answers every request with `200 {}`; a stand-in for reqwest, surf, a test double...
//! #[derive(Debug)]
//! struct Echo;
//!
//! #[async_trait]
//! impl HttpTransport for Echo {
//!     async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
//!         Ok(HttpResponse { status: 200, headers: vec![], body: request.body })
//!     }
//! }
//!
//! # tokio_test_block_on(async {
//! let transport: std::sync::Arc<dyn HttpTransport> = std::sync::Arc::new(Echo);
//! let answer = transport.send(HttpRequest::post("http://127.0.0.1:1/x", b"{}".to_vec())).await?;
//! assert_eq!(answer.body, b"{}");
//! # Ok::<(), TransportError>(())
//! # }).unwrap();
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod message;

pub use async_trait::async_trait;
pub use error::TransportError;
pub use message::{HttpRequest, HttpResponse, Method};

/// Sends one HTTP request and returns the whole response.
///
/// Implementations must not follow redirects (a 3xx is returned as a response), must
/// return responses of every status (the caller decides what a 404 means; see
/// [`HttpResponse::error_for_status`]), and must map failures onto [`TransportError`]
/// faithfully: in particular, [`TransportError::Connect`] only when nothing was sent.
#[async_trait]
pub trait HttpTransport: Send + Sync + std::fmt::Debug {
    /// Sends `request`.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

#[async_trait]
impl<T: HttpTransport + ?Sized> HttpTransport for std::sync::Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
}
