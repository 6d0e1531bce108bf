//! What a new open-platform notification means for a journaled payment: written to the
//! journal first, then handed to the merchant's code as a typed event.

use super::open_notification::OpenPlatformNotification;
use super::NotificationError;
use crate::events::{EventHub, SettledEvent};
use lakala_journal::{
    kinds, JournalError, NewEvent, PaymentJournal, PaymentKey, PaymentKind, PaymentRecord,
    PaymentStatus, StateUpdate,
};
use lakala_types::micropay::{TradeState, TradeVerdict};

/// A new payment event, as the merchant's code receives it: the verified notification, the
/// journaled payment it finished (if the client has a journal and the payment is in it),
/// the new trade state, and whether the notification changed the journal.
///
/// By the time the merchant's code sees it, the journal already holds what the
/// notification said (status, `last_trade_state`, reason): a crash in the merchant's code
/// loses nothing, and the platform's redelivery runs the code again (the event was not
/// answered).
///
/// "Once" means: per [`idempotency_key`](Self::idempotency_key), the merchant's code runs
/// until it returns `Ok` once; every later delivery of the same event, to any instance
/// sharing the ledger, gets the recorded answer. A code that fails, or a process that dies
/// mid-way, is run again on redelivery: make it safe to repeat (key your own writes on
/// the idempotency key).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PaymentNotificationEvent {
    /// The verified notification (its `Debug` masks payer fields).
    pub notification: OpenPlatformNotification,
    /// The journaled payment after the notification was written, if it is journaled.
    pub payment: Option<PaymentRecord>,
    /// The notification's `trade_state`.
    pub trade_state: TradeState,
    /// Whether writing the notification changed the payment's status or trade state (false
    /// when it was already known, for example settled by a query first, or not journaled).
    pub changed: bool,
}

impl PaymentNotificationEvent {
    /// The idempotency key: `open:<merchant_no>:<out_trade_no>:<trade_state>`, the same
    /// for every delivery of this event however it is signed. Key the merchant's own
    /// writes on it.
    pub fn idempotency_key(&self) -> &str {
        self.notification.idempotency_key()
    }
}

/// Whether a journal error is about the store (retry later) rather than a contradiction
/// the journal recorded.
fn store_failed(e: &JournalError) -> bool {
    matches!(
        e,
        JournalError::Unavailable { .. }
            | JournalError::ConnectionLost { .. }
            | JournalError::Busy { .. }
            | JournalError::ReadOnly { .. }
            | JournalError::Corrupt { .. }
            | JournalError::NewerSchema { .. }
    )
}

/// The journal's status and outcome word for a final trade state notified about a
/// journaled payment of `kind`, in the words its flow journals (a micropay `succeeded` /
/// `failed`; a pre-order `paid` / `closed` / `failed`, as `PreorderOutcome::word` says);
/// `None` while the state is not final.
///
/// A notified `CLOSE` is the platform's own word that the order is closed, the same
/// evidence as a trade query's `CLOSE`, so a pre-order ends `closed` on it and, being
/// final, can never be reported paid afterwards (the journal refuses another final).
fn outcome_word(kind: PaymentKind, state: &TradeState) -> Option<(PaymentStatus, &'static str)> {
    match (kind, state.verdict()) {
        (PaymentKind::Preorder, TradeVerdict::Paid) => Some((PaymentStatus::Succeeded, "paid")),
        // Only `CLOSE` says closed; a `REFUND` (given back) or `FAIL` is a failure.
        (PaymentKind::Preorder, TradeVerdict::Closed) if *state == TradeState::Close => {
            Some((PaymentStatus::Failed, "closed"))
        }
        (_, TradeVerdict::Paid) => Some((PaymentStatus::Succeeded, "succeeded")),
        (_, TradeVerdict::Failed | TradeVerdict::Closed) => Some((PaymentStatus::Failed, "failed")),
        // InProgress, and whatever a later lakala-types adds: not final on a guess.
        _ => None,
    }
}

