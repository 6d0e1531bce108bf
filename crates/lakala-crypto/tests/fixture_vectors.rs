//! The committed test vectors of `fixtures/vectors/`, checked through this crate's public
//! API: every valid case opens (or verifies) to exactly what the file says and is
//! reproduced byte for byte where the protocol is deterministic; every invalid case is
//! refused with the error its `expected_error` names.
//!
//! The same files are checked independently by `interop/python` and `interop/node`; the
//! generator is `cargo xtask fixtures`. Format: `fixtures/README.md`.

mod common;

use common::{each_backend, OnBackend};
use lakala_crypto::crossborder::{
    Merchant, NotificationAnswerEnvelope, NotificationEnvelope, Platform, RequestEnvelope,
    ResponseEnvelope,
};
use lakala_crypto::open_platform::{
    notification_message, request_message, Freshness, LklapiHeaders, NotificationVerifier,
    PlatformSigner, RequestSigner, RequestVerifier, ResponseVerifier,
};
use lakala_crypto::{
    Certificate, CryptoError, PrivateKey, PublicKey, SecKey, Sm4Error, Sm4Key, ValidityCheck,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases(file: &str) -> Vec<Value> {
    let file: Value = serde_json::from_slice(&read(&format!("vectors/{file}"))).unwrap();
    let cases = file["cases"].as_array().expect("cases").clone();
    assert!(!cases.is_empty(), "{file} has no cases");
    cases
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("{}: {field} is not a string", case["name"]))
}

fn private(rel: &str) -> PrivateKey {
    PrivateKey::load(read(rel)).unwrap().on_backend()
}

fn public(rel: &str) -> PublicKey {
    PublicKey::load(read(rel)).unwrap().on_backend()
}

fn gbk_hex(s: &str) -> String {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
    assert!(!had_errors, "not GBK: {s}");
    hex::encode(bytes)
}

/// Does `error` match the vectors' `expected_error` code?
fn matches_code(error: &CryptoError, code: &str) -> bool {
    match code {
        "mac_mismatch" => matches!(error, CryptoError::MacMismatch { .. }),
        "enc_key_ts_mismatch" => matches!(error, CryptoError::EncKeyTsMismatch { .. }),
        "signature_mismatch" => matches!(error, CryptoError::SignatureMismatch { .. }),
        "malformed_authorization" => matches!(error, CryptoError::MalformedAuthorization { .. }),
        other => panic!("unknown expected_error {other}"),
    }
}

/// Runs every case through `check`, then fails listing every case that failed.
fn run_all(file: &str, check: impl Fn(&Value) -> Result<(), String>) -> Vec<Value> {
    let cases = cases(file);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case)
                .err()
                .map(|e| format!("{}: {e}", case["name"].as_str().unwrap_or("?")))
        })
        .collect();
    assert!(failures.is_empty(), "{file}:\n{}", failures.join("\n"));
    cases
}

/// Valid: `result` is Ok. Invalid: it is the expected error.
fn outcome<T>(case: &Value, result: Result<T, CryptoError>) -> Result<Option<T>, String> {
    match (case["valid"].as_bool().expect("valid"), result) {
        (true, Ok(value)) => Ok(Some(value)),
        (true, Err(e)) => Err(format!("valid case refused: {e}")),
        (false, Ok(_)) => Err("invalid case accepted".into()),
        (false, Err(e)) => {
            let code = text(case, "expected_error");
            if matches_code(&e, code) {
                Ok(None)
            } else {
                Err(format!("refused with {e:?}, expected {code}"))
            }
        }
    }
}

fn ensure(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what.to_owned())
    }
}

fn parse<T: serde::de::DeserializeOwned>(envelope: &Value) -> Result<T, String> {
    serde_json::from_value(envelope.clone()).map_err(|e| format!("envelope: {e}"))
}

