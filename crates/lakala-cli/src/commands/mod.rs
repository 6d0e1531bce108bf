//! One module per subcommand.

pub mod auth;
pub mod console;
pub mod demo;
pub mod doctor;
pub mod keygen;
pub mod micropay;
pub mod notify;
pub mod open_calls;
pub mod payments;
pub mod payments_list;
pub mod payments_prune;
pub mod preauth;
pub mod preorder;
pub mod reconcile;
pub mod sandbox;
pub mod settling;
pub mod validate;

use crate::args::Cli;
use crate::embedded::Embedded;
use crate::failure::Failure;
use crate::settings::{self, Family};
use lakala_client::LakalaClient;

/// A client for `family`, on the configured platform or on an embedded sandbox.
pub struct Connection {
    pub client: LakalaClient,
    /// Keeps the embedded sandbox running while the command uses it.
    pub _embedded: Option<Embedded>,
}

pub async fn connect(cli: &Cli, family: Family) -> Result<Connection, Failure> {
    connect_with(cli, family, false, |_| {}).await
}

/// As [`connect`], with the payment journal (micropay, revoke, refund, payments).
pub async fn connect_journaled(cli: &Cli, family: Family) -> Result<Connection, Failure> {
    connect_with(cli, family, true, |_| {}).await
}

/// As [`connect_journaled`], with the command's own settings applied to the
/// configuration last (a flag wins over the file and the environment).
pub async fn connect_journaled_adjusted(
    cli: &Cli,
    family: Family,
    adjust: impl FnOnce(&mut lakala_client::Config),
) -> Result<Connection, Failure> {
    connect_with(cli, family, true, adjust).await
}

async fn connect_with(
    cli: &Cli,
    family: Family,
    journaled: bool,
    adjust: impl FnOnce(&mut lakala_client::Config),
) -> Result<Connection, Failure> {
    let (config, embedded) = if settings::platform_configured(cli) {
        (settings::load(cli, family, None)?, None)
    } else {
        let embedded = Embedded::start().await?;
        eprintln!(
            "lakala: no base URL configured; using an embedded sandbox at {} (set --base-url or LAKALA_BASE_URL for a real platform)",
            embedded.base_url()
        );
        let config = settings::load(cli, family, Some(embedded.config_path()))?;
        (config, Some(embedded))
    };
    let mut config = config;
    if let Some(schedule) = &cli.poll_schedule {
        config.poll_schedule = lakala_client::PollSchedule::from_secs(schedule);
    }
    adjust(&mut config);
    let mut builder = LakalaClient::builder(config);
    if journaled {
        let journal = crate::journal::open(cli, embedded.as_ref()).await?;
        // Pending payments are resolved by `lakala payments resolve`, not by this run.
        builder = builder.journal(journal).resolved_elsewhere();
    }
    let client = builder.build()?;
    Ok(Connection {
        client,
        _embedded: embedded,
    })
}

/// A fresh number for requests whose number the user did not give: `prefix` + the
/// current China time + 4 random digits (unique enough for a shell; pass your own
/// numbers for production use).
pub fn fresh_number(prefix: &str) -> String {
    let now = lakala_crypto::SystemClock;
    let time = lakala_crypto::format_china_time(lakala_crypto::Clock::unix_seconds(&now));
    format!("{prefix}{time}{:04}", rand::random::<u16>() % 10_000)
}
