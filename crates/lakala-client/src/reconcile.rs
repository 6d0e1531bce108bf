//! Reconciliation: does the journal agree with the platform?
//!
//! [`Reconciler::run`] takes every journaled payment and companion (revoke, refund)
//! created in a range of days (China time, UTC+8), optionally of one merchant, asks the
//! platform about each by query (the trade query; the refund query for a refund; a
//! revoke's payment for a revoke) and sorts it ([`Class`]):
//!
//! - **agrees**: the same fate on both sides (or both still open);
//! - **finished**: open in the journal, final on the platform: finished now through the
//!   journal's normal path, the resolver's own code (the same settling and verdicts, the
//!   same events), never a copy of it;
//! - **contradiction**: final in the journal, different on the platform (a payment
//!   revoked behind the journal's back, a "failed" payment the platform says paid): the
//!   payment is marked `conflict` for a person (`lakala payments list --conflicts`,
//!   [`crate::metrics::CONFLICTS`], a [`SettledEvent::Conflict`]); nothing is overwritten;
//! - **not found**: the platform says there is no such order (except a payment the
//!   journal proved never sent, which agrees);
//! - **inconclusive**: the query said nothing (it failed, or answered a code that proves
//!   nothing), or another run or a resolver held the payment throughout: said as such,
//!   retried by the next run.
//!
//! **Nothing that moves money is ever sent**: only queries. An open payment whose query
//! is not final is left to the resolvers, its schedule untouched.
//!
//! **Journaled.** Each result is appended to the payment as a `reconciled` event (the
//! run's name, the class, the journal's status, what the platform said), so the next run
//! says what changed since ([`Change`]), and a person reading the payment's events sees
//! every reconciliation.
//!
//! **Resumable.** A run has a name ([`ReconcileConfig::run`]; by default the range, the
//! merchant and the China day the run is made on, so a daily job that is interrupted and
//! started again the same day resumes it). A payment this run already reconciled
//! conclusively is not queried again: its journaled result is reported (`resumed`).
//! Inconclusive ones are asked again.
//!
//! **Leased like the resolver.** Each payment is worked under its own lease
//! ([`lakala_journal::PaymentJournal::claim_payment`]), taken whatever the payment's
//! status and never while a resolver or another run holds one; every write is fenced by
//! it. Two runs of one name at once (two cron jobs, two hosts on one PostgreSQL journal)
//! query each payment once between them: the second finds the first's result under the
//! lease. A payment held by someone else is tried again after the others, a few times
//! ([`ReconcileConfig::held_retries`]), then reported inconclusive.
//!
//! **Rate-limited.** Queries are spaced by a [`QueryPace`] (default five per second).

use crate::china_day::ChinaDay;
use crate::client::LakalaClient;
use crate::error::ClientError;
use crate::events::SettledEvent;
use crate::outcome::OrderRef;
use crate::reconcile_check::{
    compare_final, inconclusive_why, refund_words, trade_words, Platform,
};
use crate::reconcile_report::{Change, Class, PlatformSays, ReconcileReport, ReconciledPayment};
use crate::recorder::truncate;
use crate::resolver::{Found, Resolver};
use crate::settle;
use lakala_journal::{
    Claim, Event, JournalError, Lease, ListFilter, NewEvent, PaymentJournal, PaymentKey,
    PaymentKind, PaymentRecord, PaymentStatus, StateUpdate,
};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The kind of the events a reconciliation appends.
pub const RECONCILED: &str = "reconciled";

/// How fast a reconciliation queries the platform: at most one query per `interval`
/// (in the style of the resolver's timing policies: one small type, one question).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryPace {
    interval: Duration,
}

impl QueryPace {
    /// At most `n` queries per second (`0` is taken as 1).
    pub fn per_second(n: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / n.max(1),
        }
    }

    /// At least `interval` between two queries.
    pub fn every(interval: Duration) -> Self {
        Self { interval }
    }

    /// No spacing at all (tests, a sandbox).
    pub fn unlimited() -> Self {
        Self {
            interval: Duration::ZERO,
        }
    }

    /// The time between two queries.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

impl Default for QueryPace {
    /// Five queries per second.
    fn default() -> Self {
        Self::per_second(5)
    }
}

