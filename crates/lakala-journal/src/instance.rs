//! Instance names held for a process's life, so that no two running processes share a
//! journal under one name ([`claim_instance`]).
//!
//! A resolver takes back at once the open payments its instance name recorded before the
//! process started (they were left by an earlier run, whose flows died with it). That is
//! only safe when no other *running* process writes under the same name; this module
//! makes it so:
//!
//! - **SQLite**: an exclusive SQLite lock on a small file next to the journal
//!   (`PATH.instance-NAME.lock`), held by an open connection;
//! - **PostgreSQL**: a session advisory lock on `lakala-instance:NAME`, held by a
//!   connection of its own;
//! - **memory**: nothing to hold (the journal dies with the process).
//!
//! Both locks are the operating system's or the server's: a process that dies, even by
//! SIGKILL, releases them at once, so its restart claims the same name again.

use crate::error::JournalError;

/// How many suffixed names ([`claim_instance`] with `tell_apart`) are tried.
const MAX_SUFFIX: u32 = 16;

/// An instance name held until this value is dropped: keep it for the process's life.
pub struct InstanceClaim {
    name: String,
    _hold: Hold,
}

impl std::fmt::Debug for InstanceClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceClaim")
            .field("name", &self.name)
            .finish()
    }
}

impl InstanceClaim {
    /// The name held.
    pub fn name(&self) -> &str {
        &self.name
    }
}

enum Hold {
    /// The memory journal: nothing to hold.
    Nothing,
    #[cfg(feature = "sqlite")]
    Sqlite(#[allow(dead_code)] std::sync::Mutex<rusqlite::Connection>),
    #[cfg(feature = "postgres")]
    Postgres(#[allow(dead_code)] tokio_postgres::Client),
}

/// Claims `name` on the journal `url` names (as [`crate::Journal::open`] reads it) for
/// as long as the returned [`InstanceClaim`] lives.
///
/// When another running process holds `name`: with `tell_apart`, the first free one of
/// `name-2`, `name-3`, ... `name-16` is claimed instead (for a name derived by default);
/// without it, [`JournalError::Busy`] (for a name the configuration gave: two processes
/// configured alike are a deployment mistake, refused rather than guessed around).
///
/// Errors: [`JournalError::Busy`] as above (nothing claimed), [`JournalError::InvalidInput`]
/// for a name that is not an instance name or a URL [`crate::Journal::open`] refuses,
/// [`JournalError::Unavailable`] when the lock file or the server cannot be reached.
pub async fn claim_instance(
    url: &str,
    name: &str,
    tell_apart: bool,
) -> Result<InstanceClaim, JournalError> {
    crate::validation::instance("instance", name)?;
    let candidates = std::iter::once(name.to_owned()).chain(
        (2..=MAX_SUFFIX)
            .filter(move |_| tell_apart)
            .map(move |n| format!("{name}-{n}")),
    );
    for candidate in candidates {
        crate::validation::instance("instance", &candidate)?;
        if let Some(hold) = try_hold(url, &candidate).await? {
            return Ok(InstanceClaim {
                name: candidate,
                _hold: hold,
            });
        }
    }
    Err(JournalError::Busy {
        reason: format!(
            "instance name {name}{} is held by another running process on this journal",
            if tell_apart {
                " (and its suffixed forms)"
            } else {
                ""
            }
        ),
    })
}

/// `None` when another process holds `name`.
async fn try_hold(url: &str, name: &str) -> Result<Option<Hold>, JournalError> {
    if url == "memory:" {
        return Ok(Some(Hold::Nothing));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return postgres(url, name).await;
    }
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) if !path.is_empty() => sqlite(path, name),
        _ => Err(JournalError::invalid(
            "journal URL",
            "must be sqlite:PATH, postgres://... or memory:",
        )),
    }
}

/// The lock file of `name` next to the journal at `path`.
#[cfg(feature = "sqlite")]
pub(crate) fn lock_path(path: &str, name: &str) -> std::path::PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    std::path::PathBuf::from(format!("{path}.instance-{safe}.lock"))
}

