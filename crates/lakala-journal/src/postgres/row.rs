//! Payment rows.

use super::digest;
use crate::error::JournalError;
use crate::payment::{PaymentKey, PaymentRecord};
use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, JournalError> {
    row.try_get(i).map_err(|e| JournalError::Corrupt {
        reason: format!("unexpected column contents: {e}"),
    })
}

/// A payment from the [`crate::schema::PAYMENT_COLUMNS`] starting at column `at`.
pub(crate) fn record(row: &Row, at: usize) -> Result<PaymentRecord, JournalError> {
    let kind: String = get(row, at + 2)?;
    let status: String = get(row, at + 8)?;
    Ok(PaymentRecord {
        key: PaymentKey {
            merchant_no: get(row, at)?,
            out_trade_no: get(row, at + 1)?,
        },
        kind: kind.parse()?,
        term_no: get(row, at + 3)?,
        origin_out_trade_no: get(row, at + 4)?,
        amount_fen: get(row, at + 5)?,
        masked_auth_code: get(row, at + 6)?,
        fingerprint: digest::fingerprint(get(row, at + 7)?)?,
        status: status.parse()?,
        trade_no: get(row, at + 9)?,
        last_trade_state: get(row, at + 10)?,
        outcome: get(row, at + 11)?,
        reason: get(row, at + 12)?,
        attempts: get(row, at + 13)?,
        event_count: get(row, at + 14)?,
        created_at: get(row, at + 15)?,
        created_by: get(row, at + 16)?,
        updated_at: get(row, at + 17)?,
        next_check_at: get(row, at + 18)?,
        finished_at: get(row, at + 19)?,
        lease_owner: get(row, at + 20)?,
        lease_until: get(row, at + 21)?,
        lease_token: get(row, at + 22)?,
        auth_digest: digest::auth_digest(get(row, at + 23)?)?,
        conflict: get(row, at + 24)?,
    })
}

/// A value of column `i`.
pub(crate) fn value<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, JournalError> {
    get(row, i)
}