/// What a reconciliation covers and how it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// The first day (China time).
    pub from: ChinaDay,
    /// The last day, inclusive.
    pub to: ChinaDay,
    /// Only this merchant's payments.
    pub merchant_no: Option<String>,
    /// The run's name: runs of one name resume each other (see the module docs). `None`:
    /// the range, the merchant and the China day of the run.
    pub run: Option<String>,
    /// How fast queries go.
    pub pace: QueryPace,
    /// How long a payment is held while it is reconciled (a query, at most a settling
    /// write or two): past it, a resolver or another run may take it over.
    pub lease: Duration,
    /// How many more times a payment held by a resolver or another run is tried, after
    /// the others, before it is reported inconclusive.
    pub held_retries: u32,
    /// The wait before each of those tries.
    pub held_wait: Duration,
}

impl ReconcileConfig {
    /// The payments created from `from` to `to` (inclusive, China time), every merchant.
    pub fn days(from: ChinaDay, to: ChinaDay) -> Self {
        Self {
            from,
            to,
            merchant_no: None,
            run: None,
            pace: QueryPace::default(),
            lease: Duration::from_secs(120),
            held_retries: 20,
            held_wait: Duration::from_secs(1),
        }
    }

    /// Only `merchant_no`'s payments.
    pub fn merchant(mut self, merchant_no: impl Into<String>) -> Self {
        self.merchant_no = Some(merchant_no.into());
        self
    }

    /// Names the run.
    pub fn run(mut self, name: impl Into<String>) -> Self {
        self.run = Some(name.into());
        self
    }

    /// Sets the pace.
    pub fn pace(mut self, pace: QueryPace) -> Self {
        self.pace = pace;
        self
    }
}

/// Reconciles a journal with the platform. Made by [`LakalaClient::reconciler`].
#[derive(Debug)]
pub struct Reconciler {
    client: LakalaClient,
    journal: Arc<dyn PaymentJournal>,
    resolver: Resolver,
    config: ReconcileConfig,
    run: String,
    /// When the next query may leave.
    next_query: Mutex<Option<Instant>>,
    queries: AtomicU64,
}

impl LakalaClient {
    /// A reconciliation of this client's journal ([`ClientError::NotConfigured`] without
    /// one; [`ClientError::NotConfigured`] too when `from` is after `to`).
    pub fn reconciler(&self, config: ReconcileConfig) -> Result<Reconciler, ClientError> {
        let journal = self
            .inner
            .journal
            .clone()
            .ok_or(ClientError::NotConfigured(
                "a journal (LakalaClientBuilder::journal)",
            ))?;
        if config.from > config.to {
            return Err(ClientError::NotConfigured(
                "a reconciliation range whose first day is not after its last",
            ));
        }
        let run = config.run.clone().unwrap_or_else(|| {
            format!(
                "{}..{}/{}@{}",
                config.from,
                config.to,
                config.merchant_no.as_deref().unwrap_or("all"),
                ChinaDay::of_unix(self.now_unix())
            )
        });
        Ok(Reconciler {
            resolver: Resolver::for_reconciliation(self, journal.clone()),
            client: self.clone(),
            journal,
            config,
            run,
            next_query: Mutex::new(None),
            queries: AtomicU64::new(0),
        })
    }
}

/// What became of one payment in one pass.
enum Worked {
    Done(Box<ReconciledPayment>),
    /// Someone else holds its lease.
    Held {
        owner: String,
    },
    /// Deleted (pruned) since it was listed.
    Gone,
}

impl Reconciler {
    /// The run's name.
    pub fn run_name(&self) -> &str {
        &self.run
    }

    /// Reconciles every payment in the range (see the module docs). Errors are the
    /// journal's (it could not be listed, read or written): what was reconciled before is
    /// journaled, and running again resumes.
    pub async fn run(&self) -> Result<ReconcileReport, ClientError> {
        let records = self.in_range().await?;
        let mut done = Vec::with_capacity(records.len());
        let mut held = Vec::new();
        for record in records {
            match self.one(&record).await? {
                Worked::Done(item) => done.push(*item),
                Worked::Held { owner } => held.push((record, owner)),
                Worked::Gone => {}
            }
        }
        for _ in 0..self.config.held_retries {
            if held.is_empty() {
                break;
            }
            self.client.inner.sleeper.sleep(self.config.held_wait).await;
            let mut still = Vec::new();
            for (record, _) in held {
                match self.one(&record).await? {
                    Worked::Done(item) => done.push(*item),
                    Worked::Held { owner } => still.push((record, owner)),
                    Worked::Gone => {}
                }
            }
            held = still;
        }
        for (record, owner) in held {
            done.push(self.item(
                &record,
                record.status,
                Class::Inconclusive,
                PlatformSays {
                    query: "none".into(),
                    code: "inconclusive".into(),
                    trade_state: None,
                    verdict: "inconclusive".into(),
                },
                format!("held by {owner} throughout: not queried; the next run asks again"),
                Change::New,
                false,
            ));
        }
        Ok(ReconcileReport::new(
            self.run.clone(),
            self.config.from,
            self.config.to,
            self.config.merchant_no.clone(),
            done,
            self.queries.load(Ordering::SeqCst),
        ))
    }

