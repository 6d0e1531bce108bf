//! The v3 calls that settle what a revoke, a refund or an unpaid order became: the refund
//! query (`POST /api/v3/labs/query/idmrefundquery`) with its [`RefundState`], and order
//! close (`POST /api/v3/labs/relation/close`).
//!
//! **None of this is in the three seed specs (`spec/`).** The field lists come from Lakala's
//! public open-platform SDKs and from integrators' code; what was relied on, and what is
//! still a guess, is written down in `SOURCES.md` next to this file. Lengths follow
//! micropay's (`String(32)` for merchant, terminal and order numbers); unmodelled fields
//! are kept in `extra()`.
//!
//! Which number identifies a refund:
//! - a refund sent to `/api/v3/labs/relation/idmrefund` carries its own number as
//!   `out_refund_order_no`, and the refund query asks by that number;
//! - a refund sent to the plain `/api/v3/labs/relation/refund` carries its own number as
//!   `out_trade_no`. Lakala documents no refund query for it; the trade query by that
//!   number (it answers `trade_main_type` `REFUND`) is the documented way, and this crate
//!   also sends it as the refund query's `out_refund_order_no` (the sandbox answers both;
//!   whether the platform does is not documented: see `SOURCES.md`).

use super::{AccountType, LocationInfo};
use crate::money::Amount;
use crate::rules::FieldRule;
use crate::timestamp::DateTime14;
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

fn filled(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

wire_enum! {
    /// `trade_state` of a refund (a refund answer's or a refund query's). Unlisted states
    /// are kept as sent; [`RefundState::verdict`] never guesses a final outcome for them.
    #[non_exhaustive]
    pub enum RefundState {
        /// INIT: accepted, not yet sent on to the wallet.
        Init = "INIT",
        /// SUCCESS: refunded; the money went back to the payer.
        Success = "SUCCESS",
        /// FAIL: the refund failed; no money moved (Lakala's SDK allows sending the same
        /// refund number again after a failure).
        Fail = "FAIL",
        /// DEAL: being processed.
        Deal = "DEAL",
        /// TIMEOUT: the wallet did not answer in time; the outcome is not known yet.
        Timeout = "TIMEOUT",
        /// EXCEPTION: handled as an exception by the platform; the outcome is not known yet.
        Exception = "EXCEPTION",
    }
}

/// What a [`RefundState`] means for the refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefundVerdict {
    /// Refunded (SUCCESS).
    Done,
    /// Failed, no money moved (FAIL).
    Failed,
    /// Not final (INIT, DEAL, TIMEOUT, EXCEPTION, and every state this crate does not
    /// list): query the refund again, never send it again.
    InProgress,
}

impl RefundVerdict {
    /// A stable snake_case word: `done`, `failed`, `in_progress`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundVerdict::Done => "done",
            RefundVerdict::Failed => "failed",
            RefundVerdict::InProgress => "in_progress",
        }
    }
}

impl RefundState {
    /// What the state means for the refund. Unlisted states are
    /// [`RefundVerdict::InProgress`]: never done or failed on a guess.
    pub fn verdict(&self) -> RefundVerdict {
        match self {
            RefundState::Success => RefundVerdict::Done,
            RefundState::Fail => RefundVerdict::Failed,
            RefundState::Init
            | RefundState::Deal
            | RefundState::Timeout
            | RefundState::Exception
            | RefundState::Other(_) => RefundVerdict::InProgress,
        }
    }

    /// Whether the refund's outcome is final (SUCCESS or FAIL).
    pub fn is_final(&self) -> bool {
        self.verdict() != RefundVerdict::InProgress
    }
}

/// `req_data` of `POST /api/v3/labs/query/idmrefundquery` (商户订单退款查询): one refund,
/// by the refund's own number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefundQueryRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_refund_order_no: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`RefundQueryRequest`].
    RefundQueryRequestBuilder => RefundQueryRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_refund_order_no (M), String(32): the refund's own number (an idmrefund's
        /// `out_refund_order_no`, a plain refund's `out_trade_no`).
        out_refund_order_no: String,
    }
}

getters!(RefundQueryRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_refund_order_no: the refund's own number.
    out_refund_order_no: str,
});
extra_getter!(RefundQueryRequest);

impl Validate for RefundQueryRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        let own = self.out_refund_order_no.as_deref();
        c.text("out_refund_order_no", own, S(32), Req::M);
    }
}

