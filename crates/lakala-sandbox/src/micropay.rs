//! Micropay (被扫, the payer shows a payment code), on either route Lakala serves it:
//! `/api/v3/dcp/trans/micropay` (direct connect, spec 003) and `/api/v3/labs/trans/micropay`
//! (aggregated scan, Lakala's open-platform SDK). The scenarios are the same on both; the
//! result codes differ ([`MicropayRoute`]).

use crate::behaviour::{codes, micropay_scenario, wallet_of, MicropayScenario};
use crate::shared::Shared;
use crate::state::{Order, OrderKey, Quirks, Settle, Status};
use crate::v3_wire::{day, parse_v3, s, v3, wallet_user};
use lakala_crypto::format_china_time;
use lakala_types::labs::LabsMicropayRequest;
use lakala_types::micropay::MicropayRequest;
use lakala_types::Personal;
use serde_json::{json, Value};
use std::time::Duration;

/// Which micropay route a request came by: it decides the answer's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MicropayRoute {
    /// `/api/v3/dcp/trans/micropay`: `DCP00000` paid, `DCP10000` pending.
    Dcp,
    /// `/api/v3/labs/trans/micropay`: `BBS00000` paid, `BBS10000` pending.
    Labs,
}

impl MicropayRoute {
    /// The code and message of a payment that succeeded at once.
    fn paid(self) -> (&'static str, &'static str) {
        match self {
            MicropayRoute::Dcp => ("DCP00000", "交易成功"),
            MicropayRoute::Labs => ("BBS00000", "交易成功"),
        }
    }

    /// The code and message of a payment the payer has not finished (query it).
    fn pending(self) -> (&'static str, &'static str) {
        match self {
            MicropayRoute::Dcp => ("DCP10000", "支付中,请查询"),
            MicropayRoute::Labs => ("BBS10000", "交易状态为支付中"),
        }
    }
}

/// The `resp_data` of a micropay answer: like spec 003's, it names no `merchant_no` (a
/// client binds the answer to its merchant by a trade query).
fn payment_data(order: &Order, need_query: bool) -> Value {
    let amount = order.total.to_string();
    let mut data = json!({
        "need_query": if need_query { "1" } else { "0" },
        "out_trade_no": order.out_trade_no,
        "settle_channel_type": order.account_type,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "acc_merchant_trade_no": order.trade_no,
        "acc_trade_no": order.acc_trade_no,
        "account_type": order.account_type,
        "total_amount": amount,
        "payer_amount": amount,
        "acc_settle_amount": amount,
        "trade_time": format_china_time(order.trade_time),
    });
    if let Some(fields) = wallet_user(&order.account_type) {
        data["acc_resp_fields"] = fields;
    }
    data
}

/// A micropay: the answer, and how long to hold it back (the slow scenario).
pub(crate) fn micropay(
    shared: &Shared,
    route: MicropayRoute,
    text: &str,
    now: i64,
) -> (Value, Option<Duration>) {
    // The labs route takes the labs-only fields too, and its own rules (a shorter subject).
    let parsed = match route {
        MicropayRoute::Dcp => parse_v3::<MicropayRequest>(text),
        MicropayRoute::Labs => parse_v3::<LabsMicropayRequest>(text).map(|r| r.into_parts().0),
    };
    let request = match parsed {
        Ok(r) => r,
        Err(msg) => return (v3(now, codes::INVALID_REQUEST, &msg, None), None),
    };
    let amount = request.total_amount().map(|a| a.fen()).unwrap_or(0);
    if amount == 0 {
        let msg = "参数错误: total_amount: 必须大于0";
        return (v3(now, codes::INVALID_REQUEST, msg, None), None);
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
        return (
            v3(now, codes::DUPLICATE_ORDER, "商户交易流水号重复", None),
            None,
        );
    }
    let trade_no = state.next_number(&day(now), 14);
    let pending_until = Some(now.saturating_add(shared.pending_delay_secs));
    let status = match scenario {
        MicropayScenario::Succeed | MicropayScenario::SlowAnswerThenQueryTimeout => Status::Success,
        MicropayScenario::PendingRevokeInconclusive | MicropayScenario::PendingUntilRevoked => {
            Status::Paying {
                at: None,
                then: Settle::Success,
            }
        }
        MicropayScenario::PendingThenSucceed | MicropayScenario::PayingThenSucceed => {
            Status::Paying {
                at: pending_until,
                then: Settle::Success,
            }
        }
        MicropayScenario::PendingThenFail => Status::Paying {
            at: pending_until,
            then: Settle::Fail,
        },
        MicropayScenario::PendingThenClose => Status::Paying {
            at: pending_until,
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
        refunding: 0,
        status: status.clone(),
        trade_time: now,
        notify_url: request.notify_url().map(str::to_owned),
        main_type: "MICROPAY",
        quirks: Quirks {
            inconclusive_first_revoke: scenario == MicropayScenario::PendingRevokeInconclusive,
            timeout_first_query: scenario == MicropayScenario::SlowAnswerThenQueryTimeout,
        },
    };
    let data = payment_data(&order, matches!(status, Status::Paying { .. }));
    state.insert_order(order);
    drop(state);
    let (paid, paid_msg) = route.paid();
    let (pending, pending_msg) = route.pending();
    let answer = match scenario {
        MicropayScenario::Succeed | MicropayScenario::SlowAnswerThenQueryTimeout => {
            v3(now, paid, paid_msg, Some(data))
        }
        MicropayScenario::WalletError { code, msg } => v3(now, code, msg, None),
        MicropayScenario::PayingThenSucceed => v3(now, "BBS10000", "交易状态为支付中", None),
        MicropayScenario::NamedRefusal => v3(
            now,
            "BBS16111",
            "子商户号与appid不匹配",
            Some(json!({"out_trade_no": key.1, "merchant_no": key.0})),
        ),
        _ => v3(now, pending, pending_msg, Some(data)),
    };
    let delay = (scenario == MicropayScenario::SlowAnswerThenQueryTimeout)
        .then_some(shared.slow_answer_delay);
    (answer, delay)
}
