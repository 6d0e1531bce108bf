//! Whether a journal's main file alone is the whole journal, and the refusal of a file
//! that holds no journal or lost its `-wal`.
//!
//! A journal in WAL mode keeps its writes in `PATH-wal` until a checkpoint copies them
//! into `PATH`. Its `application_id` says which state the main file is in, and every
//! state reaches the main file through a checkpoint:
//!
//! - `LKLJ` ([`APPLICATION_ID`]): closed cleanly: the last handle marked it and
//!   checkpointed, so `PATH` alone is complete (and SQLite removes an empty `-wal`);
//! - `LKLW` ([`OPEN`]): a handle opened it for writing (marked and checkpointed at once,
//!   before any other write), and not every handle has closed cleanly since: the `-wal`
//!   may hold writes `PATH` lacks.
//!
//! So a main file that says `LKLW` with no `-wal` beside it lost its `-wal` (or was
//! copied without it while in use), and one with no journal at all where a file was is
//! empty or lost the `-wal` of a journal never checkpointed (older journals, created in
//! place). Both are refused, never made new, empty journals.

use super::application_id::{application_id, APPLICATION_ID, OPEN};
use super::error::SqliteResult;
use super::migration;
use crate::error::JournalError;
use rusqlite::{Connection, MAIN_DB};
use std::path::{Path, PathBuf};

/// How long a checkpoint may wait for other connections.
#[derive(Clone, Copy)]
pub(crate) enum Checkpoint {
    /// Copies what no other connection still reads; never waits.
    Passive,
    /// Waits (up to the busy timeout) for every reader, then empties the `-wal`.
    Truncate,
}

/// `PATH-wal`.
pub(crate) fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// Why a journal whose main file says "in use" with no `-wal` beside it is refused.
const MISSING_WAL: &str = "the journal's -wal file is missing: its main file says it was in \
     use (not closed cleanly) and may hold only part of it, the rest being in PATH-wal. Put \
     the -wal file back beside it, or restore from a backup (`lakala payments backup`); a copy \
     made with cp while the journal was in use is not a backup";

/// Whether `error` is [`refuse_lost_journal`]'s refusal of a missing `-wal`: the one a
/// handle opening the file at the same moment as another can see too (the other marked it
/// "in use" between this one's look for the `-wal` and its read), so worth one more look.
pub(crate) fn is_missing_wal(error: &JournalError) -> bool {
    matches!(error, JournalError::Corrupt { reason } if reason == MISSING_WAL)
}

/// Refuses a file that holds no journal (empty, or the header of a journal whose writes
/// were all in a lost `-wal`) or whose main file says it may be in use while no `-wal`
/// was beside it (`wal_present`, looked at before SQLite opened the file, since opening
/// creates one). Reads only: the file is left as it was.
pub(crate) fn refuse_lost_journal(
    connection: &Connection,
    wal_present: bool,
) -> Result<(), JournalError> {
    let id = application_id(connection)?;
    if id == OPEN && !wal_present {
        return Err(JournalError::corrupt(MISSING_WAL));
    }
    if id == 0 && migration::check(connection)? == 0 && is_empty(connection)? {
        return Err(JournalError::corrupt(
            "the file exists but holds no journal: it is empty, or it is the main file of a \
             journal whose -wal file was lost (a journal's writes stay in PATH-wal until a \
             checkpoint). Restore it together with its -wal file, or from a backup; remove it \
             only to start a new, empty journal",
        ));
    }
    Ok(())
}

fn is_empty(connection: &Connection) -> Result<bool, JournalError> {
    let tables: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .journal()?;
    Ok(tables == 0)
}

/// Marks the journal as possibly in use, and checkpoints the mark into the main file
/// before anything else is written. Nothing to do on a connection that cannot write.
pub(crate) fn mark_open(connection: &Connection) -> Result<(), JournalError> {
    if connection.is_readonly(MAIN_DB).journal()? {
        return Ok(());
    }
    if application_id(connection)? != OPEN {
        match connection
            .pragma_update(None, "application_id", OPEN)
            .journal()
        {
            // A file the process may not write (SQLite opened it read-only by itself).
            Err(JournalError::ReadOnly { .. }) => return Ok(()),
            other => other?,
        }
    }
    // Other connections may be reading: they marked it themselves when they opened.
    let _ = checkpoint(connection, Checkpoint::Passive);
    Ok(())
}

/// Marks the journal closed cleanly and checkpoints; `Busy` when another connection kept
/// the checkpoint from finishing (the main file then still says "in use").
pub(crate) fn mark_closed(connection: &Connection, mode: Checkpoint) -> Result<(), JournalError> {
    if connection.is_readonly(MAIN_DB).journal()? {
        return Ok(());
    }
    if application_id(connection)? != APPLICATION_ID {
        connection
            .pragma_update(None, "application_id", APPLICATION_ID)
            .journal()?;
    }
    checkpoint(connection, mode)
}

/// `PRAGMA wal_checkpoint`; `Busy` when another connection kept it from finishing.
pub(crate) fn checkpoint(connection: &Connection, mode: Checkpoint) -> Result<(), JournalError> {
    let sql = match mode {
        Checkpoint::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
        Checkpoint::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    let (busy, log, copied): (i64, i64, i64) = connection
        .query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .journal()?;
    if busy != 0 || log != copied {
        return Err(JournalError::Busy {
            reason: "checkpoint incomplete: another connection is still reading or writing".into(),
        });
    }
    Ok(())
}
