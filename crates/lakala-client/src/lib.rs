//! The Lakala client: typed calls and flows for cross-border identity verification
//! (`/gate/auth`), scan-code pre-authorization (open platform v2) and barcode payment
//! "micropay" (open platform v3), built on `lakala-crypto`, `lakala-types` and
//! `lakala-transport`.
//!
//! - Every open-platform request is signed; every answer's signature is verified before
//!   its body is trusted. Every cross-border answer's MAC is verified before decryption.
//! - Every answer is bound to its request ([`binding`]): a genuine answer about another
//!   order or another appid is [`ClientError::ForeignAnswer`], never this order's outcome.
//! - [`LakalaClient::micropay`] never misreports a payment: it is
//!   [`Succeeded`](PaymentOutcome::Succeeded) only on a verified success about this very
//!   order, [`Failed`](PaymentOutcome::Failed) only on evidence that no money moved (a
//!   definite refusal naming the order, a trade query finding it `FAIL`, `CLOSE` or
//!   `REFUND`, a request that never left), and otherwise queries: on `DCP10000`,
//!   `BBS10000`, `need_query`, any code that is not conclusive
//!   ([`lakala_types::code_class`]), a timeout or a lost connection, on the spec's schedule,
//!   then it applies the caller's [`PendingPolicy`].
//! - Micropay goes to the `dcp` route or the `labs` one ([`MicropayRoute`], a setting of
//!   the configuration); the same rules, binding, journal and resolver serve both.
//! - The micropay flow runs on its own tokio task ([`LakalaClient::start_micropay`]): a
//!   caller that drops the future does not stop it, and its outcome still reaches the
//!   [`PollObserver`] ([`PollEvent::Finished`]) and the log. Its limits: the task lives as
//!   long as the runtime and the process; a process that dies mid-flow loses it unless the
//!   payment is journaled.
//! - [`LakalaClient::preorder`] (labs 聚合主扫) journals a pre-order, sends it, hands back
//!   what the customer pays with (a QR code, WeChat pay-sign fields...) and follows the
//!   order on its own task until paid, closed or failed ([`PreorderOutcome`]; "Closed
//!   means never paid" below). [`LakalaClient::idm_refund`] refunds by the merchant's order,
//!   journaled and settled by the refund query like [`LakalaClient::refund`].
//! - The `*_encry` routes ([`sealing`]): a request carrying the buyer's identity is only
//!   sent sealed with the merchant's SM4 key; any other may be ([`Encryption::Always`]).
//! - Business refusals are typed outcomes ([`AuthOutcome`], [`PreOrderOutcome`],
//!   [`PaymentOutcome`]); [`ClientError`] is for exchanges that produced no trusted answer.
//! - [`notification`] handles the platform's notifications without any web framework,
//!   idempotently: a redelivery of an answered notification gets the same answer again,
//!   one whose processing failed is processed again.
//! - [`LakalaClient::from_config`] starts a whole service from `lakala.toml` and `LAKALA_*`
//!   ([`config_file`]): the client, its journal (`[journal]`), a stable instance name held
//!   for the process's life, and the resolver (`[resolver]`); the application's own keys
//!   live in `[service]` ([`Config::service`]). A journaled client without a resolver warns.
//! - [`till::TillStatus`] is what a till is told: `paid`, `failed`, `pending` or `unknown`,
//!   the same small JSON from an outcome or a journal record, nothing personal;
//!   [`MicropayHandle::outcome_within`] answers within the till's patience.
//! - [`reconcile`] checks the journal against the platform by query, day by day: what
//!   agrees, what it finishes, what the platform contradicts (marked for a person), what
//!   the platform cannot find ([`reconcile_report`]); it never sends anything that moves
//!   money.
//! - Calls are instrumented with `tracing` spans carrying order numbers and outcomes, never
//!   personal data or secrets.
//!
//! # Settled stays settled
//!
//! **The rule.** Nothing that moves money (micropay, revoke, refund) is sent again, or sent
//! by the SDK on its own (a [`PendingPolicy::Revoke`], the [`resolver`], a resume after a
//! crash), unless the journal and a fresh query both say it is still wanted, under a
//! lease renewed (fenced) immediately before the send. One module decides it, and the
//! functions that send on the SDK's initiative take its permit:
//!
//! - a micropay is sent again only under the same number, with the same auth code
//!   (compared by an HMAC-SHA256 keyed by a secret derived from the merchant's private
//!   key, journaled with the intent; never the masked code), when the journal never saw it
//!   sent (`recorded`), past its in-flight window (twice the request timeout), and a fresh
//!   trade query says the order does not exist
//!   ([`V3Code::says_order_not_found`](lakala_types::micropay::V3Code::says_order_not_found));
//!   another auth code is refused ([`ClientError::OtherAuthCode`]);
//! - the SDK revokes on its own only a payment it never reported or journaled succeeded,
//!   not final, never revoked before, that a fresh query found still in progress. A
//!   merchant's explicit [`LakalaClient::revoke`] is theirs;
//! - a revoke or refund is never sent again: an earlier revoke whose fate is unknown is
//!   settled by querying its payment (`REFUND` after it: revoked; paid or failed once the
//!   revoke cannot be in flight: moot), a refund by the refund query. Each is journaled
//!   linked to its payment (`origin_out_trade_no`) and closes when the payment's fate makes
//!   it moot;
//! - inconclusive is not "not found": only the codes listed as "no such order" count as
//!   not found; every other code, a `BBS00000` without `trade_state`, a transport failure
//!   leaves the payment open, to be queried again;
//! - a success is bound to the merchant: a micropay answer names no `merchant_no`, so a
//!   success that does not name it is confirmed by a trade query (whose answer must name
//!   it) before it is reported. The SDK always does this rather than guess whether the
//!   appid serves one merchant or several;
//! - a resolver claims only what it can finish inside its lease, renews the lease (fenced)
//!   before each payment and right before each send, and abandons a payment the moment a
//!   renewal or a fenced write fails, with nothing sent;
//! - a fact the platform gave (a final status, `trade_no`, amount) is never overwritten by
//!   one that disagrees: the journal keeps both, marks the payment `conflict` for a person,
//!   [`metrics::CONFLICTS`] counts it and [`LakalaClient::settled_events`] announces it.
//!
//! **The invariants** it keeps, whatever crashes, timeouts, redeliveries and concurrent
//! resolvers happen:
//!
//! - (a) no payment reported or journaled succeeded ends not paid on the platform, and
//!   none reported failed ends paid;
//! - (b) at most one micropay and one executed revoke per payment, and no refund beyond
//!   what was asked;
//! - (c) every payment ends final, or open for a person (`unresolved`, `conflict`), never
//!   forgotten;
//! - (d) the journal agrees with the platform (and where they disagree, says so).
//!
//! # Closed means never paid
//!
//! **The rule of pre-orders** ([`LakalaClient::preorder`], where the customer pays on
//! their phone and may never do so): a pre-order is reported [`PreorderOutcome::Closed`]
//! only when a trade query about this very order found it `CLOSE`, and
//! [`PreorderOutcome::Paid`] only when one found it paid (naming the merchant). Never from
//! a close's own answer: a close the SDK sends (asked by the merchant, past the order's
//! expiry plus a margin and still unpaid, or because the customer has nothing to pay with)
//! is always followed by a query, and a close whose answer is lost, inconclusive or a
//! refusal is settled by that query: if the customer paid first, the truth is "paid",
//! reported as such, never "closed". One function decides it
//! ([`preorder_outcome`]'s `settled_by_query`), for the live flow and the resolver alike.
//! A close moves no money, so it may be sent again while the order is still open; the
//! pre-order itself, like a micropay, is journaled before it is sent and never sent again.
//!
//! A payment that provably never reached the platform is not left pending for hours: it is
//! sent when the till retries it (after waiting out the in-flight window), or the resolver
//! ends it failed, never sent ([`FailureReason::NotSent`]), nothing charged.
//!
//! # Example
//!
//! A micropay against an in-process stand-in for the platform (any [`HttpTransport`] will
//! do; the default is hyper + rustls):
//!
//! ```
//! use lakala_client::{Config, Environment, LakalaClient, MicropayOptions, OpenPlatformCredentials, PaymentOutcome, PendingPolicy};
//! use lakala_crypto::open_platform::{Authorization, PlatformSigner};
//! use lakala_crypto::{Certificate, PrivateKey};
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
//!         let body = br#"{"code":"DCP00000","msg":"OK","resp_time":"20240102030405","resp_data":{"need_query":"0","out_trade_no":"T1","merchant_no":"822290070111135","trade_no":"2024010233210000001"}}"#.to_vec();
//!         let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
//!         let headers = self.0.sign_response("OP00000003", &body, now, "nonce").unwrap();
//!         let headers = headers.to_pairs().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//!         Ok(HttpResponse { status: 200, headers, body })
//!     }
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! # rt.block_on(async {
//! // One key pair and its self-signed certificate play both parts here; a merchant loads
//! // its key and Lakala's certificate from files (`PrivateKey::load`, `Certificate::load`).
//! let key = PrivateKey::generate(&mut rand::thread_rng(), 2048)?;
//! let (cert, _pem) = Certificate::self_signed(&key, "doc example", &[0xdf, 0xba, 0x81], 1_704_067_200, 2_524_607_999)?;
//! let cert_serial = cert.serial_hex();
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
//!     .transport(Arc::new(Platform(PlatformSigner::new(cert_serial, key))))
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
mod auth_digest;
pub mod binding;
pub mod certificates;
pub mod china_day;
mod client;
mod clock;
mod companion_calls;
mod companion_class;
pub mod companion_outcome;
mod config;
mod config_error;
pub mod config_file;
mod environment;
mod error;
pub mod events;
mod idm_refund;
pub mod metrics;
mod micropay;
pub mod micropay_route;
mod money_gate;
pub mod notification;
pub mod outcome;
mod patience;
pub mod payer;
mod payment_flow;
mod poll;
mod preauth;
pub mod preorder;
mod preorder_close;
mod preorder_flow;
mod preorder_options;
pub mod preorder_outcome;
pub mod reconcile;
mod reconcile_check;
pub mod reconcile_report;
mod recorder;
pub mod resolver;
mod resolver_config;
mod resolver_watch;
mod revoke_number;
mod runtime;
pub mod sealing;
pub mod service;
mod service_config;
mod settle;
pub mod till;
mod timing;
mod verdict;

