//! Configuration from a TOML file plus environment variables (which win).
//!
//! | environment variable | file key | meaning |
//! |---|---|---|
//! | `LAKALA_CONFIG` | — | path of the TOML file (optional) |
//! | `LAKALA_ENVIRONMENT` | `environment` | `test` or `production` |
//! | `LAKALA_BASE_URL` | `base_url` | any base URL (a sandbox); overrides `environment` |
//! | `LAKALA_INSTANCE` | `instance` or `journal.instance` | this process's name in the payment journal, stable across its restarts ([`Config::instance`]; by default derived from the host and the journal, [`crate::LakalaClient::from_config`]) |
//! | `LAKALA_JOURNAL` | `journal.url` | the payment journal: `sqlite:PATH`, `postgres://...`, `memory:` |
//! | `LAKALA_JOURNAL_SCHEMA` | `journal.schema` | its PostgreSQL schema |
//! | `LAKALA_RESOLVER` | `resolver.enabled` | `on` (the default with a journal) or `off` |
//! | — | `resolver.tail_delays_secs`, `resolver.horizon_secs`, `resolver.lease_secs` | the resolver's long tail, horizon and lease ([`crate::resolver::ResolverConfig`]) |
//! | `LAKALA_RESOLVER_ON_PENDING` | `resolver.on_pending` | `return_pending` (default) or `revoke` (with `resolver.revoke_suffix`, default `R`) |
//! | — | `[service]` | the application's own keys, never refused ([`Config::service`]) |
//! | `LAKALA_MER_ID` | `crossborder.mer_id` | cross-border merchant id |
//! | `LAKALA_TS_PARTITION` | `crossborder.ts_partition` | `SLOT/SLOTS`, this process's `ts` slot (for example `2/10`) |
//! | `LAKALA_CROSSBORDER_MERCHANT_KEY` | `crossborder.merchant_key` | path of the merchant private key |
//! | `LAKALA_PLATFORM_PUBLIC_KEY` | `crossborder.platform_public_key` | path of the platform public key |
//! | `LAKALA_APPID` | `open_platform.appid` | open-platform appid |
//! | `LAKALA_SERIAL_NO` | `open_platform.serial_no` | merchant certificate serial |
//! | `LAKALA_OPEN_MERCHANT_KEY` | `open_platform.merchant_key` | path of the merchant private key |
//! | `LAKALA_PLATFORM_CERT` | `open_platform.platform_cert` | path of the platform certificate, or several (a list in the file, `:`-separated in the variable) |
//! | `LAKALA_NOTIFY_CERT` | `open_platform.notify_cert` | path of the notification certificate, or several |
//! | `LAKALA_SM4_KEY` | `open_platform.sm4_key` | path of a file holding the merchant's SM4 key as Lakala gives it (base64 of 16 bytes), for the `*_encry` routes ([`crate::sealing`]) |
//! | `LAKALA_ENCRYPTION` | `open_platform.encryption` | `when_required` (default: only requests carrying the buyer's identity, which need the key) or `always` |
//! | `LAKALA_MICROPAY_ROUTE` | `open_platform.micropay_route` | `dcp` (default) or `labs`: where micropay is sent ([`crate::MicropayRoute`]) |
//! | `LAKALA_CONNECT_TIMEOUT_SECS` | `timeouts.connect_secs` | connect timeout |
//! | `LAKALA_REQUEST_TIMEOUT_SECS` | `timeouts.request_secs` | whole-request timeout |
//! | `LAKALA_MERCHANT_NO` | `merchant.merchant_no` | `merchant_no` of the [`MerchantProfile`] |
//! | `LAKALA_TERM_NO` | `merchant.term_no` | `term_no` |
//! | `LAKALA_NOTIFY_URL` | `merchant.notify_url` | default micropay `notify_url` (`http://` or `https://`) |
//! | `LAKALA_REQUEST_IP` | `merchant.request_ip` | `location_info.request_ip` |
//! | `LAKALA_BASE_STATION` | `merchant.base_station` | `location_info.base_station` |
//! | `LAKALA_LOCATION` | `merchant.location` | `location_info.location` (`+37.123456,-121.123456`) |
//! | `LAKALA_POLL_DELAYS_SECS` | `poll.delays_secs` | the micropay poll schedule, seconds (`5,5,5,5,10,10,20`; a list in the file) |
//!
//! With several certificates, the first of each list is the credentials' own and all of
//! them are in force ([`crate::certificates`]); the paths are kept in
//! [`Config::certificate_files`] for [`crate::LakalaClient::reload_certificates`]. Only
//! the first of each is checked for validity when loading; the others are checked when
//! used, so the next certificate can be installed before its start date.
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
//! notify_cert = "keys/lkl-notify.pem"   # or a list: ["keys/lkl-notify.pem", "keys/next.pem"]
//! micropay_route = "labs"               # default "dcp"
//! sm4_key = "keys/sm4.key"              # base64; only for the *_encry routes
//!
//! [merchant]
//! merchant_no = "822290070111135"
//! term_no = "29034705"
//! notify_url = "https://shop.example/lakala/notify"
//! request_ip = "10.0.0.8"
//!
//! [poll]
//! delays_secs = [5, 5, 5, 5, 10, 10, 20]
//!
//! [journal]
//! url = "sqlite:/var/lib/pos/journal.sqlite"
//!
//! [resolver]
//! on_pending = "return_pending"
//!
//! [service]          # the application's own: the SDK keeps it for Config::service
//! listen = "0.0.0.0:8080"
//! ```
//!
//! Unknown keys anywhere but `[service]` are refused ([`ConfigError::Toml`]).

