//! Lakala's real material in `fixtures/lakala/`: our code must agree with it byte for byte.

mod common;

use common::{each_backend, json, read, OnBackend};
use lakala_crypto::crossborder::{MacInput, Merchant};
use lakala_crypto::open_platform::{
    notification_message, request_message, Authorization, NotificationVerifier, RequestSigner,
    RequestVerifier,
};
use lakala_crypto::{Certificate, CryptoError, PrivateKey, PublicKey, SecKey, ValidityCheck};

#[test]
fn gate_auth_request_example_is_reproduced_byte_for_byte() {
    each_backend(|_| {
        let v = json("crossborder/gate-auth-request-example.json");
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let merchant_key =
            PrivateKey::load(read(&format!("crossborder/{}", s("merchant_private_key"))))
                .unwrap()
                .on_backend();
        let platform_key = PublicKey::load(read("crossborder/sandbox-platform-public-key.pem"))
            .unwrap()
            .on_backend();
        let merchant = Merchant::new(s("mer_id"), merchant_key, platform_key);

        let key = SecKey::from_text(&s("sec_key")).unwrap();
        assert_eq!(hex::encode(key.aes_key()), s("aes_key_hex"));

        let sealed = merchant
            .seal_request_with_key(&s("ts"), &s("biz_json"), key, &mut rand::rngs::OsRng)
            .unwrap();
        let env = &sealed.envelope;
        assert_eq!(env.enc_data, s("enc_data"));
        assert_eq!(env.ver, s("ver"));
        assert_eq!(env.mac_input().text(), s("mac_input"));
        assert_eq!(
            env.mac_input().digest_hex().unwrap(),
            s("mac_sha256_hex_lower")
        );
        assert_eq!(env.mac, s("mac"));
        // encKey is randomized: it must be one RSA-1024 block, uppercase hex.
        assert_eq!(env.enc_key.len(), 256);
        assert_eq!(env.enc_key, env.enc_key.to_uppercase());

        // The reference MAC verifies with the merchant's public key, in either hex case.
        let merchant_pub =
            PublicKey::load(read(&format!("crossborder/{}", s("merchant_public_key"))))
                .unwrap()
                .on_backend();
        env.mac_input().verify(&merchant_pub, &s("mac")).unwrap();
        env.mac_input()
            .verify(&merchant_pub, &s("mac").to_lowercase())
            .unwrap();
    });
}

#[test]
fn gate_auth_mac_is_not_sha256withrsa() {
    each_backend(|_| {
        // The vector says so; make sure a SHA256withRSA verifier would not accept it.
        let v = json("crossborder/gate-auth-request-example.json");
        let merchant_pub = PublicKey::load(read(
            "crossborder/sandbox-merchant-RZCP161200000-public-key.pem",
        ))
        .unwrap()
        .on_backend();
        let input = MacInput::Request {
            mer_id: v["mer_id"].as_str().unwrap(),
            ver: "3.0.0",
            ts: v["ts"].as_str().unwrap(),
            enc_data: v["enc_data"].as_str().unwrap(),
        };
        input
            .verify(&merchant_pub, v["mac"].as_str().unwrap())
            .unwrap();
        let wrong = MacInput::Request {
            mer_id: "RZCP161200001",
            ver: "3.0.0",
            ts: v["ts"].as_str().unwrap(),
            enc_data: v["enc_data"].as_str().unwrap(),
        };
        assert_eq!(
            wrong.verify(&merchant_pub, v["mac"].as_str().unwrap()),
            Err(CryptoError::MacMismatch {
                kind: lakala_crypto::MacKind::Request
            })
        );
    });
}

fn notify_sample() -> (String, String) {
    let v = json("openplatform/lakala-notify-sample.json");
    (
        v["authorization"].as_str().unwrap().to_owned(),
        v["body"].as_str().unwrap().to_owned(),
    )
}

fn cert(name: &str) -> Certificate {
    Certificate::load(read(&format!("openplatform/{name}")), ValidityCheck::Now)
        .unwrap()
        .on_backend()
}