/// Writes a verified, first-seen notification about a journaled micropay or pre-order to
/// the journal,
/// finishing the payment when it names the journaled amount and a final state, and returns
/// the event. A payment that is not journaled (or no journal) gives an event with no
/// payment. A store failure is [`NotificationError::Store`] (retryable: the merchant's
/// code must not run before the journal has learnt); a contradiction the journal refuses
/// (another final outcome) stays on record as an event, is logged, and the event reports
/// `changed: false`.
pub(crate) async fn journal_first(
    journal: Option<(&dyn PaymentJournal, &str)>,
    notification: OpenPlatformNotification,
    now: i64,
    events: &EventHub,
) -> Result<PaymentNotificationEvent, NotificationError> {
    let body = &notification.body;
    let text = |name: &str| body.get(name).and_then(serde_json::Value::as_str);
    let trade_state = TradeState::from(notification.trade_state());
    let mut event = PaymentNotificationEvent {
        payment: None,
        trade_state: trade_state.clone(),
        changed: false,
        notification: notification.clone(),
    };
    let Some((journal, instance)) = journal else {
        return Ok(event);
    };
    let key = PaymentKey::new(notification.merchant_no(), notification.out_trade_no());
    let before = match journal.payment(&key).await {
        Ok(Some(r)) if matches!(r.kind, PaymentKind::Micropay | PaymentKind::Preorder) => r,
        Ok(Some(r)) => {
            event.payment = Some(r);
            return Ok(event);
        }
        Ok(None) => return Ok(event),
        Err(e) => return Err(NotificationError::Store(e)),
    };
    let amount = text("total_amount").and_then(|a| a.trim_start_matches('0').parse::<i64>().ok());
    let same_amount = matches!((before.amount_fen, amount), (Some(j), Some(n)) if j == n);
    if !same_amount {
        tracing::warn!(payment = %key, "a notification names another amount than the journaled payment: recorded, not applied");
    }
    let state = trade_state.as_str().to_owned();
    let mut update = match (same_amount, outcome_word(before.kind, &trade_state)) {
        (true, Some((status, word))) => StateUpdate::status(status)
            .with_outcome(word)
            .with_reason(format!("notification: {state}")),
        _ => StateUpdate::none(),
    };
    if same_amount {
        update = update.with_last_trade_state(state.clone());
        if let Some(t) = text("trade_no") {
            update = update.with_trade_no(t);
        }
    }
    // The amount is offered to the journal, which never overwrites one it holds with
    // another: a disagreement is kept as a fact and marks the payment for a person.
    if let Some(a) = amount {
        update = update.with_amount_fen(a);
    }
    let fact = NewEvent::new(
        now,
        instance,
        kinds::NOTIFICATION,
        serde_json::json!({"trade_state": state, "trade_no": text("trade_no"),
            "total_amount": text("total_amount"), "same_amount": same_amount,
            "idempotency_key": notification.idempotency_key()}),
    );
    let after = match journal.append(&key, &fact, &update, None).await {
        Ok(after) => {
            if !before.status.is_final() && after.status.is_final() {
                events.send(SettledEvent::Final {
                    key: key.clone(),
                    kind: before.kind,
                    status: after.status,
                    outcome: after.outcome.clone().unwrap_or_default(),
                    detail: "a notification".to_owned(),
                });
            }
            after
        }
        Err(e) if store_failed(&e) => return Err(NotificationError::Store(e)),
        Err(e) => {
            if let JournalError::FinalConflict { .. } | JournalError::FactConflict { .. } = &e {
                let field = match &e {
                    JournalError::FactConflict { field, .. } => field.to_string(),
                    _ => "status".to_owned(),
                };
                crate::metrics::conflict(&field);
                events.send(SettledEvent::Conflict {
                    key: key.clone(),
                    field,
                    detail: format!("a notification: {e}"),
                });
            }
            tracing::error!(payment = %key, error = %e, "a notification contradicts the journal: recorded, not applied");
            journal
                .payment(&key)
                .await
                .map_err(NotificationError::Store)?
                .unwrap_or(before.clone())
        }
    };
    event.changed =
        after.status != before.status || after.last_trade_state != before.last_trade_state;
    event.payment = Some(after);
    Ok(event)
}
