//! [`crate::PaymentJournal::claim_payment`] for [`SqliteJournal`]: read, check and lease
//! in one `BEGIN IMMEDIATE` transaction, so two connections (or processes) never both
//! lease the payment.

use super::row;
use super::SqliteJournal;
use crate::error::JournalError;
use crate::lease::{self, Claim};
use crate::payment::PaymentKey;
use crate::validation;

impl SqliteJournal {
    pub(super) async fn claim_one(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        key.validate()?;
        validation::instance("lease owner", owner)?;
        validation::positive_secs("lease_secs", lease_secs)?;
        let (key, owner) = (key.clone(), owner.to_owned());
        let until = now.saturating_add(lease_secs);
        self.worker
            .write(false, move |tx| {
                let mut record =
                    row::load(tx, &key)?.ok_or(JournalError::NotFound { what: "payment" })?;
                if !lease::is_free(&record, now) {
                    return Ok(None);
                }
                let lease = lease::take(&mut record, &owner, until);
                row::store(tx, &record)?;
                Ok(Some(Claim {
                    lease,
                    payment: record,
                }))
            })
            .await
    }
}