    /// Every payment and companion journaled in the range, newest first (the journal's
    /// time listing, page by page).
    async fn in_range(&self) -> Result<Vec<PaymentRecord>, ClientError> {
        let (start, end) = (self.config.from.start_unix(), self.config.to.end_unix());
        let mut filter = ListFilter::all()
            .created_in(start, end)
            .newest_first()
            .limit(500);
        if let Some(m) = &self.config.merchant_no {
            filter = filter.with_merchant(m.clone());
        }
        let mut all = Vec::new();
        loop {
            let page = self.journal.list(&filter).await?;
            let Some(last) = page.last() else { break };
            filter = filter.page_after(last)?;
            all.extend(page);
        }
        Ok(all)
    }

    /// Leases one payment and reconciles it; releases the lease after.
    async fn one(&self, listed: &PaymentRecord) -> Result<Worked, ClientError> {
        let now = self.client.now_unix();
        let lease_secs = i64::try_from(self.config.lease.as_secs().max(1)).unwrap_or(i64::MAX);
        let claim = match self
            .journal
            .claim_payment(&listed.key, &self.client.inner.instance, now, lease_secs)
            .await
        {
            Ok(Some(claim)) => claim,
            Ok(None) => {
                let owner = match self.journal.payment(&listed.key).await? {
                    Some(r) => r.lease_owner.unwrap_or_else(|| "another instance".into()),
                    None => return Ok(Worked::Gone),
                };
                return Ok(Worked::Held { owner });
            }
            Err(JournalError::NotFound { .. }) => return Ok(Worked::Gone),
            Err(e) => return Err(e.into()),
        };
        let lease = claim.lease.clone();
        let result = self.work(claim).await;
        match self.journal.release(&lease, None).await {
            Ok(()) | Err(JournalError::LeaseLost) => {}
            Err(e) => {
                tracing::warn!(payment = %lease.key, error = %e, "could not release a reconciliation lease; it expires by itself")
            }
        }
        Ok(Worked::Done(Box::new(result?)))
    }

