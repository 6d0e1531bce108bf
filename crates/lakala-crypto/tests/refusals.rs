//! Hostile and malformed input: every refusal is a typed error that names what was wrong,
//! and no secret or personal datum reaches `Debug` or an error message.

mod common;

use common::{each_backend, key, other_key};
use lakala_crypto::crossborder::{MacInput, Merchant, Platform};
use lakala_crypto::open_platform::{
    Authorization, Freshness, LklapiHeaders, NotificationVerifier, PlatformSigner, RequestSigner,
    RequestVerifier, ResponseVerifier,
};
use lakala_crypto::{CryptoError, KeyKind, MacKind, PrivateKey, PublicKey, SecKey};
use std::time::Duration;

const PERSONAL: &str =
    r#"{"name":"张三丰","certNo":"11010519491231002X","bankCardNo":"6222020200112233445"}"#;

fn pair() -> (Merchant, Platform) {
    (
        Merchant::new("DOPCHN000258", key(1024).clone(), key(2048).public_key()),
        Platform::new(key(2048).clone(), key(1024).public_key()),
    )
}

#[test]
fn text_gbk_cannot_encode_is_an_error_not_an_altered_message() {
    each_backend(|_| {
        let (m, _) = pair();
        let err = m
            .seal_request("20240102030405000001", r#"{"name":"张三😀"}"#)
            .unwrap_err();
        assert_eq!(
            err,
            CryptoError::NotGbkEncodable {
                field: "encData plaintext",
                position: 11
            }
        );
        // In a MAC string too (a retMsg with an emoji).
        let input = MacInput::NotificationAnswer {
            ret_code: "0000",
            ret_msg: "ok👍",
            ts: "20240102030405000001",
            req_type: "B0005",
        };
        assert!(matches!(
            input.sign(key(1024)),
            Err(CryptoError::NotGbkEncodable {
                field: "mac string",
                position: 6
            })
        ));
    });
}

#[test]
fn nothing_secret_or_personal_is_printed() {
    each_backend(|_| {
        let (m, p) = pair();
        let sealed = m.seal_request("20240102030405000001", PERSONAL).unwrap();
        let opened = p.open_request(&sealed.envelope).unwrap();
        let key_text = sealed.sec_key.expose_text().to_owned();
        let printed = [
            format!("{:?}", key(1024)),
            format!("{:?}", key(1024).public_key()),
            format!("{sealed:?}"),
            format!("{opened:?}"),
            format!("{m:?}"),
            format!("{p:?}"),
            format!("{:?}", RequestSigner::new("OP1", "00ab", key(2048).clone())),
        ]
        .join("\n");
        for secret in [
            "张三丰",
            "11010519491231002X",
            "6222020200112233445",
            &key_text,
        ] {
            assert!(!printed.contains(secret), "{secret} printed in:\n{printed}");
        }
        assert!(printed.contains("SecKey([redacted])"));
        assert!(printed.contains("Plaintext([redacted;"));
        // No private exponent or prime: rsa's own Debug would print them as long digit runs.
        assert!(!printed
            .chars()
            .collect::<Vec<_>>()
            .windows(40)
            .any(|w| w.iter().all(char::is_ascii_digit)));
    });
}

#[test]
fn errors_carry_no_decrypted_data() {
    each_backend(|_| {
        let (m, p) = pair();
        let sealed = m.seal_request("20240102030405000001", PERSONAL).unwrap();
        let opened = p.open_request(&sealed.envelope).unwrap();
        let mut resp = p
            .seal_response(
                &opened,
                "20240102030406000001",
                "0000",
                "成功",
                Some(PERSONAL),
            )
            .unwrap();
        resp.ret_code = "9001".into();
        let err = m.open_response(&resp, &sealed.sec_key).unwrap_err();
        assert_eq!(
            err,
            CryptoError::MacMismatch {
                kind: MacKind::Response
            }
        );
        assert_eq!(err.to_string(), "response MAC does not verify");
    });
}

#[test]
fn response_without_mac_is_not_trusted() {
    each_backend(|_| {
        let (m, p) = pair();
        let sealed = m.seal_request("20240102030405000001", "{}").unwrap();
        let opened = p.open_request(&sealed.envelope).unwrap();
        let mut resp = p
            .seal_response(&opened, "20240102030406000001", "9999", "系统异常", None)
            .unwrap();
        assert!(resp.enc_data.is_none());
        // Still verifies with no encData ...
        assert_eq!(
            m.open_response(&resp, &sealed.sec_key).unwrap().ret_code,
            "9999"
        );
        // ... but not with no mac.
        resp.mac = None;
        assert_eq!(
            m.open_response(&resp, &sealed.sec_key).map(|_| ()),
            Err(CryptoError::MissingField { field: "mac" })
        );
        // The wire form without those fields parses.
        let json = r#"{"retCode":"9999","retMsg":"系统异常"}"#;
        let parsed: lakala_crypto::crossborder::ResponseEnvelope =
            serde_json::from_str(json).unwrap();
        assert_eq!(parsed.mac, None);
    });
}

/// An answer without encData verifies over the MAC string ending with `ts`, and only that
/// one; the literal text `null` (what a Java `null` concatenates as) is never taken for an
/// absent field.
#[test]
fn response_without_enc_data_and_with_the_text_null() {
    each_backend(|_| {
        let (m, p) = pair();
        let sealed = m.seal_request("20240102030405000001", "{}").unwrap();
        let opened = p.open_request(&sealed.envelope).unwrap();
        let ts = "20240102030406000001";
        let resp = p
            .seal_response(&opened, ts, "9001", "信息不符", None)
            .unwrap();
        assert_eq!(
            resp.mac_input().text(),
            format!("9001信息不符DOPCHN0002583.0.0{ts}"),
            "absent encData counts as empty: the MAC string ends with ts"
        );
        let open = |r: &lakala_crypto::crossborder::ResponseEnvelope| {
            m.open_response(r, &sealed.sec_key)
                .map(|o| (o.ret_code, o.biz.is_none()))
        };
        assert_eq!(open(&resp), Ok(("9001".to_owned(), true)));
        // JSON null and an empty string read the same way, and verify the same MAC.
        let mut wire = serde_json::to_value(&resp).unwrap();
        wire["encData"] = serde_json::Value::Null;
        let from_null: lakala_crypto::crossborder::ResponseEnvelope =
            serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(open(&from_null), Ok(("9001".to_owned(), true)));
        wire["encData"] = "".into();
        let from_empty: lakala_crypto::crossborder::ResponseEnvelope =
            serde_json::from_value(wire).unwrap();
        assert_eq!(open(&from_empty), Ok(("9001".to_owned(), true)));

        // A platform that signed `...tsnull` (Java's `ts + null`) but sent no encData: refused.
        let mut java_null = resp.clone();
        java_null.mac = Some(
            MacInput::Response {
                ret_code: "9001",
                ret_msg: "信息不符",
                mer_id: "DOPCHN000258",
                ver: "3.0.0",
                ts,
                enc_data: "null",
            }
            .sign(key(2048))
            .unwrap(),
        );
        assert_eq!(
            open(&java_null),
            Err(CryptoError::MacMismatch {
                kind: MacKind::Response
            })
        );
        // The same MAC with the literal text "null" sent as encData: the MAC verifies (it
        // covers what was sent), and the text is refused as ciphertext.
        java_null.enc_data = Some("null".to_owned());
        java_null
            .mac_input()
            .verify(&key(2048).public_key(), java_null.mac.as_deref().unwrap())
            .unwrap();
        assert_eq!(
            open(&java_null),
            Err(CryptoError::InvalidHex {
                field: "encData",
                position: 0
            })
        );
    });
}

#[test]
fn response_opened_with_another_requests_key_fails() {
    each_backend(|_| {
        let (m, p) = pair();
        let first = m.seal_request("20240102030405000001", "{}").unwrap();
        let second = m.seal_request("20240102030405000002", "{}").unwrap();
        let opened = p.open_request(&first.envelope).unwrap();
        let resp = p
            .seal_response(
                &opened,
                "20240102030406000001",
                "0000",
                "成功",
                Some(PERSONAL),
            )
            .unwrap();
        assert!(matches!(
            m.open_response(&resp, &second.sec_key),
            Err(CryptoError::DecryptionFailed { field: "encData" }
                | CryptoError::NotGbkDecodable { .. })
        ));
    });
}

#[test]
fn notification_whose_enc_key_prefix_differs_from_ts_is_refused() {
    each_backend(|_| {
        let (m, p) = pair();
        let (mut n, _) = p
            .seal_notification("DOPCHN000258", "20240102030405000001", "B0005", "{}")
            .unwrap();
        // A correctly signed notification whose ts is not the one inside encKey.
        n.ts = "20240102030405000002".into();
        n.mac = n.mac_input().sign(key(2048)).unwrap();
        assert_eq!(
            m.open_notification(&n).map(|_| ()),
            Err(CryptoError::EncKeyTsMismatch {
                ts: "20240102030405000002".into()
            })
        );
    });
}

#[test]
fn notification_mac_is_checked_before_decryption() {
    each_backend(|_| {
        let (_, p) = pair();
        let (mut n, _) = p
            .seal_notification("DOPCHN000258", "20240102030405000001", "B0005", "{}")
            .unwrap();
        // Garbage encKey, but the MAC fails first (encKey is not under the MAC, encData is).
        n.enc_key = "00".repeat(256);
        n.enc_data.push_str("00");
        let wrong_recipient =
            Merchant::new("DOPCHN000258", other_key().clone(), key(2048).public_key());
        assert_eq!(
            wrong_recipient.open_notification(&n).map(|_| ()),
            Err(CryptoError::MacMismatch {
                kind: MacKind::Notification
            })
        );
    });
}

#[test]
fn malformed_hex_and_sizes_are_named() {
    each_backend(|_| {
        let (m, p) = pair();
        let good = m
            .seal_request("20240102030405000001", "{}")
            .unwrap()
            .envelope;
        let mut env = good.clone();
        env.mac.replace_range(10..11, "G");
        assert_eq!(
            p.open_request(&env).map(|_| ()),
            Err(CryptoError::InvalidHex {
                field: "mac",
                position: 10
            })
        );
        env.mac = good.mac[..254].to_owned();
        assert_eq!(
            p.open_request(&env).map(|_| ()),
            Err(CryptoError::WrongBlockSize {
                field: "mac",
                actual: 127,
                expected: 128,
                bits: 1024
            })
        );
        env.mac.push('A');
        assert!(matches!(
            p.open_request(&env),
            Err(CryptoError::OddHexLength {
                field: "mac",
                length: 255
            })
        ));
        let mut env = m
            .seal_request("20240102030405000001", "{}")
            .unwrap()
            .envelope;
        env.ts = "2024010203040500000".into();
        env.mac = env.mac_input().sign(key(1024)).unwrap();
        assert!(matches!(
            p.open_request(&env),
            Err(CryptoError::InvalidTs { .. })
        ));
        assert!(matches!(
            m.seal_request("not a ts", "{}"),
            Err(CryptoError::InvalidTs { .. })
        ));
    });
}

#[test]
fn sec_key_must_be_32_alphanumerics() {
    assert!(SecKey::from_text("short").is_err());
    assert!(SecKey::from_text("BDLLQ2J821P40UNVSSNFSEDUVROW0GD!").is_err());
    assert!(SecKey::from_text("BDLLQ2J821P40UNVSSNFSEDUVROW0GDA").is_ok());
}

#[test]
fn bad_keys_are_refused_with_a_reason() {
    each_backend(|_| {
        let mut rng = rand::thread_rng();
        assert_eq!(
            PrivateKey::generate(&mut rng, 512).map(|_| ()),
            Err(CryptoError::KeyTooSmall { bits: 512 })
        );
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(
            PrivateKey::load(encrypted),
            Err(CryptoError::KeyFormat {
                kind: KeyKind::PrivateKey,
                ..
            })
        ));
        assert!(matches!(
            PrivateKey::load(""),
            Err(CryptoError::KeyFormat { .. })
        ));
        assert!(matches!(
            PublicKey::load("not a key!"),
            Err(CryptoError::KeyFormat {
                kind: KeyKind::PublicKey,
                ..
            })
        ));
        // A private key where a public one is expected, and the reverse.
        let pem = key(1024).to_pkcs8_pem().unwrap();
        assert!(matches!(
            PublicKey::load(pem.as_bytes()),
            Err(CryptoError::KeyFormat { .. })
        ));
        let spki = key(1024).public_key().to_spki_pem().unwrap();
        assert!(matches!(
            PrivateKey::load(&spki),
            Err(CryptoError::KeyFormat { .. })
        ));
        // The error message names no key bytes.
        let msg = PrivateKey::load(&spki).unwrap_err().to_string();
        assert!(msg.starts_with("cannot load RSA private key"), "{msg}");
    });
}

