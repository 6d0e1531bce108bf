//! What can go wrong, and what the caller may assume in each case.

use crate::status::PaymentStatus;

/// Why a journal operation did not do what was asked.
///
/// Every variant says what the caller may assume about the store afterwards. No variant
/// carries personal data: reasons are the store's own words (an SQLite result code, a
/// PostgreSQL SQLSTATE and primary message), never row contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The store could not be reached or opened (no connection, the file cannot be
    /// opened, the server refuses connections). Nothing was written: for a payment intent
    /// this means **do not send the request**.
    #[error("journal unavailable: {reason}")]
    Unavailable {
        /// What failed, in the store's words.
        reason: String,
    },
    /// The connection broke while the operation was in flight (PostgreSQL). The write may
    /// or may not have been applied: read the payment back before relying on either.
    #[error("journal connection lost during the operation: {reason}")]
    ConnectionLost {
        /// What failed, in the store's words.
        reason: String,
    },
    /// The file or database is not a journal, or its schema is broken (SQLite
    /// `NOTADB`/`CORRUPT`, another application's file, a missing table or column, a value
    /// of the wrong type). Nothing was written. A person must look at it.
    #[error("not a usable journal: {reason}")]
    Corrupt {
        /// What is wrong, in the store's words.
        reason: String,
    },
    /// Another connection holds the lock longer than the configured wait (SQLite
    /// `BUSY`/`LOCKED`, PostgreSQL lock timeout, deadlock or serialization failure).
    /// Nothing was written; the operation may be retried.
    #[error("journal busy: {reason}")]
    Busy {
        /// What was locked, in the store's words.
        reason: String,
    },
    /// The store refuses writes (file or database opened read-only, read-only medium,
    /// a PostgreSQL hot standby). Nothing was written.
    #[error("journal is read-only: {reason}")]
    ReadOnly {
        /// Why, in the store's words.
        reason: String,
    },
    /// The journal was written by a newer version of this crate (schema `found`, this
    /// build knows up to `supported`). Nothing was read or written; upgrade the SDK.
    #[error("journal schema version {found} is newer than this build supports ({supported})")]
    NewerSchema {
        /// The schema version in the store.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The lease given as a fence is no longer held (another owner claimed the payment
    /// after it expired, or it was released). Nothing was written: stop working on the
    /// payment.
    #[error("lease lost: the payment is leased by someone else now, or was released")]
    LeaseLost,
    /// The payment already has the final status `current`; the update asked for
    /// `attempted`. The event **was appended** (so the contradiction is on record), the
    /// state was left untouched except `conflict`, which every store sets: the payment is
    /// marked for a person ([`crate::ListFilter::conflicts`]).
    #[error("payment is already {current}; refused to make it {attempted} (event recorded)")]
    FinalConflict {
        /// The final status the payment keeps.
        current: PaymentStatus,
        /// The status the update asked for.
        attempted: PaymentStatus,
    },
    /// The update would move the payment back to `recorded` (not known to be sent) after
    /// it was `current`: once a request may have reached the platform, it can never again
    /// be taken as unsent. The event **was appended**, the state was left untouched.
    #[error("payment is {current}; refused to move it back to {attempted} (event recorded)")]
    StatusRegression {
        /// The status the payment keeps.
        current: PaymentStatus,
        /// The status the update asked for.
        attempted: PaymentStatus,
    },
    /// The update offered a fact (`field`: `trade_no` or `amount_fen`) that disagrees with
    /// the one already journaled: the platform contradicted the journal. The event **was
    /// appended** and counted (so the contradiction is on record); the journaled fact was
    /// kept and nothing else of the state changed, except `conflict`, which now says what
    /// disagreed: the payment is marked for a person ([`crate::ListFilter::conflicts`]).
    /// Do not act on the offered fact (do not move money on it); report the payment.
    /// The same fact offered again is no conflict.
    #[error("{field} contradicts the journal (journaled {journaled}, offered {offered}; event recorded)")]
    FactConflict {
        /// Which fact: `"trade_no"` or `"amount_fen"`.
        field: &'static str,
        /// The value the journal keeps.
        journaled: String,
        /// The value the update offered.
        offered: String,
    },
    /// No payment (or notification entry) with that key. Nothing was written.
    #[error("no such {what} in the journal")]
    NotFound {
        /// `"payment"` or `"notification"`.
        what: &'static str,
    },
    /// An argument was refused before the store was touched (empty or oversized
    /// identifier, control characters, negative amount, a clear auth code, ...). Nothing
    /// was written.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which argument.
        field: &'static str,
        /// What is wrong with it (never the value itself).
        reason: &'static str,
    },
    /// The store failed while working (I/O error, disk full, an unexpected database
    /// error). The operation's transaction was rolled back: nothing was written.
    #[error("journal store error: {reason}")]
    Io {
        /// What failed, in the store's words.
        reason: String,
    },
}

impl JournalError {
    /// Whether retrying the same operation later may succeed without anyone changing
    /// anything (`Busy`, `Unavailable`, `ConnectionLost`).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            JournalError::Busy { .. }
                | JournalError::Unavailable { .. }
                | JournalError::ConnectionLost { .. }
        )
    }

    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        JournalError::InvalidInput { field, reason }
    }

    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        JournalError::Corrupt {
            reason: reason.into(),
        }
    }
}
