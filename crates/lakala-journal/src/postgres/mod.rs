//! [`PostgresJournal`]: the journal in a PostgreSQL database shared by several instances.

mod claim_payment;
mod digest;
mod error;
mod explain;
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
/// The intent and its first event (the payment's history, history.rs) are one
/// `INSERT ... ON CONFLICT DO NOTHING` (one round trip once prepared). An append is a
/// transaction of two pipelined round trips: `BEGIN` and the payment read `FOR UPDATE`
/// with its history; then, after the fence check and `StateUpdate`'s one definition of
/// the change (the same Rust code every store runs), one `UPDATE` of the new state and
/// the history with the new events, and `COMMIT`. Claims use
/// `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`, so concurrent resolvers on any
/// number of instances each get different payments without waiting for each other.
///
/// Leases end by the **server's** clock ([`crate::LeaseClock::Store`]): a claim stores
/// the end as `clock_timestamp()` plus `lease_secs` and the claimer's offset from the
/// server, and whether an earlier lease expired is decided by the server's clock too, so
/// instances whose clocks disagree never hold one payment at once. `Lease::until` and
/// `PaymentRecord::lease_until` are shown in the claimer's clock; `renew`'s `until` is
/// read in it (translated with the offset measured at the claim, so a claimer whose
/// clock is stepped while it holds a lease should renew for the length it wants from
/// its new `now`). Whether a payment is due still compares `next_check_at` with the
/// caller's `now`.
///
/// Every session sets `synchronous_commit = on`, whatever the server, database or role
/// configures: an acknowledged intent survives a crash of the server.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The test server: `LAKALA_TEST_POSTGRES_URL`, or a throwaway one this test process
    /// starts (lakala-test-postgres); the test fails when neither can be had.
    fn test_url() -> String {
        lakala_test_postgres::url()
    }

    /// A connection string for the test server as `user`.
    fn as_user(url: &str, user: &str) -> String {
        let config = tokio_postgres::Config::from_str(url).expect("test URL");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            other => panic!("the test server is reached over TCP, not {other:?}"),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let db = config.get_dbname().expect("a database in the test URL");
        format!("host={host} port={port} dbname={db} user={user}")
    }

    async fn raw(url: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect to the test server");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    async fn show(client: &tokio_postgres::Client) -> String {
        client
            .query_one("SHOW synchronous_commit", &[])
            .await
            .expect("SHOW")
            .get(0)
    }

    /// A role whose sessions default to `synchronous_commit = off` (as a server, a
    /// database or a role may be configured): every connection of the journal's pool
    /// still commits synchronously, so an acknowledged intent survives a server crash.
    #[tokio::test(flavor = "multi_thread")]
    async fn every_pooled_session_commits_synchronously() {
        let url = test_url();
        let admin = raw(&url).await;
        let role = format!("lakala_async_{}", std::process::id());
        let schema = format!("{role}_schema");
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; DROP ROLE IF EXISTS {role}; \
                 CREATE ROLE {role} LOGIN; ALTER ROLE {role} SET synchronous_commit = off; \
                 GRANT CREATE ON DATABASE {db} TO {role}",
                db = tokio_postgres::Config::from_str(&url)
                    .expect("URL")
                    .get_dbname()
                    .expect("database")
            ))
            .await
            .expect("create the role");
        let role_url = as_user(&url, &role);
        // The setting is in force: a plain session of the role does not sync.
        assert_eq!(show(&raw(&role_url).await).await, "off");

        let journal = PostgresJournal::connect_with(
            &role_url,
            PostgresOptions::default()
                .schema(schema.clone())
                .max_connections(3),
        )
        .await
        .expect("connect as the role");
        // Three connections at once: each is a new session of the pool.
        let mut loans = Vec::new();
        for _ in 0..3 {
            loans.push(journal.pool.get().await.expect("a pooled connection"));
        }
        for loan in &mut loans {
            let client = loan.client().expect("client");
            assert_eq!(show(client).await, "on", "the journal's session syncs");
            let user: String = client
                .query_one("SELECT current_user::text", &[])
                .await
                .expect("user")
                .get(0);
            assert_eq!(user, role, "the session is the role's");
        }
        drop(loans);
        drop(journal);
        admin
            .batch_execute(&format!(
                "DROP SCHEMA {schema} CASCADE; REVOKE CREATE ON DATABASE {db} FROM {role}; \
                 DROP ROLE {role}",
                db = tokio_postgres::Config::from_str(&url)
                    .expect("URL")
                    .get_dbname()
                    .expect("database")
            ))
            .await
            .expect("drop the role");
    }
}
