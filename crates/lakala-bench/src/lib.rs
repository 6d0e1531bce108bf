//! Helpers shared by the benchmark binaries of this crate (see `BENCHMARKS.md`):
//!
//! - `client-calls`: whole `LakalaClient` calls (gate/auth, micropay) against an in-process
//!   sandbox over loopback HTTP, sequential and concurrent;
//! - `sandbox-server` + `loadgen`: the sandbox in its own process under load from another.
//!
//! Measurements: wall-clock latencies, CPU time per thread group (from `/proc`), and the
//! cost of each RSA operation measured in the same run, so that every figure can be put
//! next to what the RSA work alone allows.

use lakala_crypto::bench_seam as seam;
use lakala_crypto::{PrivateKey, PublicKey};
use std::time::{Duration, Instant};

/// Seconds per RSA operation, single thread, measured now on this machine.
#[derive(Debug, Clone, Copy)]
pub struct RsaCost {
    /// Raw block-type-1 private operation (the cross-border MAC).
    pub private_op: f64,
    /// Its public inverse.
    pub public_op: f64,
    /// SHA256withRSA signature.
    pub sha256_sign: f64,
    /// SHA256withRSA verification.
    pub sha256_verify: f64,
    /// PKCS#1 v1.5 encryption.
    pub encrypt: f64,
    /// PKCS#1 v1.5 decryption.
    pub decrypt: f64,
}

fn per_op(budget: Duration, mut op: impl FnMut()) -> f64 {
    for _ in 0..3 {
        op();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget || n < 10 {
        op();
        n += 1;
    }
    start.elapsed().as_secs_f64() / f64::from(n)
}

impl RsaCost {
    /// Times each operation with `key` for about `budget` each (median of three slices,
    /// robust to other load on the machine).
    pub fn measure(key: &PrivateKey, budget: Duration) -> Self {
        let public: PublicKey = key.public_key();
        let block = [b'a'; 64];
        let message = b"appid\nserial\n1700000000\nnonce\n{\"req_time\":\"20240929033128\"}\n";
        let raw = seam::private_op(key, &block).unwrap();
        let sig = seam::sha256_sign(key, message).unwrap();
        let enc_block = b"20240102030405000001BDLLQ2J821P40UNVSSNFSEDUVROW0GDA";
        let ct = seam::encrypt(&public, enc_block).unwrap();
        let slice = budget / 3;
        let median = |f: &mut dyn FnMut()| {
            let mut v = [
                per_op(slice, &mut *f),
                per_op(slice, &mut *f),
                per_op(slice, &mut *f),
            ];
            v.sort_by(f64::total_cmp);
            v[1]
        };
        Self {
            private_op: median(&mut || {
                seam::private_op(key, &block).unwrap();
            }),
            public_op: median(&mut || {
                assert!(seam::public_op(&public, &block, &raw).unwrap());
            }),
            sha256_sign: median(&mut || {
                seam::sha256_sign(key, message).unwrap();
            }),
            sha256_verify: median(&mut || {
                assert!(seam::sha256_verify(&public, message, &sig).unwrap());
            }),
            encrypt: median(&mut || {
                seam::encrypt(&public, enc_block).unwrap();
            }),
            decrypt: median(&mut || {
                seam::decrypt(key, &ct).unwrap();
            }),
        }
    }
}

/// CPU time (user + system) of this process's threads whose name starts with `prefix`,
/// from `/proc/self/task/*/schedstat` (nanoseconds on the CPU).
pub fn threads_cpu(prefix: &str) -> Duration {
    let mut total = 0u64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(path.join("schedstat")) {
            total += stat
                .split_whitespace()
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(total)
}

/// CPU time (user + system, all threads) of process `pid`, from `/proc/<pid>/stat`
/// (clock ticks of 10 ms).
pub fn process_cpu(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // `rest` starts at field 3 (state), so field n is rest[n - 3].
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The `q` quantile (0..=1) of `sorted`, nearest rank.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// An environment variable as a number, or `default`.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Number of cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Wall time spent inside RSA operations so far by this process's threads whose name
/// starts with `prefix`; zero unless built with the `seam-timing` feature.
pub fn threads_rsa(prefix: &str) -> Duration {
    Duration::from_nanos(
        seam::rsa_time_by_thread()
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(_, ns)| *ns)
            .sum(),
    )
}
