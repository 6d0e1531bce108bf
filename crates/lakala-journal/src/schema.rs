//! What the SQL stores share about their schema.

/// The columns of `lakala_payments`, in the order the stores read them.
pub(crate) const PAYMENT_COLUMNS: &str = "merchant_no, out_trade_no, kind, term_no, \
    origin_out_trade_no, amount_fen, masked_auth_code, fingerprint, status, trade_no, \
    last_trade_state, outcome, reason, attempts, event_count, created_at, created_by, \
    updated_at, next_check_at, finished_at, lease_owner, lease_until, lease_token, \
    auth_digest, conflict";

/// How many columns [`PAYMENT_COLUMNS`] names.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const PAYMENT_COLUMN_COUNT: usize = 25;

/// Whether the payment row `row` (a table name or alias) may be pruned on its own:
/// final, finished before the cut (`cut`, a placeholder), and not marked as a conflict.
fn prunable(row: &str, cut: &str) -> String {
    format!(
        "{row}.status IN ('succeeded', 'failed', 'revoked') AND {row}.finished_at IS NOT NULL \
         AND {row}.finished_at < {cut} AND {row}.conflict IS NULL"
    )
}

/// The condition under which the row `lakala_payments` is deleted by a prune with the
/// cut `cut` (a placeholder): it is prunable, and so is every payment of its group (the
/// original payment and all its revokes and refunds, by merchant and original number):
/// a companion is never pruned while its payment is kept, nor a payment while one of its
/// companions is.
pub(crate) fn deletable(cut: &str) -> String {
    // Two lookups, not one with OR: each is a range of one index (the primary key for
    // the original, the origin index for the companions); with OR, SQLite walks every
    // payment of the merchant.
    let root = "COALESCE(lakala_payments.origin_out_trade_no, lakala_payments.out_trade_no)";
    format!(
        "{own} \
         AND NOT EXISTS (SELECT 1 FROM lakala_payments AS g \
             WHERE g.merchant_no = lakala_payments.merchant_no AND g.out_trade_no = {root} \
             AND NOT ({group})) \
         AND NOT EXISTS (SELECT 1 FROM lakala_payments AS g \
             WHERE g.merchant_no = lakala_payments.merchant_no \
             AND g.origin_out_trade_no = {root} AND NOT ({group}))",
        own = prunable("lakala_payments", cut),
        group = prunable("g", cut),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_count_is_right() {
        assert_eq!(PAYMENT_COLUMNS.split(',').count(), PAYMENT_COLUMN_COUNT);
    }
}
