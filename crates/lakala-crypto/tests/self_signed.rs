//! `Certificate::self_signed`: what it issues, `openssl x509` parses, and `Certificate::load`
//! reads back with the same serial and key.

mod common;

use common::{each_backend, OnBackend};
use lakala_crypto::{Certificate, PrivateKey, ValidityCheck};
use std::process::Command;

const NOT_BEFORE: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
const NOT_AFTER: i64 = 2_524_607_999; // 2049-12-31T23:59:59Z

fn key(bits: usize) -> PrivateKey {
    PrivateKey::generate(&mut rand::thread_rng(), bits)
        .unwrap()
        .on_backend()
}

#[test]
fn openssl_parses_it_and_load_reads_back_serial_and_key() {
    each_backend(|_| {
        let key = key(2048);
        let (cert, pem) = Certificate::self_signed(
            &key,
            "lakala-rs sandbox",
            &[0xdf, 0xba, 0x81, 0x94, 0xc4, 0x1b, 0x84, 0xcf, 0x01],
            NOT_BEFORE,
            NOT_AFTER,
        )
        .unwrap();
        assert_eq!(cert.serial_hex(), "00dfba8194c41b84cf01");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pem");
        std::fs::write(&path, &pem).unwrap();
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&path)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("sha256WithRSAEncryption"), "{text}");
        assert!(
            text.contains("CN = lakala-rs sandbox") || text.contains("CN=lakala-rs sandbox"),
            "{text}"
        );
        assert!(text.contains("df:ba:81:94:c4:1b:84:cf:01"), "{text}");
        assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
        assert!(text.contains("Jan  1 00:00:00 2024 GMT"), "{text}");
        assert!(text.contains("Dec 31 23:59:59 2049 GMT"), "{text}");

        // openssl verifies the self-signature.
        let verify = Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(&path)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stdout)
        );

        let loaded = Certificate::load(&pem, ValidityCheck::At(1_800_000_000))
            .unwrap()
            .on_backend();
        assert_eq!(loaded.serial_hex(), cert.serial_hex());
        assert_eq!(*loaded.public_key(), key.public_key());
        assert_eq!(loaded.not_before(), NOT_BEFORE);
        assert_eq!(loaded.not_after(), NOT_AFTER);
        assert_eq!(loaded.subject(), "CN=lakala-rs sandbox");
    });
}

#[test]
fn deterministic_and_handles_dates_after_2049_and_special_names() {
    each_backend(|_| {
        let key = key(1024);
        let a = Certificate::self_signed(&key, "a, b+c", &[1], 0, 4_102_444_800).unwrap();
        let b = Certificate::self_signed(&key, "a, b+c", &[1], 0, 4_102_444_800).unwrap();
        assert_eq!(a.1, b.1);
        assert_eq!(a.0.serial_hex(), "01");
        assert_eq!(a.0.not_after(), 4_102_444_800); // 2100-01-01, a GeneralizedTime
        let loaded = Certificate::load(&a.1, ValidityCheck::At(1)).unwrap();
        assert_eq!(loaded.subject(), a.0.subject());
    });
}

#[test]
fn refuses_bad_arguments() {
    each_backend(|_| {
        let key = key(1024);
        assert!(Certificate::self_signed(&key, "x", &[0, 0], 0, 1).is_err());
        assert!(Certificate::self_signed(&key, "x", &[1], 10, 5).is_err());
        assert!(Certificate::self_signed(&key, "x", &[1], -1, 5).is_err());
        assert!(Certificate::self_signed(&key, "x", &[0xff; 21], 0, 5).is_err());
    });
}
