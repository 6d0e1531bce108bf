//! Group commit: the writes queued while the previous commit waited for the disk share one
//! transaction and one disk flush.
//!
//! A payment's intent must be on the disk before its request is sent, and a flush costs
//! what the disk's flush costs whether it carries one intent or fifty. So the journal's
//! thread takes every write waiting in its queue (up to [`MAX_BATCH`]), runs each inside
//! its own `SAVEPOINT` in one `BEGIN IMMEDIATE` transaction, commits once, and only then
//! answers each caller. Nothing waits to fill a batch: a write that finds the queue empty
//! is committed alone, at once.
//!
//! What each caller may rely on is unchanged by the sharing:
//! - its answer comes after the commit that holds its write (an `Ok` means on disk, to the
//!   level of [`Synchronous`](super::Synchronous));
//! - a write that fails is rolled back to its savepoint and answered with its own error,
//!   and the other writes of the batch are committed;
//! - writes take effect in the order they were queued, as if each had its own transaction;
//! - if the transaction cannot begin or commit, every write of the batch is answered with
//!   that error and none of them is on disk.

use super::error::SqliteResult;
use crate::error::JournalError;
use rusqlite::{Connection, TransactionBehavior};

/// At most this many writes share a transaction.
pub(crate) const MAX_BATCH: usize = 64;

/// Runs a write on the batch's transaction (`Ok`), or answers its caller with the error
/// that stopped the batch before the write ran (`Err`, and `None` is returned).
type Run = Box<dyn FnOnce(Result<&Connection, JournalError>) -> Option<Staged> + Send>;

/// A write waiting for its batch.
pub(crate) struct Write {
    /// The write is an intent: its commit must reach the disk before anyone is answered.
    pub(crate) sync: bool,
    pub(crate) run: Run,
}

/// A write that ran: whether to keep its changes, and how to answer once the batch's
/// commit is known.
pub(crate) struct Staged {
    pub(crate) keep: bool,
    pub(crate) answer: Box<dyn FnOnce(Result<(), JournalError>) + Send>,
}

impl Write {
    /// A write whose changes are kept only when `work` returns `Ok`.
    pub(crate) fn new<T: Send + 'static>(
        sync: bool,
        work: impl FnOnce(&Connection) -> Result<T, JournalError> + Send + 'static,
        reply: impl FnOnce(Result<T, JournalError>) + Send + 'static,
    ) -> Self {
        Self::keeping(sync, move |c| work(c).map(Ok), reply)
    }

    /// A write whose changes are kept when `work` returns `Ok`, also when the value inside
    /// is an error that must be recorded (a refused status change whose event stays).
    pub(crate) fn keeping<T: Send + 'static>(
        sync: bool,
        work: impl FnOnce(&Connection) -> Result<Result<T, JournalError>, JournalError> + Send + 'static,
        reply: impl FnOnce(Result<T, JournalError>) + Send + 'static,
    ) -> Self {
        let run = move |connection: Result<&Connection, JournalError>| {
            let connection = match connection {
                Ok(c) => c,
                Err(e) => {
                    reply(Err(e));
                    return None;
                }
            };
            match work(connection) {
                Err(e) => Some(Staged {
                    keep: false,
                    answer: Box::new(move |_| reply(Err(e))),
                }),
                Ok(value) => Some(Staged {
                    keep: true,
                    answer: Box::new(move |commit| reply(commit.and(value))),
                }),
            }
        };
        Self {
            sync,
            run: Box::new(run),
        }
    }
}

/// Runs `batch` in one transaction and answers every write. `sync_level` is the
/// connection's `PRAGMA synchronous` between batches; a batch holding an intent is
/// committed with `FULL`.
pub(crate) fn commit(connection: &mut Connection, batch: Vec<Write>, sync_level: &str) {
    let sync = batch.iter().any(|w| w.sync) && sync_level != "FULL";
    if sync {
        if let Err(e) = connection
            .pragma_update(None, "synchronous", "FULL")
            .journal()
        {
            return refuse(batch, e);
        }
    }
    run(connection, batch);
    if sync {
        // Should this fail, the connection stays on FULL: slower, never less safe.
        let _ = connection.pragma_update(None, "synchronous", sync_level);
    }
}

fn run(connection: &mut Connection, batch: Vec<Write>) {
    let tx = match connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .journal()
    {
        Ok(tx) => tx,
        Err(e) => return refuse(batch, e),
    };
    let mut staged = Vec::with_capacity(batch.len());
    let mut writes = batch.into_iter();
    while let Some(write) = writes.next() {
        if let Err(e) = tx.execute_batch("SAVEPOINT lakala_write").journal() {
            drop(tx);
            return abort(staged, writes.collect(), Some(write), e);
        }
        let Some(done) = (write.run)(Ok(&tx)) else {
            continue;
        };
        let end = if done.keep {
            "RELEASE lakala_write"
        } else {
            "ROLLBACK TO lakala_write; RELEASE lakala_write"
        };
        staged.push(done);
        let ended = tx.execute_batch(end).journal();
        // SQLite rolls a whole transaction back on some errors (disk full, I/O): then the
        // savepoint is gone, and so are the writes staged before it.
        let ended = ended.and_then(|()| {
            if tx.is_autocommit() {
                Err(JournalError::Io {
                    reason: "SQLite rolled the journal's transaction back".into(),
                })
            } else {
                Ok(())
            }
        });
        if let Err(e) = ended {
            drop(tx);
            return abort(staged, writes.collect(), None, e);
        }
    }
    let committed = tx.commit().journal();
    for done in staged {
        (done.answer)(committed.clone());
    }
}

