//! The labs pre-order (聚合主扫, `/api/v3/labs/trans/preorder`): the shop asks for a QR code
//! (or WeChat / Alipay / UnionPay payment fields) the customer pays with on their phone,
//! then follows the order until it is paid, closed or failed ([`PreorderOutcome`]).
//!
//! [`LakalaClient::preorder`] journals the intent (a [`lakala_journal::PaymentKind::Preorder`]) before
//! anything is sent, sends the pre-order (on `preorder_encry` when the request carries the
//! buyer's identity, [`crate::sealing`]), binds the answer to the order
//! ([`crate::binding`]) and returns a [`PreorderHandle`] with the payment request for the
//! customer; the order is then followed on its own task: trade
//! queries on the client's poll schedule (its last delay repeating), until the order is
//! final, the merchant asks to close it ([`PreorderHandle::close`]), or it is past its
//! expiry plus a margin and still unpaid, when the SDK closes it and confirms by query. An
//! order closed by the SDK is never reported paid, and one the customer paid first is
//! never reported closed (the crate docs, "Closed means never paid").

use crate::answer::Answer;
use crate::binding;
use crate::client::LakalaClient;
use crate::companion_outcome::SettleBy;
use crate::error::ClientError;
use crate::micropay::log_code;
use crate::outcome::OrderRef;
use crate::poll::PollEvent;
use crate::preorder_flow::{PreorderFlow, Start};
use crate::preorder_options::{PreorderOptions, DEFAULT_VALIDITY, PREORDER_EVENT};
use crate::preorder_outcome::{PendingPreorder, PreorderOutcome};
use crate::recorder::{Begin, Recorder};
use lakala_journal::{kinds, Intent, PaymentStatus, StateUpdate};
use lakala_types::labs::{PaymentRequestForCustomer, PreorderRequest, PreorderResponse};
use lakala_types::micropay::V3Response;
use lakala_types::{CodeClass, Validate};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tracing::Instrument;

/// A pre-order followed on its own task. Dropping the handle does not stop it: the order
/// is still followed to its end (and closed at its expiry), reported to the observer, the
/// journal and the log.
#[derive(Debug)]
pub struct PreorderHandle {
    order: OrderRef,
    payment_request: Option<PaymentRequestForCustomer>,
    why_no_payment_request: Option<String>,
    expires_at: i64,
    close: watch::Sender<bool>,
    outcome: oneshot::Receiver<PreorderOutcome>,
}

impl PreorderHandle {
    /// The order (with the platform's `trade_no` when the answer gave it).
    pub fn order(&self) -> &OrderRef {
        &self.order
    }

    /// What the customer pays with: a QR code to show, or the wallet's payment fields.
    /// `None` when the pre-order's answer did not give one (see
    /// [`PreorderHandle::why_no_payment_request`]); the order is then closed by the SDK.
    pub fn payment_request(&self) -> Option<&PaymentRequestForCustomer> {
        self.payment_request.as_ref()
    }

    /// Why there is no payment request (safe to log), when there is none.
    pub fn why_no_payment_request(&self) -> Option<&str> {
        self.why_no_payment_request.as_deref()
    }

    /// When the order expires (Unix seconds): from then on the platform closes it.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// Asks the flow to close the order now (the customer walked away). The outcome tells
    /// what became of it: closed, or paid when the customer paid before the close arrived.
    pub fn close(&self) {
        // The flow may have ended already: then there is nothing to close.
        let _ = self.close.send(true);
    }

    /// Waits for the outcome. [`PreorderOutcome::Unknown`] when the flow's task ended
    /// without one (the runtime shut down): query the order.
    pub async fn outcome(self) -> PreorderOutcome {
        let order = self.order.clone();
        self.outcome.await.unwrap_or_else(|_| aborted(order))
    }

    /// Waits at most `patience` for the outcome; after it, answers
    /// [`PreorderOutcome::Pending`] and lets the order be followed on its own task.
    pub async fn outcome_within(self, patience: Duration) -> PreorderOutcome {
        let order = self.order.clone();
        // The flow keeps its close channel: the order is still closed at its expiry.
        let PreorderHandle { outcome, close, .. } = self;
        let result = tokio::time::timeout(patience, outcome).await;
        drop(close);
        match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => aborted(order),
            Err(_) => PreorderOutcome::Pending(PendingPreorder {
                order,
                last_state: None,
                reason: format!(
                    "still waiting for the customer after {} ms; the order goes on: ask for its status again",
                    patience.as_millis()
                ),
                close: None,
                settle_by: SettleBy::TradeQuery,
            }),
        }
    }
}

fn aborted(order: OrderRef) -> PreorderOutcome {
    PreorderOutcome::Unknown(PendingPreorder {
        order,
        last_state: None,
        reason: "the pre-order's task ended without an outcome".into(),
        close: None,
        settle_by: SettleBy::TradeQuery,
    })
}

