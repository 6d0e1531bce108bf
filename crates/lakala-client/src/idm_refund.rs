//! Refund by the merchant's order (商户订单退款, `/api/v3/labs/relation/idmrefund`): a refund
//! under its own number (`out_refund_order_no`) of a paid order, journaled and settled
//! exactly like [`LakalaClient::refund`]: recorded as a refund companion of its payment
//! before it is sent, never sent again, and when its answer is not final, settled by the
//! refund query by its own number (by the caller, or by a resolver:
//! [`crate::resolver`]).

use crate::answer::Answer;
use crate::binding;
use crate::client::LakalaClient;
use crate::companion_class::{idm_refund_outcome, refund_status};
use crate::companion_outcome::{RefundOutcome, SettleBy};
use crate::environment::paths;
use crate::error::ClientError;
use crate::micropay::{log_code, record_answer, Journaling};
use lakala_journal::PaymentKind;
use lakala_types::labs::{IdmRefundRequest, IdmRefundResponse};
use lakala_types::micropay::V3Response;

impl LakalaClient {
    /// Refunds (part of) a paid order under the refund's own number and says what became
    /// of it ([`RefundOutcome`]). `Err` only when nothing was sent. An in-progress or
    /// unknown refund is settled by [`LakalaClient::refund_query`] with its
    /// `out_refund_order_no`, never by refunding again (under any number: that may refund
    /// twice).
    ///
    /// With a journal, recorded under (`merchant_no`, `out_refund_order_no`) as a refund of
    /// its order before it is sent; the same request journaled before is not sent again
    /// (the answer is [`Unknown`](RefundOutcome::Unknown), settled by the refund query),
    /// another request under the same number is [`ClientError::NumberReused`].
    pub async fn idm_refund(
        &self,
        request: IdmRefundRequest,
    ) -> Result<RefundOutcome, ClientError> {
        let origin = request
            .origin_out_trade_no()
            .or(request.origin_trade_no())
            .or(request.origin_log_no())
            .unwrap_or_default()
            .to_owned();
        let amount = request
            .refund_amount()
            .map(|a| i64::try_from(a.fen()).unwrap_or(i64::MAX));
        let journaling = self
            .journal_companion(
                PaymentKind::Refund,
                request.merchant_no(),
                request.out_refund_order_no(),
                request.term_no(),
                &origin,
                amount,
                serde_json::to_value(&request).unwrap_or_default(),
            )
            .await?;
        let recorder = match journaling {
            Journaling::Off => None,
            Journaling::New(r) => Some(r),
            Journaling::Existing(_) => {
                return Ok(RefundOutcome::Unknown {
                    code: None,
                    message: "this refund was journaled before and is not sent again: query it"
                        .into(),
                    evidence: None,
                    settle_by: SettleBy::RefundQuery,
                })
            }
        };
        let result = self.idm_refund_once(request).await;
        let outcome = idm_refund_outcome(&result);
        if let Some(recorder) = &recorder {
            let (status, word) = refund_status(&outcome);
            record_answer(recorder, &result, status, word).await;
        }
        match (outcome, result) {
            (Err(_), Err(e)) => Err(e),
            (Ok(outcome), _) => Ok(outcome),
            (Err(why), Ok(_)) => Ok(RefundOutcome::Unknown {
                code: None,
                message: why,
                evidence: None,
                settle_by: SettleBy::RefundQuery,
            }),
        }
    }

    /// One idmrefund exchange, without the journal: the verified answer, bound to the
    /// request (its own number, its order, its amount).
    pub async fn idm_refund_once(
        &self,
        request: IdmRefundRequest,
    ) -> Result<Answer<V3Response<IdmRefundResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.idm_refund",
            out_refund_order_no = request.out_refund_order_no().unwrap_or_default(),
            origin_out_trade_no = request.origin_out_trade_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::IDM_REFUND, request.clone())
            .await
            .and_then(|a| binding::idm_refund(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }
}
