//! Configuration from a TOML file plus environment variables (which win).
//!
//! | environment variable | file key | meaning |
//! |---|---|---|
//! | `LAKALA_CONFIG` | — | path of the TOML file (optional) |
//! | `LAKALA_ENVIRONMENT` | `environment` | `test` or `production` |
//! | `LAKALA_BASE_URL` | `base_url` | any base URL (a sandbox); overrides `environment` |
//! | `LAKALA_MER_ID` | `crossborder.mer_id` | cross-border merchant id |
//! | `LAKALA_TS_PARTITION` | `crossborder.ts_partition` | `SLOT/SLOTS`, this process's `ts` slot (for example `2/10`) |
//! | `LAKALA_CROSSBORDER_MERCHANT_KEY` | `crossborder.merchant_key` | path of the merchant private key |
//! | `LAKALA_PLATFORM_PUBLIC_KEY` | `crossborder.platform_public_key` | path of the platform public key |
//! | `LAKALA_APPID` | `open_platform.appid` | open-platform appid |
//! | `LAKALA_SERIAL_NO` | `open_platform.serial_no` | merchant certificate serial |
//! | `LAKALA_OPEN_MERCHANT_KEY` | `open_platform.merchant_key` | path of the merchant private key |
//! | `LAKALA_PLATFORM_CERT` | `open_platform.platform_cert` | path of the platform certificate |
//! | `LAKALA_NOTIFY_CERT` | `open_platform.notify_cert` | path of the notification certificate |
//! | `LAKALA_CONNECT_TIMEOUT_SECS` | `timeouts.connect_secs` | connect timeout |
//! | `LAKALA_REQUEST_TIMEOUT_SECS` | `timeouts.request_secs` | whole-request timeout |
//!
//! Key paths in the file are relative to the file's directory. Keys may be PEM, DER or
//! Lakala's unarmoured base64 DER.
//!
//! ```toml
//! environment = "test"
//!
//! [crossborder]
//! mer_id = "DOPCHN000258"
//! merchant_key = "keys/merchant.pem"
//! platform_public_key = "keys/platform-public.txt"
//!
//! [open_platform]
//! appid = "OP00000003"
//! serial_no = "00dfba8194c41b84cf"
//! merchant_key = "keys/op-merchant.pem"
//! platform_cert = "keys/lkl-apigw.pem"
//! notify_cert = "keys/lkl-notify.pem"
//! ```

use crate::config::{Config, CrossBorderCredentials, OpenPlatformCredentials};
use crate::Environment;
use lakala_crypto::{Certificate, CryptoError, PrivateKey, PublicKey, ValidityCheck};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// The TOML is malformed.
    #[error("malformed config file: {0}")]
    Toml(String),
    /// A key or certificate file holds no usable key.
    #[error("{path}: {source}")]
    Key {
        /// The path.
        path: PathBuf,
        /// Why the key was refused.
        source: CryptoError,
    },
    /// A setting is present for an API family but another it needs is missing.
    #[error("missing setting {0}")]
    Missing(&'static str),
    /// A setting has an unusable value.
    #[error("invalid setting {name}: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    environment: Option<String>,
    base_url: Option<String>,
    #[serde(default)]
    crossborder: RawCrossBorder,
    #[serde(default)]
    open_platform: RawOpen,
    #[serde(default)]
    timeouts: RawTimeouts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrossBorder {
    mer_id: Option<String>,
    ts_partition: Option<String>,
    merchant_key: Option<PathBuf>,
    platform_public_key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOpen {
    appid: Option<String>,
    serial_no: Option<String>,
    merchant_key: Option<PathBuf>,
    platform_cert: Option<PathBuf>,
    notify_cert: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    connect_secs: Option<u64>,
    request_secs: Option<u64>,
}

impl Config {
    /// Loads the file named by `LAKALA_CONFIG` (if set) and applies the `LAKALA_*`
    /// environment variables on top; see the [module docs](crate::config_file).
    pub fn from_env() -> Result<Config, ConfigError> {
        let file = std::env::var_os("LAKALA_CONFIG").map(PathBuf::from);
        Self::from_file_and_env(file.as_deref(), |name| std::env::var(name).ok())
    }

    /// Loads `file` (if any), then applies variables from `env` (a lookup function, so tests
    /// need not touch the process environment).
    pub fn from_file_and_env(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let (mut raw, base_dir) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
                let raw: RawFile =
                    toml::from_str(&text).map_err(|e| ConfigError::Toml(e.message().to_owned()))?;
                let dir = path.parent().map(Path::to_owned).unwrap_or_default();
                (raw, dir)
            }
            None => (RawFile::default(), PathBuf::new()),
        };
        // File paths are relative to the file; environment paths to the current directory.
        let rebase = |p: Option<PathBuf>| p.map(|p| base_dir.join(p));
        raw.crossborder.merchant_key = rebase(raw.crossborder.merchant_key);
        raw.crossborder.platform_public_key = rebase(raw.crossborder.platform_public_key);
        raw.open_platform.merchant_key = rebase(raw.open_platform.merchant_key);
        raw.open_platform.platform_cert = rebase(raw.open_platform.platform_cert);
        raw.open_platform.notify_cert = rebase(raw.open_platform.notify_cert);

        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let path_var = |name: &str| var(name).map(PathBuf::from);
        override_with(&mut raw.environment, var("LAKALA_ENVIRONMENT"));
        override_with(&mut raw.base_url, var("LAKALA_BASE_URL"));
        override_with(&mut raw.crossborder.mer_id, var("LAKALA_MER_ID"));
        override_with(
            &mut raw.crossborder.ts_partition,
            var("LAKALA_TS_PARTITION"),
        );
        override_with(
            &mut raw.crossborder.merchant_key,
            path_var("LAKALA_CROSSBORDER_MERCHANT_KEY"),
        );
        override_with(
            &mut raw.crossborder.platform_public_key,
            path_var("LAKALA_PLATFORM_PUBLIC_KEY"),
        );
        override_with(&mut raw.open_platform.appid, var("LAKALA_APPID"));
        override_with(&mut raw.open_platform.serial_no, var("LAKALA_SERIAL_NO"));
        override_with(
            &mut raw.open_platform.merchant_key,
            path_var("LAKALA_OPEN_MERCHANT_KEY"),
        );
        override_with(
            &mut raw.open_platform.platform_cert,
            path_var("LAKALA_PLATFORM_CERT"),
        );
        override_with(
            &mut raw.open_platform.notify_cert,
            path_var("LAKALA_NOTIFY_CERT"),
        );
        override_with(
            &mut raw.timeouts.connect_secs,
            parse_secs(&var, "LAKALA_CONNECT_TIMEOUT_SECS")?,
        );
        override_with(
            &mut raw.timeouts.request_secs,
            parse_secs(&var, "LAKALA_REQUEST_TIMEOUT_SECS")?,
        );

        build(raw)
    }
}