fn check_crossborder(case: &Value) -> Result<(), String> {
    let env = &case["envelope"];
    let sec_key = SecKey::from_text(text(case, "sec_key")).map_err(|e| e.to_string())?;
    ensure(
        hex::encode(sec_key.aes_key()) == text(case, "aes_key_hex"),
        "aes_key_hex",
    )?;
    let biz = case["biz_json"].as_str();
    if let Some(biz) = biz {
        ensure(gbk_hex(biz) == text(case, "biz_gbk_hex"), "biz_gbk_hex")?;
    }
    let signer_public = public(text(case, "signer_public_key"));
    let signer_private = private(text(case, "signer_private_key"));
    // Any key serves where an opening needs a private key it does not use.
    let unused = || signer_private.clone();

    let (mac_input, mac, opened): (lakala_crypto::crossborder::MacInput, _, _);
    let (request, response, notification, answer);
    match text(case, "kind") {
        "request" => {
            request = parse::<RequestEnvelope>(env)?;
            mac_input = request.mac_input();
            mac = request.mac.clone();
            let platform =
                Platform::new(private(text(case, "recipient_private_key")), signer_public);
            opened = outcome(case, platform.open_request(&request))?.map(|o| {
                assert!(o.sec_key == sec_key, "encKey carries sec_key");
                Some(o.biz.as_str().to_owned())
            });
            if case["valid"] == true {
                // encData and mac are deterministic: sealing again reproduces them.
                let merchant = Merchant::new(
                    &request.mer_id,
                    signer_private.clone(),
                    public(text(case, "recipient_public_key")),
                );
                let again = merchant
                    .seal_request_with_key(
                        &request.ts,
                        biz.unwrap_or_default(),
                        sec_key.clone(),
                        &mut rand::rngs::OsRng,
                    )
                    .map_err(|e| e.to_string())?;
                ensure(
                    again.envelope.enc_data == request.enc_data,
                    "sealing again reproduces encData",
                )?;
                ensure(
                    again.envelope.mac == request.mac,
                    "sealing again reproduces mac",
                )?;
            }
        }
        "response" => {
            response = parse::<ResponseEnvelope>(env)?;
            mac_input = response.mac_input();
            mac = response.mac.clone().unwrap_or_default();
            let merchant = Merchant::new(&response.mer_id, unused(), signer_public);
            opened = outcome(case, merchant.open_response(&response, &sec_key))?
                .map(|o| o.biz.map(|b| b.as_str().to_owned()));
        }
        "notification" => {
            notification = parse::<NotificationEnvelope>(env)?;
            mac_input = notification.mac_input();
            mac = notification.mac.clone();
            let merchant = Merchant::new(
                &notification.mer_id,
                private(text(case, "recipient_private_key")),
                signer_public,
            );
            opened = outcome(case, merchant.open_notification(&notification))?.map(|o| {
                assert!(o.sec_key == sec_key, "encKey carries sec_key");
                Some(o.biz.as_str().to_owned())
            });
        }
        "notification_answer" => {
            answer = parse::<NotificationAnswerEnvelope>(env)?;
            mac_input = answer.mac_input();
            mac = answer.mac.clone();
            let platform = Platform::new(unused(), signer_public);
            opened = outcome(case, platform.open_notification_answer(&answer, &sec_key))?
                .map(|o| o.biz.map(|b| b.as_str().to_owned()));
        }
        other => return Err(format!("unknown kind {other}")),
    }
    ensure(mac_input.text() == text(case, "mac_input"), "mac_input")?;
    ensure(
        gbk_hex(&mac_input.text()) == text(case, "mac_input_gbk_hex"),
        "mac_input_gbk_hex",
    )?;
    ensure(
        mac_input.digest_hex().map_err(|e| e.to_string())? == text(case, "mac_sha256_hex"),
        "mac_sha256_hex",
    )?;
    if let Some(opened) = opened {
        ensure(
            opened.as_deref() == biz,
            "opened business JSON equals biz_json",
        )?;
        let resigned = mac_input.sign(&signer_private).map_err(|e| e.to_string())?;
        ensure(resigned == mac, "re-signing reproduces mac")?;
    }
    Ok(())
}

