//! `lakala doctor`: checks a service's configuration before it runs — the file and
//! variables, keys, certificates (validity, serials), the merchant profile, the journal
//! and its resolver, and the platform's reachability — one line per finding.

use crate::args::Cli;
use crate::embedded::Embedded;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::{self, Family};
use lakala_client::Config;
use lakala_crypto::{Certificate, Clock, SystemClock};
use lakala_journal::{
    redacted, Journal, JournalError, ListFilter, PaymentJournal, PaymentStatus, SCHEMA_VERSION,
};
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport, Method, TransportError};
use serde_json::{json, Value};
use std::time::Duration;

/// Certificates expiring sooner than this are a warning.
const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;

/// One finding: `ok`, `warn` (works, but look) or `fail` (with the exit status it means).
struct Findings {
    lines: Vec<(&'static str, String, String)>,
    exit: Exit,
}

impl Findings {
    fn ok(&mut self, what: &str, detail: impl Into<String>) {
        self.lines.push(("ok", what.to_owned(), detail.into()));
    }

    fn warn(&mut self, what: &str, detail: impl Into<String>) {
        self.lines.push(("warn", what.to_owned(), detail.into()));
    }

    fn fail(&mut self, what: &str, detail: impl Into<String>, exit: Exit) {
        self.lines.push(("fail", what.to_owned(), detail.into()));
        if self.exit == Exit::Success {
            self.exit = exit;
        }
    }

