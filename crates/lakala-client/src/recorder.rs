//! What a payment flow writes to the journal: the intent before anything is sent, then
//! every fact (answers, queries, revoke attempts) and the outcome.
//!
//! Without a journal every method is a no-op. With one, a failure to write the intent
//! stops the payment before it is sent ([`ClientError::Journal`]); a failure to write a
//! later fact cannot undo what was sent, so it is logged loudly and the flow goes on: the
//! record then stays non-final, and a resolver settles it by query later.

use crate::client::LakalaClient;
use crate::clock::ClockDebug;
use crate::error::ClientError;
use crate::events::{EventHub, SettledEvent};
use crate::outcome::{FailureReason, PaymentOutcome};
use crate::timing::{LiveFlowWindow, FIRST_TAIL_DELAY_SECS};
use lakala_journal::{
    kinds, Intent, JournalError, Lease, ListFilter, NewEvent, PaymentJournal, PaymentKey,
    PaymentKind, PaymentRecord, PaymentStatus, Recorded, StateUpdate,
};
use lakala_types::micropay::MicropayRequest;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What [`Recorder::begin`] found.
pub(crate) enum Begin {
    /// The intent is written (or there is no journal): send.
    Send,
    /// The same request is already journaled: resolve that payment, never send it blind.
    Resume(Box<PaymentRecord>),
}

/// What became of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// Written (or there is no journal).
    Ok,
    /// The fence's lease was lost: nothing written; stop working on the payment.
    LeaseLost,
    /// The platform contradicted the journal: the event is kept, the payment marked
    /// `conflict`, and an event announced.
    Conflict,
    /// The store failed: logged; a resolver settles the payment by query later.
    Failed,
}

/// Writes one payment's facts to the journal, if the client has one. Holds the journal,
/// the instance name, the clock and the live-flow window, not the client.
#[derive(Clone)]
pub(crate) struct Recorder {
    journal: Option<Arc<dyn PaymentJournal>>,
    key: PaymentKey,
    instance: String,
    clock: Arc<dyn ClockDebug>,
    live: LiveFlowWindow,
    events: EventHub,
    /// The lease a resolver holds on the payment: every write is fenced by it.
    fence: Option<Lease>,
    /// Facts held back to be written with the next one, in one commit: an answer that
    /// decides the outcome at once (shared by the clones of one payment's recorder).
    held: Arc<Mutex<Vec<(NewEvent, StateUpdate)>>>,
    /// Whether this flow sent the request (shared by the clones): a resumed flow that only
    /// queried leaves a `recorded` payment `recorded`, so that it can still be proven
    /// never sent.
    sent: Arc<AtomicBool>,
}

impl Recorder {
    pub(crate) fn new(client: &LakalaClient, merchant_no: &str, out_trade_no: &str) -> Self {
        let inner = &client.inner;
        Self {
            journal: inner.journal.clone(),
            key: PaymentKey::new(merchant_no, out_trade_no),
            instance: inner.instance.clone(),
            clock: inner.clock.clone(),
            live: LiveFlowWindow::new(&inner.poll_schedule, inner.request_timeout),
            events: inner.events.clone(),
            fence: None,
            held: Arc::default(),
            sent: Arc::default(),
        }
    }

    /// A recorder whose writes are fenced by a resolver's lease.
    pub(crate) fn fenced(mut self, lease: Lease) -> Self {
        self.fence = Some(lease);
        self
    }

    /// The lease renewed: later writes are fenced by it.
    pub(crate) fn refence(&mut self, lease: Lease) {
        self.fence = Some(lease);
    }

    /// The request is about to leave this process.
    pub(crate) fn mark_sent(&self) {
        self.sent.store(true, Ordering::SeqCst);
    }

    /// The payment as the journal has it now (`None` without a journal or when it cannot
    /// be read: callers then rely on what they read before).
    pub(crate) async fn current(&self) -> Option<PaymentRecord> {
        let journal = self.journal.as_ref()?;
        journal.payment(&self.key).await.ok().flatten()
    }

