//! The v3 calls that read and change the order book after a payment: trade query, revoke,
//! refund, refund query, close. Authentication has been checked by [`crate::open`].

use crate::behaviour::{codes, refund_scenario, RefundScenario};
use crate::config::DealRefunds;
use crate::shared::Shared;
use crate::state::{Order, OrderKey, RefundProgress, RefundRecord, Remembered, State, Status};
use crate::v3_wire::{day, parse_v3, s, v3, wallet_user};
use lakala_crypto::format_china_time;
use lakala_types::labs::IdmRefundRequest;
use lakala_types::micropay::{
    CloseRequest, RefundQueryRequest, RefundRequest, RevokeRequest, TradeQueryRequest,
};
use serde_json::{json, Value};

/// The trade query's `resp_data` for an order.
fn order_data(order: &Order) -> Value {
    let (trade_state, desc) = order.trade_state();
    let amount = order.total.to_string();
    let mut data = json!({
        "merchant_no": order.merchant_no,
        "term_no": order.term_no,
        "out_trade_no": order.out_trade_no,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "acc_trade_no": order.acc_trade_no,
        "account_type": order.account_type,
        "trade_state": trade_state,
        "trade_state_desc": desc,
        "trade_main_type": order.main_type,
        "total_amount": amount,
        "payer_amount": amount,
        "acc_settle_amount": amount,
        "trade_time": format_china_time(order.trade_time),
        "refund_amount": order.refunded.to_string(),
    });
    // The wallet's payer identifier, as in the micropay answer (personal data).
    if let Some(fields) = wallet_user(&order.account_type) {
        data["acc_resp_fields"] = fields;
    }
    data
}

pub(crate) fn trade_query(shared: &Shared, text: &str, now: i64) -> Value {
    let request: TradeQueryRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let mut state = shared.state();
    let merchant_no = s(request.merchant_no());
    let Some(key) = state.find(&merchant_no, request.out_trade_no(), request.trade_no()) else {
        // A revoke's or a refund's own number: the trade query names its kind.
        return match own_number_data(&state, &merchant_no, request.out_trade_no()) {
            Some(data) => v3(now, "BBS00000", "查询成功", Some(data)),
            None => v3(now, codes::ORDER_NOT_FOUND, "交易不存在", None),
        };
    };
    let Some(order) = state.orders.get_mut(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "交易不存在", None);
    };
    if order.quirks.timeout_first_query {
        // The platform could not reach the wallet this time: a code that says nothing.
        order.quirks.timeout_first_query = false;
        return v3(now, "000101", "网络请求超时", None);
    }
    v3(now, "BBS00000", "查询成功", Some(order_data(order)))
}

