//! The client object: configuration turned into parsed keys, a transport, a clock.

use crate::certificates::{CertificateSet, Certificates};
use crate::clock::ClockDebug;
use crate::config::{Config, MerchantProfile};
use crate::error::ClientError;
use crate::poll::PollSchedule;
use crate::runtime::{Sleeper, TokioSleeper};
use lakala_crypto::crossborder::Merchant;
use lakala_crypto::open_platform::{
    generate_nonce, LklapiHeaders, RequestSigner, ResponseVerifier,
};
use lakala_crypto::{Clock, SystemClock, TsGenerator};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport};
use lakala_types::{parse, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

use crate::answer::Answer;
use crate::auth_digest::AuthDigester;
use crate::events::{EventHub, SettledEvent};
use lakala_journal::PaymentJournal;

/// The Lakala client. Cheap to clone; share one per process.
///
/// Keys are parsed once, when the client is built. Every open-platform request is signed
/// and every answer's signature verified before its body is trusted; every cross-border
/// answer's MAC is verified before it is decrypted.
#[derive(Clone, Debug)]
pub struct LakalaClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) transport: Arc<dyn HttpTransport>,
    pub(crate) clock: Arc<dyn ClockDebug>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) ts: TsGenerator<Arc<dyn ClockDebug>>,
    pub(crate) crossborder: Option<CrossBorderSide>,
    pub(crate) open: Option<OpenSide>,
    pub(crate) poll_schedule: PollSchedule,
    pub(crate) micropay_route: crate::micropay_route::MicropayRoute,
    pub(crate) sm4_key: Option<lakala_crypto::Sm4Key>,
    pub(crate) encryption: crate::sealing::Encryption,
    pub(crate) notification_max_age: Duration,
    pub(crate) freshness: lakala_crypto::open_platform::Freshness,
    pub(crate) request_timeout: Duration,
    pub(crate) journal: Option<Arc<dyn PaymentJournal>>,
    pub(crate) instance: String,
    /// When this client was built (Unix seconds): a payment this instance name recorded
    /// earlier was recorded by an earlier run of the process.
    pub(crate) started_at: i64,
    pub(crate) certificates: Certificates,
    pub(crate) certificate_files: Option<crate::certificates::CertificateFiles>,
    pub(crate) merchant: Option<MerchantProfile>,
    pub(crate) resolver_watch: crate::resolver_watch::ResolverWatch,
    /// Where settled payments and contradictions are announced.
    pub(crate) events: EventHub,
    /// The keyed digest of auth codes journaled with each micropay (open platform only).
    pub(crate) auth_digester: Option<AuthDigester>,
}

#[derive(Debug)]
pub(crate) struct CrossBorderSide {
    pub(crate) base_url: String,
    pub(crate) merchant: Merchant,
}

#[derive(Debug)]
pub(crate) struct OpenSide {
    pub(crate) base_url: String,
    pub(crate) signer: RequestSigner,
    /// False only under `dangerously_skip_response_verification`.
    pub(crate) verify: bool,
}

/// Builds a [`LakalaClient`].
#[derive(Debug)]
pub struct LakalaClientBuilder {
    config: Config,
    transport: Option<Arc<dyn HttpTransport>>,
    clock: Arc<dyn ClockDebug>,
    sleeper: Arc<dyn Sleeper>,
    journal: Option<Arc<dyn PaymentJournal>>,
    instance: Option<String>,
    certificates: Option<Certificates>,
    resolved_elsewhere: bool,
}

impl LakalaClient {
    /// Starts building a client from `config`.
    pub fn builder(config: Config) -> LakalaClientBuilder {
        LakalaClientBuilder {
            config,
            transport: None,
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            journal: None,
            instance: None,
            certificates: None,
            resolved_elsewhere: false,
        }
    }

    /// The journal payments are recorded in, if the client has one.
    pub fn journal(&self) -> Option<&Arc<dyn PaymentJournal>> {
        self.inner.journal.as_ref()
    }

