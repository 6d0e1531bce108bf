//! Starting the throwaway server: directory, watchdog, `initdb`, `pg_ctl start`,
//! `createdb`.

use crate::binaries::{bin_dir, command_as, server_user};
use crate::watchdog;
use crate::Server;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The watchdog's pipe, held until the process ends.
static WATCHDOG: Mutex<Option<ChildStdin>> = Mutex::new(None);

/// How many free ports to try: another process can take a port between our choosing and
/// the server's binding it.
const PORT_ATTEMPTS: usize = 5;

pub(crate) fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let user = server_user()?;
    let dir = new_dir()?;
    // The watchdog first: from here on, whatever happens, the directory goes.
    let pipe = watchdog::start(&dir, &bin, user.as_deref())?;
    *WATCHDOG.lock().unwrap_or_else(|e| e.into_inner()) = Some(pipe);
    if let Some(user) = &user {
        run(Command::new("chown").arg(user).arg(&dir), "chown")?;
    }
    let data = dir.join("data");
    run(
        command_as(user.as_deref(), &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "lakala",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]),
        "initdb",
    )?;
    let port = start_server(&bin, user.as_deref(), &dir, &data)?;
    run(
        Command::new(bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", "lakala", "-p"])
            .arg(port.to_string())
            .arg("lakala_test"),
        "createdb",
    )?;
    Ok(Server {
        url: format!("postgres://lakala@127.0.0.1:{port}/lakala_test"),
        dir,
    })
}

/// A new directory under the system's temporary directory, named for this process.
fn new_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "lakala-test-postgres.{}.{nanos}",
        std::process::id()
    ));
    std::fs::create_dir(&dir)
        .map_err(|e| format!("cannot create {} for PostgreSQL: {e}", dir.display()))?;
    Ok(dir)
}

/// `pg_ctl start` on a free loopback port (the socket in `dir` too); the port.
fn start_server(bin: &Path, user: Option<&str>, dir: &Path, data: &Path) -> Result<u16, String> {
    let mut last = String::new();
    for _ in 0..PORT_ATTEMPTS {
        let port = free_port()?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=300",
            dir.display()
        );
        match run(
            command_as(user, &bin.join("pg_ctl"))
                .arg("-D")
                .arg(data)
                .arg("-l")
                .arg(dir.join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        ) {
            Ok(()) => return Ok(port),
            Err(e) => last = e,
        }
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!(
        "{last}; server log: {}",
        log.lines().last().unwrap_or("(empty)")
    ))
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// Runs `command` (no standard input; output kept for the error) and fails with its last
/// line of output, on one line.
fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("PostgreSQL for the tests: cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!(
        "PostgreSQL for the tests: {what} failed ({}): {last}",
        output.status
    ))
}
