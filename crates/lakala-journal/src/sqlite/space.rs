//! Giving the pages freed by a prune back to the file system.

use super::error::SqliteResult;
use super::marker::{self, Checkpoint};
use super::SqliteJournal;
use crate::error::JournalError;
use rusqlite::Connection;

/// What [`SqliteJournal::reclaim_space`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceReclaimed {
    /// Whether the file was in `auto_vacuum = INCREMENTAL` mode (journals created by this
    /// crate since schema v3 are; older files are in `NONE` until one full `VACUUM`).
    pub incremental: bool,
    /// Whether this call ran the full `VACUUM` that switched the file to incremental mode.
    pub vacuumed: bool,
    /// Bytes given back to the file system.
    pub freed_bytes: u64,
    /// Bytes of free pages left inside the file (reused by later payments).
    pub free_bytes_left: u64,
}

fn pragma(connection: &Connection, name: &str) -> Result<i64, JournalError> {
    connection
        .pragma_query_value(None, name, |r| r.get(0))
        .journal()
}

impl SqliteJournal {
    /// Gives the free pages of the file (left by [`crate::PaymentJournal::prune`]) back
    /// to the file system: `PRAGMA incremental_vacuum` then a checkpoint, when the file is
    /// in `auto_vacuum = INCREMENTAL` mode (every journal this crate creates). A file made
    /// before (mode `NONE`) keeps its free pages for later payments unless `convert`:
    /// then one full `VACUUM` switches it to incremental mode, rewriting the whole file
    /// (it needs as much free disk again and blocks other connections while it runs).
    ///
    /// Errors: [`JournalError::ReadOnly`] on a read-only handle, [`JournalError::Busy`]
    /// when other connections hold the file, or the store's error.
    pub async fn reclaim_space(&self, convert: bool) -> Result<SpaceReclaimed, JournalError> {
        if self.read_only {
            return Err(JournalError::ReadOnly {
                reason: "opened read-only: reclaiming space writes the file".into(),
            });
        }
        self.worker
            .run(move |connection| {
                let page = pragma(connection, "page_size")? as u64;
                let pages_before = pragma(connection, "page_count")? as u64;
                let mut incremental = pragma(connection, "auto_vacuum")? == 2;
                let mut vacuumed = false;
                if !incremental && convert {
                    connection
                        .execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
                        .journal()?;
                    incremental = pragma(connection, "auto_vacuum")? == 2;
                    vacuumed = true;
                }
                if incremental {
                    connection
                        .execute_batch("PRAGMA incremental_vacuum")
                        .journal()?;
                }
                marker::checkpoint(connection, Checkpoint::Truncate)?;
                let pages_after = pragma(connection, "page_count")? as u64;
                let free = pragma(connection, "freelist_count")? as u64;
                Ok(SpaceReclaimed {
                    incremental,
                    vacuumed,
                    freed_bytes: pages_before.saturating_sub(pages_after) * page,
                    free_bytes_left: free * page,
                })
            })
            .await
    }
}
