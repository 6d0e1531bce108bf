//! The labs pre-order (聚合主扫, `/api/v3/labs/trans/preorder`): the merchant asks for a
//! payment the customer makes in a wallet (a QR code to scan, a WeChat JSAPI or
//! mini-program payment), and the order then waits for its payer in the order book, where
//! trade query, close and refund find it ([`crate::order_book`]).

use crate::behaviour::{codes, preorder_scenario, PreorderScenario};
use crate::shared::Shared;
use crate::state::{Order, OrderKey, Quirks, Settle, Status};
use crate::v3_wire::{day, parse_v3, s, v3};
use base64::Engine as _;
use lakala_types::labs::{PreorderBusiFields, PreorderKind, PreorderRequest};
use serde_json::{json, Value};

/// What the sandbox reads of a pre-order request.
struct Preorder {
    merchant_no: String,
    term_no: String,
    out_trade_no: String,
    kind: PreorderKind,
    total: u64,
    notify_url: Option<String>,
    /// `acc_busi_fields.sub_appid` (WeChat).
    sub_appid: Option<String>,
    /// `acc_busi_fields.timeout_express`, minutes.
    timeout_minutes: Option<u32>,
}

/// Reads a pre-order request and checks it with `lakala_types::labs::PreorderRequest`'s
/// rules (the envelope, every field, and what its `account_type` × `trans_type` needs:
/// `sub_appid` and `user_id` for WeChat JSAPI and mini-program, `user_id` for Alipay
/// JSAPI, none on a NATIVE order, ...); every violation is named.
fn read(text: &str) -> Result<Preorder, String> {
    let request: PreorderRequest = parse_v3(text)?;
    let kind = request
        .kind()
        .ok_or_else(|| "参数错误: account_type × trans_type not served".to_owned())?;
    let sub_appid = match request.acc_busi_fields() {
        Some(PreorderBusiFields::Wechat(fields)) => fields.sub_appid().map(str::to_owned),
        _ => None,
    };
    Ok(Preorder {
        merchant_no: s(request.merchant_no()),
        term_no: s(request.term_no()),
        out_trade_no: s(request.out_trade_no()),
        kind,
        total: request.total_amount().map(|a| a.fen()).unwrap_or(0),
        notify_url: request.notify_url().map(str::to_owned),
        sub_appid,
        timeout_minutes: request.timeout_minutes(),
    })
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
    match p.kind {
        PreorderKind::AlipayNative | PreorderKind::UnionPayNative => json!({
            "code": format!("https://qr.sandbox.lakala.invalid/{wallet}/{trade_no}"),
        }),
        PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram => {
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
        PreorderKind::AlipayJsapi => json!({"prepay_id": format!("2088{}", order.log_no())}),
        PreorderKind::UnionPayJsapi => json!({
            "redirect_url": format!("https://qr.sandbox.lakala.invalid/unionpay/{trade_no}"),
        }),
        // A kind lakala-types models and the sandbox does not know yet: no wallet fields.
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
    let mut state = shared.state();
    state.preorders.push(request.out_trade_no.clone());
    let key: OrderKey = (request.merchant_no.clone(), request.out_trade_no.clone());
    if state.orders.contains_key(&key) {
        return v3(now, codes::DUPLICATE_ORDER, "商户交易流水号重复", None);
    }
    let trade_no = state.next_number(&day(now), 14);
    let after_delay = Some(now.saturating_add(shared.pending_delay_secs));
    let expiry = match request.timeout_minutes {
        Some(minutes) => i64::from(minutes).saturating_mul(60),
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
        account_type: request.kind.account_type().as_str().to_owned(),
        total: request.total,
        refunded: 0,
        refunding: 0,
        status: Status::Created {
            pay_at,
            then,
            expire_at: Some(now.saturating_add(expiry)),
            // WeChat only ends the payer's chance at expiry; the order waits for a close.
            closes_at_expiry: !matches!(
                request.kind,
                PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram
            ),
        },
        trade_time: now,
        notify_url: request.notify_url.clone(),
        main_type: "PREORDER",
        quirks: Quirks::default(),
    };
    let data = json!({
        "merchant_no": order.merchant_no,
        "out_trade_no": order.out_trade_no,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "account_type": order.account_type,
        "acc_resp_fields": acc_resp_fields(&request, &order),
    });
    state.insert_order(order);
    v3(now, "BBS00000", "下单成功", Some(data))
}
