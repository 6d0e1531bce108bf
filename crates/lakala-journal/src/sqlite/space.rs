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

/// Free pages given back per transaction: other connections may write between batches,
/// and the `-wal`, which holds a batch's moved pages until the checkpoint after it, stays
/// small (16 MiB of 4 KiB pages) instead of growing by the whole freed size.
const PAGES_PER_BATCH: u32 = 4096;

fn pragma(connection: &Connection, name: &str) -> Result<i64, JournalError> {
    connection
        .pragma_query_value(None, name, |r| r.get(0))
        .journal()
}

/// `PRAGMA incremental_vacuum` until no free page is left, in batches of
/// [`PAGES_PER_BATCH`], each checkpointed. SQLite gives back one page per step of the
/// statement, so each is stepped to its end (run once, as `execute_batch` does, it gives
/// back a single page, whatever the prune freed).
fn incremental_vacuum(connection: &Connection) -> Result<(), JournalError> {
    let sql = format!("PRAGMA incremental_vacuum({PAGES_PER_BATCH})");
    let mut free = pragma(connection, "freelist_count")?;
    while free > 0 {
        {
            let mut statement = connection.prepare(&sql).journal()?;
            let mut rows = statement.query([]).journal()?;
            while rows.next().journal()?.is_some() {}
        }
        // Copies the batch into the main file so that the next one reuses the `-wal`
        // from its start; a reader may keep it from finishing (the last one waits).
        let _ = marker::checkpoint(connection, Checkpoint::Passive);
        let left = pragma(connection, "freelist_count")?;
        if left >= free {
            // Nothing given back (never expected): stop rather than loop.
            break;
        }
        free = left;
    }
    Ok(())
}

impl SqliteJournal {
    /// Gives the free pages of the file (left by [`crate::PaymentJournal::prune`]) back
    /// to the file system: all of them, by `PRAGMA incremental_vacuum` in batches of a few
    /// thousand pages (other connections may write between them), then a checkpoint that
    /// empties the `-wal`, when the file is in `auto_vacuum = INCREMENTAL` mode (every
    /// journal this crate creates). A file made before (mode `NONE`) keeps its free pages
    /// for later payments unless `convert`: then one full `VACUUM` switches it to
    /// incremental mode, rewriting the whole file (it needs as much free disk again and
    /// blocks other connections while it runs).
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
                    incremental_vacuum(connection)?;
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