#[test]
fn authorization_headers_that_are_malformed() {
    let ok = r#"LKLAPI-SHA256withRSA timestamp="1",nonce_str="n",signature="s""#;
    assert!(Authorization::parse(ok).is_ok());
    for bad in [
        "",
        "Bearer abc",
        "LKLAPI-SHA256withRSA",
        r#"LKLAPI-SHA256withRSA timestamp="1",nonce_str="n""#,
        r#"LKLAPI-SHA256withRSA timestamp="1",nonce_str="n",signature="s",signature="t""#,
        r#"LKLAPI-SHA256withRSA timestamp="1",nonce_str="n",signature="s"#,
        r#"LKLAPI-SHA256withRSA timestamp="x1",nonce_str="n",signature="s""#,
        r#"LKLAPI-SHA256withRSA timestamp="1" junk,nonce_str="n",signature="s""#,
        r#"LKLAPI-SHA256withRSA timestamp="1",nonce_str="",signature="s""#,
        r#"LKLAPI-SHA256withRSA timestamp,nonce_str="n",signature="s""#,
    ] {
        assert!(
            matches!(
                Authorization::parse(bad),
                Err(CryptoError::MalformedAuthorization { .. })
            ),
            "accepted {bad:?}"
        );
    }
    // Order, spacing, bare values and unknown fields are tolerated.
    let loose =
        r#"  lklapi-sha256withrsa   signature = "s" ,  extra="x", nonce_str=n,timestamp="1"  "#;
    let a = Authorization::parse(loose).unwrap();
    assert_eq!(
        (
            a.timestamp.as_str(),
            a.nonce_str.as_str(),
            a.signature.as_str()
        ),
        ("1", "n", "s")
    );
}

