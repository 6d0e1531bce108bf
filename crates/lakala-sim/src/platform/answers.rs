//! What the platform does with each request it receives, and what it answers: micropay,
//! trade query, revoke, refund, and a typed "unsupported" answer for anything else. Every
//! choice is drawn from the platform's stream of the seed; `faults` is `None` in the drain
//! phase, when the platform answers cleanly.

use super::truth::{land, Fate, Order, Refund, RefundState, Revoke, Status, Truth};
use crate::plan::Faults;
use crate::rng::SimRng;
use lakala_crypto::format_china_time;
use serde_json::{json, Value};

/// The codes the simulated platform answers with.
pub mod codes {
    /// Micropay: paid.
    pub const PAID: &str = "DCP00000";
    /// Micropay: in progress, query.
    pub const PAYING: &str = "DCP10000";
    /// Labs APIs: success (for a query: found).
    pub const FOUND: &str = "BBS00000";
    /// Labs APIs: paying.
    pub const BBS_PAYING: &str = "BBS10000";
    /// Refund in progress.
    pub const REFUND_PROCESSING: &str = "BBS11112";
    /// A definite refusal (sub-merchant mismatch), naming the order.
    pub const REFUSED: &str = "BBS16111";
    /// The platform could not reach the wallet.
    pub const NETWORK_FAILURE: &str = "000100";
    /// The platform timed out reaching the wallet.
    pub const NETWORK_TIMEOUT: &str = "000101";
    /// System busy.
    pub const BUSY: &str = "BBS99999";
    /// A code nobody listed.
    pub const UNLISTED: &str = "SIM77777";
    /// A wallet's decline (not a listed refusal).
    pub const DECLINED: &str = "SIM00051";
    /// The order does not exist (the sandbox's code, the only one the client may read as
    /// "not found").
    pub const NOT_FOUND: &str = "SBX00004";
    /// A repeated order number: the first order stands.
    pub const DUPLICATE: &str = "SBX00002";
    /// Revoke refused: the order failed, closed or is already revoked.
    pub const CANNOT_REVOKE: &str = "SBX00006";
    /// Refund refused: the order is not paid.
    pub const CANNOT_REFUND: &str = "SBX00007";
    /// Refund refused: more than what is left.
    pub const REFUND_EXCEEDS: &str = "SBX00005";
    /// Close refused: the order is paid (or failed, or revoked).
    pub const CANNOT_CLOSE: &str = "SBX00008";
    /// An API the simulation does not model.
    pub const UNSUPPORTED: &str = "SIM40400";
}

/// A v3 answer before it is signed.
#[derive(Debug, Clone)]
pub struct Answer {
    /// `code`.
    pub code: &'static str,
    /// `msg`.
    pub msg: &'static str,
    /// `resp_data`.
    pub data: Option<Value>,
}

impl Answer {
    fn new(code: &'static str, msg: &'static str, data: Option<Value>) -> Self {
        Self { code, msg, data }
    }

    /// The envelope's JSON.
    pub fn to_json(&self, now: i64) -> Value {
        let mut v =
            json!({"code": self.code, "msg": self.msg, "resp_time": format_china_time(now)});
        if let Some(d) = &self.data {
            v["resp_data"] = d.clone();
        }
        v
    }
}

