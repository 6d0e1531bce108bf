//! The v3 calls a merchant needs beside micropay: trade query, revoke and refund.
//!
//! **These tables come from PROTOCOL.md (section 2) and the public Lakala v3 API, not from
//! one of the three specs.** Lengths follow micropay's: `String(32)` for merchant, terminal
//! and trade numbers, `String(12)` for amounts; the request fields are those PROTOCOL.md
//! lists, the response fields those a merchant needs to reconcile, and everything else the
//! platform sends is kept in `extra()`.

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
    /// `trade_state` of a trade query (and of a refund query); unlisted states are kept.
    /// [`TradeState::verdict`] says what each means for the order.
    #[non_exhaustive]
    pub enum TradeState {
        /// INIT: created, not yet sent on.
        Init = "INIT",
        /// CREATE: order created, awaiting payment.
        Create = "CREATE",
        /// SUCCESS: paid (for a refund: refunded).
        Success = "SUCCESS",
        /// FAIL: failed; no money moved.
        Fail = "FAIL",
        /// DEAL: in progress; query again.
        Deal = "DEAL",
        /// UNKNOWN: unknown; query again.
        Unknown = "UNKNOWN",
        /// CLOSE: closed before it was paid; no money moved.
        Close = "CLOSE",
        /// PART_REFUND: paid, then partly refunded.
        PartRefund = "PART_REFUND",
        /// REFUND: paid, then refunded in full; also what the platform reports for a revoked
        /// order.
        Refund = "REFUND",
        /// TIMEOUT (refund queries): the refund's outcome is not known yet; query again.
        Timeout = "TIMEOUT",
        /// EXCEPTION (refund queries): the refund is being handled as an exception; query
        /// again.
        Exception = "EXCEPTION",
    }
}

/// What a [`TradeState`] means for the order it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TradeVerdict {
    /// The payer paid (SUCCESS; PART_REFUND: paid, part of it refunded since). For a refund
    /// query: refunded.
    Paid,
    /// Failed: no money moved (FAIL).
    Failed,
    /// Closed (CLOSE), or given back in full / revoked (REFUND): the order is over and the
    /// payer is not charged.
    Closed,
    /// Not final (INIT, CREATE, DEAL, UNKNOWN, TIMEOUT, EXCEPTION, and any state this crate
    /// does not list): query again.
    InProgress,
}

impl TradeState {
    /// What the state means for the order. Unlisted states are
    /// [`TradeVerdict::InProgress`]: never a success or a failure on a guess.
    pub fn verdict(&self) -> TradeVerdict {
        match self {
            TradeState::Success | TradeState::PartRefund => TradeVerdict::Paid,
            TradeState::Fail => TradeVerdict::Failed,
            TradeState::Close | TradeState::Refund => TradeVerdict::Closed,
            TradeState::Init
            | TradeState::Create
            | TradeState::Deal
            | TradeState::Unknown
            | TradeState::Timeout
            | TradeState::Exception
            | TradeState::Other(_) => TradeVerdict::InProgress,
        }
    }

    /// Whether the outcome is final: every state but [`TradeVerdict::InProgress`] ones.
    pub fn is_final(&self) -> bool {
        self.verdict() != TradeVerdict::InProgress
    }
}

wire_enum! {
    /// `trade_main_type` of a trade query: what kind of trade the number belongs to.
    #[non_exhaustive]
    pub enum TradeMainType {
        /// PREORDER: an active-scan pre-order.
        PreOrder = "PREORDER",
        /// MICROPAY: a barcode payment.
        Micropay = "MICROPAY",
        /// REFUND: a refund.
        Refund = "REFUND",
        /// CANCEL: a revocation.
        Cancel = "CANCEL",
    }
}

/// `req_data` of `POST /api/v3/labs/query/tradequery`: by `out_trade_no` or `trade_no`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeQueryRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`TradeQueryRequest`].
    TradeQueryRequestBuilder => TradeQueryRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_trade_no, String(32): the merchant's number (this or trade_no).
        out_trade_no: String,
        /// trade_no, String(32): the platform's number (this or out_trade_no).
        trade_no: String,
    }
}

getters!(TradeQueryRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// trade_no.
    trade_no: str,
});
extra_getter!(TradeQueryRequest);

impl Validate for TradeQueryRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::C);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::C);
        if !filled(self.out_trade_no.as_deref()) && !filled(self.trade_no.as_deref()) {
            c.push(
                "out_trade_no",
                Broken::Conflict("one of out_trade_no, trade_no is required"),
            );
        }
    }
}

/// `resp_data` of a trade query (code `BBS00000` means "found"; `trade_state` tells the
/// outcome).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeQueryResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
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
    trade_state: Option<TradeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_state_desc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_main_type: Option<TradeMainType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer_amount: Option<Amount>,
    #[serde(alias = "acc_settel_amount", skip_serializing_if = "Option::is_none")]
    acc_settle_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(TradeQueryResponse {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// trade_no.
    trade_no: str,
    /// log_no.
    log_no: str,
    /// acc_trade_no.
    acc_trade_no: str,
    /// account_type.
    account_type: AccountType,
    /// trade_state (M).
    trade_state: TradeState,
    /// trade_state_desc.
    trade_state_desc: str,
    /// trade_main_type: PREORDER, MICROPAY, REFUND or CANCEL.
    trade_main_type: TradeMainType,
    /// total_amount, fen.
    total_amount: Amount,
    /// payer_amount, fen.
    payer_amount: Amount,
    /// acc_settle_amount, fen.
    acc_settle_amount: Amount,
    /// trade_time.
    trade_time: DateTime14,
});
extra_getter!(TradeQueryResponse);