    /// Reconciles one leased payment.
    async fn work(&self, claim: Claim) -> Result<ReconciledPayment, ClientError> {
        let Claim {
            lease,
            payment: record,
        } = claim;
        let events = self.journal.events(&record.key).await?;
        let (ours, previous) = earlier_results(&events, &self.run);
        if let Some(ours) = ours {
            if let Some(item) = self.resumed(&record, ours, previous) {
                return Ok(item);
            }
        }
        self.wait_for_pace().await;
        self.queries.fetch_add(1, Ordering::SeqCst);
        let mut origin = None;
        let (found, said, platform, trade_no, inconclusive) = match record.kind {
            PaymentKind::Refund => {
                let f = settle::refund_found(&self.client, &record).await;
                let said = refund_words(&f);
                let platform = Platform::of_refund(&f);
                let why = match &f.fate {
                    settle::RefundFate::Open(why) => Some(why.clone()),
                    _ => None,
                };
                (Found::Refund(f.fate), said, platform, None, why)
            }
            PaymentKind::Revoke => {
                let origin_no = record.origin_out_trade_no.clone().unwrap_or_default();
                let origin_key = PaymentKey::new(record.key.merchant_no.clone(), origin_no.clone());
                origin = self.journal.payment(&origin_key).await?;
                let order = OrderRef {
                    merchant_no: record.key.merchant_no.clone(),
                    term_no: record.term_no.clone(),
                    out_trade_no: origin_no,
                    trade_no: origin.as_ref().and_then(|o| o.trade_no.clone()),
                };
                let amount = origin.as_ref().and_then(amount_of);
                let finding = settle::query(&self.client, &order, amount).await;
                let said = trade_words(&finding);
                let platform = Platform::of_trade(&finding.verdict);
                let why = inconclusive_why(&finding.verdict).map(str::to_owned);
                (Found::Trade(finding), said, platform, None, why)
            }
            PaymentKind::Micropay | PaymentKind::Preorder => {
                let order = OrderRef {
                    merchant_no: record.key.merchant_no.clone(),
                    term_no: record.term_no.clone(),
                    out_trade_no: record.key.out_trade_no.clone(),
                    trade_no: record.trade_no.clone(),
                };
                let finding = settle::query(&self.client, &order, amount_of(&record)).await;
                let said = trade_words(&finding);
                let platform = Platform::of_trade(&finding.verdict);
                let trade_no = finding.trade_no.clone();
                let why = inconclusive_why(&finding.verdict).map(str::to_owned);
                (Found::Trade(finding), said, platform, trade_no, why)
            }
        };
        let mut status = record.status;
        let (class, detail) = if record.status.is_final() {
            let reversed_by = if record.kind == PaymentKind::Micropay
                && platform == Platform::Reversed
                && record.status == PaymentStatus::Succeeded
            {
                self.reversed_by(&record.key).await?
            } else {
                None
            };
            compare_final(
                &record,
                platform,
                trade_no.as_deref(),
                reversed_by.as_deref(),
            )
        } else {
            match platform {
                Platform::Inconclusive => (
                    Class::Inconclusive,
                    format!(
                        "open; the query said nothing ({}): the next run asks again",
                        inconclusive.unwrap_or_default()
                    ),
                ),
                Platform::InProgress => (
                    Class::Agrees,
                    "open on both sides: left to the resolvers".into(),
                ),
                _ => {
                    let resolution = self
                        .resolver
                        .apply_found(lease.clone(), &record, origin.as_ref(), found)
                        .await;
                    let now = self.journal.payment(&record.key).await?;
                    status = now.as_ref().map(|r| r.status).unwrap_or(record.status);
                    if status.is_final() {
                        (
                            Class::Finished,
                            format!(
                                "was {}, the platform says {}: finished {status} ({})",
                                record.status,
                                platform.word(),
                                resolution.detail
                            ),
                        )
                    } else if platform == Platform::NotFound {
                        (
                            Class::NotFound,
                            format!(
                                "{}; the platform cannot find it ({})",
                                record.status, resolution.detail
                            ),
                        )
                    } else if now.as_ref().is_some_and(|r| r.lease_token != lease.token) {
                        (
                            Class::Inconclusive,
                            "the lease was lost while settling: the next run asks again".into(),
                        )
                    } else {
                        (
                            Class::Agrees,
                            format!(
                                "open; the platform says {}: {}",
                                platform.word(),
                                resolution.detail
                            ),
                        )
                    }
                }
            }
        };
        let change = change_since(previous, class, &said);
        self.journal_result(&record, &lease, status, class, &said, &detail)
            .await?;
        Ok(self.item(&record, status, class, said, detail, change, false))
    }

