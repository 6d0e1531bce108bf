//! The resolver: finishes every journaled payment whose outcome is not final — after a
//! crash, a dropped future, a deploy, or a schedule that ended with
//! [`crate::PendingPolicy::ReturnPending`] — by trade query.
//!
//! Timeline of a payment, from its intent's time:
//! 1. the spec's schedule ([`crate::PollSchedule`], +5, +5, +5, +5, +10, +10, +20 s), run by
//!    the live flow, or by a resolver when the live flow died;
//! 2. then the long tail ([`LongTail`]): 30 s, 1, 2, 5, 10 min, then every 10 min, up to the
//!    horizon (default 2 h 30 min: Lakala keeps querying the wallet for about two hours, then
//!    notifies; plus margin);
//! 3. past the horizon the payment is marked `unresolved` and listed for a person; resolvers
//!    leave it alone until asked ([`Resolver::resolve_now`]).
//!
//! With [`ResolverPolicy::Revoke`], a payment still not final when the spec's schedule is
//! over is revoked instead, as [`crate::PendingPolicy::Revoke`] does in the live flow.
//!
//! Several resolvers (several instances on one PostgreSQL journal) share the work: each
//! payment is worked under a lease ([`lakala_journal::PaymentJournal::claim_due`]) by
//! exactly one of them at a time, every write is fenced by that lease, and the lease of an
//! instance that died expires and is taken over.
//!
//! A payment whose live flow died with its process is left alone until its live-flow
//! window is over (the schedule, a request timeout per exchange and a minute), because no
//! resolver can tell a dead flow from a slow one on another instance. Except its own: when
//! the instance names are stable across restarts and unique among running processes
//! ([`crate::Config::instance`], `LAKALA_INSTANCE`), a restarted instance knows that the
//! payments recorded under its name before it started have no live flow any more, and
//! [`Resolver::spawn`] (so [`LakalaClient::resume_pending`]) takes them back at once
//! ([`Resolver::take_back_earlier_runs`]).

use crate::error::ClientError;
use crate::outcome::{OrderRef, PaymentOutcome, PendingPayment};
use crate::payment_flow::{Flow, MicropayOptions, Queried};
use crate::poll::PendingPolicy;
use crate::recorder::{is_micropay, Recorder};
use crate::LakalaClient;
use lakala_journal::{
    kinds, Claim, ListFilter, NewEvent, PaymentJournal, PaymentKey, PaymentKind, PaymentRecord,
    PaymentStatus, StateUpdate,
};
use lakala_types::micropay::{LocationInfo, RefundRequest, RevokeRequest};
use lakala_types::{Amount, CodeClass};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The queries after the spec's schedule: growing delays up to a horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTail {
    delays: Vec<Duration>,
    horizon: Duration,
}

impl LongTail {
    /// The first delay of [`LongTail::lakala`], in seconds: when a payment the live flow
    /// left pending is first due for a resolver.
    pub const FIRST_DELAY_SECS: i64 = 30;

    /// 30 s, 1, 2, 5, 10 min, then every 10 min, until 2 h 30 min after the intent.
    pub fn lakala() -> Self {
        Self::new(
            [30, 60, 120, 300, 600].map(Duration::from_secs).to_vec(),
            Duration::from_secs(150 * 60),
        )
    }

    /// Custom delays (the last repeats) and horizon. An empty list means one query per
    /// minute.
    pub fn new(delays: Vec<Duration>, horizon: Duration) -> Self {
        Self { delays, horizon }
    }

    /// The delay before the tail's query number `n` (0-based); the last delay repeats.
    pub fn delay(&self, n: usize) -> Duration {
        self.delays
            .get(n)
            .or(self.delays.last())
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }

    /// How long after its intent a payment may stay pending before a person must look.
    pub fn horizon(&self) -> Duration {
        self.horizon
    }
}

impl Default for LongTail {
    fn default() -> Self {
        Self::lakala()
    }
}

/// What a resolver does with a payment still not final when the spec's schedule is over.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResolverPolicy {
    /// Keep querying on the long tail; past the horizon, mark it `unresolved`.
    ReturnPending,
    /// Revoke it, with the revoke number `out_trade_no` + `suffix` (cut to 32 characters)
    /// and this location (revokes require one).
    Revoke {
        /// Appended to the payment's number to make the revoke's.
        suffix: String,
        /// The revoke's `location_info`.
        location: LocationInfo,
    },
}

