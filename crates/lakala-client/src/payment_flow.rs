//! The micropay flow: pay, and when the outcome is pending or unknown, query on the
//! spec's schedule until it is final; then apply the caller's [`PendingPolicy`].
//!
//! The rules it keeps:
//! - An answer counts only when it is about this order ([`crate::binding`]); an answer
//!   about another order is treated like an unverifiable one.
//! - A payment is reported failed only on evidence: a definite refusal
//!   ([`CodeClass::Refused`]) that names this order, a trade query that found it `FAIL`,
//!   `CLOSE` or `REFUND`, or a connection that provably sent nothing. Every other code
//!   (unlisted codes, duplicate order numbers, transport-level codes, a refusal naming no
//!   order) is confirmed by a trade query at once, then on the schedule.
//! - When the micropay exchange may have executed (timeout or connection lost after
//!   sending, an unexpected HTTP status, an answer that fails verification or names another
//!   order), the flow queries instead of failing or resending.
//! - Nothing is ever resent with a new `out_trade_no`: the flow queries by the caller's
//!   number, and a revoke uses the number the caller chose for it.
//! - The flow runs on its own task: a caller that drops the future (a client that hung up,
//!   a timeout around the call) does not stop it. Its outcome still reaches the
//!   [`PollObserver`] ([`PollEvent::Finished`]) and the log. Limits: the task lives as long
//!   as the tokio runtime and the process; a process that dies mid-flow loses it unless a
//!   journal records the payment.

use crate::client::LakalaClient;
use crate::error::ClientError;
use crate::money_gate::{self, AuthMatch, Permit};
use crate::outcome::{
    Confirmation, FailureReason, OrderRef, PaymentOutcome, PendingPayment, PlatformAnswer,
    RevokeAttempt,
};
use crate::poll::{PendingPolicy, PollEvent, PollObserver};
use crate::recorder::{Begin, Recorder, Written};
use crate::settle::{self, revoke_settled, RevokeSettled};
use crate::timing::InFlightWindow;
use crate::verdict::Verdict;
use lakala_journal::{kinds, PaymentRecord, PaymentStatus, StateUpdate};
use lakala_types::micropay::{LocationInfo, MicropayRequest, NeedQuery, TradeState, V3Code};
use lakala_types::{Amount, CodeClass, Validate};
use serde_json::json;
use std::time::Duration;
use tokio::sync::oneshot;
use tracing::Instrument;

/// How a micropay flow behaves.
#[derive(Debug, Clone)]
pub struct MicropayOptions {
    /// What to do when the schedule ends without a final state.
    pub on_pending: PendingPolicy,
    /// Receives progress events.
    pub observer: PollObserver,
}

impl MicropayOptions {
    /// Options with the given pending policy and no observer.
    pub fn new(on_pending: PendingPolicy) -> Self {
        Self {
            on_pending,
            observer: PollObserver::default(),
        }
    }

    /// Adds an observer of the polling progress.
    pub fn observer(mut self, observer: PollObserver) -> Self {
        self.observer = observer;
        self
    }
}

/// A micropay running on its own task. Dropping the handle (or the future of
/// [`LakalaClient::micropay`]) does not stop the payment: the flow runs to its end and
/// reports to the observer and the log.
#[derive(Debug)]
pub struct MicropayHandle {
    order: OrderRef,
    outcome: oneshot::Receiver<Result<PaymentOutcome, ClientError>>,
}

impl MicropayHandle {
    /// The order being paid, known before anything is sent (its `trade_no` is not known
    /// yet; the outcome's [`PaymentOutcome::order`] has it).
    pub fn order(&self) -> &OrderRef {
        &self.order
    }

    /// The order and the channel its outcome arrives on ([`crate::patience`]).
    pub(crate) fn into_parts(
        self,
    ) -> (
        OrderRef,
        oneshot::Receiver<Result<PaymentOutcome, ClientError>>,
    ) {
        (self.order, self.outcome)
    }

    /// Waits for the outcome. [`ClientError::FlowAborted`] when the flow's task ended without
    /// one (it panicked or the runtime shut down): query the order.
    pub async fn outcome(self) -> Result<PaymentOutcome, ClientError> {
        self.outcome.await.unwrap_or_else(|_| {
            Err(ClientError::FlowAborted(
                "the task was dropped before it finished".to_owned(),
            ))
        })
    }
}

