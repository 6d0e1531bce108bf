//! A real PostgreSQL server for the workspace's tests, with nothing to set up.
//!
//! [`url`] answers `LAKALA_TEST_POSTGRES_URL` when it is set (a server someone started,
//! for example with `scripts/test-postgres.sh`). When it is unset, the first call in a
//! test process starts a throwaway server of its own from the system's PostgreSQL
//! binaries (on `PATH`, or the newest `/usr/lib/postgresql/*/bin`): `initdb` into a new
//! temporary directory (as an unprivileged user when the tests run as root, since
//! `initdb` refuses root), `pg_ctl start` on a free loopback port with trust
//! authentication, and `createdb lakala_test`. Every later call in the process shares
//! it.
//!
//! The server never outlives the test process, however it ends (all tests done, a test
//! panicking, the harness aborting, `SIGKILL`): before anything is created, a small
//! watchdog process (`sh`) is started whose standard input is a pipe only the test
//! process holds. The kernel closes that pipe when the test process is gone; the
//! watchdog then reads end-of-file, stops the server (`pg_ctl stop -m immediate`) and
//! removes the directory. It ignores the terminal's signals, so Ctrl-C on `cargo test`
//! does not kill it before it has cleaned up. The cleanup runs just after the process is
//! gone (a fraction of a second for `pg_ctl stop -m immediate`), so `cargo test` may
//! return a moment before the directory is.
//!
//! A test that needs the server and cannot have it fails (never skips) with one line
//! saying what to install.
//!
//! Why a crate of its own: both lakala-journal's and lakala-cli's tests need it, and it
//! belongs to neither (the journal knows nothing of processes and servers, and the CLI
//! is no library); as a `publish = false` dev-dependency it never reaches a user's build.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod binaries;
mod server;
mod watchdog;

use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable naming a server to use instead of starting one.
pub const URL_VARIABLE: &str = "LAKALA_TEST_POSTGRES_URL";

/// A throwaway server this process started.
#[derive(Debug)]
pub struct Server {
    /// `postgres://lakala@127.0.0.1:PORT/lakala_test` (trust authentication, no password).
    pub url: String,
    /// The directory holding its data, socket and logs; removed when the process ends.
    pub dir: PathBuf,
}

/// The URL of the PostgreSQL server for the tests: `LAKALA_TEST_POSTGRES_URL` when set,
/// else this process's own throwaway server (started on the first call).
///
/// # Panics
///
/// When no server can be had: the message is one line saying what to install (or what
/// failed while starting it). Tests that call this fail; they never skip.
pub fn url() -> String {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => url,
        _ => match own_server() {
            Ok(server) => server.url.clone(),
            Err(why) => panic!("{why}"),
        },
    }
}

/// This process's own throwaway server, started on the first call whatever
/// `LAKALA_TEST_POSTGRES_URL` says; the error (one line) when it cannot be started.
/// Started once: every later call gets the same server or the same error.
pub fn own_server() -> Result<&'static Server, String> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    SERVER
        .get_or_init(server::start)
        .as_ref()
        .map_err(Clone::clone)
}
