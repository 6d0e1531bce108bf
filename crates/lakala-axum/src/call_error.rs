//! [`CallError`]: a failed call to the platform (or the journal) as an HTTP answer for the
//! merchant's own endpoints.

use crate::json_response;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use lakala_client::{ClientError, TransportError};

/// A failed call as an HTTP answer for your own endpoints (a till asking to pay, say):
/// `{"error": <the error's message>}` with a status that tells the caller what to do.
/// Messages of [`ClientError`] never hold personal data.
///
/// | error | HTTP | what the caller does |
/// |---|---|---|
/// | invalid request ([`ClientError::InvalidRequest`], `ValidationErrors`), invalid amount | 422 | fix the request; nothing was sent |
/// | order number reused for another request ([`ClientError::NumberReused`]) | 409 | use a new number; nothing was sent |
/// | nothing was sent and trying again may work (connection failed, [`ClientError::Transport`] before sending; a journal that is busy or unreachable) | 503 | try again |
/// | the exchange failed after sending ([`ClientError::Transport`] timeout or lost connection) | 504 | the request MAY have been executed: query the order |
/// | the platform answered a non-2xx status or an oversized body | 502 | the request MAY have been executed: query the order |
/// | the platform's answer is not trusted ([`ClientError::Verification`], [`ClientError::UnsignedAnswer`], [`ClientError::UnknownCertificate`]), about another order ([`ClientError::ForeignAnswer`]) or malformed ([`ClientError::MalformedAnswer`]) | 502 | the request MAY have been executed: query the order |
/// | not configured, transport or sealing setup, an unusable platform URL, a configuration that fails to load (certificates to reload), a journal that is broken, a flow that died ([`ClientError::FlowAborted`]) | 500 | an operator must look (after a dead flow: query the order) |
/// | any error added later | 502 when it may have been executed, else 500 | |
#[derive(Debug)]
pub struct CallError {
    /// The status.
    pub status: StatusCode,
    /// The message.
    pub message: String,
}

/// The HTTP status of `error` (see [`CallError`]'s table).
pub fn status_of_call(error: &ClientError) -> StatusCode {
    match error {
        ClientError::InvalidRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ClientError::NumberReused { .. } => StatusCode::CONFLICT,
        ClientError::NotConfigured(_)
        | ClientError::TransportSetup(_)
        | ClientError::Seal(_)
        | ClientError::FlowAborted(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ClientError::Journal(e) if e.is_transient() => StatusCode::SERVICE_UNAVAILABLE,
        ClientError::Journal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ClientError::Transport(e) => match e {
            TransportError::Connect { .. } => StatusCode::SERVICE_UNAVAILABLE,
            TransportError::InvalidRequest { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            TransportError::Timeout { .. } | TransportError::ConnectionLost { .. } => {
                StatusCode::GATEWAY_TIMEOUT
            }
            _ => StatusCode::BAD_GATEWAY,
        },
        ClientError::Verification(_)
        | ClientError::UnsignedAnswer { .. }
        | ClientError::UnknownCertificate { .. }
        | ClientError::ForeignAnswer { .. }
        | ClientError::MalformedAnswer { .. } => StatusCode::BAD_GATEWAY,
        e if e.may_have_been_executed() => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<ClientError> for CallError {
    fn from(error: ClientError) -> Self {
        let status = status_of_call(&error);
        if status.is_server_error() {
            tracing::warn!(%error, status = status.as_u16(), "call failed");
        } else {
            tracing::info!(%error, status = status.as_u16(), "call refused");
        }
        Self {
            status,
            message: error.to_string(),
        }
    }
}

impl From<lakala_client::ConfigError> for CallError {
    fn from(error: lakala_client::ConfigError) -> Self {
        tracing::error!(%error, "configuration failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: error.to_string(),
        }
    }
}

impl From<lakala_types::ValidationErrors> for CallError {
    fn from(error: lakala_types::ValidationErrors) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: error.to_string(),
        }
    }
}

impl From<lakala_types::money::AmountError> for CallError {
    fn from(error: lakala_types::money::AmountError) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: error.to_string(),
        }
    }
}

impl IntoResponse for CallError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        json_response(self.status, body.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_crypto::CryptoError;
    use lakala_journal::JournalError;

    #[test]
    fn every_error_has_the_status_of_the_table() {
        let cases: Vec<(ClientError, u16)> = vec![
            (
                ClientError::NumberReused {
                    out_trade_no: "T1".into(),
                    status: "succeeded",
                },
                409,
            ),
            (ClientError::NotConfigured("x"), 500),
            (ClientError::FlowAborted("x".into()), 500),
            (
                ClientError::Journal(JournalError::Busy { reason: "x".into() }),
                503,
            ),
            (
                ClientError::Journal(JournalError::Corrupt { reason: "x".into() }),
                500,
            ),
            (
                ClientError::Transport(TransportError::Connect {
                    reason: "refused".into(),
                }),
                503,
            ),
            (
                ClientError::Transport(TransportError::Timeout { elapsed_ms: 1 }),
                504,
            ),
            (
                ClientError::Transport(TransportError::Status {
                    status: 500,
                    body_prefix: String::new(),
                }),
                502,
            ),
            (
                ClientError::Verification(CryptoError::MissingHeader {
                    name: "Authorization",
                }),
                502,
            ),
            (
                ClientError::ForeignAnswer {
                    field: "out_trade_no",
                    expected: "T1".into(),
                    found: None,
                },
                502,
            ),
            (
                ClientError::MalformedAnswer {
                    what: "x",
                    line: 1,
                    column: 1,
                },
                502,
            ),
            (
                ClientError::UnknownCertificate {
                    serial: "1".into(),
                    known: vec![],
                },
                502,
            ),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            assert_eq!(CallError::from(error).status.as_u16(), status, "{text}");
        }
        let invalid = lakala_types::Amount::from_fen(u64::MAX).unwrap_err();
        assert_eq!(CallError::from(invalid).status.as_u16(), 422);
    }
}
