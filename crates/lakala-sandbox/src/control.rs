//! The control endpoints: a merchant (or a script, or `lakala sandbox notify`) asks a
//! running sandbox to send a notification to its endpoint, and reads how its endpoint
//! answered.
//!
//! Both are `POST` with a JSON body, under [`PREFIX`] of the sandbox's base URL, served only
//! to clients on a loopback address (HTTP 403 otherwise):
//!
//! | path | body | does |
//! |---|---|---|
//! | [`CROSSBORDER_PATH`] | `{"url", "req_type"?, "biz"?}` | seals a cross-border notification (`reqType` default `B0005`) of `biz` (a JSON object or the exact JSON text; default `{"orderNo":"SBXN<ts>","retCode":"0000","retMsg":"认证成功"}`) with the sandbox's platform keys, POSTs it to `url`, then verifies and opens the merchant's answer (MAC, `ts` and `reqType` copied, `encData` under the same one-time key) |
//! | [`OPEN_PLATFORM_PATH`] | `{"url", "body"?, "merchant_no"?, "out_trade_no"?, "repeat"?, "as_merchant_no"?}` | signs `body` (a JSON object, or the exact text) with the notification key, as the platform does, or with neither given the result notification of the order `merchant_no` + `out_trade_no` in its current state; POSTs it to `url` `repeat` times (default 1, at most 20), each a new request freshly signed (new timestamp and nonce), as Lakala's redeliveries are; every answer must be HTTP 200 `{"code":"SUCCESS",...}`. `as_merchant_no` rewrites the order's notification as another merchant's (`merchant_no` replaced) to test that an endpoint refuses what is not for it |
//! | [`ORDER_STATE_PATH`] | `{"merchant_no", "out_trade_no", "trade_state"}` | changes the platform's truth behind the merchant's back, as an operator in Lakala's portal or a late settlement would: `REFUND` revokes the order (anything paid given back), `SUCCESS` pays it, `FAIL` fails it, `CLOSE` closes it; no notification is sent. For reconciliation tests |
//!
//! `url` must be a loopback `http://` URL, as for every notification the sandbox sends.
//! Answers: HTTP 200 `{"code":"SBX00000","msg",...}` with what was sent and what came back;
//! HTTP 400 [`codes::BAD_ORDER`] for a control request that cannot be followed; HTTP 403
//! [`codes::NOT_LOOPBACK`]; HTTP 502 [`codes::NOT_DELIVERED`] when the merchant's endpoint
//! could not be reached, timed out or answered another HTTP status, and
//! [`codes::ANSWER_REFUSED`] when it answered but the answer is not acceptable.

use crate::api::{json_response, HttpResponse};
use crate::error::SandboxError;
use crate::notify;
use crate::shared::Shared;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where the control endpoints live, under the base URL.
pub const PREFIX: &str = "/sandbox/";
/// Send a cross-border notification.
pub const CROSSBORDER_PATH: &str = "/sandbox/notify/crossborder";
/// Send an open-platform notification.
pub const OPEN_PLATFORM_PATH: &str = "/sandbox/notify/open-platform";

/// Change an order's state behind the merchant's back.
pub const ORDER_STATE_PATH: &str = "/sandbox/orders/state";

