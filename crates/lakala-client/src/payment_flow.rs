//! The micropay flow: pay, and when the outcome is pending or unknown, query on the
//! spec's schedule until it is final; then apply the caller's [`PendingPolicy`].
//!
//! The rules it keeps:
//! - A payment is reported failed only on evidence: a signed refusal, a `FAIL` trade
//!   state, or a connection that provably sent nothing.
//! - When the micropay exchange may have executed (timeout or connection lost after
//!   sending, an unexpected HTTP status, an answer that fails verification), the flow
//!   queries instead of failing or resending.
//! - Nothing is ever resent with a new `out_trade_no`: the flow queries by the caller's
//!   number, and a revoke uses the number the caller chose for it.

use crate::answer::Answer;
use crate::error::ClientError;
use crate::poll::{PendingPolicy, PollEvent, PollObserver};
use crate::LakalaClient;
use lakala_types::micropay::{
    LocationInfo, MicropayRequest, MicropayResponse, NeedQuery, RevokeRequest, RevokeResponse,
    TradeQueryRequest, TradeQueryResponse, TradeState, V3Code,
};
use std::time::Duration;
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

/// The numbers that identify a payment, enough to query or revoke it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    /// `merchant_no`.
    pub merchant_no: String,
    /// `term_no`.
    pub term_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// The platform's `trade_no`, once an answer has given it.
    pub trade_no: Option<String>,
}

/// How a micropay ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// Paid.
    Succeeded {
        /// The order.
        order: OrderRef,
        /// What confirmed it.
        confirmation: Confirmation,
    },
    /// Not paid, on evidence.
    Failed {
        /// The order.
        order: OrderRef,
        /// The evidence.
        reason: FailureReason,
    },
    /// Still unknown when the schedule ended (policy [`PendingPolicy::ReturnPending`], or a
    /// revoke whose outcome is itself not final). Resolve it with
    /// [`LakalaClient::trade_query`] on `order`.
    Pending(PendingPayment),
    /// The schedule ended and the order was revoked: the payer is not charged.
    Revoked {
        /// The order.
        order: OrderRef,
        /// The revoke request's own number.
        revoke_out_trade_no: String,
        /// The platform's answer to the revoke.
        response: Option<RevokeResponse>,
    },
}

impl PaymentOutcome {
    /// The order this outcome is about.
    pub fn order(&self) -> &OrderRef {
        match self {
            PaymentOutcome::Succeeded { order, .. }
            | PaymentOutcome::Failed { order, .. }
            | PaymentOutcome::Revoked { order, .. } => order,
            PaymentOutcome::Pending(p) => &p.order,
        }
    }

    /// A stable snake_case word for the outcome.
    pub fn word(&self) -> &'static str {
        match self {
            PaymentOutcome::Succeeded { .. } => "succeeded",
            PaymentOutcome::Failed { .. } => "failed",
            PaymentOutcome::Pending(_) => "pending",
            PaymentOutcome::Revoked { .. } => "revoked",
        }
    }
}

/// What confirmed a payment.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Confirmation {
    /// The micropay answer itself (`DCP00000`, no query needed).
    Immediate(Box<Answer<MicropayResponse>>),
    /// A trade query on query number `attempt` (`trade_state` SUCCESS).
    Query {
        /// Which query of the schedule.
        attempt: usize,
        /// The query's answer.
        response: Box<Answer<TradeQueryResponse>>,
    },
}

/// The evidence that a payment failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FailureReason {
    /// A signed micropay answer with a code other than success or pending.
    Declined {
        /// The code.
        code: V3Code,
        /// The message.
        message: String,
    },
    /// A trade query found the trade in state `FAIL`.
    TradeFailed {
        /// `trade_state_desc`, if given.
        description: Option<String>,
    },
    /// No connection could be made: the request was never sent. Safe to try again.
    NotSent {
        /// Why.
        reason: String,
    },
}

/// A payment whose outcome is not known yet, with what is needed to resolve it.
#[derive(Debug, Clone)]
pub struct PendingPayment {
    /// The order to query.
    pub order: OrderRef,
    /// The last trade state a query reported, if any did.
    pub last_state: Option<TradeState>,
    /// Why it is still unknown (the last query's answer or error).
    pub reason: String,
    /// The revoke attempted under [`PendingPolicy::Revoke`], if any.
    pub revoke: Option<RevokeAttempt>,
}

