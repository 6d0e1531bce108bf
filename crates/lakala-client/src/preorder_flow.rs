//! Following a pre-order once it is answered, on its own task: trade queries on the
//! client's poll schedule (its last delay repeating) until the order is paid, closed or
//! failed; a close when the merchant asks for one, when the customer has nothing to pay
//! with, or when the order is past its deadline (its expiry plus a margin, or the
//! merchant's `close_after`) and still unpaid; each close confirmed by query
//! ([`crate::preorder_close`]), whose verdict alone decides the end
//! ([`crate::preorder_outcome::settled_by_query`]).
//!
//! A flow that ends without a final state (the closes' answers and the queries after them
//! said nothing conclusive) leaves the order `pending` in the journal, due for a resolver,
//! which keeps querying and closes it past its deadline the same way.

use crate::client::LakalaClient;
use crate::companion_outcome::SettleBy;
use crate::outcome::{FailureReason, OrderRef};
use crate::poll::{PollEvent, PollObserver};
use crate::preorder_close::{close_then_query, CloseSettled};
use crate::preorder_outcome::{settled_by_query, CloseAttempt, PendingPreorder, PreorderOutcome};
use crate::recorder::Recorder;
use crate::settle;
use crate::timing::{InFlightWindow, LiveFlowWindow, FIRST_TAIL_DELAY_SECS};
use crate::verdict::Verdict;
use lakala_journal::{PaymentRecord, PaymentStatus, StateUpdate};
use lakala_types::micropay::{LocationInfo, TradeState};
use lakala_types::Amount;
use std::time::Duration;
use tokio::sync::watch;

/// How many closes one flow sends at most before it leaves the order to a resolver.
pub(crate) const MAX_CLOSES: usize = 3;

/// How the flow begins.
#[derive(Debug)]
pub(crate) enum Start {
    /// The order was created (a payment request may or may not have come with it).
    Created,
    /// The pre-order's outcome is not known: it may exist, and the customer has nothing
    /// to pay with.
    Unknown,
    /// The same request was journaled before (a till's retry, after a crash): followed
    /// by query as a created order (the customer may hold its QR code from the first
    /// attempt), closed at its deadline. `unsent`: the journal never saw it sent.
    Resumed { unsent: bool },
    /// Already decided by the pre-order's answer.
    Ended(Box<PreorderOutcome>),
}

/// One pre-order being followed.
pub(crate) struct PreorderFlow {
    client: LakalaClient,
    order: OrderRef,
    amount: Option<Amount>,
    location: LocationInfo,
    options: crate::preorder_options::PreorderOptions,
    recorder: Recorder,
    /// When the intent was written (Unix seconds).
    created_at: i64,
    /// When the platform closes the order by itself.
    expires_at: i64,
    /// Whether the customer has something to pay with.
    can_pay: bool,
}

