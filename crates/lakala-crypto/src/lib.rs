//! Every envelope, MAC and signature Lakala uses, byte-exact with the platform.
//!
//! A pure library: no networking, no async, no panics on any input. Two protocol families:
//!
//! - [`crossborder`]: the cross-border gateway (`/gate/auth`, protocol 3.0.0). A one-time
//!   key encrypts the business JSON (AES-128-ECB over GBK), RSA wraps the key, and an RSA
//!   "MAC" signs each message. Both sides: [`crossborder::Merchant`] and
//!   [`crossborder::Platform`].
//! - [`open_platform`]: the open platform (v2 pre-authorization, v3 micropay),
//!   SHA256withRSA in an `Authorization: LKLAPI-SHA256withRSA ...` header or `Lklapi-*`
//!   response headers.
//!
//! Keys ([`PrivateKey`], [`PublicKey`], [`Certificate`]) are parsed once and shared; private
//! key material and one-time keys are zeroized on drop and never printed by `Debug`.
//! Decrypted business data comes back as [`Plaintext`], whose `Debug` prints only its
//! length. Errors are one [`CryptoError`] whose messages are safe to log.
//!
//! # Example: a gate/auth request, byte for byte
//!
//! The shared reference vector, reproduced with the public sandbox merchant key:
//!
//! ```
//! use lakala_crypto::crossborder::Merchant;
//! use lakala_crypto::{PrivateKey, PublicKey, SecKey};
//!
//! let dir = "../../../shared/vectors/crossborder";
//! let merchant_key = PrivateKey::load(std::fs::read(format!("{dir}/sandbox-merchant-RZCP161200000-key.pem"))?)?;
//! let platform_key = PublicKey::load(std::fs::read(format!("{dir}/sandbox-platform-public-key.pem"))?)?;
//! let merchant = Merchant::new("RZCP161200000", merchant_key, platform_key);
//!
//! let biz = r#"{"orderNo":"123123123","bizType":"00","name":"蒋XX","certNo":"321111111111111111","certType":"00"}"#;
//! let key = SecKey::from_text("BDLLQ2J821P40UNVSSNFSEDUVROW0GDA")?; // fixed only to reproduce the vector
//! let sealed = merchant.seal_request_with_key("20160420194550123456", biz, key, &mut rand::rngs::OsRng)?;
//!
//! assert!(sealed.envelope.enc_data.starts_with("406CE518428B3324"));
//! assert!(sealed.envelope.mac.starts_with("3263213834A3071C"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Why AES-ECB
//!
//! The platform encrypts `encData` with Java's `AES/ECB/PKCS5Padding`. ECB is a weak mode,
//! but a different one would not interoperate: the platform decides. Each one-time key
//! encrypts one message, which limits what ECB can leak to repeated 16-byte blocks within it.
//!
//! # RSA backend
//!
//! All RSA work goes through one internal seam (PKCS#1 v1.5 encryption and decryption, the
//! block-type-1 private operation and its public inverse, SHA256withRSA), with two
//! implementations behind it ([`Backend`]):
//!
//! - [`Backend::RustCrypto`], the pure-Rust `rsa` crate: always compiled, and the default.
//! - `Backend::OpenSsl`, the system OpenSSL through the `openssl` crate, with the cargo
//!   feature `openssl` (off by default; building it needs the OpenSSL headers and
//!   pkg-config, Debian's `libssl-dev pkg-config`). Enabling the feature makes it the
//!   default backend of keys loaded from then on. It is 4x to 10x faster
//!   (`BENCHMARKS.md`).
//!
//! Either way every private-key operation is blinded (OpenSSL blinds RSA private-key
//! operations by default, and this crate never turns that off), every comparison of a
//! padded block is constant time, and keys are converted to the backend's form once, when
//! loaded ([`PrivateKey::with_backend`] moves a key to another backend). Both backends
//! produce and accept exactly the same bytes.
#![deny(missing_docs)]
// `unsafe` only in the AWS-LC backend's calls into C (`backend/aws_lc.rs`, which allows it).
#![deny(unsafe_code)]

mod backend;
#[doc(hidden)]
pub mod bench_seam;
mod certificate;
mod clock;
pub mod crossborder;
mod enc_data;
mod error;
mod gbk;
mod hex_text;
mod key_input;
mod keys;
pub mod open_platform;
mod plaintext;
mod sec_key;
mod ts;

pub use backend::Backend;
pub use certificate::{Certificate, ValidityCheck};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{CryptoError, KeyKind, MacKind, Result};
pub use keys::{PrivateKey, PublicKey};
pub use plaintext::Plaintext;
pub use sec_key::{SecKey, SEC_KEY_LEN};
pub use ts::{format_china_time, parse_ts, TsGenerator, TS_LEN};

/// Re-exported so callers can pass generators without naming `rand` themselves.
pub use rand;
