//! `lakala payments list` and `lakala payments resolve`: the journal's payments, and
//! finishing the open ones by query.

use crate::args::{Cli, PaymentsCommand};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::Family;
use lakala_client::resolver::ResolverConfig;
use lakala_client::till::TillStatus;
use lakala_journal::{ListFilter, PaymentJournal, PaymentKey, PaymentRecord};
use serde_json::{json, Value};
use std::time::Duration;

pub async fn run(cli: &Cli, command: &PaymentsCommand) -> Result<Report, Failure> {
    match command {
        PaymentsCommand::List { unresolved, open } => {
            let journal = crate::journal::open(cli, None).await?;
            let filter = if *unresolved {
                ListFilter::unresolved()
            } else if *open {
                ListFilter::open()
            } else {
                ListFilter::all()
            };
            let records = all(&*journal, filter).await?;
            Ok(report(&records, "listed"))
        }
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
    }
}

/// Every record the filter selects, page by page.
async fn all(
    journal: &dyn PaymentJournal,
    mut filter: ListFilter,
) -> Result<Vec<PaymentRecord>, Failure> {
    let mut records = Vec::new();
    loop {
        let page = journal.list(&filter).await?;
        let Some(last) = page.last() else { break };
        filter = filter.after(last.key.clone());
        records.extend(page);
    }
    Ok(records)
}

/// The key of the payment numbered `number`.
async fn find(
    journal: &dyn PaymentJournal,
    number: &str,
    merchant_no: Option<&str>,
) -> Result<PaymentKey, Failure> {
    let mut filter = ListFilter::all();
    if let Some(m) = merchant_no {
        filter = filter.with_merchant(m);
    }
    let matches: Vec<PaymentKey> = all(journal, filter)
        .await?
        .into_iter()
        .map(|r| r.key)
        .filter(|k| k.out_trade_no == number)
        .collect();
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
            })
        })
        .collect();
    let exit = if open > 0 {
        Exit::Pending
    } else {
        Exit::Success
    };
    let mut report = Report::new(what, exit)
        .extra("payments", Value::Array(items))
        .line(format!("{} payments, {open} not final", records.len()));
    for r in records {
        report = report.line(format!(
            "{} {} {} {} [{}] ({} events){}",
            r.key.merchant_no,
            r.key.out_trade_no,
            r.kind,
            r.status,
            TillStatus::from(r).status.as_str(),
            r.event_count,
            r.reason
                .as_deref()
                .map(|x| format!(": {x}"))
                .unwrap_or_default()
        ));
    }
    report
}