#[test]
fn request_header_without_appid_is_refused_by_the_platform_side() {
    each_backend(|_| {
        let signer = PlatformSigner::new("01", key(2048).clone());
        let body = b"{}";
        let notification_style = signer.sign_notification(body, 1_700_000_000, "n").unwrap();
        let verifier = RequestVerifier::new(key(2048).public_key());
        assert!(matches!(
            verifier.verify(&notification_style.to_string(), body, 1_700_000_000),
            Err(CryptoError::MalformedAuthorization { .. })
        ));
    });
}

#[test]
fn response_verification_failures() {
    each_backend(|_| {
        let platform = PlatformSigner::new("01745381c327", key(2048).clone());
        let body = br#"{"code":"BBS00000"}"#;
        let headers = platform
            .sign_response("OP00000003", body, 1_700_000_000, "nonce")
            .unwrap();
        let verifier = ResponseVerifier::new(key(2048).public_key())
            .with_freshness(Freshness::new(Duration::from_secs(60)));
        verifier.verify(&headers, body, 1_700_000_059).unwrap();
        assert!(matches!(
            verifier.verify(&headers, body, 1_700_000_061),
            Err(CryptoError::StaleTimestamp {
                timestamp: 1_700_000_000,
                now: 1_700_000_061,
                max_skew_secs: 60
            })
        ));
        assert!(matches!(
            verifier.verify(&headers, body, 1_699_999_900),
            Err(CryptoError::StaleTimestamp { .. })
        ));
        assert_eq!(
            verifier.verify(&headers, br#"{"code":"BBS00001"}"#, 1_700_000_000),
            Err(CryptoError::SignatureMismatch { what: "response" })
        );
        let mut other = headers.clone();
        other.appid = "OP00000004".into();
        assert!(verifier.verify(&other, body, 1_700_000_000).is_err());
        let mut garbage = headers.clone();
        garbage.signature = "***".into();
        assert_eq!(
            verifier.verify(&garbage, body, 1_700_000_000),
            Err(CryptoError::InvalidBase64 { field: "signature" })
        );
        let wrong_cert = ResponseVerifier::new(other_key().public_key());
        assert!(matches!(
            wrong_cert.verify(&headers, body, 1_700_000_000),
            Err(CryptoError::WrongBlockSize { .. })
        ));

        let pairs: Vec<(&str, &str)> = headers
            .to_pairs()
            .into_iter()
            .filter(|(k, _)| *k != "Lklapi-Signature")
            .collect();
        assert_eq!(
            LklapiHeaders::from_pairs(pairs),
            Err(CryptoError::MissingHeader {
                name: "Lklapi-Signature"
            })
        );
    });
}

#[test]
fn notification_verification_reports_stale_separately() {
    each_backend(|_| {
        let platform = PlatformSigner::new("01", key(2048).clone());
        let auth = platform
            .sign_notification(b"{}", 1_700_000_000, "n1")
            .unwrap();
        let v = NotificationVerifier::new(key(2048).public_key());
        assert!(v.verify(&auth.to_string(), b"{}", 1_700_000_300).is_ok());
        assert!(matches!(
            v.verify(&auth.to_string(), b"{}", 1_700_000_301),
            Err(CryptoError::StaleTimestamp { .. })
        ));
    });
}
