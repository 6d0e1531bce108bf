//! `fixtures/vectors/crossborder.json`: cross-border gateway (protocol 3.0.0) test vectors.
//!
//! Every case is sealed with `lakala-crypto`'s public API and the keys of `fixtures/keys/`.
//! The only randomness of the protocol (the one-time keys and the PKCS#1 v1.5 padding of
//! `encKey`) comes from one `ChaCha20Rng` with a fixed seed, consumed in a fixed order, so
//! the file is byte-for-byte reproducible; `encData` and `mac` are deterministic anyway.
//! The invalid cases are valid messages with one fault introduced afterwards.
//!
//! The format is documented field by field in `fixtures/README.md`.

use crate::generation::{Context, Output};
use crate::test_keys::{self, TestKey};
use lakala_crypto::crossborder::{
    MacInput, Merchant, NotificationAnswerEnvelope, NotificationEnvelope, Platform,
    RequestEnvelope, ResponseEnvelope,
};
use lakala_crypto::SecKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

/// The output file, relative to the workspace root.
pub const PATH: &str = "fixtures/vectors/crossborder.json";

/// Seed of the generator that draws one-time keys and `encKey` padding.
const SEED: u64 = 0x6c61_6b61_6c61_0001;

const MER_ID: &str = "TESTMER00001";
const MER_ID_2048: &str = "TESTMER00002";

/// The file.
#[derive(Serialize)]
struct File {
    description: &'static str,
    format_version: u32,
    protocol_version: &'static str,
    cases: Vec<Case>,
}

/// One case; see `fixtures/README.md`.
#[derive(Serialize)]
struct Case {
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_error: Option<&'static str>,
    sec_key: String,
    aes_key_hex: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    enc_key_block: Option<String>,
    biz_json: Option<String>,
    biz_gbk_hex: Option<String>,
    mac_input: String,
    mac_input_gbk_hex: String,
    mac_sha256_hex: String,
    signer_public_key: String,
    signer_private_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_private_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_public_key: Option<String>,
    envelope: Envelope,
}

/// The message exactly as on the wire (field order as the platform writes it).
#[derive(Serialize, Clone)]
#[serde(untagged)]
enum Envelope {
    Request(RequestEnvelope),
    Response(ResponseEnvelope),
    Notification(NotificationEnvelope),
    NotificationAnswer(NotificationAnswerEnvelope),
}

impl Envelope {
    fn kind(&self) -> &'static str {
        match self {
            Envelope::Request(_) => "request",
            Envelope::Response(_) => "response",
            Envelope::Notification(_) => "notification",
            Envelope::NotificationAnswer(_) => "notification_answer",
        }
    }

    fn mac_input(&self) -> MacInput<'_> {
        match self {
            Envelope::Request(e) => e.mac_input(),
            Envelope::Response(e) => e.mac_input(),
            Envelope::Notification(e) => e.mac_input(),
            Envelope::NotificationAnswer(e) => e.mac_input(),
        }
    }
}

/// What is wrong with an invalid case, and the error a receiver must report.
struct Fault {
    reason: &'static str,
    expected_error: &'static str,
}

const TAMPERED_MAC: Fault = Fault {
    reason: "tampered_mac",
    expected_error: "mac_mismatch",
};
const TAMPERED_ENC_DATA: Fault = Fault {
    reason: "tampered_enc_data",
    expected_error: "mac_mismatch",
};
const WRONG_SIGNER: Fault = Fault {
    reason: "wrong_signer",
    expected_error: "mac_mismatch",
};
const ENC_KEY_TS_MISMATCH: Fault = Fault {
    reason: "enc_key_ts_mismatch",
    expected_error: "enc_key_ts_mismatch",
};

/// The parts of a case that are not derived from its envelope.
struct Spec {
    name: &'static str,
    description: &'static str,
    fault: Option<Fault>,
    sec_key: SecKey,
    /// The `ts` inside `encKey`, when the envelope has one.
    enc_key_ts: Option<String>,
    biz_json: Option<String>,
    /// Key names in `fixtures/keys/`.
    signer: &'static str,
    recipient: Option<&'static str>,
    envelope: Envelope,
}

fn gbk(field: &str, text: &str) -> Result<Vec<u8>, String> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    if had_errors {
        return Err(format!("{field}: text GBK cannot encode"));
    }
    Ok(bytes.into_owned())
}

