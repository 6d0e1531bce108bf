//! The embedded sandbox: the zero-configuration platform of the CLI.

use crate::failure::Failure;
use lakala_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use std::path::{Path, PathBuf};

/// A sandbox running in this process on a free loopback port, with a client configuration
/// written for it into a temporary directory (removed when dropped).
pub struct Embedded {
    pub sandbox: RunningSandbox,
    config_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Embedded {
    pub async fn start() -> Result<Self, Failure> {
        Self::start_with(SandboxConfig::default()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Result<Self, Failure> {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| Failure::Internal(format!("cannot start the embedded sandbox: {e}")))?;
        let dir = tempfile::tempdir()?;
        let config_path = sandbox.write_client_config(dir.path()).map_err(|e| {
            Failure::Internal(format!("cannot write the sandbox client config: {e}"))
        })?;
        Ok(Self {
            sandbox,
            config_path,
            _dir: dir,
        })
    }

    pub fn base_url(&self) -> &str {
        self.sandbox.base_url()
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The embedded sandbox's temporary directory (removed with it).
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}