/// A revoke that did not reach a confirmed result.
#[derive(Debug, Clone)]
pub struct RevokeAttempt {
    /// The revoke request's own number (retry only with this one).
    pub revoke_out_trade_no: String,
    /// What happened (a code and message, or an error).
    pub result: String,
    /// Whether the revoke may have been executed.
    pub may_have_been_executed: bool,
}

struct Flow<'a> {
    client: &'a LakalaClient,
    order: OrderRef,
    location: Option<LocationInfo>,
    options: &'a MicropayOptions,
}

impl LakalaClient {
    /// Pays with a barcode, and never leaves the outcome unknown without saying so.
    ///
    /// Returns `Err` only when nothing was sent (invalid request, no credentials, sealing
    /// failure). Every exchange that may have reached the platform ends in a
    /// [`PaymentOutcome`].
    pub async fn micropay(
        &self,
        request: MicropayRequest,
        options: MicropayOptions,
    ) -> Result<PaymentOutcome, ClientError> {
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
        let flow = Flow {
            client: self,
            location: request.location_info().cloned(),
            order,
            options: &options,
        };
        let result = flow.run(request).instrument(span.clone()).await;
        match &result {
            Ok(outcome) => {
                span.record("outcome", outcome.word());
                tracing::info!(parent: &span, outcome = outcome.word(), "micropay finished");
            }
            Err(e) => tracing::warn!(parent: &span, error = %e, "micropay not sent"),
        }
        result
    }
}