use crate::certificates::{CertificateFiles, CertificateSet};
use crate::config::{Config, CrossBorderCredentials, MerchantProfile, OpenPlatformCredentials};
pub use crate::config_error::ConfigError;
use crate::environment::Environment;
use crate::micropay_route::UnknownRoute;
use crate::poll::PollSchedule;
use crate::service_config::{parse_switch, RawJournal, RawResolver};
use lakala_crypto::{Certificate, CryptoError, PrivateKey, PublicKey, ValidityCheck};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    environment: Option<String>,
    base_url: Option<String>,
    instance: Option<String>,
    #[serde(default)]
    crossborder: RawCrossBorder,
    #[serde(default)]
    open_platform: RawOpen,
    #[serde(default)]
    timeouts: RawTimeouts,
    #[serde(default)]
    merchant: RawMerchant,
    #[serde(default)]
    poll: RawPoll,
    #[serde(default)]
    journal: RawJournal,
    #[serde(default)]
    resolver: RawResolver,
    /// The application's own table: never refused.
    #[serde(default)]
    service: toml::Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    merchant_no: Option<String>,
    term_no: Option<String>,
    notify_url: Option<String>,
    request_ip: Option<String>,
    base_station: Option<String>,
    location: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    delays_secs: Option<Vec<u64>>,
}

