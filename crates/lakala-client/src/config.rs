//! Client configuration: where the platform is, the merchant's credentials, timeouts.

use crate::certificates::{CertificateFiles, CertificateSet};
use crate::environment::Environment;
use crate::micropay_route::MicropayRoute;
use crate::poll::PollSchedule;
use crate::service_config::{JournalSettings, ResolverSettings};
use lakala_crypto::open_platform::Freshness;
use lakala_crypto::{Certificate, PrivateKey, PublicKey};
use std::time::Duration;

/// Credentials for the cross-border gateway.
#[derive(Debug, Clone)]
pub struct CrossBorderCredentials {
    /// Merchant id (`merId`).
    pub mer_id: String,
    /// The merchant's private key.
    pub merchant_key: PrivateKey,
    /// The platform's public key.
    pub platform_key: PublicKey,
}

/// Credentials for the open platform (v2 and v3).
#[derive(Debug, Clone)]
pub struct OpenPlatformCredentials {
    /// The appid Lakala assigned.
    pub appid: String,
    /// Serial number of the merchant certificate, as Lakala registered it.
    pub serial_no: String,
    /// The merchant's private key.
    pub merchant_key: PrivateKey,
    /// The platform certificate that signs answers.
    pub platform_cert: Certificate,
    /// The certificate that signs asynchronous notifications, if notifications are used.
    pub notify_cert: Option<Certificate>,
}

/// Who is paid and from where: the numbers every micropay, query, revoke and refund of one
/// till carries, so that they live in the configuration rather than in the caller's code.
///
/// ```
/// use lakala_client::MerchantProfile;
/// use lakala_types::{micropay::LocationInfo, Amount};
/// let profile = MerchantProfile::new("822290070111135", "29034705")
///     .with_notify_url("https://shop.example/lakala/notify")
///     .with_location(LocationInfo::builder().request_ip("10.0.0.8").build()?);
/// let request = profile
///     .micropay("T1", "288576824003652810", Amount::from_fen(101)?)
///     .subject("coffee")
///     .build()?;
/// assert_eq!(request.notify_url(), Some("https://shop.example/lakala/notify"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MerchantProfile {
    /// `merchant_no`, Lakala's merchant number.
    pub merchant_no: String,
    /// `term_no`, the terminal number.
    pub term_no: String,
    /// The default `notify_url` of micropay requests (where the platform sends results).
    pub notify_url: Option<String>,
    /// The default `location_info` (a risk-control requirement of micropay, revoke and
    /// refund).
    pub location: Option<lakala_types::micropay::LocationInfo>,
}

impl MerchantProfile {
    /// A profile with no notify URL and no location yet.
    pub fn new(merchant_no: impl Into<String>, term_no: impl Into<String>) -> Self {
        Self {
            merchant_no: merchant_no.into(),
            term_no: term_no.into(),
            notify_url: None,
            location: None,
        }
    }

    /// Sets the default `notify_url`.
    pub fn with_notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Sets the default `location_info`.
    pub fn with_location(mut self, location: lakala_types::micropay::LocationInfo) -> Self {
        self.location = Some(location);
        self
    }

    /// A micropay request builder with this profile's numbers, `notify_url` and
    /// `location_info` filled in; add what else is needed and `build()` it (which checks
    /// every rule of the spec).
    pub fn micropay(
        &self,
        out_trade_no: impl Into<String>,
        auth_code: impl Into<lakala_types::Personal>,
        total_amount: lakala_types::Amount,
    ) -> lakala_types::micropay::MicropayRequestBuilder {
        let mut builder = lakala_types::micropay::MicropayRequest::builder()
            .merchant_no(self.merchant_no.clone())
            .term_no(self.term_no.clone())
            .out_trade_no(out_trade_no)
            .auth_code(auth_code)
            .total_amount(total_amount);
        if let Some(url) = &self.notify_url {
            builder = builder.notify_url(url.clone());
        }
        if let Some(location) = &self.location {
            builder = builder.location_info(location.clone());
        }
        builder
    }

    /// A trade query of `out_trade_no` at this profile's merchant and terminal.
    pub fn trade_query(
        &self,
        out_trade_no: impl Into<String>,
    ) -> Result<lakala_types::micropay::TradeQueryRequest, lakala_types::ValidationErrors> {
        lakala_types::micropay::TradeQueryRequest::builder()
            .merchant_no(self.merchant_no.clone())
            .term_no(self.term_no.clone())
            .out_trade_no(out_trade_no)
            .build()
    }
}

/// Network timeouts, handed to the default transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (nothing has been sent if this expires).
    pub connect: Duration,
    /// A whole exchange (the request MAY have been executed if this expires).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