impl LakalaClient {
    /// One pre-order exchange, without the journal or the follow-up: the verified answer,
    /// bound to the request (on `preorder_encry` when the request carries the buyer's
    /// identity). Most callers want [`LakalaClient::preorder`].
    pub async fn preorder_once(
        &self,
        request: PreorderRequest,
    ) -> Result<Answer<V3Response<PreorderResponse>>, ClientError> {
        let span = tracing::info_span!(
            "lakala.preorder",
            out_trade_no = request.out_trade_no().unwrap_or_default()
        );
        let sealed = request.needs_encryption();
        let result = self
            .v3_call_as(crate::environment::paths::PREORDER, request.clone(), sealed)
            .await
            .and_then(|a| binding::preorder(&request, &a.value).map(|()| a));
        log_code(&span, &result);
        result
    }

    /// Creates a pre-order and follows it (module docs). Returns once the pre-order is
    /// answered, with the payment request for the customer; the order is then followed on
    /// its own task.
    ///
    /// `Err` only when nothing was sent (invalid request, no credentials, the buyer's
    /// identity without an SM4 key, the journal refused the intent or holds the number
    /// for another request, no tokio runtime). An order number journaled before for the
    /// same request is not sent again: it is followed by query (without a payment
    /// request: the first attempt's may still be in the customer's hands) and closed at
    /// its deadline.
    pub async fn preorder(
        &self,
        request: PreorderRequest,
        options: PreorderOptions,
    ) -> Result<PreorderHandle, ClientError> {
        request.validate()?;
        self.open_side()?;
        let inner = &self.inner;
        crate::sealing::wire(
            crate::environment::paths::PREORDER,
            request.needs_encryption(),
            inner.encryption,
            inner.sm4_key.as_ref(),
        )?;
        let kind = request.kind().ok_or(ClientError::NotConfigured(
            "a pre-order scenario (account_type × trans_type)",
        ))?;
        inner
            .resolver_watch
            .check(inner.journal.is_some(), &inner.instance);
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ClientError::NotConfigured("a tokio runtime (a pre-order is followed on a task)")
        })?;
        let mut order = OrderRef {
            merchant_no: request.merchant_no().unwrap_or_default().to_owned(),
            term_no: request.term_no().unwrap_or_default().to_owned(),
            out_trade_no: request.out_trade_no().unwrap_or_default().to_owned(),
            trade_no: None,
        };
        let amount = request.total_amount().copied();
        let location = request
            .location_info()
            .cloned()
            .ok_or(ClientError::NotConfigured("location_info"))?;
        let now = self.now_unix();
        let validity = request
            .timeout_minutes()
            .map(|m| Duration::from_secs(u64::from(m) * 60))
            .unwrap_or(DEFAULT_VALIDITY);
        let expires_at = now.saturating_add(secs(validity));
        let recorder = Recorder::new(self, &order.merchant_no, &order.out_trade_no);
        let mut flow = PreorderFlow::new(
            self.clone(),
            order.clone(),
            amount,
            location.clone(),
            options,
            recorder.clone(),
            now,
            expires_at,
        );
        flow.emit(PollEvent::Started {
            order: order.clone(),
        });
        let amount_fen = amount
            .map(|a| i64::try_from(a.fen()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        let intent = Intent::preorder(
            recorder.key().clone(),
            order.term_no.clone(),
            amount_fen,
            fingerprint(&request),
            inner.instance.clone(),
            now,
        )
        .with_next_check_at(flow.quiet_until(now));
        let (start, payment_request, why_none) = match recorder.begin_intent(intent).await? {
            Begin::Resume(record) => {
                // Not sent again: its answer (what the customer pays with) is not kept; the
                // order is followed by query and closed at its deadline.
                flow.resumed(&record);
                (
                    Start::Resumed {
                        unsent: record.status == PaymentStatus::Recorded,
                    },
                    None,
                    Some(format!(
                        "already journaled (status {}): not sent again, followed by query",
                        record.status
                    )),
                )
            }
            Begin::Send => {
                recorder
                    .note(
                        PREORDER_EVENT,
                        json!({"expires_at": expires_at, "kind": kind.as_str(),
                            "location_info": location}),
                        StateUpdate::none(),
                    )
                    .await;
                recorder.mark_sent();
                let result = self.preorder_once(request).await;
                match answered(&recorder, result, kind, &flow).await {
                    Answered::Created {
                        trade_no,
                        payment_request,
                        why_none,
                    } => {
                        order.trade_no = trade_no.clone();
                        flow.learn_trade_no(trade_no.as_deref());
                        flow.customer_can_pay(payment_request.is_some());
                        (Start::Created, payment_request, why_none)
                    }
                    Answered::Ended(outcome) => (Start::Ended(Box::new(outcome)), None, None),
                    Answered::Unknown(why) => (Start::Unknown, None, Some(why)),
                    Answered::NotSent(e) => {
                        recorder
                            .finish_as(
                                PaymentStatus::Failed,
                                "failed",
                                None,
                                Some(format!("not sent: {e}")),
                                now,
                            )
                            .await;
                        return Err(e);
                    }
                }
            }
        };
        let (close_tx, close_rx) = watch::channel(false);
        let (tx, rx) = oneshot::channel();
        let span = tracing::info_span!(
            "lakala.preorder_flow",
            out_trade_no = %order.out_trade_no,
            outcome = tracing::field::Empty
        );
        let task_span = span.clone();
        runtime.spawn(
            async move {
                let observer = flow.observer();
                let outcome = flow.run(start, close_rx).await;
                task_span.record("outcome", outcome.word());
                tracing::info!(outcome = outcome.word(), "pre-order finished");
                observer.emit(PollEvent::Finished {
                    order: outcome.order().clone(),
                    outcome: outcome.word(),
                });
                if tx.send(outcome).is_err() {
                    tracing::info!("pre-order finished after its caller went away");
                }
            }
            .instrument(span),
        );
        Ok(PreorderHandle {
            order,
            payment_request,
            why_no_payment_request: why_none,
            expires_at,
            close: close_tx,
            outcome: rx,
        })
    }
}

