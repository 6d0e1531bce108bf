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
//! over is revoked instead, as [`crate::PendingPolicy::Revoke`] does in the live flow, and
//! under the same rule (the crate's "settled stays settled"): only when a fresh query found
//! it still in progress, it was never reported succeeded and no revoke of it was journaled
//! before.
//!
//! What a resolver never does: send a revoke or a refund again. A journaled revoke whose
//! fate is unknown is settled by querying its payment (`REFUND`: it ran; paid or failed once
//! the revoke cannot be in flight any more: it is closed as `moot`); a refund by the refund
//! query. A micropay is never sent by a resolver: one journaled but never known to be sent,
//! that the platform says does not exist past its in-flight window, ends failed, never
//! sent, nothing charged ([`crate::FailureReason::NotSent`]).
//!
//! Leases that hold: a round claims only what it can finish inside its lease (three
//! exchanges at the request timeout per payment, plus margin), renews the lease (fenced)
//! before each payment and right before each send, and abandons a payment the moment a
//! renewal or a fenced write fails, with nothing sent. What it finishes, closes, finds
//! contradicted or gives up on is told to [`ResolverConfig::on_settled`] and to
//! [`LakalaClient::settled_events`].
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

pub use crate::resolver_config::{LongTail, ResolverConfig, ResolverPolicy};

