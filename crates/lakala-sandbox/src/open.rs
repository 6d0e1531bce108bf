//! The open platform (v2 pre-order, v3 micropay, trade query, revoke, refund): verify the
//! `Authorization` header exactly as the platform does, act on the order book, answer with
//! `Lklapi-*` signature headers.

use crate::behaviour::{codes, micropay_scenario, wallet_of, MicropayScenario};
use crate::server::{error_response, json_response, Api, HttpResponse, Shared};
use crate::state::{Order, OrderKey, Remembered, Settle, State, Status};
use http::{header, HeaderMap, StatusCode};
use lakala_crypto::open_platform::{generate_nonce, Authorization};
use lakala_crypto::{format_china_time, CryptoError};
use lakala_types::micropay::{
    MicropayRequest, RefundRequest, RevokeRequest, TradeQueryRequest, V3Request,
};
use lakala_types::preauth::{AccountType, PreOrderRequest, TransType, V2Request};
use lakala_types::{Personal, Validate};
use rand::distributions::{Alphanumeric, DistString};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Handles one open-platform request.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    api: Api,
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
    let serial = shared.keys.serial_no();
    if !auth
        .serial_no
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(&serial))
    {
        return refuse(codes::AUTH_UNKNOWN_SERIAL, "serial_no与商户证书不符");
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
    let answer = match std::str::from_utf8(body) {
        Err(_) => failure(api, now, codes::INVALID_REQUEST, "报文不是UTF-8", None),
        Ok(text) => match api {
            Api::PreOrder => pre_order(shared, text, now),
            Api::Micropay => micropay(shared, text, now),
            Api::TradeQuery => trade_query(shared, text, now),
            Api::Revoke => revoke(shared, text, now),
            Api::Refund => refund(shared, text, now),
            Api::GateAuth => failure(api, now, codes::NOT_FOUND, "no such API", None),
        },
    };
    signed(shared, now, answer)
}

