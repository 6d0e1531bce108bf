//! Load on a sandbox in another process (`sandbox-server`): signed micropay requests over
//! loopback HTTP/1.1 keep-alive connections, `LOAD_CONCURRENCY` (64) in flight, for
//! `LOAD_SECS` (10) seconds or `LOAD_REQUESTS` requests, whichever ends first.
//!
//! Requests are signed before the clock starts (each needs its own nonce and
//! `out_trade_no`), so the measured window holds only the sandbox's work and this
//! process's HTTP. Every answer must be HTTP 200 with code `DCP00000`; every 16th answer's
//! signature is verified. Prints requests/s, p50/p99 latency, the CPU each process used,
//! and the sandbox's RSA-bound throughput on this machine's cores (one SHA256withRSA
//! verification and one signature, RSA-2048, per request, timed in this run).
//!
//! Usage: `loadgen BASE_URL KEYS_DIR SERVER_PID`.

use lakala_bench::{cores, env_num, ms, process_cpu, quantile, RsaCost};
use lakala_crypto::open_platform::{LklapiHeaders, RequestSigner, ResponseVerifier};
use lakala_crypto::{format_china_time, Clock, SystemClock};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::SandboxKeys;
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(base_url), Some(dir), Some(server_pid)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|p| p.parse::<u32>().ok()),
    ) else {
        eprintln!("usage: loadgen BASE_URL KEYS_DIR SERVER_PID");
        std::process::exit(2);
    };
    let concurrency = env_num("LOAD_CONCURRENCY", 64usize);
    let secs = env_num("LOAD_SECS", 10u64);
    let max_requests = env_num("LOAD_REQUESTS", 60_000usize);
    let cores = cores();

    let keys = SandboxKeys::load(dir).expect("sandbox keys");
    let merchant_key = keys.open_merchant().key().clone();
    // RSA per request on the sandbox: verify the merchant's signature, sign the answer
    // (both RSA-2048). Same key size and backend as the sandbox's.
    let cost = RsaCost::measure(&merchant_key, Duration::from_millis(1500));
    let rsa_per_request = cost.sha256_sign + cost.sha256_verify;
    let bound = cores as f64 / rsa_per_request;

    // Sign the requests up front, on every core.
    let signer = RequestSigner::new(keys.appid(), keys.serial_no(), merchant_key);
    let now = SystemClock.unix_seconds();
    let run = std::process::id();
    let target = max_requests.min((bound * secs as f64 * 1.3) as usize + 1000);
    let url = format!("{base_url}/api/v3/dcp/trans/micropay");
    let presign_start = Instant::now();
    let requests: Vec<(Vec<u8>, String)> = std::thread::scope(|s| {
        let parts: Vec<_> = (0..cores)
            .map(|part| {
                let signer = &signer;
                s.spawn(move || {
                    (part..target)
                        .step_by(cores)
                        .map(|i| {
                            let body = serde_json::json!({
                                "req_time": format_china_time(now),
                                "version": "3.0",
                                "req_data": {
                                    "merchant_no": MERCHANT_NO, "term_no": TERM_NO,
                                    "out_trade_no": format!("LOAD{run}-{i:08}"),
                                    "auth_code": auth_codes::SUCCEED,
                                    "total_amount": "101",
                                    "location_info": {"request_ip": "127.0.0.1"}
                                }
                            })
                            .to_string()
                            .into_bytes();
                            let auth = signer
                                .sign(&body, now, &format!("n{run}x{i}"))
                                .expect("signs")
                                .to_string();
                            (body, auth)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    eprintln!(
        "loadgen: {} requests signed in {:.1} s",
        requests.len(),
        presign_start.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("runtime");
    let transport = runtime
        .block_on(async {
            HyperTransport::builder()
                .timeout(Duration::from_secs(30))
                .build()
        })
        .expect("transport");
    let verifier = ResponseVerifier::new(keys.open_platform().cert().public_key().clone());
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Duration::from_secs(secs);

    let (own0, server0) = (process_cpu(std::process::id()), process_cpu(server_pid));
    let start = Instant::now();
    let results: Vec<(Duration, Result<(), String>)> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (transport, requests, next, url, verifier) = (
                transport.clone(),
                requests.clone(),
                next.clone(),
                url.clone(),
                verifier.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests.len() || start.elapsed() >= deadline {
                        break;
                    }
                    let (body, auth) = &requests[i];
                    let t = Instant::now();
                    let request = HttpRequest::post(url.clone(), body.clone())
                        .header("Content-Type", "application/json")
                        .header("Authorization", auth.clone());
                    let outcome = match transport.send(request).await {
                        Err(e) => Err(e.to_string()),
                        Ok(answer) if answer.status != 200 => {
                            Err(format!("HTTP {}", answer.status))
                        }
                        Ok(answer) => {
                            let ok = serde_json::from_slice::<serde_json::Value>(&answer.body)
                                .map(|v| v["code"] == "DCP00000")
                                .unwrap_or(false);
                            if !ok {
                                Err(String::from_utf8_lossy(&answer.body).into_owned())
                            } else if i % 16 == 0 {
                                LklapiHeaders::from_pairs(
                                    answer.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                                )
                                .and_then(|h| {
                                    verifier.verify(&h, &answer.body, SystemClock.unix_seconds())
                                })
                                .map_err(|e| e.to_string())
                            } else {
                                Ok(())
                            }
                        }
                    };
                    mine.push((t.elapsed(), outcome));
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
    let wall = start.elapsed().as_secs_f64();
    let (own1, server1) = (process_cpu(std::process::id()), process_cpu(server_pid));
    let mut latencies: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    latencies.sort();
    let failed: Vec<&String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    if let Some(first) = failed.first() {
        eprintln!(
            "loadgen: {} of {} failed, first: {first}",
            failed.len(),
            results.len()
        );
    }
    let ok = results.len() - failed.len();
    let rate = ok as f64 / wall;
    let server_cores = server1.saturating_sub(server0).as_secs_f64() / wall;
    let own_cores = own1.saturating_sub(own0).as_secs_f64() / wall;
    // What RSA allows on the cores the sandbox actually had.
    let bound_had = server_cores / rsa_per_request;
    println!(
        "RSA-2048 per op (ms, {}): sign {}, verify {}; per request {:.3} ms",
        keys.open_merchant().key().backend(),
        ms(Duration::from_secs_f64(cost.sha256_sign)),
        ms(Duration::from_secs_f64(cost.sha256_verify)),
        rsa_per_request * 1e3
    );
    println!();
    println!("| in flight | requests ok | failed | seconds | requests/s | p50 ms | p99 ms | RSA bound on {cores} cores | share of bound | sandbox CPU (cores) | loadgen CPU (cores) | RSA bound on the sandbox's CPU | share of that |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {concurrency} | {ok} | {} | {wall:.1} | {rate:.0} | {} | {} | {bound:.0}/s | {:.0}% | {server_cores:.2} | {own_cores:.2} | {bound_had:.0}/s | {:.0}% |",
        failed.len(),
        ms(quantile(&latencies, 0.5)),
        ms(quantile(&latencies, 0.99)),
        rate / bound * 100.0,
        rate / bound_had * 100.0,
    );
}
