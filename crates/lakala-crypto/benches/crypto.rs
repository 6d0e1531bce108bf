//! Every RSA operation and every whole envelope/signature operation, at RSA-1024 and
//! RSA-2048. `benches/vs-openssl.sh` runs this and `openssl speed` in the same run and
//! prints the ratios.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lakala_crypto::crossborder::{MacInput, Merchant, Platform};
use lakala_crypto::open_platform::{Freshness, PlatformSigner, RequestSigner, ResponseVerifier};
use lakala_crypto::PrivateKey;
use rand::SeedableRng;
use std::time::Duration;

const BIZ: &str = r#"{"orderNo":"202401020304050001","bizType":"02","name":"张三","certNo":"110105194912310029","certType":"00","bankCardNo":"6222020200112233445","bankMobile":"13800138000"}"#;
const BODY: &[u8] = br#"{"req_time":"20240929033128","version":"3.0","req_data":{"merchant_no":"822290070111135","term_no":"29034705","out_trade_no":"20240929033128","auth_code":"288576824003652810","total_amount":"101","location_info":{"request_ip":"127.0.0.1"}}}"#;

fn bench_size(c: &mut Criterion, bits: usize) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(bits as u64);
    let merchant_key = PrivateKey::generate(&mut rng, bits).unwrap();
    let platform_key = PrivateKey::generate(&mut rng, bits).unwrap();
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
    let (notification, _) = platform
        .seal_notification("DOPCHN000258", "20240102030407000001", "B0005", BIZ)
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
    let verifier = ResponseVerifier::new(platform_key.public_key())
        .with_freshness(Freshness::new(Duration::from_secs(u32::MAX.into())));

    let mut g = c.benchmark_group(format!("rsa{bits}"));
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    // RSA operations (through the public API; each adds only a short SHA-256).
    g.bench_function("private_op", |b| {
        b.iter(|| black_box(&mac_input).sign(&merchant_key).unwrap())
    });
    let merchant_public = merchant_key.public_key();
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
    // Whole operations.
    g.bench_function("seal_request", |b| {
        b.iter(|| {
            merchant
                .seal_request("20240102030405000001", black_box(BIZ))
                .unwrap()
        })
    });
    g.bench_function("open_request", |b| {
        b.iter(|| platform.open_request(black_box(&sealed.envelope)).unwrap())
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
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_size(c, 1024);
    bench_size(c, 2048);
}

criterion_group!(crypto, benches);
criterion_main!(crypto);
