//! [`HyperTransportBuilder`]: timeouts, limits, pooling and TLS trust for [`HyperTransport`].

use std::sync::Arc;
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::{HyperTransport, Settings, TlsSummary};

/// Default [`HyperTransportBuilder::connect_timeout`]: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`HyperTransportBuilder::timeout`]: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`HyperTransportBuilder::max_response_bytes`]: 4 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Default [`HyperTransportBuilder::pool_idle_timeout`]: 15 s.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a [`HyperTransport`] could not be built: a setting is unusable. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the HTTP transport: {reason}")]
pub struct BuildError {
    reason: String,
}

impl BuildError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// What is wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

#[derive(Clone)]
enum Trust {
    /// Mozilla's roots as shipped in `webpki-roots`, plus [`HyperTransportBuilder::add_root_certificate`]s.
    WebpkiRoots,
    /// The caller's roots, plus added ones.
    Roots(RootCertStore),
    /// The caller's whole rustls configuration.
    Config(Box<ClientConfig>),
}

/// Configures a [`HyperTransport`]; start with [`HyperTransport::builder`].
///
/// | setting | default |
/// |---|---|
/// | [`connect_timeout`](Self::connect_timeout) | 10 s ([`DEFAULT_CONNECT_TIMEOUT`]) |
/// | [`timeout`](Self::timeout) (whole exchange) | 30 s ([`DEFAULT_TIMEOUT`]) |
/// | [`max_response_bytes`](Self::max_response_bytes) | 4 MiB ([`DEFAULT_MAX_RESPONSE_BYTES`]) |
/// | [`pool_idle_timeout`](Self::pool_idle_timeout) | 15 s ([`DEFAULT_POOL_IDLE_TIMEOUT`]) |
/// | [`pool_max_idle_per_host`](Self::pool_max_idle_per_host) | unlimited |
/// | [`https_only`](Self::https_only) | `false`: `http://` URLs are allowed |
/// | TLS trust | the Mozilla roots of `webpki-roots`, TLS 1.2 and 1.3, rustls' `aws-lc-rs` provider (AWS-LC, built from bundled sources) |
#[derive(Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    https_only: bool,
    trust: Trust,
    extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
            https_only: false,
            trust: Trust::WebpkiRoots,
            extra_roots: Vec::new(),
        }
    }
}

impl std::fmt::Debug for HyperTransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("https_only", &self.https_only)
            .field("tls", &self.tls_summary())
            .finish()
    }
}

