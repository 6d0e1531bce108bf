//! `lakala payments list`: newest first, a page at a time, printed as it is read, from
//! the journal or from an archive.

use crate::args::{Cli, PaymentsListArgs};
use crate::china_time;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use lakala_client::till::TillStatus;
use lakala_journal::archive::ArchiveReader;
use lakala_journal::validation::MAX_BATCH;
use lakala_journal::{ListCursor, ListFilter, PaymentRecord, PaymentStatus};
use serde_json::{json, Value};
use std::io::Write;

/// With `--json`, limits up to this print one object; above (or 0, all), JSON lines.
const ONE_OBJECT_MAX: usize = MAX_BATCH;

pub async fn run(cli: &Cli, args: &PaymentsListArgs) -> Result<Report, Failure> {
    let filter = filter_of(args)?;
    let lines = args.limit == 0 || args.limit > ONE_OBJECT_MAX;
    let mut out = Printer::new(cli, lines);
    let limit = if args.limit == 0 {
        u64::MAX
    } else {
        args.limit as u64
    };
    let next = match &args.from_archive {
        Some(path) => {
            list_archive(path, &filter, limit, &mut out)?;
            None
        }
        None => list_journal(cli, filter, limit, &mut out).await?,
    };
    Ok(out.finish(next, args.from_archive.is_some()))
}

