//! The open platform (v2 pre-order, and the v3 calls of [`crate::micropay`],
//! [`crate::labs_preorder`] and [`crate::order_book`]): verify the `Authorization` header
//! exactly as the platform does, act, answer with `Lklapi-*` signature headers.

use crate::api::{error_response, json_response, Api, HttpResponse, SlowAnswer, Wire};
use crate::behaviour::codes;
use crate::micropay::{micropay, MicropayRoute};
use crate::shared::Shared;
use crate::state::{Order, OrderKey, Quirks, Settle, Status};
use crate::v3_wire::{day, parse_checked, s, truncate, v3};
use crate::{labs_preorder, order_book};
use http::{header, HeaderMap, StatusCode};
use lakala_crypto::format_china_time;
use lakala_crypto::open_platform::{generate_nonce, Authorization};
use lakala_crypto::CryptoError;
use lakala_types::preauth::{AccountType, PreOrderRequest, TransType, V2Request};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Handles one open-platform request.
///
/// On the `*_encry` routes ([`Wire::Sm4`]) the signature is checked over the body as sent
/// (the base64 text), then the body is opened with the SM4 key; every authenticated answer
/// there, refusals included, is sealed with the same key and signed as sealed. A body that
/// does not open is refused with [`codes::CANNOT_DECRYPT`], sealed too.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    api: Api,
    wire: Wire,
    headers: &HeaderMap,
    body: &[u8],
) -> HttpResponse {
    let now = shared.now();
    let refuse = |code: &str, msg: &str| {
        tracing::info!(code, msg, "open platform: request refused");
        error_response(Some(api), StatusCode::UNAUTHORIZED, code, msg)
    };
    let Some(header) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return refuse(codes::AUTH_MALFORMED, "缺少Authorization请求头");
    };
    let auth = match Authorization::parse(header) {
        Ok(a) => a,
        Err(e) => {
            return refuse(
                codes::AUTH_MALFORMED,
                &format!("Authorization格式错误: {e}"),
            )
        }
    };
    if auth.appid.as_deref() != Some(shared.keys.appid()) {
        return refuse(codes::AUTH_UNKNOWN_APPID, "appid不存在");
    }
    // The serial as Lakala registered it: the hex of the certificate's DER serial with its
    // leading `00`, in either case; no other form (stripped, decimal) is the same serial.
    let serial = shared.keys.serial_no();
    let given = auth.serial_no.as_deref().unwrap_or_default();
    if !given.eq_ignore_ascii_case(&serial) {
        let stripped = serial.trim_start_matches('0');
        let msg = if !given.is_empty() && given.eq_ignore_ascii_case(stripped) {
            "serial_no与商户证书不符: give the serial as registered, with its leading 00"
        } else {
            "serial_no与商户证书不符"
        };
        return refuse(codes::AUTH_UNKNOWN_SERIAL, msg);
    }
    match shared.verifier.verify(header, body, now) {
        Ok(_) => {}
        Err(CryptoError::StaleTimestamp { .. }) => {
            return refuse(codes::AUTH_STALE, "timestamp超出允许的时间窗口")
        }
        Err(e) => return refuse(codes::AUTH_BAD_SIGNATURE, &format!("验签失败: {e}")),
    }
    if !shared
        .state()
        .seen_nonces
        .insert(format!("{}:{}", auth.timestamp, auth.nonce_str))
    {
        return refuse(codes::AUTH_REPLAY, "重复的请求(timestamp与nonce_str已使用)");
    }

    shared.settle_and_notify();
    let mut delay = None;
    let opened;
    let text = match (wire, std::str::from_utf8(body)) {
        (_, Err(_)) => Err("报文不是UTF-8"),
        (Wire::Plain, Ok(text)) => Ok(text),
        (Wire::Sm4, Ok(sealed)) => match shared.keys.sm4_key().open(sealed) {
            Ok(plain) => {
                shared.state().sealed_requests += 1;
                opened = plain;
                Ok(opened.as_str())
            }
            Err(e) => {
                tracing::info!(error = %e, "open platform: an *_encry body does not open");
                Err("报文解密失败: not base64 SM4/ECB/PKCS5 ciphertext under the SM4 key")
            }
        },
    };
    let answer = match text {
        Err(msg) => {
            let code = if msg.starts_with("报文解密失败") {
                codes::CANNOT_DECRYPT
            } else {
                codes::INVALID_REQUEST
            };
            failure(api, now, code, msg, None)
        }
        Ok(text) => match api {
            Api::PreOrder => pre_order(shared, text, now),
            Api::Micropay | Api::LabsMicropay => {
                let route = if api == Api::Micropay {
                    MicropayRoute::Dcp
                } else {
                    MicropayRoute::Labs
                };
                let (answer, slow) = micropay(shared, route, text, now);
                delay = slow;
                answer
            }
            Api::LabsPreOrder => labs_preorder::preorder(shared, text, now),
            Api::IdmRefund => order_book::idm_refund(shared, text, now),
            Api::TradeQuery => order_book::trade_query(shared, text, now),
            Api::Revoke => order_book::revoke(shared, text, now),
            Api::Refund => order_book::refund(shared, text, now),
            Api::RefundQuery => order_book::refund_query(shared, text, now),
            Api::Close => order_book::close(shared, text, now),
            Api::GateAuth => failure(api, now, codes::NOT_FOUND, "no such API", None),
        },
    };
    let mut response = signed(shared, now, answer, wire);
    if let Some(delay) = delay {
        // The server holds the answer back this long (the order is already charged).
        response.extensions_mut().insert(SlowAnswer(delay));
    }
    response
}

