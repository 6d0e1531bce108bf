//! The parts of the configuration that make a whole service: where the journal is
//! (`[journal]`), how the resolver works (`[resolver]`), and the application's own keys
//! (`[service]`). Read by [`crate::LakalaClient::from_config`].

use crate::config_error::ConfigError;
use crate::resolver_config::{LongTail, ResolverConfig, ResolverPolicy};
use serde::Deserialize;
use std::time::Duration;

/// Where the payment journal is (`[journal]`, `LAKALA_JOURNAL`).
#[derive(Clone, PartialEq, Eq)]
pub struct JournalSettings {
    /// `sqlite:PATH`, `postgres://...` or `memory:` ([`lakala_journal::Journal::open`]).
    pub url: String,
    /// The PostgreSQL schema, if not the connection's default.
    pub schema: Option<String>,
}

impl JournalSettings {
    /// The journal at `url`, in the connection's default schema.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            schema: None,
        }
    }
}

impl std::fmt::Debug for JournalSettings {
    // The URL may carry a password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalSettings")
            .field("url", &lakala_journal::redacted(&self.url))
            .field("schema", &self.schema)
            .finish()
    }
}

/// How the resolver runs (`[resolver]`).
#[derive(Debug, Clone, Default)]
pub struct ResolverSettings {
    /// Whether [`crate::LakalaClient::from_config`] starts one: `None` (the default) means
    /// yes when a journal is configured. Turn it off only when another process resolves
    /// this journal's payments (a start-up warning says so otherwise).
    pub enabled: Option<bool>,
    /// Its long tail, lease, batch and pending policy.
    pub config: ResolverConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJournal {
    pub(crate) url: Option<String>,
    pub(crate) schema: Option<String>,
    pub(crate) instance: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResolver {
    pub(crate) enabled: Option<bool>,
    /// The long tail's delays, seconds (the last repeats).
    pub(crate) tail_delays_secs: Option<Vec<u64>>,
    /// How long after its intent a payment may stay pending before a person must look.
    pub(crate) horizon_secs: Option<u64>,
    pub(crate) lease_secs: Option<u64>,
    /// `return_pending` (the default) or `revoke`.
    pub(crate) on_pending: Option<String>,
    /// The revoke number's suffix under `revoke` (default `R`).
    pub(crate) revoke_suffix: Option<String>,
}

impl RawJournal {
    pub(crate) fn build(self) -> Result<Option<JournalSettings>, ConfigError> {
        match self.url {
            None if self.schema.is_some() => Err(ConfigError::Missing("journal.url")),
            None => Ok(None),
            Some(url) => Ok(Some(JournalSettings {
                url,
                schema: self.schema,
            })),
        }
    }
}

impl RawResolver {
    pub(crate) fn build(
        self,
        location: Option<&lakala_types::micropay::LocationInfo>,
    ) -> Result<ResolverSettings, ConfigError> {
        let mut config = ResolverConfig::default();
        if self.tail_delays_secs.is_some() || self.horizon_secs.is_some() {
            let delays = match self.tail_delays_secs {
                Some(d) if d.is_empty() || d.len() > 100 || d.contains(&0) => {
                    return Err(ConfigError::Invalid {
                        name: "resolver.tail_delays_secs",
                        reason: "expected 1 to 100 delays of at least one second".into(),
                    })
                }
                Some(d) => d.into_iter().map(Duration::from_secs).collect(),
                None => (0..5).map(|n| LongTail::lakala().delay(n)).collect(),
            };
            let horizon = self
                .horizon_secs
                .map(Duration::from_secs)
                .unwrap_or(LongTail::lakala().horizon());
            config.tail = LongTail::new(delays, horizon);
        }
        if let Some(secs) = self.lease_secs {
            if secs == 0 {
                return Err(ConfigError::Invalid {
                    name: "resolver.lease_secs",
                    reason: "at least one second".into(),
                });
            }
            config.lease = Duration::from_secs(secs);
        }
        match self.on_pending.as_deref() {
            None | Some("return_pending") => {}
            Some("revoke") => {
                let location = location.cloned().ok_or(ConfigError::Missing(
                    "merchant.request_ip (a revoke needs a location; resolver.on_pending = \"revoke\")",
                ))?;
                config.on_pending = ResolverPolicy::Revoke {
                    suffix: self.revoke_suffix.unwrap_or_else(|| "R".to_owned()),
                    location,
                };
            }
            Some(_) => {
                return Err(ConfigError::Invalid {
                    name: "resolver.on_pending",
                    reason: "expected return_pending or revoke".into(),
                })
            }
        }
        Ok(ResolverSettings {
            enabled: self.enabled,
            config,
        })
    }
}

/// `on`/`off` (also `true`/`false`, `1`/`0`).
pub(crate) fn parse_switch(name: &'static str, text: &str) -> Result<bool, ConfigError> {
    match text.trim() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            reason: "expected on or off".into(),
        }),
    }
}
