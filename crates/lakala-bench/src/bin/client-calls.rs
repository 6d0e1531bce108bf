//! Whole `LakalaClient` calls against the sandbox over loopback HTTP: gate/auth (RSA-1024
//! envelopes) and micropay (RSA-2048 SHA256withRSA), first one at a time, then with
//! `BENCH_CONCURRENCY` (64) calls in flight. Client and sandbox run in this process, each
//! on its own Tokio runtime with as many workers as cores, so that the CPU time of each
//! side can be read from `/proc`. Prints calls/s, p50/p99 latency, CPU per call on each
//! side, the RSA time per call, and the share of the time spent outside RSA. The RSA time
//! is measured inside the client's and the sandbox's threads for sequential calls when
//! built with the `seam-timing` feature (`run.sh` does), and otherwise estimated from each
//! operation timed alone in this run.
//!
//! Bounded: `BENCH_SEQ_CALLS` (200) and `BENCH_CONC_CALLS` (2000) calls per kind, and at
//! most `BENCH_MAX_SECS` (20) seconds per measurement.
//!
//! Run: `cargo run --release -p lakala-bench --bin client-calls` (the default AWS-LC
//! backend), with `--features openssl` (the system OpenSSL) or with
//! `--no-default-features` (pure Rust).

use lakala_bench::{cores, env_num, ms, quantile, threads_cpu, threads_rsa, RsaCost};
use lakala_client::{
    AuthOutcome, Config, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy,
};
use lakala_sandbox::behaviour::{auth_codes, cert_numbers, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{Sandbox, SandboxConfig, SandboxKeys};
use lakala_types::crossborder::{AuthRequest, BizType, CertType};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    GateAuth,
    Micropay,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::GateAuth => "gate/auth",
            Kind::Micropay => "micropay",
        }
    }
}

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

