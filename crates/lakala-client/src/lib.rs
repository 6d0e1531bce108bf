//! The Lakala client: typed calls and flows for cross-border identity verification
//! (`/gate/auth`), scan-code pre-authorization (open platform v2) and barcode payment
//! "micropay" (open platform v3), built on `lakala-crypto`, `lakala-types` and
//! `lakala-transport`.
//!
//! - Every open-platform request is signed; every answer's signature is verified before
//!   its body is trusted. Every cross-border answer's MAC is verified before decryption.
//! - [`LakalaClient::micropay`] never leaves a payment unknown without saying so: on
//!   `DCP10000`, `need_query`, a timeout or a lost connection it queries on the spec's
//!   schedule, then applies the caller's [`PendingPolicy`].
//! - Business refusals are typed outcomes ([`AuthOutcome`], [`PreOrderOutcome`],
//!   [`PaymentOutcome`]); [`ClientError`] is for exchanges that produced no trusted answer.
//! - [`notification`] handles the platform's notifications without any web framework.
//! - Calls are instrumented with `tracing` spans carrying order numbers and outcomes, never
//!   personal data or secrets.
//!
//! # Example
//!
//! A micropay against an in-process stand-in for the platform (any [`HttpTransport`] will
//! do; the default is hyper + rustls):
//!
//! ```
//! use lakala_client::{Config, Environment, LakalaClient, MicropayOptions, OpenPlatformCredentials, PaymentOutcome, PendingPolicy};
//! use lakala_crypto::open_platform::{Authorization, PlatformSigner};
//! use lakala_crypto::{Certificate, PrivateKey, ValidityCheck};
//! use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
//! use lakala_types::{micropay::{LocationInfo, MicropayRequest}, Amount};
//! use std::sync::Arc;
//!
//! /// Answers every micropay with a signed DCP00000.
//! #[derive(Debug)]
//! struct Platform(PlatformSigner);
//!
//! #[async_trait]
//! impl HttpTransport for Platform {
//!     async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
//!         let body = br#"{"code":"DCP00000","msg":"OK","resp_time":"20240102030405","resp_data":{"need_query":"0","out_trade_no":"T1","trade_no":"2024010233210000001"}}"#.to_vec();
//!         let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
//!         let headers = self.0.sign_response("OP00000003", &body, now, "nonce").unwrap();
//!         let headers = headers.to_pairs().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//!         Ok(HttpResponse { status: 200, headers, body })
//!     }
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! # rt.block_on(async {
//! let dir = "../../../shared/vectors/openplatform";
//! // The public sandbox key pair plays both parts here.
//! let key = PrivateKey::load(std::fs::read(format!("{dir}/sandbox-OP00000003-merchant-key.pem"))?)?;
//! let cert = Certificate::load(std::fs::read(format!("{dir}/sandbox-OP00000003-cert.pem"))?, ValidityCheck::Now)?;
//! let config = Config::new(Environment::Custom("http://127.0.0.1:1".into())).with_open_platform(
//!     OpenPlatformCredentials {
//!         appid: "OP00000003".into(),
//!         serial_no: cert.serial_hex(),
//!         merchant_key: key.clone(),
//!         platform_cert: cert,
//!         notify_cert: None,
//!     },
//! );
//! let client = LakalaClient::builder(config)
//!     .transport(Arc::new(Platform(PlatformSigner::new("00dfba8194c41b84cf", key))))
//!     .build()?;
//!
//! let request = MicropayRequest::builder()
//!     .merchant_no("822290070111135")
//!     .term_no("29034705")
//!     .out_trade_no("T1")
//!     .auth_code("288576824003652810")
//!     .total_amount(Amount::from_fen(101)?)
//!     .location_info(LocationInfo::builder().request_ip("127.0.0.1").build()?)
//!     .build()?;
//! let outcome = client.micropay(request, MicropayOptions::new(PendingPolicy::ReturnPending)).await?;
//! assert!(matches!(outcome, PaymentOutcome::Succeeded { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Features
//!
//! - `hyper` (default): the default HTTP transport (hyper, Tokio, rustls on its
//!   `aws-lc-rs` provider). Without it, pass your own `HttpTransport`.
//! - `aws-lc` (default): `lakala-crypto`'s AWS-LC RSA backend (bundled and built with the C
//!   compiler, no system library), ahead of Lakala's Java SDKs on every operation
//!   (`BENCHMARKS.md`). With `default-features = false` and neither feature, the crate is
//!   pure Rust.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod answer;
mod auth;
pub mod binding;
mod client;
mod config;
pub mod config_file;
mod environment;
mod error;
mod micropay;
pub mod notification;
mod outcome;
mod payment_flow;
mod poll;
mod preauth;
mod runtime;

pub use answer::Answer;
pub use auth::AuthOutcome;
pub use client::{ClockDebug, LakalaClient, LakalaClientBuilder};
pub use config::{Config, CrossBorderCredentials, OpenPlatformCredentials, Timeouts};
pub use config_file::ConfigError;
pub use environment::{paths, Environment};
pub use error::ClientError;
pub use outcome::{
    Confirmation, FailureReason, OrderRef, PaymentOutcome, PendingPayment, PlatformAnswer,
    RevokeAttempt,
};
pub use payment_flow::{MicropayHandle, MicropayOptions};
pub use poll::{PendingPolicy, PollEvent, PollObserver, PollSchedule};
pub use preauth::PreOrderOutcome;
pub use runtime::{Sleeper, TokioSleeper};

pub use lakala_transport::{HttpTransport, TransportError};
