//! `fixtures/vectors/open-platform.json`: open-platform (LKLAPI-SHA256withRSA) test vectors.
//!
//! Signed with `lakala-crypto`'s public API and the keys and certificates of
//! `fixtures/keys/`. SHA256withRSA (PKCS#1 v1.5) is deterministic; the nonces come from a
//! `ChaCha20Rng` with a fixed seed, so the file is byte-for-byte reproducible. The invalid
//! cases are valid messages with one fault introduced afterwards.
//!
//! The format is documented field by field in `fixtures/README.md`.

use crate::generation::{Context, Output};
use crate::test_keys::{self, TestKey};
use lakala_crypto::open_platform::{
    generate_nonce, notification_message, request_message, Authorization, LklapiHeaders,
    PlatformSigner, RequestSigner, SCHEME,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

/// The output file, relative to the workspace root.
pub const PATH: &str = "fixtures/vectors/open-platform.json";

/// Seed of the generator that draws the nonces.
const SEED: u64 = 0x6c61_6b61_6c61_0002;

const APPID: &str = "OPTEST00001";
pub(crate) const MERCHANT: &str = "open-platform-merchant-2048";
pub(crate) const GATEWAY: &str = "open-platform-platform-2048";
const NOTIFY: &str = "open-platform-notify-2048";

/// The file.
#[derive(Serialize)]
struct File {
    description: &'static str,
    format_version: u32,
    scheme: &'static str,
    cases: Vec<Case>,
}

/// One case; see `fixtures/README.md`.
#[derive(Serialize)]
pub(crate) struct Case {
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial_no: Option<String>,
    timestamp: String,
    nonce_str: String,
    body: String,
    string_to_sign: String,
    signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_headers: Option<ResponseHeaders>,
    certificate: String,
    signer_private_key: String,
}

/// The `Lklapi-*` headers of a response, as sent.
#[derive(Serialize)]
struct ResponseHeaders {
    #[serde(rename = "Lklapi-Appid")]
    appid: String,
    #[serde(rename = "Lklapi-Serial")]
    serial: String,
    #[serde(rename = "Lklapi-Timestamp")]
    timestamp: String,
    #[serde(rename = "Lklapi-Nonce")]
    nonce: String,
    #[serde(rename = "Lklapi-Signature")]
    signature: String,
}

impl From<LklapiHeaders> for ResponseHeaders {
    fn from(h: LklapiHeaders) -> Self {
        Self {
            appid: h.appid,
            serial: h.serial,
            timestamp: h.timestamp,
            nonce: h.nonce,
            signature: h.signature,
        }
    }
}

const TAMPERED_BODY: (&str, &str) = ("tampered_body", "signature_mismatch");
const WRONG_CERTIFICATE: (&str, &str) = ("wrong_certificate", "signature_mismatch");
const MALFORMED_HEADER: (&str, &str) = ("malformed_header", "malformed_authorization");

/// A v3 micropay request: Chinese subject and a nested object.
const BODY_MICROPAY: &str = r#"{"req_time":"20240901103000","version":"3.0","req_data":{"merchant_no":"822TEST00000001","term_no":"T0000001","out_trade_no":"FX20240901103000000001","auth_code":"134510982263716789","total_amount":"101","subject":"测试商品：云南小粒咖啡（250克）","location_info":{"request_ip":"10.176.1.192"}}}"#;

/// A v2 pre-order request: a field holding a JSON document as an escaped string, `\/` and
/// `\u` escapes. Signatures cover these exact bytes; re-serializing would break them.
const BODY_PREAUTH_ESCAPED: &str = r#"{"ver":"1.0.0","timestamp":"1725157800000","reqId":"0f3c6a1e9b2d4c5f8a7e6d5c4b3a2910","reqData":{"merId":"822TEST00000001","termId":"T0000001","merReqSno":"PA20240901103000000001","transType":"71","payMode":"WECHAT","amount":"000000000101","subject":"\u9884\u6388\u6743\u6d4b\u8bd5","notifyUrl":"https:\/\/merchant.example\/lakala\/notify","accBusiFields":"{\"sub_appid\":\"wx0123456789abcdef\",\"user_id\":\"o6_bmjrPTlm6_2sgVt7hMZOPfL2M\",\"detail\":\"{\\\"goods\\\":[\\\"咖啡\\\"]}\"}"},"termExtInfo":{"termIp":"10.176.1.192"}}"#;

const BODY_RESPONSE_MICROPAY: &str = r#"{"code":"BBS00000","msg":"成功","resp_time":"20240901103001","resp_data":{"merchant_no":"822TEST00000001","out_trade_no":"FX20240901103000000001","trade_no":"2024090110300100000001","log_no":"66000000000001","acc_settle_amount":"101","total_amount":"101","acc_resp_fields":{"user_id":"2088000000000001","buyer_login_id":"测**户"}}}"#;

const BODY_RESPONSE_ESCAPED: &str = r#"{"retCode":"000000","retMsg":"交易成功","respData":{"merId":"822TEST00000001","lklOrderNo":"20240901103000000001","accRespFields":"{\"prepay_id\":\"wx01103000000000000000000001\",\"pay_sign\":\"a\\\/b+c==\",\"remark\":\"\\u5fae\\u4fe1\"}"},"timestamp":"1725157801000","ver":"1.0.0","reqId":"0f3c6a1e9b2d4c5f8a7e6d5c4b3a2910"}"#;

const BODY_NOTIFY: &str = r#"{"out_trade_no":"FX20240901103000000001","trade_no":"2024090110300100000001","trade_status":"SUCCESS","total_amount":"101","trade_time":"20240901103105","account_type":"WECHAT","user_id1":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","remark":"支付成功：谢谢惠顾","acc_resp_fields":"{\"bank_type\":\"CMB_CREDIT\",\"memo\":\"\\\"招商银行\\\"\"}"}"#;

const BODY_NOTIFY_MINIMAL: &str =
    r#"{"trade_status":"SUCCESS","out_trade_no":"FX20240901103000000002"}"#;

const T0: i64 = 1_725_157_800;

/// What a case needs beyond what the signer computes.
pub(crate) struct Signed {
    name: &'static str,
    description: &'static str,
    fault: Option<(&'static str, &'static str)>,
    appid: Option<String>,
    serial_no: Option<String>,
    timestamp: String,
    nonce_str: String,
    /// The body on the wire (tampered, for that fault).
    body: String,
    signature: String,
    authorization: Option<String>,
    response_headers: Option<ResponseHeaders>,
    /// The key whose certificate verifies (or, for wrong_certificate, fails to).
    certificate: &'static str,
    signer: &'static str,
}

pub(crate) fn case(s: Signed) -> Case {
    let kind = if s.response_headers.is_some() {
        "response"
    } else if s.appid.is_some() {
        "request"
    } else {
        "notification"
    };
    let message = match (&s.appid, &s.serial_no) {
        (Some(appid), Some(serial)) => {
            request_message(appid, serial, &s.timestamp, &s.nonce_str, s.body.as_bytes())
        }
        _ => notification_message(&s.timestamp, &s.nonce_str, s.body.as_bytes()),
    };
    Case {
        name: s.name,
        description: s.description,
        kind,
        valid: s.fault.is_none(),
        reason: s.fault.map(|f| f.0),
        expected_error: s.fault.map(|f| f.1),
        appid: s.appid,
        serial_no: s.serial_no,
        timestamp: s.timestamp,
        nonce_str: s.nonce_str,
        body: s.body,
        // Bodies are str, the other parts ASCII: the message is UTF-8.
        string_to_sign: String::from_utf8_lossy(&message).into_owned(),
        signature: s.signature,
        authorization: s.authorization,
        response_headers: s.response_headers,
        certificate: test_keys::cert_path(s.certificate),
        signer_private_key: test_keys::private_path(s.signer),
    }
}

/// A request signed by `key` (its certificate's serial as serial_no).
#[allow(clippy::too_many_arguments)]
pub(crate) fn request(
    name: &'static str,
    description: &'static str,
    merchant: &TestKey,
    signing_key: &TestKey,
    signer: &'static str,
    body: &str,
    timestamp: i64,
    nonce: String,
) -> Result<Signed, String> {
    let serial = merchant.serial_no()?;
    let auth = RequestSigner::new(APPID, serial.clone(), signing_key.private.clone())
        .sign(body.as_bytes(), timestamp, &nonce)
        .map_err(|e| e.to_string())?;
    Ok(Signed {
        name,
        description,
        fault: None,
        appid: Some(APPID.to_owned()),
        serial_no: Some(serial),
        timestamp: auth.timestamp.clone(),
        nonce_str: nonce,
        body: body.to_owned(),
        signature: auth.signature.clone(),
        authorization: Some(auth.to_string()),
        response_headers: None,
        certificate: MERCHANT,
        signer,
    })
}

fn notification(
    name: &'static str,
    description: &'static str,
    signing_key: &TestKey,
    signer: &'static str,
    body: &str,
    timestamp: i64,
    nonce: String,
) -> Result<Signed, String> {
    // The serial is not part of what a notification signs.
    let auth = PlatformSigner::new("-", signing_key.private.clone())
        .sign_notification(body.as_bytes(), timestamp, &nonce)
        .map_err(|e| e.to_string())?;
    Ok(Signed {
        name,
        description,
        fault: None,
        appid: None,
        serial_no: None,
        timestamp: auth.timestamp.clone(),
        nonce_str: nonce,
        body: body.to_owned(),
        signature: auth.signature.clone(),
        authorization: Some(auth.to_string()),
        response_headers: None,
        certificate: NOTIFY,
        signer,
    })
}

pub(crate) fn response(
    name: &'static str,
    description: &'static str,
    gateway: &TestKey,
    body: &str,
    timestamp: i64,
    nonce: String,
) -> Result<Signed, String> {
    let serial = gateway.serial_no()?;
    let headers = PlatformSigner::new(serial.clone(), gateway.private.clone())
        .sign_response(APPID, body.as_bytes(), timestamp, &nonce)
        .map_err(|e| e.to_string())?;
    Ok(Signed {
        name,
        description,
        fault: None,
        appid: Some(APPID.to_owned()),
        serial_no: Some(serial),
        timestamp: headers.timestamp.clone(),
        nonce_str: nonce,
        body: body.to_owned(),
        signature: headers.signature.clone(),
        authorization: None,
        response_headers: Some(headers.into()),
        certificate: GATEWAY,
        signer: GATEWAY,
    })
}

/// Replaces the first `from` in `text`, failing if it is absent.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    if !text.contains(from) {
        return Err(format!("{from:?} not found"));
    }
    Ok(text.replacen(from, to, 1))
}

