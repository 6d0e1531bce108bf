//! Shared helpers of the integration tests: paths to `../shared/vectors`, test keys, and
//! the `openssl` command line as an independent implementation.
#![allow(dead_code)]

use lakala_crypto::{PrivateKey, PublicKey};
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// `../shared/vectors` seen from the workspace root.
pub fn vectors() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    assert!(
        dir.is_dir(),
        "{} is missing: the shared vectors must sit beside the checkout",
        dir.display()
    );
    dir
}

pub fn read(rel: &str) -> Vec<u8> {
    let path = vectors().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

fn seeded_key(cell: &'static OnceLock<PrivateKey>, seed: u64, bits: usize) -> &'static PrivateKey {
    cell.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        PrivateKey::generate(&mut rng, bits).unwrap()
    })
}

/// A deterministic key pair of 1024 or 2048 bits, generated once per test binary.
pub fn key(bits: usize) -> &'static PrivateKey {
    static K1024: OnceLock<PrivateKey> = OnceLock::new();
    static K2048: OnceLock<PrivateKey> = OnceLock::new();
    match bits {
        1024 => seeded_key(&K1024, 1, 1024),
        2048 => seeded_key(&K2048, 2, 2048),
        _ => panic!("test keys are 1024 or 2048 bits"),
    }
}

/// A second 1024-bit key, for "wrong key" tests.
pub fn other_key() -> &'static PrivateKey {
    static OTHER: OnceLock<PrivateKey> = OnceLock::new();
    seeded_key(&OTHER, 3, 1024)
}

pub fn public(bits: usize) -> PublicKey {
    key(bits).public_key()
}

/// Runs `openssl` with `args`, feeding `stdin`, and returns stdout; fails the test on a
/// non-zero exit. There is deliberately no fallback: these tests must not skip.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    run("openssl", args, stdin)
}

pub fn run(program: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (install it; .ci/run does): {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Text to GBK bytes with `iconv`, independently of our encoder.
pub fn gbk(text: &str) -> Vec<u8> {
    run("iconv", &["-f", "UTF-8", "-t", "GBK"], text.as_bytes())
}