    /// Whether a revoke of this payment was journaled (any status). `true` when the journal
    /// cannot say: the rule then sends nothing.
    pub(crate) async fn has_revoke(&self) -> bool {
        let Some(journal) = &self.journal else {
            return false;
        };
        let filter = ListFilter::all()
            .with_merchant(self.key.merchant_no.clone())
            .with_origin(self.key.out_trade_no.clone())
            .limit(100);
        match journal.list(&filter).await {
            Ok(found) => found.iter().any(|r| r.kind == PaymentKind::Revoke),
            Err(_) => true,
        }
    }

    /// The payment's key.
    pub(crate) fn key(&self) -> &PaymentKey {
        &self.key
    }

    fn now(&self) -> i64 {
        self.clock.unix_seconds()
    }

    /// When a payment the live flow left pending is first due for a resolver: the long
    /// tail's first delay.
    pub(crate) fn now_plus_first_tail(&self) -> i64 {
        self.now().saturating_add(FIRST_TAIL_DELAY_SECS)
    }

    /// How long a live flow keeps resolvers away from its payment ([`LiveFlowWindow`]).
    pub(crate) fn quiet_until(&self) -> i64 {
        self.live.until(self.now())
    }

    /// Writes the micropay's intent before it is sent.
    pub(crate) async fn begin(
        &self,
        request: &MicropayRequest,
        auth_digest: Option<String>,
    ) -> Result<Begin, ClientError> {
        if self.journal.is_none() {
            return Ok(Begin::Send);
        }
        let amount = request
            .total_amount()
            .map(|a| i64::try_from(a.fen()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        let auth_code = request
            .auth_code()
            .map(|c| mask_auth_code(c.expose()))
            .unwrap_or_else(|| "*".to_owned());
        let intent = Intent::micropay(
            self.key.clone(),
            request.term_no().unwrap_or_default(),
            amount,
            auth_code,
            fingerprint(request),
            self.instance.clone(),
            self.now(),
        )
        .with_next_check_at(self.quiet_until());
        let intent = match auth_digest {
            Some(d) => intent.with_auth_digest(d),
            None => intent,
        };
        self.begin_intent(intent).await
    }

    /// Writes `intent` before its request is sent: [`Begin::Resume`] when the same request
    /// is journaled already, [`ClientError::NumberReused`] when another one is.
    pub(crate) async fn begin_intent(&self, intent: Intent) -> Result<Begin, ClientError> {
        let Some(journal) = &self.journal else {
            return Ok(Begin::Send);
        };
        match journal.record_intent(&intent).await? {
            Recorded::New(_) => Ok(Begin::Send),
            Recorded::Existing(record) => Ok(Begin::Resume(Box::new(record))),
            Recorded::Conflict(record) => Err(ClientError::NumberReused {
                out_trade_no: record.key.out_trade_no,
                status: record.status.as_str(),
            }),
        }
    }

    /// Appends a fact (after any held one, in the same commit). A failure is logged,
    /// never raised: what was sent stays sent. A contradiction is announced
    /// ([`SettledEvent::Conflict`]); a lost lease is returned so that the caller stops.
    pub(crate) async fn note(&self, kind: &str, payload: Value, update: StateUpdate) -> Written {
        let Some(journal) = &self.journal else {
            return Written::Ok;
        };
        let event = NewEvent::new(self.now(), self.instance.clone(), kind, payload);
        let mut facts = std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()));
        let written = if facts.is_empty() {
            journal
                .append(&self.key, &event, &update, self.fence.as_ref())
                .await
        } else {
            facts.push((event, update));
            journal
                .append_all(&self.key, &facts, self.fence.as_ref())
                .await
        };
        match written {
            Ok(_) => Written::Ok,
            Err(JournalError::LeaseLost) => {
                tracing::warn!(payment = %self.key, event = kind, "lease lost: stopping work on the payment");
                Written::LeaseLost
            }
            Err(e) => match conflict_of(&e) {
                Some((field, detail)) => {
                    crate::metrics::conflict(&field);
                    self.events.send(SettledEvent::Conflict {
                        key: self.key.clone(),
                        field,
                        detail,
                    });
                    Written::Conflict
                }
                None => {
                    tracing::error!(
                        payment = %self.key,
                        event = kind,
                        error = %e,
                        "could not journal a payment fact; a resolver will settle the payment by query"
                    );
                    Written::Failed
                }
            },
        }
    }

