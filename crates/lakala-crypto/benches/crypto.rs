//! Every RSA operation and every whole envelope/signature operation, at RSA-1024 and
//! RSA-2048, on each RSA backend compiled in (`aws-lc` by default, `--features openssl`
//! adds the system OpenSSL, `rustcrypto` is always there), and the `rsa` crate called
//! directly, as the bar for the pure-Rust backend.
//!
//! Benchmark ids: `<backend>-rsa<bits>/<operation>`, with backend `aws-lc`, `rustcrypto`,
//! `openssl` or `rsa-crate` (the `rsa` crate's own API, blinded, keys parsed once). Operations named
//! `seam_*` are the RSA seam alone (`lakala_crypto::bench_seam`: exactly the RSA work, what
//! `openssl speed` measures); the others go through the public API. `vs-openssl.sh`
//! runs this and `openssl speed` in the same run and prints the ratios.
//!
//! Set `LAKALA_BENCH_QUICK=1` for a short run (less precise).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lakala_crypto::bench_seam as seam;
use lakala_crypto::crossborder::{MacInput, Merchant, Platform};
use lakala_crypto::open_platform::{
    Freshness, NotificationVerifier, PlatformSigner, RequestSigner, ResponseVerifier,
};
use lakala_crypto::{Backend, PrivateKey};
use rand::rngs::OsRng;
use rand::SeedableRng;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};
use std::time::Duration;

const BIZ: &str = r#"{"orderNo":"202401020304050001","bizType":"02","name":"张三","certNo":"110105194912310029","certType":"00","bankCardNo":"6222020200112233445","bankMobile":"13800138000"}"#;
/// What `encKey` encrypts: `ts` and the one-time key.
const ENC_KEY_BLOCK: &[u8] = b"20240102030405000001BDLLQ2J821P40UNVSSNFSEDUVROW0GDA";
const BODY: &[u8] = br#"{"req_time":"20240929033128","version":"3.0","req_data":{"merchant_no":"822290070111135","term_no":"29034705","out_trade_no":"20240929033128","auth_code":"288576824003652810","total_amount":"101","location_info":{"request_ip":"127.0.0.1"}}}"#;

/// The merchant's and the platform's key: `rsa<bits>-a.pem` and `rsa<bits>-b.pem` from the
/// directory `LAKALA_BENCH_KEYS` names (`vs-openssl.sh` writes them, and the JDK side of
/// the benchmark reads the same files), else generated from a fixed seed.
fn keys(bits: usize) -> (PrivateKey, PrivateKey) {
    if let Some(dir) = std::env::var_os("LAKALA_BENCH_KEYS") {
        let load = |name: &str| {
            let path = std::path::Path::new(&dir).join(format!("rsa{bits}-{name}.pem"));
            let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            PrivateKey::load(pem).unwrap()
        };
        return (load("a"), load("b"));
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(bits as u64);
    (
        PrivateKey::generate(&mut rng, bits).unwrap(),
        PrivateKey::generate(&mut rng, bits).unwrap(),
    )
}

fn timing(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    if std::env::var_os("LAKALA_BENCH_QUICK").is_some() {
        g.warm_up_time(Duration::from_millis(200));
        g.measurement_time(Duration::from_millis(700));
        g.sample_size(20);
    } else {
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(2));
    }
}

