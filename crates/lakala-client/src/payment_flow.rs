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

use crate::error::ClientError;
use crate::outcome::{
    Confirmation, FailureReason, OrderRef, PaymentOutcome, PendingPayment, PlatformAnswer,
    RevokeAttempt,
};
use crate::poll::{PendingPolicy, PollEvent, PollObserver};
use crate::recorder::{Begin, Recorder};
use crate::LakalaClient;
use lakala_journal::kinds;
use lakala_types::micropay::{
    LocationInfo, MicropayRequest, NeedQuery, RevokeRequest, TradeQueryRequest, TradeQueryResponse,
    TradeState, TradeVerdict, V3Code, V3Response,
};
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
        if let Begin::Resume(record) = self.recorder.begin(&request).await? {
            match self.resume(&record).await {
                Resumed::Done(outcome) => return Ok(*outcome),
                Resumed::SendAgain => {}
            }
        }
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
        if names_order {
            self.learn_trade_no(data.and_then(|d| d.trade_no()));
        }
        let need_query = data.and_then(|d| d.need_query()) == Some(&NeedQuery::Yes);
        let fact = json!({"code": code.as_str(), "msg": message, "class": code.class().as_str(),
            "names_order": names_order, "need_query": need_query});
        let trade_no = self.order.trade_no.as_deref();
        let decided = match code.class() {
            CodeClass::Success => !need_query,
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
            CodeClass::Success if !need_query => Ok(PaymentOutcome::Succeeded {
                order: self.order,
                confirmation: Confirmation::Immediate(Box::new(
                    answer.map(|v| v.resp_data().cloned().unwrap_or_default()),
                )),
            }),
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
                Ok(Queried::Final(outcome)) => return *outcome,
                Ok(Queried::InProgress { state, why }) => {
                    last_state = Some(state);
                    reason = why;
                }
                Ok(Queried::NotFound { why }) => reason = why,
                Err(e) => {
                    reason = format!("query {attempt} failed: {e}");
                    self.emit(PollEvent::QueryFailed {
                        attempt,
                        reason: e.to_string(),
                    });
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
                self.revoke(pending, &revoke_out_trade_no, attempt).await
            }
        }
    }

    /// One trade query of the order, and what it concludes (journaled).
    pub(crate) async fn query_state(&mut self, attempt: usize) -> Result<Queried, ClientError> {
        let result = self.query_state_unrecorded(attempt).await;
        match &result {
            Ok(Queried::InProgress { state, .. }) => {
                self.recorder
                    .query(attempt, "BBS00000", Some(state.as_str()))
                    .await
            }
            Ok(Queried::NotFound { why }) => self.recorder.query(attempt, why, None).await,
            Ok(Queried::Final(_)) => {
                self.recorder
                    .query(attempt, "BBS00000", Some("final"))
                    .await
            }
            Err(e) => {
                self.recorder
                    .note(
                        kinds::QUERY,
                        json!({"attempt": attempt, "error": e.to_string()}),
                        lakala_journal::StateUpdate::none(),
                    )
                    .await
            }
        }
        result
    }

    async fn query_state_unrecorded(&mut self, attempt: usize) -> Result<Queried, ClientError> {
        let request = TradeQueryRequest::builder()
            .merchant_no(self.order.merchant_no.clone())
            .term_no(self.order.term_no.clone())
            .out_trade_no(self.order.out_trade_no.clone())
            .build()?;
        let answer = self.client.trade_query(request).await?;
        let found = answer.value.code().is_some_and(V3Code::is_success);
        let data = answer.value.resp_data();
        let state = data.and_then(|d| d.trade_state()).cloned();
        if found {
            self.check_amount(&answer.value)?;
        }
        self.emit(PollEvent::Queried {
            attempt,
            state: state.clone().filter(|_| found),
        });
        if !found {
            return Ok(Queried::NotFound {
                why: format!(
                    "query {attempt} answered {} {}",
                    answer
                        .value
                        .code()
                        .map(V3Code::as_str)
                        .unwrap_or("(no code)"),
                    answer.value.msg().unwrap_or_default()
                ),
            });
        }
        self.learn_trade_no(data.and_then(|d| d.trade_no()));
        let Some(state) = state else {
            return Ok(Queried::NotFound {
                why: format!("query {attempt}: no trade_state"),
            });
        };
        let description = data.and_then(|d| d.trade_state_desc()).map(str::to_owned);
        let outcome = match state.verdict() {
            TradeVerdict::Paid => PaymentOutcome::Succeeded {
                order: self.order.clone(),
                confirmation: Confirmation::Query {
                    attempt,
                    response: Box::new(answer.map(|v| v.resp_data().cloned().unwrap_or_default())),
                },
            },
            TradeVerdict::Failed | TradeVerdict::Closed => PaymentOutcome::Failed {
                order: self.order.clone(),
                reason: FailureReason::TradeFailed {
                    state,
                    description,
                    attempt,
                    micropay_answer: self.micropay_answer.clone(),
                },
            },
            _ => {
                return Ok(Queried::InProgress {
                    why: format!("query {attempt}: trade_state {}", state.as_str()),
                    state,
                })
            }
        };
        Ok(Queried::Final(Box::new(outcome)))
    }

    /// A query answer that gives another amount is about another payment.
    fn check_amount(&self, answer: &V3Response<TradeQueryResponse>) -> Result<(), ClientError> {
        let found = answer.resp_data().and_then(|d| d.total_amount());
        match (&self.amount, found) {
            (Some(expected), Some(found)) if expected.fen() != found.fen() => {
                Err(ClientError::ForeignAnswer {
                    field: "total_amount",
                    expected: expected.fen().to_string(),
                    found: Some(found.fen().to_string()),
                })
            }
            _ => Ok(()),
        }
    }

    pub(crate) async fn revoke(
        mut self,
        mut pending: PendingPayment,
        revoke_no: &str,
        attempt: usize,
    ) -> PaymentOutcome {
        self.emit(PollEvent::Revoking);
        let mut builder = RevokeRequest::builder()
            .merchant_no(self.order.merchant_no.clone())
            .term_no(self.order.term_no.clone())
            .out_trade_no(revoke_no.to_owned())
            .origin_out_trade_no(self.order.out_trade_no.clone());
        if let Some(location) = &self.location {
            builder = builder.location_info(location.clone());
        }
        let record = |result: String, may: bool| RevokeAttempt {
            revoke_out_trade_no: revoke_no.to_owned(),
            result,
            may_have_been_executed: may,
        };
        let request = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                pending.revoke = Some(record(format!("revoke request invalid: {e}"), false));
                return PaymentOutcome::Pending(pending);
            }
        };
        let attempted = match self.client.revoke(request).await {
            Ok(answer) if answer.value.code().is_some_and(V3Code::is_success) => {
                return PaymentOutcome::Revoked {
                    order: self.order.clone(),
                    revoke_out_trade_no: revoke_no.to_owned(),
                    response: answer.value.resp_data().cloned(),
                };
            }
            Ok(answer) => {
                let code = answer.value.code().cloned();
                let refused = code.as_ref().map(V3Code::class) == Some(CodeClass::Refused)
                    && answer.value.resp_data().is_some();
                record(
                    format!(
                        "revoke answered {} {}",
                        code.as_ref().map(V3Code::as_str).unwrap_or("(no code)"),
                        answer.value.msg().unwrap_or_default()
                    ),
                    !refused,
                )
            }
            Err(e) => {
                let may = e.may_have_been_executed();
                record(format!("revoke failed: {e}"), may)
            }
        };
        self.recorder
            .note(
                kinds::REVOKE_ATTEMPT,
                json!({"revoke_out_trade_no": attempted.revoke_out_trade_no,
                    "result": attempted.result,
                    "may_have_been_executed": attempted.may_have_been_executed}),
                lakala_journal::StateUpdate::none(),
            )
            .await;
        // The revoke's own answer was not conclusive: the order's state is.
        match self.query_state(attempt).await {
            Ok(Queried::Final(outcome)) => match *outcome {
                // REFUND after our revoke: revoked.
                PaymentOutcome::Failed {
                    order,
                    reason:
                        FailureReason::TradeFailed {
                            state: TradeState::Refund,
                            ..
                        },
                } => PaymentOutcome::Revoked {
                    order,
                    revoke_out_trade_no: revoke_no.to_owned(),
                    response: None,
                },
                outcome => outcome,
            },
            Ok(Queried::InProgress { state, why }) => {
                pending.last_state = Some(state);
                pending.reason = why;
                pending.revoke = Some(attempted);
                PaymentOutcome::Pending(pending)
            }
            Ok(Queried::NotFound { why }) => {
                pending.reason = why;
                pending.revoke = Some(attempted);
                PaymentOutcome::Pending(pending)
            }
            Err(e) => {
                pending.reason = format!("query after the revoke failed: {e}");
                pending.revoke = Some(attempted);
                PaymentOutcome::Pending(pending)
            }
        }
    }
}

