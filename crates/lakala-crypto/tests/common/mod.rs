//! Shared helpers of the integration tests: paths to `fixtures/lakala/` (Lakala's public
//! material, committed), test keys, the
//! `openssl` command line as an independent implementation, and running a test once on
//! each RSA backend compiled in.
#![allow(dead_code)]

use lakala_crypto::{Backend, Certificate, PrivateKey, PublicKey};
use rand::SeedableRng;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

thread_local! {
    static CURRENT: Cell<Backend> = Cell::new(Backend::default());
}

/// The backend this thread's test is running on (see [`each_backend`]).
pub fn backend() -> Backend {
    CURRENT.with(Cell::get)
}

/// Says which backend a failing test was on.
struct Announce(Backend);

impl Drop for Announce {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(Backend::default()));
        if std::thread::panicking() {
            eprintln!("(this failure is on the {} backend)", self.0);
        }
    }
}

/// Runs `test` once on each backend compiled in (three with the `openssl` feature); the
/// key helpers of this module, and [`OnBackend::on_backend`], hand out keys on it.
pub fn each_backend(mut test: impl FnMut(Backend)) {
    for &b in Backend::available() {
        let _announce = Announce(b);
        CURRENT.with(|c| c.set(b));
        test(b);
    }
}

/// [`each_backend`] for test bodies that return errors (proptest's `prop_assert!`).
pub fn try_each_backend<E>(mut test: impl FnMut(Backend) -> Result<(), E>) -> Result<(), E> {
    for &b in Backend::available() {
        let _announce = Announce(b);
        CURRENT.with(|c| c.set(b));
        test(b)?;
    }
    Ok(())
}

/// Moves a key (or a certificate's key) to the current test's backend.
pub trait OnBackend: Sized {
    fn on_backend(self) -> Self;
}

impl OnBackend for PrivateKey {
    fn on_backend(self) -> Self {
        let key = self.with_backend(backend()).unwrap();
        assert_eq!(key.backend(), backend());
        assert_eq!(key.public_key().backend(), backend());
        key
    }
}

impl OnBackend for PublicKey {
    fn on_backend(self) -> Self {
        let key = self.with_backend(backend()).unwrap();
        assert_eq!(key.backend(), backend());
        key
    }
}

impl OnBackend for Certificate {
    fn on_backend(self) -> Self {
        let cert = self.with_backend(backend()).unwrap();
        assert_eq!(cert.public_key().backend(), backend());
        cert
    }
}

/// `fixtures/lakala/`: Lakala's public keys, certificates and messages, committed with the
/// project (see its README).
pub fn vectors() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lakala");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

pub fn read(rel: &str) -> Vec<u8> {
    let path = vectors().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

/// At most this many backends are compiled in (OpenSSL, AWS-LC, RustCrypto).
const MAX_BACKENDS: usize = 3;

/// One generated key, and its conversion to each backend (in `Backend::available()`
/// order), made once per test binary.
type Seeded = (OnceLock<PrivateKey>, [OnceLock<PrivateKey>; MAX_BACKENDS]);

const fn seeded() -> Seeded {
    (
        OnceLock::new(),
        [OnceLock::new(), OnceLock::new(), OnceLock::new()],
    )
}

fn seeded_key(cell: &'static Seeded, seed: u64, bits: usize, on: Backend) -> &'static PrivateKey {
    let generated = cell.0.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        PrivateKey::generate(&mut rng, bits).unwrap()
    });
    let index = Backend::available().iter().position(|b| *b == on).unwrap();
    cell.1[index].get_or_init(|| {
        let key = generated.with_backend(on).unwrap();
        assert_eq!(key.backend(), on);
        assert_eq!(key.public_key().backend(), on);
        key
    })
}

/// A deterministic key pair of 1024 or 2048 bits on the current test's backend, generated
/// once per test binary.
pub fn key(bits: usize) -> &'static PrivateKey {
    key_on(bits, backend())
}

/// The same key as [`key`], on `backend` (for tests of one backend against another).
pub fn key_on(bits: usize, backend: Backend) -> &'static PrivateKey {
    static K1024: Seeded = seeded();
    static K2048: Seeded = seeded();
    match bits {
        1024 => seeded_key(&K1024, 1, 1024, backend),
        2048 => seeded_key(&K2048, 2, 2048, backend),
        _ => panic!("test keys are 1024 or 2048 bits"),
    }
}

/// A second 1024-bit key, for "wrong key" tests, on the current test's backend.
pub fn other_key() -> &'static PrivateKey {
    static OTHER: Seeded = seeded();
    seeded_key(&OTHER, 3, 1024, backend())
}

/// Every ordered pair of backends compiled in, the sender first: with three backends,
/// nine pairs, each backend with itself included.
pub fn pairs() -> Vec<(Backend, Backend)> {
    let all = Backend::available();
    all.iter()
        .flat_map(|&a| all.iter().map(move |&b| (a, b)))
        .collect()
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
