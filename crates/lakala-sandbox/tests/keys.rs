//! The sandbox's certificates: signing certificates naming their roles, and CA
//! certificates written by older sandboxes re-issued over the same key and serial.

use lakala_crypto::{Certificate, PrivateKey, ValidityCheck};
use lakala_sandbox::{files, SandboxError, SandboxKeys};
use std::path::Path;
use std::process::Command;

#[test]
fn every_certificate_is_a_signing_certificate_naming_its_role() {
    let keys = SandboxKeys::generate().unwrap();
    for (issued, role) in [
        (keys.open_platform(), "API gateway (signs answers)"),
        (keys.open_notify(), "notifications (signs notifications)"),
        (keys.open_merchant(), "merchant (signs requests)"),
    ] {
        let cert = issued.cert();
        assert_eq!(cert.key_usage(), Some(&["digitalSignature"][..]), "{role}");
        assert!(!cert.is_ca(), "{role}");
        assert!(cert.subject().contains(role), "{}", cert.subject());
        assert!(
            cert.subject().contains("lakala-rs sandbox"),
            "{}",
            cert.subject()
        );
    }
}

/// Overwrites `dir/cert_name` with a CA certificate (what older sandboxes wrote) over the
/// key in `dir/key_name`, with serial `serial_hex`, made by the `openssl` command line.
fn write_ca_certificate(dir: &Path, key_name: &str, cert_name: &str, serial_hex: &str) {
    let config = dir.join("ca.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = lakala-rs sandbox notifications\n\
         [ext]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-new",
            "-sha256",
            "-days",
            "3650",
            "-extensions",
            "ext",
        ])
        .arg("-set_serial")
        .arg(format!("0x{serial_hex}"))
        .arg("-config")
        .arg(&config)
        .arg("-key")
        .arg(dir.join(key_name))
        .arg("-out")
        .arg(dir.join(cert_name))
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_ca_certificate_from_an_older_sandbox_is_reissued_with_the_same_key_and_serial() {
    let keys = SandboxKeys::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    keys.write(dir.path()).unwrap();
    let serial = keys.open_notify().serial_hex();
    write_ca_certificate(
        dir.path(),
        files::OPEN_NOTIFY_KEY,
        files::OPEN_NOTIFY_CERT,
        &serial,
    );
    let pem = std::fs::read(dir.path().join(files::OPEN_NOTIFY_CERT)).unwrap();
    assert!(
        matches!(
            Certificate::load(&pem, ValidityCheck::Now),
            Err(lakala_crypto::CryptoError::CertificateKeyUsage { .. })
        ),
        "the planted certificate is one Java would refuse"
    );

    let loaded = SandboxKeys::load(dir.path()).unwrap();
    let notify = loaded.open_notify();
    assert_eq!(notify.serial_hex(), serial, "the same serial");
    assert_eq!(
        *notify.cert().public_key(),
        keys.open_notify().key().public_key()
    );
    assert_eq!(notify.cert().key_usage(), Some(&["digitalSignature"][..]));
    assert!(!notify.cert().is_ca());
    // The other certificates are read as they were.
    assert_eq!(
        loaded.open_platform().cert_pem(),
        keys.open_platform().cert_pem()
    );
    assert_eq!(loaded.serial_no(), keys.serial_no());

    // Writing the keys back replaces the old file with the signing certificate.
    loaded.write(dir.path()).unwrap();
    let rewritten = std::fs::read(dir.path().join(files::OPEN_NOTIFY_CERT)).unwrap();
    let cert = Certificate::load(&rewritten, ValidityCheck::Now).unwrap();
    assert_eq!(cert.serial_hex(), serial);
}

#[test]
fn a_certificate_of_another_key_is_still_refused() {
    let keys = SandboxKeys::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    keys.write(dir.path()).unwrap();
    let other = PrivateKey::generate(&mut rand::thread_rng(), 2048).unwrap();
    std::fs::write(
        dir.path().join("other.key.pem"),
        other.to_pkcs8_pem().unwrap().as_bytes(),
    )
    .unwrap();
    write_ca_certificate(dir.path(), "other.key.pem", files::OPEN_PLATFORM_CERT, "01");
    match SandboxKeys::load(dir.path()) {
        Err(SandboxError::Key { path, reason }) => {
            assert!(path.ends_with(files::OPEN_PLATFORM_CERT), "{path:?}");
            assert!(reason.contains("does not certify"), "{reason}");
        }
        other => panic!("expected a key error, got {other:?}"),
    }
}
