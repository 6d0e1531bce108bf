//! [`PaymentJournal`] for [`MemoryJournal`].

use super::{MemoryJournal, StoredPayment};
use crate::error::JournalError;
use crate::event::{kinds, Event, NewEvent};
use crate::journal::{check_append, check_prune_keys, PaymentJournal};
use crate::lease::{self, Claim, Lease};
use crate::list::ListFilter;
use crate::payment::{Intent, PaymentKey, PaymentRecord, Recorded};
use crate::retention;
use crate::update::StateUpdate;
use crate::validation;

#[async_trait::async_trait]
impl PaymentJournal for MemoryJournal {
    async fn record_intent(&self, intent: &Intent) -> Result<Recorded, JournalError> {
        intent.validate()?;
        let payload = intent.event_payload();
        let mut state = self.lock();
        if let Some(existing) = state.payments.get(&intent.key) {
            return Ok(Recorded::existing(existing.record.clone(), intent));
        }
        let record = PaymentRecord::from_intent(intent);
        let first = Event {
            seq: 1,
            at: intent.created_at,
            instance: intent.instance.clone(),
            kind: kinds::INTENT.to_owned(),
            payload,
        };
        state.payments.insert(
            intent.key.clone(),
            StoredPayment {
                record: record.clone(),
                events: vec![first],
            },
        );
        Ok(Recorded::New(record))
    }

    async fn append(
        &self,
        key: &PaymentKey,
        event: &NewEvent,
        update: &StateUpdate,
        fence: Option<&Lease>,
    ) -> Result<PaymentRecord, JournalError> {
        check_append(key, event, update, fence)?;
        let mut state = self.lock();
        let stored = state
            .payments
            .get_mut(key)
            .ok_or(JournalError::NotFound { what: "payment" })?;
        if let Some(lease) = fence {
            if !lease::holds(&stored.record, lease) {
                return Err(JournalError::LeaseLost);
            }
        }
        let applied = update.apply(&stored.record, event.at);
        let record = applied.record.clone();
        stored.events.push(Event {
            seq: record.event_count,
            at: event.at,
            instance: event.instance.clone(),
            kind: event.kind.clone(),
            payload: event.payload.clone(),
        });
        stored.record = record;
        applied.result()
    }

    async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, JournalError> {
        key.validate()?;
        Ok(self.lock().payments.get(key).map(|p| p.record.clone()))
    }

    async fn events(&self, key: &PaymentKey) -> Result<Vec<Event>, JournalError> {
        key.validate()?;
        Ok(self
            .lock()
            .payments
            .get(key)
            .map(|p| p.events.clone())
            .unwrap_or_default())
    }

    async fn list(&self, filter: &ListFilter) -> Result<Vec<PaymentRecord>, JournalError> {
        filter.validate()?;
        let mut found: Vec<PaymentRecord> = self
            .lock()
            .payments
            .values()
            .filter(|p| filter.admits(&p.record))
            .map(|p| p.record.clone())
            .collect();
        filter.sort(&mut found);
        found.truncate(validation::batch(filter.limit));
        Ok(found)
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: usize,
    ) -> Result<Vec<Claim>, JournalError> {
        validation::instance("lease owner", owner)?;
        validation::positive_secs("lease_secs", lease_secs)?;
        let until = now.saturating_add(lease_secs);
        let mut state = self.lock();
        let mut due: Vec<&mut StoredPayment> = state
            .payments
            .values_mut()
            .filter(|p| lease::is_due(&p.record, now) && lease::is_free(&p.record, now))
            .collect();
        due.sort_by_key(|p| p.record.next_check_at);
        Ok(due
            .into_iter()
            .take(validation::batch(limit))
            .map(|p| {
                let lease = lease::take(&mut p.record, owner, until);
                Claim {
                    lease,
                    payment: p.record.clone(),
                }
            })
            .collect())
    }

    async fn claim_payment(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        super::claim_payment::claim_payment(self, key, owner, now, lease_secs)
    }

    async fn renew(&self, lease: &Lease, until: i64) -> Result<Lease, JournalError> {
        lease.validate()?;
        let mut state = self.lock();
        let stored = state
            .payments
            .get_mut(&lease.key)
            .ok_or(JournalError::NotFound { what: "payment" })?;
        if !lease::holds(&stored.record, lease) {
            return Err(JournalError::LeaseLost);
        }
        stored.record.lease_until = Some(until);
        Ok(Lease {
            until,
            ..lease.clone()
        })
    }

    async fn release(&self, lease: &Lease, next_check_at: Option<i64>) -> Result<(), JournalError> {
        lease.validate()?;
        let mut state = self.lock();
        let stored = state
            .payments
            .get_mut(&lease.key)
            .ok_or(JournalError::NotFound { what: "payment" })?;
        if !lease::holds(&stored.record, lease) {
            return Err(JournalError::LeaseLost);
        }
        lease::give_up(&mut stored.record, next_check_at);
        Ok(())
    }

    async fn prune(&self, final_before: i64) -> Result<u64, JournalError> {
        let mut state = self.lock();
        let doomed: Vec<PaymentKey> = state
            .payments
            .values()
            .filter(|p| deletable_in(&state.payments, &p.record, final_before))
            .map(|p| p.record.key.clone())
            .collect();
        for key in &doomed {
            state.payments.remove(key);
        }
        Ok(doomed.len() as u64)
    }

    async fn prune_payments(
        &self,
        keys: &[PaymentKey],
        final_before: i64,
    ) -> Result<Vec<PaymentKey>, JournalError> {
        check_prune_keys(keys)?;
        let mut state = self.lock();
        let doomed: Vec<PaymentKey> = keys
            .iter()
            .filter(|k| {
                state
                    .payments
                    .get(*k)
                    .is_some_and(|p| deletable_in(&state.payments, &p.record, final_before))
            })
            .cloned()
            .collect();
        for key in &doomed {
            state.payments.remove(key);
        }
        Ok(doomed)
    }
}

/// Whether `record` may be pruned, its group read from `payments`.
fn deletable_in(
    payments: &std::collections::BTreeMap<PaymentKey, StoredPayment>,
    record: &PaymentRecord,
    final_before: i64,
) -> bool {
    let root = retention::group_root(record);
    let merchant = &record.key.merchant_no;
    retention::deletable(
        record,
        final_before,
        payments.values().map(|p| &p.record).filter(|g| {
            g.key.merchant_no == *merchant
                && (g.key.out_trade_no == root || g.origin_out_trade_no.as_deref() == Some(root))
        }),
    )
}
