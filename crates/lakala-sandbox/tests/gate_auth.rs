//! gate/auth over loopback HTTP: every documented verdict, and every refusal.

mod support;

use lakala_crypto::crossborder::{Merchant, RequestEnvelope};
use lakala_crypto::PrivateKey;
use lakala_sandbox::behaviour::cert_numbers;
use lakala_transport::HttpTransport;
use serde_json::{json, Value};
use support::{identity, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_by_cert_number() {
    let env = start().await;
    let ok = env.gate(&identity("GOK", cert_numbers::VERIFIED)).await;
    assert!(ok.signed);
    assert_eq!((ok.code.as_str(), ok.msg.as_str()), ("0000", "认证成功"));
    let biz = ok.biz.unwrap();
    assert_eq!(biz["retCode"], "0000");
    assert_eq!(biz["orderNo"], "GOK");
    assert_eq!(biz["certNo"], cert_numbers::VERIFIED);
    assert_eq!(biz["name"], "张三");

    for (i, code) in [
        "9001", "9002", "9003", "9004", "9005", "9006", "9007", "9999",
    ]
    .iter()
    .enumerate()
    {
        let cert = format!("11010119900307{code}");
        let answer = env.gate(&identity(&format!("GC{i}"), &cert)).await;
        assert!(answer.signed);
        assert_eq!(answer.code, *code, "certNo {cert}");
        assert_eq!(answer.biz.unwrap()["retCode"], *code);
    }
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_cards_and_mobiles() {
    let env = start().await;
    let card = |order: &str, card: &str| {
        json!({"orderNo": order, "bizType": "01", "name": "李四", "certNo": cert_numbers::VERIFIED,
               "certType": "00", "bankCardNo": card})
    };
    assert_eq!(env.gate(&card("B1", "6222020000001234")).await.code, "0000");
    assert_eq!(env.gate(&card("B2", "6222020000009001")).await.code, "9001");
    let four = |order: &str, mobile: &str| {
        json!({"orderNo": order, "bizType": "02", "name": "李四", "certNo": cert_numbers::VERIFIED,
               "certType": "00", "bankCardNo": "6222020000001234", "bankMobile": mobile})
    };
    assert_eq!(env.gate(&four("B3", "13800001234")).await.code, "0000");
    assert_eq!(env.gate(&four("B4", "13800009001")).await.code, "9001");
    // bizType 01 without a card breaks spec 000: 9999, parameter error, still signed.
    let missing = json!({"orderNo": "B5", "bizType": "01", "name": "李四", "certNo": cert_numbers::VERIFIED, "certType": "00"});
    let answer = env.gate(&missing).await;
    assert!(answer.signed);
    assert_eq!(answer.code, "9999");
    assert!(answer.msg.contains("bankCardNo"), "{}", answer.msg);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_conflicting_order_numbers() {
    let env = start().await;
    assert_eq!(
        env.gate(&identity("D1", cert_numbers::VERIFIED)).await.code,
        "0000"
    );
    // Same orderNo, same content: 9004.
    assert_eq!(
        env.gate(&identity("D1", cert_numbers::VERIFIED)).await.code,
        "9004"
    );
    // Same orderNo, other content: 9003.
    assert_eq!(
        env.gate(&identity("D1", "110101199003070011")).await.code,
        "9003"
    );
    // A refused order is remembered too.
    assert_eq!(
        env.gate(&identity("D2", cert_numbers::MISMATCH_9001))
            .await
            .code,
        "9001"
    );
    assert_eq!(
        env.gate(&identity("D2", cert_numbers::MISMATCH_9001))
            .await
            .code,
        "9004"
    );
    // Transient codes are not: the retry is decided afresh.
    for cert in [
        cert_numbers::INTERNAL_ERROR_9002,
        cert_numbers::INCONSISTENT_9007,
        cert_numbers::SYSTEM_ERROR_9999,
    ] {
        let order = format!("T{cert}");
        let code = &cert[cert.len() - 4..];
        assert_eq!(env.gate(&identity(&order, cert)).await.code, code);
        assert_eq!(env.gate(&identity(&order, cert)).await.code, code);
    }
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_platform_shaped() {
    let env = start().await;
    let biz = identity("R1", cert_numbers::VERIFIED);

    // Signed with another merchant key: unsigned 9999, MAC.
    let intruder = Merchant::new(
        env.keys.mer_id(),
        PrivateKey::generate(&mut rand::thread_rng(), 1024).unwrap(),
        env.keys.crossborder_platform_public_key(),
    );
    let answer = env.gate_as(&intruder, &biz).await;
    assert!(!answer.signed);
    assert_eq!(answer.code, "9999");
    assert!(answer.msg.contains("MAC"), "{}", answer.msg);

    // Tampered encData: the MAC covers it.
    let sealed = env
        .merchant()
        .seal_request(&env.ts.next(), &biz.to_string())
        .unwrap();
    let mut tampered: RequestEnvelope = sealed.envelope.clone();
    let last = if tampered.enc_data.ends_with('0') {
        "1"
    } else {
        "0"
    };
    tampered
        .enc_data
        .replace_range(tampered.enc_data.len() - 1.., last);
    let refused = raw(&env, serde_json::to_vec(&tampered).unwrap()).await;
    assert_eq!(
        refused,
        json!({"retCode": "9999", "retMsg": "系统异常: MAC校验失败"})
    );

    // Replayed envelope: the MAC verifies, the ts was used: signed 9999 without encData.
    let body = serde_json::to_vec(&sealed.envelope).unwrap();
    let first = raw(&env, body.clone()).await;
    assert_eq!(first["retCode"], "0000");
    let again = raw(&env, body).await;
    assert_eq!(again["retCode"], "9999");
    assert_eq!(again["retMsg"], "系统异常: ts重复");
    assert!(
        again.get("mac").is_some() && again.get("encData").is_none(),
        "{again}"
    );

    // Unknown merchant, not JSON, missing fields.
    let mut other = sealed.envelope.clone();
    other.mer_id = "OTHERMER0001".into();
    assert_eq!(
        raw(&env, serde_json::to_vec(&other).unwrap()).await["retMsg"],
        "系统异常: 商户号不存在"
    );
    assert_eq!(raw(&env, b"not json".to_vec()).await["retCode"], "9999");
    assert_eq!(
        raw(&env, br#"{"merId":"x"}"#.to_vec()).await["retCode"],
        "9999"
    );

    // A ts that is no date: the MAC verifies, so the refusal is signed.
    let bad_ts = env
        .merchant()
        .seal_request("20161341194550123456", &biz.to_string());
    assert!(bad_ts.is_err(), "the merchant side refuses it already");

    // Wrong method, unknown path, oversize body.
    let get = env
        .http
        .send(lakala_transport::HttpRequest {
            method: lakala_transport::Method::Get,
            url: env.url("/gate/auth"),
            headers: vec![],
            body: vec![],
        })
        .await
        .unwrap();
    assert_eq!(get.status, 405);
    let missing = env.post("/gate/nothing", b"{}".to_vec(), None).await;
    assert_eq!(missing.status, 404);
    let big = env.post("/gate/auth", vec![b' '; 70 * 1024], None).await;
    assert_eq!(big.status, 413);
    let big: Value = serde_json::from_slice(&big.body).unwrap();
    assert_eq!(big["retCode"], "9999");

    // Still serving.
    assert_eq!(
        env.gate(&identity("R2", cert_numbers::VERIFIED)).await.code,
        "0000"
    );
    env.sandbox.shutdown().await;
}

async fn raw(env: &support::Env, body: Vec<u8>) -> Value {
    let response = env.post("/gate/auth", body, None).await;
    assert_eq!(response.status, 200);
    serde_json::from_slice(&response.body).unwrap()
}
