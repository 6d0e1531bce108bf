//! The calls that settle what a refund or an unpaid order became: the refund query and
//! order close (open platform v3; not in the specs: see `lakala-types`'
//! `micropay/SOURCES.md`). Neither moves money, so neither is journaled; both are bound to
//! their request like every other call ([`crate::binding`]).

use crate::answer::Answer;
use crate::binding;
use crate::client::LakalaClient;
use crate::environment::paths;
use crate::error::ClientError;
use crate::micropay::log_code;
use lakala_types::micropay::{
    CloseRequest, CloseResponse, RefundQueryRequest, RefundQueryResponse, V3Response,
};

impl LakalaClient {
    /// Queries one refund by its own number (`out_refund_order_no`: an idmrefund's
    /// `out_refund_order_no`, or a plain refund's `out_trade_no`). `code` `BBS00000` means
    /// found; where the refund stands is its `trade_state`
    /// ([`RefundOutcome::from_query`](crate::RefundOutcome::from_query) reads it). An answer
    /// about another refund is [`ClientError::ForeignAnswer`].
    pub async fn refund_query(
        &self,
        request: RefundQueryRequest,
    ) -> Result<Answer<V3Response<RefundQueryResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.refund_query",
            out_refund_order_no = request.out_refund_order_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::REFUND_QUERY, request.clone())
            .await
            .and_then(|a| binding::refund_query(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }

    /// Closes an order that is not paid, so that it can no longer be paid
    /// ([`CloseOutcome::from_answer`](crate::CloseOutcome::from_answer) reads the answer).
    /// A success says the platform accepted the close; a trade query saying `CLOSE` is the
    /// proof. Closing a paid order is refused: revoke or refund it instead. An answer about
    /// another order is [`ClientError::ForeignAnswer`].
    pub async fn close(
        &self,
        request: CloseRequest,
    ) -> Result<Answer<V3Response<CloseResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.close",
            origin_out_trade_no = request.origin_out_trade_no().unwrap_or_default(),
            origin_trade_no = request.origin_trade_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::CLOSE, request.clone())
            .await
            .and_then(|a| binding::close(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }
}