    fn report(self) -> Report {
        let failed = self.lines.iter().filter(|l| l.0 == "fail").count();
        let items: Vec<Value> = self
            .lines
            .iter()
            .map(|(level, what, detail)| json!({"level": level, "check": what, "detail": detail}))
            .collect();
        let mut report = Report::new(if failed == 0 { "healthy" } else { "unhealthy" }, self.exit)
            .extra("findings", Value::Array(items));
        for (level, what, detail) in &self.lines {
            report = report.line(format!("{level:<4} {what}: {detail}"));
        }
        report.line(format!("{} checks, {failed} failed", self.lines.len()))
    }
}

pub async fn run(cli: &Cli) -> Result<Report, Failure> {
    let mut findings = Findings {
        lines: Vec::new(),
        exit: Exit::Success,
    };
    let embedded = if settings::platform_configured(cli) {
        None
    } else {
        let embedded = Embedded::start().await?;
        findings.warn(
            "config",
            format!(
                "no config file or base URL: checking an embedded sandbox at {}",
                embedded.base_url()
            ),
        );
        Some(embedded)
    };
    let file = embedded.as_ref().map(|e| e.config_path());
    let config = match settings::load(cli, Family::OpenPlatform, file) {
        Ok(config) => config,
        Err(e) => {
            findings.fail("config", e.to_string(), Exit::Usage);
            return Ok(findings.report());
        }
    };
    findings.ok(
        "config",
        "loads (keys parse, the first certificates are valid now)",
    );
    credentials(&config, &mut findings);
    journal(cli, &config, embedded.as_ref(), &mut findings).await;
    reachability(&config, &mut findings).await;
    Ok(findings.report())
}

fn credentials(config: &Config, findings: &mut Findings) {
    match &config.crossborder {
        Some(c) => findings.ok("cross-border", format!("mer_id {}, keys load", c.mer_id)),
        None => findings.warn("cross-border", "not configured (gate/auth unavailable)"),
    }
    let Some(open) = &config.open_platform else {
        findings.warn("open platform", "not configured (micropay unavailable)");
        return;
    };
    findings.ok(
        "open platform",
        format!(
            "appid {}, merchant certificate serial {}",
            open.appid, open.serial_no
        ),
    );
    let now = SystemClock.unix_seconds();
    let mut platform = vec![&open.platform_cert];
    platform.extend(config.extra_certificates.platform());
    for cert in platform {
        certificate("platform certificate", cert, now, findings);
    }
    let mut notify: Vec<&Certificate> = open.notify_cert.iter().collect();
    notify.extend(config.extra_certificates.notify());
    if notify.is_empty() {
        findings.warn(
            "notification certificate",
            "none: notifications cannot be verified",
        );
    }
    for cert in notify {
        certificate("notification certificate", cert, now, findings);
    }
    match &config.merchant {
        None => findings.warn(
            "merchant",
            "no [merchant] profile (merchant_no, term_no, request_ip): a service needs one; the CLI takes the numbers as flags",
        ),
        Some(m) if m.location.is_none() => findings.fail(
            "merchant",
            format!(
                "{} / {}: no request_ip (LAKALA_REQUEST_IP): every micropay would be refused for a missing location_info",
                m.merchant_no, m.term_no
            ),
            Exit::Usage,
        ),
        Some(m) => findings.ok(
            "merchant",
            format!(
                "{} / {}, notify_url {}",
                m.merchant_no,
                m.term_no,
                m.notify_url.as_deref().unwrap_or("(none)")
            ),
        ),
    }
}

fn certificate(what: &str, cert: &Certificate, now: i64, findings: &mut Findings) {
    let days = |secs: i64| secs / 86_400;
    let name = format!("{what} {}", cert.serial_hex());
    if cert.not_after() < now {
        findings.fail(
            &name,
            format!("expired {} days ago", days(now - cert.not_after())),
            Exit::Usage,
        );
    } else if cert.not_before() > now {
        findings.ok(
            &name,
            format!(
                "valid from in {} days (installed ahead of a rotation)",
                days(cert.not_before() - now)
            ),
        );
    } else if cert.not_after() - now < EXPIRY_WARNING_SECS {
        findings.warn(
            &name,
            format!("expires in {} days", days(cert.not_after() - now)),
        );
    } else {
        findings.ok(
            &name,
            format!("valid for {} more days", days(cert.not_after() - now)),
        );
    }
}

async fn journal(cli: &Cli, config: &Config, embedded: Option<&Embedded>, findings: &mut Findings) {
    let url = cli
        .journal
        .clone()
        .or_else(|| config.journal.as_ref().map(|j| j.url.clone()))
        .or_else(|| {
            embedded.map(|e| format!("sqlite:{}", e.dir().join("journal.sqlite").display()))
        });
    let Some(url) = url else {
        findings.warn(
            "journal",
            "none configured ([journal] url, LAKALA_JOURNAL): payments survive no crash",
        );
        return;
    };
    let schema = cli
        .journal_schema
        .clone()
        .or_else(|| config.journal.as_ref().and_then(|j| j.schema.clone()));
    let shown = redacted(&url);
    let journal = match Journal::open_in_schema(&url, schema.as_deref()).await {
        Ok(journal) => journal,
        Err(e) => {
            let exit = if e.is_transient() {
                Exit::Transport
            } else {
                Exit::Internal
            };
            findings.fail("journal", format!("{shown}: {e}"), exit);
            return;
        }
    };
    let payments = journal.payments();
    let mut open = 0;
    let mut unresolved = 0;
    let mut filter = ListFilter::open();
    loop {
        match payments.list(&filter).await {
            Ok(page) => {
                let Some(last) = page.last() else { break };
                filter = filter.after(last.key.clone());
                open += page.len();
                unresolved += page
                    .iter()
                    .filter(|r| r.status == PaymentStatus::Unresolved)
                    .count();
            }
            Err(e) => {
                findings.fail(
                    "journal",
                    format!("{shown}: cannot list payments: {e}"),
                    Exit::Internal,
                );
                return;
            }
        }
    }
    findings.ok(
        "journal",
        format!("{shown}: schema version {SCHEMA_VERSION}, {open} payments open, {unresolved} unresolved"),
    );
    if unresolved > 0 {
        findings.warn(
            "journal",
            format!(
                "{unresolved} unresolved payments need a person: lakala payments list --unresolved"
            ),
        );
    }
    match conflicts(payments.as_ref()).await {
        Ok(0) => findings.ok("conflicts", "no payment contradicted by the platform"),
        Ok(n) => findings.warn(
            "conflicts",
            format!(
                "{n} payments the platform contradicted need a person: lakala payments list --conflicts"
            ),
        ),
        Err(e) => {
            findings.fail(
                "conflicts",
                format!("{shown}: cannot list payments: {e}"),
                Exit::Internal,
            );
            return;
        }
    }
    if config.resolver.enabled == Some(false) {
        findings.warn("resolver", "off ([resolver] enabled = false): payments left pending wait until another process resolves them");
    } else {
        findings.ok("resolver", "on (LakalaClient::from_config starts it)");
    }
}

/// How many payments are marked with a conflict (a contradiction left for a person),
/// whatever their status.
async fn conflicts(payments: &dyn PaymentJournal) -> Result<usize, JournalError> {
    let mut count = 0;
    let mut filter = ListFilter::conflicts().limit(1000);
    loop {
        let page = payments.list(&filter).await?;
        let Some(last) = page.last() else {
            return Ok(count);
        };
        filter = filter.after(last.key.clone());
        count += page.len();
    }
}

async fn reachability(config: &Config, findings: &mut Findings) {
    let mut urls = Vec::new();
    if config.open_platform.is_some() {
        urls.push((
            "reachability (open platform)",
            config.environment.open_platform_base_url(),
        ));
    }
    if config.crossborder.is_some() {
        urls.push((
            "reachability (cross-border)",
            config.environment.crossborder_base_url(),
        ));
    }
    urls.dedup_by(|a, b| a.1 == b.1);
    let transport = match HyperTransport::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(t) => t,
        Err(e) => {
            findings.fail("reachability", e.to_string(), Exit::Internal);
            return;
        }
    };
    for (what, url) in urls {
        let mut request = HttpRequest::post(url.clone(), Vec::new());
        request.method = Method::Get;
        match transport.send(request).await {
            // Any HTTP answer, even 404, means the platform is there.
            Ok(response) => findings.ok(what, format!("{url} answers (HTTP {})", response.status)),
            Err(e @ TransportError::Connect { .. }) => {
                findings.fail(what, format!("{url}: {e}"), Exit::Transport)
            }
            Err(e) => findings.fail(what, format!("{url}: {e}"), Exit::Transport),
        }
    }
}
