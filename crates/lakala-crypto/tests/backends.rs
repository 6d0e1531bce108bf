//! The RSA backends against each other: each opens what another sealed and verifies what
//! another signed, for every ordered pair of backends compiled in (AWS-LC by default,
//! OpenSSL with the `openssl` feature, pure Rust always) and at both key sizes;
//! deterministic outputs are the same bytes; refusals are the same errors. With only the
//! pure-Rust backend compiled in (`--no-default-features`) every pair is that backend with
//! itself.

use lakala_crypto::crossborder::{MacInput, Merchant, Platform};
use lakala_crypto::open_platform::{
    Freshness, NotificationVerifier, PlatformSigner, RequestSigner, RequestVerifier,
    ResponseVerifier,
};
use lakala_crypto::{Backend, CryptoError, MacKind, PrivateKey, SecKey};
use rand::SeedableRng;
use std::sync::OnceLock;
use std::time::Duration;

const BIZ: &str = r#"{"orderNo":"O-1","name":"张三丰","certNo":"11010519491231002X","memo":"longer than one RSA-1024 block of plaintext: 一二三四五六七八九十 0123456789 0123456789 0123456789 0123456789"}"#;
const BODY: &[u8] =
    r#"{"req_time":"20240929033128","version":"3.0","req_data":{"subject":"测试"}}"#.as_bytes();

/// The seeded test keys: `generated(1024)`, `generated(2048)`, and `generated(3)`, a
/// second 1024-bit key.
fn generated(bits: usize) -> &'static PrivateKey {
    static K: [OnceLock<PrivateKey>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let (cell, seed, bits) = match bits {
        1024 => (&K[0], 11, 1024),
        2048 => (&K[1], 12, 2048),
        _ => (&K[2], 13, 1024), // a second 1024-bit key
    };
    cell.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        PrivateKey::generate(&mut rng, bits).unwrap()
    })
}

fn on(key: &PrivateKey, backend: Backend) -> PrivateKey {
    let key = key.with_backend(backend).unwrap();
    assert_eq!(key.backend(), backend);
    key
}

/// Every ordered pair of backends compiled in, at each key size: (sender, receiver, bits).
fn pairs() -> Vec<(Backend, Backend, usize)> {
    let mut out = Vec::new();
    for &a in Backend::available() {
        for &b in Backend::available() {
            for bits in [1024, 2048] {
                out.push((a, b, bits));
            }
        }
    }
    out
}

#[test]
fn the_default_is_the_first_available_and_names_round_trip() {
    assert_eq!(Backend::default(), Backend::available()[0]);
    // The system OpenSSL when asked for, else AWS-LC (the default build), else pure Rust.
    #[cfg(feature = "openssl")]
    assert_eq!(Backend::default(), Backend::OpenSsl);
    #[cfg(all(feature = "aws-lc", not(feature = "openssl")))]
    assert_eq!(Backend::default(), Backend::AwsLc);
    #[cfg(all(feature = "aws-lc", feature = "openssl"))]
    assert_eq!(
        Backend::available(),
        &[Backend::OpenSsl, Backend::AwsLc, Backend::RustCrypto]
    );
    #[cfg(not(any(feature = "aws-lc", feature = "openssl")))]
    assert_eq!(Backend::available(), &[Backend::RustCrypto]);
    assert!(Backend::available().contains(&Backend::RustCrypto));
    for &b in Backend::available() {
        assert_eq!(Backend::from_name(b.name()), Some(b));
        assert_eq!(Backend::from_name(&b.name().to_uppercase()), Some(b));
        assert_eq!(b.to_string(), b.name());
    }
    assert_eq!(Backend::from_name("nonesuch"), None);
    // Loaded keys are on the default backend.
    let pem = generated(1024).to_pkcs8_pem().unwrap();
    let loaded = PrivateKey::load(pem.as_bytes()).unwrap();
    assert_eq!(loaded.backend(), Backend::default());
    assert_eq!(loaded.public_key().backend(), Backend::default());
}

#[test]
fn keys_are_the_same_key_on_every_backend() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<PrivateKey>();
    send_sync::<lakala_crypto::PublicKey>();
    let key = generated(1024);
    for &b in Backend::available() {
        let moved = on(key, b);
        assert_eq!(moved.public_key(), key.public_key());
        assert_eq!(moved.public_key().backend(), b);
        assert_eq!(moved.bits(), 1024);
        assert_eq!(*moved.to_pkcs8_pem().unwrap(), *key.to_pkcs8_pem().unwrap());
        let public = key.public_key().with_backend(b).unwrap();
        assert_eq!(public.backend(), b);
        assert_eq!(public, key.public_key());
        assert_eq!(
            public.to_spki_pem().unwrap(),
            key.public_key().to_spki_pem().unwrap()
        );
        // Moving back and forth is lossless.
        for &c in Backend::available() {
            assert_eq!(on(&moved, c).public_key(), key.public_key());
        }
    }
}

