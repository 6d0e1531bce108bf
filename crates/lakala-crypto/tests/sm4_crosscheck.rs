//! SM4 (`*_encry` bodies) cross-checked against two independent implementations run as
//! child processes: the `openssl enc -sm4-ecb` command line and Python's `cryptography`
//! package (OpenSSL underneath, but its own padding and base64). Both are required: a test
//! fails when one is missing (`.ci/run` installs them).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{openssl, run};
use lakala_crypto::{Sm4Error, Sm4Key};
use rand::{Rng, SeedableRng};

/// GB/T 32907-2016 appendix A.1, example 1: key = plaintext.
const GBT_KEY: &str = "0123456789abcdeffedcba9876543210";
const GBT_CIPHERTEXT: &str = "681edf34d206965e86b3e94f536e4246";

/// The SDK's own example key (base64 of 16 bytes).
const SDK_KEY: &str = "dRzPaYd7z6vYn9sL/JTZ3A==";

fn openssl_seal(key: &Sm4Key, plaintext: &[u8]) -> String {
    let hex_key = hex::encode(key.expose_bytes());
    let out = openssl(&["enc", "-sm4-ecb", "-K", &hex_key, "-a", "-A"], plaintext);
    String::from_utf8(out).unwrap().trim().to_owned()
}

fn openssl_open(key: &Sm4Key, body: &str) -> Vec<u8> {
    let hex_key = hex::encode(key.expose_bytes());
    openssl(
        &["enc", "-d", "-sm4-ecb", "-K", &hex_key, "-a", "-A"],
        body.as_bytes(),
    )
}

const PYTHON: &str = r#"
import base64, sys
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
mode, key_b64, data = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
cipher = Cipher(algorithms.SM4(base64.b64decode(key_b64)), modes.ECB())
if mode == "seal":
    p = padding.PKCS7(128).padder()
    e = cipher.encryptor()
    sys.stdout.write(base64.b64encode(e.update(p.update(data) + p.finalize()) + e.finalize()).decode())
else:
    d = cipher.decryptor()
    u = padding.PKCS7(128).unpadder()
    sys.stdout.buffer.write(u.update(d.update(base64.b64decode(data)) + d.finalize()) + u.finalize())
"#;

fn python(mode: &str, key: &Sm4Key, input: &[u8]) -> Vec<u8> {
    run(
        "python3",
        &["-c", PYTHON, mode, &key.expose_base64()],
        input,
    )
}

#[test]
fn the_standard_vector_through_openssl() {
    let key = Sm4Key::from_hex(GBT_KEY).unwrap();
    let hex_key = hex::encode(key.expose_bytes());
    let raw = openssl(
        &["enc", "-sm4-ecb", "-K", &hex_key, "-nopad"],
        &hex::decode(GBT_KEY).unwrap(),
    );
    assert_eq!(hex::encode(&raw), GBT_CIPHERTEXT);
    assert_eq!(
        hex::encode(&key.encrypt(&hex::decode(GBT_KEY).unwrap())[..16]),
        GBT_CIPHERTEXT
    );
}

#[test]
fn what_we_seal_openssl_and_python_open_and_the_reverse() {
    let key = Sm4Key::from_base64(SDK_KEY).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(32907);
    // Lengths around the block size (0..=48) and one long body; JSON with Chinese text.
    let mut bodies: Vec<String> = (0..=48)
        .map(|n| "x".repeat(n))
        .chain([
            r#"{"req_time":"20231114153200","version":"3.0","req_data":{"subject":"测试","identity_info":"{\"name\":\"张三\"}"}}"#.to_owned(),
        ])
        .collect();
    bodies.push(
        (0..3000)
            .map(|_| char::from(rng.gen_range(b' '..=b'~')))
            .collect(),
    );
    for body in &bodies {
        let ours = key.seal(body);
        assert_eq!(
            openssl_open(&key, &ours),
            body.as_bytes(),
            "openssl opens ours"
        );
        assert_eq!(
            python("open", &key, ours.as_bytes()),
            body.as_bytes(),
            "python opens ours"
        );
        let theirs = openssl_seal(&key, body.as_bytes());
        assert_eq!(
            theirs, ours,
            "ECB is deterministic: openssl seals the same text"
        );
        let pythons = String::from_utf8(python("seal", &key, body.as_bytes())).unwrap();
        assert_eq!(pythons, ours, "python seals the same text");
        assert_eq!(key.open(&pythons).unwrap().as_str(), body);
    }
}

#[test]
fn a_body_sealed_by_python_under_another_key_is_refused() {
    let key = Sm4Key::from_base64(SDK_KEY).unwrap();
    let other = Sm4Key::from_hex(GBT_KEY).unwrap();
    for n in [0, 15, 16, 17, 100] {
        let body = "y".repeat(n);
        let sealed = String::from_utf8(python("seal", &other, body.as_bytes())).unwrap();
        match key.open(&sealed) {
            Err(Sm4Error::BadPadding | Sm4Error::NotUtf8) => {}
            Ok(p) => assert_ne!(p.as_str(), body, "the wrong key produced the plaintext"),
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    // And a truncated body is a length error, not a panic.
    let sealed = key.seal("z".repeat(40).as_str());
    let mut raw = STANDARD.decode(&sealed).unwrap();
    raw.truncate(raw.len() - 5);
    assert_eq!(
        key.open(&STANDARD.encode(&raw)).unwrap_err(),
        Sm4Error::CiphertextLength { length: 43 }
    );
}