impl HyperTransportBuilder {
    /// A builder with the defaults listed above.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long to wait for the TCP connection (per request needing a new one; split
    /// across the addresses a name resolves to). When it passes, the request fails with
    /// [`TransportError::Connect`](crate::TransportError::Connect): nothing was sent.
    /// It does not cover DNS or the TLS handshake; those are bounded by
    /// [`timeout`](Self::timeout), and also reported as `Connect` if they are what the
    /// deadline cut short. Must not be zero.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The deadline for the whole exchange: getting a connection, writing the request and
    /// reading the full response. Passing it once a connection had the request gives
    /// [`TransportError::Timeout`](crate::TransportError::Timeout) (the request MAY have
    /// been executed). Must not be zero; keep it above
    /// [`connect_timeout`](Self::connect_timeout), which it caps.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes. A larger one fails with
    /// [`TransportError::BodyTooLarge`](crate::TransportError::BodyTooLarge) as soon as it
    /// is announced (`Content-Length`) or as soon as the bytes read pass the limit; it is
    /// never buffered whole.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How long an idle connection is kept for reuse; `None` keeps it until the server
    /// closes it. The 15 s default is below common server keep-alive timeouts (Tomcat's is
    /// 20 s): reusing a connection the server is just closing turns a request into
    /// [`TransportError::ConnectionLost`](crate::TransportError::ConnectionLost), which
    /// for a payment means a query.
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = timeout.into();
        self
    }

    /// How many idle connections to keep per host; `0` turns connection reuse off.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// With `true`, `http://` URLs are refused with
    /// [`TransportError::InvalidRequest`](crate::TransportError::InvalidRequest) before
    /// anything is sent. Off by default because Lakala's cross-border test host and
    /// loopback sandboxes speak plain HTTP; turn it on for production.
    pub fn https_only(mut self, on: bool) -> Self {
        self.https_only = on;
        self
    }

    /// Trusts one more root certificate (in DER; from PEM with
    /// [`rustls::pki_types::pem::PemObject`]), in addition to the default or
    /// [`root_certificates`](Self::root_certificates) roots. Checked in
    /// [`build`](Self::build). Cannot be combined with [`tls_config`](Self::tls_config).
    pub fn add_root_certificate(mut self, certificate: CertificateDer<'static>) -> Self {
        self.extra_roots.push(certificate);
        self
    }

    /// Trusts exactly these roots instead of the bundled Mozilla roots (e.g. only a
    /// private CA). The crypto provider stays rustls' `aws-lc-rs`.
    pub fn root_certificates(mut self, roots: RootCertStore) -> Self {
        self.trust = Trust::Roots(roots);
        self
    }

    /// Uses this rustls configuration for `https://` (client certificates, a custom
    /// verifier, another crypto provider...). Its ALPN list is replaced by `http/1.1`
    /// (the transport speaks HTTP/1.1 only).
    pub fn tls_config(mut self, config: ClientConfig) -> Self {
        self.trust = Trust::Config(Box::new(config));
        self
    }

    /// Builds the transport. Needs no runtime; [`HyperTransport`]'s `send` must then run
    /// inside a Tokio runtime with IO and time enabled.
    pub fn build(self) -> Result<HyperTransport, BuildError> {
        if self.connect_timeout.is_zero() {
            return Err(BuildError::new("the connect timeout must not be zero"));
        }
        if self.timeout.is_zero() {
            return Err(BuildError::new("the request timeout must not be zero"));
        }
        let tls = self.tls_summary();
        let mut config = match self.trust {
            Trust::Config(config) => {
                if !self.extra_roots.is_empty() {
                    return Err(BuildError::new(
                        "add_root_certificate cannot be combined with tls_config: put the roots in the ClientConfig",
                    ));
                }
                *config
            }
            Trust::WebpkiRoots => config_with_roots(webpki_roots(), self.extra_roots)?,
            Trust::Roots(roots) => config_with_roots(roots, self.extra_roots)?,
        };
        // hyper-rustls sets ALPN itself and panics if it is preset.
        config.alpn_protocols.clear();

        let mut tcp = HttpConnector::new();
        // The TLS connector below hands it https:// URLs too.
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(self.connect_timeout));
        // Requests are small and sent whole: don't let Nagle hold the last segment.
        tcp.set_nodelay(true);
        let mut connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        if self.https_only {
            // Already refused per request; this is the belt to those braces.
            connector.enforce_https();
        }

        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(connector);

        Ok(HyperTransport {
            client,
            settings: Settings {
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                pool_idle_timeout: self.pool_idle_timeout,
                pool_max_idle_per_host: self.pool_max_idle_per_host,
                https_only: self.https_only,
                tls,
            },
        })
    }

    fn tls_summary(&self) -> TlsSummary {
        let extra_roots = self.extra_roots.len();
        match &self.trust {
            Trust::WebpkiRoots => TlsSummary::WebpkiRoots { extra_roots },
            Trust::Roots(roots) => TlsSummary::CustomRoots {
                roots: roots.len() + extra_roots,
            },
            Trust::Config(_) => TlsSummary::CustomConfig,
        }
    }
}

fn webpki_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// A client configuration on rustls' `aws-lc-rs` provider, chosen here rather than looked up
/// process-wide, so no other crate's choice (or absence of one) can make it panic.
fn config_with_roots(
    mut roots: RootCertStore,
    extra: Vec<CertificateDer<'static>>,
) -> Result<ClientConfig, BuildError> {
    for (i, certificate) in extra.into_iter().enumerate() {
        roots.add(certificate).map_err(|e| {
            BuildError::new(format!(
                "extra root certificate #{} is unusable: {e}",
                i + 1
            ))
        })?;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| BuildError::new(format!("TLS setup failed: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let t = HyperTransportBuilder::new().build().unwrap();
        let s = format!("{t:?}");
        assert!(s.contains("timeout: 30s"), "{s}");
        assert!(s.contains("connect_timeout: 10s"), "{s}");
        assert!(s.contains("max_response_bytes: 4194304"), "{s}");
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let e = HyperTransportBuilder::new()
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.reason().contains("request timeout"), "{e}");
        let e = HyperTransportBuilder::new()
            .connect_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.reason().contains("connect timeout"), "{e}");
    }

    #[test]
    fn garbage_root_certificate_is_refused_at_build() {
        let e = HyperTransportBuilder::new()
            .add_root_certificate(CertificateDer::from(vec![1, 2, 3]))
            .build()
            .unwrap_err();
        assert!(e.reason().contains("#1"), "{e}");
    }

    #[test]
    fn own_config_with_alpn_does_not_panic() {
        let mut config = ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let t = HyperTransportBuilder::new()
            .tls_config(config.clone())
            .build();
        assert!(t.is_ok());
        let e = HyperTransportBuilder::new()
            .tls_config(config)
            .add_root_certificate(CertificateDer::from(vec![1]))
            .build()
            .unwrap_err();
        assert!(e.reason().contains("tls_config"), "{e}");
    }

    #[test]
    fn bundled_roots_are_present() {
        assert!(!webpki_roots().is_empty());
    }
}