pub use answer::Answer;
pub use auth::AuthOutcome;
pub use certificates::{CertificateFiles, CertificateSet, Certificates};
pub use client::{LakalaClient, LakalaClientBuilder};
pub use clock::ClockDebug;
pub use companion_outcome::{CloseOutcome, RefundEvidence, RefundOutcome, RevokeOutcome, SettleBy};
pub use config::{
    Config, CrossBorderCredentials, MerchantProfile, OpenPlatformCredentials, Timeouts,
};
pub use config_error::ConfigError;
pub use environment::{paths, Environment};
pub use error::ClientError;
pub use events::{SettledEvent, SettledObserver};
pub use micropay_route::MicropayRoute;
pub use outcome::{
    Confirmation, FailureReason, OrderRef, PaymentOutcome, PendingPayment, PlatformAnswer,
    RevokeAttempt,
};
pub use payment_flow::{MicropayHandle, MicropayOptions};
pub use poll::{PendingPolicy, PollEvent, PollObserver, PollSchedule};
pub use preauth::PreOrderOutcome;
pub use preorder::PreorderHandle;
pub use preorder_options::{PreorderOptions, DEFAULT_VALIDITY};
pub use preorder_outcome::{CloseAttempt, ClosedBy, PendingPreorder, PreorderOutcome};
pub use revoke_number::revoke_number;
pub use runtime::{Sleeper, TokioSleeper};
pub use sealing::Encryption;
pub use service::{LakalaService, StartError};
pub use service_config::{JournalSettings, ResolverSettings};

pub use lakala_transport::{HttpTransport, TransportError};