impl Validate for TradeQueryResponse {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::C);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::C);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::C);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::C);
        c.text("log_no", self.log_no.as_deref(), S(32), Req::C);
        c.text("acc_trade_no", self.acc_trade_no.as_deref(), S(32), Req::C);
        let state = self.trade_state.as_ref().map(TradeState::as_str);
        c.text("trade_state", state, S(16), Req::M);
        c.amount("total_amount", self.total_amount.as_ref(), Req::C);
        c.amount("payer_amount", self.payer_amount.as_ref(), Req::C);
        c.amount("acc_settle_amount", self.acc_settle_amount.as_ref(), Req::C);
    }
}

/// `req_data` of `POST /api/v3/labs/relation/revoked` (cancel a barcode payment).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevokeRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
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
    /// Builds a [`RevokeRequest`].
    RevokeRequestBuilder => RevokeRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_trade_no (M), String(32): this revocation's own number.
        out_trade_no: String,
        /// origin_out_trade_no, String(32) (this or origin_trade_no).
        origin_out_trade_no: String,
        /// origin_trade_no, String(32) (this or origin_out_trade_no).
        origin_trade_no: String,
        /// location_info (M).
        location_info: LocationInfo,
    }
}

getters!(RevokeRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// origin_out_trade_no.
    origin_out_trade_no: str,
    /// origin_trade_no.
    origin_trade_no: str,
    /// location_info.
    location_info: LocationInfo,
});
extra_getter!(RevokeRequest);

impl Validate for RevokeRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
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

/// `resp_data` of a revocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevokeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(RevokeResponse {
    /// merchant_no.
    merchant_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// trade_no.
    trade_no: str,
    /// log_no.
    log_no: str,
    /// origin_trade_no.
    origin_trade_no: str,
    /// origin_out_trade_no.
    origin_out_trade_no: str,
    /// total_amount, fen.
    total_amount: Amount,
    /// trade_time.
    trade_time: DateTime14,
});
extra_getter!(RevokeResponse);

impl Validate for RevokeResponse {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::C);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::C);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::C);
        c.text("log_no", self.log_no.as_deref(), S(32), Req::C);
        c.amount("total_amount", self.total_amount.as_ref(), Req::C);
    }
}

/// `req_data` of `POST /api/v3/labs/relation/refund`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefundRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_log_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_info: Option<LocationInfo>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

builder! {
    /// Builds a [`RefundRequest`].
    RefundRequestBuilder => RefundRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_trade_no (M), String(32): this refund's own number.
        out_trade_no: String,
        /// refund_amount (M), fen, String(12).
        refund_amount: Amount,
        /// refund_reason (C), String(32).
        refund_reason: String,
        /// origin_out_trade_no, String(32) (one of the three origin numbers).
        origin_out_trade_no: String,
        /// origin_trade_no, String(32).
        origin_trade_no: String,
        /// origin_log_no, String(14).
        origin_log_no: String,
        /// location_info (M).
        location_info: LocationInfo,
    }
}

getters!(RefundRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_trade_no.
    out_trade_no: str,
    /// refund_amount.
    refund_amount: Amount,
    /// refund_reason.
    refund_reason: str,
    /// origin_out_trade_no.
    origin_out_trade_no: str,
    /// origin_trade_no.
    origin_trade_no: str,
    /// origin_log_no.
    origin_log_no: str,
    /// location_info.
    location_info: LocationInfo,
});
extra_getter!(RefundRequest);

impl Validate for RefundRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
        c.amount("refund_amount", self.refund_amount.as_ref(), Req::M);
        c.text(
            "refund_reason",
            self.refund_reason.as_deref(),
            S(32),
            Req::C,
        );
        let origin_out = self.origin_out_trade_no.as_deref();
        c.text("origin_out_trade_no", origin_out, S(32), Req::C);
        let origin = self.origin_trade_no.as_deref();
        c.text("origin_trade_no", origin, S(32), Req::C);
        let origin_log = self.origin_log_no.as_deref();
        c.text("origin_log_no", origin_log, S(14), Req::C);
        if !filled(origin_out) && !filled(origin) && !filled(origin_log) {
            c.push(
                "origin_out_trade_no",
                Broken::Conflict(
                    "one of origin_out_trade_no, origin_trade_no, origin_log_no is required",
                ),
            );
        }
        c.nested("location_info", self.location_info.as_ref(), Req::M);
    }
}

/// `resp_data` of a refund.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefundResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer_amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_time: Option<DateTime14>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_state: Option<TradeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_out_trade_no: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(RefundResponse {
    /// out_trade_no.
    out_trade_no: str,
    /// trade_no.
    trade_no: str,
    /// log_no.
    log_no: str,
    /// acc_trade_no.
    acc_trade_no: str,
    /// total_amount, fen.
    total_amount: Amount,
    /// refund_amount, fen.
    refund_amount: Amount,
    /// payer_amount, fen.
    payer_amount: Amount,
    /// trade_time.
    trade_time: DateTime14,
    /// trade_state.
    trade_state: TradeState,
    /// origin_trade_no.
    origin_trade_no: str,
    /// origin_out_trade_no.
    origin_out_trade_no: str,
});
extra_getter!(RefundResponse);

impl Validate for RefundResponse {
    fn check(&self, c: &mut Checker) {
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::C);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::C);
        c.text("log_no", self.log_no.as_deref(), S(32), Req::C);
        c.amount("total_amount", self.total_amount.as_ref(), Req::C);
        c.amount("refund_amount", self.refund_amount.as_ref(), Req::C);
        c.amount("payer_amount", self.payer_amount.as_ref(), Req::C);
    }
}
