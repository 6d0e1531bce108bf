//! [`PostgresJournal::explain_list`] and [`PostgresJournal::explain_list_generic`]: the
//! query plans of a listing, to check it reads an index.

use super::error::PostgresResult;
use super::journal::ListParams;
use super::PostgresJournal;
use crate::error::JournalError;
use crate::list::ListFilter;
use std::sync::atomic::{AtomicU64, Ordering};

impl PostgresJournal {
    /// PostgreSQL's `EXPLAIN` of the statement [`crate::PaymentJournal::list`] runs for
    /// `filter`, planned for these parameter values (a custom plan, as the journal's own
    /// first executions of a statement are), one plan line a line. For tests and
    /// operators checking that a listing reads an index (`Index Scan Backward using
    /// lakala_payments_created`) instead of scanning the table and sorting it. The
    /// planner chooses by the table's statistics: on a nearly empty table it may rightly
    /// prefer a scan.
    pub async fn explain_list(&self, filter: &ListFilter) -> Result<String, JournalError> {
        filter.validate()?;
        let params = ListParams::of(filter);
        let mut c = self.pool.get().await?;
        let rows = {
            let result = c
                .client()?
                .query(&format!("EXPLAIN {}", params.sql), &params.refs())
                .await;
            c.check(result)
        }?;
        plan_lines(&rows)
    }

    /// The generic plan of the same statement (`plan_cache_mode = force_generic_plan`,
    /// then `EXPLAIN EXECUTE` of it prepared): the plan made without the parameters'
    /// values, which PostgreSQL may keep for a prepared statement after its first five
    /// executions and then uses for every later one, whatever the values. A listing must
    /// read an index in this plan too.
    pub async fn explain_list_generic(&self, filter: &ListFilter) -> Result<String, JournalError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        filter.validate()?;
        let params = ListParams::of(filter);
        let name = format!("lakala_explain_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut c = self.pool.get().await?;
        // In a transaction, so the setting ends with it; a loan given back inside one is
        // closed, and its prepared statement with it.
        c.transaction_started();
        let rows = {
            let client = c.client()?;
            let result = async {
                client
                    .batch_execute(&format!(
                        "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; \
                         PREPARE {name} AS {}",
                        params.sql
                    ))
                    .await?;
                let rows = client
                    .query(
                        &format!("EXPLAIN EXECUTE {name}({})", params.literals().join(", ")),
                        &[],
                    )
                    .await?;
                client
                    .batch_execute(&format!("DEALLOCATE {name}; COMMIT"))
                    .await?;
                Ok(rows)
            }
            .await;
            c.check(result)
        }?;
        c.transaction_ended();
        plan_lines(&rows)
    }
}

fn plan_lines(rows: &[tokio_postgres::Row]) -> Result<String, JournalError> {
    let lines = rows
        .iter()
        .map(|r| r.try_get::<_, String>(0).journal())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lines.join("\n"))
}
