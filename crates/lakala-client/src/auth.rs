//! Cross-border identity and bank-card verification (`POST /gate/auth`).

use crate::answer::Answer;
use crate::environment::paths;
use crate::error::ClientError;
use crate::LakalaClient;
use lakala_crypto::crossborder::ResponseEnvelope;
use lakala_transport::HttpRequest;
use lakala_types::crossborder::{AuthRequest, AuthResponse, RetCode};
use lakala_types::{parse, Validate};
use tracing::Instrument;

/// The platform's verdict on a verification request. Every variant comes from an answer
/// whose MAC verified.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthOutcome {
    /// `0000`: the details match. Carries the echoed fields.
    Verified(AuthResponse),
    /// Any other code of the retCode table (info mismatch, duplicate order, expired
    /// order, ...), or a code the table does not list (kept in [`RetCode::Other`]).
    Refused {
        /// The code, typed.
        code: RetCode,
        /// The platform's message.
        message: String,
        /// The business answer, when the platform sent one.
        response: Option<AuthResponse>,
    },
}

impl AuthOutcome {
    /// The retCode of the outcome.
    pub fn code(&self) -> RetCode {
        match self {
            AuthOutcome::Verified(_) => RetCode::Success,
            AuthOutcome::Refused { code, .. } => code.clone(),
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
                span.record("outcome", code.as_str());
                tracing::info!(parent: &span, outcome = code.as_str(), "gate/auth answered");
            }
            Err(e) => tracing::warn!(parent: &span, error = %e, "gate/auth failed"),
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
        let outcome = match (code, response) {
            (RetCode::Success, Some(r)) => AuthOutcome::Verified(r),
            (code, response) => AuthOutcome::Refused {
                code,
                message,
                response,
            },
        };
        Ok(Answer::new(outcome, violations, json))
    }
}
