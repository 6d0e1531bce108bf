//! A small connection pool.
//!
//! Why a pool and not one mutex-guarded client: a client can run one transaction at a
//! time, and migrations need a transaction of their own; a few connections let a
//! notification handler's claim proceed while a resolver's statement is in flight, and a
//! connection that broke is replaced on the next call instead of failing every caller.
//! Most journal operations are a single statement (or a pipelined pair); an append is a
//! short explicit transaction, and a connection is never handed back in the middle of
//! one: a loan that ends inside a transaction (an error, or the caller's future dropped
//! half-way) closes the connection, so the server rolls the transaction back.

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
                        in_transaction: false,
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
            in_transaction: false,
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
        // Every session commits synchronously, whatever the server, database or role
        // configures: an acknowledged intent must survive a crash of the server.
        let mut setup = String::from("SET synchronous_commit TO on");
        if let Some(schema) = &self.schema {
            setup += &format!("; SET search_path TO \"{schema}\"");
        }
        client.batch_execute(&setup).await.map_err(map_connect)?;
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
    /// An explicit transaction was begun and not yet ended.
    in_transaction: bool,
    _permit: SemaphorePermit<'a>,
}

impl Pooled<'_> {
    fn connection(&mut self) -> Result<&mut Connection, JournalError> {
        // Present from `get` until drop.
        self.connection.as_mut().ok_or_else(|| JournalError::Io {
            reason: "the pooled connection was already returned".into(),
        })
    }

    /// Marks the start of an explicit transaction: until
    /// [`transaction_ended`](Self::transaction_ended), dropping the loan closes the
    /// connection instead of returning it.
    pub(crate) fn transaction_started(&mut self) {
        self.in_transaction = true;
    }

    /// Marks the transaction committed or rolled back: the connection may be reused.
    pub(crate) fn transaction_ended(&mut self) {
        self.in_transaction = false;
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
            if !self.broken && !self.in_transaction && !connection.client.is_closed() {
                self.pool
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(connection);
            }
        }
    }
}