/// A request's `req_data` field as text.
fn text<'a>(data: &'a Value, name: &str) -> Option<&'a str> {
    data.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn amount(data: &Value, name: &str) -> Option<u64> {
    match data.get(name)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// An inconclusive answer without `resp_data`.
fn odd(rng: &mut SimRng) -> Answer {
    let code = rng.pick(&[
        codes::NETWORK_FAILURE,
        codes::NETWORK_TIMEOUT,
        codes::BUSY,
        codes::UNLISTED,
    ]);
    Answer::new(code, "inconclusive", None)
}

fn on(faults: Option<&Faults>, rng: &mut SimRng, pick: impl Fn(&Faults) -> f64) -> bool {
    faults.is_some_and(|f| rng.chance(pick(f)))
}

fn payment_data(out_trade_no: &str, order: &Order, need_query: bool, now: i64) -> Value {
    json!({
        "need_query": if need_query { "1" } else { "0" },
        "out_trade_no": out_trade_no,
        "trade_no": order.trade_no,
        "account_type": "WECHAT",
        "total_amount": order.total.to_string(),
        "payer_amount": order.total.to_string(),
        "trade_time": format_china_time(now),
    })
}

/// A micropay arrived.
pub fn micropay(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let (Some(out), Some(total)) = (text(data, "out_trade_no"), amount(data, "total_amount"))
    else {
        return (
            Answer::new(
                codes::UNSUPPORTED,
                "missing out_trade_no or total_amount",
                None,
            ),
            "micropay without out_trade_no/total_amount".into(),
        );
    };
    let out = out.to_owned();
    *truth.micropay_arrivals.entry(out.clone()).or_default() += 1;
    let arrivals = truth.micropay_arrivals[&out];
    if truth.orders.contains_key(&out) {
        let answer = if on(faults, rng, |f| f.micropay_odd_code) {
            odd(rng)
        } else {
            Answer::new(codes::DUPLICATE, "商户交易流水号重复", None)
        };
        let line = format!(
            "micropay {out} ARRIVED again (arrival {arrivals}): {}",
            answer.code
        );
        return (answer, line);
    }
    let trade_no = truth.number(now);
    let roll = rng.range(0, 100);
    let paying = |rng: &mut SimRng| {
        let lands_at = if on(faults, rng, |f| f.never_lands) {
            None
        } else if on(faults, rng, |f| f.late_landing) {
            Some(now + rng.range(60, 900) as i64)
        } else {
            Some(now + rng.range(1, 50) as i64)
        };
        let then = match rng.range(0, 10) {
            0 => Fate::Fail,
            1 => Fate::Close,
            _ => Fate::Success,
        };
        Status::Paying { lands_at, then }
    };
    let status = match roll {
        0..=39 => Status::Success,
        40..=74 => paying(rng),
        75..=84 => Status::Failed,
        _ => Status::Failed,
    };
    let order = Order {
        merchant_no: text(data, "merchant_no").unwrap_or_default().to_owned(),
        term_no: text(data, "term_no").unwrap_or_default().to_owned(),
        trade_no,
        total,
        status,
        created_at: now,
        paid_at: (status == Status::Success).then_some(now),
        preorder: None,
    };
    let mut answer = match (roll, status) {
        (_, Status::Success) => Answer::new(
            codes::PAID,
            "交易成功",
            Some(payment_data(&out, &order, false, now)),
        ),
        (_, Status::Paying { .. }) => match rng.range(0, 4) {
            0 | 1 => Answer::new(
                codes::PAYING,
                "支付中,请查询",
                Some(payment_data(&out, &order, true, now)),
            ),
            2 => Answer::new(codes::BBS_PAYING, "交易状态为支付中", None),
            _ => Answer::new(
                codes::PAID,
                "交易处理中",
                Some(payment_data(&out, &order, true, now)),
            ),
        },
        (75..=84, _) => Answer::new(
            codes::REFUSED,
            "子商户号与appid不匹配",
            Some(json!({"out_trade_no": out, "merchant_no": order.merchant_no})),
        ),
        _ => Answer::new(codes::DECLINED, "余额不足", None),
    };
    if on(faults, rng, |f| f.micropay_odd_code) {
        answer = odd(rng);
    }
    let line = format!(
        "micropay {out} ARRIVED ({} fen): truth {:?}, answer {}",
        total, order.status, answer.code
    );
    if matches!(status, Status::Success | Status::Failed) {
        truth.landings.push(super::truth::Landing {
            out_trade_no: out.clone(),
            trade_state: if status == Status::Success {
                "SUCCESS"
            } else {
                "FAIL"
            },
        });
    }
    truth.orders.insert(out, order);
    (answer, line)
}

/// A trade query arrived.
pub fn trade_query(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    _now: i64,
) -> (Answer, String) {
    let out = text(data, "out_trade_no").map(str::to_owned);
    let by_trade_no = text(data, "trade_no");
    let found = match (&out, by_trade_no) {
        (Some(o), _) => truth.orders.get(o).map(|order| (o.clone(), order)),
        (None, Some(t)) => truth
            .orders
            .iter()
            .find(|(_, o)| o.trade_no == t)
            .map(|(k, o)| (k.clone(), o)),
        _ => None,
    };
    let label = out
        .clone()
        .unwrap_or_else(|| by_trade_no.unwrap_or("?").to_owned());
    if on(faults, rng, |f| f.query_odd) {
        let answer = match rng.range(0, 6) {
            0..=2 => odd(rng),
            3 => Answer::new(
                codes::BBS_PAYING,
                "交易状态为支付中",
                out.as_ref()
                    .map(|o| json!({"out_trade_no": o, "merchant_no": crate::plan::MERCHANT_NO})),
            ),
            _ => Answer::new(
                codes::FOUND,
                "查询成功",
                found.as_ref().map(|(o, order)| {
                    json!({"out_trade_no": o, "merchant_no": order.merchant_no,
                        "term_no": order.term_no, "trade_no": order.trade_no,
                        "total_amount": order.total.to_string()})
                }),
            ),
        };
        let line = format!("query {label}: inconclusive answer {}", answer.code);
        return (answer, line);
    }
    let Some((out, order)) = found else {
        if let Some(answer) = out.as_deref().and_then(|o| companion_trade(truth, o)) {
            let line = format!(
                "query {label}: {}",
                answer
                    .data
                    .as_ref()
                    .map(|d| d["trade_state"].to_string())
                    .unwrap_or_default()
            );
            return (answer, line);
        }
        return (
            Answer::new(codes::NOT_FOUND, "交易不存在", None),
            format!("query {label}: not found"),
        );
    };
    let mut state = truth.trade_state(&out).unwrap_or("UNKNOWN");
    if state == "DEAL" {
        state = rng.pick(&["INIT", "CREATE", "DEAL", "UNKNOWN"]);
    }
    let data = json!({
        "merchant_no": order.merchant_no,
        "term_no": order.term_no,
        "out_trade_no": out,
        "trade_no": order.trade_no,
        "log_no": &order.trade_no[order.trade_no.len() - 14..],
        "account_type": "WECHAT",
        "trade_main_type": if order.preorder.is_some() { "PREORDER" } else { "MICROPAY" },
        "trade_state": state,
        "total_amount": order.total.to_string(),
        "payer_amount": order.total.to_string(),
        "trade_time": format_china_time(order.created_at),
        "refund_amount": truth.refunded(&out).to_string(),
    });
    (
        Answer::new(codes::FOUND, "查询成功", Some(data)),
        format!("query {out}: {state}"),
    )
}

/// A trade query by a revoke's or refund's own number: the trade it made
/// (`trade_main_type` `CANCEL` or `REFUND`), if it executed.
fn companion_trade(truth: &Truth, number: &str) -> Option<Answer> {
    let (kind, origin, trade_no, state, amount) = if let Some(r) = truth.revokes.get(number) {
        let amount = truth.orders.get(&r.origin).map_or(0, |o| o.total);
        let trade_no = r.resp_data["trade_no"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        ("CANCEL", r.origin.clone(), trade_no, "SUCCESS", amount)
    } else {
        let r = truth.refunds.get(number)?;
        (
            "REFUND",
            r.origin.clone(),
            r.trade_no.clone(),
            r.state.word(),
            r.amount,
        )
    };
    let order = truth.orders.get(&origin)?;
    Some(Answer::new(
        codes::FOUND,
        "查询成功",
        Some(json!({
            "merchant_no": order.merchant_no,
            "term_no": order.term_no,
            "out_trade_no": number,
            "trade_no": trade_no,
            "log_no": &trade_no[trade_no.len().saturating_sub(14)..],
            "trade_main_type": kind,
            "trade_state": state,
            "total_amount": amount.to_string(),
            "origin_out_trade_no": origin,
            "origin_trade_no": order.trade_no,
        })),
    ))
}

/// A refund query (`idmrefundquery`) arrived: one refund by its own number.
pub fn refund_query(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let Some(own) = text(data, "out_refund_order_no").or_else(|| text(data, "out_trade_no")) else {
        return (
            Answer::new(
                codes::UNSUPPORTED,
                "refund query without out_refund_order_no",
                None,
            ),
            "refund query without a number".into(),
        );
    };
    let own = own.to_owned();
    if on(faults, rng, |f| f.query_odd) {
        let answer = odd(rng);
        let line = format!("refund query {own}: inconclusive answer {}", answer.code);
        return (answer, line);
    }
    let Some(refund) = truth.refunds.get(&own) else {
        return (
            Answer::new(codes::NOT_FOUND, "退款交易不存在", None),
            format!("refund query {own}: not found"),
        );
    };
    let Some(order) = truth.orders.get(&refund.origin) else {
        return (
            Answer::new(codes::NOT_FOUND, "原交易不存在", None),
            String::new(),
        );
    };
    let mut data = refund_data(&own, &refund.origin, refund, order, now);
    data["out_refund_order_no"] = Value::from(own.clone());
    data["merchant_no"] = Value::from(order.merchant_no.clone());
    let line = format!("refund query {own}: {}", refund.state.word());
    (Answer::new(codes::FOUND, "查询成功", Some(data)), line)
}

/// A revoke arrived.
pub fn revoke(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let (Some(own), Some(origin)) = (
        text(data, "out_trade_no"),
        text(data, "origin_out_trade_no"),
    ) else {
        return (
            Answer::new(
                codes::UNSUPPORTED,
                "revoke without out_trade_no/origin_out_trade_no",
                None,
            ),
            "revoke without numbers".into(),
        );
    };
    let (own, origin) = (own.to_owned(), origin.to_owned());
    *truth.revoke_arrivals.entry(own.clone()).or_default() += 1;
    if let Some(r) = truth.revokes.get(&own) {
        let answer = Answer::new(codes::FOUND, "撤销成功", Some(r.resp_data.clone()));
        return (
            answer,
            format!("revoke {own} of {origin} ARRIVED again: first answer"),
        );
    }
    let Some(status) = truth.orders.get(&origin).map(|o| o.status) else {
        return (
            Answer::new(codes::NOT_FOUND, "原交易不存在", None),
            format!("revoke {own} ARRIVED: {origin} not found"),
        );
    };
    let inconclusive = on(faults, rng, |f| f.revoke_inconclusive);
    if inconclusive && rng.chance(0.5) {
        // Not executed: the platform failed before acting on it.
        let landed = matches!(status, Status::Paying { .. })
            && on(faults, rng, |f| f.lands_during_revoke)
            && truth.land_now(&origin, now);
        let answer = odd(rng);
        let line = format!(
            "revoke {own} of {origin} ARRIVED, NOT executed, answer {}{}",
            answer.code,
            if landed {
                "; the payment landed meanwhile"
            } else {
                ""
            }
        );
        return (answer, line);
    }
    let was_paid = match status {
        Status::Paying { .. } => false,
        Status::Success => true,
        _ => {
            return (
                Answer::new(codes::CANNOT_REVOKE, "原交易不可撤销", None),
                format!("revoke {own} of {origin} ARRIVED: refused ({status:?})"),
            )
        }
    };
    let number = truth.number(now);
    let Some(order) = truth.orders.get_mut(&origin) else {
        return (
            Answer::new(codes::NOT_FOUND, "原交易不存在", None),
            String::new(),
        );
    };
    order.status = Status::Revoked { was_paid };
    let resp_data = json!({
        "merchant_no": order.merchant_no,
        "out_trade_no": own,
        "trade_no": number,
        "log_no": &number[number.len() - 14..],
        "origin_trade_no": order.trade_no,
        "origin_out_trade_no": origin,
        "total_amount": order.total.to_string(),
        "trade_time": format_china_time(now),
    });
    truth.revokes.insert(
        own.clone(),
        Revoke {
            origin: origin.clone(),
            was_paid,
            resp_data: resp_data.clone(),
            at: now,
        },
    );
    let answer = if inconclusive {
        odd(rng)
    } else {
        Answer::new(codes::FOUND, "撤销成功", Some(resp_data))
    };
    let line = format!(
        "revoke {own} of {origin} ARRIVED, EXECUTED (was paid: {was_paid}), answer {}",
        answer.code
    );
    (answer, line)
}

fn refund_data(own: &str, origin: &str, refund: &Refund, order: &Order, now: i64) -> Value {
    json!({
        "out_trade_no": own,
        "trade_no": refund.trade_no,
        "log_no": &refund.trade_no[refund.trade_no.len() - 14..],
        "total_amount": order.total.to_string(),
        "refund_amount": refund.amount.to_string(),
        "payer_amount": refund.amount.to_string(),
        "trade_time": format_china_time(now),
        "trade_state": refund.state.word(),
        "origin_trade_no": order.trade_no,
        "origin_out_trade_no": origin,
    })
}

/// A refund arrived.
pub fn refund(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let (Some(own), Some(origin), Some(amount)) = (
        text(data, "out_trade_no"),
        text(data, "origin_out_trade_no"),
        amount(data, "refund_amount"),
    ) else {
        return (
            Answer::new(codes::UNSUPPORTED, "refund without numbers or amount", None),
            "refund without numbers".into(),
        );
    };
    let (own, origin) = (own.to_owned(), origin.to_owned());
    let Some(order) = truth.orders.get(&origin).cloned() else {
        return (
            Answer::new(codes::NOT_FOUND, "原交易不存在", None),
            format!("refund {own} ARRIVED: {origin} not found"),
        );
    };
    if let Some(r) = truth.refunds.get(&own) {
        let answer = Answer::new(
            codes::FOUND,
            "退款受理",
            Some(refund_data(&own, &origin, r, &order, now)),
        );
        return (
            answer,
            format!("refund {own} of {origin} ARRIVED again: {}", r.state.word()),
        );
    }
    if order.status != Status::Success {
        return (
            Answer::new(codes::CANNOT_REFUND, "原交易未支付成功,不可退款", None),
            format!(
                "refund {own} of {origin} ARRIVED: refused ({:?})",
                order.status
            ),
        );
    }
    if amount + truth.committed_refunds(&origin) > order.total {
        return (
            Answer::new(codes::REFUND_EXCEEDS, "退款金额超过可退金额", None),
            format!("refund {own} of {origin} ARRIVED: exceeds"),
        );
    }
    let inconclusive = on(faults, rng, |f| f.refund_inconclusive);
    if inconclusive && rng.chance(0.5) {
        let answer = odd(rng);
        return (
            answer.clone(),
            format!(
                "refund {own} of {origin} ARRIVED, NOT executed, answer {}",
                answer.code
            ),
        );
    }
    let deal = faults.map_or(0.3, |f| f.refund_deal);
    let state = if rng.chance(deal) {
        let horizon = if faults.is_some() { 900 } else { 60 };
        RefundState::Deal {
            until: now + rng.range(5, horizon) as i64,
            succeeds: rng.chance(0.75),
        }
    } else {
        RefundState::Success
    };
    let refund = Refund {
        origin: origin.clone(),
        amount,
        state,
        trade_no: truth.number(now),
        success_at: (state == RefundState::Success).then_some(now),
    };
    let data = refund_data(&own, &origin, &refund, &order, now);
    truth.refunds.insert(own.clone(), refund);
    let answer = if inconclusive {
        let code = rng.pick(&[
            codes::REFUND_PROCESSING,
            codes::NETWORK_TIMEOUT,
            codes::UNLISTED,
        ]);
        Answer::new(code, "inconclusive", None)
    } else {
        Answer::new(codes::FOUND, "退款受理", Some(data))
    };
    let line = format!(
        "refund {own} of {origin} ARRIVED ({amount} fen), EXECUTED {}, answer {}",
        state.word(),
        answer.code
    );
    (answer, line)
}

/// A pre-order arrived: the order waits for its customer, who pays after a while, never
/// (it expires), or right as a close arrives, as the faults say.
pub fn preorder(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let (Some(out), Some(total)) = (text(data, "out_trade_no"), amount(data, "total_amount"))
    else {
        return (
            Answer::new(
                codes::UNSUPPORTED,
                "missing out_trade_no or total_amount",
                None,
            ),
            "pre-order without out_trade_no/total_amount".into(),
        );
    };
    let out = out.to_owned();
    *truth.preorder_arrivals.entry(out.clone()).or_default() += 1;
    if truth.orders.contains_key(&out) {
        let answer = Answer::new(codes::DUPLICATE, "商户交易流水号重复", None);
        return (answer, format!("pre-order {out} ARRIVED again: duplicate"));
    }
    let minutes = data
        .get("acc_busi_fields")
        .and_then(|f| f.get("timeout_express"))
        .and_then(Value::as_str)
        .and_then(|m| m.parse::<i64>().ok())
        .unwrap_or(5);
    let expires_at = now + minutes * 60;
    let never = on(faults, rng, |f| f.preorder_never_paid);
    let pays_at_close = !never && on(faults, rng, |f| f.preorder_pays_at_close);
    let lands_at = if never || pays_at_close {
        None
    } else {
        // Sometimes after the expiry: then it never lands.
        Some(now + rng.range(1, (minutes as u64) * 60 + 120) as i64)
    };
    let then = if never { Fate::Close } else { Fate::Success };
    let trade_no = truth.number(now);
    let order = Order {
        merchant_no: text(data, "merchant_no").unwrap_or_default().to_owned(),
        term_no: text(data, "term_no").unwrap_or_default().to_owned(),
        trade_no,
        total,
        status: Status::Paying { lands_at, then },
        created_at: now,
        paid_at: None,
        preorder: Some(super::truth::PreorderFacts {
            expires_at,
            pays_at_close,
            closed_by_close: false,
        }),
    };
    let mut answer = Answer::new(
        codes::FOUND,
        "下单成功",
        Some(json!({
            "merchant_no": order.merchant_no,
            "out_trade_no": out,
            "trade_no": order.trade_no,
            "acc_resp_fields": {"code": format!("https://qr.sim.invalid/{}", order.trade_no)},
        })),
    );
    if on(faults, rng, |f| f.preorder_odd_code) {
        answer = odd(rng);
    }
    let line = format!(
        "pre-order {out} ARRIVED ({total} fen, {minutes} min): customer {}, answer {}",
        if never {
            "never pays".to_owned()
        } else if pays_at_close {
            "pays as the close arrives".to_owned()
        } else {
            format!("pays at {lands_at:?}")
        },
        answer.code
    );
    truth.orders.insert(out, order);
    (answer, line)
}

/// A close arrived: an unpaid pre-order closes for good, unless its customer pays right
/// then (the payment lands first, the close is refused); a paid, failed or revoked order
/// is refused; inconclusive answers as the faults say, executed or not.
pub fn close(
    truth: &mut Truth,
    rng: &mut SimRng,
    faults: Option<&Faults>,
    data: &Value,
    now: i64,
) -> (Answer, String) {
    let Some(origin) = text(data, "origin_out_trade_no") else {
        return (
            Answer::new(
                codes::UNSUPPORTED,
                "close without origin_out_trade_no",
                None,
            ),
            "close without a number".into(),
        );
    };
    let origin = origin.to_owned();
    *truth.close_arrivals.entry(origin.clone()).or_default() += 1;
    let inconclusive = on(faults, rng, |f| f.close_inconclusive);
    let executes = !inconclusive || rng.chance(0.5);
    let Some(order) = truth.orders.get_mut(&origin) else {
        let answer = if inconclusive {
            odd(rng)
        } else {
            Answer::new(codes::NOT_FOUND, "原交易不存在", None)
        };
        return (answer, format!("close of {origin} ARRIVED: not found"));
    };
    let mut landed = false;
    let done = if !executes {
        "NOT executed"
    } else {
        match (order.status, order.preorder) {
            (Status::Paying { then, .. }, Some(pre)) if pre.pays_at_close => {
                // The customer's payment lands first: the close finds it paid.
                land(order, then, now);
                landed = true;
                "refused: the customer paid first"
            }
            (Status::Paying { .. }, _) => {
                order.status = Status::Closed;
                if let Some(pre) = order.preorder.as_mut() {
                    pre.closed_by_close = true;
                }
                "executed"
            }
            (Status::Closed, _) => "executed (already closed)",
            _ => "refused",
        }
    };
    let status = order.status;
    let trade_no = order.trade_no.clone();
    if landed || done == "executed" {
        truth.landings.push(super::truth::Landing {
            out_trade_no: origin.clone(),
            trade_state: if landed { "SUCCESS" } else { "CLOSE" },
        });
    }
    let answer = if inconclusive {
        odd(rng)
    } else if status == Status::Closed {
        Answer::new(
            codes::FOUND,
            "关单成功",
            Some(
                json!({"origin_out_trade_no": origin, "origin_trade_no": trade_no,
                "trade_time": format_china_time(now)}),
            ),
        )
    } else {
        Answer::new(codes::CANNOT_CLOSE, "原交易不可关单", None)
    };
    let line = format!(
        "close of {origin} ARRIVED: {done}, now {status:?}, answer {}",
        answer.code
    );
    (answer, line)
}