/// Where a polling schedule begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstQuery {
    /// After the schedule's first delay (the platform said "in progress", or the exchange
    /// failed: give it time).
    AfterDelay,
    /// At once (the platform answered a code that is not conclusive: the order is most
    /// likely final already, and the payer is waiting at the till).
    AtOnce,
}

pub(crate) struct Flow {
    pub(crate) client: LakalaClient,
    pub(crate) order: OrderRef,
    pub(crate) amount: Option<Amount>,
    pub(crate) location: Option<LocationInfo>,
    pub(crate) options: MicropayOptions,
    /// What the micropay answered when that was not conclusive (kept as evidence).
    pub(crate) micropay_answer: Option<PlatformAnswer>,
    /// Where the flow's facts are journaled (a no-op without a journal).
    pub(crate) recorder: Recorder,
}

impl LakalaClient {
    /// Pays with a barcode, and never leaves the outcome unknown without saying so.
    ///
    /// Returns `Err` only when nothing was sent (invalid request, no credentials, sealing
    /// failure, no tokio runtime), or [`ClientError::FlowAborted`] when the flow's task died.
    /// Every exchange that may have reached the platform ends in a [`PaymentOutcome`].
    ///
    /// The flow runs on its own tokio task ([`LakalaClient::start_micropay`]): dropping this
    /// future does not stop it.
    pub async fn micropay(
        &self,
        request: MicropayRequest,
        options: MicropayOptions,
    ) -> Result<PaymentOutcome, ClientError> {
        self.start_micropay(request, options)?.outcome().await
    }

    /// Starts a micropay on its own tokio task and returns at once with its handle: the
    /// [`OrderRef`] is known before anything is sent, and the flow runs to its end whether
    /// or not the handle is awaited or kept.
    ///
    /// Fails, with nothing sent, when the request is invalid, the client has no
    /// open-platform credentials, or there is no tokio runtime to run the flow on.
    pub fn start_micropay(
        &self,
        request: MicropayRequest,
        options: MicropayOptions,
    ) -> Result<MicropayHandle, ClientError> {
        request.validate()?;
        self.open_side()?;
        let inner = &self.inner;
        // A route the configuration cannot send on (encryption without a key) is refused
        // before anything is journaled.
        crate::sealing::wire(
            inner.micropay_route.path(),
            false,
            inner.encryption,
            inner.sm4_key.as_ref(),
        )?;
        // The labs route's own table is stricter (subject ≤ 42 characters): refused before
        // anything is journaled or sent.
        if inner.micropay_route == crate::micropay_route::MicropayRoute::Labs {
            lakala_types::labs::LabsMicropayRequest::from_micropay(request.clone())?;
        }
        inner
            .resolver_watch
            .check(inner.journal.is_some(), &inner.instance);
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ClientError::NotConfigured(
                "a tokio runtime (micropay runs its flow on a task of its own)",
            )
        })?;
        let order = OrderRef {
            merchant_no: request.merchant_no().unwrap_or_default().to_owned(),
            term_no: request.term_no().unwrap_or_default().to_owned(),
            out_trade_no: request.out_trade_no().unwrap_or_default().to_owned(),
            trade_no: None,
        };
        let span = tracing::info_span!(
            "lakala.micropay",
            out_trade_no = %order.out_trade_no,
            outcome = tracing::field::Empty
        );
        options.observer.emit(PollEvent::Started {
            order: order.clone(),
        });
        let flow = Flow {
            client: self.clone(),
            location: request.location_info().cloned(),
            amount: request.total_amount().copied(),
            recorder: Recorder::new(self, &order.merchant_no, &order.out_trade_no),
            order: order.clone(),
            options,
            micropay_answer: None,
        };
        let (tx, rx) = oneshot::channel();
        let task_span = span.clone();
        runtime.spawn(
            async move {
                let observer = flow.options.observer.clone();
                let fallback = flow.order.clone();
                let recorder = flow.recorder.clone();
                let in_flight = crate::metrics::PaymentInFlight::start();
                let result = flow.run(request).await;
                let (order, word) = match &result {
                    Ok(outcome) => {
                        // A pending payment goes to the resolvers once the live flow is over.
                        recorder
                            .finish(outcome, recorder.now_plus_first_tail())
                            .await;
                        task_span.record("outcome", outcome.word());
                        tracing::info!(outcome = outcome.word(), "micropay finished");
                        (outcome.order().clone(), outcome.word())
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "micropay not sent");
                        (fallback, "not_sent")
                    }
                };
                in_flight.finished(word);
                drop(in_flight);
                observer.emit(PollEvent::Finished {
                    order: order.clone(),
                    outcome: word,
                });
                if tx.send(result).is_err() {
                    tracing::warn!(
                        out_trade_no = %order.out_trade_no,
                        trade_no = order.trade_no.as_deref().unwrap_or_default(),
                        outcome = word,
                        "micropay finished after its caller went away"
                    );
                }
            }
            .instrument(span),
        );
        Ok(MicropayHandle { order, outcome: rx })
    }
}

