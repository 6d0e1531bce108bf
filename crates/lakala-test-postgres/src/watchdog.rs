//! The process that removes the server when the test process is gone.

use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};

/// Stops the server in `$1/data` (binaries in `$2`, run as `$3` when not empty) and
/// removes `$1`, once standard input reaches end-of-file: when every holder of the pipe's
/// other end (only the test process) is gone. Ignores the terminal's signals (and so do
/// its children) so that an interrupted `cargo test` still cleans up.
const SCRIPT: &str = r#"
trap '' INT TERM HUP QUIT
dir=$1 bin=$2 user=$3
cat >/dev/null
if [ -f "$dir/data/postmaster.pid" ]; then
  if [ -n "$user" ]; then
    runuser -u "$user" -- "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop
  else
    "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop
  fi >/dev/null 2>&1
fi
rm -rf "$dir"
"#;

/// Starts the watchdog for `dir` and returns the pipe end that keeps it waiting: keep it
/// for the life of the process (never drop it; the kernel closes it at exit).
///
/// The watchdog inherits this process's standard output (it writes nothing to it): a
/// parent that reads a test process's output to end-of-file thereby waits until the
/// cleanup is done.
pub(crate) fn start(dir: &Path, bin: &Path, user: Option<&str>) -> Result<ChildStdin, String> {
    let mut child = Command::new("sh")
        .args(["-c", SCRIPT, "lakala-test-postgres-watchdog"])
        .arg(dir)
        .arg(bin)
        .arg(user.unwrap_or(""))
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cleanup watchdog (sh): {e}"))?;
    child
        .stdin
        .take()
        .ok_or_else(|| "the cleanup watchdog has no standard input".to_owned())
}