    /// Holds a fact back to be written together with the next one: for an answer whose
    /// outcome is decided at once, so that both take one commit. Should the process die
    /// before the next fact, neither is written and the payment stays due for a resolver,
    /// exactly as if it had died before the answer.
    pub(crate) fn hold(&self, kind: &str, payload: Value, update: StateUpdate) {
        if self.journal.is_none() {
            return;
        }
        let event = NewEvent::new(self.now(), self.instance.clone(), kind, payload);
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((event, update));
    }

    /// The exchange may have reached the platform and its outcome is not known yet.
    pub(crate) async fn pending(
        &self,
        kind: &str,
        payload: Value,
        trade_no: Option<&str>,
    ) -> Written {
        self.note(kind, payload, self.pending_update(trade_no))
            .await
    }

    /// Like [`pending`](Self::pending), for an answer that decides the outcome at once:
    /// written with the outcome, in one commit ([`hold`](Self::hold)).
    pub(crate) fn pending_with_outcome(&self, kind: &str, payload: Value, trade_no: Option<&str>) {
        self.hold(kind, payload, self.pending_update(trade_no));
    }

    fn pending_update(&self, trade_no: Option<&str>) -> StateUpdate {
        let mut update =
            StateUpdate::status(PaymentStatus::Pending).with_next_check_at(self.quiet_until());
        if let Some(t) = trade_no {
            update = update.with_trade_no(t);
        }
        update
    }

    /// A trade query's result: its code, the `trade_state` found, and why it said nothing
    /// when it did not.
    pub(crate) async fn query(
        &self,
        attempt: usize,
        code: &str,
        state: Option<&str>,
        inconclusive: Option<&str>,
    ) -> Written {
        self.query_then(attempt, code, state, inconclusive, self.quiet_until())
            .await
    }

    /// As [`query`](Self::query), with when the payment is due again.
    pub(crate) async fn query_then(
        &self,
        attempt: usize,
        code: &str,
        state: Option<&str>,
        inconclusive: Option<&str>,
        next_check_at: i64,
    ) -> Written {
        let mut update = StateUpdate::none()
            .counting_attempt()
            .with_next_check_at(next_check_at);
        if let Some(s) = state {
            update = update.with_last_trade_state(s);
        }
        let why = inconclusive.map(|w| truncate(w, 300));
        self.note(
            kinds::QUERY,
            json!({"attempt": attempt, "code": code, "trade_state": state, "inconclusive": why}),
            update,
        )
        .await
    }

    /// A query that decides the outcome: held, to be written with the outcome in one
    /// commit ([`hold`](Self::hold)).
    pub(crate) fn hold_query(&self, attempt: usize, code: &str, state: Option<&str>) {
        let mut update = StateUpdate::none().counting_attempt();
        if let Some(s) = state {
            update = update.with_last_trade_state(s);
        }
        self.hold(
            kinds::QUERY,
            json!({"attempt": attempt, "code": code, "trade_state": state}),
            update,
        );
    }

    /// The flow's outcome. A pending outcome is handed to resolvers from `next_check_at`.
    pub(crate) async fn finish(&self, outcome: &PaymentOutcome, next_check_at: i64) -> Written {
        let order = outcome.order();
        let (status, reason) = match outcome {
            PaymentOutcome::Succeeded { .. } => (PaymentStatus::Succeeded, None),
            PaymentOutcome::Failed { reason, .. } => {
                (PaymentStatus::Failed, Some(describe(reason)))
            }
            PaymentOutcome::Revoked { .. } => (PaymentStatus::Revoked, None),
            PaymentOutcome::Pending(p) => (PaymentStatus::Pending, Some(p.reason.clone())),
        };
        self.finish_as(
            status,
            outcome.word(),
            order.trade_no.as_deref(),
            reason,
            next_check_at,
        )
        .await
    }