    /// This process's name in the journal (who recorded what, who holds a lease).
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The certificates this client verifies answers and notifications with: replace or
    /// reload them here while the client runs ([`Certificates::replace`],
    /// [`Certificates::reload_from`]); every clone of the client and every notification
    /// handler made from it sees the change.
    pub fn certificates(&self) -> &Certificates {
        &self.inner.certificates
    }

    /// Reloads the certificates from the files the configuration named
    /// ([`Config::certificate_files`], set by [`Config::from_file_and_env`]). On error the
    /// certificates in force are kept.
    pub fn reload_certificates(&self) -> Result<(), crate::config_error::ConfigError> {
        let files = self.inner.certificate_files.as_ref().ok_or(
            crate::config_error::ConfigError::Missing(
                "certificate files (Config::certificate_files)",
            ),
        )?;
        self.inner.certificates.reload_from(files)
    }

    /// The merchant profile of the configuration, if it has one.
    pub fn merchant(&self) -> Option<&MerchantProfile> {
        self.inner.merchant.as_ref()
    }

    /// The route micropay is sent to ([`crate::Config::micropay_route`]).
    pub fn micropay_route(&self) -> crate::micropay_route::MicropayRoute {
        self.inner.micropay_route
    }

    /// The poll schedule micropay uses.
    pub fn poll_schedule(&self) -> &PollSchedule {
        &self.inner.poll_schedule
    }

    /// Every [`SettledEvent`] of this client (and its clones) from now on: payments a
    /// resolver finished, companions (revokes, refunds) closed, contradictions between the
    /// platform and the journal marked for a person. A receiver that falls more than 1024
    /// events behind misses the oldest (the journal keeps them all).
    pub fn settled_events(&self) -> tokio::sync::broadcast::Receiver<SettledEvent> {
        self.inner.events.subscribe()
    }
}

/// A default instance name: host, process id and a random suffix (a restarted process with
/// a recycled pid is still another instance).
fn default_instance() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let host: String = host.chars().filter(|c| !c.is_control()).take(64).collect();
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