impl Flow {
    fn emit(&self, event: PollEvent) {
        self.options.observer.emit(event);
    }

    fn learn_trade_no(&mut self, trade_no: Option<&str>) {
        if self.order.trade_no.is_none() {
            self.order.trade_no = trade_no.map(str::to_owned);
        }
    }

    async fn run(mut self, request: MicropayRequest) -> Result<PaymentOutcome, ClientError> {
        let digest = match (request.auth_code(), &self.client.inner.auth_digester) {
            (Some(code), Some(digester)) => Some(digester.digest(code.expose())),
            _ => None,
        };
        if let Begin::Resume(record) = self.recorder.begin(&request, digest.clone()).await? {
            let auth = match (&record.auth_digest, &digest) {
                (Some(journaled), Some(now)) if journaled == now => AuthMatch::Same,
                (Some(_), Some(_)) => AuthMatch::Other,
                _ => AuthMatch::Unknown,
            };
            if auth == AuthMatch::Other {
                return Err(ClientError::OtherAuthCode {
                    out_trade_no: record.key.out_trade_no.clone(),
                    status: record.status.as_str(),
                });
            }
            match self.resume(&record, auth).await {
                Resumed::Done(outcome) => return Ok(*outcome),
                Resumed::SendAgain(permit) => {
                    // Written before the send: from here on the payment may be on the
                    // platform (`pending`), and resolvers keep away for the live window.
                    let written = self
                        .recorder
                        .note(
                            kinds::SENT,
                            json!({"again": true, "permit": permit.what()}),
                            StateUpdate::status(PaymentStatus::Pending)
                                .with_next_check_at(self.recorder.quiet_until()),
                        )
                        .await;
                    if written != Written::Ok {
                        let reason = "not sent again: the journal refused the send".to_owned();
                        return Ok(self.poll(reason, FirstQuery::AtOnce).await);
                    }
                }
            }
        }
        self.send(request).await
    }

