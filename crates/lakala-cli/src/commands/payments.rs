//! `lakala payments ...`: `resolve` and `backup` here (finishing the open payments by
//! query, a consistent copy of the journal); `list` and `prune` in their own modules.

use crate::args::{Cli, PaymentsCommand};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::resolver::ResolverConfig;
use lakala_client::till::TillStatus;
use lakala_journal::{
    ListFilter, PaymentJournal, PaymentKey, PaymentRecord, SqliteJournal, SqliteOptions,
};
use serde_json::{json, Value};
use std::time::Duration;

pub async fn run(cli: &Cli, command: &PaymentsCommand) -> Result<Report, Failure> {
    match command {
        PaymentsCommand::List(args) => super::payments_list::run(cli, args).await,
        PaymentsCommand::Prune(args) => super::payments_prune::run(cli, args).await,
        PaymentsCommand::Resolve {
            out_trade_no,
            all: _,
            merchant_no,
            lease_secs,
        } => {
            let connection = super::connect_journaled(cli, Family::OpenPlatform).await?;
            let client = &connection.client;
            let journal = client
                .journal()
                .cloned()
                .ok_or_else(|| Failure::Internal("no journal".into()))?;
            let key = match out_trade_no {
                Some(number) => Some(find(&*journal, number, merchant_no.as_deref()).await?),
                None => None,
            };
            let config = ResolverConfig {
                lease: Duration::from_secs((*lease_secs).max(1)),
                ..ResolverConfig::default()
            };
            let resolver = client.resolver(config)?;
            let done = resolver.resolve_now(key.as_ref()).await?;
            // Report every payment worked now, as the journal has it afterwards.
            let mut keys: Vec<PaymentKey> = done.into_iter().map(|r| r.key).collect();
            if let Some(k) = &key {
                keys.push(k.clone());
            }
            keys.sort();
            keys.dedup();
            let mut records = Vec::with_capacity(keys.len());
            for k in &keys {
                if let Some(r) = journal.payment(k).await? {
                    records.push(r);
                }
            }
            Ok(report(&records, "resolved"))
        }
        PaymentsCommand::Backup { path } => backup(cli, path).await,
        PaymentsCommand::Reconcile(args) => super::reconcile::run(cli, args).await,
    }
}

/// A consistent copy of the SQLite journal at `path`, made while it may be in use.
async fn backup(cli: &Cli, path: &std::path::Path) -> Result<Report, Failure> {
    let journal = match crate::journal::open_store(cli, None).await? {
        crate::journal::Store::Sqlite(journal) => journal,
        crate::journal::Store::Postgres(_) => {
            return Err(Failure::Usage(
                "payments backup copies an SQLite journal; back a PostgreSQL journal up \
                 with the server's tools (pg_dump)"
                    .into(),
            ))
        }
    };
    if path.exists() {
        return Err(Failure::Usage(format!(
            "{} exists: a backup never overwrites a file",
            path.display()
        )));
    }
    // Check the copy: it opens as a journal and holds every payment there was before
    // (the journal may gain more meanwhile: the copy is one moment of it).
    let original = count(&journal, ListFilter::all(), |_| true).await?;
    journal.backup_to(path).await?;
    let copy = SqliteJournal::open_with(path, SqliteOptions::default().read_only(true)).await?;
    let copied = count(&copy, ListFilter::all(), |_| true).await?;
    copy.close().await?;
    journal.close().await?;
    if copied < original {
        return Err(Failure::Internal(format!(
            "the backup holds {copied} payments, the journal {original}"
        )));
    }
    Ok(Report::new("backed_up", Exit::Success)
        .extra("path", Value::String(path.display().to_string()))
        .extra("payments", json!(copied))
        .line(format!("{copied} payments copied to {}", path.display())))
}

/// How many payments the filter selects that `keep` keeps, page by page (one page in
/// memory at a time), with the keys of at most two kept ones.
async fn scan(
    journal: &dyn PaymentJournal,
    mut filter: ListFilter,
    keep: impl Fn(&PaymentRecord) -> bool,
) -> Result<(u64, Vec<PaymentKey>), Failure> {
    let mut n = 0;
    let mut first = Vec::new();
    filter = filter.limit(lakala_journal::validation::MAX_BATCH);
    loop {
        let page = journal.list(&filter).await?;
        let Some(last) = page.last() else { break };
        filter = filter.page_after(last)?;
        for r in page.iter().filter(|r| keep(r)) {
            n += 1;
            if first.len() < 2 {
                first.push(r.key.clone());
            }
        }
    }
    Ok((n, first))
}

async fn count(
    journal: &dyn PaymentJournal,
    filter: ListFilter,
    keep: impl Fn(&PaymentRecord) -> bool,
) -> Result<u64, Failure> {
    Ok(scan(journal, filter, keep).await?.0)
}

/// The key of the payment numbered `number`.
async fn find(
    journal: &dyn PaymentJournal,
    number: &str,
    merchant_no: Option<&str>,
) -> Result<PaymentKey, Failure> {
    if let Some(m) = merchant_no {
        let key = PaymentKey::new(m, number);
        return match journal.payment(&key).await? {
            Some(_) => Ok(key),
            None => Err(Failure::Usage(format!("no journaled payment {number}"))),
        };
    }
    // Without a merchant, every merchant's payments are looked through, a page at a time.
    let (_, matches) = scan(journal, ListFilter::all(), |r| r.key.out_trade_no == number).await?;
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Failure::Usage(format!("no journaled payment {number}"))),
        _ => Err(Failure::Usage(format!(
            "several merchants have a payment {number}: pass --merchant-no"
        ))),
    }
}

fn report(records: &[PaymentRecord], what: &'static str) -> Report {
    let open = records.iter().filter(|r| !r.status.is_final()).count();
    let items: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({
                "merchant_no": r.key.merchant_no, "out_trade_no": r.key.out_trade_no,
                // `outcome` as `micropay --json` says it (the final status's own word);
                // `till` the stable form a till is given (paid, failed, pending, unknown).
                "kind": r.kind.as_str(), "outcome": if r.status.is_final() { r.status.as_str() } else { "pending" },
                "status": r.status.as_str(), "till": TillStatus::from(r),
                "events": r.event_count, "trade_no": r.trade_no, "amount_fen": r.amount_fen,
                "last_trade_state": r.last_trade_state, "reason": r.reason,
                "created_at": r.created_at, "created_by": r.created_by,
                "conflict": r.conflict,
            })
        })
        .collect();
    let exit = if open > 0 {
        Exit::Pending
    } else {
        Exit::Success
    };
    let conflicts = records.iter().filter(|r| r.conflict.is_some()).count();
    let mut summary = format!("{} payments, {open} not final", records.len());
    if conflicts > 0 {
        summary += &format!(", {conflicts} contradicted by the platform (look at them)");
    }
    let mut report = Report::new(what, exit)
        .extra("payments", Value::Array(items))
        .line(summary);
    for r in records {
        report = report.line(format!(
            "{} {} {} {} [{}] ({} events){}{}",
            r.key.merchant_no,
            r.key.out_trade_no,
            r.kind,
            r.status,
            TillStatus::from(r).status.as_str(),
            r.event_count,
            r.reason
                .as_deref()
                .map(|x| format!(": {x}"))
                .unwrap_or_default(),
            r.conflict
                .as_deref()
                .map(|x| format!(" [conflict: {x}]"))
                .unwrap_or_default()
        ));
    }
    report
}
