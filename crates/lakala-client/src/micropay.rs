//! Micropay and the companion calls a merchant needs around it (open platform v3).

use crate::answer::Answer;
use crate::binding;
use crate::environment::paths;
use crate::error::ClientError;
use crate::LakalaClient;
use lakala_crypto::format_china_time;
use lakala_types::micropay::{
    MicropayRequest, MicropayResponse, RefundRequest, RefundResponse, RevokeRequest,
    RevokeResponse, TradeQueryRequest, TradeQueryResponse, V3Request, V3Response,
};
use lakala_types::timestamp::DateTime14;
use lakala_types::Validate;
use serde::de::DeserializeOwned;
use serde::Serialize;

impl LakalaClient {
    /// Sends one v3 request (`req_time` from the client's clock) and returns the verified
    /// answer.
    async fn v3_call<Req, Resp>(
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
            crate::metrics::class_word(class.unwrap_or(lakala_types::CodeClass::Unknown)),
        );
        Ok(answer)
    }

    /// One micropay exchange, without the pending-state handling. Most callers want
    /// [`LakalaClient::micropay`], which never leaves a payment unknown.
    ///
    /// The answer is bound to the request (see [`crate::binding`]): an answer about
    /// another order is [`ClientError::ForeignAnswer`].
    pub async fn micropay_once(
        &self,
        request: MicropayRequest,
    ) -> Result<Answer<V3Response<MicropayResponse>>, ClientError> {
        let answer = self.v3_call(paths::MICROPAY, request.clone()).await?;
        binding::micropay(&request, &answer.value)?;
        Ok(answer)
    }

    /// Queries a trade by `out_trade_no` or `trade_no`. `code` `BBS00000` means found; the
    /// outcome is in `trade_state` ([`lakala_types::micropay::TradeState::verdict`]). An
    /// answer about another order is [`ClientError::ForeignAnswer`].
    pub async fn trade_query(
        &self,
        request: TradeQueryRequest,
    ) -> Result<Answer<V3Response<TradeQueryResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.trade_query",
            out_trade_no = request.out_trade_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::TRADE_QUERY, request.clone())
            .await
            .and_then(|a| binding::trade_query(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }

    /// Revokes (cancels) a barcode payment. Not idempotent: on an error that
    /// [may have executed](ClientError::may_have_been_executed) it, query the original
    /// trade, or retry with the SAME `out_trade_no`.
    pub async fn revoke(
        &self,
        request: RevokeRequest,
    ) -> Result<Answer<V3Response<RevokeResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.revoke",
            out_trade_no = request.out_trade_no().unwrap_or_default(),
            origin_out_trade_no = request.origin_out_trade_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::REVOKE, request.clone())
            .await
            .and_then(|a| binding::revoke(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }

    /// Refunds (part of) a payment. Not idempotent: on an error that
    /// [may have executed](ClientError::may_have_been_executed) it, retry only with the SAME
    /// `out_trade_no`, which lets the platform recognise the repeat.
    pub async fn refund(
        &self,
        request: RefundRequest,
    ) -> Result<Answer<V3Response<RefundResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.refund",
            out_trade_no = request.out_trade_no().unwrap_or_default(),
            origin_out_trade_no = request.origin_out_trade_no().unwrap_or_default()
        );
        let result = self
            .v3_call(paths::REFUND, request.clone())
            .await
            .and_then(|a| binding::refund(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
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
