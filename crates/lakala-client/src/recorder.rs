//! What a payment flow writes to the journal: the intent before anything is sent, then
//! every fact (answers, queries, revoke attempts) and the outcome.
//!
//! Without a journal every method is a no-op. With one, a failure to write the intent
//! stops the payment before it is sent ([`ClientError::Journal`]); a failure to write a
//! later fact cannot undo what was sent, so it is logged loudly and the flow goes on: the
//! record then stays non-final, and a resolver settles it by query later.

use crate::error::ClientError;
use crate::outcome::{FailureReason, PaymentOutcome};
use crate::LakalaClient;
use lakala_journal::{
    kinds, Intent, Lease, NewEvent, PaymentJournal, PaymentKey, PaymentKind, PaymentRecord,
    PaymentStatus, Recorded, StateUpdate,
};
use lakala_types::micropay::MicropayRequest;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// What [`Recorder::begin`] found.
pub(crate) enum Begin {
    /// The intent is written (or there is no journal): send.
    Send,
    /// The same request is already journaled: resolve that payment, never send it blind.
    Resume(Box<PaymentRecord>),
}

/// Writes one payment's facts to the journal, if the client has one.
#[derive(Clone)]
pub(crate) struct Recorder {
    journal: Option<Arc<dyn PaymentJournal>>,
    key: PaymentKey,
    instance: String,
    client: LakalaClient,
    /// The lease a resolver holds on the payment: every write is fenced by it.
    fence: Option<Lease>,
    /// Facts held back to be written with the next one, in one commit: an answer that
    /// decides the outcome at once (shared by the clones of one payment's recorder).
    held: Arc<Mutex<Vec<(NewEvent, StateUpdate)>>>,
}

impl Recorder {
    pub(crate) fn new(client: &LakalaClient, merchant_no: &str, out_trade_no: &str) -> Self {
        Self {
            journal: client.inner.journal.clone(),
            key: PaymentKey::new(merchant_no, out_trade_no),
            instance: client.inner.instance.clone(),
            client: client.clone(),
            fence: None,
            held: Arc::default(),
        }
    }

    /// A recorder whose writes are fenced by a resolver's lease.
    pub(crate) fn fenced(mut self, lease: Lease) -> Self {
        self.fence = Some(lease);
        self
    }

    fn now(&self) -> i64 {
        self.client.now_unix()
    }

    /// When a payment the live flow left pending is first due for a resolver: the long
    /// tail's first delay ([`crate::resolver::LongTail`]).
    pub(crate) fn now_plus_first_tail(&self) -> i64 {
        self.now()
            .saturating_add(crate::resolver::LongTail::FIRST_DELAY_SECS)
    }

    /// How long a live flow keeps resolvers away from its payment: the whole schedule, a
    /// request timeout per exchange, and a minute of margin.
    pub(crate) fn quiet_until(&self) -> i64 {
        let inner = &self.client.inner;
        let exchanges = u32::try_from(inner.poll_schedule.delays().len() + 2).unwrap_or(u32::MAX);
        let quiet = inner.poll_schedule.total()
            + inner.request_timeout.saturating_mul(exchanges)
            + std::time::Duration::from_secs(60);
        self.now()
            .saturating_add(i64::try_from(quiet.as_secs()).unwrap_or(i64::MAX))
    }

