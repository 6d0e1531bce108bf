//! `cargo xtask`: project chores that generate committed files.
//!
//! `cargo xtask fixtures [--spec-dir DIR] [--check]` runs every fixture generator (see
//! [`fixtures::GENERATORS`]) and writes what they produce under the workspace root, or with
//! `--check` compares it with the committed files and exits non-zero listing every
//! difference.
//!
//! `cargo xtask test [ARGS...]` installs what the test suite needs and the machine lacks
//! (one `apt-get install` on Debian/Ubuntu as root; elsewhere one line saying what to
//! install, see [`prerequisites::ALL`]), then runs `cargo test --workspace ARGS...`.
//!
//! `cargo xtask console-screenshots` runs lakala-console's browser test with
//! `LAKALA_CONSOLE_SCREENSHOTS=docs/console`, so that the real browser saves a PNG of each
//! page there (the README shows them).

mod console_screenshots;
mod fixtures;
mod generation;
mod prerequisites;
mod spec_examples;
mod test_keys;
mod test_suite;
mod vectors_crossborder;
mod vectors_labs;
mod vectors_open_platform;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "lakala-rs project chores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the committed fixtures: fixtures/spec/ from the spec documents, fixtures/keys/
    /// (test keys, kept once generated) and fixtures/vectors/ (seeded test vectors).
    Fixtures {
        /// Where the spec documents are (default: spec/ at the workspace root).
        #[arg(long, value_name = "DIR")]
        spec_dir: Option<PathBuf>,
        /// Compare with the committed files instead of writing; exit 1 on any difference.
        #[arg(long)]
        check: bool,
    },
    /// Install what the tests need and the machine lacks (Debian/Ubuntu as root: one
    /// `apt-get install`; otherwise says what to install), then run
    /// `cargo test --workspace` with ARGS appended.
    Test {
        /// Passed to `cargo test --workspace` (for example `-- --test-threads 1`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Save a PNG of each console page and of the sandbox's page in docs/console/, taken by
    /// lakala-console's browser test in headless Chromium.
    ConsoleScreenshots,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Fixtures { spec_dir, check } => {
            let context = generation::Context::new(spec_dir);
            match fixtures::run(&context, check) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(error) => {
                    eprintln!("xtask fixtures: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Test { args } => {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("xtask/ is inside the workspace");
            test_suite::run(workspace, &args)
        }
        Command::ConsoleScreenshots => {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("xtask/ is inside the workspace");
            console_screenshots::run(workspace)
        }
    }
}
