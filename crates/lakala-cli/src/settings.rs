//! Turns flags, environment variables and a config file into a client configuration.

use crate::args::Cli;
use lakala_client::{Config, ConfigError};
use std::path::Path;

/// Which API family a command talks to (decides what `--merchant-key` means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    CrossBorder,
    OpenPlatform,
}

/// Whether the user pointed the CLI at a platform; if not, the embedded sandbox is used.
pub fn platform_configured(cli: &Cli) -> bool {
    cli.base_url.is_some() || cli.config.is_some()
}

/// Loads `file` (the user's, or the embedded sandbox's) with flags overriding environment
/// variables overriding the file.
pub fn load(cli: &Cli, family: Family, file: Option<&Path>) -> Result<Config, ConfigError> {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let merchant_key_var = match family {
        Family::CrossBorder => "LAKALA_CROSSBORDER_MERCHANT_KEY",
        Family::OpenPlatform => "LAKALA_OPEN_MERCHANT_KEY",
    };
    let flags: Vec<(&str, Option<String>)> = vec![
        ("LAKALA_BASE_URL", cli.base_url.clone()),
        ("LAKALA_MER_ID", cli.mer_id.clone()),
        (merchant_key_var, path(&cli.merchant_key)),
        ("LAKALA_PLATFORM_PUBLIC_KEY", path(&cli.platform_public_key)),
        ("LAKALA_APPID", cli.appid.clone()),
        ("LAKALA_SERIAL_NO", cli.serial_no.clone()),
        ("LAKALA_PLATFORM_CERT", path(&cli.platform_cert)),
        ("LAKALA_NOTIFY_CERT", path(&cli.notify_cert)),
    ];
    let file = file.or(cli.config.as_deref());
    Config::from_file_and_env(file, |name| {
        flags
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
            .or_else(|| std::env::var(name).ok())
    })
}
