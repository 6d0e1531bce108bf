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
//! - SM4 (`SM4/ECB/PKCS5Padding`, base64) whole-message encryption of the open platform's
//!   `*_encry` routes: [`Sm4Key`], errors [`Sm4Error`].
//!
//! Keys ([`PrivateKey`], [`PublicKey`], [`Certificate`]) are parsed once and shared; private
//! key material and one-time keys are zeroized on drop and never printed by `Debug`.
//! Decrypted business data comes back as [`Plaintext`], whose `Debug` prints only its
//! length. Errors are one [`CryptoError`] whose messages are safe to log.
//!
//! # Example: a gate/auth request, byte for byte
//!
//! The reference request of the project's tests (`fixtures/lakala/crossborder/`), reproduced
//! with the sandbox keys Lakala publishes for merchant `RZCP161200000` (PEM text, hidden
//! here; `PrivateKey::load` and `PublicKey::load` take the bytes of a file just the same):
//!
//! ```
//! # const SANDBOX_MERCHANT_KEY: &str = "-----BEGIN PRIVATE KEY-----
//! # MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAIbyEihcDZbLfFhV
//! # pRU0knOtlzBhuWEjLBN4zd8dVzqAq52zWR04ybgZjjtlw+R9ICeJigmw2Dt3yy8S
//! # jpyMu5rYurTg/V0rGwayEuuE7aazi50nhZ/GYFRUVGIG0BoCI+73vsUmCO5EaUIJ
//! # P/E0ew1bLMV7SMPynoQ8G9jXj8rXAgMBAAECgYAmfpFNcAz0UjGzZSMFbIzGcONr
//! # CsV9/zGIkHJxzgXfC2tpPgsSuetZF/kp2nrKCCOPA74by5WzSRXt5KZH5CFzuwwq
//! # IBv5cn6AiKiVmro3AnHV+qqNtfGXwLottu0VYcBEY2IPKb7SQ4pP5I0H973hnxR4
//! # qRzMAMUmEBVMiuUR+QJBAObLUBTjd7AE4Sls3/vBsYsYLYFfmw/dRHaW6jnuNxPT
//! # fVtPTGjY3V/672Vs01/f6QdtHHpMN+2xUk+acErAJTUCQQCVrvakm5R2sQwPycSO
//! # 4mZW5sHKGbBosAkcY4llISVtxzSjgkPtBPVukCdNSGTuJX7+Ci8KolilrCc2XQCk
//! # H21bAkEAlcUAXd3TEL3J5BkMLRLgBTSWaytAtAXR5OdAboGA6nPHGJcYLb31wtBT
//! # xEzfyorCbRhIb7DAZpY4pQHCty+DtQJATFwCdPztYxN03MUIof+7R4/WwpwSU4Wi
//! # UDozCEU9i+A46UT2E/8YmbuuYQ2Sd67nNv/I+brSUEofgus0/YUOywJBAMPu5o9g
//! # uMsAjVqvXuxbkFpblYGZO/BrwiuLGDWEj4DZFqrIDmqgA6edy3HSoZ7U69BJZLTP
//! # b9DeebEiebmJZUI=
//! # -----END PRIVATE KEY-----";
//! # const SANDBOX_PLATFORM_KEY: &str = "-----BEGIN PUBLIC KEY-----
//! # MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDPg0O4rPQJL1O+jqJ4rBjFVNRA
//! # uDmBSoii9pYfPQBaescCVY0irkWWoLyfTT65TjvnPpOx+IfNzBTlB13qCEFm7alg
//! # REoeUHjFgFNHiXJ2LK/R0+VWgXe5+EDFfbrFCPnmLKG3OcKDGQszP0VOf6VVTM1t
//! # 56CpgaRMm1/+Tzd2TQIDAQAB
//! # -----END PUBLIC KEY-----";
//! use lakala_crypto::crossborder::Merchant;
//! use lakala_crypto::{PrivateKey, PublicKey, SecKey};
//!
//! let merchant_key = PrivateKey::load(SANDBOX_MERCHANT_KEY)?;
//! let platform_key = PublicKey::load(SANDBOX_PLATFORM_KEY)?;
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
//! block-type-1 private operation and its public inverse, SHA256withRSA), with up to three
//! implementations behind it ([`Backend`]):
//!
//! - `Backend::AwsLc`, the default: AWS-LC, compiled from the sources bundled in the
//!   `aws-lc-sys` crate by the C compiler (cargo feature `aws-lc`, a default feature).
//!   Nothing to install: no system library, no headers, no pkg-config.
//! - [`Backend::RustCrypto`], the pure-Rust `rsa` crate: always compiled, and the only
//!   backend with `default-features = false` (for targets without a C compiler).
//! - `Backend::OpenSsl`, the system OpenSSL through the `openssl` crate (feature
//!   `openssl`, off by default; building it needs the OpenSSL headers and pkg-config,
//!   Debian's `libssl-dev pkg-config`). When enabled it is the default backend.
//!
//! ## Why AWS-LC by default, and through its C API
//!
//! A merchant leaving Lakala's Java SDKs should not get something slower. Measured in one
//! run against the JDK doing what those SDKs do (`BENCHMARKS.md`), the pure-Rust `rsa` 0.9
//! backend signs RSA-2048 requests at about 0.6x the JDK and verifies RSA-2048 answers at
//! about 0.2x; AWS-LC is ahead of the JDK on every merchant operation. The alternatives
//! measured:
//!
//! - `aws-lc-rs`'s safe API (rustls' default provider) refuses private and encryption keys
//!   under 2048 bits, verifies 1024-bit signatures only as `DigestInfo` signatures and has
//!   no raw block-type-1 operation. Lakala's cross-border keys are RSA-1024 and its MAC is
//!   exactly a raw block-type-1 operation, so the whole gate/auth envelope would stay on
//!   the pure-Rust path, at 0.5x to 1.0x the JDK. The backend therefore calls the five
//!   `RSA_*` functions of AWS-LC's C API that the OpenSSL backend calls on OpenSSL (AWS-LC
//!   keeps OpenSSL's RSA API) through `aws-lc-sys`, for every key size and operation: one
//!   code path, the same checks as the OpenSSL backend, no per-call context allocation.
//!   That module (`backend/aws_lc.rs`) is the only `unsafe` code of the crate.
//! - `rsa` 0.10 makes public-key operations about 2.5x faster than 0.9 but private-key
//!   operations about 0.7x; a merchant call (one private, one or two public operations)
//!   is slower on it than on 0.9, and still behind the JDK on RSA-2048 signing.
//!
//! AWS-LC is also what rustls uses for TLS in `lakala-transport` (its `aws-lc-rs`
//! provider, which links the same `aws-lc-sys`), so a default program carries one C crypto
//! library, not two.
//!
//! Every backend blinds every private-key operation (AWS-LC always does; OpenSSL does by
//! default, and this crate never turns that off), compares every padded block in constant
//! time, and has keys converted to its form once, when loaded
//! ([`PrivateKey::with_backend`] moves a key to another backend). All of them produce and
//! accept exactly the same bytes: the test suite runs on each backend and on every pair
//! (one signs or seals, another verifies or opens).
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
mod public_key_load;
mod seam_timing;
mod sec_key;
mod sm4;
mod ts;

pub use self::sm4::{Sm4Error, Sm4Key, SM4_KEY_LEN};
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
