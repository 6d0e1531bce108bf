//! Property tests: round trips, single-character tampering, and parsers on arbitrary input.

mod common;

use common::{each_backend, key, key_on, other_key, pairs, try_each_backend};
use lakala_crypto::crossborder::MacInput;
use lakala_crypto::crossborder::{Merchant, Platform};
use lakala_crypto::open_platform::{
    Authorization, LklapiHeaders, NotificationVerifier, PlatformSigner, RequestSigner,
    RequestVerifier,
};
use lakala_crypto::{CryptoError, MacKind};
use proptest::prelude::*;

fn pair() -> (Merchant, Platform) {
    let merchant_key = key(1024);
    let platform_key = key(2048);
    (
        Merchant::new(
            "DOPCHN000258",
            merchant_key.clone(),
            platform_key.public_key(),
        ),
        Platform::new(platform_key.clone(), merchant_key.public_key()),
    )
}

/// Business JSON: the empty object, ASCII and Chinese text (every CJK unified ideograph in
/// U+4E00..U+9FA5 is in GBK), and lengths past one RSA block.
fn biz_json() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{}".to_owned()),
        proptest::collection::btree_map(
            "[a-zA-Z]{1,12}",
            "[ -~\u{4e00}-\u{9fa5}，。：]{0,80}",
            0..8
        )
        .prop_map(|m| {
            let obj: serde_json::Map<_, _> = m
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            serde_json::Value::Object(obj).to_string()
        }),
    ]
}

