//! [`SqliteJournal`]: the journal in one SQLite file.

mod application_id;
mod claim_payment;
mod create;
mod digest;
mod error;
mod explain;
mod group_commit;
mod journal;
mod ledger;
mod maintenance;
mod marker;
mod migration;
mod row;
mod space;
mod worker;

use crate::error::JournalError;
use error::SqliteResult;
use rusqlite::{Connection, OpenFlags};
pub use space::SpaceReclaimed;
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
    /// Whether a new journal is created where no file is. Default `true`. Whatever this
    /// says, a file that exists is never made a new journal: one that holds no journal
    /// (empty, or a journal whose `-wal` file was lost) is refused with
    /// [`JournalError::Corrupt`].
    pub create_if_missing: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            read_only: false,
            synchronous: Synchronous::Intents,
            create_if_missing: true,
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

    /// Whether a new journal may be created where no file is (`false`: the file must hold
    /// a journal already, as a service restarting on its existing journal may insist).
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }
}

/// A journal in one SQLite file, in WAL mode, for a single machine.
///
/// A new journal is created only where no file is (and only with
/// [`SqliteOptions::create_if_missing`], the default), marked as a journal
/// (`PRAGMA application_id`) and migrated on open. A file that exists but holds no journal
/// is refused with [`JournalError::Corrupt`], never silently made a new, empty one: a file
/// truncated to zero bytes, or the main file of a journal whose `-wal` file was lost (a
/// journal's writes stay in `PATH-wal` until a checkpoint copies them into `PATH`, so
/// until then the main file alone holds no journal at all). Two processes creating the
/// same new journal at the same instant may see one of them refused that way; open a
/// new journal once before starting several processes on it.
///
/// **Checkpoints and copies.** [`checkpoint`](Self::checkpoint) copies everything in the
/// `-wal` into the main file (and empties the `-wal`), so that `PATH` alone is a complete
/// copy until the next write; [`close`](Self::close) checkpoints and closes. When the last
/// handle is dropped without `close`, its thread checkpoints what no other connection is
/// reading before closing (SQLite's own close does the rest when it is the file's last
/// connection), but a process that exits right after the drop may end before that thread
/// does: close explicitly at a clean exit. A consistent copy while the journal is in use:
/// [`backup_to`](Self::backup_to) (SQLite's online backup).
///
/// How a lost `-wal` is noticed: every writable open marks the main file "in use" (its
/// `application_id`) and checkpoints the mark at once; the last handle's clean close marks
/// it "closed cleanly". A main file that says "in use" with no `-wal` beside it is refused
/// ([`JournalError::Corrupt`]), so a journal whose `-wal` was deleted, or a plain copy of
/// a journal in use, is never taken for the whole journal. What it cannot notice: a
/// handle closing cleanly while another process keeps writing marks the file closed, so
/// a `-wal` lost after that goes unnoticed; and another SQLite program that opens and
/// closes a crashed journal folds its `-wal` in and deletes it, after which the journal
/// (whole) is refused until a person who knows that marks it closed
/// (`sqlite3 PATH 'PRAGMA application_id = 1280003146'`, "LKLJ"). Keep `PATH-wal` with
/// `PATH`; copy with `backup_to`. Each handle owns one connection on a thread of its own (SQLite calls
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
    if !options.read_only {
        create::create_if_missing(path, options.create_if_missing)?;
    }
    // A handle opening the journal while another opens it too can find the main file
    // marked "in use" by the other and no `-wal` yet where it looked a moment before. Its
    // own attempt left nothing behind (SQLite removes the `-wal` when the last connection
    // closes), so it looks again: a live journal then has its `-wal`, a lost one still has
    // none and is refused.
    let mut attempt = 0;
    loop {
        match connect_once(path, options) {
            Err(e) if marker::is_missing_wal(&e) && attempt < 3 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * attempt));
            }
            result => return result,
        }
    }
}

fn connect_once(path: &Path, options: &SqliteOptions) -> Result<Connection, JournalError> {
    // Before SQLite opens the file (opening makes a -wal).
    let wal_present = marker::wal_path(path).exists();
    let flags = if options.read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
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
    marker::refuse_lost_journal(&connection, wal_present)?;
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
    if !options.read_only {
        marker::mark_open(&connection)?;
    }
    Ok(connection)
}
