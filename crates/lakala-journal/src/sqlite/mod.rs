//! [`SqliteJournal`]: the journal in one SQLite file.

mod error;
mod group_commit;
mod journal;
mod ledger;
mod migration;
mod row;
mod worker;

use crate::error::JournalError;
use error::SqliteResult;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;
use worker::Worker;

/// Which commits SQLite syncs to the disk before returning (`PRAGMA synchronous`).
///
/// Every commit survives a crash of the process whatever the level (WAL mode); the
/// levels differ on a crash of the machine (power loss, kernel panic). A sync costs
/// what the disk's flush costs (0.15 to 1 ms on a virtual disk); a payment makes two
/// commits when its answer decides it, more while it is pending, and the commits of
/// concurrent payments share flushes (group commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Intents are synced before `record_intent` returns; the later facts (appends,
    /// leases, notification entries) are committed without waiting for the disk and
    /// become durable with the next synced commit or checkpoint. After a power loss the
    /// journal is a consistent prefix of its history (the WAL is replayed in order up to
    /// the first incomplete frame): every request that may have been sent is still
    /// there, and at worst some facts after its intent are missing, which the resolver's
    /// trade query finds again. The default: the write-ahead guarantee at one sync per
    /// payment.
    #[default]
    Intents,
    /// Every commit is synced before it returns: nothing is lost to a power loss.
    Full,
    /// Nothing waits for the disk (syncs happen at checkpoints): after a power loss even
    /// the last intents may be missing while their requests were sent. Only for tests
    /// and demos.
    Normal,
}

/// How an [`SqliteJournal`] opens its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a write waits for another connection's lock before failing with
    /// [`JournalError::Busy`]. Default 5 seconds.
    pub busy_timeout: Duration,
    /// Open without writing: every write fails with [`JournalError::ReadOnly`], and the
    /// file must already hold a current journal. Default `false`.
    pub read_only: bool,
    /// Default [`Synchronous::Intents`].
    pub synchronous: Synchronous,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            read_only: false,
            synchronous: Synchronous::Intents,
        }
    }
}

impl SqliteOptions {
    /// Sets the lock wait.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Opens read-only.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Sets the sync level.
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }
}

/// A journal in one SQLite file, in WAL mode, for a single machine.
///
/// The file is created if missing, marked as a journal (`PRAGMA application_id`) and
/// migrated on open. Each handle owns one connection on a thread of its own (SQLite calls
/// block; the async methods wait for that thread without blocking the runtime). Clones
/// share the connection. Several handles, or several processes, may open the same file:
/// writes take SQLite's write lock with `BEGIN IMMEDIATE` and wait up to
/// [`SqliteOptions::busy_timeout`] for it, so leases stay exclusive across them. Lease
/// ends compare the `now` the callers pass ([`crate::LeaseClock::Caller`]): one machine,
/// one clock.
///
/// Group commit: the writes that queue up while a commit waits for the disk (many
/// payments at once) are committed together in one transaction and one disk flush, each
/// in a savepoint of its own, so a write that fails is undone alone; every caller is
/// answered after the commit that holds its write. A write that finds nothing queued is
/// committed at once, alone.
///
/// Needs no tokio runtime (only its channels), and no system SQLite: SQLite is compiled
/// in. Dropping a call's future does not cancel its write: once a call is made, the job
/// runs to its end on the connection's thread.
#[derive(Clone)]
pub struct SqliteJournal {
    worker: Worker,
    path: PathBuf,
    read_only: bool,
    synchronous: Synchronous,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .field("synchronous", &self.synchronous)
            .finish()
    }
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal at `path` with the default options.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens the journal at `path`.
    ///
    /// Errors: [`JournalError::Unavailable`] (cannot open or create the file),
    /// [`JournalError::Corrupt`] (not a database, or not a journal),
    /// [`JournalError::NewerSchema`], [`JournalError::Busy`] (a migration waited too long
    /// for the lock), [`JournalError::ReadOnly`] (read-only and the schema needs work).
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let read_only = options.read_only;
        let synchronous = options.synchronous;
        let sync_level = level(synchronous);
        let worker = Worker::start(move || connect(&opened, &options), sync_level).await?;
        Ok(Self {
            worker,
            path,
            read_only,
            synchronous,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `PRAGMA synchronous` between intents; a commit holding an intent switches to `FULL`
/// for itself (group_commit.rs).
fn level(synchronous: Synchronous) -> &'static str {
    match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Intents | Synchronous::Normal => "NORMAL",
    }
}

fn connect(path: &Path, options: &SqliteOptions) -> Result<Connection, JournalError> {
    let flags = if options.read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let mut connection = Connection::open_with_flags(path, flags).map_err(|e| {
        match error::map(e) {
            // Opening is lazy in SQLite; a failure here is about the file, not its contents.
            JournalError::Io { reason } => JournalError::Unavailable { reason },
            other => other,
        }
    })?;
    connection.busy_timeout(options.busy_timeout).journal()?;
    // The first statements read the header: a file that is not a database fails with NOTADB.
    connection
        .pragma_update(None, "foreign_keys", "ON")
        .journal()?;
    if !options.read_only {
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .journal()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::Unavailable {
                reason: format!(
                    "cannot switch the journal file to WAL mode (it is in {mode} mode)"
                ),
            });
        }
    }
    connection
        .pragma_update(None, "synchronous", level(options.synchronous))
        .journal()?;
    migration::migrate(&mut connection, options.read_only)?;
    Ok(connection)
}
