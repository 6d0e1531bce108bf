//! `lakala`: the Lakala SDK from a shell. See `lakala --help`.
#![forbid(unsafe_code)]

mod args;
mod china_time;
mod commands;
mod embedded;
mod exit;
mod failure;
mod journal;
mod journal_watch;
mod personal;
mod receiver;
mod reconcile_args;
mod report;
mod settings;
mod validate_kinds;

use args::{Cli, Command};
use clap::Parser;
use exit::Exit;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    install_tracing();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (status 0) and usage errors to stderr (2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Exit::Usage.code()
            } else {
                0
            });
        }
    };
    let result = match &cli.command {
        Command::Demo => commands::demo::run(&cli).await,
        Command::Sandbox(args) => commands::sandbox::run(&cli, args).await,
        Command::Auth(a) => commands::auth::run(&cli, a).await,
        Command::Preauth(a) => commands::preauth::run(&cli, a).await,
        Command::Micropay(a) => commands::micropay::run(&cli, a).await,
        Command::Preorder(a) => commands::preorder::run(&cli, a).await,
        Command::Query(a) => commands::open_calls::query(&cli, a).await,
        Command::Revoke(a) => commands::open_calls::revoke(&cli, a).await,
        Command::Refund(a) => commands::open_calls::refund(&cli, a).await,
        Command::RefundQuery(a) => commands::settling::refund_query(&cli, a).await,
        Command::Close(a) => commands::settling::close(&cli, a).await,
        Command::Notify(n) => commands::notify::run(&cli, n).await,
        Command::Payments(p) => commands::payments::run(&cli, p).await,
        Command::Console(a) => commands::console::run(&cli, a).await,
        Command::Doctor => commands::doctor::run(&cli).await,
        Command::Validate { kind, list } => commands::validate::run(kind.as_deref(), *list),
        Command::Keygen {
            bits,
            out,
            common_name,
        } => commands::keygen::run(*bits, out, common_name),
    };
    let mut exit = match result {
        Ok(report) => report.print(cli.json, cli.reveal_personal_data),
        Err(failure) => {
            eprintln!("lakala: {failure}");
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({"outcome": "error", "response": null, "error": failure.to_string()})
                );
            }
            failure.exit()
        }
    };
    // The SQLite journal checkpointed (its file alone is then the whole journal), and
    // whatever could not be journaled said, after the outcome.
    let finished = journal::finish().await;
    for warning in &finished.warnings {
        eprintln!("lakala: warning: {warning}");
    }
    if finished.facts_lost {
        exit = Exit::Journal;
    }
    ExitCode::from(exit.code())
}

/// Log lines on stderr: warnings and errors by default (a fact that could not be
/// journaled, a notification refused, ...), `RUST_LOG` (e.g. `RUST_LOG=debug`,
/// `RUST_LOG=lakala_client=trace`) for more or less.
fn install_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}
