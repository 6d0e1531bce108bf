//! The CLI's payment journal: `--journal sqlite:PATH | postgres://...`, or by default an
//! SQLite file in the user's data directory (a temporary one with the embedded sandbox).

use crate::args::Cli;
use crate::embedded::Embedded;
use crate::failure::Failure;
use lakala_journal::{
    redacted as redact, PaymentJournal, PostgresJournal, PostgresOptions, SqliteJournal,
};
use std::path::PathBuf;
use std::sync::Arc;

/// Opens the journal the command records to, and says which on stderr.
pub async fn open(
    cli: &Cli,
    embedded: Option<&Embedded>,
) -> Result<Arc<dyn PaymentJournal>, Failure> {
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
        return Ok(Arc::new(
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
    Ok(Arc::new(SqliteJournal::open(path).await?))
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