/// HTTP 200 with the `Lklapi-*` headers over the exact body bytes: the answer's JSON, or on
/// the `*_encry` routes the base64 of its SM4 ciphertext.
fn signed(shared: &Shared, now: i64, answer: Value, wire: Wire) -> HttpResponse {
    let body = match wire {
        Wire::Plain => answer.to_string().into_bytes(),
        Wire::Sm4 => shared.keys.sm4_key().seal(&answer.to_string()).into_bytes(),
    };
    let nonce = generate_nonce(&mut rand::rngs::OsRng);
    match shared
        .signer
        .sign_response(shared.keys.appid(), &body, now, &nonce)
    {
        Ok(h) => {
            let pairs = h.to_pairs();
            json_response(StatusCode::OK, body, &pairs)
        }
        Err(e) => error_response(
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SBX50000",
            &format!("sandbox cannot sign: {e}"),
        ),
    }
}

/// A failure answer in the API's envelope: v2 `{retCode, retMsg, ...}`, v3 `{code, msg, ...}`.
fn failure(api: Api, now: i64, code: &str, msg: &str, req_id: Option<&str>) -> Value {
    match api {
        Api::PreOrder => v2(now, code, msg, req_id, None),
        _ => v3(now, code, msg, None),
    }
}

fn v2(now: i64, code: &str, msg: &str, req_id: Option<&str>, resp_data: Option<Value>) -> Value {
    let success = resp_data.is_some();
    let mut answer = json!({
        "retCode": code,
        "retMsg": truncate(msg, 256),
        "timestamp": now.saturating_mul(1000),
        "ver": "1.0.0",
        "cmdRetCode": if success { "GLOBAL_SUCCESS" } else { "GLOBAL_FAIL" },
    });
    if let Some(id) = req_id {
        answer["reqId"] = Value::from(id);
    }
    if let Some(data) = resp_data {
        answer["respData"] = data;
    }
    answer
}

// ---------------------------------------------------------------------------------------
// v2: pre-authorization pre-order
// ---------------------------------------------------------------------------------------

