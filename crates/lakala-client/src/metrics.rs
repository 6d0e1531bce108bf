//! Metrics, through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! The client records with the `metrics` macros and nothing else: without a recorder
//! installed they cost a relaxed atomic load. Install any exporter (Prometheus, StatsD,
//! ...) in the application to collect them.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | [`CALLS`] `lakala_calls_total` | counter | `api`, `outcome` | calls to the platform |
//! | [`VERIFICATION_FAILURES`] `lakala_verification_failures_total` | counter | `source`, `reason` | answers and notifications refused by verification |
//! | [`POLL_DURATION`] `lakala_poll_duration_seconds` | histogram | — | wall time a pending micropay spent being queried (and revoked) |
//! | [`PAYMENTS_PENDING`] `lakala_payments_pending` | gauge | — | micropay flows running now (paid or not yet known) |
//! | [`PAYMENTS`] `lakala_payments_total` | counter | `outcome` | micropay flows finished |
//! | [`NOTIFICATIONS`] `lakala_notifications_total` | counter | `family`, `result` (`new`, `repeat`, `retry`, `refused`, `not_for_us`) | notifications received |
//! | [`CONFLICTS`] `lakala_conflicts_total` | counter | `field` | the platform contradicted the journal; the payment is marked `conflict` for a person |
//!
//! Label values come from short fixed lists, never from the messages:
//! - `api`: `auth`, `preauth`, `micropay` (the `dcp` route), `micropay_labs` (the `labs`
//!   route, [`crate::MicropayRoute`]), `preorder`, `trade_query`, `revoke`, `refund`,
//!   `idmrefund`, `refund_query`, `close`, `other` (an `*_encry` variant counts as its
//!   plain call);
//! - `outcome` of a call: the class of the code answered (`success`, `pending`, `refused`,
//!   `unknown`, see [`lakala_types::CodeClass`]), or the error that ended it
//!   (`transport`, `verification`, `unknown_certificate`, `foreign_answer`, `malformed`,
//!   `unsigned`, `unsealing`, `invalid_request`, `not_configured`, `error`);
//! - `source`: `answer`, `notification`; `reason`: `signature`, `stale`,
//!   `unknown_certificate`, `certificate_validity`, `malformed`, `other`;
//! - `outcome` of a payment: [`crate::PaymentOutcome::word`] or `not_sent`;
//! - `family`: `open_platform`, `crossborder`; `result`: `new`, `repeat`, `refused`,
//!   `retry`;
//! - `field` of a conflict: `status`, `trade_no`, `total_amount`, `other`.
//!
//! No label ever carries an order number, a merchant number, an amount, a serial or any
//! personal data: cardinality stays fixed and the metrics are safe to ship anywhere.

use crate::error::ClientError;
use lakala_crypto::CryptoError;
use lakala_types::CodeClass;
use std::time::Instant;

/// Counter of calls to the platform, by `api` and `outcome`.
pub const CALLS: &str = "lakala_calls_total";
/// Counter of answers and notifications refused by verification, by `source` and `reason`.
pub const VERIFICATION_FAILURES: &str = "lakala_verification_failures_total";
/// Histogram of the wall time (seconds) a pending micropay spent being queried.
pub const POLL_DURATION: &str = "lakala_poll_duration_seconds";
/// Gauge of the micropay flows running now.
pub const PAYMENTS_PENDING: &str = "lakala_payments_pending";
/// Counter of finished micropay flows, by `outcome`.
pub const PAYMENTS: &str = "lakala_payments_total";
/// Counter of received notifications, by `family` and `result` (`new`, `repeat`, `retry`,
/// `refused`, `not_for_us`).
pub const NOTIFICATIONS: &str = "lakala_notifications_total";
/// Counter of contradictions between the platform and the journal (a final status, a
/// `trade_no` or an amount the platform gave differently before), by `field`: each marks
/// a payment `conflict` for a person.
pub const CONFLICTS: &str = "lakala_conflicts_total";

/// The `api` label of an open-platform path.
pub(crate) fn api_of(path: &str) -> &'static str {
    use crate::environment::paths;
    let path = path.strip_suffix("_encry").unwrap_or(path);
    match path {
        paths::MICROPAY => "micropay",
        paths::LABS_MICROPAY => "micropay_labs",
        paths::PREORDER => "preorder",
        paths::IDM_REFUND => "idmrefund",
        paths::TRADE_QUERY => "trade_query",
        paths::REVOKE => "revoke",
        paths::REFUND => "refund",
        paths::REFUND_QUERY => "refund_query",
        paths::CLOSE => "close",
        p if p.contains("preAuth") || p.contains("/v2/") => "preauth",
        _ => "other",
    }
}

/// The `outcome` label of a code class.
pub(crate) fn class_word(class: CodeClass) -> &'static str {
    match class {
        CodeClass::Success => "success",
        CodeClass::Pending => "pending",
        CodeClass::Refused => "refused",
        _ => "unknown",
    }
}