fn bench_backend(c: &mut Criterion, bits: usize, backend: Backend) {
    let (merchant_key, platform_key) = keys(bits);
    let merchant_key = merchant_key.with_backend(backend).unwrap();
    let platform_key = platform_key.with_backend(backend).unwrap();
    let merchant = Merchant::new(
        "DOPCHN000258",
        merchant_key.clone(),
        platform_key.public_key(),
    );
    let platform = Platform::new(platform_key.clone(), merchant_key.public_key());

    let sealed = merchant.seal_request("20240102030405000001", BIZ).unwrap();
    let opened = platform.open_request(&sealed.envelope).unwrap();
    let response = platform
        .seal_response(&opened, "20240102030406000001", "0000", "成功", Some(BIZ))
        .unwrap();
    let (notification, notification_key) = platform
        .seal_notification("DOPCHN000258", "20240102030407000001", "B0005", BIZ)
        .unwrap();
    let opened_notification = merchant.open_notification(&notification).unwrap();
    let answer = merchant
        .seal_notification_answer(&opened_notification, "0000", "成功", "{}")
        .unwrap();
    let mac_input = MacInput::Request {
        mer_id: "DOPCHN000258",
        ver: "3.0.0",
        ts: "20240102030405000001",
        enc_data: &sealed.envelope.enc_data,
    };
    let mac = mac_input.sign(&merchant_key).unwrap();
    let signer = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", merchant_key.clone());
    let platform_signer = PlatformSigner::new("01745381c327", platform_key.clone());
    let headers = platform_signer
        .sign_response("OP00000003", BODY, 1_700_000_000, "n")
        .unwrap();
    let notify_auth = platform_signer
        .sign_notification(BODY, 1_700_000_000, "n")
        .unwrap()
        .to_string();
    let lenient = Freshness::new(Duration::from_secs(u32::MAX.into()));
    let verifier = ResponseVerifier::new(platform_key.public_key()).with_freshness(lenient);
    let notify_verifier =
        NotificationVerifier::new(platform_key.public_key()).with_freshness(lenient);

    let mut g = c.benchmark_group(format!("{}-rsa{bits}", backend.name()));
    timing(&mut g);
    // The RSA seam alone: exactly the RSA work, as `openssl speed` measures it.
    let digest_hex = hex::encode(Sha256::digest(b"mac string"));
    let raw_signature = seam::private_op(&merchant_key, digest_hex.as_bytes()).unwrap();
    let sha256_signature = seam::sha256_sign(&merchant_key, BODY).unwrap();
    let merchant_public = merchant_key.public_key();
    let ciphertext = seam::encrypt(&merchant_public, ENC_KEY_BLOCK).unwrap();
    g.bench_function("seam_private_op", |b| {
        b.iter(|| seam::private_op(&merchant_key, black_box(digest_hex.as_bytes())).unwrap())
    });
    g.bench_function("seam_public_op", |b| {
        b.iter(|| {
            assert!(seam::public_op(
                &merchant_public,
                black_box(digest_hex.as_bytes()),
                &raw_signature
            )
            .unwrap())
        })
    });
    g.bench_function("seam_sha256_sign", |b| {
        b.iter(|| seam::sha256_sign(&merchant_key, black_box(BODY)).unwrap())
    });
    g.bench_function("seam_sha256_verify", |b| {
        b.iter(|| {
            assert!(
                seam::sha256_verify(&merchant_public, black_box(BODY), &sha256_signature).unwrap()
            )
        })
    });
    g.bench_function("seam_decrypt", |b| {
        b.iter(|| seam::decrypt(&merchant_key, black_box(&ciphertext)).unwrap())
    });
    g.bench_function("seam_encrypt", |b| {
        b.iter(|| seam::encrypt(&merchant_public, black_box(ENC_KEY_BLOCK)).unwrap())
    });
    // The same through the public API: each adds a short SHA-256 and hex or base64 coding.
    g.bench_function("private_op", |b| {
        b.iter(|| black_box(&mac_input).sign(&merchant_key).unwrap())
    });
    g.bench_function("public_op", |b| {
        b.iter(|| {
            black_box(&mac_input)
                .verify(&merchant_public, &mac)
                .unwrap()
        })
    });
    g.bench_function("sha256withrsa_sign", |b| {
        b.iter(|| {
            signer
                .sign(black_box(BODY), 1_700_000_000, "nonce")
                .unwrap()
        })
    });
    g.bench_function("sha256withrsa_verify", |b| {
        b.iter(|| {
            verifier
                .verify(&headers, black_box(BODY), 1_700_000_000)
                .unwrap()
        })
    });
    // Whole cross-border envelopes, merchant side then platform side.
    g.bench_function("seal_request", |b| {
        b.iter(|| {
            merchant
                .seal_request("20240102030405000001", black_box(BIZ))
                .unwrap()
        })
    });
    g.bench_function("open_response", |b| {
        b.iter(|| {
            merchant
                .open_response(black_box(&response), &sealed.sec_key)
                .unwrap()
        })
    });
    g.bench_function("open_notification", |b| {
        b.iter(|| {
            merchant
                .open_notification(black_box(&notification))
                .unwrap()
        })
    });
    g.bench_function("seal_answer", |b| {
        b.iter(|| {
            merchant
                .seal_notification_answer(black_box(&opened_notification), "0000", "成功", "{}")
                .unwrap()
        })
    });
    g.bench_function("open_request", |b| {
        b.iter(|| platform.open_request(black_box(&sealed.envelope)).unwrap())
    });
    g.bench_function("seal_response", |b| {
        b.iter(|| {
            platform
                .seal_response(
                    black_box(&opened),
                    "20240102030406000001",
                    "0000",
                    "成功",
                    Some(BIZ),
                )
                .unwrap()
        })
    });
    g.bench_function("open_answer", |b| {
        b.iter(|| {
            platform
                .open_notification_answer(black_box(&answer), &notification_key)
                .unwrap()
        })
    });
    // Whole open-platform signatures.
    g.bench_function("sign_request", |b| {
        b.iter(|| {
            signer
                .sign(black_box(BODY), 1_700_000_000, "nonce")
                .unwrap()
                .to_string()
        })
    });
    g.bench_function("verify_response", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&headers), BODY, 1_700_000_000)
                .unwrap()
        })
    });
    g.bench_function("verify_notification", |b| {
        b.iter(|| {
            notify_verifier
                .verify(black_box(&notify_auth), BODY, 1_700_000_000)
                .unwrap()
        })
    });
    g.finish();
}