/// Everything the client needs. Build it in code, or with [`Config::from_file_and_env`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the platform is.
    pub environment: Environment,
    /// Cross-border credentials, if `auth` is used.
    pub crossborder: Option<CrossBorderCredentials>,
    /// Open-platform credentials, if pre-orders or micropay are used.
    pub open_platform: Option<OpenPlatformCredentials>,
    /// Network timeouts.
    pub timeouts: Timeouts,
    /// When micropay queries a pending payment.
    pub poll_schedule: PollSchedule,
    /// Which route micropay is sent to (default [`MicropayRoute::Dcp`]).
    pub micropay_route: MicropayRoute,
    /// The merchant's SM4 key for the `*_encry` routes ([`crate::sealing`]), if Lakala gave
    /// one. Never shown by `Debug`.
    pub sm4_key: Option<lakala_crypto::Sm4Key>,
    /// When the `*_encry` routes are used (default: only for requests that carry the
    /// buyer's identity, which are never sent in clear).
    pub encryption: crate::sealing::Encryption,
    /// Allowed clock skew on signed open-platform timestamps.
    pub freshness: Freshness,
    /// How old a cross-border notification's `ts` may be.
    pub notification_max_age: Duration,
    /// This process's slot among the processes sending cross-border requests for one
    /// merchant, as `(slot, slots)`: with distinct slots their `ts` values can never collide
    /// (see [`lakala_crypto::TsGenerator::partitioned`]). `None` (the default): collisions
    /// between processes are practically impossible but not excluded.
    pub ts_partition: Option<(u32, u32)>,
    /// DANGER: accept open-platform answers without verifying their signature. For
    /// debugging against a platform whose certificate you do not have, never in production:
    /// anyone on the path could then forge a "paid" answer. Every call logs a warning.
    pub dangerously_skip_response_verification: bool,
    /// The merchant's numbers, default `notify_url` and location, if configured.
    pub merchant: Option<MerchantProfile>,
    /// Platform and notification certificates in force besides those of
    /// [`OpenPlatformCredentials`] (the next certificate, installed ahead of a rotation).
    /// See [`crate::certificates`].
    pub extra_certificates: CertificateSet,
    /// The files the certificates were read from, for
    /// [`crate::LakalaClient::reload_certificates`] (set by [`Config::from_file_and_env`]).
    pub certificate_files: Option<CertificateFiles>,
    /// This process's name in the payment journal (who recorded what, who holds a lease).
    /// Give each instance of a service a name that survives its restarts (`pos-1`, a pod
    /// name) and no two running instances the same one: then
    /// [`crate::LakalaClient::resume_pending`] takes back at once the payments its previous
    /// run left open, instead of waiting out their live-flow window. `None` (the default):
    /// host, process id and a random suffix, new on every start; except under
    /// [`crate::LakalaClient::from_config`] with a journal, which derives a stable one from
    /// the host and the journal (see there).
    pub instance: Option<String>,
    /// The payment journal (`[journal]`), for [`crate::LakalaClient::from_config`].
    pub journal: Option<JournalSettings>,
    /// The resolver (`[resolver]`), for [`crate::LakalaClient::from_config`].
    pub resolver: ResolverSettings,
    /// The application's own settings (`[service]`): the SDK never reads them, and never
    /// refuses a key there. Read them with [`Config::service`].
    pub service: toml::Table,
}

impl Config {
    /// A configuration for `environment` with no credentials yet and default settings.
    pub fn new(environment: Environment) -> Self {
        Self {
            environment,
            crossborder: None,
            open_platform: None,
            timeouts: Timeouts::default(),
            poll_schedule: PollSchedule::spec(),
            micropay_route: MicropayRoute::default(),
            sm4_key: None,
            encryption: crate::sealing::Encryption::default(),
            freshness: Freshness::default(),
            notification_max_age: Duration::from_secs(600),
            ts_partition: None,
            dangerously_skip_response_verification: false,
            merchant: None,
            extra_certificates: CertificateSet::new(),
            certificate_files: None,
            instance: None,
            journal: None,
            resolver: ResolverSettings::default(),
            service: toml::Table::new(),
        }
    }

    /// The `[service]` table as the application's own type (serde): keys the type does
    /// not name are for the application to refuse (`#[serde(deny_unknown_fields)]`) or
    /// ignore; an absent table reads as an empty one.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("lakala.toml");
    /// std::fs::write(&path, "[service]\nlisten = \"127.0.0.1:8080\"\npatience_ms = 8000\n")?;
    /// #[derive(serde::Deserialize)]
    /// struct Settings { listen: String, patience_ms: u64 }
    /// let config = lakala_client::Config::from_file_and_env(Some(&path), |_| None)?;
    /// let settings: Settings = config.service()?;
    /// assert_eq!((settings.listen.as_str(), settings.patience_ms), ("127.0.0.1:8080", 8000));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn service<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<T, crate::config_error::ConfigError> {
        self.service
            .clone()
            .try_into()
            .map_err(
                |e: toml::de::Error| crate::config_error::ConfigError::Invalid {
                    name: "service",
                    reason: e.message().to_owned(),
                },
            )
    }

    /// Sets the merchant profile.
    pub fn with_merchant(mut self, merchant: MerchantProfile) -> Self {
        self.merchant = Some(merchant);
        self
    }

    /// Sets the poll schedule of micropay.
    pub fn with_poll_schedule(mut self, schedule: PollSchedule) -> Self {
        self.poll_schedule = schedule;
        self
    }

    /// Sends micropay on `route`.
    pub fn with_micropay_route(mut self, route: MicropayRoute) -> Self {
        self.micropay_route = route;
        self
    }

    /// Seals calls on the `*_encry` routes with `key`, when `encryption` asks for it.
    pub fn with_sm4_key(
        mut self,
        key: lakala_crypto::Sm4Key,
        encryption: crate::sealing::Encryption,
    ) -> Self {
        self.sm4_key = Some(key);
        self.encryption = encryption;
        self
    }

    /// Adds cross-border credentials.
    pub fn with_crossborder(mut self, credentials: CrossBorderCredentials) -> Self {
        self.crossborder = Some(credentials);
        self
    }

    /// Adds open-platform credentials.
    pub fn with_open_platform(mut self, credentials: OpenPlatformCredentials) -> Self {
        self.open_platform = Some(credentials);
        self
    }
}
