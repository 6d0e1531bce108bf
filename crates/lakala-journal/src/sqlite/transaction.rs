//! Write transactions: `BEGIN IMMEDIATE` takes SQLite's write lock up front (waiting up
//! to the busy timeout), so a read-then-write inside never fails half-way on a lock.

use super::error::SqliteResult;
use crate::error::JournalError;
use rusqlite::{Connection, TransactionBehavior};

/// Runs `work` in a `BEGIN IMMEDIATE` transaction, committed only if it returns `Ok`.
pub(crate) fn write<T>(
    connection: &mut Connection,
    work: impl FnOnce(&Connection) -> Result<T, JournalError>,
) -> Result<T, JournalError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .journal()?;
    let value = work(&tx)?;
    tx.commit().journal()?;
    Ok(value)
}

/// Like [`write`], but commits also when `work` returns an error that must be kept
/// (a refused status change whose event was appended).
pub(crate) fn write_keeping<T>(
    connection: &mut Connection,
    work: impl FnOnce(&Connection) -> Result<Result<T, JournalError>, JournalError>,
) -> Result<T, JournalError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .journal()?;
    let value = work(&tx)?;
    tx.commit().journal()?;
    value
}
