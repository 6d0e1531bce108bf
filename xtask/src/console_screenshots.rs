//! `cargo xtask console-screenshots`: the console's pages and the sandbox's page as PNG in
//! `docs/console/`, taken from the real browser by lakala-console's browser test.

use std::path::Path;
use std::process::{Command, ExitCode};

/// Where the screenshots go, relative to the workspace root.
pub const DIR: &str = "docs/console";

/// Runs the browser test with `LAKALA_CONSOLE_SCREENSHOTS` set to [`DIR`].
pub fn run(workspace: &Path) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .env("LAKALA_CONSOLE_SCREENSHOTS", workspace.join(DIR))
        .args(["test", "-p", "lakala-console", "--test", "browser"])
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("screenshots written to {DIR}/");
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("xtask console-screenshots: cannot run cargo: {e}");
            ExitCode::from(2)
        }
    }
}
