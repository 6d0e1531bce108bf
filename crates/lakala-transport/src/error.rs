//! What can go wrong while sending, and what each case lets the caller assume.

/// A failed exchange.
///
/// The variants differ in what they let a caller assume about the server, which decides
/// whether a payment request may be retried:
///
/// | variant | was the request executed? |
/// |---|---|
/// | [`Connect`](Self::Connect), [`InvalidRequest`](Self::InvalidRequest) | no: nothing was sent |
/// | [`Timeout`](Self::Timeout), [`ConnectionLost`](Self::ConnectionLost) | it MAY have been |
/// | [`Status`](Self::Status), [`BodyTooLarge`](Self::BodyTooLarge) | the server answered, so yes, it saw it |
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request is unusable (bad URL, unsupported scheme). Nothing was sent.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// No connection could be made (refused, DNS, TLS handshake, connect timeout).
    /// Nothing was sent: the request was NOT executed.
    #[error("could not connect: {reason}")]
    Connect {
        /// Why.
        reason: String,
    },
    /// The overall deadline passed after the request may have been written. The request
    /// MAY have been executed.
    #[error("timed out after {elapsed_ms} ms; the request may have been executed")]
    Timeout {
        /// Time spent, in milliseconds.
        elapsed_ms: u64,
    },
    /// The connection failed after (part of) the request was written. The request MAY
    /// have been executed.
    #[error("connection lost after sending: {reason}; the request may have been executed")]
    ConnectionLost {
        /// Why.
        reason: String,
    },
    /// The server answered with a non-2xx status (from [`crate::HttpResponse::error_for_status`]).
    #[error("HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
        /// The first bytes of the body, for diagnosis.
        body_prefix: String,
    },
    /// The response body exceeded the configured limit; it was not read further.
    #[error("response body larger than the {limit} byte limit")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl TransportError {
    /// `true` unless the error proves the request never left this machine. A caller that
    /// sees `true` for a payment must find out what happened (query) before anything else.
    pub fn may_have_been_executed(&self) -> bool {
        !matches!(self, Self::Connect { .. } | Self::InvalidRequest { .. })
    }
}
