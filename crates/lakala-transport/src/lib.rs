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
//!
//! # Features
//!
//! * `hyper` (default): `HyperTransport`, the implementation the Lakala client uses
//!   unless given another one: hyper 1.x on Tokio, HTTPS through rustls with its
//!   `aws-lc-rs` provider chosen explicitly (no process-wide provider is needed or
//!   installed), the Mozilla roots of `webpki-roots` (no system certificate files are
//!   read), connection reuse, a connect timeout, an overall deadline, no redirects, a
//!   response size limit. With `default-features = false` none of hyper, Tokio or rustls
//!   is compiled.
//!
//! ## Why `aws-lc-rs` and not `ring`
//!
//! Up to version 0.1 of this workspace the TLS provider was `ring`. It is now rustls' own
//! default, `aws-lc-rs`, because `lakala-crypto`'s default RSA backend is AWS-LC (built
//! from the sources bundled in `aws-lc-sys`, which it needs for RSA-1024 and the raw
//! cross-border MAC at native speed): with both on AWS-LC, a default program compiles and
//! links one C crypto library instead of two. What changes for users: building needs a C
//! compiler (as `ring` did) and compiles AWS-LC once (a few minutes on 2 cores, cached
//! afterwards); nothing needs installing. A caller who wants `ring` (or any provider) can
//! still pass a whole rustls configuration with `HyperTransportBuilder::tls_config`.
#![cfg_attr(
    feature = "hyper",
    doc = r##"
# The default transport

Build it once, share it, send. Here against a one-shot server on loopback:

```
use std::time::Duration;
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

# #[tokio::main(flavor = "current_thread")]
# async fn main() -> Result<(), Box<dyn std::error::Error>> {
let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
let url = format!("http://{}/api/v3/labs/query/tradequery", listener.local_addr()?);
tokio::spawn(async move {
    let (mut socket, _) = listener.accept().await?;
    let mut seen = Vec::new();
    while !seen.ends_with(br#"{"q":1}"#) {
        let mut buf = [0u8; 1024];
        let n = socket.read(&mut buf).await?;
        if n == 0 { break; }
        seen.extend_from_slice(&buf[..n]);
    }
    socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"code\":\"000000\"}").await
});

let transport = HyperTransport::builder()
    .connect_timeout(Duration::from_secs(5))
    .timeout(Duration::from_secs(15))
    .build()?;
let request = HttpRequest::post(url, br#"{"q":1}"#.to_vec())
    .header("Content-Type", "application/json");
match transport.send(request).await {
    Ok(answer) => {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body, b"{\"code\":\"000000\"}");
    }
    Err(e) if e.may_have_been_executed() => {
        // Timeout or ConnectionLost: find out (query) before anything else.
        return Err(e.into());
    }
    Err(e) => {
        // Connect or InvalidRequest: the server never saw it; safe to report as failed.
        return Err(e.into());
    }
}
# Ok(())
# }
```

For production, refuse plain HTTP and, if needed, trust a private CA too:

```no_run
# fn main() -> Result<(), Box<dyn std::error::Error>> {
use lakala_transport::rustls::pki_types::{pem::PemObject, CertificateDer};
use lakala_transport::HyperTransport;

let transport = HyperTransport::builder()
    .https_only(true)
    .add_root_certificate(CertificateDer::from_pem_file("private-ca.pem")?)
    .build()?;
# let _ = transport;
# Ok(())
# }
```

See [`HyperTransport`] for exactly what is sent and how each failure maps onto
[`TransportError`].
"##
)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
#[cfg(feature = "hyper")]
mod hyper_transport;
mod message;

pub use async_trait::async_trait;
pub use error::TransportError;
#[cfg(feature = "hyper")]
pub use hyper_transport::{
    BuildError, HyperTransport, HyperTransportBuilder, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT,
};
pub use message::{HttpRequest, HttpResponse, Method};
/// The rustls this crate was built with, for [`HyperTransportBuilder::tls_config`],
/// [`HyperTransportBuilder::root_certificates`] and
/// [`HyperTransportBuilder::add_root_certificate`].
#[cfg(feature = "hyper")]
pub use rustls;

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
