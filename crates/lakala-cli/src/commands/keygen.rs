//! `lakala keygen`: an RSA key pair and a self-signed signing certificate (CA:FALSE, critical
//! key usage digitalSignature, like Lakala's own; see `Certificate::self_signed`).

use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use lakala_crypto::{Certificate, Clock, PrivateKey, SystemClock};
use serde_json::json;
use std::path::Path;

pub fn run(bits: usize, out: &Path, common_name: &str) -> Result<Report, Failure> {
    if !(1024..=4096).contains(&bits) {
        return Err(Failure::Usage(
            "--bits must be between 1024 and 4096".into(),
        ));
    }
    if common_name.trim().is_empty() || common_name.chars().count() > 64 {
        return Err(Failure::Usage(
            "--common-name must be 1 to 64 characters (X.520's limit)".into(),
        ));
    }
    std::fs::create_dir_all(out)?;
    let key = PrivateKey::generate(&mut rand::rngs::OsRng, bits)?;
    let now = SystemClock.unix_seconds();
    let serial: [u8; 8] = rand::random();
    let serial = if serial.iter().all(|b| *b == 0) {
        [1; 8]
    } else {
        serial
    };
    let (cert, cert_pem) = Certificate::self_signed(
        &key,
        common_name,
        &serial,
        now - 86_400,
        now + 10 * 365 * 86_400,
    )?;
    let private_path = out.join("private-key.pem");
    write_private(&private_path, key.to_pkcs8_pem()?.as_bytes())?;
    std::fs::write(out.join("public-key.pem"), key.public_key().to_spki_pem()?)?;
    std::fs::write(out.join("certificate.pem"), cert_pem)?;
    Ok(Report::new("generated", Exit::Success)
        .extra("serial_no", json!(cert.serial_hex()))
        .extra("dir", json!(out.display().to_string()))
        .line(format!(
            "wrote {}/private-key.pem, public-key.pem, certificate.pem",
            out.display()
        ))
        .line(format!(
            "RSA-{bits}, certificate serial_no {}",
            cert.serial_hex()
        )))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
