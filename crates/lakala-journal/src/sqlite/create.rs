//! Creating a new journal file: built whole beside its place, then linked in, so that a
//! file at a journal's path is always a journal (never a half-made one another process
//! could take for a lost journal).

use super::error::SqliteResult;
use super::marker::{self, Checkpoint};
use super::migration;
use crate::error::JournalError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates the journal at `path` when there is no file there and `create` allows it;
/// whether there is a journal file to open now (one that was there, one this call made,
/// or one another process made meanwhile).
pub(crate) fn create_if_missing(path: &Path, create: bool) -> Result<(), JournalError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unavailable(e)),
        Err(_) if !create => {
            return Err(JournalError::Unavailable {
                reason: "no journal file there, and creating one was not asked for".into(),
            })
        }
        Err(_) => {}
    }
    let temp = temporary_name(path);
    let result = build(&temp).and_then(|()| link(&temp, path));
    for leftover in [
        temp.clone(),
        marker::wal_path(&temp),
        sidecar(&temp, "-shm"),
    ] {
        let _ = std::fs::remove_file(leftover);
    }
    result
}

/// A complete, empty journal at `temp`, marked closed cleanly, all in its main file.
fn build(temp: &Path) -> Result<(), JournalError> {
    let mut connection = Connection::open_with_flags(
        temp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| JournalError::Unavailable {
        reason: format!("cannot create the journal file: {e}"),
    })?;
    // Before any table: pages freed by prunes can be given back to the file system
    // (`SqliteJournal::reclaim_space`); a file made without it needs one VACUUM.
    connection
        .pragma_update(None, "auto_vacuum", "INCREMENTAL")
        .journal()?;
    let mode: String = connection
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .journal()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(JournalError::Unavailable {
            reason: format!("cannot create the journal file in WAL mode (got {mode} mode)"),
        });
    }
    migration::migrate(&mut connection, false)?;
    marker::mark_closed(&connection, Checkpoint::Truncate)?;
    connection.close().map_err(|(_, e)| e).journal()?;
    std::fs::File::open(temp)
        .and_then(|file| file.sync_all())
        .map_err(unavailable)
}

/// Puts `temp` at `path` unless a file is there by now (another process created the
/// journal first: theirs is as good). A hard link never replaces a file; where the file
/// system has none, a rename after looking.
fn link(temp: &Path, path: &Path) -> Result<(), JournalError> {
    match std::fs::hard_link(temp, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(_) if !path.exists() => std::fs::rename(temp, path).map_err(unavailable)?,
        Err(_) => return Ok(()),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// `.NAME.new-PID-NANOS` beside `path`: the same directory, so the link stays on one
/// file system.
fn temporary_name(path: &Path) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".into());
    path.with_file_name(format!(".{name}.new-{}-{nanos}", std::process::id()))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn unavailable(e: std::io::Error) -> JournalError {
    JournalError::Unavailable {
        reason: format!("cannot create the journal file: {e}"),
    }
}
