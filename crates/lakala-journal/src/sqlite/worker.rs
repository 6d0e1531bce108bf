//! The thread that owns an SQLite connection.
//!
//! rusqlite calls block. Rather than `spawn_blocking` (which needs a tokio runtime and
//! moves the connection between threads under a lock), each journal handle keeps its
//! connection on one thread of its own and sends it jobs; the async side waits on a
//! oneshot channel, so any executor works and jobs run in the order they were sent.

use crate::error::JournalError;
use rusqlite::Connection;
use std::sync::mpsc;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle to the connection's thread; the thread ends (and the connection closes)
/// when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts the thread, opens the connection there with `open`, and waits for it.
    pub(crate) async fn start(
        open: impl FnOnce() -> Result<Connection, JournalError> + Send + 'static,
    ) -> Result<Self, JournalError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (opened_tx, opened) = oneshot::channel();
        std::thread::Builder::new()
            .name("lakala-journal-sqlite".into())
            .spawn(move || {
                let mut connection = match open() {
                    Ok(c) => {
                        let _ = opened_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = inbox.recv() {
                    job(&mut connection);
                }
            })
            .map_err(|e| JournalError::Unavailable {
                reason: format!("cannot start the journal thread: {e}"),
            })?;
        opened.await.map_err(|_| stopped())??;
        Ok(Self { jobs })
    }

    /// Runs `job` on the connection's thread and returns its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |connection: &mut Connection| {
                let _ = tx.send(job(connection));
            }))
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}

fn stopped() -> JournalError {
    JournalError::Io {
        reason: "the journal's SQLite thread stopped".into(),
    }
}