impl Flow<'_> {
    fn emit(&self, event: PollEvent) {
        self.options.observer.emit(event);
    }

    async fn run(mut self, request: MicropayRequest) -> Result<PaymentOutcome, ClientError> {
        match self.client.micropay_once(request).await {
            Ok(answer) => {
                let code = answer.value.code().cloned();
                let data = answer.value.resp_data().cloned();
                if let Some(trade_no) = data.as_ref().and_then(|d| d.trade_no()) {
                    self.order.trade_no = Some(trade_no.to_owned());
                }
                let need_query =
                    data.as_ref().and_then(|d| d.need_query()) == Some(&NeedQuery::Yes);
                match code {
                    Some(V3Code::Success) if !need_query => {
                        let confirmation = Confirmation::Immediate(Box::new(
                            answer.map(|v| v.resp_data().cloned().unwrap_or_default()),
                        ));
                        Ok(PaymentOutcome::Succeeded {
                            order: self.order,
                            confirmation,
                        })
                    }
                    Some(code) if code.is_pending() || need_query => {
                        self.emit(PollEvent::Pending {
                            code: code.as_str().to_owned(),
                        });
                        Ok(self
                            .poll(format!("micropay answered {}", code.as_str()))
                            .await)
                    }
                    Some(V3Code::Success) | None if need_query => {
                        Ok(self.poll("micropay answered need_query=1".into()).await)
                    }
                    code => Ok(PaymentOutcome::Failed {
                        order: self.order,
                        reason: FailureReason::Declined {
                            code: code.unwrap_or(V3Code::Other(String::new())),
                            message: answer.value.msg().unwrap_or_default().to_owned(),
                        },
                    }),
                }
            }
            Err(ClientError::Transport(e)) if !e.may_have_been_executed() => {
                Ok(PaymentOutcome::Failed {
                    order: self.order,
                    reason: FailureReason::NotSent {
                        reason: e.to_string(),
                    },
                })
            }
            Err(e) if !e.may_have_been_executed() => Err(e),
            Err(e) => {
                let reason = format!("micropay outcome unknown: {e}");
                self.emit(PollEvent::OutcomeUnknown {
                    reason: reason.clone(),
                });
                Ok(self.poll(reason).await)
            }
        }
    }

    async fn poll(self, mut reason: String) -> PaymentOutcome {
        let delays = self.client.inner.poll_schedule.delays().to_vec();
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
            self.client.inner.sleeper.sleep(*delay).await;
            elapsed += *delay;
            match self.query().await {
                Ok(answer) => {
                    let found = answer.value.code().is_some_and(V3Code::is_success);
                    let data = answer.value.resp_data().cloned();
                    let state = data.as_ref().and_then(|d| d.trade_state()).cloned();
                    self.emit(PollEvent::Queried {
                        attempt,
                        state: state.clone().filter(|_| found),
                    });
                    if !found {
                        reason = format!(
                            "query {attempt} answered {} {}",
                            answer
                                .value
                                .code()
                                .map(|c| c.as_str())
                                .unwrap_or("(no code)"),
                            answer.value.msg().unwrap_or_default()
                        );
                        continue;
                    }
                    match state {
                        Some(TradeState::Success) => {
                            let mut order = self.order;
                            if order.trade_no.is_none() {
                                order.trade_no =
                                    data.as_ref().and_then(|d| d.trade_no()).map(str::to_owned);
                            }
                            return PaymentOutcome::Succeeded {
                                order,
                                confirmation: Confirmation::Query {
                                    attempt,
                                    response: Box::new(
                                        answer.map(|v| v.resp_data().cloned().unwrap_or_default()),
                                    ),
                                },
                            };
                        }
                        Some(TradeState::Fail) => {
                            return PaymentOutcome::Failed {
                                order: self.order,
                                reason: FailureReason::TradeFailed {
                                    description: data
                                        .as_ref()
                                        .and_then(|d| d.trade_state_desc())
                                        .map(str::to_owned),
                                },
                            };
                        }
                        other => {
                            reason = format!(
                                "query {attempt}: trade_state {}",
                                other.as_ref().map(|s| s.as_str()).unwrap_or("(none)")
                            );
                            last_state = other;
                        }
                    }
                }
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
        match &self.options.on_pending {
            PendingPolicy::ReturnPending => PaymentOutcome::Pending(pending),
            PendingPolicy::Revoke {
                revoke_out_trade_no,
            } => self.revoke(pending, revoke_out_trade_no).await,
        }
    }

    async fn query(
        &self,
    ) -> Result<Answer<lakala_types::micropay::V3Response<TradeQueryResponse>>, ClientError> {
        let request = TradeQueryRequest::builder()
            .merchant_no(self.order.merchant_no.clone())
            .term_no(self.order.term_no.clone())
            .out_trade_no(self.order.out_trade_no.clone())
            .build()?;
        self.client.trade_query(request).await
    }

    async fn revoke(&self, mut pending: PendingPayment, revoke_no: &str) -> PaymentOutcome {
        self.emit(PollEvent::Revoking);
        let mut builder = RevokeRequest::builder()
            .merchant_no(self.order.merchant_no.clone())
            .term_no(self.order.term_no.clone())
            .out_trade_no(revoke_no.to_owned())
            .origin_out_trade_no(self.order.out_trade_no.clone());
        if let Some(location) = &self.location {
            builder = builder.location_info(location.clone());
        }
        let attempt = |result: String, may: bool| RevokeAttempt {
            revoke_out_trade_no: revoke_no.to_owned(),
            result,
            may_have_been_executed: may,
        };
        let request = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                pending.revoke = Some(attempt(format!("revoke request invalid: {e}"), false));
                return PaymentOutcome::Pending(pending);
            }
        };
        match self.client.revoke(request).await {
            Ok(answer) if answer.value.code().is_some_and(V3Code::is_success) => {
                PaymentOutcome::Revoked {
                    order: self.order.clone(),
                    revoke_out_trade_no: revoke_no.to_owned(),
                    response: answer.value.resp_data().cloned(),
                }
            }
            Ok(answer) => {
                pending.revoke = Some(attempt(
                    format!(
                        "revoke answered {} {}",
                        answer
                            .value
                            .code()
                            .map(|c| c.as_str())
                            .unwrap_or("(no code)"),
                        answer.value.msg().unwrap_or_default()
                    ),
                    false,
                ));
                PaymentOutcome::Pending(pending)
            }
            Err(e) => {
                let may = e.may_have_been_executed();
                pending.revoke = Some(attempt(format!("revoke failed: {e}"), may));
                PaymentOutcome::Pending(pending)
            }
        }
    }
}