use crate::client::LakalaClient;
use crate::error::ClientError;
use crate::events::SettledEvent;
use crate::money_gate;
use crate::outcome::{Confirmation, FailureReason, OrderRef, PaymentOutcome};
use crate::preorder_close::{close_then_query, CloseSettled, CLOSE_EVENT};
use crate::preorder_flow::journal_words as preorder_journal_words;
use crate::preorder_options::{DEFAULT_VALIDITY, PREORDER_EVENT};
use crate::preorder_outcome::{settled_by_query, PreorderOutcome};
use crate::recorder::{Recorder, Written};
use crate::revoke_number::revoke_number;
use crate::settle::{self, revoke_by_origin, CompanionVerdict, RevokeSettled};
use crate::timing::{ClaimBudget, InFlightWindow};
use crate::verdict::Verdict;
use lakala_journal::{
    kinds, Claim, JournalError, Lease, ListFilter, NewEvent, PaymentJournal, PaymentKey,
    PaymentKind, PaymentRecord, PaymentStatus, StateUpdate,
};
use lakala_types::micropay::{LocationInfo, TradeState};
use lakala_types::Amount;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

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
    /// Claims the payments that are due — no more than it can finish inside its lease —
    /// and works each once: one query, and what the rule allows after it. Before each
    /// payment, and again right before anything that moves money, its lease is renewed
    /// (fenced); a payment whose lease is lost is abandoned at once, with nothing sent.
    /// Returns what it did.
    pub async fn run_once(&self) -> Result<Vec<Resolution>, ClientError> {
        let now = self.client.now_unix();
        let budget = ClaimBudget::new(self.client.inner.request_timeout);
        let batch = budget.batch(self.config.lease, self.config.batch);
        let claims = self
            .journal
            .claim_due(
                &self.client.inner.instance,
                now,
                secs(self.config.lease),
                batch,
            )
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

    /// Works the one payment `key` now, under its own lease, through the same code as
    /// [`Resolver::run_once`] (one query, and what the rule allows after it), whatever its
    /// `next_check_at`; an `unresolved` one is made `pending` first (fenced by that lease),
    /// as [`Resolver::resolve_now`] does. For a person asking about one payment (the
    /// console's "resolve now"). `Ok(None)` when its lease is held by someone else (a
    /// resolver is working it) or it is already final: nothing was done.
    pub async fn resolve_payment(
        &self,
        key: &PaymentKey,
    ) -> Result<Option<Resolution>, ClientError> {
        let now = self.client.now_unix();
        let Some(mut claim) = self
            .journal
            .claim_payment(
                key,
                &self.client.inner.instance,
                now,
                secs(self.config.lease),
            )
            .await?
        else {
            return Ok(None);
        };
        if claim.payment.status.is_final() {
            let _ = self.journal.release(&claim.lease, None).await;
            return Ok(None);
        }
        if claim.payment.status == PaymentStatus::Unresolved {
            let event = NewEvent::new(
                now,
                self.client.inner.instance.clone(),
                kinds::NOTE,
                json!({"resolve_now": true}),
            );
            let update = StateUpdate::status(PaymentStatus::Pending).with_next_check_at(now);
            match self
                .journal
                .append(key, &event, &update, Some(&claim.lease))
                .await
            {
                Ok(record) => claim.payment = record,
                Err(e) => {
                    let _ = self.journal.release(&claim.lease, None).await;
                    return Err(e.into());
                }
            }
        }
        Ok(Some(self.work(claim).await))
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

    /// First [`Resolver::take_back_earlier_runs`], then [`Resolver::run_once`] every `tick`
    /// (at once again after a round that claimed a full batch: a backlog drains without
    /// waiting a tick per batch), for as long as the process lives.
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
            let budget = ClaimBudget::new(self.client.inner.request_timeout);
            let full = budget.batch(self.config.lease, self.config.batch);
            loop {
                let again = match self.run_once().await {
                    Ok(done) => {
                        for r in done.iter().filter(|r| r.outcome.is_some()) {
                            tracing::info!(payment = %r.key, outcome = r.outcome, "payment resolved");
                        }
                        done.len() >= full
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "resolver round failed");
                        false
                    }
                };
                if !again {
                    tokio::time::sleep(self.config.tick).await;
                }
            }
        })
    }

    async fn work(&self, claim: Claim) -> Resolution {
        let Claim { lease, payment } = claim;
        // Renewed (fenced) before the work: a lease taken over since the claim stops here.
        let now = self.client.now_unix();
        let lease = match self
            .journal
            .renew(&lease, now.saturating_add(secs(self.config.lease)))
            .await
        {
            Ok(lease) => lease,
            Err(e) => return abandoned(&payment, &e),
        };
        let mut job = Job {
            recorder: Recorder::new(
                &self.client,
                &payment.key.merchant_no,
                &payment.key.out_trade_no,
            )
            .fenced(lease.clone()),
            lease,
        };
        let step = match payment.kind {
            PaymentKind::Micropay => self.work_micropay(&payment, &mut job).await,
            PaymentKind::Revoke => self.work_revoke(&payment, &mut job).await,
            PaymentKind::Preorder => self.work_preorder(&payment, &mut job).await,
            _ => self.work_refund(&payment, &mut job).await,
        };
        if step.lease_lost {
            tracing::warn!(payment = %payment.key, "lease lost: payment abandoned, nothing sent");
        } else {
            let next = match step.status {
                PaymentStatus::Pending | PaymentStatus::Recorded => step.next,
                _ => None,
            };
            if let Err(e) = self.journal.release(&job.lease, next).await {
                tracing::warn!(payment = %payment.key, error = %e, "could not release a lease; it expires by itself");
            }
        }
        if let Some(event) = &step.event {
            self.announce(&job.recorder, event.clone());
        }
        Resolution {
            detail: step.detail,
            key: payment.key.clone(),
            status: step.status,
            outcome: step.outcome,
        }
    }

    /// Tells the service: the client's stream and this resolver's observer.
    fn announce(&self, recorder: &Recorder, event: SettledEvent) {
        if let Some(observer) = &self.config.on_settled {
            observer.emit(&event);
        }
        if !matches!(event, SettledEvent::Conflict { .. }) {
            recorder.announce(event);
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
        let next = now.saturating_add(secs(delay));
        let horizon = record
            .created_at
            .saturating_add(secs(self.config.tail.horizon()));
        (next <= horizon).then_some(next)
    }

    /// As [`Resolver::next_check`], with the horizon counted from `from` (a pre-order's
    /// expiry) instead of the intent.
    fn next_check_from(&self, from: i64, record: &PaymentRecord, attempts: usize) -> Option<i64> {
        let spec = self.client.inner.poll_schedule.delays();
        let delay = match spec.get(attempts) {
            Some(d) => *d,
            None => self.config.tail.delay(attempts - spec.len()),
        };
        let now = self.client.now_unix();
        let next = now.saturating_add(secs(delay));
        let horizon = from
            .max(record.created_at)
            .saturating_add(secs(self.config.tail.horizon()));
        (next <= horizon).then_some(next)
    }

    fn order_of(record: &PaymentRecord) -> (OrderRef, Option<Amount>) {
        (
            OrderRef {
                merchant_no: record.key.merchant_no.clone(),
                term_no: record.term_no.clone(),
                out_trade_no: record.key.out_trade_no.clone(),
                trade_no: record.trade_no.clone(),
            },
            record
                .amount_fen
                .and_then(|f| u64::try_from(f).ok())
                .and_then(|f| Amount::from_fen(f).ok()),
        )
    }

    /// The revokes journaled for payment `key` (by `origin_out_trade_no`).
    async fn revokes_of(&self, key: &PaymentKey) -> Result<Vec<PaymentRecord>, ClientError> {
        let filter = ListFilter::all()
            .with_merchant(key.merchant_no.clone())
            .with_origin(key.out_trade_no.clone());
        Ok(self
            .open_payments(filter)
            .await?
            .into_iter()
            .filter(|r| {
                r.kind == PaymentKind::Revoke
                    && r.origin_out_trade_no.as_deref() == Some(key.out_trade_no.as_str())
            })
            .collect())
    }

    async fn work_micropay(&self, record: &PaymentRecord, job: &mut Job) -> Step {
        let (order, amount) = Self::order_of(record);
        let finding = settle::query(&self.client, &order, amount).await;
        self.micropay_found(record, job, finding, Mode::Resolve)
            .await
    }

    /// What a micropay's query found, applied: a final verdict (or a payment proven never
    /// sent) finishes it; anything else, when resolving, schedules the next query (or the
    /// pending policy, or gives up past the horizon) and, when reconciling, is left to
    /// the resolvers untouched.
    async fn micropay_found(
        &self,
        record: &PaymentRecord,
        job: &mut Job,
        finding: settle::Finding,
        mode: Mode,
    ) -> Step {
        let attempt = attempt_of(record);
        let (mut order, amount) = Self::order_of(record);
        if order.trade_no.is_none() {
            order.trade_no = finding.trade_no.clone();
        }
        let now = self.client.now_unix();
        let window = InFlightWindow::new(self.client.inner.request_timeout);
        let verdict = finding.verdict;
        if verdict.is_final() {
            let revokes = match self.revokes_of(&record.key).await {
                Ok(r) => r,
                Err(e) => {
                    return self.later(record, attempt, format!("cannot list its revokes: {e}"))
                }
            };
            // Paid, while a revoke of ours may still be on its way to the platform: it can
            // still reverse the payment, so "paid" waits until the revoke cannot be in
            // flight any more (its companion record is settled by query then).
            let in_flight = revokes.iter().find(|r| {
                matches!(r.status, PaymentStatus::Recorded | PaymentStatus::Pending)
                    && !window.is_over(r.created_at, now)
            });
            if let (Verdict::Paid(_), Some(revoke)) = (&verdict, in_flight) {
                return Step::open(
                    record,
                    format!(
                        "{}, but revoke {} may still arrive: settled after {}",
                        verdict.describe(attempt),
                        revoke.key.out_trade_no,
                        window.ends_at(revoke.created_at)
                    ),
                    Some(window.ends_at(revoke.created_at)),
                );
            }
            // What the query said, written with the outcome in one commit.
            let (code, state) = verdict.journal_words();
            job.recorder.hold_query(attempt, code, state);
            // A revoke that was declined, never sent or closed as moot did not do it.
            let ours = revokes.iter().find(|r| r.status != PaymentStatus::Failed);
            let outcome = outcome_of(order, verdict, attempt, ours);
            return finished(record, &job.recorder, outcome).await;
        }
        // Re-read: a till's retry may have sent it since the claim (it writes `pending`
        // first).
        let still_unsent = record.status == PaymentStatus::Recorded
            && matches!(
                job.recorder.current().await,
                Some(r) if r.status == PaymentStatus::Recorded
            );
        if matches!(verdict, Verdict::NotFound { .. })
            && still_unsent
            && window.is_over(record.created_at, now)
        {
            // Journaled, never known to be sent, and unknown to the platform past its
            // in-flight window: it never reached the platform. Nothing was charged.
            let outcome = PaymentOutcome::Failed {
                order,
                reason: FailureReason::NotSent {
                    reason: format!(
                        "never reached the platform: journaled, then {}; nothing was charged",
                        verdict.describe(attempt)
                    ),
                },
            };
            return finished(record, &job.recorder, outcome).await;
        }
        let why = verdict.describe(attempt);
        if mode == Mode::Reconcile {
            return Step::open(record, why, None);
        }
        let spec_over = attempt >= self.client.inner.poll_schedule.delays().len();
        if let (true, ResolverPolicy::Revoke { suffix, location }) =
            (spec_over, &self.config.on_pending)
        {
            match self
                .revoke_on_own(
                    record, job, &order, amount, &verdict, suffix, location, attempt,
                )
                .await
            {
                Ok(step) => return step,
                Err(blocked) => {
                    tracing::info!(payment = %record.key, %blocked, "pending-policy revoke not sent");
                }
            }
        }
        let (code, state) = verdict.journal_words();
        let inconclusive = match &verdict {
            Verdict::Inconclusive { why } => Some(why.as_str()),
            _ => None,
        };
        match self.next_check(record, attempt) {
            Some(next) => {
                let written = job
                    .recorder
                    .query_then(attempt, code, state, inconclusive, next)
                    .await;
                if written == Written::LeaseLost {
                    return Step::lost(record);
                }
                Step::open(record, why, Some(next))
            }
            None => self.give_up(record, job, &why).await,
        }
    }

    /// The pending policy's revoke, as the rule allows it: the gate, then the lease
    /// renewed right before the send.
    #[allow(clippy::too_many_arguments)]
    async fn revoke_on_own(
        &self,
        record: &PaymentRecord,
        job: &mut Job,
        order: &OrderRef,
        amount: Option<Amount>,
        fresh: &Verdict,
        suffix: &str,
        location: &LocationInfo,
        attempt: usize,
    ) -> Result<Step, money_gate::Blocked> {
        let earlier = self
            .revokes_of(&record.key)
            .await
            .map_err(|e| money_gate::Blocked::Journal(format!("cannot list its revokes: {e}")))?;
        let reported_succeeded = record.outcome.as_deref() == Some("succeeded");
        let permit = money_gate::revoke_on_own(
            Some(record),
            reported_succeeded,
            !earlier.is_empty(),
            fresh,
        )?;
        let now = self.client.now_unix();
        let (permit, lease) = match permit
            .fenced(&*self.journal, &job.lease, now, self.config.lease)
            .await
        {
            Ok(fenced) => fenced,
            Err(money_gate::Blocked::LeaseLost) => return Ok(Step::lost(record)),
            Err(other) => return Err(other),
        };
        job.lease = lease.clone();
        job.recorder.refence(lease);
        let number = revoke_number(&record.key.out_trade_no, suffix);
        let settled = settle::revoke_settled(
            &self.client,
            order,
            amount,
            &number,
            Some(location.clone()),
            permit,
            attempt + 1,
            &job.recorder,
        )
        .await;
        let outcome = match settled {
            RevokeSettled::Revoked { response } => PaymentOutcome::Revoked {
                order: order.clone(),
                revoke_out_trade_no: number,
                response,
            },
            RevokeSettled::PaymentFinal(verdict, trade_no) => {
                let mut order = order.clone();
                if order.trade_no.is_none() {
                    order.trade_no = trade_no;
                }
                outcome_of(order, verdict, attempt + 1, None)
            }
            RevokeSettled::Open { attempt: tried, .. } => {
                let why = format!("revoke {}: {}", tried.revoke_out_trade_no, tried.result);
                let next = self.next_check(record, attempt);
                return Ok(Step::open(record, why, next));
            }
        };
        Ok(finished(record, &job.recorder, outcome).await)
    }

    /// A revoke: never sent again. Its fate is read from its payment's state: `REFUND`
    /// means it ran; a paid or failed payment, once the revoke cannot be in flight any
    /// more, makes it moot (so a pending-policy revoke of a payment reported succeeded is
    /// closed, not sent); anything else is asked again later.
    async fn work_revoke(&self, record: &PaymentRecord, job: &mut Job) -> Step {
        let attempt = attempt_of(record);
        let Some(origin_no) = record.origin_out_trade_no.clone() else {
            return self
                .give_up(record, job, "a revoke with no payment to revoke")
                .await;
        };
        let origin_key = PaymentKey::new(record.key.merchant_no.clone(), origin_no.clone());
        let origin = match self.journal.payment(&origin_key).await {
            Ok(o) => o,
            Err(e) => return self.later(record, attempt, format!("cannot read its payment: {e}")),
        };
        let order = OrderRef {
            merchant_no: record.key.merchant_no.clone(),
            term_no: record.term_no.clone(),
            out_trade_no: origin_no,
            trade_no: origin.as_ref().and_then(|o| o.trade_no.clone()),
        };
        let amount = origin
            .as_ref()
            .and_then(|o| o.amount_fen)
            .and_then(|f| u64::try_from(f).ok())
            .and_then(|f| Amount::from_fen(f).ok());
        let finding = settle::query(&self.client, &order, amount).await;
        self.revoke_found(
            record,
            job,
            origin.as_ref(),
            &finding.verdict,
            Mode::Resolve,
        )
        .await
    }

    /// What the query of a revoke's payment found, applied to the revoke (never sent
    /// again): `REFUND` closes it as executed, a paid or failed payment past the revoke's
    /// in-flight window as moot; anything else, when resolving, schedules the next query
    /// and, when reconciling, is left to the resolvers untouched.
    async fn revoke_found(
        &self,
        record: &PaymentRecord,
        job: &mut Job,
        origin: Option<&PaymentRecord>,
        verdict: &Verdict,
        mode: Mode,
    ) -> Step {
        let attempt = attempt_of(record);
        let origin_key = PaymentKey::new(
            record.key.merchant_no.clone(),
            record.origin_out_trade_no.clone().unwrap_or_default(),
        );
        let now = self.client.now_unix();
        let window = InFlightWindow::new(self.client.inner.request_timeout);
        let _ = money_gate::companion_again();
        match revoke_by_origin(verdict, record.created_at, now, window) {
            CompanionVerdict::Executed => {
                if origin.is_some_and(|o| o.status == PaymentStatus::Succeeded) {
                    // Reported succeeded, yet revoked: a contradiction for a person.
                    let origin_recorder = Recorder::new(
                        &self.client,
                        &origin_key.merchant_no,
                        &origin_key.out_trade_no,
                    );
                    origin_recorder
                        .note(
                            kinds::OUTCOME,
                            json!({"outcome": "revoked", "by": record.key.out_trade_no}),
                            StateUpdate::status(PaymentStatus::Revoked).with_outcome("revoked"),
                        )
                        .await;
                }
                self.close(
                    record,
                    job,
                    PaymentStatus::Succeeded,
                    "revoked",
                    "its payment is REFUND".into(),
                )
                .await
            }
            CompanionVerdict::Moot(detail) => {
                self.close(record, job, PaymentStatus::Failed, "moot", detail)
                    .await
            }
            CompanionVerdict::Open(why) if mode == Mode::Reconcile => Step::open(record, why, None),
            CompanionVerdict::Open(why) => match self.next_check(record, attempt) {
                Some(next) => {
                    let written = job
                        .recorder
                        .query_then(attempt, "origin", None, Some(&why), next)
                        .await;
                    if written == Written::LeaseLost {
                        return Step::lost(record);
                    }
                    Step::open(record, why, Some(next))
                }
                None => self.give_up(record, job, &why).await,
            },
        }
    }

    /// A pre-order: queried; past its deadline (its expiry plus a minute) and still
    /// unpaid, closed and confirmed by query. Its end is decided by the query alone
    /// ([`settled_by_query`]): paid when the customer paid before the close, closed only on
    /// `CLOSE`. Its horizon counts from its expiry.
    async fn work_preorder(&self, record: &PaymentRecord, job: &mut Job) -> Step {
        let attempt = attempt_of(record);
        let (mut order, amount) = Self::order_of(record);
        let kept = match self.journal.events(&record.key).await {
            Ok(events) => PreorderKept::of(&events, record.created_at),
            Err(e) => return self.later(record, attempt, format!("cannot read its events: {e}")),
        };
        let finding = settle::query(&self.client, &order, amount).await;
        if order.trade_no.is_none() {
            order.trade_no = finding.trade_no.clone();
        }
        let now = self.client.now_unix();
        let window = InFlightWindow::new(self.client.inner.request_timeout);
        let (code, state) = finding.verdict.journal_words();
        let (code, state) = (code.to_owned(), state.map(str::to_owned));
        let verdict = match settled_by_query(&order, finding.verdict, attempt, kept.close_sent) {
            Ok(outcome) => {
                job.recorder.hold_query(attempt, &code, state.as_deref());
                return self.preorder_finished(record, job, outcome).await;
            }
            Err(open) => open,
        };
        let still_unsent = record.status == PaymentStatus::Recorded;
        if matches!(verdict, Verdict::NotFound { .. })
            && still_unsent
            && window.is_over(record.created_at, now)
        {
            let outcome = PreorderOutcome::Failed {
                order,
                reason: FailureReason::NotSent {
                    reason: format!(
                        "never reached the platform: journaled, then {}; nothing to pay",
                        verdict.describe(attempt)
                    ),
                },
            };
            return self.preorder_finished(record, job, outcome).await;
        }
        let deadline = kept.expires_at.saturating_add(PREORDER_CLOSE_MARGIN_SECS);
        let mut why = verdict.describe(attempt);
        if now >= deadline {
            if let Some(location) = kept
                .location
                .or_else(|| self.client.merchant().and_then(|m| m.location.clone()))
            {
                // A close moves no money: no permit, but the lease must still be ours.
                match self
                    .journal
                    .renew(&job.lease, now.saturating_add(secs(self.config.lease)))
                    .await
                {
                    Ok(lease) => {
                        job.lease = lease.clone();
                        job.recorder.refence(lease);
                    }
                    Err(_) => return Step::lost(record),
                }
                match close_then_query(
                    &self.client,
                    &order,
                    amount,
                    location,
                    attempt + 1,
                    &job.recorder,
                )
                .await
                {
                    CloseSettled::Ended(outcome) => {
                        return self.preorder_finished(record, job, *outcome).await
                    }
                    CloseSettled::LeaseLost => return Step::lost(record),
                    CloseSettled::Open {
                        attempt: tried,
                        verdict,
                    } => {
                        why = format!("{}; {}", tried.result, verdict.describe(attempt + 1));
                    }
                }
            } else {
                why = format!("{why}; past its expiry, but no location_info to close it with");
            }
        }
        let horizon_from = kept.expires_at.max(record.created_at);
        let inconclusive = match &verdict {
            Verdict::Inconclusive { why } => Some(why.as_str()),
            _ => None,
        };
        match self.next_check_from(horizon_from, record, attempt) {
            Some(next) => {
                let written = job
                    .recorder
                    .query_then(attempt, &code, state.as_deref(), inconclusive, next)
                    .await;
                if written == Written::LeaseLost {
                    return Step::lost(record);
                }
                Step::open(record, why, Some(next))
            }
            None => self.give_up(record, job, &why).await,
        }
    }

    /// A pre-order's trade query applied without sending anything (the reconciliation's
    /// path): the one pre-order rule, [`settled_by_query`], decides, exactly as for the
    /// live flow and [`Self::work_preorder`]; an order still open stays as it is, its
    /// schedule too (the resolver closes it past its expiry, not the reconciliation).
    async fn preorder_found(
        &self,
        record: &PaymentRecord,
        job: &mut Job,
        finding: settle::Finding,
    ) -> Step {
        let attempt = attempt_of(record);
        let (mut order, _amount) = Self::order_of(record);
        let close_sent = match self.journal.events(&record.key).await {
            Ok(events) => PreorderKept::of(&events, record.created_at).close_sent,
            Err(e) => return Step::open(record, format!("cannot read its events: {e}"), None),
        };
        if order.trade_no.is_none() {
            order.trade_no = finding.trade_no.clone();
        }
        let (code, state) = finding.verdict.journal_words();
        let (code, state) = (code.to_owned(), state.map(str::to_owned));
        match settled_by_query(&order, finding.verdict, attempt, close_sent) {
            Ok(outcome) => {
                job.recorder.hold_query(attempt, &code, state.as_deref());
                self.preorder_finished(record, job, outcome).await
            }
            Err(open) => Step::open(record, open.describe(attempt), None),
        }
    }

    /// Journals a pre-order's end and says so.
    async fn preorder_finished(
        &self,
        record: &PaymentRecord,
        job: &Job,
        outcome: PreorderOutcome,
    ) -> Step {
        let (status, reason) = preorder_journal_words(&outcome);
        let next = job.recorder.now_plus_first_tail();
        let written = job
            .recorder
            .finish_as(
                status,
                outcome.word(),
                outcome.order().trade_no.as_deref(),
                reason,
                next,
            )
            .await;
        ended(
            record,
            written,
            status,
            outcome.word(),
            outcome.is_final(),
            format!("{outcome}"),
            next,
        )
    }

    /// A refund: never sent again; settled by the refund query.
    async fn work_refund(&self, record: &PaymentRecord, job: &mut Job) -> Step {
        let fate = settle::refund_fate(&self.client, record).await;
        self.refund_found(record, job, fate, Mode::Resolve).await
    }

    /// What the refund query found, applied to the refund (never sent again): refunded
    /// or failed closes it; anything else, when resolving, schedules the next query and,
    /// when reconciling, is left to the resolvers untouched.
    async fn refund_found(
        &self,
        record: &PaymentRecord,
        job: &mut Job,
        fate: settle::RefundFate,
        mode: Mode,
    ) -> Step {
        let attempt = attempt_of(record);
        let _ = money_gate::companion_again();
        match fate {
            settle::RefundFate::Refunded(detail) => {
                self.close(record, job, PaymentStatus::Succeeded, "refunded", detail)
                    .await
            }
            settle::RefundFate::Failed(detail) => {
                self.close(record, job, PaymentStatus::Failed, "declined", detail)
                    .await
            }
            settle::RefundFate::Open(why) if mode == Mode::Reconcile => {
                Step::open(record, why, None)
            }
            settle::RefundFate::Open(why) => match self.next_check(record, attempt) {
                Some(next) => {
                    let written = job
                        .recorder
                        .query_then(attempt, "refund_query", None, Some(&why), next)
                        .await;
                    if written == Written::LeaseLost {
                        return Step::lost(record);
                    }
                    Step::open(record, why, Some(next))
                }
                None => self.give_up(record, job, &why).await,
            },
        }
    }

    /// Closes a companion with a final status.
    async fn close(
        &self,
        record: &PaymentRecord,
        job: &Job,
        status: PaymentStatus,
        word: &'static str,
        detail: String,
    ) -> Step {
        match job
            .recorder
            .companion_final(status, word, json!({"outcome": word, "detail": detail}))
            .await
        {
            Written::LeaseLost => Step::lost(record),
            written => Step {
                status,
                outcome: Some(word),
                next: None,
                lease_lost: false,
                event: Some(match written {
                    Written::Conflict => SettledEvent::Conflict {
                        key: record.key.clone(),
                        field: "status".into(),
                        detail: format!("{word}: {detail}"),
                    },
                    _ => SettledEvent::Final {
                        key: record.key.clone(),
                        kind: record.kind,
                        status,
                        outcome: word.to_owned(),
                        detail: detail.clone(),
                    },
                }),
                detail,
            },
        }
    }

    /// Past the horizon: marked `unresolved` for a person.
    async fn give_up(&self, record: &PaymentRecord, job: &Job, why: &str) -> Step {
        let reason = format!(
            "no final state {} minutes after the intent ({why}); a person must look",
            self.config.tail.horizon().as_secs() / 60
        );
        if job.recorder.unresolved(&reason).await == Written::LeaseLost {
            return Step::lost(record);
        }
        Step {
            status: PaymentStatus::Unresolved,
            outcome: None,
            next: None,
            lease_lost: false,
            event: Some(SettledEvent::Unresolved {
                key: record.key.clone(),
                detail: reason.clone(),
            }),
            detail: reason,
        }
    }

    fn later(&self, record: &PaymentRecord, attempt: usize, why: String) -> Step {
        Step::open(record, why, self.next_check(record, attempt))
    }
}

