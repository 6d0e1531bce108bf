//! The labs pre-order (聚合主扫, `/api/v3/labs/trans/preorder`): the merchant asks for a
//! payment the customer makes in a wallet (a QR code to scan, a WeChat JSAPI or
//! mini-program payment), and the order then waits for its payer in the order book, where
//! trade query, close and refund find it ([`crate::order_book`]).

use crate::behaviour::{codes, preorder_scenario, PreorderScenario};
use crate::server::Shared;
use crate::state::{Order, OrderKey, Quirks, Settle, Status};
use crate::v3_wire::{day, v3};
use base64::Engine as _;
use lakala_crypto::format_china_time;
use serde_json::{json, Map, Value};

/// What the sandbox reads of a pre-order request.
struct Preorder {
    merchant_no: String,
    term_no: String,
    out_trade_no: String,
    account_type: String,
    trans_type: String,
    total: u64,
    notify_url: Option<String>,
    /// `acc_busi_fields.sub_appid` (WeChat).
    sub_appid: Option<String>,
    /// `acc_busi_fields.user_id` (the payer in the wallet: openid, buyer_id, ...).
    user_id: Option<String>,
    /// `acc_busi_fields.timeout_express`, minutes.
    timeout_minutes: Option<i64>,
}

/// The wallets of `account_type` (Lakala's open-platform SDK lists them).
const WALLETS: [&str; 8] = [
    "WECHAT",
    "ALIPAY",
    "UQRCODEPAY",
    "BESTPAY",
    "SUNING",
    "LKLACC",
    "NUCSPAY",
    "DCPAY",
];

/// Reads and checks a pre-order request: the envelope (`req_time` `yyyyMMddHHmmss`,
/// `version` `3.0`, `req_data`) and the fields of `req_data`; every violation is named.
fn read(text: &str) -> Result<Preorder, String> {
    let envelope: Value = serde_json::from_str(text)
        .map_err(|e| format!("报文格式错误 (line {}, column {})", e.line(), e.column()))?;
    let mut broken = Vec::new();
    let req_time = envelope.get("req_time").and_then(Value::as_str);
    if !req_time.is_some_and(|t| t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit())) {
        broken.push("req_time: yyyyMMddHHmmss required".to_owned());
    }
    if envelope.get("version").and_then(Value::as_str) != Some("3.0") {
        broken.push("version: must be 3.0".to_owned());
    }
    let Some(data) = envelope.get("req_data").and_then(Value::as_object) else {
        broken.push("req_data: required".to_owned());
        return Err(format!("参数错误: {}", broken.join("; ")));
    };
    let mut text_field = |name: &str, max: usize, required: bool| -> Option<String> {
        match data.get(name) {
            None | Some(Value::Null) => {
                if required {
                    broken.push(format!("{name}: required"));
                }
                None
            }
            Some(Value::String(v)) if v.is_empty() && required => {
                broken.push(format!("{name}: required"));
                None
            }
            Some(Value::String(v)) if v.chars().count() > max => {
                broken.push(format!("{name}: at most {max} characters"));
                None
            }
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => {
                broken.push(format!("{name}: must be a string"));
                None
            }
        }
    };
    let merchant_no = text_field("merchant_no", 32, true);
    let term_no = text_field("term_no", 32, true);
    let out_trade_no = text_field("out_trade_no", 32, true);
    let account_type = text_field("account_type", 32, true);
    let trans_type = text_field("trans_type", 2, true);
    let amount = text_field("total_amount", 12, true);
    let notify_url = text_field("notify_url", 128, false);
    text_field("subject", 42, false);
    text_field("remark", 128, false);
    if account_type
        .as_deref()
        .is_some_and(|a| !WALLETS.contains(&a))
    {
        broken.push(format!("account_type: one of {}", WALLETS.join(", ")));
    }
    if trans_type
        .as_deref()
        .is_some_and(|t| !matches!(t, "41" | "51" | "71"))
    {
        broken.push("trans_type: one of 41, 51, 71".to_owned());
    }
    let total = amount.as_deref().and_then(|a| {
        let digits = !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit());
        match a.parse::<u64>() {
            Ok(n) if digits && n > 0 => Some(n),
            _ => {
                broken.push("total_amount: fen, digits, greater than 0".to_owned());
                None
            }
        }
    });
    let location = data.get("location_info").and_then(Value::as_object);
    let request_ip = location
        .and_then(|l| l.get("request_ip"))
        .and_then(Value::as_str);
    if !request_ip.is_some_and(|ip| !ip.is_empty() && ip.chars().count() <= 64) {
        broken.push("location_info.request_ip: required".to_owned());
    }
    let busi = match data.get("acc_busi_fields") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(fields)) => fields.clone(),
        Some(_) => {
            broken.push("acc_busi_fields: must be an object".to_owned());
            Map::new()
        }
    };
    let busi_text = |name: &str| busi.get(name).and_then(Value::as_str).map(str::to_owned);
    let timeout_minutes = match busi.get("timeout_express") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().map(str::parse::<i64>) {
            Some(Ok(m)) if (1..=43_200).contains(&m) => Some(m),
            _ => {
                broken.push("acc_busi_fields.timeout_express: minutes, 1 to 43200".to_owned());
                None
            }
        },
    };
    if !broken.is_empty() {
        return Err(format!("参数错误: {}", broken.join("; ")));
    }
    Ok(Preorder {
        merchant_no: merchant_no.unwrap_or_default(),
        term_no: term_no.unwrap_or_default(),
        out_trade_no: out_trade_no.unwrap_or_default(),
        account_type: account_type.unwrap_or_default(),
        trans_type: trans_type.unwrap_or_default(),
        total: total.unwrap_or_default(),
        notify_url,
        sub_appid: busi_text("sub_appid"),
        user_id: busi_text("user_id"),
        timeout_minutes,
    })
}