impl PreorderFlow {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        client: LakalaClient,
        order: OrderRef,
        amount: Option<Amount>,
        location: LocationInfo,
        options: crate::preorder_options::PreorderOptions,
        recorder: Recorder,
        created_at: i64,
        expires_at: i64,
    ) -> Self {
        Self {
            client,
            order,
            amount,
            location,
            options,
            recorder,
            created_at,
            expires_at,
            can_pay: false,
        }
    }

    pub(crate) fn emit(&self, event: PollEvent) {
        self.options.observer.emit(event);
    }

    pub(crate) fn observer(&self) -> PollObserver {
        self.options.observer.clone()
    }

    pub(crate) fn order(&self) -> &OrderRef {
        &self.order
    }

    pub(crate) fn learn_trade_no(&mut self, trade_no: Option<&str>) {
        if self.order.trade_no.is_none() {
            self.order.trade_no = trade_no.map(str::to_owned);
        }
    }

    /// The customer was given something to pay with.
    pub(crate) fn customer_can_pay(&mut self, can: bool) {
        self.can_pay = can;
    }

    /// A journaled pre-order followed again: its own creation time, and the same request's
    /// validity counted from it.
    pub(crate) fn resumed(&mut self, record: &PaymentRecord) {
        let validity = self.expires_at.saturating_sub(self.created_at);
        self.created_at = record.created_at;
        self.expires_at = record.created_at.saturating_add(validity);
        self.can_pay = true;
        self.learn_trade_no(record.trade_no.as_deref());
    }

    /// When the SDK closes the order if it is still unpaid.
    fn deadline(&self) -> i64 {
        let at_expiry = self
            .expires_at
            .saturating_add(secs(self.options.close_margin));
        match self.options.close_after {
            Some(after) => at_expiry.min(self.created_at.saturating_add(secs(after))),
            None => at_expiry,
        }
    }

    /// Until when resolvers keep away: the live flow runs to its deadline, then closes.
    pub(crate) fn quiet_until(&self, now: i64) -> i64 {
        let live = LiveFlowWindow::new(
            &self.client.inner.poll_schedule,
            self.client.inner.request_timeout,
        );
        live.until(now).max(live.until(self.deadline()))
    }

    /// A pending state written while the flow follows the order.
    pub(crate) fn pending_update(&self, trade_no: Option<&str>) -> StateUpdate {
        let mut update = StateUpdate::status(PaymentStatus::Pending)
            .with_next_check_at(self.quiet_until(self.client.now_unix()));
        if let Some(t) = trade_no {
            update = update.with_trade_no(t);
        }
        update
    }

    /// Sleeps `delay`, or less when the merchant asks to close. Whether a close is asked.
    async fn wait(&self, delay: Duration, close: &mut watch::Receiver<bool>) -> bool {
        if *close.borrow() {
            return true;
        }
        let sleeper = self.client.inner.sleeper.clone();
        tokio::select! {
            () = sleeper.sleep(delay) => *close.borrow(),
            changed = close.changed() => changed.is_ok() && *close.borrow(),
        }
    }

    /// Follows the order to its end (or to the end of what this flow may do), and
    /// journals the outcome.
    pub(crate) async fn run(
        mut self,
        start: Start,
        mut close: watch::Receiver<bool>,
    ) -> PreorderOutcome {
        let begun_unknown = match start {
            Start::Ended(outcome) => return self.finish(*outcome).await,
            Start::Created => false,
            Start::Resumed { unsent } => unsent,
            Start::Unknown => {
                self.can_pay = false;
                true
            }
        };
        let schedule = self.client.inner.poll_schedule.delays().to_vec();
        let last_delay = schedule.last().copied().unwrap_or(Duration::from_secs(5));
        let window = InFlightWindow::new(self.client.inner.request_timeout);
        let mut attempt = 0;
        let mut closes = 0;
        let mut last_close: Option<CloseAttempt> = None;
        let mut last_state: Option<TradeState> = None;
        let mut reason = String::from("not queried yet");
        let mut asked = false;
        loop {
            let now = self.client.now_unix();
            let mut delay = schedule.get(attempt).copied().unwrap_or(last_delay);
            // Wake at the deadline, not a whole delay after it.
            let to_deadline = self.deadline().saturating_sub(now);
            if to_deadline > 0 {
                delay = delay.min(Duration::from_secs(u64::try_from(to_deadline).unwrap_or(0)));
            }
            self.emit(PollEvent::Waiting {
                attempt: attempt + 1,
                of: schedule.len(),
                delay,
                elapsed: Duration::from_secs(u64::try_from(now - self.created_at).unwrap_or(0)),
            });
            asked |= self.wait(delay, &mut close).await;
            attempt += 1;
            let now = self.client.now_unix();
            let wanted = asked || now >= self.deadline() || !self.can_pay;
            let verdict = if wanted && closes < MAX_CLOSES {
                closes += 1;
                self.emit(PollEvent::Closing {
                    reason: if asked {
                        "the merchant asked".into()
                    } else if !self.can_pay {
                        "the customer has nothing to pay with".into()
                    } else if self
                        .options
                        .close_after
                        .is_some_and(|after| self.created_at.saturating_add(secs(after)) <= now)
                    {
                        "unpaid when close_after ran out".into()
                    } else {
                        "past its expiry and unpaid".into()
                    },
                });
                match close_then_query(
                    &self.client,
                    &self.order,
                    self.amount,
                    self.location.clone(),
                    attempt,
                    &self.recorder,
                )
                .await
                {
                    CloseSettled::Ended(outcome) => return self.finish(*outcome).await,
                    CloseSettled::Open {
                        attempt: tried,
                        verdict,
                    } => {
                        self.emit(PollEvent::Queried {
                            attempt,
                            state: state_of(&verdict),
                        });
                        last_close = Some(tried);
                        verdict
                    }
                    CloseSettled::LeaseLost => break,
                }
            } else {
                let finding = settle::query(&self.client, &self.order, self.amount).await;
                if finding.verdict.is_final()
                    || matches!(finding.verdict, Verdict::InProgress { .. })
                {
                    self.learn_trade_no(finding.trade_no.as_deref());
                }
                let (code, state) = finding.verdict.journal_words();
                let inconclusive = match &finding.verdict {
                    Verdict::Inconclusive { why } => Some(why.clone()),
                    _ => None,
                };
                self.recorder
                    .query_then(
                        attempt,
                        code,
                        state,
                        inconclusive.as_deref(),
                        self.quiet_until(now),
                    )
                    .await;
                self.emit(PollEvent::Queried {
                    attempt,
                    state: state_of(&finding.verdict),
                });
                match settled_by_query(&self.order, finding.verdict, attempt, closes > 0) {
                    Ok(outcome) => return self.finish(outcome).await,
                    Err(open) => open,
                }
            };
            reason = verdict.describe(attempt);
            if let Verdict::InProgress { state } = &verdict {
                last_state = Some(state.clone());
            }
            // A pre-order whose answer never came, unknown to the platform once it cannot
            // be in flight any more: it never reached the platform.
            if begun_unknown
                && matches!(verdict, Verdict::NotFound { .. })
                && window.is_over(self.created_at, now)
            {
                let outcome = PreorderOutcome::Failed {
                    order: self.order.clone(),
                    reason: FailureReason::NotSent {
                        reason: format!(
                            "the pre-order never reached the platform ({reason}); nothing to pay"
                        ),
                    },
                };
                return self.finish(outcome).await;
            }
            if wanted && closes >= MAX_CLOSES {
                break;
            }
        }
        let pending = PendingPreorder {
            order: self.order.clone(),
            last_state: last_state.clone(),
            reason,
            close: last_close,
            settle_by: SettleBy::TradeQuery,
        };
        let outcome = if last_state.is_some() {
            PreorderOutcome::Pending(pending)
        } else {
            PreorderOutcome::Unknown(pending)
        };
        self.finish(outcome).await
    }

    /// Journals the outcome (a pending one is handed to the resolvers) and returns it.
    async fn finish(&self, outcome: PreorderOutcome) -> PreorderOutcome {
        let now = self.client.now_unix();
        let (status, reason) = journal_words(&outcome);
        self.recorder
            .finish_as(
                status,
                outcome.word(),
                outcome.order().trade_no.as_deref(),
                reason,
                now.saturating_add(FIRST_TAIL_DELAY_SECS),
            )
            .await;
        outcome
    }
}

/// The `trade_state` a query found, for progress events.
fn state_of(verdict: &Verdict) -> Option<TradeState> {
    match verdict {
        Verdict::InProgress { state } | Verdict::Failed { state, .. } => Some(state.clone()),
        Verdict::Reversed { .. } => Some(TradeState::Refund),
        Verdict::Paid(answer) => answer.value.trade_state().cloned(),
        Verdict::NotFound { .. } | Verdict::Inconclusive { .. } => None,
    }
}

/// The journal's status for an outcome, and the reason kept with it.
pub(crate) fn journal_words(outcome: &PreorderOutcome) -> (PaymentStatus, Option<String>) {
    match outcome {
        PreorderOutcome::Paid { .. } => (PaymentStatus::Succeeded, None),
        PreorderOutcome::Closed { .. } => (PaymentStatus::Failed, Some(outcome.to_string())),
        PreorderOutcome::Failed { .. } => (PaymentStatus::Failed, Some(outcome.to_string())),
        PreorderOutcome::Pending(p) | PreorderOutcome::Unknown(p) => {
            (PaymentStatus::Pending, Some(p.reason.clone()))
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
