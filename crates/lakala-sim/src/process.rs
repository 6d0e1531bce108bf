//! One incarnation of a merchant's process: a client with its journal connection, its
//! resolvers and its notification handler, all behind the gates of its [`Life`]. Together
//! with `till.rs` this is where the simulation touches the client's API.

use crate::clock::SimClock;
use crate::gate::{CrashPoint, GatedJournal, GatedSleeper, GatedTransport, Life};
use crate::keys::{Keys, APPID, MERCHANT_SERIAL};
use crate::plan::ResolverPlan;
use crate::platform::{Platform, BASE_URL};
use lakala_client::notification::OpenPlatformNotificationHandler;
use lakala_client::resolver::{LongTail, Resolver, ResolverConfig, ResolverPolicy};
use lakala_client::{Config, Environment, LakalaClient, OpenPlatformCredentials};
use lakala_journal::MemoryJournal;
use lakala_types::micropay::LocationInfo;
use std::sync::Arc;
use std::time::Duration;

/// A running process.
pub struct Process {
    /// Its instance name in the journal.
    pub instance: String,
    /// Its client.
    pub client: LakalaClient,
    /// Its life: killed when it crashes.
    pub life: Arc<Life>,
    notifications: OpenPlatformNotificationHandler,
}

/// The location every simulated request carries.
pub fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("10.0.0.1")
        .build()
        .expect("a valid location")
}

impl Process {
    /// Starts a process named `instance` on the shared `journal`; `crash_point` may kill
    /// it after any exchange ([`CrashPoint`]).
    pub fn start(
        instance: String,
        platform: Arc<Platform>,
        journal: MemoryJournal,
        clock: SimClock,
        request_timeout: Duration,
        crash_point: CrashPoint,
    ) -> Self {
        let keys = Keys::get();
        let life = Arc::new(Life::default());
        let mut config = Config::new(Environment::Custom(BASE_URL.into())).with_open_platform(
            OpenPlatformCredentials {
                appid: APPID.into(),
                serial_no: MERCHANT_SERIAL.into(),
                merchant_key: keys.merchant.clone(),
                platform_cert: keys.platform_cert.clone(),
                notify_cert: Some(keys.platform_cert.clone()),
            },
        );
        config.timeouts.request = request_timeout;
        let journal = Arc::new(GatedJournal {
            inner: journal,
            life: life.clone(),
        });
        let client = LakalaClient::builder(config)
            .transport(Arc::new(GatedTransport {
                inner: platform,
                life: life.clone(),
                crash_point,
            }))
            .clock(Arc::new(clock))
            .sleeper(Arc::new(GatedSleeper { life: life.clone() }))
            .journal(journal.clone())
            .instance(instance.clone())
            .build()
            .expect("the simulated client builds");
        let notifications = client
            .open_platform_notification_handler(journal)
            .expect("the client has a notification certificate")
            .for_merchants([crate::plan::MERCHANT_NO]);
        Self {
            instance,
            client,
            life,
            notifications,
        }
    }

    /// A resolver of this process, configured as `plan` says.
    pub fn resolver(&self, plan: &ResolverPlan) -> Resolver {
        let config = ResolverConfig {
            tail: LongTail::lakala(),
            lease: plan.lease,
            batch: plan.batch,
            on_pending: if plan.revokes {
                ResolverPolicy::Revoke {
                    suffix: "V".into(),
                    location: location(),
                }
            } else {
                ResolverPolicy::ReturnPending
            },
            tick: plan.tick,
            ..ResolverConfig::default()
        };
        self.client
            .resolver(config)
            .expect("the simulated client has a journal")
    }

    /// Delivers one notification to this process's handler; the merchant's own code is
    /// `on_new` (run once per notification the handler takes as new). `Ok` with the answer
    /// bytes when the handler answered.
    pub async fn notify<F>(
        &self,
        authorization: &str,
        body: &[u8],
        on_new: F,
    ) -> Result<Vec<u8>, String>
    where
        F: FnOnce(&serde_json::Value),
    {
        self.notifications
            .process(authorization, body, |n| {
                on_new(&n.notification.body);
                async { Ok::<(), String>(()) }
            })
            .await
            .map_err(|e| e.to_string())
    }
}

/// What one resolver round did, for the trace.
pub async fn resolver_round(resolver: &Resolver) -> Result<Vec<String>, String> {
    let done = resolver.run_once().await.map_err(|e| e.to_string())?;
    Ok(done
        .iter()
        .map(|r| format!("{} -> {} ({})", r.key.out_trade_no, r.status, r.detail))
        .collect())
}

/// Takes back what an earlier run of this instance name left open (what
/// `resume_pending` does when a process starts). How many it took back.
pub async fn take_back(resolver: &Resolver) -> Result<usize, String> {
    resolver
        .take_back_earlier_runs()
        .await
        .map_err(|e| e.to_string())
}

/// What a person's `resolve_now` on every open payment did, for the trace.
pub async fn resolve_all(resolver: &Resolver) -> Result<Vec<String>, String> {
    let done = resolver
        .resolve_now(None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(done
        .iter()
        .map(|r| format!("{} -> {} ({})", r.key.out_trade_no, r.status, r.detail))
        .collect())
}
