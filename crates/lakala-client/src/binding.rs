//! Binding an answer to its request: a verified answer counts as this exchange's answer only
//! when it is about this order.
//!
//! A signature proves that Lakala wrote an answer, not that it answers *this* request: a
//! genuine answer about another order, replayed within the freshness window, verifies just
//! as well. So every open-platform call compares the order numbers of the answer with those
//! of the request before anything is concluded from it:
//!
//! | call | must equal the request's (when the code is a success or pending code) | must equal when present |
//! |---|---|---|
//! | micropay | `out_trade_no` (success codes only) | `merchant_no`, `term_no`, `total_amount` |
//! | trade query | `out_trade_no` (or `trade_no` when queried by it) | `merchant_no`, `term_no`, the other number |
//! | revoke | `out_trade_no` (the revoke's own) | `merchant_no`, `origin_out_trade_no`, `origin_trade_no` |
//! | refund | `out_trade_no` (the refund's own) | `merchant_no`, `origin_out_trade_no`, `origin_trade_no`, `refund_amount` |
//! | refund query | `out_refund_order_no` (the refund's own; an answer without it may name the refund by `out_trade_no`) | `merchant_no`, `term_no` |
//! | close | `origin_out_trade_no` (or `origin_trade_no` when closed by it) | `merchant_no`, the other number |
//! | pre-order (labs v3) | `out_trade_no` | `merchant_no` |
//! | idmrefund | `out_refund_order_no` (an answer without it may name the refund by `out_trade_no`) | `merchant_no`, `origin_out_trade_no`, `origin_trade_no`, `refund_amount` |
//! | pre-order (v2) | `merReqSno` | `merId`, `termId` |
//!
//! An answer that names another order is [`ClientError::ForeignAnswer`]: neither a success
//! nor a failure, treated like an unverifiable answer (the request may have been executed:
//! query). An answer with another code that names no order at all passes, and callers must
//! not read a refusal into it ([`crate::PaymentOutcome`] confirms such refusals by query).

use crate::error::ClientError;
use lakala_types::micropay::{
    CloseRequest, CloseResponse, MicropayRequest, MicropayResponse, RefundQueryRequest,
    RefundQueryResponse, RefundRequest, RefundResponse, RevokeRequest, RevokeResponse,
    TradeQueryRequest, TradeQueryResponse, V3Response,
};
use lakala_types::preauth::{PreOrderRequest, PreOrderResponse, V2Response};
use lakala_types::Amount;
use serde_json::{Map, Value};

/// The comparisons for one answer.
struct Binding {
    /// Whether the answer claims something (success or pending code): then the required
    /// numbers must be present, not only equal when present.
    claims: bool,
    result: Result<(), ClientError>,
}

impl Binding {
    fn new(claims: bool) -> Self {
        Self {
            claims,
            result: Ok(()),
        }
    }

    fn fail(&mut self, field: &'static str, expected: &str, found: Option<&str>) {
        if self.result.is_ok() {
            self.result = Err(ClientError::ForeignAnswer {
                field,
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            });
        }
    }

    /// `found` must equal `expected`, and be present when the answer claims something.
    fn required(
        mut self,
        field: &'static str,
        expected: Option<&str>,
        found: Option<&str>,
    ) -> Self {
        let Some(expected) = expected.filter(|e| !e.is_empty()) else {
            return self;
        };
        match found {
            Some(f) if f == expected => {}
            None if !self.claims => {}
            other => self.fail(field, expected, other),
        }
        self
    }

    /// `found`, when present, must equal `expected`.
    fn if_present(
        mut self,
        field: &'static str,
        expected: Option<&str>,
        found: Option<&str>,
    ) -> Self {
        if let (Some(e), Some(f)) = (expected.filter(|e| !e.is_empty()), found) {
            if e != f {
                self.fail(field, e, Some(f));
            }
        }
        self
    }

    fn amount(
        self,
        field: &'static str,
        expected: Option<&Amount>,
        found: Option<&Amount>,
    ) -> Self {
        match (expected, found) {
            (Some(e), Some(f)) if e.fen() != f.fen() => {
                let (e, f) = (e.fen().to_string(), f.fen().to_string());
                self.if_present(field, Some(&e), Some(&f))
            }
            _ => self,
        }
    }

