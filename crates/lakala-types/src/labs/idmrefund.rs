//! Refund by the merchant's refund number (商户订单退款, `POST
//! /api/v3/labs/relation/idmrefund`). The refund's own number is `out_refund_order_no`,
//! the number the refund query (`RefundQueryRequest`) asks by; after a `FAIL` the same
//! number may be sent again.

use crate::micropay::{LocationInfo, RefundQueryResponse};
use crate::money::Amount;
use crate::rules::FieldRule;
use crate::validation::{Broken, Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const S: fn(usize) -> FieldRule = FieldRule::text;

fn filled(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// The idmrefund's `resp_data`: the same fields as the refund query's, its `trade_state`
/// ([`RefundState`](crate::micropay::RefundState)) saying where the refund is.
pub type IdmRefundResponse = RefundQueryResponse;

/// `req_data` of idmrefund.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdmRefundRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_refund_order_no: Option<String>,
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
    /// Builds an [`IdmRefundRequest`].
    IdmRefundRequestBuilder => IdmRefundRequest {
        /// merchant_no (M), String(32).
        merchant_no: String,
        /// term_no (M), String(32).
        term_no: String,
        /// out_refund_order_no (M), String(32): this refund's own number; may be sent again
        /// after the refund failed.
        out_refund_order_no: String,
        /// refund_amount (M), fen, String(12), at least 1.
        refund_amount: Amount,
        /// refund_reason (C), String(32).
        refund_reason: String,
        /// origin_out_trade_no, String(32): the paid order's own number (one of the three
        /// origin numbers is required).
        origin_out_trade_no: String,
        /// origin_trade_no, String(32): the paid order's platform number (preferred when
        /// several are sent).
        origin_trade_no: String,
        /// origin_log_no, String(14): the paid order's statement number.
        origin_log_no: String,
        /// location_info (M): the platform's risk control requires it.
        location_info: LocationInfo,
    }
}

getters!(IdmRefundRequest {
    /// merchant_no.
    merchant_no: str,
    /// term_no.
    term_no: str,
    /// out_refund_order_no: this refund's own number.
    out_refund_order_no: str,
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
extra_getter!(IdmRefundRequest);

impl Validate for IdmRefundRequest {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("term_no", self.term_no.as_deref(), S(32), Req::M);
        let own = self.out_refund_order_no.as_deref();
        c.text("out_refund_order_no", own, S(32), Req::M);
        c.amount("refund_amount", self.refund_amount.as_ref(), Req::M);
        if self.refund_amount.is_some_and(|a| a.fen() == 0) {
            c.push("refund_amount", Broken::Format("at least 1 fen"));
        }
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