/// What the pre-order's answer says.
enum Answered {
    /// The order exists: follow it (with what the customer pays with, when given).
    Created {
        trade_no: Option<String>,
        payment_request: Option<PaymentRequestForCustomer>,
        why_none: Option<String>,
    },
    /// Refused naming the order: nothing to follow.
    Ended(PreorderOutcome),
    /// May exist: follow it by query (and close it: the customer has nothing to pay with).
    Unknown(String),
    /// Nothing left this process.
    NotSent(ClientError),
}

async fn answered(
    recorder: &Recorder,
    result: Result<Answer<V3Response<PreorderResponse>>, ClientError>,
    kind: lakala_types::labs::PreorderKind,
    flow: &PreorderFlow,
) -> Answered {
    let answer = match result {
        Ok(a) => a,
        Err(ClientError::Transport(e)) if !e.may_have_been_executed() => {
            return Answered::Ended(PreorderOutcome::Failed {
                order: flow.order().clone(),
                reason: crate::outcome::FailureReason::NotSent {
                    reason: e.to_string(),
                },
            })
        }
        Err(e) if !e.may_have_been_executed() => return Answered::NotSent(e),
        Err(e) => {
            let why = format!("pre-order outcome unknown: {e}");
            recorder
                .note(
                    kinds::ANSWER,
                    json!({"error": e.to_string()}),
                    flow.pending_update(None),
                )
                .await;
            return Answered::Unknown(why);
        }
    };
    let code = answer.value.code().cloned();
    let class = code
        .as_ref()
        .map(|c| c.class())
        .unwrap_or(CodeClass::Unknown);
    let code_text = code.as_ref().map(|c| c.as_str()).unwrap_or("(no code)");
    let message = answer.value.msg().unwrap_or_default().to_owned();
    let data = answer.value.resp_data();
    // Binding has checked that a number given is this order's.
    let names_order = data.and_then(|d| d.out_trade_no()).is_some();
    let trade_no = data.and_then(|d| d.trade_no()).map(str::to_owned);
    let fact = json!({"code": code_text, "msg": message, "class": class.as_str(),
        "names_order": names_order});
    match class {
        CodeClass::Success if names_order => {
            recorder
                .note(
                    kinds::ANSWER,
                    fact,
                    flow.pending_update(trade_no.as_deref()),
                )
                .await;
            let (payment_request, why_none) = match data.map(|d| d.payment_request(kind)) {
                Some(Ok(p)) => (Some(p), None),
                Some(Err(e)) => (None, Some(format!("the answer's payment fields: {e}"))),
                None => (None, Some("the answer has no resp_data".to_owned())),
            };
            Answered::Created {
                trade_no,
                payment_request,
                why_none,
            }
        }
        CodeClass::Refused if names_order => {
            let outcome = PreorderOutcome::Failed {
                order: flow.order().clone(),
                reason: crate::outcome::FailureReason::Declined {
                    code: code.unwrap_or(lakala_types::micropay::V3Code::Other(String::new())),
                    message,
                },
            };
            recorder.hold(kinds::ANSWER, fact, StateUpdate::none());
            Answered::Ended(outcome)
        }
        _ => {
            recorder
                .note(
                    kinds::ANSWER,
                    fact,
                    flow.pending_update(trade_no.as_deref()),
                )
                .await;
            Answered::Unknown(format!(
                "the pre-order answered {code_text} {message}: not conclusive, followed by query"
            ))
        }
    }
}

/// What identifies the request's content (the same number with other content is another
/// request). A digest: nothing personal is stored.
fn fingerprint(request: &PreorderRequest) -> String {
    let value = serde_json::to_value(request).unwrap_or_default();
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