/// Refuses an `account_type` × `trans_type` Lakala does not serve, or one without the
/// `acc_busi_fields` it needs.
fn combination(p: &Preorder) -> Result<(), (&'static str, String)> {
    let pair = (p.trans_type.as_str(), p.account_type.as_str());
    let served = match pair {
        // NATIVE (a QR code): Alipay and UnionPay's QR; WeChat does not serve it here.
        ("41", wallet) => wallet != "WECHAT",
        ("51", _) => true,
        // Mini-program: WeChat only.
        ("71", wallet) => wallet == "WECHAT",
        _ => false,
    };
    if !served {
        return Err((
            codes::UNSUPPORTED_COMBINATION,
            format!(
                "不支持的接入方式: trans_type {} / account_type {}",
                pair.0, pair.1
            ),
        ));
    }
    let missing = |name: &str, v: &Option<String>| {
        v.as_deref()
            .is_none_or(str::is_empty)
            .then(|| name.to_owned())
    };
    let needed: Vec<String> = match pair {
        ("51" | "71", "WECHAT") => [
            missing("acc_busi_fields.sub_appid", &p.sub_appid),
            missing("acc_busi_fields.user_id", &p.user_id),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ("51", "ALIPAY" | "UQRCODEPAY") => missing("acc_busi_fields.user_id", &p.user_id)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    if needed.is_empty() {
        Ok(())
    } else {
        Err((
            codes::MISSING_BUSI_FIELDS,
            format!(
                "参数错误: {} required for trans_type {} / account_type {}",
                needed.join(", "),
                pair.0,
                pair.1
            ),
        ))
    }
}

/// The `acc_resp_fields` of a pre-order: what the customer's wallet needs, by combination.
/// Deterministic, so that a test can recompute them: `time_stamp` is the order's creation
/// (Unix seconds), `nonce_str` its `trade_no` left-padded with `0` to 32 characters,
/// `prepay_id` `wx` + `trade_no`, `package` `prepay_id=<prepay_id>`, `app_id` the
/// request's `sub_appid`, and `pay_sign` the base64 of WeChat's JSAPI string to sign
/// `app_id\ntime_stamp\nnonce_str\npackage\n` (not a signature: no wallet accepts sandbox
/// orders).
fn acc_resp_fields(p: &Preorder, order: &Order) -> Value {
    let trade_no = &order.trade_no;
    let wallet = order.account_type.to_ascii_lowercase();
    match (p.trans_type.as_str(), p.account_type.as_str()) {
        ("41", _) => json!({
            "code": format!("https://qr.sandbox.lakala.invalid/{wallet}/{trade_no}"),
        }),
        ("51" | "71", "WECHAT") => {
            let app_id = p.sub_appid.clone().unwrap_or_default();
            let time_stamp = order.trade_time.to_string();
            let nonce_str = format!("{trade_no:0>32}");
            let prepay_id = format!("wx{trade_no}");
            let package = format!("prepay_id={prepay_id}");
            let to_sign = format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n");
            json!({
                "prepay_id": prepay_id,
                "app_id": app_id,
                "time_stamp": time_stamp,
                "nonce_str": nonce_str,
                "package": package,
                "sign_type": "RSA",
                "pay_sign": base64::engine::general_purpose::STANDARD.encode(to_sign),
            })
        }
        ("51", "ALIPAY" | "LKLACC") => json!({"prepay_id": format!("2088{}", order.log_no())}),
        ("51", "UQRCODEPAY") => json!({
            "redirect_url": format!("https://qr.sandbox.lakala.invalid/unionpay/{trade_no}"),
        }),
        // JSAPI with the other wallets: nothing the sandbox can make up.
        _ => json!({}),
    }
}

/// A labs pre-order: checked, refused or made; made orders wait for their payer
/// ([`preorder_scenario`]) or their expiry.
pub(crate) fn preorder(shared: &Shared, text: &str, now: i64) -> Value {
    let request = match read(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    if let Err((code, msg)) = combination(&request) {
        return v3(now, code, &msg, None);
    }
    let mut state = shared.state();
    state.preorders.push(request.out_trade_no.clone());
    let key: OrderKey = (request.merchant_no.clone(), request.out_trade_no.clone());
    if state.orders.contains_key(&key) {
        return v3(now, codes::DUPLICATE_ORDER, "商户交易流水号重复", None);
    }
    let trade_no = state.next_number(&day(now), 14);
    let after_delay = Some(now.saturating_add(shared.pending_delay_secs));
    let expiry = match request.timeout_minutes {
        Some(minutes) => minutes.saturating_mul(60),
        None => shared.preorder_expiry_secs,
    };
    let (pay_at, then) = match preorder_scenario(request.total) {
        PreorderScenario::PaidAfterDelay => (after_delay, Settle::Success),
        PreorderScenario::FailsAfterDelay => (after_delay, Settle::Fail),
        PreorderScenario::NeverPaid => (None, Settle::Success),
    };
    let order = Order {
        merchant_no: key.0.clone(),
        term_no: request.term_no.clone(),
        out_trade_no: key.1.clone(),
        acc_trade_no: format!("{}{}", day(now), &trade_no[8..]),
        trade_no,
        account_type: request.account_type.clone(),
        total: request.total,
        refunded: 0,
        refunding: 0,
        status: Status::Created {
            pay_at,
            then,
            expire_at: Some(now.saturating_add(expiry)),
        },
        trade_time: now,
        notify_url: request.notify_url.clone(),
        main_type: "PREORDER",
        quirks: Quirks::default(),
    };
    let data = json!({
        "merchant_no": order.merchant_no,
        "term_no": order.term_no,
        "out_trade_no": order.out_trade_no,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "account_type": order.account_type,
        "trans_type": request.trans_type,
        "total_amount": order.total.to_string(),
        "expire_time": format_china_time(now.saturating_add(expiry)),
        "acc_resp_fields": acc_resp_fields(&request, &order),
    });
    state.insert_order(order);
    v3(now, "BBS00000", "下单成功", Some(data))
}
