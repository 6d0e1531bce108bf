//! A small connection pool.
//!
//! Why a pool and not one mutex-guarded client: a client can run one transaction at a
//! time, and migrations need a transaction of their own; a few connections let a
//! notification handler's claim proceed while a resolver's statement is in flight, and a
//! connection that broke is replaced on the next call instead of failing every caller.
//! Every journal operation is a single statement (or a pipelined pair), so a connection
//! is never handed back in the middle of a transaction, even if the caller's future is
//! dropped half-way.

use super::error::{map, map_connect};
use crate::error::JournalError;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::{Client, Config, NoTls, Statement};

/// A connection with its prepared statements.
pub(crate) struct Connection {
    pub(crate) client: Client,
    statements: HashMap<&'static str, Statement>,
}

pub(crate) struct Pool {
    config: Config,
    schema: Option<String>,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Pool {
    pub(crate) fn new(config: Config, schema: Option<String>, max_connections: usize) -> Self {
        Self {
            config,
            schema,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(max_connections.max(1)),
        }
    }

    /// A connection: an idle one that is still open, or a new one.
    pub(crate) async fn get(&self) -> Result<Pooled<'_>, JournalError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| JournalError::Unavailable {
                reason: "the connection pool is closed".into(),
            })?;
        loop {
            let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match idle {
                Some(c) if !c.client.is_closed() => {
                    return Ok(Pooled {
                        pool: self,
                        connection: Some(c),
                        broken: false,
                        _permit: permit,
                    })
                }
                Some(_) => continue,
                None => break,
            }
        }
        let connection = self.connect().await?;
        Ok(Pooled {
            pool: self,
            connection: Some(connection),
            broken: false,
            _permit: permit,
        })
    }

    async fn connect(&self) -> Result<Connection, JournalError> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(map_connect)?;
        // The connection task ends by itself when the client is dropped or the socket
        // breaks; the client then reports itself closed and the pool drops it.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        if let Some(schema) = &self.schema {
            client
                .batch_execute(&format!("SET search_path TO \"{schema}\""))
                .await
                .map_err(map_connect)?;
        }
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }

    pub(crate) fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }
}

/// A connection on loan; goes back to the pool when dropped, unless it broke.
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    connection: Option<Connection>,
    /// An error said the connection is gone (the client may not know yet).
    broken: bool,
    _permit: SemaphorePermit<'a>,
}

impl Pooled<'_> {
    fn connection(&mut self) -> Result<&mut Connection, JournalError> {
        // Present from `get` until drop.
        self.connection.as_mut().ok_or_else(|| JournalError::Io {
            reason: "the pooled connection was already returned".into(),
        })
    }

    pub(crate) fn client(&mut self) -> Result<&mut Client, JournalError> {
        Ok(&mut self.connection()?.client)
    }

    /// The prepared statement for `sql`, preparing it on first use on this connection
    /// (so each later use is a single round trip).
    pub(crate) async fn statement(&mut self, sql: &'static str) -> Result<Statement, JournalError> {
        let connection = self.connection()?;
        if let Some(statement) = connection.statements.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = connection.client.prepare(sql).await;
        let statement = self.check(prepared)?;
        if let Ok(connection) = self.connection() {
            connection.statements.insert(sql, statement.clone());
        }
        Ok(statement)
    }

    /// Maps an operation's result; an error that means the connection is gone (no
    /// server error at all, or the server closing the session) retires the connection,
    /// so the next call gets a new one even before the client notices.
    pub(crate) fn check<T>(
        &mut self,
        result: Result<T, tokio_postgres::Error>,
    ) -> Result<T, JournalError> {
        result.map_err(|e| {
            let gone = match e.as_db_error() {
                None => true,
                Some(db) => {
                    let code = db.code().code();
                    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
                }
            };
            if gone {
                self.broken = true;
            }
            map(e)
        })
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            if !self.broken && !connection.client.is_closed() {
                self.pool
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(connection);
            }
        }
    }
}
