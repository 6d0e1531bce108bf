//! `cargo xtask`: project chores that generate committed files.
//!
//! `cargo xtask fixtures [--spec-dir DIR] [--check]` runs every fixture generator (see
//! [`fixtures::GENERATORS`]) and writes what they produce under the workspace root, or with
//! `--check` compares it with the committed files and exits non-zero listing every
//! difference.

mod fixtures;
mod spec_examples;
mod test_keys;
mod vectors_crossborder;
mod vectors_open_platform;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Fixtures { spec_dir, check } => {
            let context = fixtures::Context::new(spec_dir);
            match fixtures::run(&context, check) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(error) => {
                    eprintln!("xtask fixtures: {error}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