    /// Sends the micropay and follows its answer.
    async fn send(mut self, request: MicropayRequest) -> Result<PaymentOutcome, ClientError> {
        self.recorder.mark_sent();
        let answer = match self.client.micropay_once(request).await {
            Ok(answer) => answer,
            Err(ClientError::Transport(e)) if !e.may_have_been_executed() => {
                return Ok(PaymentOutcome::Failed {
                    order: self.order,
                    reason: FailureReason::NotSent {
                        reason: e.to_string(),
                    },
                });
            }
            Err(e) if !e.may_have_been_executed() => return Err(e),
            Err(e) => {
                let reason = format!("micropay outcome unknown: {e}");
                self.recorder
                    .pending(kinds::ANSWER, json!({"error": e.to_string()}), None)
                    .await;
                self.emit(PollEvent::OutcomeUnknown {
                    reason: reason.clone(),
                });
                return Ok(self.poll(reason, FirstQuery::AfterDelay).await);
            }
        };
        let code = answer
            .value
            .code()
            .cloned()
            .unwrap_or(V3Code::Other(String::new()));
        let message = answer.value.msg().unwrap_or_default().to_owned();
        let data = answer.value.resp_data();
        // Binding has checked that a number given is this order's.
        let names_order = data.and_then(|d| d.out_trade_no()).is_some();
        // Micropay answers do not carry merchant_no: a success that does not name the
        // merchant cannot be bound to it when several merchants share one appid, so it is
        // confirmed by a trade query (whose answer names the merchant).
        let names_merchant = data.is_some_and(|d| d.extra().contains_key("merchant_no"));
        if names_order {
            self.learn_trade_no(data.and_then(|d| d.trade_no()));
        }
        let need_query = data.and_then(|d| d.need_query()) == Some(&NeedQuery::Yes);
        let fact = json!({"code": code.as_str(), "msg": message, "class": code.class().as_str(),
            "names_order": names_order, "names_merchant": names_merchant,
            "need_query": need_query});
        let trade_no = self.order.trade_no.as_deref();
        let decided = match code.class() {
            CodeClass::Success => !need_query && names_merchant,
            CodeClass::Refused => names_order,
            _ => false,
        };
        if decided {
            // The outcome follows at once: the answer is written with it, in one commit.
            self.recorder
                .pending_with_outcome(kinds::ANSWER, fact, trade_no);
        } else {
            self.recorder.pending(kinds::ANSWER, fact, trade_no).await;
        }
        match code.class() {
            CodeClass::Success if !need_query && names_merchant => Ok(PaymentOutcome::Succeeded {
                order: self.order,
                confirmation: Confirmation::Immediate(Box::new(
                    answer.map(|v| v.resp_data().cloned().unwrap_or_default()),
                )),
            }),
            CodeClass::Success if !need_query => {
                let reason = format!(
                    "micropay answered {} without naming the merchant: confirming by query",
                    code.as_str()
                );
                self.emit(PollEvent::Pending {
                    code: code.as_str().to_owned(),
                });
                Ok(self.poll(reason, FirstQuery::AtOnce).await)
            }
            CodeClass::Success | CodeClass::Pending => {
                self.emit(PollEvent::Pending {
                    code: code.as_str().to_owned(),
                });
                let reason = if need_query && code.is_success() {
                    "micropay answered need_query=1".to_owned()
                } else {
                    format!("micropay answered {}", code.as_str())
                };
                Ok(self.poll(reason, FirstQuery::AfterDelay).await)
            }
            CodeClass::Refused if names_order => Ok(PaymentOutcome::Failed {
                order: self.order,
                reason: FailureReason::Declined { code, message },
            }),
            _ => {
                let reason = format!(
                    "micropay answered {} {message}: not conclusive ({}{}), confirming by query",
                    code.as_str(),
                    code.class(),
                    if names_order { "" } else { ", names no order" }
                );
                self.emit(PollEvent::OutcomeUnknown {
                    reason: reason.clone(),
                });
                self.micropay_answer = Some(PlatformAnswer { code, message });
                Ok(self.poll(reason, FirstQuery::AtOnce).await)
            }
        }
    }

    pub(crate) async fn poll(mut self, mut reason: String, first: FirstQuery) -> PaymentOutcome {
        let _timer = crate::metrics::PollTimer::start();
        let mut delays = self.client.inner.poll_schedule.delays().to_vec();
        if first == FirstQuery::AtOnce {
            delays.insert(0, Duration::ZERO);
        }
        let mut elapsed = Duration::ZERO;
        let mut last_state = None;
        let mut last = None;
        for (i, delay) in delays.iter().enumerate() {
            let attempt = i + 1;
            self.emit(PollEvent::Waiting {
                attempt,
                of: delays.len(),
                delay: *delay,
                elapsed,
            });
            if !delay.is_zero() {
                self.client.inner.sleeper.sleep(*delay).await;
            }
            elapsed += *delay;
            match self.query_state(attempt).await {
                Queried::Final(outcome) => return *outcome,
                Queried::Open(verdict) => {
                    if let Verdict::InProgress { state } = &verdict {
                        last_state = Some(state.clone());
                    }
                    reason = verdict.describe(attempt);
                    last = Some(verdict);
                }
            }
        }
        self.emit(PollEvent::ScheduleExhausted);
        let pending = PendingPayment {
            order: self.order.clone(),
            last_state,
            reason,
            revoke: None,
        };
        match self.options.on_pending.clone() {
            PendingPolicy::ReturnPending => PaymentOutcome::Pending(pending),
            PendingPolicy::Revoke {
                revoke_out_trade_no,
            } => {
                let attempt = delays.len() + 1;
                self.revoke(pending, &revoke_out_trade_no, attempt, last)
                    .await
            }
        }
    }

