//! The arguments of `lakala payments reconcile`.

use clap::Args;
use std::path::PathBuf;

/// `lakala payments reconcile [--from DATE --to DATE] [--merchant-no ...] [--csv FILE]`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The first day, YYYY-MM-DD in China time (UTC+8). Default: `--to`'s day, or
    /// yesterday.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The last day, inclusive. Default: today when `--from` is given, else yesterday.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only this merchant's payments.
    #[arg(long)]
    pub merchant_no: Option<String>,
    /// Write the report as CSV to FILE too (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// The run's name. Runs of one name resume each other (an interrupted run started
    /// again does not query what it already reconciled); default: the range, the
    /// merchant and today's China date, so a daily job resumes itself the same day. Give
    /// a new name to check everything again.
    #[arg(long)]
    pub run: Option<String>,
    /// At most this many queries per second.
    #[arg(long, default_value_t = 5)]
    pub per_second: u32,
    /// Seconds a payment is held while it is reconciled before a resolver or another run
    /// may take it over.
    #[arg(long, default_value_t = 120)]
    pub lease_secs: u64,
}