/// What one trade query concluded.
pub(crate) enum Queried {
    /// A final outcome.
    Final(Box<PaymentOutcome>),
    /// Found, not final.
    InProgress { state: TradeState, why: String },
    /// The query did not find the order (or answered another code): why.
    NotFound { why: String },
}

/// What resuming a journaled payment concluded.
enum Resumed {
    /// Resolved (or polled to the end of the schedule).
    Done(Box<PaymentOutcome>),
    /// The earlier attempt never reached the platform: send the same request now.
    SendAgain,
}

impl Flow {
    /// The same request is already journaled (a retry after a crash, or by another
    /// instance): resolve that payment instead of sending a second micropay. Only when
    /// the journal says it was never known to be sent, it is older than twice the request
    /// timeout (so it cannot be in flight any more), and a query does not find it, is the
    /// same request (same `out_trade_no`, which the platform recognises) sent again.
    async fn resume(&mut self, record: &lakala_journal::PaymentRecord) -> Resumed {
        let reason = format!(
            "already journaled (status {}): resolving it instead of paying twice",
            record.status
        );
        self.emit(PollEvent::OutcomeUnknown {
            reason: reason.clone(),
        });
        // A request abandoned by its sender (it timed out, or the sender died) is not in
        // flight after twice the request timeout; and if it were, the platform recognises
        // the same out_trade_no and answers a duplicate, which is settled by query.
        let in_flight_for = i64::try_from(self.client.inner.request_timeout.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_mul(2);
        let never_sent = record.status == lakala_journal::PaymentStatus::Recorded
            && self.client.now_unix() - record.created_at > in_flight_for;
        if never_sent {
            match self.query_state(1).await {
                Ok(Queried::Final(outcome)) => return Resumed::Done(outcome),
                Ok(Queried::NotFound { .. }) => return Resumed::SendAgain,
                _ => {}
            }
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
        Resumed::Done(Box::new(flow.poll(reason, FirstQuery::AtOnce).await))
    }
}