/// The filter the flags describe: newest first by creation time.
fn filter_of(args: &PaymentsListArgs) -> Result<ListFilter, Failure> {
    let mut filter = if args.unresolved {
        ListFilter::unresolved()
    } else if args.open {
        ListFilter::open()
    } else {
        ListFilter::all()
    };
    if !args.status.is_empty() {
        let statuses = args
            .status
            .iter()
            .map(|s| {
                s.parse::<PaymentStatus>().map_err(|_| {
                    Failure::Usage(format!(
                        "--status {s:?}: one of recorded, pending, succeeded, failed, \
                         revoked, unresolved"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        filter = filter.with_statuses(statuses);
    }
    filter.conflicts_only = args.conflicts;
    if let Some(m) = &args.merchant_no {
        filter = filter.with_merchant(m.clone());
    }
    let since = args
        .since
        .as_deref()
        .map(|t| china_time::parse(t, false))
        .transpose()
        .map_err(|e| Failure::Usage(format!("--since {e}")))?;
    let until = args
        .until
        .as_deref()
        .map(|t| china_time::parse(t, true))
        .transpose()
        .map_err(|e| Failure::Usage(format!("--until {e}")))?;
    if since.is_some() || until.is_some() {
        filter = filter.created_in(since.unwrap_or(i64::MIN), until.unwrap_or(i64::MAX));
    }
    filter = filter.newest_first();
    if let Some(text) = &args.cursor {
        let cursor: ListCursor = text
            .parse()
            .map_err(|_| Failure::Usage(format!("--cursor {text:?} is not a listing cursor")))?;
        if cursor.order() != filter.order() {
            return Err(Failure::Usage(
                "--cursor comes from a listing in another order".into(),
            ));
        }
        filter = filter.continue_after(cursor);
    }
    Ok(filter)
}

/// Lists from the journal, a page at a time; returns the cursor after the last payment
/// printed when there are more.
async fn list_journal(
    cli: &Cli,
    filter: ListFilter,
    limit: u64,
    out: &mut Printer,
) -> Result<Option<ListCursor>, Failure> {
    let journal = crate::journal::open(cli, None).await?;
    let mut remaining = limit;
    let mut page_filter = filter.clone();
    loop {
        // One more than is left to print, to know whether there are more.
        let ask = remaining.saturating_add(1).min(MAX_BATCH as u64) as usize;
        let page = journal.list(&page_filter.clone().limit(ask)).await?;
        let full = page.len() == ask;
        let mut last = None;
        for record in page {
            if remaining == 0 {
                let cursor = out.last.as_ref().map(|r| ListCursor::after(&filter, r));
                return Ok(cursor.transpose()?);
            }
            out.payment(&record)?;
            remaining -= 1;
            last = Some(record);
        }
        match (full, last) {
            (true, Some(last)) => page_filter = page_filter.page_after(&last)?,
            _ => return Ok(None),
        }
    }
}

/// Lists from an archive, in its order, filtered as the journal would be.
fn list_archive(
    path: &std::path::Path,
    filter: &ListFilter,
    limit: u64,
    out: &mut Printer,
) -> Result<(), Failure> {
    let mut left = limit;
    for archived in ArchiveReader::open(path)? {
        let record = archived?.payment;
        if !admits(filter, &record) {
            continue;
        }
        if left == 0 {
            out.more = true;
            break;
        }
        out.payment(&record)?;
        left -= 1;
    }
    Ok(())
}

/// The journal's filter, for payments read from an archive.
fn admits(filter: &ListFilter, r: &PaymentRecord) -> bool {
    (filter.statuses.is_empty() || filter.statuses.contains(&r.status))
        && filter
            .merchant_no
            .as_ref()
            .is_none_or(|m| *m == r.key.merchant_no)
        && (!filter.conflicts_only || r.conflict.is_some())
        && filter
            .time_range
            .is_none_or(|t| r.created_at >= t.from && r.created_at < t.before)
}

/// Prints payments as they come, in the chosen form, and counts them.
struct Printer {
    json: bool,
    lines: bool,
    reveal: bool,
    listed: u64,
    not_final: u64,
    conflicts: u64,
    /// `--json` with a small limit: the payments of the one object.
    collected: Vec<Value>,
    last: Option<PaymentRecord>,
    /// An archive listing stopped at the limit with more to read.
    more: bool,
}

impl Printer {
    fn new(cli: &Cli, lines: bool) -> Self {
        let printer = Self {
            json: cli.json,
            lines,
            reveal: cli.reveal_personal_data,
            listed: 0,
            not_final: 0,
            conflicts: 0,
            collected: Vec::new(),
            last: None,
            more: false,
        };
        if !cli.json {
            let _ = emit(&format!("times: {}", china_time::ZONE));
        }
        printer
    }

    fn payment(&mut self, r: &PaymentRecord) -> Result<(), Failure> {
        self.listed += 1;
        if !r.status.is_final() {
            self.not_final += 1;
        }
        if r.conflict.is_some() {
            self.conflicts += 1;
        }
        if self.json {
            let mut item = item(r);
            if !self.reveal {
                lakala_types::mask::mask_json(&mut item);
            }
            if self.lines {
                emit(&item.to_string())?;
            } else {
                self.collected.push(item);
            }
        } else {
            emit(&text_line(r))?;
        }
        self.last = Some(r.clone());
        Ok(())
    }

    fn finish(self, next: Option<ListCursor>, archive: bool) -> Report {
        let exit = if self.not_final > 0 {
            Exit::Pending
        } else {
            Exit::Success
        };
        let next_text = next.as_ref().map(ToString::to_string);
        let mut summary = format!("{} payments, {} not final", self.listed, self.not_final);
        if self.conflicts > 0 {
            summary += &format!(
                ", {} contradicted by the platform (look at them)",
                self.conflicts
            );
        }
        let mut report = Report::new("listed", exit)
            .extra("listed", json!(self.listed))
            .extra("not_final", json!(self.not_final))
            .extra("next_cursor", json!(next_text))
            .extra("time_zone", json!("UTC+08:00"))
            .line(summary);
        if !self.lines {
            report = report.extra("payments", Value::Array(self.collected));
        }
        if let Some(cursor) = next_text {
            report = report.line(format!("more: add --cursor {cursor}"));
        } else if self.more && archive {
            report = report.line("more in the archive: raise --limit (0: all)");
        }
        report
    }
}

/// One line on stdout; a closed stdout (`| head`) ends the listing.
fn emit(line: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .map_err(|e| Failure::Internal(format!("cannot write to stdout: {e}")))
}

fn item(r: &PaymentRecord) -> Value {
    json!({
        "merchant_no": r.key.merchant_no, "out_trade_no": r.key.out_trade_no,
        // `outcome` as `micropay --json` says it (the final status's own word);
        // `till` the stable form a till is given (paid, failed, pending, unknown).
        "kind": r.kind.as_str(), "outcome": if r.status.is_final() { r.status.as_str() } else { "pending" },
        "status": r.status.as_str(), "till": TillStatus::from(r),
        "events": r.event_count, "trade_no": r.trade_no, "amount_fen": r.amount_fen,
        "last_trade_state": r.last_trade_state, "reason": r.reason,
        "created_at": r.created_at, "created": china_time::format(r.created_at),
        "created_by": r.created_by, "finished_at": r.finished_at,
        "conflict": r.conflict,
    })
}

fn text_line(r: &PaymentRecord) -> String {
    format!(
        "{} {} {} {} {} [{}] ({} events){}{}{}",
        china_time::format(r.created_at),
        r.key.merchant_no,
        r.key.out_trade_no,
        r.kind,
        r.status,
        TillStatus::from(r).status.as_str(),
        r.event_count,
        r.amount_fen
            .map(|a| format!(" {}.{:02} CNY", a / 100, a % 100))
            .unwrap_or_default(),
        r.reason
            .as_deref()
            .map(|x| format!(": {x}"))
            .unwrap_or_default(),
        r.conflict
            .as_deref()
            .map(|x| format!(" [conflict: {x}]"))
            .unwrap_or_default()
    )
}