/// The trade query's answer for a revoke's or refund's own `out_trade_no`
/// (`trade_main_type` `CANCEL` / `REFUND`).
fn own_number_data(state: &State, merchant_no: &str, number: Option<&str>) -> Option<Value> {
    let own: OrderKey = (
        merchant_no.to_owned(),
        number.filter(|n| !n.is_empty())?.to_owned(),
    );
    if let Some(revoke) = state.revokes.get(&own) {
        let mut data = revoke.resp_data.clone();
        data["trade_state"] = json!("SUCCESS");
        data["trade_state_desc"] = json!("撤销成功");
        data["trade_main_type"] = json!("CANCEL");
        return Some(data);
    }
    let record = state.refund_records.get(&own)?;
    let mut data = refund_data(state, &own, record);
    data["trade_main_type"] = json!("REFUND");
    Some(data)
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

pub(crate) fn revoke(shared: &Shared, text: &str, now: i64) -> Value {
    let request: RevokeRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let merchant_no = s(request.merchant_no());
    let own: OrderKey = (merchant_no.clone(), s(request.out_trade_no()));
    let mut state = shared.state();
    let Some(key) = state.find(
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
    let Some(order) = state.orders.get_mut(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    if order.quirks.inconclusive_first_revoke {
        // This revoke is not executed and not remembered; meanwhile the payer's payment
        // lands (settled, and notified, at the next request or tick).
        order.quirks.inconclusive_first_revoke = false;
        order.status = Status::Paying {
            at: Some(now),
            then: crate::state::Settle::Success,
        };
        state.pending.push(key);
        return v3(
            now,
            codes::INCONCLUSIVE,
            "系统繁忙,请稍后查询交易结果",
            None,
        );
    }
    let returned = match order.status {
        Status::Created { .. } | Status::Expired | Status::Paying { .. } => 0,
        Status::Success => order.total.saturating_sub(order.refunded),
        Status::Failed { .. } => {
            return v3(now, codes::CANNOT_REVOKE, "原交易已失败,无需撤销", None)
        }
        Status::Revoked => return v3(now, codes::CANNOT_REVOKE, "原交易已撤销", None),
        Status::Closed => return v3(now, codes::CANNOT_REVOKE, "原交易已关闭,无需撤销", None),
    };
    order.refunded = order.refunded.saturating_add(returned);
    order.status = Status::Revoked;
    order.trade_time = now;
    let (origin_trade_no, origin_out, total) = (
        order.trade_no.clone(),
        order.out_trade_no.clone(),
        order.total,
    );
    let number = state.next_number(&day(now), 14);
    let data = json!({
        "merchant_no": merchant_no,
        "out_trade_no": own.1,
        "trade_no": number,
        "log_no": &number[number.len().saturating_sub(14)..],
        "origin_trade_no": origin_trade_no,
        "origin_out_trade_no": origin_out,
        "total_amount": total.to_string(),
        "refund_amount": returned.to_string(),
        "trade_time": format_china_time(now),
    });
    *state.ledger.revokes_executed.entry(origin_out).or_default() += 1;
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

/// A refund's `resp_data` (refund answer, refund query, trade query by its number).
fn refund_data(state: &State, own: &OrderKey, record: &RefundRecord) -> Value {
    let (trade_state, desc) = record.trade_state();
    let order = state.orders.get(&record.origin);
    let amount = record.amount.to_string();
    json!({
        "merchant_no": own.0,
        "out_trade_no": own.1,
        "out_refund_order_no": own.1,
        "trade_no": record.trade_no,
        "log_no": &record.trade_no[record.trade_no.len().saturating_sub(14)..],
        "acc_trade_no": order.map(|o| o.acc_trade_no.as_str()).unwrap_or_default(),
        "account_type": order.map(|o| o.account_type.as_str()).unwrap_or_default(),
        "total_amount": order.map(|o| o.total).unwrap_or_default().to_string(),
        "refund_amount": amount,
        "payer_amount": amount,
        "trade_time": format_china_time(record.trade_time),
        "trade_state": trade_state,
        "trade_state_desc": desc,
        "origin_trade_no": order.map(|o| o.trade_no.as_str()).unwrap_or_default(),
        "origin_out_trade_no": record.origin.1,
    })
}

/// A refund, read from either refund call.
struct RefundOrder {
    merchant_no: String,
    /// The refund's own number: a refund's `out_trade_no`, an idmrefund's
    /// `out_refund_order_no`.
    own_number: String,
    amount: u64,
    origin_out_trade_no: Option<String>,
    /// `origin_trade_no`, else `origin_log_no`.
    origin_number: Option<String>,
}

/// `/api/v3/labs/relation/refund`: a refund of the origin order by its numbers; the
/// refund's own number is its `out_trade_no`.
pub(crate) fn refund(shared: &Shared, text: &str, now: i64) -> Value {
    let request: RefundRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let origin_number = request.origin_trade_no().or(request.origin_log_no());
    execute_refund(
        shared,
        RefundOrder {
            merchant_no: s(request.merchant_no()),
            own_number: s(request.out_trade_no()),
            amount: request.refund_amount().map(|a| a.fen()).unwrap_or(0),
            origin_out_trade_no: request.origin_out_trade_no().map(str::to_owned),
            origin_number: origin_number.map(str::to_owned),
        },
        now,
    )
}

/// `/api/v3/labs/relation/idmrefund` (商户订单退款): a refund whose own number is the
/// merchant's `out_refund_order_no`; the origin by `origin_trade_no`, `origin_log_no` or
/// `origin_out_trade_no` (in that order of precedence, as Lakala's SDK documents). A
/// refused refund may be sent again with the same `out_refund_order_no`.
pub(crate) fn idm_refund(shared: &Shared, text: &str, now: i64) -> Value {
    let request: IdmRefundRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let filled = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
    // The platform's numbers take precedence over the merchant's.
    let origin_number = filled(request.origin_trade_no()).or(filled(request.origin_log_no()));
    let origin_out_trade_no = match origin_number {
        Some(_) => None,
        None => filled(request.origin_out_trade_no()),
    };
    execute_refund(
        shared,
        RefundOrder {
            merchant_no: s(request.merchant_no()),
            own_number: s(request.out_refund_order_no()),
            amount: request.refund_amount().map(|a| a.fen()).unwrap_or(0),
            origin_out_trade_no,
            origin_number,
        },
        now,
    )
}

/// Refunds `order` against the order book (the rules in the crate docs).
fn execute_refund(shared: &Shared, order: RefundOrder, now: i64) -> Value {
    let amount = order.amount;
    if amount == 0 {
        return v3(
            now,
            codes::INVALID_REQUEST,
            "参数错误: refund_amount: 必须大于0",
            None,
        );
    }
    let merchant_no = order.merchant_no;
    let own: OrderKey = (merchant_no.clone(), order.own_number);
    let mut state = shared.state();
    let Some(key) = state.find(
        &merchant_no,
        order.origin_out_trade_no.as_deref(),
        order.origin_number.as_deref(),
    ) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    let fingerprint = format!("refund:{}:{amount}", key.1);
    if let Some(mut answer) = repeated(state.refunds.get(&own), &fingerprint, now) {
        // The same refund again: its answer as it stands now (a DEAL refund may be done).
        if let Some(record) = state.refund_records.get(&own) {
            if answer.get("resp_data").is_some() {
                answer["resp_data"] = refund_data(&state, &own, record);
            }
        }
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
    let left = order.refundable();
    if amount > left {
        return v3(
            now,
            codes::REFUND_EXCEEDS,
            &format!("退款金额超过可退金额(可退{left}分)"),
            None,
        );
    }
    let progress = match refund_scenario(amount) {
        RefundScenario::Immediate => {
            order.refunded += amount;
            RefundProgress::Done
        }
        scenario @ (RefundScenario::Deal | RefundScenario::DealThenDone) => {
            order.refunding += amount;
            RefundProgress::Deal {
                queries_left: match shared.deal_refunds {
                    DealRefunds::Forever => None,
                    DealRefunds::SucceedAfterQueries(n) => Some(n),
                },
                until: (scenario == RefundScenario::DealThenDone)
                    .then(|| now.saturating_add(shared.pending_delay_secs)),
            }
        }
    };
    let record = RefundRecord {
        origin: key.clone(),
        trade_no: number,
        amount,
        progress,
        trade_time: now,
    };
    let data = refund_data(&state, &own, &record);
    let ledger = &mut state.ledger;
    *ledger.refunds_executed.entry(key.1.clone()).or_default() += 1;
    *ledger.refunded_amount.entry(key.1.clone()).or_default() += amount;
    let msg = match progress {
        RefundProgress::Done => "退款成功",
        RefundProgress::Deal { .. } => "退款受理成功",
    };
    state.refunds.insert(
        own.clone(),
        Remembered {
            fingerprint,
            resp_data: data.clone(),
            msg,
        },
    );
    state.refund_records.insert(own, record);
    v3(now, "BBS00000", msg, Some(data))
}

/// `/api/v3/labs/query/idmrefundquery`: one refund by its own number (an idmrefund's
/// `out_refund_order_no`, here also a plain refund's `out_trade_no`). Each query of a DEAL
/// refund counts towards [`DealRefunds::SucceedAfterQueries`].
pub(crate) fn refund_query(shared: &Shared, text: &str, now: i64) -> Value {
    let request: RefundQueryRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let own: OrderKey = (s(request.merchant_no()), s(request.out_refund_order_no()));
    let mut state = shared.state();
    let Some(record) = state.refund_records.get_mut(&own) else {
        return v3(now, codes::ORDER_NOT_FOUND, "退款交易不存在", None);
    };
    let mut settled = None;
    if let RefundProgress::Deal {
        queries_left: Some(left),
        ..
    } = &mut record.progress
    {
        if *left == 0 {
            record.progress = RefundProgress::Done;
            record.trade_time = now;
            settled = Some((record.origin.clone(), record.amount));
        } else {
            *left -= 1;
        }
    }
    if let Some((origin, amount)) = settled {
        if let Some(order) = state.orders.get_mut(&origin) {
            order.refunding = order.refunding.saturating_sub(amount);
            order.refunded = order.refunded.saturating_add(amount);
        }
    }
    let Some(record) = state.refund_records.get(&own) else {
        return v3(now, codes::ORDER_NOT_FOUND, "退款交易不存在", None);
    };
    let data = refund_data(&state, &own, record);
    v3(now, "BBS00000", "查询成功", Some(data))
}

/// `/api/v3/labs/relation/close`: an unpaid order (created or pending) is closed for good
/// (trade query `CLOSE`); a paid one is refused (`SBX00008`: revoke or refund it).
pub(crate) fn close(shared: &Shared, text: &str, now: i64) -> Value {
    let request: CloseRequest = match parse_v3(text) {
        Ok(r) => r,
        Err(msg) => return v3(now, codes::INVALID_REQUEST, &msg, None),
    };
    let merchant_no = s(request.merchant_no());
    let mut state = shared.state();
    let Some(key) = state.find(
        &merchant_no,
        request.origin_out_trade_no(),
        request.origin_trade_no(),
    ) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    let Some(order) = state.orders.get_mut(&key) else {
        return v3(now, codes::ORDER_NOT_FOUND, "原交易不存在", None);
    };
    match order.status {
        Status::Created { .. } | Status::Expired | Status::Paying { .. } => {
            order.status = Status::Closed;
            order.trade_time = now;
        }
        Status::Closed => {}
        Status::Success => {
            return v3(
                now,
                codes::CANNOT_CLOSE,
                "原交易已支付成功,不可关单,请撤销或退款",
                None,
            )
        }
        Status::Failed { .. } | Status::Revoked => {
            return v3(now, codes::CANNOT_CLOSE, "原交易已结束,无需关单", None)
        }
    }
    let data = json!({
        "merchant_no": order.merchant_no,
        "origin_out_trade_no": order.out_trade_no,
        "origin_trade_no": order.trade_no,
        "trade_time": format_china_time(order.trade_time),
    });
    v3(now, "BBS00000", "关单成功", Some(data))
}
