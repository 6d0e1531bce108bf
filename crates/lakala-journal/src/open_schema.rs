//! [`Journal::open_in_schema`]: a journal URL plus the PostgreSQL schema a configuration
//! names (`[journal] schema`).

use crate::error::JournalError;
use crate::open::Journal;

impl Journal {
    /// As [`Journal::open`], in PostgreSQL schema `schema` when given (several services
    /// sharing one database, each in its own schema). A schema with any other store is
    /// [`JournalError::InvalidInput`].
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Self, JournalError> {
        let Some(schema) = schema else {
            return Self::open(url).await;
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(JournalError::invalid(
                "journal schema",
                "only a PostgreSQL journal has a schema",
            ));
        }
        postgres(url, schema).await
    }
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str, schema: &str) -> Result<Journal, JournalError> {
    let options = crate::postgres::PostgresOptions {
        schema: Some(schema.to_owned()),
        ..Default::default()
    };
    Ok(crate::postgres::PostgresJournal::connect_with(url, options)
        .await?
        .into())
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &str, _: &str) -> Result<Journal, JournalError> {
    Err(JournalError::invalid(
        "journal URL",
        "postgres:// needs lakala-journal's `postgres` feature",
    ))
}