/// One path, or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<PathBuf>>, D::Error> {
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(list) => list,
    }))
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
    #[serde(default, deserialize_with = "one_or_many")]
    platform_cert: Option<Vec<PathBuf>>,
    #[serde(default, deserialize_with = "one_or_many")]
    notify_cert: Option<Vec<PathBuf>>,
    micropay_route: Option<String>,
    sm4_key: Option<PathBuf>,
    encryption: Option<String>,
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
        let rebase_all =
            |p: Option<Vec<PathBuf>>| p.map(|l| l.into_iter().map(|p| base_dir.join(p)).collect());
        raw.crossborder.merchant_key = rebase(raw.crossborder.merchant_key);
        raw.crossborder.platform_public_key = rebase(raw.crossborder.platform_public_key);
        raw.open_platform.merchant_key = rebase(raw.open_platform.merchant_key);
        raw.open_platform.platform_cert = rebase_all(raw.open_platform.platform_cert);
        raw.open_platform.notify_cert = rebase_all(raw.open_platform.notify_cert);
        raw.open_platform.sm4_key = rebase(raw.open_platform.sm4_key);

        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let path_var = |name: &str| var(name).map(PathBuf::from);
        let paths_var =
            |name: &str| var(name).map(|v| std::env::split_paths(&v).collect::<Vec<PathBuf>>());
        override_with(&mut raw.environment, var("LAKALA_ENVIRONMENT"));
        override_with(&mut raw.base_url, var("LAKALA_BASE_URL"));
        override_with(&mut raw.instance, raw.journal.instance.take());
        override_with(&mut raw.instance, var("LAKALA_INSTANCE"));
        override_with(&mut raw.journal.url, var("LAKALA_JOURNAL"));
        override_with(&mut raw.journal.schema, var("LAKALA_JOURNAL_SCHEMA"));
        if let Some(text) = var("LAKALA_RESOLVER") {
            raw.resolver.enabled = Some(parse_switch("LAKALA_RESOLVER", &text)?);
        }
        override_with(
            &mut raw.resolver.on_pending,
            var("LAKALA_RESOLVER_ON_PENDING"),
        );
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
            paths_var("LAKALA_PLATFORM_CERT"),
        );
        override_with(
            &mut raw.open_platform.notify_cert,
            paths_var("LAKALA_NOTIFY_CERT"),
        );
        override_with(
            &mut raw.open_platform.micropay_route,
            var("LAKALA_MICROPAY_ROUTE"),
        );
        override_with(&mut raw.open_platform.sm4_key, path_var("LAKALA_SM4_KEY"));
        override_with(&mut raw.open_platform.encryption, var("LAKALA_ENCRYPTION"));
        let m = &mut raw.merchant;
        override_with(&mut m.merchant_no, var("LAKALA_MERCHANT_NO"));
        override_with(&mut m.term_no, var("LAKALA_TERM_NO"));
        override_with(&mut m.notify_url, var("LAKALA_NOTIFY_URL"));
        override_with(&mut m.request_ip, var("LAKALA_REQUEST_IP"));
        override_with(&mut m.base_station, var("LAKALA_BASE_STATION"));
        override_with(&mut m.location, var("LAKALA_LOCATION"));
        if let Some(text) = var("LAKALA_POLL_DELAYS_SECS") {
            let delays = text
                .split(',')
                .map(|d| d.trim().parse::<u64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ConfigError::Invalid {
                    name: "LAKALA_POLL_DELAYS_SECS",
                    reason: "expected whole numbers of seconds separated by commas".into(),
                })?;
            raw.poll.delays_secs = Some(delays);
        }
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
    if let Some(name) = raw.instance {
        let fits = !name.is_empty()
            && name.len() <= lakala_journal::validation::MAX_INSTANCE_LEN
            && name.chars().all(|c| !c.is_control() && !c.is_whitespace());
        if !fits {
            return Err(ConfigError::Invalid {
                name: "instance",
                reason: "1 to 128 characters, no spaces or control characters".into(),
            });
        }
        config.instance = Some(name);
    }
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
    if let Some(path) = &op.sm4_key {
        let text = zeroize::Zeroizing::new(read(path)?);
        let text = std::str::from_utf8(&text).map_err(|_| ConfigError::Invalid {
            name: "open_platform.sm4_key",
            reason: "the key file is not text (expected the base64 of 16 bytes)".into(),
        })?;
        config.sm4_key =
            Some(
                lakala_crypto::Sm4Key::from_base64(text).map_err(|e| ConfigError::Invalid {
                    name: "open_platform.sm4_key",
                    reason: e.to_string(),
                })?,
            );
    }
    if let Some(word) = &op.encryption {
        config.encryption = word.parse().map_err(|reason| ConfigError::Invalid {
            name: "open_platform.encryption",
            reason,
        })?;
        if config.encryption == crate::sealing::Encryption::Always && config.sm4_key.is_none() {
            return Err(ConfigError::Missing("open_platform.sm4_key"));
        }
    }
    if let Some(word) = &op.micropay_route {
        config.micropay_route = word
            .parse()
            .map_err(|e: UnknownRoute| ConfigError::Invalid {
                name: "open_platform.micropay_route",
                reason: e.to_string(),
            })?;
    }
    if op.appid.is_some() || op.merchant_key.is_some() || op.platform_cert.is_some() {
        let key_path = op
            .merchant_key
            .ok_or(ConfigError::Missing("open_platform.merchant_key"))?;
        let platform_paths = op.platform_cert.unwrap_or_default();
        let notify_paths = op.notify_cert.unwrap_or_default();
        let cert_path = platform_paths
            .first()
            .cloned()
            .ok_or(ConfigError::Missing("open_platform.platform_cert"))?;
        let notify_cert = match notify_paths.first() {
            Some(p) => Some(Certificate::load(read(p)?, ValidityCheck::Now).map_err(key_error(p))?),
            None => None,
        };
        config.extra_certificates = CertificateSet::load(&CertificateFiles {
            platform: platform_paths[1..].to_vec(),
            notify: notify_paths.get(1..).unwrap_or_default().to_vec(),
        })?;
        config.certificate_files = Some(CertificateFiles {
            platform: platform_paths,
            notify: notify_paths,
        });
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
    config.merchant = merchant_profile(raw.merchant)?;
    if let Some(delays) = raw.poll.delays_secs {
        if delays.is_empty() || delays.len() > 100 || delays.iter().any(|d| *d > 3600) {
            return Err(ConfigError::Invalid {
                name: "poll.delays_secs",
                reason: "expected 1 to 100 delays of at most 3600 seconds each".into(),
            });
        }
        config.poll_schedule = PollSchedule::from_secs(&delays);
    }
    config.journal = raw.journal.build()?;
    let location = config.merchant.as_ref().and_then(|m| m.location.as_ref());
    config.resolver = raw.resolver.build(location)?;
    config.service = raw.service;
    Ok(config)
}

