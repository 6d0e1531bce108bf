//! `lakala sandbox`: the sandbox as a server, until interrupted.

use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use lakala_sandbox::{Sandbox, SandboxConfig, SandboxKeys};
use std::net::SocketAddr;
use std::path::Path;

pub async fn run(listen: &str, keys_dir: Option<&Path>) -> Result<Report, Failure> {
    let addr: SocketAddr = listen.parse().map_err(|_| {
        Failure::Usage(format!(
            "--listen {listen:?} is not an address like 127.0.0.1:8787"
        ))
    })?;
    // Keys written by an earlier run are reused, so a configured client keeps working.
    let keys = match keys_dir {
        Some(dir) if dir.join(lakala_sandbox::files::IDS).exists() => SandboxKeys::load(dir)
            .map_err(|e| {
                Failure::Usage(format!("cannot load the keys in {}: {e}", dir.display()))
            })?,
        _ => SandboxKeys::generate().map_err(|e| Failure::Internal(e.to_string()))?,
    };
    let sandbox = Sandbox::start(SandboxConfig::default().listen(addr).keys(keys))
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
    let temp;
    let dir = match keys_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            sandbox
                .keys()
                .write(dir)
                .map_err(|e| Failure::Internal(e.to_string()))?;
            dir.to_path_buf()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let config = sandbox
        .write_client_config(&dir)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    println!("{}", sandbox.base_url());
    eprintln!("lakala sandbox listening on {}", sandbox.base_url());
    eprintln!(
        "client configuration: {} (use: lakala --config {} ...)",
        config.display(),
        config.display()
    );
    eprintln!("press Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(Report::new("stopped", Exit::Success))
}
