//! The labs pre-order's answer (`resp_data`). Its `acc_resp_fields` depend on what the
//! request asked for; [`PreorderResponse::payment_request`] reads them by that.

use super::kind::PreorderKind;
use super::payment_request::{PaymentRequestError, PaymentRequestForCustomer};
use crate::rules::FieldRule;
use crate::validation::{Checker, Req, Validate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

const S: fn(usize) -> FieldRule = FieldRule::text;

/// `resp_data` of the labs pre-order (code `BBS00000`): the order exists on the platform
/// and waits for the customer. Unknown fields are kept in `extra()`. `Debug` shows only the
/// names of `acc_resp_fields` (the pay-sign fields let the payer pay this order).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreorderResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trade_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_merchant_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_term_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acc_resp_fields: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

getters!(PreorderResponse {
    /// merchant_no (M).
    merchant_no: str,
    /// out_trade_no (M): the request's own number, echoed.
    out_trade_no: str,
    /// trade_no (M): the platform's number of the order.
    trade_no: str,
    /// log_no (C): the last 14 characters of trade_no.
    log_no: str,
    /// settle_merchant_no (C).
    settle_merchant_no: str,
    /// settle_term_no (C).
    settle_term_no: str,
});
extra_getter!(PreorderResponse);

impl PreorderResponse {
    /// acc_resp_fields as received (see [`PreorderResponse::payment_request`]).
    pub fn acc_resp_fields(&self) -> Option<&Map<String, Value>> {
        self.acc_resp_fields.as_ref()
    }

    /// What to hand the customer, read by the combination the request asked for (the
    /// answer does not repeat it): a typed error names the missing or malformed field.
    pub fn payment_request(
        &self,
        kind: PreorderKind,
    ) -> Result<PaymentRequestForCustomer, PaymentRequestError> {
        PaymentRequestForCustomer::from_acc_resp_fields(kind, self.acc_resp_fields.as_ref())
    }
}

impl fmt::Debug for PreorderResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let acc_resp_fields = self
            .acc_resp_fields
            .as_ref()
            .map(|fields| fields.keys().collect::<Vec<_>>());
        f.debug_struct("PreorderResponse")
            .field("merchant_no", &self.merchant_no)
            .field("out_trade_no", &self.out_trade_no)
            .field("trade_no", &self.trade_no)
            .field("log_no", &self.log_no)
            .field("settle_merchant_no", &self.settle_merchant_no)
            .field("settle_term_no", &self.settle_term_no)
            .field("acc_resp_fields", &acc_resp_fields)
            .field("extra", &self.extra)
            .finish()
    }
}

impl Validate for PreorderResponse {
    fn check(&self, c: &mut Checker) {
        c.text("merchant_no", self.merchant_no.as_deref(), S(32), Req::M);
        c.text("out_trade_no", self.out_trade_no.as_deref(), S(32), Req::M);
        c.text("trade_no", self.trade_no.as_deref(), S(32), Req::M);
        c.text("log_no", self.log_no.as_deref(), S(14), Req::C);
        let settle = self.settle_merchant_no.as_deref();
        c.text("settle_merchant_no", settle, S(32), Req::C);
        c.text(
            "settle_term_no",
            self.settle_term_no.as_deref(),
            S(32),
            Req::C,
        );
        c.present("acc_resp_fields", self.acc_resp_fields.is_some(), Req::M);
    }
}
