//! SQLite's result codes as [`JournalError`]s.

use crate::error::JournalError;
use rusqlite::ffi::ErrorCode;

/// Maps a rusqlite error. The reason is SQLite's own message, which names tables,
/// columns and constraints but never values (every value is a bound parameter).
pub(crate) fn map(e: rusqlite::Error) -> JournalError {
    match &e {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let reason = message.clone().unwrap_or_else(|| failure.to_string());
            let reason = format!("{reason} (SQLite code {})", failure.extended_code);
            match failure.code {
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                    JournalError::Corrupt { reason }
                }
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    JournalError::Busy { reason }
                }
                ErrorCode::ReadOnly => JournalError::ReadOnly { reason },
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::NotFound
                | ErrorCode::FileLockingProtocolFailed => JournalError::Unavailable { reason },
                _ => JournalError::Io { reason },
            }
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::InvalidColumnIndex(..)
        | rusqlite::Error::InvalidColumnName(..) => JournalError::Corrupt {
            reason: format!("unexpected column contents: {e}"),
        },
        _ => JournalError::Io {
            reason: e.to_string(),
        },
    }
}

/// `?` on rusqlite results.
pub(crate) trait SqliteResult<T> {
    fn journal(self) -> Result<T, JournalError>;
}

impl<T> SqliteResult<T> for rusqlite::Result<T> {
    fn journal(self) -> Result<T, JournalError> {
        self.map_err(map)
    }
}
