//! Runs many seeds of the simulation and fails listing the first failing ones, each with
//! the one-line command that replays it.
//!
//! `LAKALA_SIM_SEEDS` sets how many (from seed 0; default 5200: about 23 ms of CPU each in
//! a debug build with optimised dependencies, a minute on two idle cores);
//! `LAKALA_SIM_FIRST_SEED` where to start.

use lakala_sim::replay_line;
use lakala_sim::world::{run, RunOutcome};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

#[test]
fn every_seed_keeps_every_invariant() {
    let first = env_u64("LAKALA_SIM_FIRST_SEED", 0);
    let count = env_u64("LAKALA_SIM_SEEDS", 5200);
    let end = first + count;
    let next = AtomicU64::new(first);
    let failed: Mutex<Vec<RunOutcome>> = Mutex::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= end {
                    break;
                }
                let outcome = run(seed, false);
                if !outcome.violations.is_empty() {
                    failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(outcome);
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    failed.sort_by_key(|o| o.seed);
    if failed.is_empty() {
        return;
    }
    let mut report = format!(
        "{} of {count} seeds broke an invariant; the first ones:\n",
        failed.len()
    );
    for outcome in failed.iter().take(10) {
        report.push_str(&format!("  {}\n", replay_line(outcome.seed)));
        for v in &outcome.violations {
            report.push_str(&format!("      {v}\n"));
        }
    }
    if let Some(v) = failed.first().and_then(|o| o.violations.first()) {
        report.push_str(&format!("trace tail of the first ({}):\n", v.order));
        for line in &v.trace_tail {
            report.push_str(&format!("  {line}\n"));
        }
    }
    panic!("{report}");
}
