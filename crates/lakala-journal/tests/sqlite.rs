//! The conformance suite against `SqliteJournal` on a real file; every handle is a new
//! connection (and thread) on that file.

use lakala_journal::conformance::Harness;
use lakala_journal::{JournalError, SqliteJournal, SqliteOptions};
use std::path::PathBuf;
use std::time::Duration;

struct SqliteHarness {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

#[async_trait::async_trait]
impl Harness for SqliteHarness {
    type Store = SqliteJournal;

    async fn open(&self) -> Result<SqliteJournal, JournalError> {
        SqliteJournal::open_with(
            &self.path,
            SqliteOptions::default().busy_timeout(Duration::from_secs(30)),
        )
        .await
    }
}

async fn harness() -> SqliteHarness {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("journal.sqlite3");
    SqliteHarness { _dir: dir, path }
}

lakala_journal::conformance_tests!(harness);
