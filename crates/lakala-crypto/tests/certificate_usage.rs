//! Key usage: the certificates this crate issues are signing certificates like Lakala's,
//! as the `openssl` command line reads them, and `Certificate::load` refuses one whose key
//! usage leaves `digitalSignature` out, as Java's `Signature.initVerify(X509Certificate)`
//! does, while Lakala's real certificates still load.

mod common;

use common::{openssl, read};
use lakala_crypto::{Certificate, CryptoError, PrivateKey, ValidityCheck};
use std::path::Path;

const NOT_BEFORE: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
const NOT_AFTER: i64 = 2_524_607_999; // 2049-12-31T23:59:59Z

fn key() -> PrivateKey {
    PrivateKey::generate(&mut rand::thread_rng(), 1024).unwrap()
}

/// `openssl x509 -text` of a PEM certificate.
fn openssl_text(pem: &str) -> String {
    String::from_utf8(openssl(&["x509", "-noout", "-text"], pem.as_bytes())).unwrap()
}

/// The lines of `text` from the one containing `heading` (inclusive), two of them.
fn extension(text: &str, heading: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(heading))
        .unwrap_or_else(|| panic!("no {heading} in\n{text}"));
    lines[at..at + 2]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn issued_certificates_are_end_entity_signing_certificates() {
    let (cert, pem) = Certificate::self_signed(
        &key(),
        "sandbox open-platform notifications (signs notifications)",
        &[0x9a, 0x7e, 0x03],
        NOT_BEFORE,
        NOT_AFTER,
    )
    .unwrap();
    let text = openssl_text(&pem);
    assert_eq!(
        extension(&text, "X509v3 Basic Constraints"),
        "X509v3 Basic Constraints: critical | CA:FALSE",
        "{text}"
    );
    assert_eq!(
        extension(&text, "X509v3 Key Usage"),
        "X509v3 Key Usage: critical | Digital Signature",
        "{text}"
    );
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    assert!(!text.contains("Certificate Sign"), "{text}");
    assert!(
        text.contains("CN = sandbox open-platform notifications (signs notifications)"),
        "the subject names the role: {text}"
    );
    // What the crate reads back agrees with openssl.
    assert_eq!(cert.key_usage(), Some(&["digitalSignature"][..]));
    assert!(!cert.is_ca());
    let loaded = Certificate::load(&pem, ValidityCheck::At(1_800_000_000)).unwrap();
    assert_eq!(loaded.key_usage(), Some(&["digitalSignature"][..]));
    assert!(!loaded.is_ca());
}

/// Issues a self-signed certificate with the `openssl` command line, with extensions
/// `extensions` (lines of an openssl config section; empty for none).
fn openssl_certificate(dir: &Path, key: &PrivateKey, extensions: &str) -> String {
    let key_path = dir.join("key.pem");
    std::fs::write(&key_path, key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let config = dir.join("openssl.cnf");
    std::fs::write(
        &config,
        format!(
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = lakala-rs test CA\n[ext]\n{extensions}\n"
        ),
    )
    .unwrap();
    let mut args = vec![
        "req",
        "-x509",
        "-new",
        "-sha256",
        "-days",
        "3650",
        "-set_serial",
        "0x4c4b4c01",
        "-config",
        config.to_str().unwrap(),
        "-key",
        key_path.to_str().unwrap(),
    ];
    if !extensions.is_empty() {
        args.extend(["-extensions", "ext"]);
    }
    String::from_utf8(openssl(&args, b"")).unwrap()
}

#[test]
fn a_ca_certificate_is_refused_naming_its_key_usage() {
    let dir = tempfile::tempdir().unwrap();
    // What x509-cert's `Profile::Root` made, and the sandbox used to issue.
    let pem = openssl_certificate(
        dir.path(),
        &key(),
        "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign",
    );
    let error = Certificate::load(&pem, ValidityCheck::Now).unwrap_err();
    match &error {
        CryptoError::CertificateKeyUsage {
            serial,
            subject,
            key_usage,
        } => {
            assert_eq!(serial, "4c4b4c01");
            assert_eq!(subject, "CN=lakala-rs test CA");
            assert_eq!(key_usage, "keyCertSign, cRLSign");
        }
        other => panic!("expected CertificateKeyUsage, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("without digitalSignature") && message.contains("keyCertSign, cRLSign"),
        "{message}"
    );
    // Whatever the validity check: the usage is wrong at every time.
    assert!(matches!(
        Certificate::load(&pem, ValidityCheck::AllowExpired),
        Err(CryptoError::CertificateKeyUsage { .. })
    ));
}

#[test]
fn key_usage_without_digital_signature_is_refused_even_when_not_critical() {
    let dir = tempfile::tempdir().unwrap();
    let pem = openssl_certificate(
        dir.path(),
        &key(),
        "basicConstraints = CA:FALSE\nkeyUsage = keyEncipherment,dataEncipherment",
    );
    assert!(
        openssl_text(&pem).contains("X509v3 Key Usage: \n"),
        "the extension is not critical"
    );
    match Certificate::load(&pem, ValidityCheck::Now) {
        Err(CryptoError::CertificateKeyUsage { key_usage, .. }) => {
            assert_eq!(key_usage, "keyEncipherment, dataEncipherment")
        }
        other => panic!("expected CertificateKeyUsage, got {other:?}"),
    }
}

#[test]
fn digital_signature_among_others_or_no_key_usage_at_all_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    // A CA certificate that may also verify signatures: Java accepts it, and so do we.
    let pem = openssl_certificate(
        dir.path(),
        &key,
        "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,digitalSignature,keyCertSign",
    );
    let cert = Certificate::load(&pem, ValidityCheck::Now).unwrap();
    assert_eq!(
        cert.key_usage(),
        Some(&["digitalSignature", "keyCertSign"][..])
    );
    assert!(cert.is_ca());
    assert_eq!(*cert.public_key(), key.public_key());

    // No extensions at all: nothing restricts the key.
    let pem = openssl_certificate(dir.path(), &key, "");
    assert!(!openssl_text(&pem).contains("X509v3 Key Usage"));
    let cert = Certificate::load(&pem, ValidityCheck::Now).unwrap();
    assert_eq!(cert.key_usage(), None);
    assert!(!cert.is_ca());
}

#[test]
fn lakala_certificates_still_load() {
    let at = ValidityCheck::At(1_727_580_688); // 2024-09-29
    for name in ["lakala-apigw-v2-cert.pem", "lakala-apigw-notify-cert.pem"] {
        let cert = Certificate::load(read(&format!("openplatform/{name}")), at).unwrap();
        assert_eq!(cert.key_usage(), Some(&["digitalSignature"][..]), "{name}");
        assert!(!cert.is_ca(), "{name}");
        assert!(cert.subject().contains("CN=APIGW.LAKALA.COM"), "{name}");
    }
    let merchant = Certificate::load(read("openplatform/sandbox-OP00000003-cert.pem"), at).unwrap();
    assert_eq!(
        merchant.key_usage(),
        Some(&["digitalSignature", "keyEncipherment"][..])
    );
    assert!(!merchant.is_ca());
}