    /// Writes the micropay's intent before it is sent.
    pub(crate) async fn begin(&self, request: &MicropayRequest) -> Result<Begin, ClientError> {
        let Some(journal) = &self.journal else {
            return Ok(Begin::Send);
        };
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
    /// never raised: what was sent stays sent.
    pub(crate) async fn note(&self, kind: &str, payload: Value, update: StateUpdate) {
        let Some(journal) = &self.journal else {
            return;
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
        if let Err(e) = written {
            tracing::error!(
                payment = %self.key,
                event = kind,
                error = %e,
                "could not journal a payment fact; a resolver will settle the payment by query"
            );
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
    pub(crate) async fn pending(&self, kind: &str, payload: Value, trade_no: Option<&str>) {
        self.note(kind, payload, self.pending_update(trade_no))
            .await;
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

    /// A trade query's answer (not final).
    pub(crate) async fn query(&self, attempt: usize, code: &str, state: Option<&str>) {
        let mut update = StateUpdate::status(PaymentStatus::Pending)
            .counting_attempt()
            .with_next_check_at(self.quiet_until());
        if let Some(s) = state {
            update = update.with_last_trade_state(s);
        }
        self.note(
            kinds::QUERY,
            json!({"attempt": attempt, "code": code, "trade_state": state}),
            update,
        )
        .await;
    }

    /// The flow's outcome. A pending outcome is handed to resolvers from `next_check_at`.
    pub(crate) async fn finish(&self, outcome: &PaymentOutcome, next_check_at: i64) {
        let order = outcome.order();
        let (status, reason) = match outcome {
            PaymentOutcome::Succeeded { .. } => (PaymentStatus::Succeeded, None),
            PaymentOutcome::Failed { reason, .. } => {
                (PaymentStatus::Failed, Some(describe(reason)))
            }
            PaymentOutcome::Revoked { .. } => (PaymentStatus::Revoked, None),
            PaymentOutcome::Pending(p) => (PaymentStatus::Pending, Some(p.reason.clone())),
        };
        let mut update = StateUpdate::status(status).with_outcome(outcome.word());
        if let Some(t) = &order.trade_no {
            update = update.with_trade_no(t.clone());
        }
        if let Some(r) = &reason {
            update = update.with_reason(truncate(r, 500));
        }
        if status == PaymentStatus::Pending {
            update = update.with_next_check_at(next_check_at);
        }
        self.note(
            kinds::OUTCOME,
            json!({"outcome": outcome.word(), "trade_no": order.trade_no, "reason": reason}),
            update,
        )
        .await;
    }

    /// A revoke's or refund's answer: final on a success or a definite refusal naming it;
    /// otherwise pending, for a resolver to send again with the same number.
    pub(crate) async fn companion_result<T>(
        &self,
        result: &Result<crate::Answer<lakala_types::micropay::V3Response<T>>, ClientError>,
    ) {
        use lakala_types::CodeClass;
        match result {
            Ok(answer) => {
                let code = answer.value.code();
                let class = code.map(|c| c.class()).unwrap_or(CodeClass::Unknown);
                let payload = json!({"code": code.map(|c| c.as_str()), "msg": answer.value.msg(),
                    "class": class.as_str()});
                let status = match class {
                    CodeClass::Success => Some((PaymentStatus::Succeeded, "succeeded")),
                    CodeClass::Refused if answer.value.resp_data().is_some() => {
                        Some((PaymentStatus::Failed, "failed"))
                    }
                    _ => None,
                };
                match status {
                    Some((status, word)) => {
                        self.note(
                            kinds::ANSWER,
                            payload,
                            StateUpdate::status(status).with_outcome(word),
                        )
                        .await
                    }
                    None => self.pending(kinds::ANSWER, payload, None).await,
                }
            }
            Err(e) if e.may_have_been_executed() => {
                self.pending(kinds::ANSWER, json!({"error": e.to_string()}), None)
                    .await
            }
            Err(e) => {
                self.note(
                    kinds::ANSWER,
                    json!({"error": e.to_string(), "sent": false}),
                    StateUpdate::status(PaymentStatus::Failed).with_outcome("not_sent"),
                )
                .await
            }
        }
    }

    /// Marks the payment for a person: the horizon passed without a final state.
    pub(crate) async fn unresolved(&self, reason: &str) {
        self.note(
            kinds::NOTE,
            json!({"unresolved": reason}),
            StateUpdate::status(PaymentStatus::Unresolved).with_reason(truncate(reason, 500)),
        )
        .await;
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

fn truncate(text: &str, max: usize) -> String {
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

/// The journal's kind word of a payment.
pub(crate) fn is_micropay(record: &PaymentRecord) -> bool {
    record.kind == PaymentKind::Micropay
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
