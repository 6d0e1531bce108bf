//! [`PostgresJournal`]: the journal in a PostgreSQL database shared by several instances.

mod error;
mod journal;
mod ledger;
mod migration;
mod pool;
mod row;
mod sql;

use crate::error::JournalError;
use pool::Pool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How a [`PostgresJournal`] connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Most connections the handle opens at once (default 4). Calls beyond that wait for
    /// a free connection.
    pub max_connections: usize,
    /// The schema holding the journal's tables (created if missing). `None` (default):
    /// the connection's `search_path` decides (usually `public`). Lowercase letters,
    /// digits and `_`, at most 63, not starting with a digit.
    pub schema: Option<String>,
    /// How long to wait for a connection to the server when the connection string sets
    /// no `connect_timeout` (default 10 seconds).
    pub connect_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            max_connections: 4,
            schema: None,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl PostgresOptions {
    /// Sets the pool size.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Puts the tables in `schema`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A journal in PostgreSQL, for several instances sharing one database.
///
/// Every operation is a single SQL statement (one round trip once prepared): the intent
/// and its first event are one `INSERT ... ON CONFLICT DO NOTHING` with a data-modifying
/// `WITH`; an append locks the payment row (`FOR UPDATE`), checks the fence and the
/// status rule, inserts the event and updates the state in one statement; claims use
/// `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`, so concurrent resolvers on
/// any number of instances each get different payments without waiting for each other.
///
/// Connects without TLS (loopback, private networks). Needs a tokio runtime (the
/// connections' tasks are spawned on it). Clones share the pool.
#[derive(Clone)]
pub struct PostgresJournal {
    pool: Arc<Pool>,
    max_connections: usize,
}

impl std::fmt::Debug for PostgresJournal {
    // The connection string may hold a password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("schema", &self.pool.schema())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl PostgresJournal {
    /// Connects with the default options. `url` is a libpq-style connection string
    /// (`postgres://user:password@host:port/db` or `host=... user=...`).
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects, creates or migrates the schema, and returns the journal.
    ///
    /// Errors: [`JournalError::InvalidInput`] (a malformed connection string or schema
    /// name), [`JournalError::Unavailable`] (the server cannot be reached or refuses the
    /// login), [`JournalError::NewerSchema`], [`JournalError::Corrupt`].
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, JournalError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|_| {
            // The parser's message may quote the string, password included: not shown.
            JournalError::invalid(
                "connection string",
                "not a valid PostgreSQL connection string",
            )
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        if config.get_application_name().is_none() {
            // Names the journal's connections in pg_stat_activity.
            config.application_name("lakala-journal");
        }
        if let Some(schema) = &options.schema {
            check_schema_name(schema)?;
        }
        let pool = Arc::new(Pool::new(
            config,
            options.schema.clone(),
            options.max_connections,
        ));
        migration::migrate(&pool).await?;
        Ok(Self {
            pool,
            max_connections: options.max_connections.max(1),
        })
    }
}

fn check_schema_name(schema: &str) -> Result<(), JournalError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(JournalError::invalid(
            "schema",
            "not 1 to 63 of a-z, 0-9 and _, starting with a letter or _",
        ))
    }
}
