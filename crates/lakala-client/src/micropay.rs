//! Micropay and the companion calls a merchant needs around it (open platform v3).

use crate::answer::Answer;
use crate::binding;
use crate::client::LakalaClient;
use crate::companion_class::{refund_outcome, refund_status, revoke_outcome, revoke_status};
use crate::companion_outcome::{RefundOutcome, RevokeOutcome, SettleBy};
use crate::environment::paths;
use crate::error::ClientError;
use crate::recorder::Recorder;
use lakala_crypto::format_china_time;
use lakala_journal::{
    kinds, Intent, NewEvent, PaymentKey, PaymentKind, PaymentStatus, Recorded, StateUpdate,
};
use lakala_types::micropay::{
    MicropayRequest, MicropayResponse, RefundRequest, RefundResponse, RevokeRequest,
    RevokeResponse, TradeQueryRequest, TradeQueryResponse, V3Request, V3Response,
};
use lakala_types::timestamp::DateTime14;
use lakala_types::CodeClass;
use lakala_types::Validate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

impl LakalaClient {
    /// Sends one v3 request (`req_time` from the client's clock) and returns the verified
    /// answer.
    pub(crate) async fn v3_call<Req, Resp>(
        &self,
        path: &'static str,
        req_data: Req,
    ) -> Result<Answer<V3Response<Resp>>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        self.v3_call_as(path, req_data, false).await
    }

    /// As [`LakalaClient::v3_call`], on the call's encrypted variant when the request
    /// carries the buyer's identity or the configuration asks for it ([`crate::sealing`]).
    pub(crate) async fn v3_call_as<Req, Resp>(
        &self,
        path: &'static str,
        req_data: Req,
        carries_identity: bool,
    ) -> Result<Answer<V3Response<Resp>>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        let inner = &self.inner;
        let wire = crate::sealing::wire(
            path,
            carries_identity,
            inner.encryption,
            inner.sm4_key.as_ref(),
        )?;
        let req_time = DateTime14::parse(&format_china_time(self.now_unix()))
            .map_err(|_| ClientError::NotConfigured("a clock within years 0..9999"))?;
        let envelope = V3Request::new(req_time, req_data)?;
        let answer: Answer<V3Response<Resp>> = self
            .open_call_sealed(wire.path, &envelope, wire.key)
            .await?;
        let class = answer.value.code().map(|c| c.class());
        crate::metrics::call(
            crate::metrics::api_of(path),
            crate::metrics::class_word(class.unwrap_or(lakala_types::CodeClass::Unknown)),
        );
        Ok(answer)
    }

    /// One micropay exchange, without the pending-state handling, on the configured route
    /// ([`crate::Config::micropay_route`]). Most callers want [`LakalaClient::micropay`],
    /// which never leaves a payment unknown.
    ///
    /// The answer is bound to the request (see [`crate::binding`]): an answer about
    /// another order is [`ClientError::ForeignAnswer`].
    pub async fn micropay_once(
        &self,
        request: MicropayRequest,
    ) -> Result<Answer<V3Response<MicropayResponse>>, ClientError> {
        let path = self.inner.micropay_route.path();
        let answer = self.v3_call(path, request.clone()).await?;
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

    /// Revokes (cancels) a barcode payment — the merchant's own decision — and says what
    /// became of it ([`RevokeOutcome`], carrying the verified answer where there is one).
    /// `Err` only when nothing was sent (invalid request, journal refused the intent, no
    /// connection). An [`Unknown`](RevokeOutcome::Unknown) or
    /// [`InProgress`](RevokeOutcome::InProgress) revoke is settled by querying the original
    /// order (`REFUND` means it ran), never by sending it again.
    ///
    /// With a journal, the revoke is recorded before it is sent (linked to its payment by
    /// `origin_out_trade_no`) and its outcome after; a number already journaled for another
    /// request is refused ([`ClientError::NumberReused`]); one journaled for the same
    /// request is not sent again: the answer is [`Unknown`](RevokeOutcome::Unknown), to be
    /// settled by query (a resolver does).
    pub async fn revoke(&self, request: RevokeRequest) -> Result<RevokeOutcome, ClientError> {
        match self.revoke_recorded(request).await? {
            Companion::Sent(Err(e), _) if !e.may_have_been_executed() => Err(e),
            Companion::Sent(result, _) => {
                Ok(
                    revoke_outcome(&result).unwrap_or_else(|why| RevokeOutcome::Unknown {
                        code: None,
                        message: why,
                        response: None,
                        settle_by: SettleBy::TradeQuery,
                    }),
                )
            }
            Companion::Journaled(_) => Ok(RevokeOutcome::Unknown {
                code: None,
                message: "this revoke was journaled before and is not sent again: query the order"
                    .into(),
                response: None,
                settle_by: SettleBy::TradeQuery,
            }),
        }
    }

    /// One revoke exchange, without the journal: the verified answer, bound to the request.
    pub async fn revoke_once(
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

    /// Journals a revoke (intent and request) and sends it, then journals what its answer
    /// says: revoked, declined, not sent, or open (settled later by query of its payment).
    /// [`Companion::Journaled`] when the same revoke was journaled before: it is not sent
    /// again. `Err` when the intent could not be written (nothing sent).
    pub(crate) async fn revoke_recorded(
        &self,
        request: RevokeRequest,
    ) -> Result<Companion<RevokeResponse>, ClientError> {
        let origin = request
            .origin_out_trade_no()
            .or(request.origin_trade_no())
            .unwrap_or_default()
            .to_owned();
        let recorder = match self
            .journal_companion(
                PaymentKind::Revoke,
                request.merchant_no(),
                request.out_trade_no(),
                request.term_no(),
                &origin,
                None,
                serde_json::to_value(&request).unwrap_or_default(),
            )
            .await?
        {
            Journaling::Off => None,
            Journaling::New(r) => Some(r),
            Journaling::Existing(r) => return Ok(Companion::Journaled(r)),
        };
        let result = self.revoke_once(request).await;
        if let Some(recorder) = &recorder {
            let (status, word) = revoke_status(&revoke_outcome(&result));
            record_answer(recorder, &result, status, word).await;
        }
        Ok(Companion::Sent(result, recorder))
    }

    /// Refunds (part of) a payment and says what became of it ([`RefundOutcome`], carrying
    /// the verified answer where there is one). `Err` only when nothing was sent. A refund
    /// answered `BBS00000` whose `trade_state` is `DEAL` (or `INIT`, ...) is
    /// [`InProgress`](RefundOutcome::InProgress), never refunded; an in-progress or unknown
    /// refund is settled by the refund query ([`LakalaClient::refund_query`]), never by
    /// refunding again (under any number: that may refund twice).
    ///
    /// With a journal, recorded as [`LakalaClient::revoke`] is; an open refund stays open
    /// in the journal and a resolver settles it by the refund query.
    pub async fn refund(&self, request: RefundRequest) -> Result<RefundOutcome, ClientError> {
        match self.refund_recorded(request).await? {
            Companion::Sent(Err(e), _) if !e.may_have_been_executed() => Err(e),
            Companion::Sent(result, _) => {
                Ok(
                    refund_outcome(&result).unwrap_or_else(|why| RefundOutcome::Unknown {
                        code: None,
                        message: why,
                        evidence: None,
                        settle_by: SettleBy::RefundQuery,
                    }),
                )
            }
            Companion::Journaled(_) => Ok(RefundOutcome::Unknown {
                code: None,
                message: "this refund was journaled before and is not sent again: query it".into(),
                evidence: None,
                settle_by: SettleBy::RefundQuery,
            }),
        }
    }

    /// One refund exchange, without the journal: the verified answer, bound to the request.
    pub async fn refund_once(
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

    /// Journals a refund and sends it, as [`LakalaClient::revoke_recorded`] does; the answer
    /// is final only when it says `SUCCESS` (refunded), `FAIL` or a definite refusal.
    pub(crate) async fn refund_recorded(
        &self,
        request: RefundRequest,
    ) -> Result<Companion<RefundResponse>, ClientError> {
        let origin = request
            .origin_out_trade_no()
            .or(request.origin_trade_no())
            .or(request.origin_log_no())
            .unwrap_or_default()
            .to_owned();
        let amount = request
            .refund_amount()
            .map(|a| i64::try_from(a.fen()).unwrap_or(i64::MAX));
        let recorder = match self
            .journal_companion(
                PaymentKind::Refund,
                request.merchant_no(),
                request.out_trade_no(),
                request.term_no(),
                &origin,
                amount,
                serde_json::to_value(&request).unwrap_or_default(),
            )
            .await?
        {
            Journaling::Off => None,
            Journaling::New(r) => Some(r),
            Journaling::Existing(r) => return Ok(Companion::Journaled(r)),
        };
        let result = self.refund_once(request).await;
        if let Some(recorder) = &recorder {
            let (status, word) = refund_status(&refund_outcome(&result));
            record_answer(recorder, &result, status, word).await;
        }
        Ok(Companion::Sent(result, recorder))
    }
}

/// Journals a companion's answer: final with `status`, or pending.
pub(crate) async fn record_answer<T>(
    recorder: &Recorder,
    result: &Result<Answer<V3Response<T>>, ClientError>,
    status: Option<PaymentStatus>,
    word: &str,
) {
    let payload = match result {
        Ok(answer) => {
            let code = answer.value.code();
            json!({"code": code.map(|c| c.as_str()), "msg": answer.value.msg(),
                "class": code.map(|c| c.class()).unwrap_or(CodeClass::Unknown).as_str(),
                "word": word})
        }
        Err(e) => json!({"error": e.to_string(), "sent": e.may_have_been_executed(), "word": word}),
    };
    match status {
        Some(status) => {
            recorder
                .note(
                    kinds::ANSWER,
                    payload,
                    StateUpdate::status(status).with_outcome(word),
                )
                .await;
        }
        None => {
            recorder.pending(kinds::ANSWER, payload, None).await;
        }
    }
}

/// A revoke or refund the client journaled and sent, or found journaled before.
pub(crate) enum Companion<T> {
    /// Sent now: the exchange's result, and the record's recorder (with a journal).
    Sent(Result<Answer<V3Response<T>>, ClientError>, Option<Recorder>),
    /// The same request was journaled before: not sent again.
    Journaled(Recorder),
}

/// What [`LakalaClient::journal_companion`] did.
pub(crate) enum Journaling {
    /// No journal.
    Off,
    /// The intent is written.
    New(Recorder),
    /// The same request was journaled before.
    Existing(Recorder),
}

/// The journal event holding a revoke's or refund's request (kept as evidence of what was
/// asked; it is never sent again).
pub(crate) const REQUEST_EVENT: &str = "request";

impl LakalaClient {
    /// Writes a revoke's or refund's intent (and its request) before it is sent. `None`
    /// without a journal.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn journal_companion(
        &self,
        kind: PaymentKind,
        merchant_no: Option<&str>,
        out_trade_no: Option<&str>,
        term_no: Option<&str>,
        origin: &str,
        amount: Option<i64>,
        request: serde_json::Value,
    ) -> Result<Journaling, ClientError> {
        let Some(journal) = &self.inner.journal else {
            return Ok(Journaling::Off);
        };
        let (merchant_no, out_trade_no) = (
            merchant_no.unwrap_or_default(),
            out_trade_no.unwrap_or_default(),
        );
        let key = PaymentKey::new(merchant_no, out_trade_no);
        let fingerprint = hex::encode(Sha256::digest(request.to_string().as_bytes()));
        let now = self.now_unix();
        let term_no = term_no.unwrap_or_default();
        let instance = self.inner.instance.clone();
        let intent = match kind {
            PaymentKind::Refund => Intent::refund(
                key.clone(),
                term_no,
                origin,
                amount.unwrap_or_default(),
                fingerprint,
                instance.clone(),
                now,
            ),
            _ => Intent::revoke(
                key.clone(),
                term_no,
                origin,
                fingerprint,
                instance.clone(),
                now,
            ),
        };
        let recorder = Recorder::new(self, merchant_no, out_trade_no);
        let intent = intent.with_next_check_at(recorder.quiet_until());
        match journal.record_intent(&intent).await? {
            Recorded::New(_) => {
                let event = NewEvent::new(now, instance, REQUEST_EVENT, request);
                journal
                    .append(&key, &event, &StateUpdate::none(), None)
                    .await?;
                Ok(Journaling::New(recorder))
            }
            Recorded::Existing(_) => Ok(Journaling::Existing(recorder)),
            Recorded::Conflict(record) => Err(ClientError::NumberReused {
                out_trade_no: record.key.out_trade_no,
                status: record.status.as_str(),
            }),
        }
    }
}

/// Logs an answer's code, or the error, in `span`.
pub(crate) fn log_code<T>(
    span: &tracing::Span,
    result: &Result<Answer<V3Response<T>>, ClientError>,
) {
    match result {
        Ok(a) => tracing::info!(
            parent: span,
            code = a.value.code().map(|c| c.as_str()).unwrap_or_default(),
            "answered"
        ),
        Err(e) => tracing::warn!(parent: span, error = %e, "failed"),
    }
}
