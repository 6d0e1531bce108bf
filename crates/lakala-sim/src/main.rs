//! `lakala-sim`: replays one seed with its full trace, or runs a range of seeds.
//!
//! ```text
//! lakala-sim --seed N            replay seed N: the whole trace, then the violations
//! lakala-sim --seeds A..B        run seeds A to B-1 on every core; list failing seeds
//! ```

use lakala_sim::invariants::Scenario;
use lakala_sim::replay_line;
use lakala_sim::world::{run, RunOutcome};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

fn usage() -> ExitCode {
    eprintln!("usage: lakala-sim --seed N | --seeds A..B");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--seed", n] => match n.parse() {
            Ok(seed) => replay(seed),
            Err(_) => usage(),
        },
        ["--seeds", range] => match parse_range(range) {
            Some((a, b)) => sweep(a, b),
            None => usage(),
        },
        _ => usage(),
    }
}

fn parse_range(text: &str) -> Option<(u64, u64)> {
    let (a, b) = text.split_once("..")?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn replay(seed: u64) -> ExitCode {
    let outcome = run(seed, true);
    println!();
    println!(
        "seed {seed}: {} orders, {} trace lines, {} s simulated, trace hash {}",
        outcome.orders,
        outcome.trace_lines,
        outcome.simulated.as_secs(),
        outcome.trace_hash
    );
    if outcome.violations.is_empty() {
        println!("all invariants hold");
        return ExitCode::SUCCESS;
    }
    for v in &outcome.violations {
        println!("VIOLATION {v}");
    }
    ExitCode::FAILURE
}

fn sweep(from: u64, to: u64) -> ExitCode {
    let next = AtomicU64::new(from);
    let failed: Mutex<Vec<RunOutcome>> = Mutex::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= to {
                    break;
                }
                let outcome = run(seed, false);
                if !outcome.violations.is_empty() {
                    println!("{}  # {}", replay_line(seed), outcome.violations[0]);
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
    let total = to.saturating_sub(from);
    println!(
        "{total} seeds in {:.1} s: {} failed",
        started.elapsed().as_secs_f64(),
        failed.len()
    );
    let mut by_invariant: BTreeMap<char, (usize, u64)> = BTreeMap::new();
    for o in &failed {
        let mut seen: Vec<char> = o.violations.iter().map(|v| v.invariant).collect();
        seen.dedup();
        for i in seen {
            let e = by_invariant.entry(i).or_insert((0, o.seed));
            e.0 += 1;
        }
    }
    for (i, (n, first)) in by_invariant {
        println!("invariant ({i}): {n} seeds, first {first}");
    }
    for scenario in Scenario::ALL {
        let hits: Vec<u64> = failed
            .iter()
            .filter(|o| o.violations.iter().any(|v| v.scenario == Some(scenario)))
            .map(|o| o.seed)
            .collect();
        match hits.first() {
            Some(first) => println!(
                "{scenario}: {} seeds; first found at seed {first}, after {} seeds; first seeds {:?}",
                hits.len(),
                first - from + 1,
                &hits[..hits.len().min(8)]
            ),
            None => println!("{scenario}: not found"),
        }
    }
    // Scenario 1 exactly as the issue tells it: the till itself was told "succeeded".
    let told: Vec<u64> = failed
        .iter()
        .filter(|o| {
            o.violations.iter().any(|v| {
                v.scenario == Some(Scenario::RevokedAfterSucceeded)
                    && v.detail.starts_with("reported succeeded")
            })
        })
        .map(|o| o.seed)
        .collect();
    if let Some(first) = told.first() {
        println!(
            "  of which the till itself was told succeeded: {} seeds, first {first} (after {} seeds)",
            told.len(),
            first - from + 1
        );
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