/// The generator of `fixtures/vectors/open-platform.json`.
pub fn generate(context: &Context) -> Result<Vec<Output>, String> {
    let merchant = test_keys::get(context, MERCHANT)?;
    let gateway = test_keys::get(context, GATEWAY)?;
    let notify = test_keys::get(context, NOTIFY)?;
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let mut nonce = || generate_nonce(&mut rng);

    let mut cases = vec![
        request(
            "request-micropay-chinese",
            "A v3 micropay request whose body holds Chinese text (signed as UTF-8).",
            merchant,
            merchant,
            MERCHANT,
            BODY_MICROPAY,
            T0,
            nonce(),
        )?,
        request(
            "request-preauth-escaped-json",
            "A v2 pre-order request whose body holds a JSON document inside an escaped string, plus \\/ and \\u escapes: the signature covers the exact bytes.",
            merchant,
            merchant,
            MERCHANT,
            BODY_PREAUTH_ESCAPED,
            T0 + 1,
            nonce(),
        )?,
        request(
            "request-empty-body",
            "An empty body: the string to sign still ends with the body's newline.",
            merchant,
            merchant,
            MERCHANT,
            "",
            T0 + 2,
            nonce(),
        )?,
        response(
            "response-micropay-chinese",
            "The gateway's answer to request-micropay-chinese, signed in Lklapi-* headers.",
            gateway,
            BODY_RESPONSE_MICROPAY,
            T0 + 3,
            nonce(),
        )?,
        response(
            "response-preauth-escaped-json",
            "An answer whose body holds an escaped JSON string with escaped escapes inside.",
            gateway,
            BODY_RESPONSE_ESCAPED,
            T0 + 4,
            nonce(),
        )?,
        notification(
            "notification-chinese-escaped-json",
            "A payment notification: Chinese text and an escaped JSON string; no appid or serial_no.",
            notify,
            NOTIFY,
            BODY_NOTIFY,
            T0 + 65,
            nonce(),
        )?,
        notification(
            "notification-minimal",
            "A short ASCII notification.",
            notify,
            NOTIFY,
            BODY_NOTIFY_MINIMAL,
            T0 + 66,
            nonce(),
        )?,
    ];

    // Valid, with the header's fields in another order and other spacing.
    {
        let mut s = request(
            "request-header-reordered",
            "Authorization fields in another order, with spaces after commas: must still verify.",
            merchant,
            merchant,
            MERCHANT,
            BODY_MICROPAY,
            T0 + 5,
            nonce(),
        )?;
        s.authorization = Some(format!(
            r#"{SCHEME} signature="{}", nonce_str="{}", timestamp="{}", serial_no="{}", appid="{}""#,
            s.signature,
            s.nonce_str,
            s.timestamp,
            s.serial_no.clone().unwrap_or_default(),
            APPID
        ));
        cases.push(s);
    }
    {
        let mut s = notification(
            "notification-header-reordered",
            "Notification Authorization fields in another order: must still verify.",
            notify,
            NOTIFY,
            BODY_NOTIFY_MINIMAL,
            T0 + 67,
            nonce(),
        )?;
        s.authorization = Some(format!(
            r#"{SCHEME} nonce_str="{}",signature="{}",timestamp="{}""#,
            s.nonce_str, s.signature, s.timestamp
        ));
        cases.push(s);
    }

    // Invalid: tampered bodies.
    {
        let mut s = request(
            "request-tampered-body",
            "Signed for total_amount 101; the body on the wire says 1. string_to_sign is built from the body on the wire.",
            merchant,
            merchant,
            MERCHANT,
            BODY_MICROPAY,
            T0 + 6,
            nonce(),
        )?;
        s.body = replace_once(&s.body, r#""total_amount":"101""#, r#""total_amount":"1""#)?;
        s.fault = Some(TAMPERED_BODY);
        cases.push(s);
    }
    {
        let mut s = response(
            "response-tampered-body",
            "An answer whose body was changed after signing (成功 -> 失败).",
            gateway,
            BODY_RESPONSE_MICROPAY,
            T0 + 7,
            nonce(),
        )?;
        s.body = replace_once(&s.body, "成功", "失败")?;
        s.fault = Some(TAMPERED_BODY);
        cases.push(s);
    }
    {
        let mut s = notification(
            "notification-tampered-body",
            "A notification whose trade_status was changed after signing.",
            notify,
            NOTIFY,
            BODY_NOTIFY,
            T0 + 68,
            nonce(),
        )?;
        s.body = replace_once(&s.body, "SUCCESS", "FAILED")?;
        s.fault = Some(TAMPERED_BODY);
        cases.push(s);
    }

    // Invalid: signed with a key the certificate does not hold.
    {
        let mut s = notification(
            "notification-wrong-certificate",
            "A notification signed with the gateway's response key; notifications verify with the notification certificate.",
            gateway,
            GATEWAY,
            BODY_NOTIFY,
            T0 + 69,
            nonce(),
        )?;
        s.fault = Some(WRONG_CERTIFICATE);
        cases.push(s);
    }
    {
        let mut s = request(
            "request-wrong-certificate",
            "A request naming the merchant's serial_no but signed with another 2048-bit key (the gateway's), so only the signature check can tell.",
            merchant,
            gateway,
            GATEWAY,
            BODY_MICROPAY,
            T0 + 8,
            nonce(),
        )?;
        s.fault = Some(WRONG_CERTIFICATE);
        cases.push(s);
    }

    // Invalid: malformed Authorization headers (the other fields hold the intended values).
    type Mangle = fn(&Signed) -> String;
    let malformed: [(&'static str, &'static str, bool, Mangle); 4] = [
        (
            "request-header-unterminated-quote",
            "The signature value has no closing quote.",
            true,
            |s| {
                format!(
                    r#"{SCHEME} appid="{APPID}",serial_no="{}",timestamp="{}",nonce_str="{}",signature="{}"#,
                    s.serial_no.clone().unwrap_or_default(),
                    s.timestamp,
                    s.nonce_str,
                    s.signature
                )
            },
        ),
        (
            "request-header-wrong-scheme",
            "The scheme is not LKLAPI-SHA256withRSA.",
            true,
            |s| {
                let auth = s.authorization.clone().unwrap_or_default();
                auth.replacen(SCHEME, "LKLAPI-SHA1withRSA", 1)
            },
        ),
        (
            "request-header-duplicate-field",
            "The timestamp field appears twice (with different values).",
            true,
            |s| {
                let auth = s.authorization.clone().unwrap_or_default();
                format!("{auth},timestamp=\"{}\"", T0 + 3600)
            },
        ),
        (
            "notification-header-missing-signature",
            "The signature field is absent.",
            false,
            |s| {
                format!(
                    r#"{SCHEME} timestamp="{}",nonce_str="{}""#,
                    s.timestamp, s.nonce_str
                )
            },
        ),
    ];
    for (i, (name, description, is_request, mangle)) in malformed.into_iter().enumerate() {
        let mut s = if is_request {
            request(
                name,
                description,
                merchant,
                merchant,
                MERCHANT,
                BODY_MICROPAY,
                T0 + 9 + i as i64,
                nonce(),
            )?
        } else {
            notification(
                name,
                description,
                notify,
                NOTIFY,
                BODY_NOTIFY_MINIMAL,
                T0 + 70,
                nonce(),
            )?
        };
        s.authorization = Some(mangle(&s));
        if Authorization::parse(s.authorization.as_deref().unwrap_or_default()).is_ok() {
            return Err(format!("{name}: the mangled header still parses"));
        }
        s.fault = Some(MALFORMED_HEADER);
        cases.push(s);
    }

    for s in &cases {
        if !s.body.is_empty() {
            serde_json::from_str::<serde_json::Value>(&s.body)
                .map_err(|e| format!("{}: body is not JSON: {e}", s.name))?;
        }
    }
    let file = File {
        description: "lakala-rs open-platform (LKLAPI-SHA256withRSA) test vectors, generated by `cargo xtask fixtures` with TEST keys and certificates (fixtures/keys/). Fields: fixtures/README.md.",
        format_version: 1,
        scheme: SCHEME,
        cases: cases.into_iter().map(case).collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(vec![Output {
        path: PATH.to_owned(),
        bytes: text.into_bytes(),
    }])
}
