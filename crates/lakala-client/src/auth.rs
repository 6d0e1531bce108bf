//! Cross-border identity and bank-card verification (`POST /gate/auth`).

use crate::answer::Answer;
use crate::client::LakalaClient;
use crate::environment::paths;
use crate::error::ClientError;
use lakala_crypto::crossborder::ResponseEnvelope;
use lakala_transport::HttpRequest;
use lakala_types::crossborder::{AuthRequest, AuthResponse, RetCode};
use lakala_types::{parse, CodeClass, Validate};
use tracing::Instrument;

/// The platform's verdict on a verification request. Every variant comes from an answer
/// whose MAC verified.
///
/// Serializes tagged by `"outcome"` ([`AuthOutcome::word`]): `{"outcome": "verified",
/// <the AuthResponse fields in wire names>}`, `{"outcome": "refused", "code", "message",
/// "response"}`, `{"outcome": "try_again", "code", "message"}`. The response holds the
/// verified person's details in clear: never log it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthOutcome {
    /// `0000`: the details match. Carries the echoed fields.
    Verified(AuthResponse),
    /// A verdict of the retCode table other than `0000`: `9001` info mismatch, `9003`
    /// conflicting order, `9004` duplicate order, `9005` expired order, `9006` type not
    /// configured ([`lakala_types::CodeClass::Refused`]).
    Refused {
        /// The code, typed.
        code: RetCode,
        /// The platform's message.
        message: String,
        /// The business answer, when the platform sent one.
        response: Option<AuthResponse>,
    },
    /// Nothing was decided: `9002` internal error, `9007` try again later, `9999` system
    /// error (the platform also answers `9999` to a reused `ts`), or a code the table does
    /// not list. Not a refusal: send the verification again later (a new `ts` is made for
    /// every request).
    TryAgain {
        /// The code, typed.
        code: RetCode,
        /// The platform's message.
        message: String,
    },
}

impl AuthOutcome {
    /// The retCode of the outcome.
    pub fn code(&self) -> RetCode {
        match self {
            AuthOutcome::Verified(_) => RetCode::Success,
            AuthOutcome::Refused { code, .. } | AuthOutcome::TryAgain { code, .. } => code.clone(),
        }
    }

    /// A stable snake_case word: `verified`, `refused` or `try_again`.
    pub fn word(&self) -> &'static str {
        match self {
            AuthOutcome::Verified(_) => "verified",
            AuthOutcome::Refused { .. } => "refused",
            AuthOutcome::TryAgain { .. } => "try_again",
        }
    }
}

impl LakalaClient {
    /// Verifies an identity or bank card: seals the request, sends it, verifies the MAC of
    /// the answer, decrypts it and returns the typed outcome.
    ///
    /// Errors are for exchanges that produced no trusted answer ([`ClientError`]); every
    /// retCode is an [`AuthOutcome`].
    pub async fn auth(&self, request: &AuthRequest) -> Result<Answer<AuthOutcome>, ClientError> {
        let span = tracing::info_span!(
            "lakala.auth",
            order_no = request.order_no().unwrap_or_default(),
            outcome = tracing::field::Empty
        );
        let result = self.auth_inner(request).instrument(span.clone()).await;
        match &result {
            Ok(a) => {
                let code = a.value.code();
                crate::metrics::call("auth", crate::metrics::class_word(code.class()));
                span.record("outcome", code.as_str());
                tracing::info!(parent: &span, outcome = code.as_str(), "gate/auth answered");
            }
            Err(e) => {
                crate::metrics::call_failed("auth", e);
                tracing::warn!(parent: &span, error = %e, "gate/auth failed")
            }
        }
        result
    }

    async fn auth_inner(&self, request: &AuthRequest) -> Result<Answer<AuthOutcome>, ClientError> {
        let side = self
            .inner
            .crossborder
            .as_ref()
            .ok_or(ClientError::NotConfigured("cross-border credentials"))?;
        request.validate()?;
        let biz =
            serde_json::to_string(request).map_err(|e| ClientError::malformed("request", &e))?;
        let sealed = side
            .merchant
            .seal_request(&self.inner.ts.next(), &biz)
            .map_err(ClientError::Seal)?;
        let body = serde_json::to_vec(&sealed.envelope)
            .map_err(|e| ClientError::malformed("request", &e))?;
        let http = HttpRequest::post(format!("{}{}", side.base_url, paths::GATE_AUTH), body)
            .header("Content-Type", "application/json;charset=utf-8")
            .header("Accept", "application/json;charset=utf-8");
        let response = self.inner.transport.send(http).await?.error_for_status()?;
        let envelope: ResponseEnvelope = serde_json::from_slice(&response.body)
            .map_err(|e| ClientError::malformed("gate/auth answer", &e))?;
        if envelope.mac.as_deref().is_none_or(str::is_empty) {
            return Err(ClientError::UnsignedAnswer {
                ret_code: envelope.ret_code,
                ret_msg: envelope.ret_msg,
            });
        }
        let opened = side
            .merchant
            .open_response(&envelope, &sealed.sec_key)
            .map_err(ClientError::Verification)?;

        let (response, violations, biz_json) = match &opened.biz {
            Some(text) => {
                let parsed = parse::<AuthResponse>(text.as_str())
                    .map_err(|e| ClientError::malformed("gate/auth business answer", &e))?;
                let json: serde_json::Value = serde_json::from_str(text.as_str())
                    .map_err(|e| ClientError::malformed("gate/auth business answer", &e))?;
                (Some(parsed.value), parsed.violations, json)
            }
            None => (None, Vec::new(), serde_json::Value::Null),
        };
        // The business retCode (4.1.2) is the verdict; the envelope's stands in without one.
        let code = response
            .as_ref()
            .and_then(AuthResponse::ret_code)
            .cloned()
            .unwrap_or_else(|| RetCode::from(opened.ret_code.as_str()));
        let message = response
            .as_ref()
            .and_then(AuthResponse::ret_msg)
            .map(str::to_owned)
            .unwrap_or_else(|| opened.ret_msg.clone());
        let json = serde_json::json!({
            "retCode": opened.ret_code,
            "retMsg": opened.ret_msg,
            "merId": envelope.mer_id,
            "ver": envelope.ver,
            "ts": opened.ts,
            "encData": biz_json,
        });
        // The answer is sealed under this request's one-time key, so it answers this
        // request; still, it must not speak of another merchant or order.
        if envelope.mer_id != side.merchant.mer_id() {
            return Err(ClientError::ForeignAnswer {
                field: "merId",
                expected: side.merchant.mer_id().to_owned(),
                found: Some(envelope.mer_id.clone()),
            });
        }
        if let (Some(expected), Some(found)) = (
            request.order_no(),
            response.as_ref().and_then(AuthResponse::order_no),
        ) {
            if expected != found {
                return Err(ClientError::ForeignAnswer {
                    field: "orderNo",
                    expected: expected.to_owned(),
                    found: Some(found.to_owned()),
                });
            }
        }
        let outcome = match (code.class(), response) {
            (CodeClass::Success, Some(r)) => AuthOutcome::Verified(r),
            (CodeClass::Refused, response) => AuthOutcome::Refused {
                code,
                message,
                response,
            },
            _ => AuthOutcome::TryAgain { code, message },
        };
        Ok(Answer::new(outcome, violations, json))
    }
}
