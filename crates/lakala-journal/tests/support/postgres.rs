//! A real PostgreSQL server for the tests (`LAKALA_TEST_POSTGRES_URL`, or one the test
//! process starts itself), one schema per test so tests run in parallel.

use lakala_journal::conformance::Harness;
use lakala_journal::{JournalError, PostgresJournal, PostgresOptions};
use std::sync::atomic::{AtomicU64, Ordering};

/// The server's URL: `LAKALA_TEST_POSTGRES_URL`, or else this test process's own
/// throwaway server (lakala-test-postgres). Never skips: without a server the test fails
/// and says what to install.
pub fn url() -> String {
    lakala_test_postgres::url()
}

/// A schema name no other test (or run) uses.
pub fn fresh_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "lakala_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A plain connection for setting things up behind the journal's back.
pub async fn raw_client() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

pub struct PostgresHarness {
    pub url: String,
    pub schema: String,
}

impl PostgresHarness {
    pub fn options(&self) -> PostgresOptions {
        PostgresOptions::default().schema(self.schema.clone())
    }
}

#[async_trait::async_trait]
impl Harness for PostgresHarness {
    type Store = PostgresJournal;

    async fn open(&self) -> Result<PostgresJournal, JournalError> {
        PostgresJournal::connect_with(&self.url, self.options()).await
    }

    async fn finish(&self) {
        raw_client()
            .await
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ))
            .await
            .expect("drop the test schema");
    }
}

pub async fn harness() -> PostgresHarness {
    PostgresHarness {
        url: url(),
        schema: fresh_schema(),
    }
}
