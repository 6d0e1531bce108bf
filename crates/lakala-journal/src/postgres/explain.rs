//! [`PostgresJournal::explain_list`]: the query plan of a listing, to check it reads an
//! index.

use super::error::PostgresResult;
use super::journal::ListParams;
use super::PostgresJournal;
use crate::error::JournalError;
use crate::list::ListFilter;

impl PostgresJournal {
    /// PostgreSQL's `EXPLAIN` of the statement [`crate::PaymentJournal::list`] runs for
    /// `filter`, planned for these parameter values (as the journal's own first
    /// executions are), one plan line a line. For tests and operators checking that a
    /// listing reads an index (`Index Scan Backward using lakala_payments_created`)
    /// instead of scanning the table and sorting it. The planner chooses by the table's
    /// statistics: on a nearly empty table it may rightly prefer a scan.
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
        let lines = rows
            .iter()
            .map(|r| r.try_get::<_, String>(0).journal())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }
}