/// The `rsa` crate's own API, at its best for what the pure-Rust backend does: key parsed
/// and CRT values precomputed once, blinded private operations, the same inputs.
fn bench_rsa_crate(c: &mut Criterion, bits: usize) {
    let (merchant_key, _) = keys(bits);
    let pem = merchant_key.to_pkcs8_pem().unwrap();
    let key = RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
    let public = key.to_public_key();
    // The MAC's input: 64 ASCII hex digits of a SHA-256.
    let digest_hex = hex::encode(Sha256::digest(b"mac string"));
    let mac = key
        .sign_with_rng(
            &mut OsRng,
            Pkcs1v15Sign::new_unprefixed(),
            digest_hex.as_bytes(),
        )
        .unwrap();
    let body_digest = Sha256::digest(BODY);
    let signature = key
        .sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &body_digest)
        .unwrap();
    let block = ENC_KEY_BLOCK;
    let ciphertext = public.encrypt(&mut OsRng, Pkcs1v15Encrypt, block).unwrap();
    assert_eq!(ciphertext.len(), public.size());

    let mut g = c.benchmark_group(format!("rsa-crate-rsa{bits}"));
    timing(&mut g);
    g.bench_function("seam_private_op", |b| {
        b.iter(|| {
            key.sign_with_rng(
                &mut OsRng,
                Pkcs1v15Sign::new_unprefixed(),
                black_box(digest_hex.as_bytes()),
            )
            .unwrap()
        })
    });
    g.bench_function("seam_public_op", |b| {
        b.iter(|| {
            public
                .verify(
                    Pkcs1v15Sign::new_unprefixed(),
                    black_box(digest_hex.as_bytes()),
                    &mac,
                )
                .unwrap()
        })
    });
    g.bench_function("seam_sha256_sign", |b| {
        b.iter(|| {
            let digest = Sha256::digest(black_box(BODY));
            key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
                .unwrap()
        })
    });
    g.bench_function("seam_sha256_verify", |b| {
        b.iter(|| {
            let digest = Sha256::digest(black_box(BODY));
            public
                .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
                .unwrap()
        })
    });
    g.bench_function("seam_decrypt", |b| {
        b.iter(|| {
            key.decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, black_box(&ciphertext))
                .unwrap()
        })
    });
    g.bench_function("seam_encrypt", |b| {
        b.iter(|| {
            public
                .encrypt(&mut rand::thread_rng(), Pkcs1v15Encrypt, black_box(block))
                .unwrap()
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    for bits in [1024, 2048] {
        for &backend in Backend::available() {
            bench_backend(c, bits, backend);
        }
        bench_rsa_crate(c, bits);
    }
}

criterion_group!(crypto, benches);
criterion_main!(crypto);
