//! The marks a journal file carries in `PRAGMA application_id`, read and told apart here
//! so that creating, migrating and the open/closed marker agree on them.

use super::error::SqliteResult;
use crate::error::JournalError;
use rusqlite::Connection;

/// `PRAGMA application_id` of a journal file closed cleanly: "LKLJ".
pub(crate) const APPLICATION_ID: i64 = 0x4C4B_4C4A;

/// `PRAGMA application_id` of a journal that may be in use: "LKLW".
pub(crate) const OPEN: i64 = 0x4C4B_4C57;

/// Whether `id` marks a journal (closed cleanly, or possibly in use).
pub(crate) fn is_journal_id(id: i64) -> bool {
    id == APPLICATION_ID || id == OPEN
}

/// `PRAGMA application_id`.
pub(crate) fn application_id(connection: &Connection) -> Result<i64, JournalError> {
    connection
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .journal()
}
