//! The CLI's payment journal: `--journal sqlite:PATH | postgres://...`, or by default an
//! SQLite file in the user's data directory (a temporary one with the embedded sandbox).
//!
//! Every journal a command opens is remembered until [`finish`], which `main` runs before
//! the process exits: it closes the SQLite journal cleanly (checkpointed, so the file
//! alone is the whole journal) and says what could not be journaled.

use crate::args::Cli;
use crate::embedded::Embedded;
use crate::failure::Failure;
use crate::journal_watch::{WatchedJournal, WriteFailures};
use lakala_journal::{
    redacted as redact, PaymentJournal, PostgresJournal, PostgresOptions, SqliteJournal,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The journals opened by this process: the SQLite handle to close, and the watch.
static OPENED: Mutex<Vec<(Option<SqliteJournal>, Arc<WriteFailures>)>> = Mutex::new(Vec::new());

/// A journal as the command names it.
pub enum Store {
    Sqlite(SqliteJournal),
    Postgres(PostgresJournal),
}

/// Opens the journal the command records to, and says which on stderr.
pub async fn open(
    cli: &Cli,
    embedded: Option<&Embedded>,
) -> Result<Arc<dyn PaymentJournal>, Failure> {
    let (store, sqlite): (Arc<dyn PaymentJournal>, _) = match open_store(cli, embedded).await? {
        Store::Sqlite(journal) => (Arc::new(journal.clone()), Some(journal)),
        Store::Postgres(journal) => (Arc::new(journal), None),
    };
    let watched = WatchedJournal::new(store);
    OPENED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((sqlite, watched.failures()));
    Ok(Arc::new(watched))
}

/// Opens the store itself (for `payments backup`), and says which on stderr.
pub async fn open_store(cli: &Cli, embedded: Option<&Embedded>) -> Result<Store, Failure> {
    let url = match (&cli.journal, embedded) {
        (Some(url), _) => url.clone(),
        (None, Some(e)) => format!("sqlite:{}", e.dir().join("journal.sqlite").display()),
        (None, None) => format!("sqlite:{}", default_path()?.display()),
    };
    if !cli.json || cli.journal.is_none() {
        eprintln!("lakala: journal: {}", redact(&url));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut options = PostgresOptions::default();
        if let Some(schema) = &cli.journal_schema {
            options = options.schema(schema.clone());
        }
        return Ok(Store::Postgres(
            PostgresJournal::connect_with(&url, options).await?,
        ));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| {
            Failure::Usage(format!(
                "--journal must be sqlite:PATH or postgres://...: {}",
                redact(&url)
            ))
        })?;
    Ok(Store::Sqlite(SqliteJournal::open(path).await?))
}

/// What [`finish`] found: a line for stderr per problem; whether any fact was not
/// journaled (the exit status says so).
pub struct Finished {
    pub warnings: Vec<String>,
    pub facts_lost: bool,
}

/// Closes every journal this process opened (SQLite: checkpointed and marked closed
/// cleanly) and says what could not be journaled.
pub async fn finish() -> Finished {
    let opened = std::mem::take(&mut *OPENED.lock().unwrap_or_else(|e| e.into_inner()));
    let mut finished = Finished {
        warnings: Vec::new(),
        facts_lost: false,
    };
    for (sqlite, failures) in opened {
        if failures.count() > 0 {
            finished.facts_lost = true;
            finished.warnings.push(format!(
                "{} fact(s) could not be journaled (first: {}); the outcome above stands, \
                 but the journal may not show it: repair the journal, then run \
                 `lakala payments resolve`",
                failures.count(),
                failures.first().unwrap_or_default()
            ));
        }
        if let Some(journal) = sqlite {
            if let Err(e) = journal.close().await {
                finished.warnings.push(format!(
                    "journal not checkpointed at exit ({e}): keep its -wal file with it"
                ));
            }
        }
    }
    finished
}

/// `$XDG_DATA_HOME/lakala/journal.sqlite`, else `~/.local/share/lakala/journal.sqlite`.
fn default_path() -> Result<PathBuf, Failure> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| Failure::Usage("no HOME or XDG_DATA_HOME: pass --journal".into()))?;
    let dir = base.join("lakala");
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("journal.sqlite"))
}