/// Whether a resolver works a payment (and keeps querying it on its schedule) or a
/// reconciliation applies what its one query found (and leaves an open payment's
/// schedule to the resolvers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Resolve,
    Reconcile,
}

/// What a reconciliation's query found about a journaled payment, by the query that
/// asked: the trade query (a payment, or a revoke's payment) or the refund query.
pub(crate) enum Found {
    /// The trade query of the payment, or of the payment a revoke revokes.
    Trade(settle::Finding),
    /// The refund query of a refund.
    Refund(settle::RefundFate),
}

impl Resolver {
    /// A resolver for a reconciliation: it never sends anything that moves money (its
    /// pending policy is [`ResolverPolicy::ReturnPending`], and reconciliation never
    /// reaches the policy) and announces what it settles like any resolver.
    pub(crate) fn for_reconciliation(
        client: &LakalaClient,
        journal: Arc<dyn PaymentJournal>,
    ) -> Self {
        Self {
            client: client.clone(),
            journal,
            config: ResolverConfig::default(),
        }
    }

    /// Applies what a reconciliation's query `found` about `record`, held under `lease`,
    /// exactly as a resolver applies its own query: a final answer finishes an open
    /// payment or closes an open companion through the same code; anything else leaves it
    /// as it is (its schedule too). Never sends anything. The lease is not released.
    pub(crate) async fn apply_found(
        &self,
        lease: Lease,
        record: &PaymentRecord,
        origin: Option<&PaymentRecord>,
        found: Found,
    ) -> Resolution {
        let mut job = Job {
            recorder: Recorder::new(
                &self.client,
                &record.key.merchant_no,
                &record.key.out_trade_no,
            )
            .fenced(lease.clone()),
            lease,
        };
        let step = match (record.kind, found) {
            (PaymentKind::Micropay, Found::Trade(finding)) => {
                self.micropay_found(record, &mut job, finding, Mode::Reconcile)
                    .await
            }
            (PaymentKind::Preorder, Found::Trade(finding)) => {
                self.preorder_found(record, &mut job, finding).await
            }
            (PaymentKind::Revoke, Found::Trade(finding)) => {
                self.revoke_found(record, &mut job, origin, &finding.verdict, Mode::Reconcile)
                    .await
            }
            (PaymentKind::Refund, Found::Refund(fate)) => {
                self.refund_found(record, &mut job, fate, Mode::Reconcile)
                    .await
            }
            _ => Step::open(record, "not a query of this kind of payment".into(), None),
        };
        if let Some(event) = &step.event {
            self.announce(&job.recorder, event.clone());
        }
        Resolution {
            key: record.key.clone(),
            status: if step.lease_lost {
                record.status
            } else {
                step.status
            },
            outcome: step.outcome,
            detail: step.detail,
        }
    }
}