impl LakalaClientBuilder {
    /// Uses `transport` instead of the default one.
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Uses `clock` (for `ts`, signatures' timestamps and freshness checks).
    pub fn clock(mut self, clock: Arc<dyn ClockDebug>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `sleeper` for the waits between micropay queries.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Records every micropay in `journal` before it is sent, and every later fact, so
    /// that a payment survives a crash, a dropped future or a deploy (see
    /// [`crate::resolver`]). Without a journal (the default) nothing is stored.
    pub fn journal(mut self, journal: Arc<dyn PaymentJournal>) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Names this process in the journal (default: [`Config::instance`], else host, pid and
    /// a random suffix).
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Says that another process resolves this client's journaled payments (a
    /// `lakala payments resolve` run, another instance): no warning that this client has no
    /// resolver. Without it, the first journaled payment of a client from which no
    /// resolver was made logs a warning.
    pub fn resolved_elsewhere(mut self) -> Self {
        self.resolved_elsewhere = true;
        self
    }

    /// Verifies with `certificates` (a handle possibly shared with other clients) instead
    /// of a set made from the configuration's certificates.
    pub fn certificates(mut self, certificates: Certificates) -> Self {
        self.certificates = Some(certificates);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<LakalaClient, ClientError> {
        let config = self.config;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport(&config)?,
        };
        let crossborder = config.crossborder.map(|c| CrossBorderSide {
            base_url: config.environment.crossborder_base_url(),
            merchant: Merchant::new(c.mer_id, c.merchant_key, c.platform_key),
        });
        let freshness = config.freshness;
        let ts = TsGenerator::with_clock(self.clock.clone());
        let ts = match config.ts_partition {
            Some((slot, slots)) => ts.partitioned(slot, slots).map_err(|_| {
                ClientError::NotConfigured(
                    "a valid ts_partition (slots must divide 1000000 and slot be below slots)",
                )
            })?,
            None => ts,
        };
        let certificates = self.certificates.unwrap_or_else(|| {
            let mut set = CertificateSet::new();
            if let Some(o) = &config.open_platform {
                set = set.with_platform(o.platform_cert.clone());
                if let Some(n) = &o.notify_cert {
                    set = set.with_notify(n.clone());
                }
            }
            for c in config.extra_certificates.platform() {
                set = set.with_platform(c.clone());
            }
            for c in config.extra_certificates.notify() {
                set = set.with_notify(c.clone());
            }
            Certificates::new(set)
        });
        let auth_digester = config
            .open_platform
            .as_ref()
            .and_then(|o| AuthDigester::from_merchant_key(&o.merchant_key));
        let open = config.open_platform.map(|o| OpenSide {
            base_url: config.environment.open_platform_base_url(),
            signer: RequestSigner::new(o.appid, o.serial_no, o.merchant_key),
            verify: !config.dangerously_skip_response_verification,
        });
        let started_at = self.clock.unix_seconds();
        let instance = self
            .instance
            .or(config.instance)
            .unwrap_or_else(default_instance);
        Ok(LakalaClient {
            inner: Arc::new(Inner {
                transport,
                ts,
                started_at,
                clock: self.clock,
                sleeper: self.sleeper,
                crossborder,
                open,
                poll_schedule: config.poll_schedule,
                micropay_route: config.micropay_route,
                sm4_key: config.sm4_key,
                encryption: config.encryption,
                notification_max_age: config.notification_max_age,
                freshness,
                request_timeout: config.timeouts.request,
                journal: self.journal,
                instance,
                certificates,
                certificate_files: config.certificate_files,
                merchant: config.merchant,
                resolver_watch: crate::resolver_watch::ResolverWatch::new(self.resolved_elsewhere),
                events: EventHub::default(),
                auth_digester,
            }),
        })
    }
}

#[cfg(feature = "hyper")]
fn default_transport(config: &Config) -> Result<Arc<dyn HttpTransport>, ClientError> {
    let transport = lakala_transport::HyperTransport::builder()
        .connect_timeout(config.timeouts.connect)
        .timeout(config.timeouts.request)
        .build()
        .map_err(|e| ClientError::TransportSetup(e.reason().to_owned()))?;
    Ok(Arc::new(transport))
}

#[cfg(not(feature = "hyper"))]
fn default_transport(_: &Config) -> Result<Arc<dyn HttpTransport>, ClientError> {
    Err(ClientError::NotConfigured(
        "transport (the hyper feature is off: pass one to LakalaClientBuilder::transport)",
    ))
}

impl LakalaClient {
    pub(crate) fn open_side(&self) -> Result<&OpenSide, ClientError> {
        self.inner
            .open
            .as_ref()
            .ok_or(ClientError::NotConfigured("open-platform credentials"))
    }

    pub(crate) fn now_unix(&self) -> i64 {
        self.inner.clock.unix_seconds()
    }

    /// Signs and sends an open-platform request, verifies the answer, parses it leniently.
    /// A call that fails is counted in the metrics here; one that is answered, by the
    /// caller, which knows the answer's code.
    pub(crate) async fn open_call<Req, Resp>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Answer<Resp>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        self.open_call_sealed(path, request, None).await
    }

    /// As [`LakalaClient::open_call`], the body sealed with `key` when there is one (the
    /// `*_encry` routes, [`crate::sealing`]): signed as sealed, the answer verified as
    /// received, then opened.
    pub(crate) async fn open_call_sealed<Req, Resp>(
        &self,
        path: &str,
        request: &Req,
        key: Option<&lakala_crypto::Sm4Key>,
    ) -> Result<Answer<Resp>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        let result = self.open_exchange(path, request, key).await;
        if let Err(e) = &result {
            crate::metrics::call_failed(crate::metrics::api_of(path), e);
        }
        result
    }

    async fn open_exchange<Req, Resp>(
        &self,
        path: &str,
        request: &Req,
        key: Option<&lakala_crypto::Sm4Key>,
    ) -> Result<Answer<Resp>, ClientError>
    where
        Req: Serialize + Validate,
        Resp: DeserializeOwned + Validate,
    {
        let side = self.open_side()?;
        request.validate()?;
        let json =
            serde_json::to_string(request).map_err(|e| ClientError::malformed("request", &e))?;
        // Sealed: the wire body is the base64 ciphertext, and that is what is signed.
        let body = match key {
            Some(key) => key.seal(&json).into_bytes(),
            None => json.into_bytes(),
        };
        let nonce = generate_nonce(&mut rand::rngs::OsRng);
        let authorization = side
            .signer
            .sign(&body, self.now_unix(), &nonce)
            .map_err(ClientError::Seal)?;
        let http = HttpRequest::post(format!("{}{path}", side.base_url), body)
            .header("Authorization", authorization.to_string())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        let response = self.inner.transport.send(http).await?.error_for_status()?;
        self.verify_open(side, &response)?;
        let text =
            std::str::from_utf8(&response.body).map_err(|_| ClientError::MalformedAnswer {
                what: "answer (not UTF-8)",
                line: 0,
                column: 0,
            })?;
        let opened = match key {
            Some(key) => Some(key.open(text).map_err(ClientError::Unsealing)?),
            None => None,
        };
        let text = opened.as_ref().map_or(text, |p| p.as_str());
        let parsed = parse::<Resp>(text).map_err(|e| ClientError::malformed("answer", &e))?;
        let json = serde_json::from_str(text).map_err(|e| ClientError::malformed("answer", &e))?;
        Ok(Answer::new(parsed.value, parsed.violations, json))
    }

    fn verify_open(&self, side: &OpenSide, response: &HttpResponse) -> Result<(), ClientError> {
        if !side.verify {
            tracing::warn!(
                "open-platform answer accepted WITHOUT signature verification \
                 (dangerously_skip_response_verification is set)"
            );
            return Ok(());
        }
        let headers = LklapiHeaders::from_pairs(
            response
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .map_err(ClientError::Verification)?;
        let now = self.now_unix();
        let set = self.inner.certificates.current();
        let certificate = set.platform_for(&headers.serial, now)?;
        ResponseVerifier::new(certificate.public_key().clone())
            .with_freshness(self.inner.freshness)
            .verify(&headers, &response.body, now)
            .map_err(ClientError::Verification)?;
        // The signature covers the appid; an answer signed for another appid is someone
        // else's answer, however genuine.
        let appid = side.signer.appid();
        if headers.appid != appid {
            return Err(ClientError::ForeignAnswer {
                field: "Lklapi-Appid",
                expected: appid.to_owned(),
                found: Some(headers.appid),
            });
        }
        Ok(())
    }
}

impl LakalaClient {
    /// A handler for cross-border notifications, with this client's keys, clock and
    /// `notification_max_age`.
    pub fn crossborder_notification_handler(
        &self,
        replay: Arc<dyn crate::notification::ReplayGuard>,
    ) -> Result<crate::notification::CrossBorderNotificationHandler, ClientError> {
        let side = self
            .inner
            .crossborder
            .as_ref()
            .ok_or(ClientError::NotConfigured("cross-border credentials"))?;
        Ok(crate::notification::CrossBorderNotificationHandler::new(
            side.merchant.clone(),
            replay,
            self.inner.clock.clone(),
        )
        .with_max_age(self.inner.notification_max_age))
    }

    /// A handler for open-platform notifications, verifying with this client's
    /// [`Certificates`] (so a certificate rotation reaches it), clock and freshness window,
    /// for the merchant profile's `merchant_no` (without a merchant profile it refuses every
    /// notification as not configured), writing to this client's journal, if any, first.
    pub fn open_platform_notification_handler(
        &self,
        replay: Arc<dyn crate::notification::ReplayGuard>,
    ) -> Result<crate::notification::OpenPlatformNotificationHandler, ClientError> {
        self.open_side()?;
        if self.inner.certificates.current().notify().is_empty() {
            return Err(ClientError::NotConfigured(
                "open-platform notification certificate",
            ));
        }
        let handler = crate::notification::OpenPlatformNotificationHandler::with_certificates(
            self.inner.certificates.clone(),
            self.inner.freshness,
            replay,
            self.inner.clock.clone(),
        )
        .for_merchants(self.inner.merchant.iter().map(|m| m.merchant_no.clone()));
        let handler = handler.with_events(self.inner.events.clone());
        Ok(match &self.inner.journal {
            Some(journal) => handler.with_payments(journal.clone(), self.inner.instance.clone()),
            None => handler,
        })
    }
}
