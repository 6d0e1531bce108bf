//! Where the PostgreSQL server binaries are, and who runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What to install when the binaries are missing (one line, for a test's panic).
pub(crate) const INSTALL_HINT: &str =
    "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in \
     /usr/lib/postgresql/*/bin: install them (Debian/Ubuntu: `apt-get install postgresql`, \
     or run `cargo xtask test`), or set LAKALA_TEST_POSTGRES_URL to a server's URL";

/// Where the distribution keeps one `VERSION/bin` per installed version, instead of
/// `/usr/lib/postgresql` (for this crate's own test of a machine without PostgreSQL).
pub(crate) const DISTRIBUTION_VARIABLE: &str = "LAKALA_TEST_POSTGRES_DISTRIBUTION_DIR";

/// The directory holding `initdb`, `pg_ctl` and `createdb`: the one of `pg_ctl` on `PATH`
/// (symbolic links resolved), else the newest `/usr/lib/postgresql/*/bin`
/// (`LAKALA_TEST_POSTGRES_DISTRIBUTION_DIR` instead of `/usr/lib/postgresql` when set) (Debian and
/// Ubuntu keep them there, off `PATH`).
pub(crate) fn bin_dir() -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_server(dir))
        .and_then(|dir| std::fs::canonicalize(dir.join("pg_ctl")).ok())
        .and_then(|pg_ctl| pg_ctl.parent().map(Path::to_path_buf))
        .filter(|dir| has_server(dir));
    if let Some(dir) = on_path {
        return Ok(dir);
    }
    let distribution = std::env::var_os(DISTRIBUTION_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql"));
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(distribution)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, dir)| dir)
        .ok_or_else(|| INSTALL_HINT.to_owned())
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "createdb"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

/// The user the server runs as: `None` (ourselves) unless we are root, which `initdb`
/// refuses; then `postgres` if that user exists, else `nobody`.
pub(crate) fn server_user() -> Result<Option<String>, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("cannot run `id -u` to learn whether we are root: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(None);
    }
    let postgres_exists = Command::new("id")
        .arg("postgres")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    Ok(Some(
        if postgres_exists {
            "postgres"
        } else {
            "nobody"
        }
        .to_owned(),
    ))
}

/// A command for `program`, run as `user` (through `runuser`) when there is one.
pub(crate) fn command_as(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}