/// One payment's work under its lease.
struct Job {
    lease: Lease,
    recorder: Recorder,
}

/// One payment's result inside a round.
struct Step {
    status: PaymentStatus,
    outcome: Option<&'static str>,
    detail: String,
    next: Option<i64>,
    /// The lease was lost: the payment was abandoned (nothing sent after the loss).
    lease_lost: bool,
    /// What to tell the service.
    event: Option<SettledEvent>,
}

impl Step {
    fn open(record: &PaymentRecord, detail: String, next: Option<i64>) -> Self {
        Self {
            status: if record.status == PaymentStatus::Recorded {
                PaymentStatus::Recorded
            } else {
                PaymentStatus::Pending
            },
            outcome: None,
            detail,
            next,
            lease_lost: false,
            event: None,
        }
    }

    fn lost(record: &PaymentRecord) -> Self {
        Self {
            status: record.status,
            outcome: None,
            detail: "lease lost: abandoned, nothing sent".into(),
            next: None,
            lease_lost: true,
            event: None,
        }
    }
}

/// How long past a pre-order's expiry a resolver waits for the platform to close it before
/// closing it itself (the live flow's default margin).
const PREORDER_CLOSE_MARGIN_SECS: i64 = 60;

/// What the journal kept of a pre-order for its resolver.
struct PreorderKept {
    expires_at: i64,
    location: Option<LocationInfo>,
    close_sent: bool,
}