    /// One trade query of the order, and what it concludes (journaled).
    pub(crate) async fn query_state(&mut self, attempt: usize) -> Queried {
        let finding = settle::query(&self.client, &self.order, self.amount).await;
        if finding.verdict.is_final() || matches!(finding.verdict, Verdict::InProgress { .. }) {
            self.learn_trade_no(finding.trade_no.as_deref());
        }
        let (code, state) = finding.verdict.journal_words();
        let why = match &finding.verdict {
            Verdict::Inconclusive { why } => Some(why.as_str()),
            _ => None,
        };
        self.recorder.query(attempt, code, state, why).await;
        match &finding.verdict {
            Verdict::Inconclusive { why } => self.emit(PollEvent::QueryFailed {
                attempt,
                reason: why.clone(),
            }),
            Verdict::InProgress { state } => self.emit(PollEvent::Queried {
                attempt,
                state: Some(state.clone()),
            }),
            Verdict::Failed { state, .. } => self.emit(PollEvent::Queried {
                attempt,
                state: Some(state.clone()),
            }),
            Verdict::Reversed { .. } => self.emit(PollEvent::Queried {
                attempt,
                state: Some(TradeState::Refund),
            }),
            Verdict::Paid(a) => self.emit(PollEvent::Queried {
                attempt,
                state: a.value.trade_state().cloned(),
            }),
            Verdict::NotFound { .. } => self.emit(PollEvent::Queried {
                attempt,
                state: None,
            }),
        }
        self.outcome_of(finding.verdict, attempt)
    }

    /// The outcome a verdict decides, if it decides one.
    fn outcome_of(&self, verdict: Verdict, attempt: usize) -> Queried {
        let outcome = match verdict {
            Verdict::Paid(response) => PaymentOutcome::Succeeded {
                order: self.order.clone(),
                confirmation: Confirmation::Query { attempt, response },
            },
            Verdict::Failed { state, description } => PaymentOutcome::Failed {
                order: self.order.clone(),
                reason: FailureReason::TradeFailed {
                    state,
                    description,
                    attempt,
                    micropay_answer: self.micropay_answer.clone(),
                },
            },
            Verdict::Reversed { description, .. } => PaymentOutcome::Failed {
                order: self.order.clone(),
                reason: FailureReason::TradeFailed {
                    state: TradeState::Refund,
                    description,
                    attempt,
                    micropay_answer: self.micropay_answer.clone(),
                },
            },
            open => return Queried::Open(open),
        };
        Queried::Final(Box::new(outcome))
    }

    /// The pending policy's revoke, under the rule ([`money_gate::revoke_on_own`]): only
    /// when a fresh query found the payment still in progress; its inconclusive answer is
    /// settled by querying the order, never by sending it again.
    async fn revoke(
        mut self,
        mut pending: PendingPayment,
        revoke_no: &str,
        attempt: usize,
        last: Option<Verdict>,
    ) -> PaymentOutcome {
        // The last query of the schedule is fresh when it found the payment in progress;
        // otherwise ask once more right before deciding.
        let fresh = match last {
            Some(v @ Verdict::InProgress { .. }) => v,
            _ => match self.query_state(attempt).await {
                Queried::Final(outcome) => return *outcome,
                Queried::Open(v) => v,
            },
        };
        let journaled = self.recorder.current().await;
        let earlier = self.recorder.has_revoke().await;
        let permit = match money_gate::revoke_on_own(journaled.as_ref(), false, earlier, &fresh) {
            Ok(permit) => permit,
            Err(blocked) => {
                pending.revoke = Some(RevokeAttempt {
                    revoke_out_trade_no: revoke_no.to_owned(),
                    result: blocked.to_string(),
                    may_have_been_executed: false,
                });
                return PaymentOutcome::Pending(pending);
            }
        };
        self.emit(PollEvent::Revoking);
        let settled = revoke_settled(
            &self.client,
            &self.order,
            self.amount,
            revoke_no,
            self.location.clone(),
            permit,
            attempt + 1,
            &self.recorder,
        )
        .await;
        match settled {
            RevokeSettled::Revoked { response } => PaymentOutcome::Revoked {
                order: self.order.clone(),
                revoke_out_trade_no: revoke_no.to_owned(),
                response,
            },
            RevokeSettled::PaymentFinal(verdict, trade_no) => {
                self.learn_trade_no(trade_no.as_deref());
                match self.outcome_of(verdict, attempt + 1) {
                    Queried::Final(outcome) => *outcome,
                    Queried::Open(_) => PaymentOutcome::Pending(pending),
                }
            }
            RevokeSettled::Open {
                attempt: tried,
                verdict,
            } => {
                if let Some(Verdict::InProgress { state }) = &verdict {
                    pending.last_state = Some(state.clone());
                }
                if let Some(v) = &verdict {
                    pending.reason = format!("{}; {}", v.describe(attempt + 1), tried.result);
                }
                pending.revoke = Some(tried);
                PaymentOutcome::Pending(pending)
            }
        }
    }
}

