//! [`LakalaClient::from_config`]: the client, its journal, a stable instance name and the
//! resolver, from one configuration, in one call.

use crate::client::LakalaClient;
use crate::config::Config;
use crate::error::ClientError;
use crate::notification::InMemoryReplayGuard;
use lakala_journal::NotificationLedger as ReplayGuard;
use lakala_journal::{claim_instance, InstanceClaim, Journal, JournalError};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// What a service runs on, made by [`LakalaClient::from_config`]. Keep it for the
/// process's life: it holds the instance name (dropping it frees the name for another
/// process).
#[derive(Debug)]
pub struct LakalaService {
    /// The client (cheap to clone into handlers).
    pub client: LakalaClient,
    /// The journal, when the configuration names one.
    pub journal: Option<Journal>,
    /// The resolver's task, when one was started.
    pub resolver: Option<tokio::task::JoinHandle<()>>,
    replay: Arc<dyn ReplayGuard>,
    _instance: Option<InstanceClaim>,
}

impl LakalaService {
    /// The notification replay memory for the notification handlers: the journal's (so
    /// every instance sharing it recognises the others' deliveries), or an in-process one
    /// without a journal.
    pub fn replay(&self) -> Arc<dyn ReplayGuard> {
        self.replay.clone()
    }
}

/// Why [`LakalaClient::from_config`] could not start the service. Nothing was sent to the
/// platform in any case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The client could not be built, or the resolver started.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The journal could not be opened, or the instance name is held by another running
    /// process ([`JournalError::Busy`]).
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
}

impl LakalaClient {
    /// Builds the client from `config` (see [`crate::config_file`]), opens its journal
    /// (`[journal]`, [`Journal::open_in_schema`]), holds its instance name, and starts the
    /// resolver (`[resolver]`: on by default when a journal is configured), in one call.
    ///
    /// **The instance name.** Given (`LAKALA_INSTANCE`, `[journal] instance`), it is held
    /// for the process's life ([`lakala_journal::claim_instance`]) and a second running
    /// process configured with the same name on the same journal is refused
    /// ([`StartError::Journal`] with [`JournalError::Busy`]). Not given, with a journal
    /// that outlives the process (SQLite, PostgreSQL), it is derived from the host name and
    /// the journal: `HOST-xxxxxxxx` (eight hex digits of a hash of the journal URL with
    /// its password hidden), the same on every start, so a restart takes its own open
    /// payments back at once; a second process on the same host and journal is told apart
    /// as `HOST-xxxxxxxx-2` (then `-3`, ...). Without a journal or with `memory:`, the
    /// builder's default (host, pid, random).
    ///
    /// With a journal and `[resolver] enabled = false`, logs a warning: payments left
    /// pending then wait until some other process resolves them.
    ///
    /// Needs a tokio runtime (the resolver's task).
    pub async fn from_config(config: Config) -> Result<LakalaService, StartError> {
        let settings = config.journal.clone();
        let resolver = config.resolver.clone();
        let Some(settings) = settings else {
            if resolver.enabled == Some(true) {
                return Err(ClientError::NotConfigured(
                    "a journal ([journal] url, LAKALA_JOURNAL) for the resolver",
                )
                .into());
            }
            let client = LakalaClient::builder(config).build()?;
            return Ok(LakalaService {
                client,
                journal: None,
                resolver: None,
                replay: Arc::new(InMemoryReplayGuard::new()),
                _instance: None,
            });
        };
        let claim = if settings.url == "memory:" {
            None
        } else {
            let (name, tell_apart) = match &config.instance {
                Some(name) => (name.clone(), false),
                None => (default_instance_name(&settings.url), true),
            };
            Some(claim_instance(&settings.url, &name, tell_apart).await?)
        };
        let journal = Journal::open_in_schema(&settings.url, settings.schema.as_deref()).await?;
        let mut builder = LakalaClient::builder(config).journal(journal.payments());
        if let Some(claim) = &claim {
            builder = builder.instance(claim.name());
        }
        let enabled = resolver.enabled.unwrap_or(true);
        if !enabled {
            builder = builder.resolved_elsewhere();
        }
        let client = builder.build()?;
        let task = if enabled {
            Some(client.resume_pending(resolver.config)?)
        } else {
            tracing::warn!(
                instance = client.instance(),
                journal = %lakala_journal::redacted(&settings.url),
                "a journal is configured but the resolver is off ([resolver] enabled = false): \
                 payments left pending wait until another process resolves them"
            );
            None
        };
        tracing::info!(
            instance = client.instance(),
            journal = %lakala_journal::redacted(&settings.url),
            resolver = enabled,
            "lakala client started"
        );
        Ok(LakalaService {
            replay: journal.notifications(),
            client,
            journal: Some(journal),
            resolver: task,
            _instance: claim,
        })
    }
}

/// `HOST-xxxxxxxx`: the host name (letters, digits, `.`, `-`, `_`; at most 64) and eight
/// hex digits of SHA-256 of the journal URL with its password hidden (a new password
/// keeps the name).
pub fn default_instance_name(journal_url: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    let digest = Sha256::digest(lakala_journal::redacted(journal_url).as_bytes());
    format!(
        "{}-{}",
        if host.is_empty() { "host" } else { &host },
        &hex::encode(digest)[..8]
    )
}

#[cfg(test)]
mod tests {
    use super::default_instance_name;

    #[test]
    fn the_default_name_is_stable_and_names_the_journal_not_its_password() {
        let a = default_instance_name("postgres://pos:one@db/pay");
        assert_eq!(a, default_instance_name("postgres://pos:two@db/pay"));
        assert_ne!(a, default_instance_name("postgres://pos:one@db/other"));
        assert!(!a.contains("one"));
        let (_, hash) = a.rsplit_once('-').unwrap();
        assert_eq!(hash.len(), 8);
    }
}