fn merchant_profile(m: RawMerchant) -> Result<Option<MerchantProfile>, ConfigError> {
    let any_location = m.request_ip.is_some() || m.base_station.is_some() || m.location.is_some();
    if m.merchant_no.is_none() && m.term_no.is_none() && m.notify_url.is_none() && !any_location {
        return Ok(None);
    }
    let mut profile = MerchantProfile::new(
        m.merchant_no
            .ok_or(ConfigError::Missing("merchant.merchant_no"))?,
        m.term_no.ok_or(ConfigError::Missing("merchant.term_no"))?,
    );
    if let Some(url) = m.notify_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "merchant.notify_url",
                reason: "must start with http:// or https://".into(),
            });
        }
        profile = profile.with_notify_url(url);
    }
    if any_location {
        let mut location = lakala_types::micropay::LocationInfo::builder();
        if let Some(v) = m.request_ip {
            location = location.request_ip(v);
        }
        if let Some(v) = m.base_station {
            location = location.base_station(v);
        }
        if let Some(v) = m.location {
            location = location.location(v);
        }
        let location = location.build().map_err(|e| ConfigError::Invalid {
            name: "merchant location (request_ip, base_station, location)",
            reason: e.to_string(),
        })?;
        profile = profile.with_location(location);
    }
    // The numbers must pass the spec's rules; a micropay shows which ones break.
    profile.trade_query("X").map_err(|e| ConfigError::Invalid {
        name: "merchant.merchant_no / merchant.term_no",
        reason: e.to_string(),
    })?;
    Ok(Some(profile))
}