fn override_with<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn parse_secs(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<u64>, ConfigError> {
    var(name)
        .map(|v| {
            v.trim().parse().map_err(|_| ConfigError::Invalid {
                name,
                reason: "not a whole number of seconds".into(),
            })
        })
        .transpose()
}

/// `SLOT/SLOTS`, with SLOTS dividing 1,000,000 and SLOT below SLOTS.
fn parse_partition(text: &str) -> Result<(u32, u32), ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name: "crossborder.ts_partition",
        reason: reason.to_owned(),
    };
    let (slot, slots) = text
        .trim()
        .split_once('/')
        .ok_or_else(|| invalid("expected SLOT/SLOTS, for example 2/10"))?;
    let slot: u32 = slot.parse().map_err(|_| invalid("SLOT is not a number"))?;
    let slots: u32 = slots
        .parse()
        .map_err(|_| invalid("SLOTS is not a number"))?;
    if slots == 0 || !1_000_000u32.is_multiple_of(slots) || slot >= slots {
        return Err(invalid("SLOTS must divide 1000000 and SLOT be below SLOTS"));
    }
    Ok((slot, slots))
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn key_error(path: &Path) -> impl FnOnce(CryptoError) -> ConfigError + '_ {
    move |source| ConfigError::Key {
        path: path.to_owned(),
        source,
    }
}

fn build(raw: RawFile) -> Result<Config, ConfigError> {
    let environment = match (raw.base_url, raw.environment.as_deref()) {
        (Some(url), _) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    name: "base_url",
                    reason: "must start with http:// or https://".into(),
                });
            }
            Environment::Custom(url)
        }
        (None, None) | (None, Some("test")) => Environment::Test,
        (None, Some("production")) => Environment::Production,
        (None, Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "environment",
                reason: "expected test or production".into(),
            })
        }
    };
    let mut config = Config::new(environment);
    if let Some(s) = raw.timeouts.connect_secs {
        config.timeouts.connect = Duration::from_secs(s);
    }
    if let Some(s) = raw.timeouts.request_secs {
        config.timeouts.request = Duration::from_secs(s);
    }

    let cb = raw.crossborder;
    if let Some(text) = &cb.ts_partition {
        config.ts_partition = Some(parse_partition(text)?);
    }
    if cb.mer_id.is_some() || cb.merchant_key.is_some() || cb.platform_public_key.is_some() {
        let key_path = cb
            .merchant_key
            .ok_or(ConfigError::Missing("crossborder.merchant_key"))?;
        let pub_path = cb
            .platform_public_key
            .ok_or(ConfigError::Missing("crossborder.platform_public_key"))?;
        config.crossborder = Some(CrossBorderCredentials {
            mer_id: cb
                .mer_id
                .ok_or(ConfigError::Missing("crossborder.mer_id"))?,
            merchant_key: PrivateKey::load(read(&key_path)?).map_err(key_error(&key_path))?,
            platform_key: PublicKey::load(read(&pub_path)?).map_err(key_error(&pub_path))?,
        });
    }

    let op = raw.open_platform;
    if op.appid.is_some() || op.merchant_key.is_some() || op.platform_cert.is_some() {
        let key_path = op
            .merchant_key
            .ok_or(ConfigError::Missing("open_platform.merchant_key"))?;
        let cert_path = op
            .platform_cert
            .ok_or(ConfigError::Missing("open_platform.platform_cert"))?;
        let notify_cert = match op.notify_cert {
            Some(p) => {
                Some(Certificate::load(read(&p)?, ValidityCheck::Now).map_err(key_error(&p))?)
            }
            None => None,
        };
        config.open_platform = Some(OpenPlatformCredentials {
            appid: op
                .appid
                .ok_or(ConfigError::Missing("open_platform.appid"))?,
            serial_no: op
                .serial_no
                .ok_or(ConfigError::Missing("open_platform.serial_no"))?,
            merchant_key: PrivateKey::load(read(&key_path)?).map_err(key_error(&key_path))?,
            platform_cert: Certificate::load(read(&cert_path)?, ValidityCheck::Now)
                .map_err(key_error(&cert_path))?,
            notify_cert,
        });
    }
    Ok(config)
}
