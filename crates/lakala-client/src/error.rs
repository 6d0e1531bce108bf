//! Errors of the client: what failed, and what the caller may assume.

use lakala_crypto::CryptoError;
use lakala_transport::TransportError;
use lakala_types::ValidationErrors;

/// A call that did not produce a trusted answer.
///
/// Business refusals (a declined payment, a failed verification, `9001` info mismatch...)
/// are NOT errors: they come back as typed outcomes. An error means the exchange itself
/// failed. What the caller may assume is said on each variant; [`ClientError::may_have_been_executed`]
/// sums it up. Money-moving flows (micropay) never surface an error that hides a payment
/// which may exist: they query and return an outcome instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request breaks the spec's rules; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] ValidationErrors),
    /// The client has no credentials for this API family; nothing was sent.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
    /// The default transport could not be built (for example no TLS roots); nothing was
    /// sent.
    #[error("cannot build the HTTP transport: {0}")]
    TransportSetup(String),
    /// Sealing or signing the request failed (for example text GBK cannot encode); nothing
    /// was sent.
    #[error("cannot seal the request: {0}")]
    Seal(#[source] CryptoError),
    /// Sending failed. See [`TransportError::may_have_been_executed`].
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An answer arrived but its MAC or signature is missing, wrong or stale: nothing in it
    /// is trusted. The request reached the platform and MAY have been executed.
    #[error("answer failed verification: {0}")]
    Verification(#[source] CryptoError),
    /// An answer arrived without any MAC (the cross-border gateway does this for some
    /// errors). Its codes are reported but are not authenticated.
    #[error("unsigned answer (not authenticated): retCode {ret_code}, retMsg {ret_msg}")]
    UnsignedAnswer {
        /// The unauthenticated `retCode`.
        ret_code: String,
        /// The unauthenticated `retMsg`.
        ret_msg: String,
    },
    /// A verified answer is about another order (or another appid), or claims a success
    /// without naming the order: it is neither a success nor a failure of this request. The
    /// request reached the platform and MAY have been executed: query the order. Carries
    /// the first field that differs and both values (order numbers, amounts and appids,
    /// never personal data); `found` is `None` when the answer left the field out.
    #[error("answer is not about this request: {field} is {}, expected {expected}", found.as_deref().unwrap_or("absent"))]
    ForeignAnswer {
        /// The wire name of the field that differs.
        field: &'static str,
        /// The request's value.
        expected: String,
        /// The answer's value, if it had one.
        found: Option<String>,
    },
    /// The journal could not record the payment's intent: nothing was sent. The inner
    /// error says what the caller may assume about the journal.
    #[error("journal: {0}; nothing was sent")]
    Journal(#[from] lakala_journal::JournalError),
    /// The journal holds this `out_trade_no` for a different request (another amount,
    /// terminal or content): a number reused by mistake. Nothing was sent.
    #[error("out_trade_no {out_trade_no} is already journaled for a different request (status {status}); nothing was sent")]
    NumberReused {
        /// The reused number.
        out_trade_no: String,
        /// The journaled payment's status.
        status: &'static str,
    },
    /// The journal holds this `out_trade_no` for a payment made with another barcode (auth
    /// code; compared by a keyed digest, never the code itself): a till reusing an order
    /// number for another payer, or a new barcode scanned for an order already paid,
    /// failed or pending. Nothing was sent this time; the journaled payment is untouched.
    ///
    /// What the caller may do depends on `status` (the message says it): `failed` or
    /// `revoked`: the order was not charged, pay under a new `out_trade_no`; `succeeded`:
    /// the order is already paid, do not charge again; anything else (`recorded`,
    /// `pending`, `unresolved`): the earlier payment may still be charged, so wait for its
    /// outcome (query it, or [`crate::resolver::Resolver::resolve_now`]) before paying
    /// under a new number — paying again now can charge the payer twice.
    #[error("out_trade_no {out_trade_no} is already journaled for another barcode (status {status}); nothing was sent: {}", other_auth_code_advice(status))]
    OtherAuthCode {
        /// The reused number.
        out_trade_no: String,
        /// The journaled payment's status.
        status: &'static str,
    },
    /// An open-platform answer names (`Lklapi-Serial`) a platform certificate the client's
    /// [`crate::CertificateSet`] does not hold: nothing in it is trusted. The request
    /// reached the platform and MAY have been executed. If Lakala rotated its certificate,
    /// install the new one ([`crate::Certificates::reload_from`]).
    #[error("answer signed by unknown platform certificate serial {serial} (known: {})", known.join(", "))]
    UnknownCertificate {
        /// The serial the answer named (at most 64 characters of it).
        serial: String,
        /// The serials of the platform certificates in force.
        known: Vec<String>,
    },
    /// A money-moving flow's task ended without an outcome (it panicked, or its runtime
    /// shut down). The payment MAY have been made: query the order.
    #[error("the payment flow ended without an outcome ({0}); query the order")]
    FlowAborted(String),
    /// An answer on an encrypted route (`*_encry`), genuinely signed, did not open with the
    /// merchant's SM4 key (another key, or not a sealed body): nothing in it is read. The
    /// request reached the platform and MAY have been executed: query the order. Carries
    /// why, never key or body bytes.
    #[error("sealed answer does not open with the SM4 key: {0}")]
    Unsealing(#[source] lakala_crypto::Sm4Error),
    /// A verified answer is not the JSON the spec describes. The position, not the content,
    /// is reported (answers carry personal data).
    #[error("malformed {what} at line {line}, column {column}")]
    MalformedAnswer {
        /// Which message.
        what: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
}

impl ClientError {
    /// `false` only when the request provably never reached the platform.
    pub fn may_have_been_executed(&self) -> bool {
        match self {
            ClientError::InvalidRequest(_)
            | ClientError::NotConfigured(_)
            | ClientError::TransportSetup(_)
            | ClientError::Journal(_)
            | ClientError::NumberReused { .. }
            | ClientError::OtherAuthCode { .. }
            | ClientError::Seal(_) => false,
            ClientError::Transport(e) => e.may_have_been_executed(),
            _ => true,
        }
    }

    pub(crate) fn malformed(what: &'static str, e: &serde_json::Error) -> Self {
        ClientError::MalformedAnswer {
            what,
            line: e.line(),
            column: e.column(),
        }
    }
}

/// What a till does after [`ClientError::OtherAuthCode`], by the journaled payment's status.
fn other_auth_code_advice(status: &str) -> &'static str {
    match status {
        "failed" | "revoked" => "the order was not charged; pay under a new out_trade_no",
        "succeeded" => "the order is already paid; do not charge it again",
        _ => "the earlier payment may still be charged; wait for its outcome before paying under a new out_trade_no",
    }
}

#[cfg(test)]
mod tests {
    use super::ClientError;

    #[test]
    fn another_barcode_is_told_what_to_do_by_the_earlier_payment_s_status() {
        let told = |status| {
            ClientError::OtherAuthCode {
                out_trade_no: "T1".into(),
                status,
            }
            .to_string()
        };
        assert!(told("failed").contains("pay under a new out_trade_no"));
        assert!(told("succeeded").contains("already paid"));
        for open in ["recorded", "pending", "unresolved"] {
            let message = told(open);
            assert!(message.contains("wait for its outcome"), "{message}");
            assert!(!message.contains("not charged"), "{message}");
        }
    }
}
