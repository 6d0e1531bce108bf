//! Key and certificate loading: private keys, public keys (PEM, DER, Lakala's base64 DER)
//! and X.509 certificates, then every operation a loaded key offers, on both backends.
//!
//! Input: the bytes of a key or certificate file.
#![no_main]

use lakala_crypto::{Backend, Certificate, PrivateKey, PublicKey, ValidityCheck};
use lakala_fuzz::NOW;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PrivateKey::load(data) {
        let public = key.public_key();
        for backend in Backend::available() {
            let moved = key
                .with_backend(*backend)
                .expect("a loaded key moves to every backend");
            assert_eq!(moved.public_key(), public);
            assert_eq!(moved.bits(), key.bits());
        }
        let pem = key.to_pkcs8_pem().expect("a loaded key writes as PKCS#8");
        let again = PrivateKey::load(pem.as_bytes()).expect("a written key loads again");
        assert_eq!(again.public_key(), public);
        assert!(
            !format!("{key:?}").contains("PRIVATE"),
            "Debug shows key material"
        );
    }
    if let Ok(key) = PublicKey::load(data) {
        for backend in Backend::available() {
            let moved = key
                .with_backend(*backend)
                .expect("a loaded key moves to every backend");
            assert_eq!(moved, key);
        }
        let pem = key.to_spki_pem().expect("a loaded key writes as SPKI");
        assert_eq!(PublicKey::load(pem.as_bytes()).expect("loads again"), key);
        let b64 = key
            .to_base64_der()
            .expect("a loaded key writes as base64 DER");
        assert_eq!(PublicKey::load(b64.as_bytes()).expect("loads again"), key);
    }
    for check in [ValidityCheck::AllowExpired, ValidityCheck::At(NOW)] {
        if let Ok(cert) = Certificate::load(data, check) {
            let _ = (
                cert.serial_hex(),
                cert.subject(),
                cert.not_before(),
                cert.not_after(),
            );
            let _ = cert.check_validity(ValidityCheck::At(NOW));
            for backend in Backend::available() {
                let moved = cert
                    .with_backend(*backend)
                    .expect("a certificate's key moves to every backend");
                assert_eq!(moved.public_key(), cert.public_key());
            }
        }
    }
});