    /// Appends the `reconciled` event (fenced); a contradiction marks the payment
    /// `conflict` for a person, once per text, and is announced.
    async fn journal_result(
        &self,
        record: &PaymentRecord,
        lease: &Lease,
        status: PaymentStatus,
        class: Class,
        said: &PlatformSays,
        detail: &str,
    ) -> Result<(), ClientError> {
        let payload = json!({
            "run": self.run,
            "class": class.as_str(),
            "journal": status.as_str(),
            "journal_before": record.status.as_str(),
            "platform": said,
            "detail": truncate(detail, 500),
        });
        let mut update = StateUpdate::none();
        let mut conflict = None;
        if class == Class::Contradiction {
            let text = truncate(&format!("reconciliation: {detail}"), 1000);
            if record.conflict.as_deref() != Some(text.as_str()) {
                update = update.with_conflict(text.clone());
                conflict = Some(text);
            }
        }
        let event = NewEvent::new(
            self.client.now_unix(),
            self.client.inner.instance.clone(),
            RECONCILED,
            payload,
        );
        match self
            .journal
            .append(&record.key, &event, &update, Some(lease))
            .await
        {
            Ok(_) => {}
            // Taken over meanwhile (the lease ran out): the result is reported, not
            // journaled; the next run asks again.
            Err(JournalError::LeaseLost) => {
                tracing::warn!(payment = %record.key, "reconciliation lease lost: result not journaled");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(text) = conflict {
            crate::metrics::conflict("status");
            self.client.inner.events.send(SettledEvent::Conflict {
                key: record.key.clone(),
                field: "status".into(),
                detail: text,
            });
        }
        Ok(())
    }

    /// A journaled revoke or refund of the payment that succeeded (it explains `REFUND`).
    async fn reversed_by(&self, key: &PaymentKey) -> Result<Option<String>, ClientError> {
        let filter = ListFilter::all()
            .with_merchant(key.merchant_no.clone())
            .with_origin(key.out_trade_no.clone())
            .limit(500);
        let companions = self.journal.list(&filter).await?;
        Ok(companions
            .into_iter()
            .find(|c| {
                c.status == PaymentStatus::Succeeded
                    && c.origin_out_trade_no.as_deref() == Some(key.out_trade_no.as_str())
                    && matches!(c.kind, PaymentKind::Revoke | PaymentKind::Refund)
            })
            .map(|c| format!("{} {}", c.kind, c.key.out_trade_no)))
    }

    /// This run's earlier, conclusive result, as reported (none if it was inconclusive:
    /// asked again).
    fn resumed(
        &self,
        record: &PaymentRecord,
        ours: &Value,
        previous: Option<&Value>,
    ) -> Option<ReconciledPayment> {
        let class = Class::from_word(ours["class"].as_str()?)?;
        if class == Class::Inconclusive {
            return None;
        }
        let said: PlatformSays = PlatformSays {
            query: ours["platform"]["query"]
                .as_str()
                .unwrap_or("none")
                .to_owned(),
            code: ours["platform"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            trade_state: ours["platform"]["trade_state"].as_str().map(str::to_owned),
            verdict: ours["platform"]["verdict"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        let before = ours["journal_before"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(record.status);
        let change = change_since(previous, class, &said);
        let mut item = self.item(
            record,
            record.status,
            class,
            said,
            ours["detail"].as_str().unwrap_or_default().to_owned(),
            change,
            true,
        );
        item.status_before = before;
        Some(item)
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &self,
        record: &PaymentRecord,
        status: PaymentStatus,
        class: Class,
        platform: PlatformSays,
        detail: String,
        change: Change,
        resumed: bool,
    ) -> ReconciledPayment {
        ReconciledPayment {
            key: record.key.clone(),
            kind: record.kind,
            origin_out_trade_no: record.origin_out_trade_no.clone(),
            day: ChinaDay::of_unix(record.created_at),
            amount_fen: record.amount_fen.unwrap_or(0),
            status,
            status_before: record.status,
            class,
            platform,
            detail,
            change,
            resumed,
        }
    }

    /// Waits for the pace's next slot.
    async fn wait_for_pace(&self) {
        let interval = self.config.pace.interval();
        if interval.is_zero() {
            return;
        }
        let wait = {
            let mut next = self.next_query.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.filter(|t| *t > now).unwrap_or(now);
            *next = Some(slot + interval);
            slot.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            self.client.inner.sleeper.sleep(wait).await;
        }
    }
}

fn amount_of(record: &PaymentRecord) -> Option<Amount> {
    record
        .amount_fen
        .and_then(|f| u64::try_from(f).ok())
        .and_then(|f| Amount::from_fen(f).ok())
}

/// This run's last `reconciled` payload and the last one of an earlier run.
fn earlier_results<'a>(events: &'a [Event], run: &str) -> (Option<&'a Value>, Option<&'a Value>) {
    let mut ours = None;
    let mut previous = None;
    for e in events.iter().filter(|e| e.kind == RECONCILED) {
        if e.payload["run"].as_str() == Some(run) {
            ours = Some(&e.payload);
        } else {
            previous = Some(&e.payload);
        }
    }
    (ours, previous)
}

/// What changed since the previous run's result.
fn change_since(previous: Option<&Value>, class: Class, said: &PlatformSays) -> Change {
    let Some(previous) = previous else {
        return Change::New;
    };
    let was = previous["class"].as_str().and_then(Class::from_word);
    let platform_was = previous["platform"]["verdict"].as_str().unwrap_or_default();
    match was {
        Some(was) if was == class && platform_was == said.verdict => Change::Same,
        Some(was) => Change::Changed {
            was,
            platform_was: platform_was.to_owned(),
        },
        None => Change::New,
    }
}
