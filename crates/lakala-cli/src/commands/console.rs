//! `lakala console`: the operations console ([`lakala_console`]) on the journal, until
//! interrupted.

use crate::args::{Cli, ConsoleArgs};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::{self, Family};
use lakala_client::LakalaClient;
use lakala_console::login::{Login, Operator};
use lakala_console::{Console, ConsoleConfig};
use std::net::SocketAddr;
use std::path::Path;

pub async fn run(cli: &Cli, args: &ConsoleArgs) -> Result<Report, Failure> {
    let bind: SocketAddr = args.bind.parse().map_err(|_| {
        Failure::Usage(format!(
            "--bind {:?} is not an address like 127.0.0.1:8788",
            args.bind
        ))
    })?;
    if cli.journal.is_none() {
        return Err(Failure::Usage(
            "which journal? give --journal sqlite:PATH or postgres://... (or LAKALA_JOURNAL)"
                .into(),
        ));
    }
    let (login, one_time) = login(args)?;
    if one_time.is_some() && !bind.ip().is_loopback() {
        return Err(Failure::Usage(format!(
            "refusing to listen on {bind} without a login: give --operators, LAKALA_CONSOLE_TOKEN or --auth-header"
        )));
    }
    let journal = crate::journal::open(cli, None).await?;
    let client = if settings::platform_configured(cli) {
        let config = settings::load(cli, Family::OpenPlatform, None)?;
        Some(
            LakalaClient::builder(config)
                .journal(journal.clone())
                .resolved_elsewhere()
                .build()?,
        )
    } else {
        eprintln!("lakala: no --config: the console shows the journal only (no trade query, no actions that ask the platform)");
        None
    };
    let mut config = ConsoleConfig::new(journal, login);
    config.bind = bind;
    config.client = client;
    config.read_only = args.read_only;
    let console = Console::start(config)
        .await
        .map_err(|e| Failure::Usage(e.to_string()))?;
    println!("{}", console.base_url());
    eprintln!("lakala console on {}", console.base_url());
    if let Some(token) = one_time {
        eprintln!(
            "sign in at {}/login?token={token} (a one-time token for this run)",
            console.base_url()
        );
    }
    if args.read_only {
        eprintln!("read-only: no action can be taken");
    }
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    console.shutdown().await;
    Ok(Report::new("stopped", Exit::Success))
}

/// The login the flags and the environment ask for, and the one-time token when none.
fn login(args: &ConsoleArgs) -> Result<(Login, Option<String>), Failure> {
    if let Some(name) = &args.auth_header {
        let header = name
            .parse()
            .map_err(|_| Failure::Usage(format!("--auth-header {name:?} is not a header name")))?;
        return Ok((Login::proxy_header(header), None));
    }
    if let Some(path) = &args.operators {
        return Ok((Login::tokens(operators_file(path)?), None));
    }
    if let Ok(token) = std::env::var("LAKALA_CONSOLE_TOKEN") {
        let name = std::env::var("LAKALA_CONSOLE_OPERATOR").unwrap_or_else(|_| "operator".into());
        let op = Operator::new(name, token).ok_or_else(|| {
            Failure::Usage("LAKALA_CONSOLE_TOKEN must have at least 16 characters (and LAKALA_CONSOLE_OPERATOR be a plain name)".into())
        })?;
        return Ok((Login::tokens([op]), None));
    }
    let (login, token) = Login::one_time("operator");
    Ok((login, Some(token)))
}

/// `[operators]` `name = "token"` from a TOML file.
fn operators_file(path: &Path) -> Result<Vec<Operator>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| Failure::Usage(format!("{} is not TOML: {e}", path.display())))?;
    let Some(toml::Value::Table(ops)) = table.get("operators") else {
        return Err(Failure::Usage(format!(
            "{} has no [operators] table",
            path.display()
        )));
    };
    let mut out = Vec::new();
    for (name, token) in ops {
        let op = token
            .as_str()
            .and_then(|t| Operator::new(name.clone(), t))
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "operator {name:?} in {}: a plain name and a token of at least 16 characters",
                    path.display()
                ))
            })?;
        out.push(op);
    }
    if out.is_empty() {
        return Err(Failure::Usage(format!(
            "{} names no operator",
            path.display()
        )));
    }
    Ok(out)
}