#[test]
fn every_crossborder_vector() {
    let mut cases = Vec::new();
    each_backend(|_| cases = run_all("crossborder.json", check_crossborder));

    // The issue's coverage, so that a regenerated file cannot silently lose it.
    let kinds: BTreeSet<&str> = cases.iter().map(|c| text(c, "kind")).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["notification", "notification_answer", "request", "response"])
    );
    let reasons: BTreeSet<&str> = cases.iter().filter_map(|c| c["reason"].as_str()).collect();
    for reason in [
        "tampered_mac",
        "tampered_enc_data",
        "enc_key_ts_mismatch",
        "wrong_signer",
    ] {
        assert!(reasons.contains(reason), "no {reason} case");
    }
    let bizes: Vec<&str> = cases
        .iter()
        .filter_map(|c| c["biz_json"].as_str())
        .collect();
    assert!(bizes.iter().any(|b| !b.is_ascii()), "no Chinese text");
    assert!(
        bizes.iter().any(|b| b.len() > 256),
        "nothing longer than one RSA block"
    );
    assert!(
        bizes.iter().any(|b| b.contains(r#""remark":"""#)),
        "no empty field"
    );
    assert!(
        cases.iter().any(|c| c["biz_json"].is_null()),
        "no absent encData"
    );
}

fn check_open_platform(case: &Value) -> Result<(), String> {
    let timestamp: i64 = text(case, "timestamp").parse().map_err(|_| "timestamp")?;
    let cert = Certificate::load(
        read(text(case, "certificate")),
        ValidityCheck::At(timestamp),
    )
    .map_err(|e| e.to_string())?
    .on_backend();
    let key = cert.public_key().clone();
    let signer = private(text(case, "signer_private_key"));
    let body = text(case, "body").as_bytes();
    let nonce = text(case, "nonce_str");
    let exact = Freshness::new(Duration::ZERO);
    let kind = text(case, "kind");
    let message = match kind {
        "notification" => notification_message(text(case, "timestamp"), nonce, body),
        _ => request_message(
            text(case, "appid"),
            text(case, "serial_no"),
            text(case, "timestamp"),
            nonce,
            body,
        ),
    };
    ensure(
        message == text(case, "string_to_sign").as_bytes(),
        "string_to_sign",
    )?;
    let valid = case["valid"] == true;
    let resigned = match kind {
        "request" => {
            let verifier = RequestVerifier::new(key).with_freshness(exact);
            if let Some(auth) = outcome(
                case,
                verifier.verify(text(case, "authorization"), body, timestamp),
            )? {
                ensure(auth.appid.as_deref() == Some(text(case, "appid")), "appid")?;
                ensure(
                    auth.serial_no.as_deref() == Some(text(case, "serial_no")),
                    "serial_no",
                )?;
                ensure(
                    auth.nonce_str == nonce && auth.signature == text(case, "signature"),
                    "nonce_str, signature",
                )?;
            }
            if valid {
                ensure(
                    cert.serial_hex() == text(case, "serial_no"),
                    "certificate serial",
                )?;
            }
            RequestSigner::new(text(case, "appid"), text(case, "serial_no"), signer)
                .sign(body, timestamp, nonce)
                .map(|a| a.signature)
        }
        "response" => {
            let pairs: Vec<(String, String)> = case["response_headers"]
                .as_object()
                .ok_or("response_headers")?
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let headers = LklapiHeaders::from_pairs(pairs).map_err(|e| e.to_string())?;
            ensure(
                headers.signature == text(case, "signature"),
                "Lklapi-Signature",
            )?;
            let verifier = ResponseVerifier::new(key).with_freshness(exact);
            outcome(case, verifier.verify(&headers, body, timestamp))?;
            if valid {
                ensure(
                    cert.serial_hex() == text(case, "serial_no"),
                    "certificate serial",
                )?;
            }
            PlatformSigner::new(text(case, "serial_no"), signer)
                .sign_response(text(case, "appid"), body, timestamp, nonce)
                .map(|h| h.signature)
        }
        "notification" => {
            ensure(
                case.get("appid").is_none() && case.get("serial_no").is_none(),
                "no appid or serial_no",
            )?;
            let verifier = NotificationVerifier::new(key).with_freshness(exact);
            if let Some(auth) = outcome(
                case,
                verifier.verify(text(case, "authorization"), body, timestamp),
            )? {
                ensure(
                    auth.nonce_str == nonce && auth.signature == text(case, "signature"),
                    "nonce_str, signature",
                )?;
            }
            PlatformSigner::new("", signer)
                .sign_notification(body, timestamp, nonce)
                .map(|a| a.signature)
        }
        other => return Err(format!("unknown kind {other}")),
    }
    .map_err(|e| e.to_string())?;
    // SHA256withRSA is deterministic: the signer's key reproduces the signature, except
    // where the body was changed after signing.
    if case["reason"] != "tampered_body" {
        ensure(
            resigned == text(case, "signature"),
            "re-signing reproduces signature",
        )?;
    }
    Ok(())
}

#[test]
fn every_open_platform_vector() {
    let mut cases = Vec::new();
    each_backend(|_| cases = run_all("open-platform.json", check_open_platform));

    let kinds: BTreeSet<&str> = cases.iter().map(|c| text(c, "kind")).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["notification", "request", "response"])
    );
    let reasons: BTreeSet<&str> = cases.iter().filter_map(|c| c["reason"].as_str()).collect();
    for reason in ["tampered_body", "wrong_certificate", "malformed_header"] {
        assert!(reasons.contains(reason), "no {reason} case");
    }
    let valid_bodies: Vec<&str> = cases
        .iter()
        .filter(|c| c["valid"] == true)
        .map(|c| text(c, "body"))
        .collect();
    assert!(
        valid_bodies.iter().any(|b| !b.is_ascii()),
        "no Chinese body"
    );
    assert!(
        valid_bodies.iter().any(|b| b.contains(r#"\""#)),
        "no escaped JSON string"
    );
    // Header fields in another order than Lakala writes them, still valid.
    assert!(cases.iter().any(|c| c["valid"] == true
        && c["authorization"]
            .as_str()
            .is_some_and(|a| a.find("signature=") < a.find("timestamp="))));
}

/// labs.json: every case's signature like an open-platform case (the encrypted ones over
/// the base64 body as sent); every encrypted body opens with `sm4_key` to exactly `json`,
/// or fails on the padding where the case says so; plain bodies are `json` itself.
fn check_labs(case: &Value) -> Result<(), String> {
    check_open_platform(case)?;
    let body = text(case, "body");
    let json = text(case, "json");
    if case["encrypted"] != true {
        return ensure(
            body == json && case.get("sm4_key").is_none(),
            "plain body = json",
        );
    }
    ensure(
        text(case, "route").ends_with("_encry"),
        "an encrypted case names an _encry route",
    )?;
    let key = Sm4Key::from_base64(text(case, "sm4_key")).map_err(|e| e.to_string())?;
    match (key.open(body), case["decrypt_error"].as_str()) {
        (Ok(opened), None) => {
            ensure(opened.as_str() == json, "decrypted body = json")?;
            ensure(
                key.seal(json) == body,
                "sealing json reproduces the body (ECB)",
            )
        }
        (Err(Sm4Error::BadPadding), Some("bad_padding")) => Ok(()),
        (other, expected) => Err(format!("opened as {other:?}, expected {expected:?}")),
    }
}

#[test]
fn every_labs_vector() {
    let mut cases = Vec::new();
    each_backend(|_| cases = run_all("labs.json", check_labs));
    let encrypted = cases.iter().filter(|c| c["encrypted"] == true).count();
    assert!(encrypted >= 3, "request, answer and wrong-key answer");
    let file: Value = serde_json::from_slice(&read("vectors/labs.json")).unwrap();
    let vector = &file["sm4_standard_vector"];
    let key = Sm4Key::from_hex(vector["key_hex"].as_str().unwrap()).unwrap();
    let plaintext = hex::decode(vector["plaintext_hex"].as_str().unwrap()).unwrap();
    assert_eq!(
        hex::encode(&key.encrypt(&plaintext)[..16]),
        vector["ciphertext_hex"].as_str().unwrap()
    );
}