#[cfg(feature = "sqlite")]
fn sqlite(path: &str, name: &str) -> Result<Option<Hold>, JournalError> {
    use rusqlite::ErrorCode;
    let lock = lock_path(path, name);
    let unavailable = |e: rusqlite::Error| JournalError::Unavailable {
        reason: format!("instance lock file {}: {e}", lock.display()),
    };
    let connection = rusqlite::Connection::open(&lock).map_err(unavailable)?;
    // A held name is known at once: no waiting for the holder (rusqlite waits 5 s).
    connection
        .busy_timeout(std::time::Duration::ZERO)
        .map_err(unavailable)?;
    // Held until the connection closes (the process ends, or the claim is dropped).
    match connection.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;") {
        Ok(()) => Ok(Some(Hold::Sqlite(std::sync::Mutex::new(connection)))),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            Ok(None)
        }
        Err(e) => Err(unavailable(e)),
    }
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_: &str, _: &str) -> Result<Option<Hold>, JournalError> {
    Err(JournalError::invalid(
        "journal URL",
        "sqlite: needs lakala-journal's `sqlite` feature",
    ))
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str, name: &str) -> Result<Option<Hold>, JournalError> {
    use std::str::FromStr;
    let mut config = tokio_postgres::Config::from_str(url).map_err(|_| {
        JournalError::invalid(
            "connection string",
            "not a valid PostgreSQL connection string",
        )
    })?;
    if config.get_application_name().is_none() {
        config.application_name("lakala-instance");
    }
    let unavailable = |e: tokio_postgres::Error| JournalError::Unavailable {
        // The error never quotes the connection string.
        reason: format!("instance lock: {e}"),
    };
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(unavailable)?;
    // Ends when the client is dropped (the lock is released with the session).
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let row = client
        .query_one(
            "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
            &[&format!("lakala-instance:{name}")],
        )
        .await
        .map_err(unavailable)?;
    let held: bool = row.get(0);
    Ok(held.then_some(Hold::Postgres(client)))
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &str, _: &str) -> Result<Option<Hold>, JournalError> {
    Err(JournalError::invalid(
        "journal URL",
        "postgres:// needs lakala-journal's `postgres` feature",
    ))
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_held_name_is_refused_or_told_apart_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("j.sqlite").display());
        let first = claim_instance(&url, "pos-1", false).await.unwrap();
        assert_eq!(first.name(), "pos-1");
        let e = claim_instance(&url, "pos-1", false).await.unwrap_err();
        assert!(matches!(e, JournalError::Busy { .. }), "{e}");
        let second = claim_instance(&url, "pos-1", true).await.unwrap();
        assert_eq!(second.name(), "pos-1-2");
        drop(first);
        let again = claim_instance(&url, "pos-1", false).await.unwrap();
        assert_eq!(again.name(), "pos-1");
        // Memory journals hold nothing; bad names are refused.
        assert_eq!(
            claim_instance("memory:", "x", false).await.unwrap().name(),
            "x"
        );
        assert!(claim_instance(&url, "bad\nname", true).await.is_err());
    }
}

#[cfg(all(test, feature = "postgres"))]
mod postgres_tests {
    use super::*;

    /// Needs a real server: `eval "$(scripts/test-postgres.sh start)"`.
    fn url() -> String {
        std::env::var("LAKALA_TEST_POSTGRES_URL").expect(
            "LAKALA_TEST_POSTGRES_URL is not set: start a server with scripts/test-postgres.sh",
        )
    }

    #[tokio::test]
    async fn an_advisory_lock_holds_the_name_until_dropped() {
        let url = url();
        let name = format!("doctor-{}", std::process::id());
        let first = claim_instance(&url, &name, false).await.unwrap();
        let e = claim_instance(&url, &name, false).await.unwrap_err();
        assert!(matches!(e, JournalError::Busy { .. }), "{e}");
        let second = claim_instance(&url, &name, true).await.unwrap();
        assert_eq!(second.name(), format!("{name}-2"));
        drop(first);
        // The session ends with the dropped client; the server frees its locks then.
        let mut again = None;
        for _ in 0..100 {
            if let Ok(claim) = claim_instance(&url, &name, false).await {
                again = Some(claim);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(again.expect("freed").name(), name);
    }
}