/// The `outcome` label of an error.
pub(crate) fn error_word(e: &ClientError) -> &'static str {
    match e {
        ClientError::Transport(_) | ClientError::TransportSetup(_) => "transport",
        ClientError::Verification(_) => "verification",
        ClientError::UnknownCertificate { .. } => "unknown_certificate",
        ClientError::ForeignAnswer { .. } => "foreign_answer",
        ClientError::MalformedAnswer { .. } => "malformed",
        ClientError::Unsealing(_) => "unsealing",
        ClientError::UnsignedAnswer { .. } => "unsigned",
        ClientError::InvalidRequest(_) => "invalid_request",
        ClientError::NotConfigured(_) => "not_configured",
        _ => "error",
    }
}

/// Records one call of `api` that ended with `outcome`.
pub(crate) fn call(api: &'static str, outcome: &'static str) {
    metrics::counter!(CALLS, "api" => api, "outcome" => outcome).increment(1);
}

/// Records a call that ended in `error`, and a verification failure when it is one.
pub(crate) fn call_failed(api: &'static str, error: &ClientError) {
    call(api, error_word(error));
    match error {
        ClientError::Verification(e) => verification_failed("answer", crypto_reason(e)),
        ClientError::UnknownCertificate { .. } => {
            verification_failed("answer", "unknown_certificate")
        }
        _ => {}
    }
}

/// The `reason` label of a cryptographic refusal.
pub(crate) fn crypto_reason(e: &CryptoError) -> &'static str {
    match e {
        CryptoError::SignatureMismatch { .. } | CryptoError::MacMismatch { .. } => "signature",
        CryptoError::StaleTimestamp { .. } => "stale",
        CryptoError::CertificateExpired { .. } | CryptoError::CertificateNotYetValid { .. } => {
            "certificate_validity"
        }
        CryptoError::MalformedAuthorization { .. }
        | CryptoError::MissingHeader { .. }
        | CryptoError::MissingField { .. }
        | CryptoError::InvalidBase64 { .. }
        | CryptoError::InvalidHex { .. }
        | CryptoError::OddHexLength { .. }
        | CryptoError::WrongBlockSize { .. } => "malformed",
        _ => "other",
    }
}

fn verification_failed(source: &'static str, reason: &'static str) {
    metrics::counter!(VERIFICATION_FAILURES, "source" => source, "reason" => reason).increment(1);
}

/// Records a contradiction about `field` (label: `status`, `trade_no`, `total_amount`,
/// `other`).
pub(crate) fn conflict(field: &str) {
    let field = match field {
        "status" => "status",
        "trade_no" => "trade_no",
        "total_amount" | "amount_fen" | "amount" => "total_amount",
        _ => "other",
    };
    metrics::counter!(CONFLICTS, "field" => field).increment(1);
}

/// Records a notification of `family` that was accepted as new or repeated.
pub(crate) fn notification(family: &'static str, repeat: bool) {
    let result = if repeat { "repeat" } else { "new" };
    metrics::counter!(NOTIFICATIONS, "family" => family, "result" => result).increment(1);
}

/// A notification refused or not processed: `result` is `retry`, `not_for_us` or
/// `refused`, and `verification` names why verification refused it, if it did.
pub(crate) fn notification_failed(
    family: &'static str,
    result: &'static str,
    verification: Option<&'static str>,
) {
    metrics::counter!(NOTIFICATIONS, "family" => family, "result" => result).increment(1);
    if let Some(reason) = verification {
        verification_failed("notification", reason);
    }
}

/// A running micropay flow: counted in [`PAYMENTS_PENDING`] until dropped.
pub(crate) struct PaymentInFlight;

impl PaymentInFlight {
    pub(crate) fn start() -> Self {
        metrics::gauge!(PAYMENTS_PENDING).increment(1.0);
        PaymentInFlight
    }

    /// Records the flow's outcome word.
    pub(crate) fn finished(&self, word: &'static str) {
        metrics::counter!(PAYMENTS, "outcome" => word).increment(1);
    }
}

impl Drop for PaymentInFlight {
    fn drop(&mut self) {
        metrics::gauge!(PAYMENTS_PENDING).decrement(1.0);
    }
}

/// Times a polling phase into [`POLL_DURATION`] when dropped.
pub(crate) struct PollTimer(Instant);

impl PollTimer {
    pub(crate) fn start() -> Self {
        PollTimer(Instant::now())
    }
}

impl Drop for PollTimer {
    fn drop(&mut self) {
        metrics::histogram!(POLL_DURATION).record(self.0.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::api_of;
    use crate::environment::paths;

    #[test]
    fn each_route_has_its_own_api_label_and_an_encrypted_variant_counts_as_its_call() {
        assert_eq!(api_of(paths::MICROPAY), "micropay");
        assert_eq!(api_of(paths::LABS_MICROPAY), "micropay_labs");
        assert_eq!(api_of(paths::PREORDER), "preorder");
        assert_eq!(api_of("/api/v3/labs/trans/preorder_encry"), "preorder");
        assert_eq!(api_of(paths::IDM_REFUND), "idmrefund");
        assert_eq!(api_of(paths::PREAUTH_PRE_ORDER), "preauth");
        assert_eq!(api_of("/api/v3/somewhere/else"), "other");
    }
}