    /// A flow's outcome as a status and its word (`succeeded`, `paid`, `closed`...): the
    /// journal's side of [`Recorder::finish`], for any kind of payment.
    pub(crate) async fn finish_as(
        &self,
        status: PaymentStatus,
        word: &str,
        trade_no: Option<&str>,
        reason: Option<String>,
        next_check_at: i64,
    ) -> Written {
        // A flow that never sent (it only queried a journaled payment) leaves its status:
        // `recorded` stays provably unsent.
        let keep = status == PaymentStatus::Pending && !self.sent.load(Ordering::SeqCst);
        let mut update = if keep {
            StateUpdate::none().with_outcome(word)
        } else {
            StateUpdate::status(status).with_outcome(word)
        };
        if let Some(t) = trade_no {
            update = update.with_trade_no(t);
        }
        if let Some(r) = &reason {
            update = update.with_reason(truncate(r, 500));
        }
        if status == PaymentStatus::Pending {
            update = update.with_next_check_at(next_check_at);
        }
        self.note(
            kinds::OUTCOME,
            json!({"outcome": word, "trade_no": trade_no, "reason": reason}),
            update,
        )
        .await
    }

    /// A companion (revoke, refund) reached a final status: `word` says how (`revoked`,
    /// `refunded`, `declined`, `moot`, `not_sent`...).
    pub(crate) async fn companion_final(
        &self,
        status: PaymentStatus,
        word: &str,
        payload: Value,
    ) -> Written {
        self.note(
            kinds::OUTCOME,
            payload,
            StateUpdate::status(status).with_outcome(word),
        )
        .await
    }

    /// Marks the payment for a person: the horizon passed without a final state.
    pub(crate) async fn unresolved(&self, reason: &str) -> Written {
        let written = self
            .note(
                kinds::NOTE,
                json!({"unresolved": reason}),
                StateUpdate::status(PaymentStatus::Unresolved).with_reason(truncate(reason, 500)),
            )
            .await;
        if written == Written::Ok {
            self.events.send(SettledEvent::Unresolved {
                key: self.key.clone(),
                detail: truncate(reason, 300),
            });
        }
        written
    }

    /// Announces a final status reached away from the merchant's own call.
    pub(crate) fn announce(&self, event: SettledEvent) {
        self.events.send(event);
    }
}

fn describe(reason: &FailureReason) -> String {
    match reason {
        FailureReason::Declined { code, message } => {
            format!("declined {} {message}", code.as_str())
        }
        FailureReason::TradeFailed { state, attempt, .. } => {
            format!("query {attempt} found the trade {}", state.as_str())
        }
        FailureReason::NotSent { reason } => format!("not sent: {reason}"),
    }
}

/// The field and words of a contradiction the journal refused (and marked `conflict`).
fn conflict_of(e: &JournalError) -> Option<(String, String)> {
    match e {
        JournalError::FinalConflict { .. } => Some(("status".to_owned(), e.to_string())),
        JournalError::FactConflict { field, .. } => Some((field.to_string(), e.to_string())),
        _ => None,
    }
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The auth code with all but its last four characters hidden.
pub(crate) fn mask_auth_code(code: &str) -> String {
    let n = code.chars().count();
    let shown = n.saturating_sub(4).max(1);
    code.chars()
        .enumerate()
        .map(|(i, c)| if i < shown { '*' } else { c })
        .collect()
}

/// What identifies the request's content, without its auth code: the same `out_trade_no`
/// sent with other content is a different request.
fn fingerprint(request: &MicropayRequest) -> String {
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("auth_code");
    }
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_codes_are_masked_to_their_last_four() {
        assert_eq!(mask_auth_code("288576824003652810"), "**************2810");
        assert_eq!(mask_auth_code("123"), "*23");
    }
}
