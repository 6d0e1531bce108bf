//! The sandbox alone in this process, for `loadgen` to load from another: generates keys,
//! writes them to the directory given as the first argument (for `loadgen`), prints the
//! base URL on standard output, and serves until its standard input closes or it gets
//! Ctrl-C. Tokio runs as many workers as cores (`SANDBOX_WORKERS` to change).
//!
//! Run: `cargo run --release -p lakala-bench --bin sandbox-server -- DIR`.

use lakala_bench::{cores, env_num};
use lakala_sandbox::{Sandbox, SandboxConfig, SandboxKeys};
use std::io::Read;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: sandbox-server DIR");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(env_num("SANDBOX_WORKERS", cores()))
        .thread_name("sandbox")
        .enable_all()
        .build()
        .expect("runtime");
    let keys = SandboxKeys::generate().expect("keys");
    keys.write(&dir).expect("keys written");
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default().keys(keys)))
        .expect("sandbox starts");
    println!("{}", sandbox.base_url());
    eprintln!(
        "sandbox-server: {} (RSA backend {}), keys in {dir}; close stdin or Ctrl-C to stop",
        sandbox.base_url(),
        sandbox.keys().open_platform().key().backend()
    );
    // Stop when stdin closes (the script that started us ended) or on Ctrl-C.
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = tx.send(());
    });
    runtime.block_on(async {
        tokio::select! {
            _ = rx => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    runtime.block_on(sandbox.shutdown());
}