/// One call; `Err` carries what went wrong.
async fn call(client: &LakalaClient, kind: Kind) -> Result<(), String> {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    match kind {
        Kind::GateAuth => {
            let request = AuthRequest::builder()
                .order_no(format!("BENCH{n:010}"))
                .biz_type(BizType::Identity)
                .name("张三")
                .cert_no(cert_numbers::VERIFIED)
                .cert_type(CertType::IdCard)
                .build()
                .map_err(|e| e.to_string())?;
            match client.auth(&request).await {
                Ok(answer) if matches!(answer.value, AuthOutcome::Verified(_)) => Ok(()),
                Ok(answer) => Err(format!("{:?}", answer.value)),
                Err(e) => Err(e.to_string()),
            }
        }
        Kind::Micropay => {
            let request = MicropayRequest::builder()
                .merchant_no(MERCHANT_NO)
                .term_no(TERM_NO)
                .out_trade_no(format!("BENCH{n:010}"))
                .auth_code(auth_codes::SUCCEED)
                .total_amount(Amount::from_fen(101).map_err(|e| e.to_string())?)
                .location_info(
                    LocationInfo::builder()
                        .request_ip("127.0.0.1")
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .subject("bench")
                .build()
                .map_err(|e| e.to_string())?;
            let options = MicropayOptions::new(PendingPolicy::ReturnPending);
            match client.micropay(request, options).await {
                Ok(PaymentOutcome::Succeeded { .. }) => Ok(()),
                Ok(other) => Err(format!("{other:?}")),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

struct Run {
    calls: usize,
    errors: usize,
    first_error: Option<String>,
    wall: Duration,
    latencies: Vec<Duration>,
    client_cpu: Duration,
    sandbox_cpu: Duration,
    client_rsa: Duration,
    sandbox_rsa: Duration,
}

fn measure(
    rt: &tokio::runtime::Runtime,
    client: &LakalaClient,
    kind: Kind,
    calls: usize,
    concurrency: usize,
    cap: Duration,
) -> Run {
    let (c0, s0) = (threads_cpu("client"), threads_cpu("sandbox"));
    let (rc0, rs0) = (threads_rsa("client"), threads_rsa("sandbox"));
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let results = rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, next) = (client.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < calls && start.elapsed() < cap {
                    let t = Instant::now();
                    let r = call(&client, kind).await;
                    mine.push((t.elapsed(), r));
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        all
    });
    let wall = start.elapsed();
    let (c1, s1) = (threads_cpu("client"), threads_cpu("sandbox"));
    let (rc1, rs1) = (threads_rsa("client"), threads_rsa("sandbox"));
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let errors: Vec<&String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    Run {
        calls: results.len(),
        errors: errors.len(),
        first_error: errors.first().map(|e| (*e).clone()),
        wall,
        latencies,
        client_cpu: c1.saturating_sub(c0),
        sandbox_cpu: s1.saturating_sub(s0),
        client_rsa: rc1.saturating_sub(rc0),
        sandbox_rsa: rs1.saturating_sub(rs0),
    }
}

fn main() {
    let seq_calls = env_num("BENCH_SEQ_CALLS", 200usize);
    let conc_calls = env_num("BENCH_CONC_CALLS", 2000usize);
    let concurrency = env_num("BENCH_CONCURRENCY", 64usize);
    let cap = Duration::from_secs(env_num("BENCH_MAX_SECS", 20u64));
    let cores = cores();

    let runtime = |name: &str| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores)
            .thread_name(name)
            .enable_all()
            .build()
            .expect("runtime")
    };
    let sandbox_rt = runtime("sandbox");
    let client_rt = runtime("client");

    let keys = SandboxKeys::generate().expect("keys");
    let sandbox = sandbox_rt
        .block_on(Sandbox::start(SandboxConfig::default().keys(keys.clone())))
        .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = sandbox
        .write_client_config(dir.path())
        .expect("client config");
    let config = Config::from_file_and_env(Some(&path), |_| None).expect("config loads");
    let client = client_rt
        .block_on(async { LakalaClient::builder(config).build() })
        .expect("client");

    // RSA cost of each operation, this run, one thread, on the keys the calls use.
    let gate = RsaCost::measure(keys.crossborder_merchant_key(), Duration::from_millis(900));
    let open = RsaCost::measure(keys.open_merchant().key(), Duration::from_millis(900));
    let backend = keys.crossborder_merchant_key().backend();
    println!(
        "backend {backend}; {cores} cores; RSA per op (ms): RSA-1024 private {}, public {}, encrypt {}, decrypt {}; RSA-2048 SHA256withRSA sign {}, verify {}",
        ms(Duration::from_secs_f64(gate.private_op)),
        ms(Duration::from_secs_f64(gate.public_op)),
        ms(Duration::from_secs_f64(gate.encrypt)),
        ms(Duration::from_secs_f64(gate.decrypt)),
        ms(Duration::from_secs_f64(open.sha256_sign)),
        ms(Duration::from_secs_f64(open.sha256_verify)),
    );
    println!();
    println!("| call | in flight | calls | calls/s | p50 ms | p99 ms | client CPU ms/call | sandbox CPU ms/call | RSA ms/call (client + sandbox) | outside RSA, whole call | SDK outside RSA, share of call time | SDK outside RSA, share of client CPU | vs RSA bound on {cores} cores |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for kind in [Kind::GateAuth, Kind::Micropay] {
        // RSA per call on each side.
        let (rsa_client, rsa_sandbox) = match kind {
            // Client: encrypt encKey, sign the MAC, verify the answer's MAC.
            // Sandbox: decrypt encKey, verify the MAC, sign the answer's MAC.
            Kind::GateAuth => (
                gate.encrypt + gate.private_op + gate.public_op,
                gate.decrypt + gate.public_op + gate.private_op,
            ),
            // Each side signs once and verifies once.
            Kind::Micropay => (
                open.sha256_sign + open.sha256_verify,
                open.sha256_sign + open.sha256_verify,
            ),
        };
        let rsa_isolated = rsa_client + rsa_sandbox;
        measure(&client_rt, &client, kind, 20, 1, cap); // warm-up: connections, caches
        for (in_flight, calls) in [(1, seq_calls), (concurrency, conc_calls)] {
            let r = measure(&client_rt, &client, kind, calls, in_flight, cap);
            if let Some(e) = &r.first_error {
                eprintln!(
                    "{}: {} of {} calls failed, first: {e}",
                    kind.name(),
                    r.errors,
                    r.calls
                );
            }
            let n = r.calls.max(1) as f64;
            // Measured where it ran (feature seam-timing) when one call runs at a time; with
            // calls in flight, threads are preempted inside RSA operations, so the wall
            // time measured there overstates RSA and the isolated estimate serves.
            let measured = in_flight == 1 && r.client_rsa > Duration::ZERO;
            let (rsa_client, rsa_sandbox) = if measured {
                (
                    r.client_rsa.as_secs_f64() / n,
                    r.sandbox_rsa.as_secs_f64() / n,
                )
            } else {
                (rsa_client, rsa_sandbox)
            };
            let rsa = rsa_client + rsa_sandbox;
            let rate = r.calls as f64 / r.wall.as_secs_f64();
            let client_cpu = r.client_cpu.as_secs_f64() / n;
            let sandbox_cpu = r.sandbox_cpu.as_secs_f64() / n;
            // One at a time, a call's time is its latency; in flight, the CPU it costs.
            let call_time = if in_flight == 1 {
                r.wall.as_secs_f64() / n
            } else {
                client_cpu + sandbox_cpu
            };
            let outside = 1.0 - rsa / call_time;
            let sdk = (client_cpu - rsa_client) / call_time;
            let sdk_of_client = 1.0 - rsa_client / client_cpu;
            // What the RSA work allows on all cores, at its isolated single-thread speed.
            let bound = cores as f64 / rsa_isolated;
            println!(
                "| {} | {in_flight} | {}{} | {rate:.0} | {} | {} | {:.3} | {:.3} | {:.3} ({:.3} + {:.3}){} | {:.1}% | {:.1}% | {:.1}% | {:.0}% of {bound:.0}/s |",
                kind.name(),
                r.calls,
                if r.errors > 0 { format!(" ({} failed)", r.errors) } else { String::new() },
                ms(quantile(&r.latencies, 0.5)),
                ms(quantile(&r.latencies, 0.99)),
                client_cpu * 1e3,
                sandbox_cpu * 1e3,
                rsa * 1e3,
                rsa_client * 1e3,
                rsa_sandbox * 1e3,
                if measured { " measured" } else { " estimated" },
                outside * 100.0,
                sdk * 100.0,
                sdk_of_client * 100.0,
                rate / bound * 100.0,
            );
        }
    }
    sandbox_rt.block_on(sandbox.shutdown());
}