/// What one trade query concluded.
pub(crate) enum Queried {
    /// A final outcome.
    Final(Box<PaymentOutcome>),
    /// Not final: in progress, not found, or the query said nothing.
    Open(Verdict),
}

/// What resuming a journaled payment concluded.
enum Resumed {
    /// Resolved (or polled to the end of the schedule).
    Done(Box<PaymentOutcome>),
    /// The earlier attempt provably never reached the platform: send the same request now.
    SendAgain(Permit),
}

impl Flow {
    /// The same order is already journaled (a till's retry, after a crash, or by another
    /// instance): resolve that payment instead of sending a second micropay. It is sent
    /// again only as the rule allows ([`money_gate::micropay_again`]): never known to be
    /// sent (`recorded`), the same auth code, past the in-flight window, and a fresh query
    /// saying the order does not exist. Within the window, the flow waits for its end and
    /// asks again, so that a payment killed before it was sent is paid when the till
    /// retries it instead of waiting hours.
    async fn resume(&mut self, record: &PaymentRecord, auth: AuthMatch) -> Resumed {
        let reason = format!(
            "already journaled (status {}): resolving it instead of paying twice",
            record.status
        );
        self.emit(PollEvent::OutcomeUnknown {
            reason: reason.clone(),
        });
        let window = InFlightWindow::new(self.client.inner.request_timeout);
        let mut attempt = 1;
        let verdict = loop {
            let verdict = match self.query_state(attempt).await {
                Queried::Final(outcome) => return Resumed::Done(outcome),
                Queried::Open(v) => v,
            };
            let now = self.client.now_unix();
            let waiting_out_window = record.status == PaymentStatus::Recorded
                && matches!(verdict, Verdict::NotFound { .. })
                && !window.is_over(record.created_at, now)
                && auth == AuthMatch::Same
                && attempt == 1;
            if !waiting_out_window {
                break verdict;
            }
            let wait = window.ends_at(record.created_at).saturating_sub(now).max(1);
            self.client
                .inner
                .sleeper
                .sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(1)))
                .await;
            attempt += 1;
        };
        // The journal as it is now, not as it was when the flow began.
        let current = self.recorder.current().await;
        let record = current.as_ref().unwrap_or(record);
        let now = self.client.now_unix();
        let leased = record.lease_until.is_some_and(|until| until > now);
        let permit = if leased {
            Err(money_gate::Blocked::Journal("a resolver holds it".into()))
        } else {
            money_gate::micropay_again(
                record,
                auth,
                window.is_over(record.created_at, now),
                &verdict,
            )
        };
        match permit {
            Ok(permit) => return Resumed::SendAgain(permit),
            Err(blocked) => {
                tracing::info!(payment = %self.recorder.key(), %blocked, "resuming by query");
            }
        }
        if record.status.is_final() && matches!(verdict, Verdict::NotFound { .. }) {
            // Journaled failed and unknown to the platform: it was never sent.
            return Resumed::Done(Box::new(PaymentOutcome::Failed {
                order: self.order.clone(),
                reason: FailureReason::NotSent {
                    reason: format!(
                        "journaled {} and unknown to the platform: never sent; pay under a new out_trade_no",
                        record.status
                    ),
                },
            }));
        }
        let flow = Flow {
            client: self.client.clone(),
            order: self.order.clone(),
            amount: self.amount,
            location: self.location.clone(),
            options: self.options.clone(),
            micropay_answer: None,
            recorder: self.recorder.clone(),
        };
        Resumed::Done(Box::new(flow.poll(reason, FirstQuery::AfterDelay).await))
    }
}
