//! PostgreSQL errors as [`JournalError`]s.

use crate::error::JournalError;

/// Maps an error of an operation on an open connection. A server error keeps its
/// SQLSTATE and primary message (which names objects, never values: every value is a
/// bound parameter, and the `DETAIL` that may quote a row is left out); a broken
/// connection becomes [`JournalError::ConnectionLost`].
pub(crate) fn map(e: tokio_postgres::Error) -> JournalError {
    let Some(db) = e.as_db_error() else {
        return JournalError::ConnectionLost {
            reason: e.to_string(),
        };
    };
    let code = db.code().code();
    let reason = format!("{} (SQLSTATE {code})", db.message());
    match code {
        // read_only_sql_transaction: a hot standby or a read-only default.
        "25006" => JournalError::ReadOnly { reason },
        // serialization_failure, deadlock_detected, lock_not_available, query_canceled
        // (statement or lock timeout).
        "40001" | "40P01" | "55P03" | "57014" => JournalError::Busy { reason },
        // undefined table / column / function, wrong type, missing schema: not our schema.
        "42P01" | "42703" | "42883" | "42804" | "3F000" => JournalError::Corrupt { reason },
        // shutting down, too many connections, no such database, authentication.
        "57P01" | "57P02" | "57P03" | "53300" | "3D000" | "28000" | "28P01" => {
            JournalError::Unavailable { reason }
        }
        c if c.starts_with("08") => JournalError::Unavailable { reason },
        _ => JournalError::Io { reason },
    }
}

/// Maps an error while connecting: nothing was sent, so everything is `Unavailable`
/// unless the server said something more precise.
pub(crate) fn map_connect(e: tokio_postgres::Error) -> JournalError {
    match map(e) {
        JournalError::ConnectionLost { reason } | JournalError::Io { reason } => {
            JournalError::Unavailable { reason }
        }
        other => other,
    }
}

/// `?` on tokio-postgres results.
pub(crate) trait PostgresResult<T> {
    fn journal(self) -> Result<T, JournalError>;
}

impl<T> PostgresResult<T> for Result<T, tokio_postgres::Error> {
    fn journal(self) -> Result<T, JournalError> {
        self.map_err(map)
    }
}