/// Answers a batch whose transaction was rolled back: nothing of it is on disk.
fn abort(staged: Vec<Staged>, rest: Vec<Write>, current: Option<Write>, e: JournalError) {
    for done in staged {
        (done.answer)(Err(e.clone()));
    }
    refuse(current.into_iter().chain(rest).collect(), e);
}

fn refuse(batch: Vec<Write>, e: JournalError) {
    for write in batch {
        (write.run)(Err(e.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Answers = Arc<Mutex<Vec<(u32, Result<u32, JournalError>)>>>;

    fn database() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let connection = Connection::open(dir.path().join("batch.sqlite")).unwrap();
        connection
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER PRIMARY KEY);")
            .unwrap();
        (dir, connection)
    }

    /// Inserts `n`; fails afterwards (so its insert must be undone) when `fail`.
    fn insert(n: u32, fail: bool, answers: &Answers) -> Write {
        let answers = answers.clone();
        Write::new(
            n == 1,
            move |tx| {
                tx.execute("INSERT INTO t (n) VALUES (?1)", [n]).journal()?;
                if fail {
                    return Err(JournalError::LeaseLost);
                }
                Ok(n)
            },
            move |r| answers.lock().unwrap().push((n, r)),
        )
    }

    fn rows(connection: &Connection) -> Vec<u32> {
        let mut s = connection.prepare("SELECT n FROM t ORDER BY n").unwrap();
        let rows = s.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn a_failing_write_is_undone_alone_and_the_others_commit() {
        let (_dir, mut connection) = database();
        let answers = Answers::default();
        let batch = vec![
            insert(1, false, &answers),
            insert(2, true, &answers),
            insert(3, false, &answers),
        ];
        commit(&mut connection, batch, "NORMAL");
        assert_eq!(rows(&connection), [1, 3]);
        assert_eq!(
            *answers.lock().unwrap(),
            [(1, Ok(1)), (2, Err(JournalError::LeaseLost)), (3, Ok(3))]
        );
        // Back to the level between intents after a batch that held one.
        let level: i64 = connection
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(level, 1, "NORMAL");
    }

    #[test]
    fn writes_see_the_writes_queued_before_them() {
        let (_dir, mut connection) = database();
        let answers = Answers::default();
        let seen = answers.clone();
        let count = Write::new(
            false,
            |tx| {
                tx.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, u32>(0))
                    .journal()
            },
            move |r| seen.lock().unwrap().push((0, r)),
        );
        let batch = vec![
            insert(1, false, &answers),
            insert(2, false, &answers),
            count,
        ];
        commit(&mut connection, batch, "NORMAL");
        assert_eq!(answers.lock().unwrap()[2], (0, Ok(2)));
    }

    #[test]
    fn a_transaction_lost_mid_batch_fails_every_write_and_keeps_none() {
        let (_dir, mut connection) = database();
        let answers = Answers::default();
        let seen = answers.clone();
        // What SQLite does on some I/O errors: the whole transaction is rolled back.
        let lost = Write::new(
            false,
            |tx| tx.execute_batch("ROLLBACK").journal().map(|()| 9),
            move |r| seen.lock().unwrap().push((9, r)),
        );
        let batch = vec![insert(1, false, &answers), lost, insert(3, false, &answers)];
        commit(&mut connection, batch, "NORMAL");
        assert_eq!(rows(&connection), Vec::<u32>::new());
        let answers = answers.lock().unwrap();
        assert_eq!(answers.len(), 3, "every write answered: {answers:?}");
        assert!(answers.iter().all(|(_, r)| r.is_err()), "{answers:?}");
    }

    #[test]
    fn a_batch_that_cannot_begin_runs_nothing_and_answers_every_write() {
        let (dir, mut connection) = database();
        connection
            .busy_timeout(std::time::Duration::from_millis(10))
            .unwrap();
        let other = Connection::open(dir.path().join("batch.sqlite")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let answers = Answers::default();
        let batch = vec![insert(1, false, &answers), insert(2, false, &answers)];
        commit(&mut connection, batch, "NORMAL");
        let got = answers.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert!(
            got.iter()
                .all(|(_, r)| matches!(r, Err(JournalError::Busy { .. }))),
            "{got:?}"
        );
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(rows(&connection), Vec::<u32>::new());
    }

    #[test]
    fn a_batch_holding_an_intent_commits_with_full_sync_and_others_do_not() {
        let (_dir, mut connection) = database();
        let answers = Answers::default();
        let probe = |answers: &Answers| {
            let seen = answers.clone();
            Write::new(
                false,
                |tx| {
                    tx.query_row("PRAGMA synchronous", [], |r| r.get::<_, u32>(0))
                        .journal()
                },
                move |r| seen.lock().unwrap().push((0, r)),
            )
        };
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .unwrap();
        // insert(1, ..) is marked as an intent.
        commit(
            &mut connection,
            vec![insert(1, false, &answers), probe(&answers)],
            "NORMAL",
        );
        commit(
            &mut connection,
            vec![insert(2, false, &answers), probe(&answers)],
            "NORMAL",
        );
        let got = answers.lock().unwrap().clone();
        assert_eq!(got[1], (0, Ok(2)), "FULL while the intent commits");
        assert_eq!(got[3], (0, Ok(1)), "NORMAL otherwise");
    }
}