/// Replaces the character at `index` (mod length) by a different one of the same class,
/// so that the result is still well-formed hex or digits, just wrong.
fn flip(text: &str, index: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = index % chars.len();
    chars[i] = match chars[i] {
        '0'..='8' => ((chars[i] as u8) + 1) as char,
        '9' => '0',
        'A'..='E' | 'a'..='e' => ((chars[i] as u8) + 1) as char,
        'F' => 'A',
        'f' => 'a',
        c if c.is_ascii_uppercase() => {
            if c == 'Z' {
                'A'
            } else {
                ((c as u8) + 1) as char
            }
        }
        _ => 'X',
    };
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn request_and_response_round_trip(biz in biz_json(), answer in biz_json()) {
        try_each_backend(|_| {
            let (m, p) = pair();
            let sealed = m.seal_request("20240102030405000001", &biz).unwrap();
            let opened = p.open_request(&sealed.envelope).unwrap();
            prop_assert_eq!(opened.biz.as_str(), biz.as_str());
            let resp = p.seal_response(&opened, "20240102030406000001", "0000", "成功", Some(&answer)).unwrap();
            let back = m.open_response(&resp, &sealed.sec_key).unwrap();
            let back = back.biz.unwrap();
            prop_assert_eq!(back.as_str(), answer.as_str());
            Ok(())
        })?;
    }

    #[test]
    fn notification_and_answer_round_trip(biz in biz_json(), answer in biz_json()) {
        try_each_backend(|_| {
            let (m, p) = pair();
            let (n, key) = p.seal_notification("DOPCHN000258", "20240102030405999999", "B0005", &biz).unwrap();
            let opened = m.open_notification(&n).unwrap();
            prop_assert_eq!(opened.biz.as_str(), biz.as_str());
            let a = m.seal_notification_answer(&opened, "0000", "成功", &answer).unwrap();
            let back = p.open_notification_answer(&a, &key).unwrap();
            let back = back.biz.unwrap();
            prop_assert_eq!(back.as_str(), answer.as_str());
            Ok(())
        })?;
    }

    #[test]
    fn any_flipped_request_character_is_rejected(field in 0usize..5, index in any::<usize>()) {
        try_each_backend(|_| {
            let (m, p) = pair();
            let mut env = m.seal_request("20240102030405000001", r#"{"name":"张三"}"#).unwrap().envelope;
            let expected_mac_error = Err(CryptoError::MacMismatch { kind: MacKind::Request });
            match field {
                0 => { env.enc_data = flip(&env.enc_data, index); prop_assert_eq!(p.open_request(&env).map(|_| ()), expected_mac_error); }
                1 => { env.mac = flip(&env.mac, index); prop_assert_eq!(p.open_request(&env).map(|_| ()), expected_mac_error); }
                2 => { env.ts = flip(&env.ts, index); prop_assert_eq!(p.open_request(&env).map(|_| ()), expected_mac_error); }
                3 => { env.mer_id = flip(&env.mer_id, index); prop_assert_eq!(p.open_request(&env).map(|_| ()), expected_mac_error); }
                _ => {
                    // encKey is outside the MAC: a change breaks the RSA padding or, rarely,
                    // yields a block that is not ts + key.
                    env.enc_key = flip(&env.enc_key, index);
                    let err = p.open_request(&env).unwrap_err();
                    prop_assert!(matches!(
                        err,
                        CryptoError::DecryptionFailed { field: "encKey" }
                            | CryptoError::MalformedEncKey
                            | CryptoError::EncKeyTsMismatch { .. }
                    ), "{:?}", err);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn any_flipped_response_character_is_rejected(field in 0usize..4, index in any::<usize>()) {
        try_each_backend(|_| {
            let (m, p) = pair();
            let sealed = m.seal_request("20240102030405000001", "{}").unwrap();
            let opened = p.open_request(&sealed.envelope).unwrap();
            let mut resp = p.seal_response(&opened, "20240102030406000001", "0000", "成功", Some(r#"{"a":"b"}"#)).unwrap();
            match field {
                0 => resp.enc_data = resp.enc_data.map(|d| flip(&d, index)),
                1 => resp.mac = resp.mac.map(|d| flip(&d, index)),
                2 => resp.ts = flip(&resp.ts, index),
                _ => resp.mer_id = flip(&resp.mer_id, index),
            }
            prop_assert_eq!(
                m.open_response(&resp, &sealed.sec_key).map(|_| ()),
                Err(CryptoError::MacMismatch { kind: MacKind::Response })
            );
            Ok(())
        })?;
    }

    #[test]
    fn any_flipped_notification_character_is_rejected(field in 0usize..3, index in any::<usize>()) {
        try_each_backend(|_| {
            let (m, p) = pair();
            let (mut n, _) = p.seal_notification("DOPCHN000258", "20240102030405000007", "B0005", "{}").unwrap();
            match field {
                0 => n.enc_data = flip(&n.enc_data, index),
                1 => n.mac = flip(&n.mac, index),
                _ => n.ts = flip(&n.ts, index),
            }
            prop_assert_eq!(
                m.open_notification(&n).map(|_| ()),
                Err(CryptoError::MacMismatch { kind: MacKind::Notification })
            );
            Ok(())
        })?;
    }

    #[test]
    fn authorization_parser_never_panics(s in any::<String>()) {
        let _ = Authorization::parse(&s);
        let _ = Authorization::parse(&format!("LKLAPI-SHA256withRSA {s}"));
    }

    #[test]
    fn authorization_round_trips(
        appid in proptest::option::of("[A-Za-z0-9]{1,16}"),
        ts in 0i64..4_000_000_000,
        nonce in "[A-Za-z0-9]{1,32}",
        sig in "[A-Za-z0-9+/]{4,40}={0,2}",
    ) {
        let a = Authorization {
            serial_no: appid.as_ref().map(|_| "00dfba8194c41b84cf".to_owned()),
            appid,
            timestamp: ts.to_string(),
            nonce_str: nonce,
            signature: sig,
        };
        prop_assert_eq!(Authorization::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn lklapi_headers_never_panic(pairs in proptest::collection::vec((".{0,20}", ".{0,40}"), 0..8)) {
        let _ = LklapiHeaders::from_pairs(pairs);
    }

    #[test]
    fn key_loaders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = lakala_crypto::PrivateKey::load(&bytes);
        let _ = lakala_crypto::PublicKey::load(&bytes);
        let _ = lakala_crypto::Certificate::load(&bytes, lakala_crypto::ValidityCheck::AllowExpired);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Every ordered pair of backends: what one seals, signs or MACs, the other opens and
    /// verifies, for arbitrary business data and bodies; the deterministic outputs (MACs,
    /// SHA256withRSA signatures) are the same bytes on both; a flipped byte is refused by
    /// both.
    #[test]
    fn every_pair_of_backends_agrees(
        biz in biz_json(),
        body in proptest::collection::vec(any::<u8>(), 0..300),
        index in any::<usize>(),
    ) {
        for (a, b) in pairs() {
            let ctx = format!("{a} -> {b}");
            // Cross-border: merchant (RSA-1024) on a, platform (RSA-2048) on b, and back.
            let m = Merchant::new("DOPCHN000258", key_on(1024, a).clone(), key_on(2048, a).public_key());
            let p = Platform::new(key_on(2048, b).clone(), key_on(1024, b).public_key());
            let sealed = m.seal_request("20240102030405000001", &biz).unwrap();
            let opened = p.open_request(&sealed.envelope).unwrap();
            prop_assert_eq!(opened.biz.as_str(), biz.as_str(), "{}", ctx);
            let response = p.seal_response(&opened, "20240102030406000001", "0000", "成功", Some(&biz)).unwrap();
            let back = m.open_response(&response, &sealed.sec_key).unwrap().biz.unwrap();
            prop_assert_eq!(back.as_str(), biz.as_str(), "{}", ctx);
            let (n, _) = p.seal_notification("DOPCHN000258", "20240102030407000001", "B0005", &biz).unwrap();
            let notified = m.open_notification(&n).unwrap();
            prop_assert_eq!(notified.biz.as_str(), biz.as_str(), "{}", ctx);

            // The MAC over arbitrary encData: the same bytes from both, each verifies the
            // other's.
            let text = hex::encode_upper(&body);
            let input = MacInput::Notification { ts: "20240102030405000001", req_type: "B0005", enc_data: &text };
            for bits in [1024, 2048] {
                let mac = input.sign(key_on(bits, a)).unwrap();
                prop_assert_eq!(&mac, &input.sign(key_on(bits, b)).unwrap(), "{}", ctx);
                prop_assert_eq!(input.verify(&key_on(bits, b).public_key(), &mac), Ok(()), "{}", ctx);
                let mut bad = hex::decode(&mac).unwrap();
                let i = index % bad.len();
                bad[i] ^= 0x01;
                prop_assert!(input.verify(&key_on(bits, b).public_key(), &hex::encode(&bad)).is_err(), "{}", ctx);

                // SHA256withRSA over an arbitrary body: request and notification signatures.
                let auth = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", key_on(bits, a).clone())
                    .sign(&body, 1_700_000_000, "nonce").unwrap();
                let same = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", key_on(bits, b).clone())
                    .sign(&body, 1_700_000_000, "nonce").unwrap();
                prop_assert_eq!(&auth, &same, "{}", ctx);
                prop_assert!(RequestVerifier::new(key_on(bits, b).public_key())
                    .verify(&auth.to_string(), &body, 1_700_000_000).is_ok(), "{}", ctx);
                let notification = PlatformSigner::new("01745381c327", key_on(bits, a).clone())
                    .sign_notification(&body, 1_700_000_000, "n").unwrap();
                prop_assert!(NotificationVerifier::new(key_on(bits, b).public_key())
                    .verify(&notification.to_string(), &body, 1_700_000_000).is_ok(), "{}", ctx);
                let mut tampered = body.clone();
                tampered.push(b' ');
                prop_assert!(RequestVerifier::new(key_on(bits, b).public_key())
                    .verify(&auth.to_string(), &tampered, 1_700_000_000).is_err(), "{}", ctx);
            }
        }
    }
}

#[test]
fn wrong_merchant_key_is_refused_by_the_platform() {
    each_backend(|_| {
        let merchant_key = key(1024);
        let platform_key = key(2048);
        let impostor = Merchant::new(
            "DOPCHN000258",
            other_key().clone(),
            platform_key.public_key(),
        );
        let p = Platform::new(platform_key.clone(), merchant_key.public_key());
        let env = impostor
            .seal_request("20240102030405000001", "{}")
            .unwrap()
            .envelope;
        assert_eq!(
            p.open_request(&env).map(|_| ()),
            Err(CryptoError::MacMismatch {
                kind: MacKind::Request
            })
        );
    });
}

proptest! {
    /// SM4 bodies: every text round-trips under its key; under another key it is refused or
    /// (by the rare chance of valid padding and UTF-8) yields something else, never a panic.
    #[test]
    fn sm4_bodies_round_trip(
        key in proptest::array::uniform16(any::<u8>()),
        other in proptest::array::uniform16(any::<u8>()),
        body in "[ -~\u{4e00}-\u{9fa5}]{0,200}",
    ) {
        let key = lakala_crypto::Sm4Key::from_bytes(&key).unwrap();
        let sealed = key.seal(&body);
        let opened = key.open(&sealed).unwrap();
        prop_assert_eq!(opened.as_str(), body.as_str());
        let other_key = lakala_crypto::Sm4Key::from_bytes(&other).unwrap();
        if other_key.expose_bytes() != key.expose_bytes() {
            if let Ok(p) = other_key.open(&sealed) {
                prop_assert_ne!(p.as_str(), body.as_str());
            }
        }
    }

    /// Opening arbitrary text never panics.
    #[test]
    fn sm4_open_never_panics(text in "\\PC{0,200}") {
        let key = lakala_crypto::Sm4Key::from_hex("0123456789abcdeffedcba9876543210").unwrap();
        let _ = key.open(&text);
        let _ = lakala_crypto::Sm4Key::from_base64(&text);
        let _ = lakala_crypto::Sm4Key::from_hex(&text);
    }
}
