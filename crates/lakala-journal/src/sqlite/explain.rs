//! [`SqliteJournal::explain_list`]: the query plan of a listing, to check it reads an index.

use super::error::SqliteResult;
use super::journal::list_statement;
use super::SqliteJournal;
use crate::error::JournalError;
use crate::list::ListFilter;

impl SqliteJournal {
    /// SQLite's `EXPLAIN QUERY PLAN` of the statement [`crate::PaymentJournal::list`]
    /// runs for `filter`, one step a line (for example `SEARCH lakala_payments USING
    /// INDEX lakala_payments_created (created_at>? AND created_at<?)`). For tests and
    /// operators checking that a listing reads an index instead of scanning the journal
    /// and sorting it (`USE TEMP B-TREE FOR ORDER BY`).
    pub async fn explain_list(&self, filter: &ListFilter) -> Result<String, JournalError> {
        filter.validate()?;
        let (sql, values) = list_statement(filter);
        self.worker
            .run(move |connection| {
                let mut statement = connection
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .journal()?;
                for i in 1..=statement.parameter_count() {
                    if let Some(value) = values.get(i - 1) {
                        statement.raw_bind_parameter(i, value).journal()?;
                    }
                }
                let mut rows = statement.raw_query();
                let mut plan = Vec::new();
                while let Some(row) = rows.next().journal()? {
                    plan.push(row.get::<_, String>(3).journal()?);
                }
                Ok(plan.join("\n"))
            })
            .await
    }
}