impl PreorderKept {
    fn of(events: &[lakala_journal::Event], created_at: i64) -> Self {
        let kept = events.iter().find(|e| e.kind == PREORDER_EVENT);
        let expires_at = kept
            .and_then(|e| e.payload.get("expires_at"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or_else(|| {
                created_at
                    .saturating_add(i64::try_from(DEFAULT_VALIDITY.as_secs()).unwrap_or(i64::MAX))
            });
        let location = kept
            .and_then(|e| e.payload.get("location_info"))
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let close_sent = events.iter().any(|e| e.kind == CLOSE_EVENT);
        Self {
            expires_at,
            location,
            close_sent,
        }
    }
}

fn abandoned(record: &PaymentRecord, e: &JournalError) -> Resolution {
    tracing::warn!(payment = %record.key, error = %e, "could not renew a claimed lease: payment abandoned, nothing sent");
    Resolution {
        key: record.key.clone(),
        status: record.status,
        outcome: None,
        detail: format!("lease not renewed ({e}): abandoned, nothing sent"),
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs().max(1)).unwrap_or(i64::MAX)
}

fn attempt_of(record: &PaymentRecord) -> usize {
    usize::try_from(record.attempts)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
}

/// The outcome a final verdict decides. `REFUND` is revoked when a revoke of ours was
/// journaled for the payment, else failed (refunded in full).
fn outcome_of(
    order: OrderRef,
    verdict: Verdict,
    attempt: usize,
    revoke: Option<&PaymentRecord>,
) -> PaymentOutcome {
    match verdict {
        Verdict::Paid(response) => PaymentOutcome::Succeeded {
            order,
            confirmation: Confirmation::Query { attempt, response },
        },
        Verdict::Reversed { .. } if revoke.is_some() => PaymentOutcome::Revoked {
            order,
            revoke_out_trade_no: revoke
                .map(|r| r.key.out_trade_no.clone())
                .unwrap_or_default(),
            response: None,
        },
        Verdict::Reversed { description, .. } => PaymentOutcome::Failed {
            order,
            reason: FailureReason::TradeFailed {
                state: TradeState::Refund,
                description,
                attempt,
                micropay_answer: None,
            },
        },
        Verdict::Failed { state, description } => PaymentOutcome::Failed {
            order,
            reason: FailureReason::TradeFailed {
                state,
                description,
                attempt,
                micropay_answer: None,
            },
        },
        // Not final: never called so (the callers check); kept pending.
        other => PaymentOutcome::Pending(crate::outcome::PendingPayment {
            order,
            last_state: None,
            reason: other.describe(attempt),
            revoke: None,
        }),
    }
}

async fn finished(record: &PaymentRecord, recorder: &Recorder, outcome: PaymentOutcome) -> Step {
    let next = recorder.now_plus_first_tail();
    let written = recorder.finish(&outcome, next).await;
    if written == Written::LeaseLost {
        return Step::lost(record);
    }
    let status = match &outcome {
        PaymentOutcome::Succeeded { .. } => PaymentStatus::Succeeded,
        PaymentOutcome::Failed { .. } => PaymentStatus::Failed,
        PaymentOutcome::Revoked { .. } => PaymentStatus::Revoked,
        PaymentOutcome::Pending(_) => PaymentStatus::Pending,
    };
    let detail = match &outcome {
        PaymentOutcome::Failed {
            reason: FailureReason::NotSent { reason },
            ..
        } => reason.clone(),
        _ => format!("{} ({})", outcome.word(), record.key),
    };
    ended(
        record,
        written,
        status,
        outcome.word(),
        outcome.is_final(),
        detail,
        next,
    )
}

/// The step of a payment whose outcome was just journaled (`written`, not a lost lease):
/// what the round reports, and the event the service hears — a contradiction when the
/// journal held another final outcome, the end when `outcome` is final.
fn ended(
    record: &PaymentRecord,
    written: Written,
    status: PaymentStatus,
    word: &'static str,
    is_final: bool,
    detail: String,
    next: i64,
) -> Step {
    let event = match written {
        Written::Conflict => Some(SettledEvent::Conflict {
            key: record.key.clone(),
            field: "status".into(),
            detail: format!("journaled {}, the platform says {word}", record.status),
        }),
        _ if is_final => Some(SettledEvent::Final {
            key: record.key.clone(),
            kind: record.kind,
            status,
            outcome: word.to_owned(),
            detail: detail.clone(),
        }),
        _ => None,
    };
    Step {
        status,
        outcome: is_final.then_some(word),
        detail,
        next: (status == PaymentStatus::Pending).then_some(next),
        lease_lost: false,
        event,
    }
}
