//! Client configuration: where the platform is, the merchant's credentials, timeouts.

use crate::poll::PollSchedule;
use crate::Environment;
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
            freshness: Freshness::default(),
            notification_max_age: Duration::from_secs(600),
            ts_partition: None,
            dangerously_skip_response_verification: false,
        }
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
