//! The open platform over loopback HTTP: authentication exactly as the platform does it,
//! every micropay scenario, the order book (query, revoke, refund), pre-orders, concurrency
//! and bounded reads.

mod support;

use lakala_crypto::open_platform::{generate_nonce, RequestSigner};
use lakala_crypto::PrivateKey;
use lakala_sandbox::behaviour::{auth_codes, codes};
use lakala_types::micropay::{MicropayResponse, TradeQueryResponse, V3Response};
use lakala_types::preauth::{AccountType, PaymentData, PreOrderResponse, TransType, V2Response};
use serde_json::{json, Value};
use std::time::Duration;
use support::{start, start_with, Env, MERCHANT_NO, TERM_NO};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MICROPAY: &str = "/api/v3/dcp/trans/micropay";

async fn refused(env: &Env, body: &[u8], authorization: Option<String>) -> (u16, Value) {
    let response = env.post(MICROPAY, body.to_vec(), authorization).await;
    assert!(
        response.header("Lklapi-Signature").is_none(),
        "refusals are not signed"
    );
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap(),
    )
}

fn body(env: &Env, out_trade_no: &str) -> Vec<u8> {
    env.v3_envelope(json!({
        "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": out_trade_no,
        "auth_code": auth_codes::SUCCEED, "total_amount": "1",
        "location_info": {"request_ip": "127.0.0.1"}
    }))
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_is_checked_like_the_platform() {
    let env = start().await;
    let now = env.now();
    let b = body(&env, "AUTH1");

    assert_eq!(
        refused(&env, &b, None).await,
        (
            401,
            json!({"code": codes::AUTH_MALFORMED, "msg": "缺少Authorization请求头"})
        )
    );
    let (status, answer) = refused(&env, &b, Some("Bearer x".into())).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some(codes::AUTH_MALFORMED))
    );

    // Signed with a key that is not the merchant certificate's.
    let intruder = PrivateKey::generate(&mut rand::thread_rng(), 2048).unwrap();
    let wrong = RequestSigner::new(env.keys.appid(), env.keys.serial_no(), intruder)
        .sign(&b, now, &generate_nonce(&mut rand::rngs::OsRng))
        .unwrap();
    let (status, answer) = refused(&env, &b, Some(wrong.to_string())).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some(codes::AUTH_BAD_SIGNATURE))
    );

    // The right key over another body.
    let auth = env.authorization(&b, now);
    let mut tampered = b.clone();
    let at = tampered.iter().position(|c| *c == b'1').unwrap();
    tampered[at] = b'2';
    let (status, answer) = refused(&env, &tampered, Some(auth)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some(codes::AUTH_BAD_SIGNATURE))
    );

    // Unknown appid and serial.
    let other = RequestSigner::new(
        "OP00000003",
        env.keys.serial_no(),
        env.keys.open_merchant().key().clone(),
    );
    let auth = other.sign(&b, now, "n1").unwrap().to_string();
    assert_eq!(
        refused(&env, &b, Some(auth)).await.1["code"],
        codes::AUTH_UNKNOWN_APPID
    );
    let other = RequestSigner::new(
        env.keys.appid(),
        "00dfba8194c41b84cf",
        env.keys.open_merchant().key().clone(),
    );
    let auth = other.sign(&b, now, "n2").unwrap().to_string();
    assert_eq!(
        refused(&env, &b, Some(auth)).await.1["code"],
        codes::AUTH_UNKNOWN_SERIAL
    );

    // The timestamp window: 300 s either side.
    for skew in [-301i64, 301] {
        let auth = env.authorization(&b, now + skew);
        let (status, answer) = refused(&env, &b, Some(auth)).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (401, Some(codes::AUTH_STALE)),
            "skew {skew}"
        );
    }
    let inside = env.authorization(&b, now - 299);
    let response = env.post(MICROPAY, b.clone(), Some(inside.clone())).await;
    assert_eq!(response.status, 200);
    env.verify_answer(&response);

    // The same timestamp and nonce again: a replay.
    let (status, answer) = refused(&env, &b, Some(inside)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some(codes::AUTH_REPLAY))
    );

    // Unknown path.
    assert_eq!(
        env.post("/api/v3/nothing", b.clone(), None).await.status,
        404
    );
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn micropay_scenarios() {
    let env = start().await;

    let ok = env.micropay("M1", auth_codes::SUCCEED, 101).await;
    assert_eq!(ok["code"], "DCP00000");
    assert_eq!(ok["resp_data"]["need_query"], "0");
    assert_eq!(ok["resp_data"]["account_type"], "ALIPAY");
    assert_eq!(ok["resp_data"]["total_amount"], "101");
    assert!(ok["resp_data"]["acc_resp_fields"]["user_id"].is_string());
    let typed: V3Response<MicropayResponse> =
        lakala_types::parse_strict(&ok.to_string()).expect("follows spec 003");
    assert_eq!(typed.resp_data().unwrap().trade_no().unwrap().len(), 22);
    assert_eq!(env.state("M1").await, "SUCCESS");

    let wx = env.micropay("M2", auth_codes::SUCCEED_WECHAT, 5).await;
    assert_eq!(wx["resp_data"]["account_type"], "WECHAT");
    assert!(wx["resp_data"]["acc_resp_fields"]["openid"].is_string());

    // Pending, then success after the pending delay (12 s) on the sandbox clock.
    let p = env
        .micropay("M3", auth_codes::PENDING_THEN_SUCCEED, 200)
        .await;
    assert_eq!(
        (p["code"].as_str(), p["resp_data"]["need_query"].as_str()),
        (Some("DCP10000"), Some("1"))
    );
    lakala_types::parse_strict::<V3Response<MicropayResponse>>(&p.to_string())
        .expect("follows spec 003");
    env.advance(5);
    assert_eq!(env.state("M3").await, "DEAL");
    env.advance(5);
    assert_eq!(env.state("M3").await, "DEAL");
    env.advance(2);
    assert_eq!(env.state("M3").await, "SUCCESS");

    // Pending, then failure.
    env.micropay("M4", auth_codes::PENDING_THEN_FAIL, 200).await;
    assert_eq!(env.state("M4").await, "DEAL");
    env.advance(12);
    let q = env.query("M4").await;
    assert_eq!(q["resp_data"]["trade_state"], "FAIL");
    assert_eq!(q["resp_data"]["trade_state_desc"], "用户取消支付");

    // Pending until revoked.
    env.micropay("M5", auth_codes::PENDING_UNTIL_REVOKED, 300)
        .await;
    env.advance(3600);
    assert_eq!(env.state("M5").await, "DEAL");
    let r = env.revoke("R5", "M5").await;
    assert_eq!(r["code"], "BBS00000");
    assert_eq!(r["resp_data"]["refund_amount"], "0");
    let q = env.query("M5").await;
    assert_eq!(
        (
            q["resp_data"]["trade_state"].as_str(),
            q["resp_data"]["trade_state_desc"].as_str()
        ),
        (Some("REFUND"), Some("交易已撤销"))
    );

    // Wallet errors.
    for (no, code, expected) in [
        ("M6", auth_codes::INSUFFICIENT_BALANCE, "SBX20001"),
        ("M7", auth_codes::EXPIRED_CODE, "SBX20002"),
        ("M8", "28850000000000ABCD", "SBX20003"),
    ] {
        let answer = env.micropay(no, code, 10).await;
        assert_eq!(answer["code"], expected);
        assert!(answer.get("resp_data").is_none());
        assert_eq!(env.state(no).await, "FAIL");
    }

    // A repeated out_trade_no changes nothing; bad requests are refused, signed.
    assert_eq!(
        env.micropay("M1", auth_codes::SUCCEED, 101).await["code"],
        codes::DUPLICATE_ORDER
    );
    assert_eq!(
        env.micropay("M9", auth_codes::SUCCEED, 0).await["code"],
        codes::INVALID_REQUEST
    );
    let no_location = env
        .v3(MICROPAY, json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "M10", "auth_code": auth_codes::SUCCEED, "total_amount": "1"}))
        .await;
    assert_eq!(no_location["code"], codes::INVALID_REQUEST);
    assert!(
        no_location["msg"]
            .as_str()
            .unwrap()
            .contains("location_info"),
        "{no_location}"
    );
    let not_v3 = env.open(MICROPAY, &json!({"hello": 1})).await;
    assert_eq!(not_v3["code"], codes::INVALID_REQUEST);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_settles_without_requests() {
    // The 100 ms ticker settles a pending order on the manual clock by itself.
    let env = start_with(|c| c.pending_delay(Duration::from_secs(1))).await;
    env.micropay("P1", auth_codes::PENDING_THEN_SUCCEED, 1)
        .await;
    env.advance(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.state("P1").await, "SUCCESS");
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trade_query_finds_by_either_number_and_only_for_its_merchant() {
    let env = start().await;
    let paid = env.micropay("Q1", auth_codes::SUCCEED, 42).await;
    let trade_no = paid["resp_data"]["trade_no"].as_str().unwrap();
    let by_trade = env
        .v3(
            "/api/v3/labs/query/tradequery",
            json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "trade_no": trade_no}),
        )
        .await;
    assert_eq!(by_trade["code"], "BBS00000");
    assert_eq!(by_trade["resp_data"]["out_trade_no"], "Q1");
    assert_eq!(by_trade["resp_data"]["log_no"], &trade_no[8..]);
    let typed: V3Response<TradeQueryResponse> =
        lakala_types::parse_strict(&by_trade.to_string()).unwrap();
    assert!(typed.resp_data().unwrap().trade_state().unwrap().is_final());

    assert_eq!(env.query("NOPE").await["code"], codes::ORDER_NOT_FOUND);
    let other_merchant = env
        .v3(
            "/api/v3/labs/query/tradequery",
            json!({"merchant_no": "822290059430999", "term_no": TERM_NO, "out_trade_no": "Q1"}),
        )
        .await;
    assert_eq!(other_merchant["code"], codes::ORDER_NOT_FOUND);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_never_exceed_what_was_paid() {
    let env = start().await;
    env.micropay("F1", auth_codes::SUCCEED, 100).await;

    let first = env.refund("F1R1", "F1", 30).await;
    assert_eq!(first["code"], "BBS00000");
    assert_eq!(first["resp_data"]["refund_amount"], "30");
    assert_eq!(first["resp_data"]["origin_out_trade_no"], "F1");
    // Repeating the same refund answers the same, refunds nothing more.
    let again = env.refund("F1R1", "F1", 30).await;
    assert_eq!(again["resp_data"], first["resp_data"]);
    // The same number for another amount: refused.
    assert_eq!(
        env.refund("F1R1", "F1", 31).await["code"],
        codes::DUPLICATE_ORDER
    );
    // 30 refunded, 70 left: the trade reads PART_REFUND.
    assert_eq!(env.state("F1").await, "PART_REFUND");
    let over = env.refund("F1R2", "F1", 71).await;
    assert_eq!(over["code"], codes::REFUND_EXCEEDS);
    assert!(over["msg"].as_str().unwrap().contains("70"), "{over}");
    assert_eq!(env.refund("F1R2", "F1", 70).await["code"], "BBS00000");
    assert_eq!(
        env.refund("F1R3", "F1", 1).await["code"],
        codes::REFUND_EXCEEDS
    );
    let q = env.query("F1").await;
    assert_eq!(
        (
            q["resp_data"]["trade_state"].as_str(),
            q["resp_data"]["refund_amount"].as_str()
        ),
        (Some("REFUND"), Some("100"))
    );
    assert_eq!(
        env.refund("F1R4", "F1", 0).await["code"],
        codes::INVALID_REQUEST
    );

    // By log_no.
    let paid = env.micropay("F2", auth_codes::SUCCEED, 10).await;
    let log_no = &paid["resp_data"]["trade_no"].as_str().unwrap()[8..];
    let by_log = env
        .v3("/api/v3/labs/relation/refund", json!({"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "F2R1", "refund_amount": "10", "origin_log_no": log_no, "location_info": {"request_ip": "127.0.0.1"}}))
        .await;
    assert_eq!(by_log["code"], "BBS00000", "{by_log}");

    // Not paid: pending, failed, unknown.
    env.micropay("F3", auth_codes::PENDING_THEN_SUCCEED, 10)
        .await;
    assert_eq!(
        env.refund("F3R1", "F3", 1).await["code"],
        codes::CANNOT_REFUND
    );
    env.micropay("F4", auth_codes::INSUFFICIENT_BALANCE, 10)
        .await;
    assert_eq!(
        env.refund("F4R1", "F4", 1).await["code"],
        codes::CANNOT_REFUND
    );
    assert_eq!(
        env.refund("F5R1", "F5", 1).await["code"],
        codes::ORDER_NOT_FOUND
    );
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_semantics() {
    let env = start().await;
    // A paid order, partly refunded: revoking returns the rest and it is no longer paid.
    env.micropay("V1", auth_codes::SUCCEED, 100).await;
    env.refund("V1F1", "V1", 40).await;
    let r = env.revoke("V1R1", "V1").await;
    assert_eq!(r["code"], "BBS00000");
    assert_eq!(r["resp_data"]["refund_amount"], "60");
    assert_eq!(r["resp_data"]["origin_out_trade_no"], "V1");
    let q = env.query("V1").await;
    assert_eq!(
        (
            q["resp_data"]["trade_state"].as_str(),
            q["resp_data"]["refund_amount"].as_str()
        ),
        (Some("REFUND"), Some("100"))
    );
    assert_eq!(
        env.refund("V1F2", "V1", 1).await["code"],
        codes::CANNOT_REFUND
    );
    // The same revoke again: the same answer; another revoke number: refused.
    assert_eq!(env.revoke("V1R1", "V1").await["resp_data"], r["resp_data"]);
    assert_eq!(env.revoke("V1R2", "V1").await["code"], codes::CANNOT_REVOKE);

    // A pending order revoked before it settles never becomes paid.
    env.micropay("V2", auth_codes::PENDING_THEN_SUCCEED, 100)
        .await;
    assert_eq!(env.revoke("V2R1", "V2").await["code"], "BBS00000");
    env.advance(60);
    assert_eq!(env.state("V2").await, "REFUND");

    // Failed and unknown orders.
    env.micropay("V3", auth_codes::EXPIRED_CODE, 100).await;
    assert_eq!(env.revoke("V3R1", "V3").await["code"], codes::CANNOT_REVOKE);
    assert_eq!(
        env.revoke("V4R1", "V4").await["code"],
        codes::ORDER_NOT_FOUND
    );
    env.sandbox.shutdown().await;
}

fn pre_order_body(env: &Env, sno: &str, trans_type: &str, account: &str) -> Value {
    json!({
        "ver": "1.0.0",
        "timestamp": env.now() * 1000,
        "reqId": "baff59de4694438ca9089862253517a5",
        "reqData": {
            "merId": MERCHANT_NO, "termId": TERM_NO, "accountType": account, "transType": trans_type,
            "amount": "000000000100", "merReqSno": sno, "subject": "测试专用",
            "appId": "wx9ef39b708f16694d", "openId": "olpr-0pHIp1AjaAr29LENlHi0cJ0"
        },
        "termExtInfo": {"termLoc": "+37.1,-121.1"}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_orders_answer_the_fields_of_their_combination() {
    let env = start().await;
    const PATH: &str = "/api/v2/labs/txn/preAuth/preAuthPreOrder";
    let cases: [(&str, &str, &[&str]); 10] = [
        ("41", "ALIPAY", &["code"]),
        ("41", "UQRCODEPAY", &["code"]),
        (
            "51",
            "WECHAT",
            &[
                "appId",
                "timeStamp",
                "nonceStr",
                "package",
                "signType",
                "paySign",
            ],
        ),
        ("51", "ALIPAY", &["prepayId"]),
        ("51", "UQRCODEPAY", &["redirectUrl"]),
        ("51", "LKLACC", &["prepayId"]),
        ("51", "BESTPAY", &[]),
        (
            "71",
            "WECHAT",
            &[
                "prepayId",
                "paySign",
                "appId",
                "timeStamp",
                "nonceStr",
                "package",
                "signType",
            ],
        ),
        (
            "61",
            "WECHAT",
            &[
                "prepayId",
                "paySign",
                "appId",
                "timeStamp",
                "nonceStr",
                "package",
                "partnerId",
            ],
        ),
        ("81", "ALIPAY", &["formData"]),
    ];
    for (i, (trans, account, fields)) in cases.iter().enumerate() {
        let sno = format!("PRE{i}");
        let answer = env
            .open(PATH, &pre_order_body(&env, &sno, trans, account))
            .await;
        assert_eq!(answer["retCode"], "000000", "{trans}/{account}: {answer}");
        assert_eq!(answer["reqId"], "baff59de4694438ca9089862253517a5");
        let data = &answer["respData"];
        assert_eq!(data["merReqSno"], sno.as_str());
        let lkl = data["lklOrderNo"].as_str().unwrap();
        assert_eq!(lkl.len(), 32);
        assert_eq!(data["logNo"], &lkl[18..]);
        for field in *fields {
            assert!(
                data[*field].is_string(),
                "{trans}/{account} lacks {field}: {data}"
            );
        }
        // Typed and checked as the client will see it.
        let parsed: V2Response<PreOrderResponse> =
            lakala_types::parse_strict(&answer.to_string()).expect("follows spec 001");
        let payment = parsed
            .resp_data()
            .unwrap()
            .payment_data(&TransType::from(*trans), &AccountType::from(*account))
            .unwrap();
        lakala_types::Validate::validate(&payment).expect("payment fields follow spec 001");
        if *trans == "41" {
            let PaymentData::Native(native) = payment else {
                panic!("NATIVE")
            };
            assert!(
                native.code().unwrap().starts_with("https://"),
                "a QR code URL"
            );
        }
        if *trans == "61" {
            assert_eq!(data["package"], "Sign=WXPay");
        }
        // The pre-order is in the order book, awaiting payment.
        assert_eq!(env.state(&sno).await, "CREATE");
    }
    // Combinations the spec does not support, duplicates, bad requests.
    for (trans, account) in [
        ("41", "WECHAT"),
        ("61", "ALIPAY"),
        ("71", "ALIPAY"),
        ("81", "WECHAT"),
    ] {
        let answer = env
            .open(
                PATH,
                &pre_order_body(&env, &format!("X{trans}{account}"), trans, account),
            )
            .await;
        assert_eq!(
            answer["retCode"],
            codes::UNSUPPORTED_COMBINATION,
            "{trans}/{account}"
        );
    }
    assert_eq!(
        env.open(PATH, &pre_order_body(&env, "PRE0", "41", "ALIPAY"))
            .await["retCode"],
        codes::DUPLICATE_ORDER
    );
    let mut no_app = pre_order_body(&env, "PREX", "51", "WECHAT");
    no_app["reqData"].as_object_mut().unwrap().remove("appId");
    let answer = env.open(PATH, &no_app).await;
    assert_eq!(answer["retCode"], codes::INVALID_REQUEST);
    assert!(answer["retMsg"].as_str().unwrap().contains("appId"));
    // The spec's own example naming (mercId, termNo, payMode, orderId) is accepted.
    let example = json!({
        "reqData": {"mercId": MERCHANT_NO, "termNo": "47846848", "payMode": "ALIPAY", "amount": "000000000001",
                    "openId": "", "spbillCreateIp": "127.1.10", "transType": "41", "orderId": "20200728165211",
                    "appId": "", "subject": "测试专用"},
        "ver": "1.0.0", "timestamp": "1541589957000", "reqId": "baff59de4694438ca9089862253517a5",
        "termExtInfo": {"termLoc": "+155621.316,-125622.12"}
    });
    let answer = env.open(PATH, &example).await;
    assert_eq!(answer["retCode"], "000000", "{answer}");
    // A pre-order can be revoked (closed), not refunded.
    assert_eq!(
        env.refund("PRE0F", "PRE0", 1).await["code"],
        codes::CANNOT_REFUND
    );
    assert_eq!(env.revoke("PRE0R", "PRE0").await["code"], "BBS00000");
    assert_eq!(env.state("PRE0").await, "REFUND");
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients() {
    let env = std::sync::Arc::new(start().await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let env = env.clone();
        tasks.spawn(async move {
            let out = format!("C{i}");
            let paid = env.micropay(&out, auth_codes::SUCCEED, 100).await;
            assert_eq!(paid["code"], "DCP00000");
            assert_eq!(env.state(&out).await, "SUCCESS");
            paid["resp_data"]["trade_no"].as_str().unwrap().to_owned()
        });
    }
    let mut trade_nos = std::collections::HashSet::new();
    while let Some(result) = tasks.join_next().await {
        assert!(
            trade_nos.insert(result.unwrap()),
            "trade numbers are unique"
        );
    }
    assert_eq!(trade_nos.len(), 24);

    // Twenty concurrent refunds of 10 on an order of 100: exactly ten succeed.
    env.micropay("CR", auth_codes::SUCCEED, 100).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let env = env.clone();
        tasks.spawn(async move {
            env.refund(&format!("CRF{i}"), "CR", 10).await["code"]
                .as_str()
                .unwrap()
                .to_owned()
        });
    }
    let mut ok = 0;
    while let Some(code) = tasks.join_next().await {
        match code.unwrap().as_str() {
            "BBS00000" => ok += 1,
            other => assert_eq!(other, codes::REFUND_EXCEEDS),
        }
    }
    assert_eq!(ok, 10);
    assert_eq!(env.query("CR").await["resp_data"]["refund_amount"], "100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_oversized_requests_are_bounded() {
    let env = start_with(|c| {
        c.read_timeout(Duration::from_millis(500))
            .max_body_bytes(1024)
    })
    .await;
    // A body announced but never sent: 408, not a hang.
    let mut stream = tokio::net::TcpStream::connect(env.sandbox.local_addr())
        .await
        .unwrap();
    stream
        .write_all(
            b"POST /api/v3/dcp/trans/micropay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the sandbox answered or closed in time");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(codes::READ_TIMEOUT), "{text}");

    // Headers never finished: the connection is closed.
    let mut stream = tokio::net::TcpStream::connect(env.sandbox.local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"POST /api/v3/dcp/trans/micropay HTTP/1.1\r\nHost:")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "closed in time");

    // Too large, declared or streamed.
    let big = env.post(MICROPAY, vec![b'{'; 2048], None).await;
    assert_eq!(big.status, 413);
    assert_eq!(
        serde_json::from_slice::<Value>(&big.body).unwrap()["code"],
        codes::TOO_LARGE
    );
    env.sandbox.shutdown().await;
}