    /// An order named by the merchant's number or, when the request gives none, by the
    /// platform's: the named one is required, the other checked when both sides carry it.
    fn by_either(
        self,
        merchants: (&'static str, Option<&str>, Option<&str>),
        platforms: (&'static str, Option<&str>, Option<&str>),
    ) -> Self {
        let (m_field, m_expected, m_found) = merchants;
        let (p_field, p_expected, p_found) = platforms;
        if m_expected.is_some_and(|n| !n.is_empty()) {
            self.required(m_field, m_expected, m_found)
                .if_present(p_field, p_expected, p_found)
        } else {
            self.required(p_field, p_expected, p_found)
        }
    }

    fn finish(self) -> Result<(), ClientError> {
        self.result
    }
}

fn extra<'a>(extra: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    extra.get(name).and_then(Value::as_str)
}

fn claims<T>(answer: &V3Response<T>) -> bool {
    answer
        .code()
        .is_some_and(|c| c.is_success() || c.is_pending())
}

/// A micropay answer is about `request`'s order. Only a success must name the order: a
/// pending code (`DCP10000`, `BBS10000`) that names none decides nothing anyway (the flow
/// queries), and is journaled as the pending answer it is.
pub(crate) fn micropay(
    request: &MicropayRequest,
    answer: &V3Response<MicropayResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    let extras = data.map(MicropayResponse::extra);
    let success = answer.code().is_some_and(|c| c.is_success());
    Binding::new(success)
        .required(
            "out_trade_no",
            request.out_trade_no(),
            data.and_then(|d| d.out_trade_no()),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            extras.and_then(|e| extra(e, "merchant_no")),
        )
        .if_present(
            "term_no",
            request.term_no(),
            extras.and_then(|e| extra(e, "term_no")),
        )
        .amount(
            "total_amount",
            request.total_amount(),
            data.and_then(|d| d.total_amount()),
        )
        .finish()
}

/// A labs pre-order answer is about `request`'s order.
pub(crate) fn preorder(
    request: &lakala_types::labs::PreorderRequest,
    answer: &V3Response<lakala_types::labs::PreorderResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    Binding::new(claims(answer))
        .required(
            "out_trade_no",
            request.out_trade_no(),
            data.and_then(|d| d.out_trade_no()),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .finish()
}

/// A trade-query answer is about the queried order.
pub(crate) fn trade_query(
    request: &TradeQueryRequest,
    answer: &V3Response<TradeQueryResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    Binding::new(claims(answer))
        .by_either(
            (
                "out_trade_no",
                request.out_trade_no(),
                data.and_then(|d| d.out_trade_no()),
            ),
            (
                "trade_no",
                request.trade_no(),
                data.and_then(|d| d.trade_no()),
            ),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .if_present("term_no", request.term_no(), data.and_then(|d| d.term_no()))
        .finish()
}

/// A revoke answer is about this revocation of this order.
pub(crate) fn revoke(
    request: &RevokeRequest,
    answer: &V3Response<RevokeResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    Binding::new(claims(answer))
        .required(
            "out_trade_no",
            request.out_trade_no(),
            data.and_then(|d| d.out_trade_no()),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .if_present(
            "origin_out_trade_no",
            request.origin_out_trade_no(),
            data.and_then(|d| d.origin_out_trade_no()),
        )
        .if_present(
            "origin_trade_no",
            request.origin_trade_no(),
            data.and_then(|d| d.origin_trade_no()),
        )
        .finish()
}

/// A refund answer is about this refund of this order.
pub(crate) fn refund(
    request: &RefundRequest,
    answer: &V3Response<RefundResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    Binding::new(claims(answer))
        .required(
            "out_trade_no",
            request.out_trade_no(),
            data.and_then(|d| d.out_trade_no()),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| extra(d.extra(), "merchant_no")),
        )
        .if_present(
            "origin_out_trade_no",
            request.origin_out_trade_no(),
            data.and_then(|d| d.origin_out_trade_no()),
        )
        .if_present(
            "origin_trade_no",
            request.origin_trade_no(),
            data.and_then(|d| d.origin_trade_no()),
        )
        .amount(
            "refund_amount",
            request.refund_amount(),
            data.and_then(|d| d.refund_amount()),
        )
        .finish()
}

/// A refund-query answer is about the queried refund. The answer names the refund by
/// `out_refund_order_no`; one without it may name it by `out_trade_no` (a plain refund's own
/// number), never by nothing when it claims to have found it.
pub(crate) fn refund_query(
    request: &RefundQueryRequest,
    answer: &V3Response<RefundQueryResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    let named = data.and_then(|d| d.out_refund_order_no().or(d.out_trade_no()));
    Binding::new(claims(answer))
        .required("out_refund_order_no", request.out_refund_order_no(), named)
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .if_present(
            "term_no",
            request.term_no(),
            data.and_then(|d| extra(d.extra(), "term_no")),
        )
        .finish()
}

/// An idmrefund answer is about the refund asked for: its own number, the refunded order
/// and the amount.
pub(crate) fn idm_refund(
    request: &lakala_types::labs::IdmRefundRequest,
    answer: &V3Response<RefundQueryResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    let named = data.and_then(|d| d.out_refund_order_no().or(d.out_trade_no()));
    Binding::new(claims(answer))
        .required("out_refund_order_no", request.out_refund_order_no(), named)
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .if_present(
            "origin_out_trade_no",
            request.origin_out_trade_no(),
            data.and_then(|d| d.origin_out_trade_no()),
        )
        .if_present(
            "origin_trade_no",
            request.origin_trade_no(),
            data.and_then(|d| d.origin_trade_no()),
        )
        .amount(
            "refund_amount",
            request.refund_amount(),
            data.and_then(|d| d.refund_amount()),
        )
        .finish()
}

/// A close answer is about the order the request closes.
pub(crate) fn close(
    request: &CloseRequest,
    answer: &V3Response<CloseResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    Binding::new(claims(answer))
        .by_either(
            (
                "origin_out_trade_no",
                request.origin_out_trade_no(),
                data.and_then(|d| d.origin_out_trade_no()),
            ),
            (
                "origin_trade_no",
                request.origin_trade_no(),
                data.and_then(|d| d.origin_trade_no()),
            ),
        )
        .if_present(
            "merchant_no",
            request.merchant_no(),
            data.and_then(|d| d.merchant_no()),
        )
        .finish()
}

/// A pre-order answer is about this pre-order.
pub(crate) fn pre_order(
    request: &PreOrderRequest,
    answer: &V2Response<PreOrderResponse>,
) -> Result<(), ClientError> {
    let data = answer.resp_data();
    let claims = answer.ret_code().is_some_and(|c| c.is_success());
    let extras = data.map(PreOrderResponse::extra);
    Binding::new(claims)
        .required(
            "merReqSno",
            request.mer_req_sno(),
            data.and_then(|d| d.mer_req_sno()),
        )
        .if_present(
            "merId",
            request.mer_id(),
            extras.and_then(|e| extra(e, "merId").or_else(|| extra(e, "mercId"))),
        )
        .if_present(
            "termId",
            request.term_id(),
            extras.and_then(|e| extra(e, "termId").or_else(|| extra(e, "termNo"))),
        )
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_types::micropay::LocationInfo;

    fn request() -> MicropayRequest {
        MicropayRequest::builder()
            .merchant_no("M1")
            .term_no("T1")
            .out_trade_no("A")
            .auth_code("288576824003652810")
            .total_amount(Amount::from_fen(101).unwrap())
            .location_info(
                LocationInfo::builder()
                    .request_ip("127.0.0.1")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    fn answer(json: serde_json::Value) -> V3Response<MicropayResponse> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn another_orders_success_is_foreign() {
        let a = answer(
            serde_json::json!({"code": "DCP00000", "msg": "", "resp_data": {"out_trade_no": "B"}}),
        );
        let err = micropay(&request(), &a).unwrap_err();
        assert!(
            matches!(&err, ClientError::ForeignAnswer { field: "out_trade_no", expected, found: Some(f) } if expected == "A" && f == "B"),
            "{err}"
        );
    }

    #[test]
    fn a_success_naming_no_order_is_foreign() {
        let a = answer(
            serde_json::json!({"code": "DCP00000", "msg": "", "resp_data": {"trade_no": "1"}}),
        );
        assert!(micropay(&request(), &a).is_err());
    }

    #[test]
    fn a_code_only_refusal_passes_but_another_orders_refusal_does_not() {
        let a = answer(serde_json::json!({"code": "BBS16111", "msg": "x"}));
        assert!(micropay(&request(), &a).is_ok());
        let a = answer(
            serde_json::json!({"code": "BBS16111", "msg": "x", "resp_data": {"out_trade_no": "B"}}),
        );
        assert!(micropay(&request(), &a).is_err());
    }

    #[test]
    fn refund_query_answers_must_name_the_refund() {
        let request = RefundQueryRequest::builder()
            .merchant_no("M1")
            .term_no("T1")
            .out_refund_order_no("R1")
            .build()
            .unwrap();
        let answer = |json: serde_json::Value| -> V3Response<RefundQueryResponse> {
            serde_json::from_value(json).unwrap()
        };
        let table = [
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"out_refund_order_no": "R1", "trade_state": "DEAL"}}),
                true,
            ),
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"out_trade_no": "R1", "trade_state": "DEAL"}}),
                true,
            ),
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"out_refund_order_no": "R2", "trade_state": "SUCCESS"}}),
                false,
            ),
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"trade_state": "SUCCESS"}}),
                false,
            ),
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"out_refund_order_no": "R1", "merchant_no": "M2"}}),
                false,
            ),
            (
                serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"out_refund_order_no": "R1", "term_no": "T2"}}),
                false,
            ),
            (
                serde_json::json!({"code": "SBX00004", "msg": "not found"}),
                true,
            ),
        ];
        for (json, bound) in table {
            assert_eq!(
                refund_query(&request, &answer(json.clone())).is_ok(),
                bound,
                "{json}"
            );
        }
    }

    #[test]
    fn close_answers_must_name_the_closed_order() {
        let location = LocationInfo::builder()
            .request_ip("127.0.0.1")
            .build()
            .unwrap();
        let by_out = CloseRequest::builder()
            .merchant_no("M1")
            .term_no("T1")
            .origin_out_trade_no("O1")
            .location_info(location.clone())
            .build()
            .unwrap();
        let by_trade_no = CloseRequest::builder()
            .merchant_no("M1")
            .term_no("T1")
            .origin_trade_no("2024")
            .location_info(location)
            .build()
            .unwrap();
        let answer = |json: serde_json::Value| -> V3Response<CloseResponse> {
            serde_json::from_value(json).unwrap()
        };
        let ok = answer(
            serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_out_trade_no": "O1", "origin_trade_no": "2024"}}),
        );
        assert!(close(&by_out, &ok).is_ok());
        assert!(close(&by_trade_no, &ok).is_ok());
        for foreign in [
            serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_out_trade_no": "O2"}}),
            serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"trade_time": "20240102030405"}}),
            serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_out_trade_no": "O1", "merchant_no": "M2"}}),
        ] {
            assert!(
                close(&by_out, &answer(foreign.clone())).is_err(),
                "{foreign}"
            );
        }
        let other_number = answer(
            serde_json::json!({"code": "BBS00000", "msg": "", "resp_data": {"origin_trade_no": "2025"}}),
        );
        assert!(close(&by_trade_no, &other_number).is_err());
    }

    #[test]
    fn amount_merchant_and_terminal_must_match_when_present() {
        for data in [
            serde_json::json!({"out_trade_no": "A", "total_amount": "100"}),
            serde_json::json!({"out_trade_no": "A", "merchant_no": "M2"}),
            serde_json::json!({"out_trade_no": "A", "term_no": "T2"}),
        ] {
            let a = answer(serde_json::json!({"code": "DCP00000", "msg": "", "resp_data": data}));
            assert!(micropay(&request(), &a).is_err(), "{data}");
        }
        let a = answer(
            serde_json::json!({"code": "DCP00000", "msg": "", "resp_data":
            {"out_trade_no": "A", "total_amount": "000000000101", "merchant_no": "M1", "term_no": "T1"}}),
        );
        assert!(micropay(&request(), &a).is_ok());
    }
}
