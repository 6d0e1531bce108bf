//! The conformance suite against `PostgresJournal` on a real server
//! (`LAKALA_TEST_POSTGRES_URL`, see scripts/test-postgres.sh); every handle is its own
//! connection pool, as separate instances would be.

#[path = "support/postgres.rs"]
mod postgres_support;

use postgres_support::harness;

lakala_journal::conformance_tests!(harness);