#[test]
fn real_notification_verifies_with_the_notify_certificate_only() {
    each_backend(|_| {
        let (auth, body) = notify_sample();
        let v = json("openplatform/lakala-notify-sample.json");
        let parsed = Authorization::parse(&auth).unwrap();
        assert_eq!(
            notification_message(&parsed.timestamp, &parsed.nonce_str, body.as_bytes()),
            v["string_to_verify"].as_str().unwrap().as_bytes()
        );

        let good =
            NotificationVerifier::new(cert("lakala-apigw-notify-cert.pem").public_key().clone());
        good.verify(&auth, body.as_bytes(), 1_630_905_585).unwrap();

        let wrong =
            NotificationVerifier::new(cert("lakala-apigw-v2-cert.pem").public_key().clone());
        assert_eq!(
            wrong.verify(&auth, body.as_bytes(), 1_630_905_585),
            Err(CryptoError::SignatureMismatch {
                what: "notification"
            })
        );

        // Authentic but replayed years later: stale, its own error.
        assert!(matches!(
            good.verify(&auth, body.as_bytes(), 1_763_000_000),
            Err(CryptoError::StaleTimestamp {
                timestamp: 1_630_905_585,
                ..
            })
        ));

        // One byte of the body changed.
        let tampered = body.replace("\"amount\":1", "\"amount\":2");
        assert!(matches!(
            good.verify(&auth, tampered.as_bytes(), 1_630_905_585),
            Err(CryptoError::SignatureMismatch { .. })
        ));
    });
}

#[test]
fn certificates_expose_serial_and_validity() {
    let notify = cert("lakala-apigw-notify-cert.pem");
    assert_eq!(notify.serial_hex(), "01745381c327");
    assert_eq!(notify.not_after(), 1_917_667_454); // 2030-10-08 05:24:14 UTC
    assert!(notify.subject().contains("CN=APIGW.LAKALA.COM"));
    let sandbox = cert("sandbox-OP00000003-cert.pem");
    assert_eq!(sandbox.serial_hex(), "00dfba8194c41b84cf");
    assert_eq!(sandbox.public_key().bits(), 2048);

    let pem = read("openplatform/lakala-apigw-notify-cert.pem");
    assert!(matches!(
        Certificate::load(&pem, ValidityCheck::At(1_917_667_455)),
        Err(CryptoError::CertificateExpired {
            not_after: 1_917_667_454,
            ..
        })
    ));
    assert!(matches!(
        Certificate::load(&pem, ValidityCheck::At(1_500_000_000)),
        Err(CryptoError::CertificateNotYetValid { .. })
    ));
    Certificate::load(&pem, ValidityCheck::AllowExpired).unwrap();
}

#[test]
fn sandbox_signing_examples_are_reproduced() {
    each_backend(|_| {
        let v = json("openplatform/sandbox-signing-examples.json");
        let r = &v["request_signing"];
        let s = |k: &str| r[k].as_str().unwrap();
        let key = PrivateKey::load(read("openplatform/sandbox-OP00000003-merchant-key.pem"))
            .unwrap()
            .on_backend();
        let signer = RequestSigner::new(s("appid"), s("serial_no"), key.clone());
        assert_eq!(
            request_message(
                s("appid"),
                s("serial_no"),
                s("timestamp"),
                s("nonce_str"),
                s("body").as_bytes()
            ),
            s("string_to_sign").as_bytes()
        );
        let auth = signer
            .sign(
                s("body").as_bytes(),
                s("timestamp").parse().unwrap(),
                s("nonce_str"),
            )
            .unwrap();
        assert_eq!(auth.signature, s("signature_b64"));
        assert_eq!(auth.to_string(), s("authorization"));

        // The platform side (sandbox) verifies it with the merchant certificate.
        let merchant_cert = cert("sandbox-OP00000003-cert.pem");
        let verifier = RequestVerifier::new(merchant_cert.public_key().clone());
        let back = verifier
            .verify(
                s("authorization"),
                s("body").as_bytes(),
                1_727_580_688 + 100,
            )
            .unwrap();
        assert_eq!(back.appid.as_deref(), Some("OP00000003"));

        let n = &v["notify_signing"];
        let platform = lakala_crypto::open_platform::PlatformSigner::new("00dfba8194c41b84cf", key);
        let nauth = platform
            .sign_notification(s("body").as_bytes(), 1_727_580_688, s("nonce_str"))
            .unwrap();
        assert_eq!(nauth.signature, n["signature_b64"].as_str().unwrap());
        assert_eq!(nauth.to_string(), n["authorization"].as_str().unwrap());
        NotificationVerifier::new(merchant_cert.public_key().clone())
            .verify(
                n["authorization"].as_str().unwrap(),
                s("body").as_bytes(),
                1_727_580_688,
            )
            .unwrap();
    });
}
