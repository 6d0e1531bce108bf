//! `cargo xtask test`: install what the tests need (Debian/Ubuntu, as root) or say in one
//! line what to install, then run `cargo test --workspace`.

use crate::prerequisites::{self, on_path, Prerequisite};
use std::path::Path;
use std::process::{Command, ExitCode};

/// Checks, installs where it can, runs the workspace's tests with `extra` arguments
/// appended; the exit status is the tests'.
pub fn run(workspace: &Path, extra: &[String]) -> ExitCode {
    let missing = prerequisites::missing();
    if !missing.is_empty() {
        if let Err(e) = install(&missing) {
            eprintln!("{e}");
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args(["test", "--workspace"])
        .args(extra)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
        Err(e) => {
            eprintln!("xtask test: cannot run cargo: {e}");
            ExitCode::from(2)
        }
    }
}

/// Installs `missing` in one `apt-get install` when this is Debian or Ubuntu and we are
/// root; otherwise the error is the one line that says what to install.
fn install(missing: &[&Prerequisite]) -> Result<(), String> {
    let packages: Vec<&str> = missing.iter().map(|p| p.package).collect();
    let needs: Vec<&str> = missing.iter().map(|p| p.purpose).collect();
    let line = format!("apt-get install -y {}", packages.join(" "));
    if !debian_like() {
        return Err(format!(
            "xtask test: missing {}; install them (Debian/Ubuntu packages: {}) or some tests fail",
            needs.join(", "),
            packages.join(" ")
        ));
    }
    if !is_root() {
        return Err(format!(
            "xtask test: missing {}; install them with `sudo {line}` or some tests fail",
            needs.join(", ")
        ));
    }
    eprintln!("xtask test: installing {}", packages.join(" "));
    let updated = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .map_err(|e| format!("xtask test: cannot run apt-get: {e}"))?;
    if !updated.success() {
        return Err(format!("xtask test: apt-get update failed ({updated})"));
    }
    let installed = Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-qq"])
        .args(&packages)
        .status()
        .map_err(|e| format!("xtask test: cannot run apt-get: {e}"))?;
    if !installed.success() {
        return Err(format!("xtask test: `{line}` failed ({installed})"));
    }
    let still: Vec<&str> = prerequisites::missing().iter().map(|p| p.purpose).collect();
    if !still.is_empty() {
        return Err(format!(
            "xtask test: still missing after installing: {}",
            still.join(", ")
        ));
    }
    Ok(())
}

/// Debian, Ubuntu or a derivative (`/etc/os-release` says so) with `apt-get`.
fn debian_like() -> bool {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let family = release.lines().any(|line| {
        let Some((key, value)) = line.split_once('=') else {
            return false;
        };
        (key == "ID" || key == "ID_LIKE")
            && value
                .trim_matches('"')
                .split_whitespace()
                .any(|id| id == "debian" || id == "ubuntu")
    });
    family && on_path("apt-get")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
