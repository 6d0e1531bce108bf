//! One seed decides everything: the same seed gives the same trace, another seed another.

use lakala_sim::world::run;

#[test]
fn a_seed_run_twice_writes_the_same_trace() {
    for seed in [3, 17, 170] {
        let first = run(seed, false);
        let second = run(seed, false);
        assert!(first.trace_lines > 10, "seed {seed} did almost nothing");
        assert_eq!(first.trace_hash, second.trace_hash, "seed {seed}");
        assert_eq!(first.trace_lines, second.trace_lines, "seed {seed}");
        assert_eq!(
            first.violations.len(),
            second.violations.len(),
            "seed {seed}"
        );
    }
}

#[test]
fn different_seeds_write_different_traces() {
    assert_ne!(run(3, false).trace_hash, run(4, false).trace_hash);
}
