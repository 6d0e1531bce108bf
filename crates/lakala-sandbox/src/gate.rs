//! `POST /gate/auth`: the cross-border identity / bank-card verification, played as the
//! platform: verify the MAC, open the envelope, decide, answer sealed under the request's
//! one-time key.

use crate::api::{json_response, HttpResponse};
use crate::behaviour::{auth_code_is_transient, auth_message, auth_verdict};
use crate::shared::Shared;
use http::StatusCode;
use lakala_crypto::crossborder::{RequestEnvelope, ResponseEnvelope, VERSION};
use lakala_crypto::CryptoError;
use lakala_types::crossborder::AuthRequest;
use lakala_types::mask::Personal;
use serde_json::{json, Map, Value};

/// Handles one gate/auth request. Always HTTP 200 with a JSON envelope.
pub(crate) fn handle(shared: &Shared, body: &[u8]) -> HttpResponse {
    let envelope: RequestEnvelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(_) => return unsigned("系统异常: 报文格式错误"),
    };
    if envelope.mer_id != shared.keys.mer_id() {
        return unsigned("系统异常: 商户号不存在");
    }
    // The MAC first: until it verifies, nothing in the request is the merchant's.
    if let Err(e) = envelope.mac_input().verify(
        &shared.keys.crossborder_merchant_key().public_key(),
        &envelope.mac,
    ) {
        tracing::info!(error = %e, "gate/auth: MAC refused");
        return unsigned("系统异常: MAC校验失败");
    }
    if envelope.ver != VERSION {
        return signed_bare(shared, &envelope.mer_id, "系统异常: 不支持的协议版本");
    }
    let opened = match shared.crossborder.open_request(&envelope) {
        Ok(o) => o,
        Err(e) => {
            let why = match e {
                CryptoError::InvalidTs { .. } => "ts格式错误",
                CryptoError::EncKeyTsMismatch { .. } => "encKey与ts不符",
                _ => "encKey/encData解密失败",
            };
            return signed_bare(shared, &envelope.mer_id, &format!("系统异常: {why}"));
        }
    };
    if !shared
        .state()
        .seen_ts
        .insert(format!("{}:{}", opened.mer_id, opened.ts))
    {
        return signed_bare(shared, &envelope.mer_id, "系统异常: ts重复");
    }

    let parsed = match lakala_types::parse::<AuthRequest>(opened.biz.as_str()) {
        Ok(p) => p,
        Err(e) => {
            let msg = format!(
                "系统异常: 业务报文格式错误 (line {}, column {})",
                e.line(),
                e.column()
            );
            return seal(shared, &opened, "9999", &msg, json!({}));
        }
    };
    let request = parsed.value;
    if !parsed.violations.is_empty() {
        let list: Vec<String> = parsed.violations.iter().map(|v| v.to_string()).collect();
        let msg = truncate(&format!("系统异常: 参数错误 {}", list.join("; ")), 99);
        return seal(shared, &opened, "9999", &msg, echo(&request));
    }

    let fields = Fields::of(&request);
    let order_no = request.order_no().unwrap_or_default().to_owned();
    let code = {
        let mut state = shared.state();
        match state.auth_orders.get(&order_no) {
            Some(existing) if *existing == fields.fingerprint() => "9004",
            Some(_) => "9003",
            None => {
                let code = auth_verdict(
                    fields.biz_type,
                    fields.cert_no,
                    fields.bank_card_no,
                    fields.bank_mobile,
                );
                if !auth_code_is_transient(code) {
                    state.auth_orders.insert(order_no, fields.fingerprint());
                }
                code
            }
        }
    };
    tracing::info!(code, "gate/auth answered");
    seal(shared, &opened, code, auth_message(code), echo(&request))
}

struct Fields<'a> {
    biz_type: &'a str,
    name: &'a str,
    cert_no: &'a str,
    cert_type: &'a str,
    bank_card_no: Option<&'a str>,
    bank_mobile: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn of(r: &'a AuthRequest) -> Self {
        Self {
            biz_type: r.biz_type().map(|b| b.as_str()).unwrap_or_default(),
            name: r.name().map(Personal::expose).unwrap_or_default(),
            cert_no: r.cert_no().map(Personal::expose).unwrap_or_default(),
            cert_type: r.cert_type().map(|c| c.as_str()).unwrap_or_default(),
            bank_card_no: r.bank_card_no().map(Personal::expose),
            bank_mobile: r.bank_mobile().map(Personal::expose),
        }
    }

    /// What "the same request" means for a repeated orderNo.
    fn fingerprint(&self) -> String {
        serde_json::to_string(&[
            self.biz_type,
            self.name,
            self.cert_no,
            self.cert_type,
            self.bank_card_no.unwrap_or_default(),
            self.bank_mobile.unwrap_or_default(),
        ])
        .unwrap_or_default()
    }
}

/// The request's business fields, echoed in the answer (4.1.2).
fn echo(request: &AuthRequest) -> Value {
    match serde_json::to_value(request) {
        Ok(Value::Object(map)) => Value::Object(map),
        _ => Value::Object(Map::new()),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// `{"retCode":"9999","retMsg":msg}` without MAC: the platform cannot sign for a request it
/// could not authenticate.
fn unsigned(msg: &str) -> HttpResponse {
    let body = json!({"retCode": "9999", "retMsg": msg});
    json_response(StatusCode::OK, body.to_string().into_bytes(), &[])
}

/// A signed `9999` without `encData` (the request's one-time key is not available).
fn signed_bare(shared: &Shared, mer_id: &str, msg: &str) -> HttpResponse {
    let mut response = ResponseEnvelope {
        ret_code: "9999".to_owned(),
        ret_msg: msg.to_owned(),
        mer_id: mer_id.to_owned(),
        ver: VERSION.to_owned(),
        ts: shared.ts.next(),
        enc_data: None,
        mac: None,
    };
    match response
        .mac_input()
        .sign(shared.keys.crossborder_platform_key())
    {
        Ok(mac) => {
            response.mac = Some(mac);
            send(&response)
        }
        Err(_) => unsigned(msg),
    }
}

/// The business answer: `biz` plus retCode and retMsg, sealed under the request's key; the
/// envelope carries the same retCode and retMsg.
fn seal(
    shared: &Shared,
    opened: &lakala_crypto::crossborder::OpenedRequest,
    code: &str,
    msg: &str,
    mut biz: Value,
) -> HttpResponse {
    if let Value::Object(map) = &mut biz {
        map.insert("retCode".into(), Value::from(code));
        map.insert("retMsg".into(), Value::from(msg));
    }
    match shared.crossborder.seal_response(
        opened,
        &shared.ts.next(),
        code,
        msg,
        Some(&biz.to_string()),
    ) {
        Ok(response) => send(&response),
        Err(e) => {
            // Text GBK cannot hold came in, and cannot be echoed back.
            tracing::info!(error = %e, "gate/auth: cannot seal the answer");
            signed_bare(shared, &opened.mer_id, "系统异常: 应答无法加密")
        }
    }
}

fn send(response: &ResponseEnvelope) -> HttpResponse {
    let body = serde_json::to_vec(response).unwrap_or_default();
    json_response(StatusCode::OK, body, &[])
}