fn case(spec: Spec) -> Result<Case, String> {
    let err = |e: lakala_crypto::CryptoError| format!("{}: {e}", spec.name);
    let mac_input = spec.envelope.mac_input();
    let mac_text = mac_input.text();
    Ok(Case {
        name: spec.name,
        description: spec.description,
        kind: spec.envelope.kind(),
        valid: spec.fault.is_none(),
        reason: spec.fault.as_ref().map(|f| f.reason),
        expected_error: spec.fault.as_ref().map(|f| f.expected_error),
        sec_key: spec.sec_key.expose_text().to_owned(),
        aes_key_hex: hex(spec.sec_key.aes_key()),
        enc_key_block: spec
            .enc_key_ts
            .as_ref()
            .map(|ts| format!("{ts}{}", spec.sec_key.expose_text())),
        biz_gbk_hex: spec
            .biz_json
            .as_deref()
            .map(|biz| gbk(spec.name, biz).map(|b| hex(&b)))
            .transpose()?,
        biz_json: spec.biz_json,
        mac_input_gbk_hex: hex(&gbk(spec.name, &mac_text)?),
        mac_sha256_hex: mac_input.digest_hex().map_err(err)?,
        mac_input: mac_text,
        signer_public_key: test_keys::public_path(spec.signer),
        signer_private_key: test_keys::private_path(spec.signer),
        recipient_private_key: spec.recipient.map(test_keys::private_path),
        recipient_public_key: spec.recipient.map(test_keys::public_path),
        envelope: spec.envelope.clone(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Changes the hex digit at `position` to another one (keeps the length and the case).
fn flip_hex(text: &str, position: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[position] = if chars[position] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

const BIZ_ASCII: &str =
    r#"{"orderNo":"T202409010001","bizType":"00","certNo":"110101199001011234","certType":"00"}"#;

const BIZ_CHINESE: &str = r#"{"orderNo":"T202409010002","bizType":"00","name":"张三","certNo":"110101199001011234","certType":"00","remark":"测试订单：跨境付款（人民币）"}"#;

/// Empty strings where the business JSON has optional fields.
const BIZ_EMPTY_FIELDS: &str =
    r#"{"orderNo":"T202409010003","bizType":"00","name":"","certNo":"","certType":"","remark":""}"#;

/// Far longer than one RSA block of either key size: encData is AES, whatever its length.
fn biz_long() -> String {
    let goods: Vec<String> = (1..=12)
        .map(|i| {
            format!(
                r#"{{"goodsName":"测试商品第{i}号：丝绸围巾（蓝色）","quantity":"{i}","price":"{}"}}"#,
                1000 + i
            )
        })
        .collect();
    format!(
        r#"{{"orderNo":"T202409010004","bizType":"01","name":"欧阳娜娜","address":"上海市浦东新区世纪大道100号","goods":[{}],"remark":"长报文：超过一个RSA分组的业务数据"}}"#,
        goods.join(",")
    )
}

const BIZ_RESPONSE: &str = r#"{"retCode":"0000","retMsg":"成功","orderNo":"T202409010002","lklOrderNo":"LKL20240901000002","status":"S"}"#;

const BIZ_NOTIFICATION: &str = r#"{"orderNo":"T202409010002","lklOrderNo":"LKL20240901000002","payAmount":"10000","currency":"CNY","payResult":"成功","payTime":"20240901103105"}"#;

const BIZ_ANSWER: &str = r#"{"retCode":"0000","retMsg":"成功"}"#;

/// The generator of `fixtures/vectors/crossborder.json`.
pub fn generate(context: &Context) -> Result<Vec<Output>, String> {
    let key = |name| test_keys::get(context, name);
    let (m1, p1) = (
        key("crossborder-merchant-1024")?,
        key("crossborder-platform-1024")?,
    );
    let (m2, p2) = (
        key("crossborder-merchant-2048")?,
        key("crossborder-platform-2048")?,
    );
    let intruder = key("intruder-1024")?;
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let e = |e: lakala_crypto::CryptoError| e.to_string();

    let merchant =
        |id: &str, m: &TestKey, p: &TestKey| Merchant::new(id, m.private.clone(), p.public());
    let platform = |p: &TestKey, m: &TestKey| Platform::new(p.private.clone(), m.public());
    let (merchant1, platform1) = (merchant(MER_ID, m1, p1), platform(p1, m1));
    let (merchant2, platform2) = (merchant(MER_ID_2048, m2, p2), platform(p2, m2));
    let biz_long = biz_long();

    let mut specs = Vec::new();

    // Requests: merchant -> platform.
    let mut requests = Vec::new();
    for (name, description, merchant, platform, ts, biz) in [
        (
            "request-ascii-1024",
            "A gate/auth request with ASCII business JSON, 1024-bit keys.",
            &merchant1,
            &platform1,
            "20240901103000000001",
            BIZ_ASCII,
        ),
        (
            "request-chinese-1024",
            "Chinese text in the business JSON (GBK: two bytes per character).",
            &merchant1,
            &platform1,
            "20240901103000000002",
            BIZ_CHINESE,
        ),
        (
            "request-empty-fields-1024",
            "Optional business fields present but empty.",
            &merchant1,
            &platform1,
            "20240901103000000003",
            BIZ_EMPTY_FIELDS,
        ),
        (
            "request-long-2048",
            "Business JSON far longer than one RSA block, 2048-bit keys.",
            &merchant2,
            &platform2,
            "20240901103000000004",
            biz_long.as_str(),
        ),
    ] {
        let sec_key = SecKey::generate(&mut rng);
        let sealed = merchant
            .seal_request_with_key(ts, biz, sec_key, &mut rng)
            .map_err(e)?;
        let opened = platform.open_request(&sealed.envelope).map_err(e)?;
        let wide = name.ends_with("2048");
        specs.push(Spec {
            name,
            description,
            fault: None,
            sec_key: sealed.sec_key.clone(),
            enc_key_ts: Some(ts.to_owned()),
            biz_json: Some(biz.to_owned()),
            signer: if wide {
                "crossborder-merchant-2048"
            } else {
                "crossborder-merchant-1024"
            },
            recipient: Some(if wide {
                "crossborder-platform-2048"
            } else {
                "crossborder-platform-1024"
            }),
            envelope: Envelope::Request(sealed.envelope.clone()),
        });
        requests.push(opened);
    }
    let (opened_ascii, opened_chinese, opened_empty, opened_long) =
        (&requests[0], &requests[1], &requests[2], &requests[3]);

    // Responses: platform -> merchant, under the request's one-time key.
    for (name, description, platform, request, ts, ret_code, ret_msg, biz) in [
        (
            "response-chinese-1024",
            "A successful answer; Chinese retMsg (part of the MAC string) and business JSON.",
            &platform1,
            opened_chinese,
            "20240901103001000001",
            "0000",
            "成功",
            Some(BIZ_RESPONSE),
        ),
        (
            "response-empty-retmsg-1024",
            "An answer whose retMsg is the empty string.",
            &platform1,
            opened_ascii,
            "20240901103001000002",
            "0000",
            "",
            Some(BIZ_ANSWER),
        ),
        (
            "response-without-encdata-1024",
            "A business failure: no encData on the wire (the MAC string then ends with ts); biz_json is null.",
            &platform1,
            opened_empty,
            "20240901103001000003",
            "2001",
            "订单不存在",
            None,
        ),
        (
            "response-long-2048",
            "An answer carrying the long business JSON back, 2048-bit keys.",
            &platform2,
            opened_long,
            "20240901103001000004",
            "0000",
            "成功",
            Some(biz_long.as_str()),
        ),
    ] {
        let envelope = platform
            .seal_response(request, ts, ret_code, ret_msg, biz)
            .map_err(e)?;
        let wide = name.ends_with("2048");
        specs.push(Spec {
            name,
            description,
            fault: None,
            sec_key: request.sec_key.clone(),
            enc_key_ts: None,
            biz_json: biz.map(str::to_owned),
            signer: if wide { "crossborder-platform-2048" } else { "crossborder-platform-1024" },
            recipient: None,
            envelope: Envelope::Response(envelope),
        });
    }

    // Notifications: platform -> merchant, with their own one-time key.
    let mut notifications = Vec::new();
    for (name, description, merchant, platform, mer_id, ts, biz) in [
        (
            "notification-chinese-1024",
            "A B0005 payment-result notification with Chinese text.",
            &merchant1,
            &platform1,
            MER_ID,
            "20240901103105000001",
            BIZ_NOTIFICATION,
        ),
        (
            "notification-long-2048",
            "A notification whose business JSON is far longer than one RSA block, 2048-bit keys.",
            &merchant2,
            &platform2,
            MER_ID_2048,
            "20240901103105000002",
            biz_long.as_str(),
        ),
    ] {
        let sec_key = SecKey::generate(&mut rng);
        let (envelope, sec_key) = platform
            .seal_notification_with_key(mer_id, ts, "B0005", biz, sec_key, &mut rng)
            .map_err(e)?;
        let opened = merchant.open_notification(&envelope).map_err(e)?;
        let wide = name.ends_with("2048");
        specs.push(Spec {
            name,
            description,
            fault: None,
            sec_key,
            enc_key_ts: Some(ts.to_owned()),
            biz_json: Some(biz.to_owned()),
            signer: if wide {
                "crossborder-platform-2048"
            } else {
                "crossborder-platform-1024"
            },
            recipient: Some(if wide {
                "crossborder-merchant-2048"
            } else {
                "crossborder-merchant-1024"
            }),
            envelope: Envelope::Notification(envelope),
        });
        notifications.push(opened);
    }

    // Notification answers: merchant -> platform, under the notification's key.
    for (name, description, merchant, notification, answer) in [
        (
            "notification-answer-1024",
            "The merchant's answer to notification-chinese-1024 (ts and reqType copied).",
            &merchant1,
            &notifications[0],
            Some(BIZ_ANSWER),
        ),
        (
            "notification-answer-2048",
            "The merchant's answer to notification-long-2048.",
            &merchant2,
            &notifications[1],
            Some(BIZ_ANSWER),
        ),
        (
            "notification-answer-empty-encdata-1024",
            "An answer with an empty encData (the answer's MAC does not cover encData); biz_json is null.",
            &merchant1,
            &notifications[0],
            None,
        ),
    ] {
        let envelope = match answer {
            Some(json) => merchant
                .seal_notification_answer(notification, "0000", "成功", json)
                .map_err(e)?,
            None => {
                let mut envelope = NotificationAnswerEnvelope {
                    ret_code: "0000".into(),
                    ret_msg: "成功".into(),
                    mer_id: MER_ID.into(),
                    ts: notification.ts.clone(),
                    req_type: notification.req_type.clone(),
                    ver: lakala_crypto::crossborder::VERSION.into(),
                    enc_data: String::new(),
                    mac: String::new(),
                };
                envelope.mac = envelope.mac_input().sign(&m1.private).map_err(e)?;
                envelope
            }
        };
        let wide = name.ends_with("2048");
        specs.push(Spec {
            name,
            description,
            fault: None,
            sec_key: notification.sec_key.clone(),
            enc_key_ts: None,
            biz_json: answer.map(str::to_owned),
            signer: if wide { "crossborder-merchant-2048" } else { "crossborder-merchant-1024" },
            recipient: None,
            envelope: Envelope::NotificationAnswer(envelope),
        });
    }

    // Invalid cases: valid messages, one fault each.
    let valid = |name: &str| {
        specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no case {name}"))
    };
    let mut invalid = Vec::new();
    {
        let base = valid("request-ascii-1024")?;
        let Envelope::Request(mut envelope) = base.envelope.clone() else {
            return Err("request-ascii-1024 is not a request".into());
        };
        envelope.mac = flip_hex(&envelope.mac, envelope.mac.len() - 1);
        invalid.push(Spec {
            name: "request-tampered-mac",
            description: "request-ascii-1024 with the last hex digit of mac changed.",
            fault: Some(TAMPERED_MAC),
            sec_key: base.sec_key.clone(),
            enc_key_ts: base.enc_key_ts.clone(),
            biz_json: base.biz_json.clone(),
            signer: base.signer,
            recipient: base.recipient,
            envelope: Envelope::Request(envelope),
        });
    }
    {
        let base = valid("request-chinese-1024")?;
        let Envelope::Request(mut envelope) = base.envelope.clone() else {
            return Err("request-chinese-1024 is not a request".into());
        };
        envelope.enc_data = flip_hex(&envelope.enc_data, 0);
        invalid.push(Spec {
            name: "request-tampered-encdata",
            description: "request-chinese-1024 with the first hex digit of encData changed: the MAC covers encData, so verification fails before any decryption.",
            fault: Some(TAMPERED_ENC_DATA),
            sec_key: base.sec_key.clone(),
            enc_key_ts: base.enc_key_ts.clone(),
            biz_json: base.biz_json.clone(),
            signer: base.signer,
            recipient: base.recipient,
            envelope: Envelope::Request(envelope),
        });
    }
    {
        let base = valid("response-chinese-1024")?;
        let Envelope::Response(mut envelope) = base.envelope.clone() else {
            return Err("response-chinese-1024 is not a response".into());
        };
        let data = envelope.enc_data.take().unwrap_or_default();
        envelope.enc_data = Some(flip_hex(&data, data.len() - 1));
        invalid.push(Spec {
            name: "response-tampered-encdata",
            description: "response-chinese-1024 with the last hex digit of encData changed.",
            fault: Some(TAMPERED_ENC_DATA),
            sec_key: base.sec_key.clone(),
            enc_key_ts: None,
            biz_json: base.biz_json.clone(),
            signer: base.signer,
            recipient: None,
            envelope: Envelope::Response(envelope),
        });
    }
    {
        let base = valid("notification-chinese-1024")?;
        let Envelope::Notification(mut envelope) = base.envelope.clone() else {
            return Err("notification-chinese-1024 is not a notification".into());
        };
        envelope.mac = flip_hex(&envelope.mac, 40);
        invalid.push(Spec {
            name: "notification-tampered-mac",
            description: "notification-chinese-1024 with one hex digit of mac changed.",
            fault: Some(TAMPERED_MAC),
            sec_key: base.sec_key.clone(),
            enc_key_ts: base.enc_key_ts.clone(),
            biz_json: base.biz_json.clone(),
            signer: base.signer,
            recipient: base.recipient,
            envelope: Envelope::Notification(envelope),
        });
    }
    {
        // The same key and business JSON sealed at two times: the envelope (and its valid
        // MAC) of the second, with the encKey of the first, whose ts prefix differs.
        let sec_key = SecKey::generate(&mut rng);
        let (early_ts, late_ts) = ("20240901103106000001", "20240901103107000002");
        let (early, _) = platform1
            .seal_notification_with_key(
                MER_ID,
                early_ts,
                "B0005",
                BIZ_NOTIFICATION,
                sec_key.clone(),
                &mut rng,
            )
            .map_err(e)?;
        let (mut late, _) = platform1
            .seal_notification_with_key(
                MER_ID,
                late_ts,
                "B0005",
                BIZ_NOTIFICATION,
                sec_key.clone(),
                &mut rng,
            )
            .map_err(e)?;
        late.enc_key = early.enc_key;
        invalid.push(Spec {
            name: "notification-enckey-ts-mismatch",
            description: "A notification whose MAC verifies but whose encKey starts with another ts (20240901103106000001) than the envelope's: a replayed or spliced key. Refuse it after decrypting encKey, before using the key.",
            fault: Some(ENC_KEY_TS_MISMATCH),
            sec_key,
            enc_key_ts: Some(early_ts.to_owned()),
            biz_json: Some(BIZ_NOTIFICATION.to_owned()),
            signer: "crossborder-platform-1024",
            recipient: Some("crossborder-merchant-1024"),
            envelope: Envelope::Notification(late),
        });
    }
    {
        let intruding = Merchant::new(MER_ID, intruder.private.clone(), p1.public());
        let sec_key = SecKey::generate(&mut rng);
        let ts = "20240901103000000005";
        let sealed = intruding
            .seal_request_with_key(ts, BIZ_ASCII, sec_key, &mut rng)
            .map_err(e)?;
        invalid.push(Spec {
            name: "request-wrong-signer",
            description: "A well-formed request for merchant TESTMER00001 whose MAC was made with keys/intruder-1024, not the merchant's key.",
            fault: Some(WRONG_SIGNER),
            sec_key: sealed.sec_key.clone(),
            enc_key_ts: Some(ts.to_owned()),
            biz_json: Some(BIZ_ASCII.to_owned()),
            signer: "crossborder-merchant-1024",
            recipient: Some("crossborder-platform-1024"),
            envelope: Envelope::Request(sealed.envelope),
        });
    }
    {
        let intruding = Platform::new(intruder.private.clone(), m1.public());
        let envelope = intruding
            .seal_response(
                opened_chinese,
                "20240901103001000005",
                "0000",
                "成功",
                Some(BIZ_RESPONSE),
            )
            .map_err(e)?;
        invalid.push(Spec {
            name: "response-wrong-signer",
            description: "An answer to request-chinese-1024 whose MAC was made with keys/intruder-1024, not the platform's key.",
            fault: Some(WRONG_SIGNER),
            sec_key: opened_chinese.sec_key.clone(),
            enc_key_ts: None,
            biz_json: Some(BIZ_RESPONSE.to_owned()),
            signer: "crossborder-platform-1024",
            recipient: None,
            envelope: Envelope::Response(envelope),
        });
    }
    specs.extend(invalid);

    let file = File {
        description: "lakala-rs cross-border gateway (gate/auth, protocol 3.0.0) test vectors, generated by `cargo xtask fixtures` with TEST keys (fixtures/keys/). Fields: fixtures/README.md.",
        format_version: 1,
        protocol_version: lakala_crypto::crossborder::VERSION,
        cases: specs.into_iter().map(case).collect::<Result<_, _>>()?,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(vec![Output {
        path: PATH.to_owned(),
        bytes: text.into_bytes(),
    }])
}