/// `resp_data` of a refund query. `code` `BBS00000` means the refund was found; where it is
/// stands in `trade_state` ([`RefundState`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefundQueryResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_refund_order_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_state: Option<RefundState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_state_desc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_ret_desc: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(RefundQueryResponse {
    /// merchant_no.
    merchant_no: str,
    /// out_refund_order_no: the refund's own number.
    out_refund_order_no: str,
    /// out_trade_no (for a plain refund, its own number).
    out_trade_no: str,
    /// trade_no: the platform's number of the refund.
    trade_no: str,
    /// log_no.
    log_no: str,
    /// acc_trade_no: the wallet's number.
    acc_trade_no: str,
    /// account_type.
    account_type: AccountType,
    /// trade_state (M when found): where the refund is.
    trade_state: RefundState,
    /// trade_state_desc.
    trade_state_desc: str,
    /// total_amount, fen: the original payment's amount.
    total_amount: Amount,
    /// refund_amount, fen: the amount asked.
    refund_amount: Amount,
    /// payer_amount, fen: the amount given back to the payer.
    payer_amount: Amount,
    /// trade_time.
    trade_time: DateTime14,
    /// origin_out_trade_no: the refunded payment's number.
    origin_out_trade_no: str,
    /// origin_trade_no: the refunded payment's platform number.
    origin_trade_no: str,
    /// channel_ret_desc: the wallet's own words (for example `RFD11112#网络请求超时`).
    channel_ret_desc: str,
});
extra_getter!(RefundQueryResponse);

impl Validate for RefundQueryResponse {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::C);
        let own = self.out_refund_order_no.as_deref();
        c.text("out_refund_order_no", own, S(32), Req::C);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::C);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::C);
        c.text("log_no", self.log_no.as_deref(), S(32), Req::C);
        c.text("acc_trade_no", self.acc_trade_no.as_deref(), S(64), Req::C);
        let account = self.account_type.as_ref().map(AccountType::as_str);
        c.text("account_type", account, S(16), Req::C);
        let state = self.trade_state.as_ref().map(RefundState::as_str);
        c.text("trade_state", state, S(16), Req::M);
        let desc = self.trade_state_desc.as_deref();
        c.text("trade_state_desc", desc, S(256), Req::C);
        c.amount("total_amount", self.total_amount.as_ref(), Req::C);
        c.amount("refund_amount", self.refund_amount.as_ref(), Req::C);
        c.amount("payer_amount", self.payer_amount.as_ref(), Req::C);
        let origin_out = self.origin_out_trade_no.as_deref();
        c.text("origin_out_trade_no", origin_out, S(32), Req::C);
        let origin = self.origin_trade_no.as_deref();
        c.text("origin_trade_no", origin, S(32), Req::C);
        let channel = self.channel_ret_desc.as_deref();
        c.text("channel_ret_desc", channel, S(256), Req::C);
    }
}

/// `req_data` of `POST /api/v3/labs/relation/close` (聚合扫码-关单): closes an order that is
/// not paid, so that it can no longer be paid. By `origin_out_trade_no` or
/// `origin_trade_no`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_info: Option<LocationInfo>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`CloseRequest`].
    CloseRequestBuilder => CloseRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// origin_out_trade_no, String(32): the order's own number (this or
        /// origin_trade_no).
        origin_out_trade_no: String,
        /// origin_trade_no, String(32): the platform's number (this or
        /// origin_out_trade_no).
        origin_trade_no: String,
        /// location_info (M): the platform's risk control requires it.
        location_info: LocationInfo,
    }
}

getters!(CloseRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// origin_out_trade_no.
    origin_out_trade_no: str,
    /// origin_trade_no.
    origin_trade_no: str,
    /// location_info.
    location_info: LocationInfo,
});
extra_getter!(CloseRequest);

impl Validate for CloseRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        let origin_out = self.origin_out_trade_no.as_deref();
        c.text("origin_out_trade_no", origin_out, S(32), Req::C);
        let origin = self.origin_trade_no.as_deref();
        c.text("origin_trade_no", origin, S(32), Req::C);
        if !filled(origin_out) && !filled(origin) {
            c.push(
                "origin_out_trade_no",
                Broken::Conflict("one of origin_out_trade_no, origin_trade_no is required"),
            );
        }
        c.nested("location_info", self.location_info.as_ref(), Req::M);
    }
}

/// `resp_data` of a close. A `BBS00000` says the platform accepted the close; the order's
/// final state is what a trade query then says (`CLOSE`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(CloseResponse {
    /// merchant_no.
    merchant_no: str,
    /// origin_out_trade_no: the closed order's own number.
    origin_out_trade_no: str,
    /// origin_trade_no: the closed order's platform number.
    origin_trade_no: str,
    /// trade_time: when the order was closed.
    trade_time: DateTime14,
});
extra_getter!(CloseResponse);