/// How a resolver works.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The queries after the spec's schedule.
    pub tail: LongTail,
    /// How long a claimed payment is held before another instance may take it over.
    pub lease: Duration,
    /// How many payments one round claims at most.
    pub batch: usize,
    /// What to do when the spec's schedule ends without a final state.
    pub on_pending: ResolverPolicy,
    /// How often [`Resolver::spawn`] looks for due payments.
    pub tick: Duration,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            tail: LongTail::lakala(),
            lease: Duration::from_secs(120),
            batch: 50,
            on_pending: ResolverPolicy::ReturnPending,
            tick: Duration::from_secs(5),
        }
    }
}

/// What a resolver did with one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// The payment.
    pub key: PaymentKey,
    /// Its status afterwards.
    pub status: PaymentStatus,
    /// The outcome word when final (`succeeded`, `failed`, `revoked`).
    pub outcome: Option<&'static str>,
    /// What was found (safe to log).
    pub detail: String,
}

/// Finishes journaled payments. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Resolver {
    client: LakalaClient,
    journal: Arc<dyn PaymentJournal>,
    config: ResolverConfig,
}

impl LakalaClient {
    /// A resolver over this client's journal ([`ClientError::NotConfigured`] without one).
    pub fn resolver(&self, config: ResolverConfig) -> Result<Resolver, ClientError> {
        let journal = self
            .inner
            .journal
            .clone()
            .ok_or(ClientError::NotConfigured(
                "a journal (LakalaClientBuilder::journal)",
            ))?;
        self.inner.resolver_watch.resolver_made();
        Ok(Resolver {
            client: self.clone(),
            journal,
            config,
        })
    }

    /// Starts a resolver on its own task, to run as long as the process: call it at
    /// start-up, so that payments left pending by a crash or a deploy are finished (those
    /// of this instance's earlier run at once: [`Resolver::take_back_earlier_runs`]).
    pub fn resume_pending(
        &self,
        config: ResolverConfig,
    ) -> Result<tokio::task::JoinHandle<()>, ClientError> {
        Ok(self.resolver(config)?.spawn())
    }
}

impl Resolver {
    /// Claims the payments that are due and works each once (one query, or one revoke or
    /// refund sent again with its own number). Returns what it did.
    pub async fn run_once(&self) -> Result<Vec<Resolution>, ClientError> {
        let now = self.client.now_unix();
        let lease = i64::try_from(self.config.lease.as_secs().max(1)).unwrap_or(i64::MAX);
        let claims = self
            .journal
            .claim_due(&self.client.inner.instance, now, lease, self.config.batch)
            .await?;
        let mut done = Vec::with_capacity(claims.len());
        for claim in claims {
            done.push(self.work(claim).await);
        }
        Ok(done)
    }

