//! The thread that owns an SQLite connection.
//!
//! rusqlite calls block. Rather than `spawn_blocking` (which needs a tokio runtime and
//! moves the connection between threads under a lock), each journal handle keeps its
//! connection on one thread of its own and sends it jobs; the async side waits on a
//! oneshot channel, so any executor works and jobs run in the order they were sent.
//! Writes queued together are committed together ([`group_commit`](super::group_commit)).

use super::group_commit::{self, Write, MAX_BATCH};
use super::marker::{self, Checkpoint};
use crate::error::JournalError;
use rusqlite::Connection;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::oneshot;

enum Job {
    /// Runs alone on the connection (reads).
    Alone(Box<dyn FnOnce(&mut Connection) + Send>),
    /// Shares a transaction with the writes queued behind it.
    Write(Write),
}

/// A handle to the connection's thread; the thread ends (and the connection closes)
/// when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
    /// Answered by the thread once the connection is closed; shared by the clones (its
    /// count tells the last handle).
    closed: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
}

impl Worker {
    /// Starts the thread, opens the connection there with `open`, and waits for it.
    /// `sync_level` is the connection's `PRAGMA synchronous` between intents.
    pub(crate) async fn start(
        open: impl FnOnce() -> Result<Connection, JournalError> + Send + 'static,
        sync_level: &'static str,
    ) -> Result<Self, JournalError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (opened_tx, opened) = oneshot::channel();
        let (closed_tx, closed) = oneshot::channel();
        std::thread::Builder::new()
            .name("lakala-journal-sqlite".into())
            .spawn(move || {
                let connection = match open() {
                    Ok(c) => {
                        let _ = opened_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                serve(connection, &inbox, sync_level);
                let _ = closed_tx.send(());
            })
            .map_err(|e| JournalError::Unavailable {
                reason: format!("cannot start the journal thread: {e}"),
            })?;
        opened.await.map_err(|_| stopped())??;
        Ok(Self {
            jobs,
            closed: Arc::new(Mutex::new(Some(closed))),
        })
    }

    /// Whether no clone of this handle is left.
    pub(crate) fn is_last(&self) -> bool {
        Arc::strong_count(&self.closed) == 1
    }

    /// Gives up this handle; when it was the last one, waits until the thread has closed
    /// the connection (the thread's own checkpoint done). Other handles keep it open.
    pub(crate) async fn close(self) {
        let Self { jobs, closed } = self;
        drop(jobs);
        let receiver = match Arc::try_unwrap(closed) {
            Ok(last) => last.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(_) => None,
        };
        if let Some(receiver) = receiver {
            let _ = receiver.await;
        }
    }

    /// Runs `job` alone on the connection's thread and returns its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Alone(Box::new(move |connection: &mut Connection| {
            let _ = tx.send(job(connection));
        })))?;
        rx.await.map_err(|_| stopped())?
    }

    /// Runs `work` in a write transaction (maybe shared with other writes), keeping its
    /// changes only if it returns `Ok`; answers after the commit. `sync`: an intent.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        sync: bool,
        work: impl FnOnce(&rusqlite::Connection) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Write(Write::new(sync, work, move |r| {
            let _ = tx.send(r);
        })))?;
        rx.await.map_err(|_| stopped())?
    }

    /// Like [`write`](Self::write), but also keeps the changes when the value inside is
    /// an error that must be recorded (a refused status change whose event stays).
    pub(crate) async fn write_keeping<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> Result<Result<T, JournalError>, JournalError>
            + Send
            + 'static,
    ) -> Result<T, JournalError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Write(Write::keeping(false, work, move |r| {
            let _ = tx.send(r);
        })))?;
        rx.await.map_err(|_| stopped())?
    }

    fn send(&self, job: Job) -> Result<(), JournalError> {
        self.jobs.send(job).map_err(|_| stopped())
    }
}

/// The thread's loop: jobs in the order they came, consecutive writes in one batch. When
/// every handle is gone, marks the journal closed cleanly, checkpoints what no other
/// connection is reading (`PASSIVE`: never waits) and closes the connection.
fn serve(mut connection: Connection, inbox: &mpsc::Receiver<Job>, sync_level: &str) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match inbox.recv() {
                Ok(job) => job,
                Err(_) => {
                    // Busy files refuse; SQLite's close still checkpoints when this is
                    // the file's last connection.
                    let _ = marker::mark_closed(&connection, Checkpoint::Passive);
                    return;
                }
            },
        };
        match job {
            Job::Alone(job) => job(&mut connection),
            Job::Write(first) => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match inbox.try_recv() {
                        Ok(Job::Write(w)) => batch.push(w),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                group_commit::commit(&mut connection, batch, sync_level);
            }
        }
    }
}

fn stopped() -> JournalError {
    JournalError::Io {
        reason: "the journal's SQLite thread stopped".into(),
    }
}
