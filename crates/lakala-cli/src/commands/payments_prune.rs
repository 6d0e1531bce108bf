//! `lakala payments prune`: the merchant's retention, with an archive, and the space
//! given back.

use crate::args::{Cli, PaymentsPruneArgs};
use crate::china_time;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::journal::Store;
use crate::report::Report;
use lakala_journal::archive::GzipArchive;
use lakala_journal::retention::{prune_finished, ArchiveSink, PruneReport};
use lakala_journal::SpaceReclaimed;
use serde_json::{json, Value};

pub async fn run(cli: &Cli, args: &PaymentsPruneArgs) -> Result<Report, Failure> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::Internal(format!("the clock is before 1970: {e}")))?
        .as_secs() as i64;
    let cut = now - i64::from(args.older_than) * 86_400;
    let mut archive = args.archive.as_ref().map(GzipArchive::append).transpose()?;
    let sink = archive.as_mut().map(|a| a as &mut dyn ArchiveSink);
    let (done, space) = match crate::journal::open_store(cli, None).await? {
        Store::Sqlite(journal) => {
            let done = prune_finished(&journal, cut, sink).await?;
            let space = journal.reclaim_space(args.vacuum).await?;
            journal.close().await?;
            (done, Some(space))
        }
        Store::Postgres(journal) => {
            if args.vacuum {
                return Err(Failure::Usage(
                    "--vacuum is for an SQLite journal; PostgreSQL's autovacuum makes the \
                     space of deleted rows reusable (VACUUM FULL or pg_repack shrink a table)"
                        .into(),
                ));
            }
            (prune_finished(&journal, cut, sink).await?, None)
        }
    };
    Ok(report(cut, &done, space, args.archive.as_deref()))
}

fn report(
    cut: i64,
    done: &PruneReport,
    space: Option<SpaceReclaimed>,
    archive: Option<&std::path::Path>,
) -> Report {
    let mut r = Report::new("pruned", Exit::Success)
        .extra("final_before", json!(cut))
        .extra("final_before_china_time", json!(china_time::format(cut)))
        .extra("pruned", json!(done.pruned))
        .extra("archived", json!(done.archived))
        .extra("kept", json!(done.kept))
        .extra("archive", json!(archive.map(|p| p.display().to_string())))
        .line(format!(
            "{} payments pruned (final before {} China time); {} old final ones kept \
             (contradicted, or a revoke or refund of theirs is not prunable)",
            done.pruned,
            china_time::format(cut),
            done.kept
        ));
    if let Some(path) = archive {
        r = r.line(format!(
            "{} archived to {} (read it with: lakala payments list --from-archive {})",
            done.archived,
            path.display(),
            path.display()
        ));
    }
    match space {
        Some(s) => {
            r = r.extra(
                "space",
                json!({
                    "incremental_vacuum": s.incremental, "vacuumed": s.vacuumed,
                    "freed_bytes": s.freed_bytes, "free_bytes_left": s.free_bytes_left,
                }),
            );
            r = r.line(if s.incremental {
                format!("{} bytes given back to the file system", s.freed_bytes)
            } else {
                format!(
                    "{} bytes free inside the file, reused by later payments (the file \
                     predates incremental vacuum: --vacuum converts it once)",
                    s.free_bytes_left
                )
            });
        }
        None => {
            r = r
                .extra("space", Value::Null)
                .line("PostgreSQL: rows deleted; autovacuum makes their space reusable");
        }
    }
    r
}
