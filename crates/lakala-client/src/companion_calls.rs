//! The calls that settle what a refund or an unpaid order became: the refund query and
//! order close (open platform v3; not in the specs: see `lakala-types`'
//! `micropay/SOURCES.md`). Neither moves money, so neither is journaled; both are bound to
//! their request like every other call ([`crate::binding`]).

use crate::answer::Answer;
use crate::binding;
use crate::client::LakalaClient;
use crate::environment::paths;
use crate::error::ClientError;
use lakala_crypto::format_china_time;
use lakala_types::micropay::{
    CloseRequest, CloseResponse, RefundQueryRequest, RefundQueryResponse, V3Request, V3Response,
};
use lakala_types::timestamp::DateTime14;
use lakala_types::{CodeClass, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;

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
            .settling_call(paths::REFUND_QUERY, request.clone())
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
            .settling_call(paths::CLOSE, request.clone())
            .await
            .and_then(|a| binding::close(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }

    /// Sends one v3 request (`req_time` from the client's clock), returns the verified
    /// answer and counts it in the metrics. (The same steps as micropay's own helper, which
    /// is private to its module.)
    async fn settling_call<Req, Resp>(
        &self,
        path: &str,
        req_data: Req,
    ) -> Result<Answer<V3Response<Resp>>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        let req_time = DateTime14::parse(&format_china_time(self.now_unix()))
            .map_err(|_| ClientError::NotConfigured("a clock within years 0..9999"))?;
        let envelope = V3Request::new(req_time, req_data)?;
        let answer: Answer<V3Response<Resp>> = self.open_call(path, &envelope).await?;
        let class = answer.value.code().map(|c| c.class());
        crate::metrics::call(
            crate::metrics::api_of(path),
            crate::metrics::class_word(class.unwrap_or(CodeClass::Unknown)),
        );
        Ok(answer)
    }
}

fn log_code<T>(span: &tracing::Span, result: &Result<Answer<V3Response<T>>, ClientError>) {
    match result {
        Ok(a) => tracing::info!(
            parent: span,
            code = a.value.code().map(|c| c.as_str()).unwrap_or_default(),
            "answered"
        ),
        Err(e) => tracing::warn!(parent: span, error = %e, "failed"),
    }
}