#[test]
fn each_backend_opens_what_the_other_sealed() {
    for (a, b, bits) in pairs() {
        let ctx = format!("{a} -> {b}, RSA-{bits}");
        let merchant_key = generated(bits);
        let platform_key = generated(if bits == 1024 { 2048 } else { 1024 });
        // The merchant on backend a, the platform on backend b.
        let m = Merchant::new(
            "DOPCHN000258",
            on(merchant_key, a),
            on(platform_key, a).public_key(),
        );
        let p = Platform::new(on(platform_key, b), on(merchant_key, b).public_key());

        let sealed = m.seal_request("20240102030405000001", BIZ).unwrap();
        let opened = p.open_request(&sealed.envelope).expect(&ctx);
        assert_eq!(opened.biz.as_str(), BIZ, "{ctx}");
        assert!(opened.sec_key == sealed.sec_key, "{ctx}");
        let response = p
            .seal_response(&opened, "20240102030406000001", "0000", "成功", Some(BIZ))
            .unwrap();
        let back = m.open_response(&response, &sealed.sec_key).expect(&ctx);
        assert_eq!(back.biz.unwrap().as_str(), BIZ, "{ctx}");

        let (n, key) = p
            .seal_notification("DOPCHN000258", "20240102030407000001", "B0005", BIZ)
            .unwrap();
        let opened = m.open_notification(&n).expect(&ctx);
        assert_eq!(opened.biz.as_str(), BIZ, "{ctx}");
        let answer = m
            .seal_notification_answer(&opened, "0000", "成功", BIZ)
            .unwrap();
        let back = p.open_notification_answer(&answer, &key).expect(&ctx);
        assert_eq!(back.biz.unwrap().as_str(), BIZ, "{ctx}");
    }
}

#[test]
fn each_backend_verifies_what_the_other_signed_and_signatures_are_identical() {
    for (a, b, bits) in pairs() {
        let ctx = format!("{a} -> {b}, RSA-{bits}");
        let key = generated(bits);
        let (signer, verifier) = (on(key, a), on(key, b).public_key());

        // The cross-border MAC (raw block type 1): deterministic, so the same bytes.
        let input = MacInput::Request {
            mer_id: "DOPCHN000258",
            ver: "3.0.0",
            ts: "20240102030405000001",
            enc_data: "00AA",
        };
        let mac = input.sign(&signer).unwrap();
        assert_eq!(mac, input.sign(&on(key, b)).unwrap(), "{ctx}");
        input.verify(&verifier, &mac).expect(&ctx);
        input.verify(&verifier, &mac.to_lowercase()).expect(&ctx);

        // SHA256withRSA, all three open-platform uses.
        let auth = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", signer.clone())
            .sign(BODY, 1_700_000_000, "nonce")
            .unwrap();
        let same = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", on(key, b))
            .sign(BODY, 1_700_000_000, "nonce")
            .unwrap();
        assert_eq!(auth, same, "{ctx}");
        RequestVerifier::new(verifier.clone())
            .verify(&auth.to_string(), BODY, 1_700_000_000)
            .expect(&ctx);
        let platform = PlatformSigner::new("01745381c327", signer.clone());
        let headers = platform
            .sign_response("OP00000003", BODY, 1_700_000_000, "n")
            .unwrap();
        ResponseVerifier::new(verifier.clone())
            .with_freshness(Freshness::new(Duration::from_secs(60)))
            .verify(&headers, BODY, 1_700_000_000)
            .expect(&ctx);
        let notification = platform
            .sign_notification(BODY, 1_700_000_000, "n")
            .unwrap();
        NotificationVerifier::new(verifier.clone())
            .verify(&notification.to_string(), BODY, 1_700_000_000)
            .expect(&ctx);
    }
}

#[test]
fn encryption_from_a_seeded_generator_is_the_same_bytes_on_every_backend() {
    for bits in [1024, 2048] {
        let merchant_key = generated(1024);
        let platform_public = generated(bits).public_key();
        let seal = |b: Backend| {
            let m = Merchant::new(
                "DOPCHN000258",
                on(merchant_key, b),
                platform_public.with_backend(b).unwrap(),
            );
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
            let key = SecKey::from_text("BDLLQ2J821P40UNVSSNFSEDUVROW0GDA").unwrap();
            m.seal_request_with_key("20240102030405000001", BIZ, key, &mut rng)
                .unwrap()
                .envelope
        };
        let reference = seal(Backend::RustCrypto);
        for &b in Backend::available() {
            let env = seal(b);
            assert_eq!(env.enc_key, reference.enc_key, "{b}, RSA-{bits}");
            assert_eq!(env, reference, "{b}, RSA-{bits}");
        }
    }
}

