//! What the fuzz targets share: keys loaded once per process, a fixed "now", a runtime, and
//! small input splitters. Nothing here is used outside fuzzing.

use lakala_crypto::{Backend, Certificate, PrivateKey, PublicKey};
use std::sync::OnceLock;

/// The fixed "now" of every target (2024-09-29, inside the fixture certificates' validity).
pub const NOW: i64 = 1_727_580_688;

/// The cross-border merchant id the targets use.
pub const MER_ID: &str = "DOPCHN000258";

/// The open-platform appid the targets use.
pub const APPID: &str = "OP00000003";

/// Every key the targets need, loaded once per process, with each key also on every RSA
/// backend (moving a key between backends is slow: never per input).
///
/// They are `fuzz/keys/`, not the keys of `fixtures/keys/`: the seeds are made from the
/// fixtures, whose vectors are genuinely signed with those, and a target asserts that
/// nothing it did not sign itself verifies.
pub struct Keys {
    /// Open platform: the API gateway key (signs answers).
    pub op_platform: PrivateKey,
    /// Its certificate.
    pub op_platform_cert: Certificate,
    /// The gateway's public key on every backend.
    pub op_platform_public: Vec<PublicKey>,
    /// Open platform: the notification key.
    pub op_notify: PrivateKey,
    /// The notification public key on every backend.
    pub op_notify_public: Vec<PublicKey>,
    /// Open platform: the merchant key (signs requests).
    pub op_merchant: PrivateKey,
    /// Its certificate.
    pub op_merchant_cert: Certificate,
    /// Cross-border merchant key.
    pub cb_merchant: PrivateKey,
    /// The cross-border merchant key on every backend.
    pub cb_merchant_all: Vec<PrivateKey>,
    /// Cross-border platform key.
    pub cb_platform: PrivateKey,
    /// The cross-border platform key on every backend.
    pub cb_platform_all: Vec<PrivateKey>,
}

fn load(pem: &[u8]) -> PrivateKey {
    PrivateKey::load(pem).expect("fuzz key loads")
}

fn certificate(key: &PrivateKey, name: &str, serial: &[u8]) -> Certificate {
    Certificate::self_signed(key, name, serial, NOW - 86_400, NOW + 365 * 86_400)
        .expect("self-signed certificate")
        .0
}

/// The keys, loaded on first use.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let op_platform = load(include_bytes!("../keys/op-platform.key.pem"));
        let op_notify = load(include_bytes!("../keys/op-notify.key.pem"));
        let op_merchant = load(include_bytes!("../keys/op-merchant.key.pem"));
        let cb_merchant = load(include_bytes!("../keys/cb-merchant.key.pem"));
        let cb_platform = load(include_bytes!("../keys/cb-platform.key.pem"));
        Keys {
            op_platform_cert: certificate(&op_platform, "FUZZ.PLATFORM", &[0x01, 0x74]),
            op_platform_public: on_every_backend(&op_platform.public_key()),
            op_platform,
            op_notify_public: on_every_backend(&op_notify.public_key()),
            op_notify,
            op_merchant_cert: certificate(&op_merchant, "FUZZ.MERCHANT", &[0x02, 0x75]),
            op_merchant,
            cb_merchant_all: private_on_every_backend(&cb_merchant),
            cb_merchant,
            cb_platform_all: private_on_every_backend(&cb_platform),
            cb_platform,
        }
    })
}

/// `key` on every RSA backend compiled in (OpenSSL and RustCrypto here).
pub fn on_every_backend(key: &PublicKey) -> Vec<PublicKey> {
    Backend::available()
        .iter()
        .map(|b| {
            key.with_backend(*b)
                .expect("a public key moves to every backend")
        })
        .collect()
}

/// `key` on every RSA backend compiled in.
pub fn private_on_every_backend(key: &PrivateKey) -> Vec<PrivateKey> {
    Backend::available()
        .iter()
        .map(|b| {
            key.with_backend(*b)
                .expect("a private key moves to every backend")
        })
        .collect()
}

/// A current-thread Tokio runtime for the async APIs, one per process.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

/// Splits at the first `sep`; without one, everything is the head.
pub fn split_once<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], &data[i + sep.len()..]),
        None => (data, &[]),
    }
}

/// Header lines `Name: value`, one a line, as pairs (lines without a colon are skipped).
pub fn header_pairs(head: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