    /// Makes every open payment (or only `key`) due now, `unresolved` ones included, and
    /// works them until none is due any more. For `lakala payments resolve` and for people
    /// who want an answer now.
    pub async fn resolve_now(
        &self,
        key: Option<&PaymentKey>,
    ) -> Result<Vec<Resolution>, ClientError> {
        let now = self.client.now_unix();
        let open = self.open_payments(ListFilter::open()).await?;
        for record in open.iter().filter(|r| key.is_none_or(|k| *k == r.key)) {
            let event = NewEvent::new(
                now,
                self.client.inner.instance.clone(),
                kinds::NOTE,
                json!({"resolve_now": true}),
            );
            let update = StateUpdate::status(PaymentStatus::Pending).with_next_check_at(now);
            let update = if record.status == PaymentStatus::Recorded {
                StateUpdate::none().with_next_check_at(now)
            } else {
                update
            };
            match self
                .journal
                .append(&record.key, &event, &update, None)
                .await
            {
                // Finished meanwhile (by another resolver, a notification): nothing to do.
                Ok(_) | Err(lakala_journal::JournalError::FinalConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut all = Vec::new();
        loop {
            let round = self.run_once().await?;
            if round.is_empty() {
                break;
            }
            let progress = round.iter().any(|r| r.status != PaymentStatus::Pending);
            all.extend(round);
            if !progress && key.is_some() {
                break;
            }
            // Everything claimed this round is either final or due later: stop when the
            // next round finds nothing due.
        }
        Ok(all)
    }

    /// Every payment `filter` lists, page by page.
    async fn open_payments(&self, filter: ListFilter) -> Result<Vec<PaymentRecord>, ClientError> {
        let mut all = Vec::new();
        let mut filter = filter.limit(500);
        loop {
            let page = self.journal.list(&filter).await?;
            let Some(last) = page.last() else { break };
            filter = filter.after(last.key.clone());
            all.extend(page);
        }
        Ok(all)
    }

    /// The payments this instance name recorded before this client was built were
    /// recorded by an earlier run of the process (instance names are unique among running
    /// processes, [`crate::Config::instance`]): no live flow polls them any more, so they
    /// are due now rather than at the end of their live-flow window. Leased ones are left
    /// to their holder; unresolved ones to a person. Returns how many were taken back.
    pub async fn take_back_earlier_runs(&self) -> Result<usize, ClientError> {
        let inner = &self.client.inner;
        let now = self.client.now_unix();
        let filter =
            ListFilter::all().with_statuses([PaymentStatus::Recorded, PaymentStatus::Pending]);
        let mut taken = 0;
        for record in self.open_payments(filter).await? {
            let earlier_run =
                record.created_by == inner.instance && record.created_at < inner.started_at;
            let waiting = record.next_check_at.is_some_and(|t| t > now);
            let leased = record.lease_until.is_some_and(|t| t > now);
            if !(earlier_run && waiting) || leased {
                continue;
            }
            let event = NewEvent::new(
                now,
                inner.instance.clone(),
                kinds::NOTE,
                json!({"taken_back": "recorded by an earlier run of this instance"}),
            );
            let update = StateUpdate::none().with_next_check_at(now);
            match self
                .journal
                .append(&record.key, &event, &update, None)
                .await
            {
                Ok(_) => taken += 1,
                Err(lakala_journal::JournalError::FinalConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(taken)
    }

    /// First [`Resolver::take_back_earlier_runs`], then [`Resolver::run_once`] every `tick`,
    /// for as long as the process lives.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            match self.take_back_earlier_runs().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    payments = n,
                    instance = %self.client.inner.instance,
                    "payments left open by an earlier run of this instance are due now"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not look for payments of an earlier run")
                }
            }
            loop {
                match self.run_once().await {
                    Ok(done) => {
                        for r in done.iter().filter(|r| r.outcome.is_some()) {
                            tracing::info!(payment = %r.key, outcome = r.outcome, "payment resolved");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "resolver round failed"),
                }
                tokio::time::sleep(self.config.tick).await;
            }
        })
    }

    async fn work(&self, claim: Claim) -> Resolution {
        let Claim { lease, payment } = claim;
        let recorder = Recorder::new(
            &self.client,
            &payment.key.merchant_no,
            &payment.key.out_trade_no,
        )
        .fenced(lease.clone());
        let resolution = if is_micropay(&payment) {
            self.work_micropay(&payment, recorder).await
        } else {
            self.work_companion(&payment, recorder).await
        };
        let next = match resolution.status {
            PaymentStatus::Pending | PaymentStatus::Recorded => resolution.next,
            _ => None,
        };
        if let Err(e) = self.journal.release(&lease, next).await {
            tracing::warn!(payment = %payment.key, error = %e, "could not release a lease; it expires by itself");
        }
        Resolution {
            detail: resolution.detail,
            key: resolution.key,
            status: resolution.status,
            outcome: resolution.outcome,
        }
    }

    /// When the next query is due, by how many the payment has had and its age.
    fn next_check(&self, record: &PaymentRecord, attempts: usize) -> Option<i64> {
        let spec = self.client.inner.poll_schedule.delays();
        let delay = match spec.get(attempts) {
            Some(d) => *d,
            None => self.config.tail.delay(attempts - spec.len()),
        };
        let now = self.client.now_unix();
        let next = now.saturating_add(i64::try_from(delay.as_secs()).unwrap_or(i64::MAX));
        let horizon = record.created_at.saturating_add(
            i64::try_from(self.config.tail.horizon().as_secs()).unwrap_or(i64::MAX),
        );
        (next <= horizon).then_some(next)
    }

    async fn work_micropay(&self, record: &PaymentRecord, recorder: Recorder) -> Pending {
        let attempt = usize::try_from(record.attempts)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut flow = Flow {
            client: self.client.clone(),
            order: OrderRef {
                merchant_no: record.key.merchant_no.clone(),
                term_no: record.term_no.clone(),
                out_trade_no: record.key.out_trade_no.clone(),
                trade_no: record.trade_no.clone(),
            },
            amount: record
                .amount_fen
                .and_then(|f| u64::try_from(f).ok())
                .and_then(|f| Amount::from_fen(f).ok()),
            location: None,
            options: MicropayOptions::new(PendingPolicy::ReturnPending),
            micropay_answer: None,
            recorder: recorder.clone(),
        };
        let why = match flow.query_state(attempt).await {
            Ok(Queried::Final(outcome)) => return finished(record, &recorder, *outcome).await,
            Ok(Queried::InProgress { why, .. }) | Ok(Queried::NotFound { why }) => why,
            Err(e) => format!("query {attempt} failed: {e}"),
        };
        let spec_over = attempt >= self.client.inner.poll_schedule.delays().len();
        if let (true, ResolverPolicy::Revoke { suffix, location }) =
            (spec_over, &self.config.on_pending)
        {
            let revoke_no: String = format!("{}{suffix}", record.key.out_trade_no)
                .chars()
                .take(32)
                .collect();
            flow.location = Some(location.clone());
            let pending = PendingPayment {
                order: flow.order.clone(),
                last_state: None,
                reason: why,
                revoke: None,
            };
            let outcome = flow.revoke(pending, &revoke_no, attempt + 1).await;
            return finished(record, &recorder, outcome).await;
        }
        match self.next_check(record, attempt) {
            Some(next) => Pending {
                key: record.key.clone(),
                status: PaymentStatus::Pending,
                outcome: None,
                detail: why,
                next: Some(next),
            },
            None => {
                let reason = format!(
                    "no final state {} minutes after the intent ({why}); a person must look",
                    self.config.tail.horizon().as_secs() / 60
                );
                recorder.unresolved(&reason).await;
                Pending {
                    key: record.key.clone(),
                    status: PaymentStatus::Unresolved,
                    outcome: None,
                    detail: reason,
                    next: None,
                }
            }
        }
    }

    /// A revoke or refund: sent again with its own number (the platform recognises the
    /// repeat and answers the first answer), from the request journaled before it was sent.
    async fn work_companion(&self, record: &PaymentRecord, recorder: Recorder) -> Pending {
        let attempt = usize::try_from(record.attempts)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let request = match self.journal.events(&record.key).await {
            Ok(events) => events
                .into_iter()
                .find(|e| e.kind == crate::micropay::REQUEST_EVENT)
                .map(|e| e.payload),
            Err(e) => {
                return self.later(record, attempt, format!("cannot read its events: {e}"));
            }
        };
        let Some(request) = request else {
            recorder
                .unresolved("the journal holds no request to send again")
                .await;
            return Pending {
                key: record.key.clone(),
                status: PaymentStatus::Unresolved,
                outcome: None,
                detail: "no journaled request".into(),
                next: None,
            };
        };
        let class = match record.kind {
            PaymentKind::Revoke => match serde_json::from_value::<RevokeRequest>(request) {
                Ok(r) => self
                    .client
                    .revoke_unjournaled(r)
                    .await
                    .map(|a| a.value.code().map(|c| c.class())),
                Err(e) => Err(ClientError::malformed("journaled revoke", &e)),
            },
            _ => match serde_json::from_value::<RefundRequest>(request) {
                Ok(r) => self
                    .client
                    .refund_unjournaled(r)
                    .await
                    .map(|a| a.value.code().map(|c| c.class())),
                Err(e) => Err(ClientError::malformed("journaled refund", &e)),
            },
        };
        recorder.query(attempt, &format!("{class:?}"), None).await;
        match class {
            Ok(Some(CodeClass::Success)) => {
                recorder
                    .note(
                        kinds::OUTCOME,
                        json!({"outcome": "succeeded", "by": "sent again"}),
                        StateUpdate::status(PaymentStatus::Succeeded).with_outcome("succeeded"),
                    )
                    .await;
                Pending {
                    key: record.key.clone(),
                    status: PaymentStatus::Succeeded,
                    outcome: Some("succeeded"),
                    detail: format!("{} accepted", record.kind),
                    next: None,
                }
            }
            Ok(class) => self.later(record, attempt, format!("answered {class:?}")),
            Err(e) => self.later(record, attempt, e.to_string()),
        }
    }

    fn later(&self, record: &PaymentRecord, attempt: usize, why: String) -> Pending {
        Pending {
            key: record.key.clone(),
            status: PaymentStatus::Pending,
            outcome: None,
            next: self.next_check(record, attempt),
            detail: why,
        }
    }
}

/// One payment's result inside a round.
struct Pending {
    key: PaymentKey,
    status: PaymentStatus,
    outcome: Option<&'static str>,
    detail: String,
    next: Option<i64>,
}

async fn finished(record: &PaymentRecord, recorder: &Recorder, outcome: PaymentOutcome) -> Pending {
    let next = recorder.now_plus_first_tail();
    recorder.finish(&outcome, next).await;
    let status = match &outcome {
        PaymentOutcome::Succeeded { .. } => PaymentStatus::Succeeded,
        PaymentOutcome::Failed { .. } => PaymentStatus::Failed,
        PaymentOutcome::Revoked { .. } => PaymentStatus::Revoked,
        PaymentOutcome::Pending(_) => PaymentStatus::Pending,
    };
    Pending {
        key: record.key.clone(),
        status,
        outcome: outcome.is_final().then(|| outcome.word()),
        detail: format!("{} ({})", outcome.word(), record.key),
        next: (status == PaymentStatus::Pending).then_some(next),
    }
}