#[test]
fn refusals_are_the_same_on_every_backend() {
    for (a, b, bits) in pairs() {
        let ctx = format!("{a} -> {b}, RSA-{bits}");
        let key = generated(bits);
        let other = generated(3);
        let verifier = on(key, b).public_key();
        let input = MacInput::Notification {
            ts: "20240102030405000001",
            req_type: "B0005",
            enc_data: "00AA",
        };
        let mismatch = Err(CryptoError::MacMismatch {
            kind: MacKind::Notification,
        });
        let mac = input.sign(&on(key, a)).unwrap();
        // Another message, a flipped bit, another signer of the same size, an all-ones
        // block (larger than the modulus), zero: all refused alike.
        let other_input = MacInput::Notification {
            ts: "20240102030405000002",
            req_type: "B0005",
            enc_data: "00AA",
        };
        assert_eq!(other_input.verify(&verifier, &mac), mismatch, "{ctx}");
        let mut flipped = hex::decode(&mac).unwrap();
        flipped[bits / 16] ^= 1;
        assert_eq!(
            input.verify(&verifier, &hex::encode(&flipped)),
            mismatch,
            "{ctx}"
        );
        if bits == 1024 {
            let forged = input.sign(&on(other, a)).unwrap();
            assert_eq!(input.verify(&verifier, &forged), mismatch, "{ctx}");
        }
        for filler in ["FF", "00"] {
            assert_eq!(
                input.verify(&verifier, &filler.repeat(bits / 8)),
                mismatch,
                "{ctx}"
            );
        }
        assert_eq!(
            input.verify(&verifier, &mac[2..]),
            Err(CryptoError::WrongBlockSize {
                field: "mac",
                actual: bits / 8 - 1,
                expected: bits / 8,
                bits
            }),
            "{ctx}"
        );
        // A SHA256withRSA signature over a raw MAC is not a SHA256withRSA signature.
        let auth = RequestSigner::new("OP1", "01", on(key, a))
            .sign(BODY, 1_700_000_000, "n")
            .unwrap();
        let mut forged = auth.clone();
        use base64::Engine;
        forged.signature = base64::engine::general_purpose::STANDARD
            .encode(hex::decode(input.sign(&on(key, a)).unwrap()).unwrap());
        assert_eq!(
            RequestVerifier::new(verifier.clone()).verify(&forged.to_string(), BODY, 1_700_000_000),
            Err(CryptoError::SignatureMismatch { what: "request" }),
            "{ctx}"
        );

        // An encKey for someone else's key, and garbage, do not decrypt.
        let m = Merchant::new("DOPCHN000258", on(other, a), on(key, a).public_key());
        let p = Platform::new(on(key, b), on(other, b).public_key());
        let mut env = m
            .seal_request("20240102030405000001", "{}")
            .unwrap()
            .envelope;
        let encrypted_for_other = on(other, a).public_key();
        let m_wrong = Merchant::new("DOPCHN000258", on(other, a), encrypted_for_other);
        if bits == 1024 {
            let wrong = m_wrong
                .seal_request("20240102030405000001", "{}")
                .unwrap()
                .envelope;
            env.enc_key = wrong.enc_key;
            assert_refused_enc_key(p.open_request(&env).map(|_| ()), &ctx);
        }
        env.enc_key = "01".repeat(bits / 8);
        assert_refused_enc_key(p.open_request(&env).map(|_| ()), &ctx);
    }
}

/// A bad encKey is refused. OpenSSL 3.2 and later decrypt a bad PKCS#1 v1.5 block to a
/// pseudo-random message ("implicit rejection") instead of failing, which then fails the
/// `ts + key` shape check: also a refusal.
fn assert_refused_enc_key(result: Result<(), CryptoError>, ctx: &str) {
    assert!(
        matches!(
            result,
            Err(CryptoError::DecryptionFailed { field: "encKey" }
                | CryptoError::MalformedEncKey
                | CryptoError::EncKeyTsMismatch { .. })
        ),
        "{ctx}: {result:?}"
    );
}

#[test]
fn keys_serve_many_threads_at_once() {
    for &b in Backend::available() {
        let key = on(generated(1024), b);
        let public = key.public_key();
        std::thread::scope(|s| {
            for t in 0..4 {
                let (key, public) = (&key, &public);
                s.spawn(move || {
                    for i in 0..25 {
                        let ts = format!("2024010203040500{t:02}{i:02}");
                        let input = MacInput::Notification {
                            ts: &ts,
                            req_type: "B0005",
                            enc_data: "00AA",
                        };
                        let mac = input.sign(key).unwrap();
                        input.verify(public, &mac).unwrap();
                    }
                });
            }
        });
    }
}