fn pre_order(shared: &Shared, text: &str, now: i64) -> Value {
    let req_id = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("reqId").and_then(Value::as_str).map(str::to_owned));
    let req_id = req_id.as_deref();
    let fail = |code: &str, msg: &str| v2(now, code, msg, req_id, None);
    let envelope: V2Request<PreOrderRequest> = match parse_checked(text) {
        Ok(e) => e,
        Err(msg) => return fail(codes::INVALID_REQUEST, &msg),
    };
    let Some(request) = envelope.req_data() else {
        return fail(codes::INVALID_REQUEST, "参数错误: reqData: required");
    };
    let amount = request.amount().map(|a| a.fen()).unwrap_or(0);
    if amount == 0 {
        return fail(codes::INVALID_REQUEST, "参数错误: amount: 必须大于0");
    }
    let trans_type = request.trans_type().cloned().unwrap_or(TransType::Native);
    let account = request
        .account_type()
        .cloned()
        .unwrap_or(AccountType::Alipay);
    let supported = match &trans_type {
        TransType::Native => account != AccountType::Wechat,
        TransType::App | TransType::MiniProgram => account == AccountType::Wechat,
        TransType::AlipayH5 => account == AccountType::Alipay,
        _ => true,
    };
    if !supported {
        return fail(
            codes::UNSUPPORTED_COMBINATION,
            &format!(
                "不支持的接入方式: transType {} / accountType {}",
                trans_type.as_str(),
                account.as_str()
            ),
        );
    }
    let mer_id = s(request.mer_id());
    let mer_req_sno = s(request.mer_req_sno());
    let mut state = shared.state();
    let key: OrderKey = (mer_id.clone(), mer_req_sno.clone());
    if state.orders.contains_key(&key) {
        return fail(codes::DUPLICATE_ORDER, "商户请求流水号重复");
    }
    let lkl_order_no = state.next_number(&day(now), 24);
    let order = Order {
        merchant_no: mer_id,
        term_no: s(request.term_id()),
        out_trade_no: mer_req_sno.clone(),
        trade_no: lkl_order_no.clone(),
        acc_trade_no: String::new(),
        account_type: account.as_str().to_owned(),
        total: amount,
        refunded: 0,
        refunding: 0,
        // The v2 pre-authorization pre-order waits for its payer for ever.
        status: Status::Created {
            pay_at: None,
            then: Settle::Success,
            expire_at: None,
            closes_at_expiry: true,
        },
        trade_time: now,
        notify_url: None,
        main_type: "PREORDER",
        quirks: Quirks::default(),
    };
    let log_no = order.log_no().to_owned();
    state.insert_order(order);
    drop(state);

    let mut data = Map::new();
    data.insert("tradeTime".into(), format_china_time(now).into());
    data.insert("merReqSno".into(), mer_req_sno.into());
    data.insert("lklOrderNo".into(), lkl_order_no.clone().into());
    data.insert("logNo".into(), log_no.clone().into());
    let wallet = account.as_str().to_ascii_lowercase();
    let mut rng = rand::rngs::OsRng;
    let nonce = generate_nonce(&mut rng);
    let prepay_id = format!(
        "wx{}",
        &lkl_order_no[lkl_order_no.len().saturating_sub(28)..]
    );
    let pay_sign = Alphanumeric.sample_string(&mut rng, 172);
    let wechat = |data: &mut Map<String, Value>, package: String| {
        data.insert(
            "appId".into(),
            request.app_id().unwrap_or("wxsandbox0000000").into(),
        );
        data.insert("timeStamp".into(), now.to_string().into());
        data.insert("nonceStr".into(), nonce.clone().into());
        data.insert("package".into(), package.into());
        data.insert("paySign".into(), pay_sign.clone().into());
    };
    match (&trans_type, &account) {
        (TransType::Native, _) => {
            data.insert(
                "code".into(),
                format!("https://qr.sandbox.lakala.invalid/{wallet}/{lkl_order_no}").into(),
            );
        }
        (TransType::Jsapi, AccountType::Wechat) => {
            wechat(&mut data, format!("prepay_id={prepay_id}"));
            data.insert("signType".into(), "RSA".into());
        }
        (TransType::Jsapi, AccountType::Alipay | AccountType::LklAcc) => {
            data.insert("prepayId".into(), format!("2088{log_no}").into());
        }
        (TransType::Jsapi, AccountType::UnionPay) => {
            data.insert(
                "redirectUrl".into(),
                format!("https://qr.sandbox.lakala.invalid/unionpay/{lkl_order_no}").into(),
            );
        }
        (TransType::MiniProgram, _) => {
            data.insert("prepayId".into(), prepay_id.clone().into());
            wechat(&mut data, format!("prepay_id={prepay_id}"));
            data.insert("signType".into(), "RSA".into());
        }
        (TransType::App, _) => {
            data.insert("prepayId".into(), prepay_id.clone().into());
            wechat(&mut data, "Sign=WXPay".to_owned());
            data.insert("partnerId".into(), "1900000109".into());
        }
        (TransType::AlipayH5, _) => {
            data.insert(
                "formData".into(),
                format!(
                    r#"<form action="https://h5.sandbox.invalid/pay" method="POST"><input name="o" value="{log_no}"/></form>"#
                )
                .into(),
            );
        }
        // JSAPI with BESTPAY, SUNING, DCPAY: the spec lists no fields.
        _ => {}
    }
    v2(now, "000000", "交易成功", req_id, Some(Value::Object(data)))
}