/// HTTP 200 with the `Lklapi-*` headers over the exact body bytes.
fn signed(shared: &Shared, now: i64, answer: Value) -> HttpResponse {
    let body = answer.to_string().into_bytes();
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

fn v3(now: i64, code: &str, msg: &str, resp_data: Option<Value>) -> Value {
    let mut answer = json!({
        "code": code,
        "msg": truncate(msg, 256),
        "resp_time": format_china_time(now),
    });
    if let Some(data) = resp_data {
        answer["resp_data"] = data;
    }
    answer
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

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Parses a request leniently and refuses it if it breaks any rule: the message lists them.
fn parse_checked<T: DeserializeOwned + Validate>(text: &str) -> Result<T, String> {
    let parsed = lakala_types::parse::<T>(text)
        .map_err(|e| format!("报文格式错误 (line {}, column {})", e.line(), e.column()))?;
    if parsed.violations.is_empty() {
        Ok(parsed.value)
    } else {
        let list: Vec<String> = parsed.violations.iter().map(|v| v.to_string()).collect();
        Err(format!("参数错误: {}", list.join("; ")))
    }
}

fn parse_v3<T: DeserializeOwned + Validate + Clone>(text: &str) -> Result<T, String> {
    let request: V3Request<T> = parse_checked(text)?;
    request
        .req_data()
        .cloned()
        .ok_or_else(|| "参数错误: req_data: required".to_owned())
}

fn day(now: i64) -> String {
    format_china_time(now)[..8].to_owned()
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
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
        status: Status::Created,
        trade_time: now,
        notify_url: None,
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

// ---------------------------------------------------------------------------------------
// v3: micropay
// ---------------------------------------------------------------------------------------

fn payment_data(order: &Order, need_query: bool) -> Value {
    let amount = order.total.to_string();
    let mut data = json!({
        "need_query": if need_query { "1" } else { "0" },
        "out_trade_no": order.out_trade_no,
        "settle_channel_type": order.account_type,
        "trade_no": order.trade_no,
        "acc_merchant_trade_no": order.trade_no,
        "acc_trade_no": order.acc_trade_no,
        "account_type": order.account_type,
        "total_amount": amount,
        "payer_amount": amount,
        "acc_settle_amount": amount,
        "trade_time": format_china_time(order.trade_time),
    });
    let fields = match order.account_type.as_str() {
        "ALIPAY" => Some(json!({"user_id": "2088000000000001"})),
        "WECHAT" => Some(json!({"openid": "oSBX00000000000000000000001"})),
        _ => None,
    };
    if let Some(fields) = fields {
        data["acc_resp_fields"] = fields;
    }
    data
}

fn micropay(shared: &Shared, text: &str, now: i64) -> Value {
    let request: MicropayRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let amount = request.total_amount().map(|a| a.fen()).unwrap_or(0);
    if amount == 0 {
        return v3(
            now,
            codes::INVALID_REQUEST,
            "参数错误: total_amount: 必须大于0",
            None,
        );
    }
    let auth_code = request
        .auth_code()
        .map(Personal::expose)
        .unwrap_or_default();
    let scenario = micropay_scenario(auth_code);
    let mut state = shared.state();
    state.micropays.push(s(request.out_trade_no()));
    let key: OrderKey = (s(request.merchant_no()), s(request.out_trade_no()));
    if state.orders.contains_key(&key) {
        return v3(now, codes::DUPLICATE_ORDER, "商户交易流水号重复", None);
    }
    let trade_no = state.next_number(&day(now), 14);
    let status = match scenario {
        MicropayScenario::Succeed => Status::Success,
        MicropayScenario::PendingThenSucceed => Status::Paying {
            at: Some(now.saturating_add(shared.pending_delay_secs)),
            then: Settle::Success,
        },
        MicropayScenario::PendingThenFail => Status::Paying {
            at: Some(now.saturating_add(shared.pending_delay_secs)),
            then: Settle::Fail,
        },
        MicropayScenario::PendingUntilRevoked => Status::Paying {
            at: None,
            then: Settle::Success,
        },
        MicropayScenario::PayingThenSucceed => Status::Paying {
            at: Some(now.saturating_add(shared.pending_delay_secs)),
            then: Settle::Success,
        },
        MicropayScenario::PendingThenClose => Status::Paying {
            at: Some(now.saturating_add(shared.pending_delay_secs)),
            then: Settle::Close,
        },
        MicropayScenario::NamedRefusal => Status::Failed {
            desc: "子商户号与appid不匹配",
        },
        MicropayScenario::WalletError { msg, .. } => Status::Failed { desc: msg },
    };
    let order = Order {
        merchant_no: key.0.clone(),
        term_no: s(request.term_no()),
        out_trade_no: key.1.clone(),
        acc_trade_no: format!("{}{}", day(now), &trade_no[8..]),
        trade_no,
        account_type: wallet_of(auth_code).to_owned(),
        total: amount,
        refunded: 0,
        status: status.clone(),
        trade_time: now,
        notify_url: request.notify_url().map(str::to_owned),
    };
    let data = payment_data(&order, matches!(status, Status::Paying { .. }));
    state.insert_order(order);
    drop(state);
    match scenario {
        MicropayScenario::Succeed => v3(now, "DCP00000", "交易成功", Some(data)),
        MicropayScenario::WalletError { code, msg } => v3(now, code, msg, None),
        MicropayScenario::PayingThenSucceed => v3(now, "BBS10000", "交易状态为支付中", None),
        MicropayScenario::NamedRefusal => v3(
            now,
            "BBS16111",
            "子商户号与appid不匹配",
            Some(json!({"out_trade_no": key.1, "merchant_no": key.0})),
        ),
        _ => v3(now, "DCP10000", "支付中,请查询", Some(data)),
    }
}

// ---------------------------------------------------------------------------------------
// v3: trade query, revoke, refund
// ---------------------------------------------------------------------------------------

fn trade_query(shared: &Shared, text: &str, now: i64) -> Value {
    let request: TradeQueryRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let state = shared.state();
    let merchant_no = s(request.merchant_no());
    let Some(key) = state.find(&merchant_no, request.out_trade_no(), request.trade_no()) else {
        return v3(now, codes::ORDER_NOT_FOUND, "交易不存在", None);
    };
    let Some(order) = state.orders.get(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "交易不存在", None);
    };
    let (trade_state, desc) = order.trade_state();
    let amount = order.total.to_string();
    let data = json!({
        "merchant_no": order.merchant_no,
        "term_no": order.term_no,
        "out_trade_no": order.out_trade_no,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "acc_trade_no": order.acc_trade_no,
        "account_type": order.account_type,
        "trade_state": trade_state,
        "trade_state_desc": desc,
        "total_amount": amount,
        "payer_amount": amount,
        "acc_settle_amount": amount,
        "trade_time": format_china_time(order.trade_time),
        "refund_amount": order.refunded.to_string(),
    });
    v3(now, "BBS00000", "查询成功", Some(data))
}

/// A remembered answer for a repeated revoke or refund number, or the refusal of a reused
/// number with other content.
fn repeated(remembered: Option<&Remembered>, fingerprint: &str, now: i64) -> Option<Value> {
    let r = remembered?;
    Some(if r.fingerprint == fingerprint {
        v3(now, "BBS00000", r.msg, Some(r.resp_data.clone()))
    } else {
        v3(now, codes::DUPLICATE_ORDER, "商户交易流水号重复", None)
    })
}

fn origin(
    state: &State,
    merchant_no: &str,
    out_trade_no: Option<&str>,
    trade_no: Option<&str>,
) -> Option<OrderKey> {
    state.find(merchant_no, out_trade_no, trade_no)
}

fn revoke(shared: &Shared, text: &str, now: i64) -> Value {
    let request: RevokeRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let merchant_no = s(request.merchant_no());
    let own: OrderKey = (merchant_no.clone(), s(request.out_trade_no()));
    let mut state = shared.state();
    let Some(key) = origin(
        &state,
        &merchant_no,
        request.origin_out_trade_no(),
        request.origin_trade_no(),
    ) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    let fingerprint = format!("revoke:{}", key.1);
    if let Some(answer) = repeated(state.revokes.get(&own), &fingerprint, now) {
        return answer;
    }
    let number = state.next_number(&day(now), 14);
    let Some(order) = state.orders.get_mut(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    let returned = match order.status {
        Status::Created | Status::Paying { .. } => 0,
        Status::Success => order.total - order.refunded,
        Status::Failed { .. } => {
            return v3(now, codes::CANNOT_REVOKE, "原交易已失败,无需撤销", None)
        }
        Status::Revoked => return v3(now, codes::CANNOT_REVOKE, "原交易已撤销", None),
        Status::Closed => return v3(now, codes::CANNOT_REVOKE, "原交易已关闭,无需撤销", None),
    };
    order.refunded += returned;
    order.status = Status::Revoked;
    order.trade_time = now;
    let data = json!({
        "merchant_no": merchant_no,
        "out_trade_no": own.1,
        "trade_no": number,
        "log_no": &number[number.len().saturating_sub(14)..],
        "origin_trade_no": order.trade_no,
        "origin_out_trade_no": order.out_trade_no,
        "total_amount": order.total.to_string(),
        "refund_amount": returned.to_string(),
        "trade_time": format_china_time(now),
    });
    state.revokes.insert(
        own,
        Remembered {
            fingerprint,
            resp_data: data.clone(),
            msg: "撤销成功",
        },
    );
    v3(now, "BBS00000", "撤销成功", Some(data))
}

fn refund(shared: &Shared, text: &str, now: i64) -> Value {
    let request: RefundRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let amount = request.refund_amount().map(|a| a.fen()).unwrap_or(0);
    if amount == 0 {
        return v3(
            now,
            codes::INVALID_REQUEST,
            "参数错误: refund_amount: 必须大于0",
            None,
        );
    }
    let merchant_no = s(request.merchant_no());
    let own: OrderKey = (merchant_no.clone(), s(request.out_trade_no()));
    let mut state = shared.state();
    let by_number = request.origin_trade_no().or(request.origin_log_no());
    let Some(key) = origin(
        &state,
        &merchant_no,
        request.origin_out_trade_no(),
        by_number,
    ) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    let fingerprint = format!("refund:{}:{amount}", key.1);
    if let Some(answer) = repeated(state.refunds.get(&own), &fingerprint, now) {
        return answer;
    }
    let number = state.next_number(&day(now), 14);
    let Some(order) = state.orders.get_mut(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    match order.status {
        Status::Success => {}
        Status::Paying { .. } => {
            return v3(now, codes::CANNOT_REFUND, "原交易支付中,不可退款", None)
        }
        _ => return v3(now, codes::CANNOT_REFUND, "原交易未支付成功,不可退款", None),
    }
    let left = order.total - order.refunded;
    if amount > left {
        return v3(
            now,
            codes::REFUND_EXCEEDS,
            &format!("退款金额超过可退金额(可退{left}分)"),
            None,
        );
    }
    order.refunded += amount;
    let data = json!({
        "out_trade_no": own.1,
        "trade_no": number,
        "log_no": &number[number.len().saturating_sub(14)..],
        "acc_trade_no": order.acc_trade_no,
        "total_amount": order.total.to_string(),
        "refund_amount": amount.to_string(),
        "payer_amount": amount.to_string(),
        "trade_time": format_china_time(now),
        "trade_state": "SUCCESS",
        "origin_trade_no": order.trade_no,
        "origin_out_trade_no": order.out_trade_no,
    });
    state.refunds.insert(
        own,
        Remembered {
            fingerprint,
            resp_data: data.clone(),
            msg: "退款成功",
        },
    );
    v3(now, "BBS00000", "退款成功", Some(data))
}
