//! Keeping a journal file whole on disk: checkpoints, closing, online backups.

use super::error::SqliteResult;
use super::marker::{self, Checkpoint};
use super::SqliteJournal;
use crate::error::JournalError;
use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Pages copied per backup step; between steps other connections may write.
const BACKUP_PAGES_PER_STEP: std::ffi::c_int = 1024;

impl SqliteJournal {
    /// Copies everything in the `-wal` file into the main file and empties the `-wal`
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so that the main file alone is the whole
    /// journal until the next write.
    ///
    /// Waits up to the busy timeout for other connections' readers and writers. Errors:
    /// [`JournalError::Busy`] when another connection still reads an older state (the
    /// journal is unchanged and consistent; only the copy into the main file is
    /// incomplete), [`JournalError::ReadOnly`] on a read-only handle, or the store's
    /// error.
    pub async fn checkpoint(&self) -> Result<(), JournalError> {
        if self.read_only {
            return Err(JournalError::ReadOnly {
                reason: "opened read-only: a checkpoint writes the main file".into(),
            });
        }
        self.worker
            .run(|connection| marker::checkpoint(connection, Checkpoint::Truncate))
            .await
    }

    /// Checkpoints ([`checkpoint`](Self::checkpoint)) and gives up this handle; when it
    /// is the last one (no clone left), first marks the journal closed cleanly, so that
    /// its main file alone opens as the whole journal (a plain `cp` of it is a complete
    /// copy), and returns once the connection is closed. Call it at a clean exit: a
    /// process may end before a dropped handle's thread has closed its connection. Nothing
    /// to write on a read-only handle.
    ///
    /// The handle is gone even when the checkpoint fails; the error says why the main
    /// file alone may not be complete (the journal itself is, with its `-wal`).
    pub async fn close(self) -> Result<(), JournalError> {
        let checkpointed = if self.read_only {
            Ok(())
        } else if self.worker.is_last() {
            self.worker
                .run(|connection| marker::mark_closed(connection, Checkpoint::Truncate))
                .await
        } else {
            self.checkpoint().await
        };
        self.worker.close().await;
        checkpointed
    }

    /// Writes a consistent copy of the journal to the new file `dest` with SQLite's online
    /// backup, while the journal stays in use: the copy is the journal as of one moment
    /// (writes made during the copy restart it), checkpointed into one file with no
    /// `-wal`, openable with [`SqliteJournal::open`].
    ///
    /// Errors: [`JournalError::InvalidInput`] when `dest` exists (a backup never
    /// overwrites), [`JournalError::Unavailable`] when it cannot be created, the store's
    /// errors otherwise; a failed backup leaves no file at `dest`.
    pub async fn backup_to(&self, dest: impl AsRef<Path>) -> Result<(), JournalError> {
        let dest = dest.as_ref().to_path_buf();
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&dest)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(JournalError::invalid(
                    "backup destination",
                    "already exists; a backup never overwrites a file",
                ))
            }
            Err(e) => {
                return Err(JournalError::Unavailable {
                    reason: format!("cannot create the backup file: {e}"),
                })
            }
        }
        let target = dest.clone();
        let result = self
            .worker
            .run(move |connection| backup(connection, &target))
            .await;
        if result.is_err() {
            let _ = std::fs::remove_file(&dest);
            let _ = std::fs::remove_file(marker::wal_path(&dest));
            let _ = std::fs::remove_file(sidecar(&dest, "-shm"));
        }
        result
    }
}

fn backup(source: &mut Connection, dest: &Path) -> Result<(), JournalError> {
    let mut copy = Connection::open_with_flags(
        dest,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .journal()?;
    {
        let backup = Backup::new(source, &mut copy).journal()?;
        backup
            .run_to_completion(BACKUP_PAGES_PER_STEP, Duration::ZERO, None)
            .journal()?;
    }
    // The copy carries the journal's WAL-mode header and its "in use" mark: mark it closed
    // cleanly and fold everything into the one file, on disk before saying it is done.
    marker::mark_closed(&copy, Checkpoint::Truncate)?;
    copy.close().map_err(|(_, e)| e).journal()?;
    std::fs::File::open(dest)
        .and_then(|f| f.sync_all())
        .map_err(|e| JournalError::Io {
            reason: format!("cannot sync the backup file: {e}"),
        })
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}