impl Validate for CloseResponse {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::C);
        let origin_out = self.origin_out_trade_no.as_deref();
        c.text("origin_out_trade_no", origin_out, S(32), Req::C);
        let origin = self.origin_trade_no.as_deref();
        c.text("origin_trade_no", origin, S(32), Req::C);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::micropay::{V3Code, V3Response};

    #[test]
    fn every_refund_state_has_a_verdict_and_unlisted_ones_stay_open() {
        let table = [
            ("INIT", RefundVerdict::InProgress),
            ("SUCCESS", RefundVerdict::Done),
            ("FAIL", RefundVerdict::Failed),
            ("DEAL", RefundVerdict::InProgress),
            ("TIMEOUT", RefundVerdict::InProgress),
            ("EXCEPTION", RefundVerdict::InProgress),
            ("REFUND", RefundVerdict::InProgress),
            ("success", RefundVerdict::InProgress),
            ("", RefundVerdict::InProgress),
        ];
        for (wire, verdict) in table {
            let state: RefundState = serde_json::from_value(Value::from(wire)).unwrap();
            assert_eq!(state.verdict(), verdict, "{wire}");
            assert_eq!(state.as_str(), wire, "kept as sent");
            assert_eq!(state.is_final(), verdict != RefundVerdict::InProgress);
        }
        assert_eq!(
            RefundState::from("REFUNDING"),
            RefundState::Other("REFUNDING".into())
        );
    }

    fn location() -> LocationInfo {
        LocationInfo::builder()
            .request_ip("127.0.0.1")
            .build()
            .unwrap()
    }

    #[test]
    fn refund_query_request_requires_its_numbers() {
        let ok = RefundQueryRequest::builder()
            .merchant_no("822290070111135")
            .term_no("29034705")
            .out_refund_order_no("R1")
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({"merchant_no": "822290070111135", "term_no": "29034705", "out_refund_order_no": "R1"})
        );
        let err = RefundQueryRequest::builder()
            .merchant_no("M")
            .term_no("T")
            .build()
            .unwrap_err();
        assert_eq!(err.fields(), ["out_refund_order_no"]);
        let err = RefundQueryRequest::builder()
            .merchant_no("M")
            .term_no("T")
            .out_refund_order_no("R".repeat(33))
            .build()
            .unwrap_err();
        assert_eq!(err.fields(), ["out_refund_order_no"]);
    }

    #[test]
    fn close_request_needs_one_origin_number_and_a_location() {
        let ok = CloseRequest::builder()
            .merchant_no("M")
            .term_no("T")
            .origin_trade_no("2024")
            .location_info(location())
            .build();
        assert!(ok.is_ok());
        let err = CloseRequest::builder()
            .merchant_no("M")
            .term_no("T")
            .build()
            .unwrap_err();
        assert_eq!(err.fields(), ["origin_out_trade_no", "location_info"]);
        let err = CloseRequest::builder()
            .merchant_no("M".repeat(33))
            .term_no("T")
            .origin_out_trade_no("O")
            .location_info(location())
            .build()
            .unwrap_err();
        assert_eq!(err.fields(), ["merchant_no"]);
    }

    #[test]
    fn refund_query_answers_parse_and_hostile_ones_are_typed_errors() {
        let text = r#"{"code":"BBS00000","msg":"成功","resp_time":"20240102030405",
            "resp_data":{"out_refund_order_no":"R1","trade_no":"20240102660000001","trade_state":"DEAL",
            "refund_amount":"100","channel_ret_desc":"RFD11112#网络请求超时","new_field":null}}"#;
        let parsed = crate::error::parse::<V3Response<RefundQueryResponse>>(text).unwrap();
        assert!(parsed.violations.is_empty(), "{:?}", parsed.violations);
        let data = parsed.value.resp_data().unwrap();
        assert_eq!(data.trade_state(), Some(&RefundState::Deal));
        assert_eq!(data.refund_amount().map(|a| a.fen()), Some(100));
        assert!(data.extra().contains_key("new_field"));
        assert_eq!(parsed.value.code(), Some(&V3Code::Found));

        // Found without a trade_state breaks a rule (reported, never read as refunded).
        let text = r#"{"code":"BBS00000","msg":"成功","resp_data":{"out_refund_order_no":"R1"}}"#;
        let parsed = crate::error::parse::<V3Response<RefundQueryResponse>>(text).unwrap();
        let fields: Vec<_> = parsed.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["resp_data.trade_state"]);

        for hostile in [
            r#"{"code":"BBS00000","msg":"","resp_data":{"trade_state":7}}"#,
            r#"{"code":"BBS00000","msg":"","resp_data":{"refund_amount":"-1"}}"#,
            r#"{"code":"BBS00000","msg":"","resp_data":[]}"#,
            r#"{"code":"BBS00000""#,
        ] {
            assert!(
                crate::error::parse::<V3Response<RefundQueryResponse>>(hostile).is_err(),
                "{hostile}"
            );
        }
    }

    #[test]
    fn close_answers_parse_and_oversized_numbers_are_violations() {
        let text = r#"{"code":"BBS00000","msg":"成功","resp_data":{"origin_out_trade_no":"O1","trade_time":"20240102030405"}}"#;
        let parsed = crate::error::parse::<V3Response<CloseResponse>>(text).unwrap();
        assert!(parsed.violations.is_empty());
        assert_eq!(
            parsed.value.resp_data().unwrap().origin_out_trade_no(),
            Some("O1")
        );
        let long = "9".repeat(40);
        let text = format!(
            r#"{{"code":"BBS00000","msg":"成功","resp_data":{{"origin_trade_no":"{long}"}}}}"#
        );
        let parsed = crate::error::parse::<V3Response<CloseResponse>>(&text).unwrap();
        let fields: Vec<_> = parsed.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["resp_data.origin_trade_no"]);
    }
}
