//! The fixed test keys of `fixtures/keys/`, loaded once per process: no RSA key is
//! generated in a run.
//!
//! The 1024-bit fixture keys stand in for the merchant's and the platform's open-platform
//! keys: the protocol is the same at any key size, and a run signs a few hundred messages,
//! which 1024-bit keys do several times faster than 2048-bit ones.

use lakala_crypto::{Certificate, PrivateKey};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The simulated merchant's open-platform appid.
pub const APPID: &str = "OP00000003";
/// The merchant certificate's serial as the requests name it.
pub const MERCHANT_SERIAL: &str = "00dfba8194c41b84cf";

/// The keys and certificates of a simulation.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The merchant's key (signs requests).
    pub merchant: PrivateKey,
    /// The platform's key (signs answers and notifications).
    pub platform: PrivateKey,
    /// A certificate carrying the platform's key, as the client is configured with it.
    pub platform_cert: Certificate,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/keys")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Keys {
    /// The keys, loaded (and the platform's certificate made) once per process.
    pub fn get() -> &'static Keys {
        static KEYS: OnceLock<Keys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let merchant = PrivateKey::load(fixture("crossborder-merchant-1024.key.pem"))
                .expect("fixture merchant key");
            let platform = PrivateKey::load(fixture("crossborder-platform-1024.key.pem"))
                .expect("fixture platform key");
            let start = i64::try_from(crate::clock::START_UNIX).unwrap_or(i64::MAX);
            let (platform_cert, _) = Certificate::self_signed(
                &platform,
                "lakala-sim platform",
                &[0x01, 0x53, 0x49, 0x4d],
                start - 86_400,
                start + 10 * 365 * 86_400,
            )
            .expect("self-signed platform certificate");
            Keys {
                merchant,
                platform,
                platform_cert,
            }
        })
    }
}
