//! What the SQL stores share about their schema.

/// The columns of `lakala_payments`, in the order the stores read them.
pub(crate) const PAYMENT_COLUMNS: &str = "merchant_no, out_trade_no, kind, term_no, \
    origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, trade_no, \
    last_trade_state, outcome, reason, attempts, event_count, created_at, created_by, \
    updated_at, next_check_at, finished_at, lease_owner, lease_until, lease_token, \
    auth_digest, conflict";