/// The `code` of the control endpoints' answers.
pub mod codes {
    /// Sent, and the merchant's answer was accepted.
    pub const DELIVERED: &str = "SBX00000";
    /// The control request is not valid JSON, misses `url`, names an unknown order, ...
    pub const BAD_ORDER: &str = "SBX40001";
    /// The control request did not come from a loopback address.
    pub const NOT_LOOPBACK: &str = "SBX40300";
    /// No control endpoint at this path.
    pub const UNKNOWN: &str = "SBX40401";
    /// The merchant's endpoint could not be reached, timed out or answered a status other
    /// than 200.
    pub const NOT_DELIVERED: &str = "SBX50201";
    /// The merchant answered, but the answer does not verify or is not a success.
    pub const ANSWER_REFUSED: &str = "SBX50202";
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrossBorderOrder {
    url: String,
    #[serde(default)]
    req_type: Option<String>,
    #[serde(default)]
    biz: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenPlatformOrder {
    url: String,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    merchant_no: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    repeat: Option<u32>,
    #[serde(default)]
    as_merchant_no: Option<String>,
}

/// The most deliveries one control request makes.
const MAX_REPEAT: u32 = 20;

fn answer(status: StatusCode, code: &str, msg: &str, extra: Value) -> HttpResponse {
    let mut body = json!({"code": code, "msg": msg});
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    json_response(status, body.to_string().into_bytes(), &[])
}

fn bad(msg: &str) -> HttpResponse {
    answer(StatusCode::BAD_REQUEST, codes::BAD_ORDER, msg, json!({}))
}

/// The answer for a failed send.
fn failed(e: SandboxError) -> HttpResponse {
    let msg = e.to_string();
    match e {
        SandboxError::Delivery(_) => answer(
            StatusCode::BAD_GATEWAY,
            codes::NOT_DELIVERED,
            &msg,
            json!({}),
        ),
        SandboxError::Answer(_) => answer(
            StatusCode::BAD_GATEWAY,
            codes::ANSWER_REFUSED,
            &msg,
            json!({}),
        ),
        // A bad URL, a biz the platform could not seal (not GBK), ...
        _ => bad(&msg),
    }
}

/// Text given either as a JSON string (used byte for byte) or as any other JSON value
/// (serialized compactly).
fn text_of(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Handles a request under [`PREFIX`]; the caller checked the method and the peer.
pub(crate) async fn handle(shared: &Shared, path: &str, body: &[u8]) -> HttpResponse {
    match path.trim_end_matches('/') {
        CROSSBORDER_PATH => crossborder(shared, body).await,
        OPEN_PLATFORM_PATH => open_platform(shared, body).await,
        ORDER_STATE_PATH => order_state(shared, body),
        _ => answer(
            StatusCode::NOT_FOUND,
            codes::UNKNOWN,
            "no such control endpoint",
            json!({}),
        ),
    }
}

async fn crossborder(shared: &Shared, body: &[u8]) -> HttpResponse {
    let order: CrossBorderOrder = match serde_json::from_slice(body) {
        Ok(order) => order,
        Err(e) => return bad(&format!("not a cross-border notification order: {e}")),
    };
    let req_type = order.req_type.unwrap_or_else(|| "B0005".to_owned());
    if req_type.is_empty()
        || req_type.len() > 16
        || !req_type.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return bad("req_type must be 1 to 16 ASCII letters or digits, like B0005");
    }
    let biz = match order.biz {
        Some(value) => text_of(value),
        None => json!({
            "orderNo": format!("SBXN{}", shared.ts.next()),
            "retCode": "0000",
            "retMsg": "认证成功",
        })
        .to_string(),
    };
    if serde_json::from_str::<Value>(&biz).is_err() {
        return bad("biz must be JSON (an object, or its text as a string)");
    }
    match notify::send_crossborder(shared, &order.url, &req_type, &biz).await {
        Ok(a) => answer(
            StatusCode::OK,
            codes::DELIVERED,
            "notification delivered; the merchant's answer verified",
            json!({
                "req_type": req_type,
                "ts": a.ts,
                "biz": biz,
                "answer": {"ret_code": a.ret_code, "ret_msg": a.ret_msg, "biz": a.biz},
            }),
        ),
        Err(e) => failed(e),
    }
}

async fn open_platform(shared: &Shared, body: &[u8]) -> HttpResponse {
    let order: OpenPlatformOrder = match serde_json::from_slice(body) {
        Ok(order) => order,
        Err(e) => return bad(&format!("not an open-platform notification order: {e}")),
    };
    let repeat = order.repeat.unwrap_or(1);
    if !(1..=MAX_REPEAT).contains(&repeat) {
        return bad("repeat must be 1 to 20");
    }
    let mut text = match (order.body, order.merchant_no, order.out_trade_no) {
        (Some(body), None, None) => text_of(body),
        (None, Some(merchant_no), Some(out_trade_no)) => {
            let state = shared.state();
            match state.orders.get(&(merchant_no, out_trade_no)) {
                Some(found) => notify::notification_body(found),
                None => return bad("no such order (merchant_no + out_trade_no)"),
            }
        }
        _ => return bad("give either body, or merchant_no and out_trade_no"),
    };
    if let Some(other) = order.as_merchant_no {
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(mut body)) => {
                body.insert("merchant_no".into(), Value::String(other));
                text = Value::Object(body).to_string();
            }
            _ => return bad("as_merchant_no needs a JSON object body"),
        }
    }
    let mut deliveries = Vec::new();
    for _ in 0..repeat {
        match notify::send_open_platform_once(shared, &order.url, &text).await {
            Ok(a) => deliveries.push(json!({
                "authorization": a.authorization,
                "answer": a.answer,
            })),
            Err(e) => return failed(e),
        }
    }
    let last = deliveries.last().cloned().unwrap_or(Value::Null);
    answer(
        StatusCode::OK,
        codes::DELIVERED,
        "notification delivered; the merchant answered SUCCESS",
        json!({
            "body": text,
            "authorization": last["authorization"],
            "answer": last["answer"],
            "deliveries": deliveries,
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderState {
    merchant_no: String,
    out_trade_no: String,
    trade_state: String,
}

/// Sets an order's state as the platform will report it from now on, without any request
/// of the merchant's and without a notification.
fn order_state(shared: &Shared, body: &[u8]) -> HttpResponse {
    use crate::state::Status;
    let order: OrderState = match serde_json::from_slice(body) {
        Ok(order) => order,
        Err(e) => return bad(&format!("not an order-state order: {e}")),
    };
    let now = shared.now();
    let mut state = shared.state();
    let Some(found) = state
        .orders
        .get_mut(&(order.merchant_no, order.out_trade_no))
    else {
        return bad("no such order (merchant_no + out_trade_no)");
    };
    found.status = match order.trade_state.as_str() {
        "REFUND" => {
            if found.status == Status::Success {
                found.refunded = found.total;
            }
            Status::Revoked
        }
        "SUCCESS" => Status::Success,
        "FAIL" => Status::Failed {
            desc: "交易失败"
        },
        "CLOSE" => Status::Closed,
        _ => return bad("trade_state must be REFUND, SUCCESS, FAIL or CLOSE"),
    };
    found.trade_time = now;
    let (trade_state, desc) = found.trade_state();
    answer(
        StatusCode::OK,
        codes::DELIVERED,
        "order state changed",
        json!({"trade_state": trade_state, "trade_state_desc": desc}),
    )
}
