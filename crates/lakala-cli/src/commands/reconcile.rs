//! `lakala payments reconcile`: the journal checked against the platform, day by day
//! (the library's [`lakala_client::reconcile`]), with a summary per day and per status,
//! `--json` and `--csv FILE`.
//!
//! Exit status: 0 every payment agrees (or was finished now); 8 a person must look (a
//! contradiction, marked `conflict`; a payment the platform cannot find); 4 only
//! inconclusive ones (run again later: the run resumes); 7 the journal could not be used.

use crate::args::Cli;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::reconcile_args::ReconcileArgs;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::china_day::ChinaDay;
use lakala_client::reconcile::{QueryPace, ReconcileConfig};
use lakala_client::reconcile_report::{yuan, Change, Class, ReconcileReport};
use serde_json::{json, Value};
use std::time::Duration;

pub async fn run(cli: &Cli, args: &ReconcileArgs) -> Result<Report, Failure> {
    let today = ChinaDay::of_unix(lakala_crypto::Clock::unix_seconds(
        &lakala_crypto::SystemClock,
    ));
    let day = |text: &Option<String>| -> Result<Option<ChinaDay>, Failure> {
        text.as_deref()
            .map(|t| {
                t.parse::<ChinaDay>()
                    .map_err(|e| Failure::Usage(e.to_string()))
            })
            .transpose()
    };
    let (from, to) = match (day(&args.from)?, day(&args.to)?) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, today),
        (None, Some(to)) => (to, to),
        (None, None) => (today.previous(), today.previous()),
    };
    if from > to {
        return Err(Failure::Usage(format!("--from {from} is after --to {to}")));
    }
    let mut config = ReconcileConfig::days(from, to).pace(QueryPace::per_second(args.per_second));
    config.lease = Duration::from_secs(args.lease_secs.max(1));
    if let Some(m) = &args.merchant_no {
        config = config.merchant(m.clone());
    }
    if let Some(run) = &args.run {
        config = config.run(run.clone());
    }
    let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
    let reconciler = connection.client.reconciler(config)?;
    let report = reconciler.run().await?;
    if let Some(path) = &args.csv {
        write_csv(path, &report.to_csv())?;
    }
    Ok(printed(&report))
}

/// Writes the CSV next to its place, then moves it there: a reader never sees half.
fn write_csv(path: &std::path::Path, csv: &str) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, csv.as_bytes())?;
    file.persist(path)
        .map_err(|e| Failure::Internal(format!("{}: {}", path.display(), e.error)))?;
    Ok(())
}

fn printed(report: &ReconcileReport) -> Report {
    let needs_a_person = report.count(Class::Contradiction) + report.count(Class::NotFound);
    let inconclusive = report.count(Class::Inconclusive);
    let (outcome, exit) = if needs_a_person > 0 {
        ("disagrees", Exit::Disagrees)
    } else if inconclusive > 0 {
        ("inconclusive", Exit::Pending)
    } else {
        ("agrees", Exit::Success)
    };
    let reconciliation = serde_json::to_value(report).unwrap_or(Value::Null);
    let mut out = Report::new(outcome, exit)
        .extra("reconciliation", reconciliation)
        .line(format!(
            "reconciliation {} ({}..{}{}): {} payments, {} queries",
            report.run,
            report.from,
            report.to,
            report
                .merchant_no
                .as_deref()
                .map(|m| format!(", merchant {m}"))
                .unwrap_or_default(),
            report.payments.len(),
            report.queries
        ))
        .line(
            Class::ALL
                .iter()
                .map(|c| format!("{} {}", report.count(*c), c))
                .collect::<Vec<_>>()
                .join(", "),
        );
    for day in &report.days {
        out = out.line(format!("{}:", day.day));
        for s in &day.statuses {
            out = out.line(format!(
                "  {:<9} {:<10} {:>5}  {:>14} yuan",
                s.kind.as_str(),
                s.status.as_str(),
                s.count,
                yuan(s.amount_fen)
            ));
        }
        let classes: Vec<String> = day
            .classes
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        out = out.line(format!("  {}", classes.join(", ")));
    }
    for p in &report.payments {
        let changed = match &p.change {
            Change::Changed { was, platform_was } => {
                format!(" [changed: was {was}, the platform said {platform_was}]")
            }
            _ => String::new(),
        };
        if p.class == Class::Agrees && changed.is_empty() {
            continue;
        }
        out = out.line(format!(
            "{} {} {} {} {} yuan: {}{}{}: {}",
            p.class,
            p.key.merchant_no,
            p.key.out_trade_no,
            p.kind.as_str(),
            yuan(p.amount_fen),
            p.status_before.as_str(),
            if p.status != p.status_before {
                format!(" -> {}", p.status.as_str())
            } else {
                String::new()
            },
            changed,
            p.detail
        ));
    }
    if needs_a_person > 0 {
        out = out.line(format!(
            "{needs_a_person} need a person: see `lakala payments list --conflicts` and each payment's events"
        ));
    }
    out.extra("exit_status", json!(exit.code()))
}
