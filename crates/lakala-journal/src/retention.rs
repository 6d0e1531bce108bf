//! Retention: which finished payments may be pruned, and pruning them with an archive.
//!
//! A payment is pruned only when it is final (`succeeded`, `failed`, `revoked`), became
//! final before the cut, is not marked as a conflict (a person must look at those), and
//! the same holds for every payment of its group: the original payment and all its
//! revokes and refunds (same merchant, `origin_out_trade_no` naming the original). So a
//! refund is never pruned while the payment it refunds is kept, nor a payment while one
//! of its refunds is (a refund finished after the cut keeps its payment). Payments that
//! are not final are never pruned, however old: they are the resolver's and a person's
//! work.

use crate::error::JournalError;
use crate::event::Event;
use crate::journal::PaymentJournal;
use crate::list::ListFilter;
use crate::payment::{PaymentKey, PaymentRecord};

/// Payments examined per round of [`prune_finished`].
pub const PRUNE_BATCH: usize = 500;

/// Whether `record` may be pruned on its own with the cut `final_before` (its group is
/// not looked at): final, finished before the cut, no conflict.
pub fn prunable(record: &PaymentRecord, final_before: i64) -> bool {
    record.status.is_final()
        && record.finished_at.is_some_and(|at| at < final_before)
        && record.conflict.is_none()
}

/// Where [`prune_finished`] writes what it prunes, before it is deleted.
pub trait ArchiveSink: Send {
    /// Adds one payment and its events.
    fn write(&mut self, payment: &PaymentRecord, events: &[Event]) -> Result<(), JournalError>;
    /// Makes everything written so far durable (flushed and synced to the disk).
    fn sync(&mut self) -> Result<(), JournalError>;
}

/// What [`prune_finished`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Payments deleted, with their events.
    pub pruned: u64,
    /// Payments written to the archive (at least `pruned`: a payment that changed
    /// between its archiving and the delete stays in the journal and in the archive).
    pub archived: u64,
    /// Final payments older than the cut kept because they or a payment of their group
    /// are marked as a conflict, are not final, or finished after the cut.
    pub kept: u64,
}

/// Prunes the payments final before `final_before` (Unix seconds) under the rules of
/// this module, oldest finish first, [`PRUNE_BATCH`] at a time. With `archive`, every
/// round's payments and their events are written to it and synced **before** they are
/// deleted; an error stops at once (what is deleted so far is in the archive, and
/// nothing is deleted that was not synced into it).
///
/// Deletes through [`PaymentJournal::prune_payments`], which checks the rules again in
/// its own transaction.
pub async fn prune_finished(
    journal: &dyn PaymentJournal,
    final_before: i64,
    mut archive: Option<&mut dyn ArchiveSink>,
) -> Result<PruneReport, JournalError> {
    let mut report = PruneReport::default();
    let mut filter = ListFilter::all()
        .finished_in(i64::MIN, final_before)
        .limit(PRUNE_BATCH);
    loop {
        let page = journal.list(&filter).await?;
        let Some(last) = page.last() else {
            return Ok(report);
        };
        let next = filter.page_after(last)?;
        let mut chosen: Vec<&PaymentRecord> = Vec::with_capacity(page.len());
        for record in &page {
            if group_prunable(journal, record, final_before).await? {
                chosen.push(record);
            } else {
                report.kept += 1;
            }
        }
        if !chosen.is_empty() {
            if let Some(sink) = archive.as_deref_mut() {
                for record in &chosen {
                    let events = journal.events(&record.key).await?;
                    sink.write(record, &events)?;
                }
                sink.sync()?;
                report.archived += chosen.len() as u64;
            }
            let keys: Vec<PaymentKey> = chosen.iter().map(|r| r.key.clone()).collect();
            let deleted = journal.prune_payments(&keys, final_before).await?;
            report.pruned += deleted.len() as u64;
            report.kept += (keys.len() - deleted.len()) as u64;
        }
        filter = next;
    }
}

/// Whether `record` and every payment of its group may be pruned.
async fn group_prunable(
    journal: &dyn PaymentJournal,
    record: &PaymentRecord,
    final_before: i64,
) -> Result<bool, JournalError> {
    if !prunable(record, final_before) {
        return Ok(false);
    }
    let merchant = &record.key.merchant_no;
    let root = record
        .origin_out_trade_no
        .as_deref()
        .unwrap_or(&record.key.out_trade_no);
    if record.origin_out_trade_no.is_some() {
        let original = journal
            .payment(&PaymentKey::new(merchant.clone(), root))
            .await?;
        if original.is_some_and(|o| !prunable(&o, final_before)) {
            return Ok(false);
        }
    }
    let limit = crate::validation::MAX_BATCH;
    let companions = journal
        .list(
            &ListFilter::all()
                .with_merchant(merchant.clone())
                .with_origin(root)
                .limit(limit),
        )
        .await?;
    // A payment with more companions than one page is kept (it needs a person anyway).
    Ok(companions.len() < limit && companions.iter().all(|c| prunable(c, final_before)))
}

/// Whether the stored `record` may be deleted by a prune with cut `final_before`, its
/// group being `group` (every payment of the same merchant named by or naming the same
/// original): for stores that decide in memory.
pub(crate) fn deletable<'a>(
    record: &PaymentRecord,
    final_before: i64,
    mut group: impl Iterator<Item = &'a PaymentRecord>,
) -> bool {
    prunable(record, final_before) && group.all(|g| prunable(g, final_before))
}

/// The number of the original payment of `record`'s group.
pub(crate) fn group_root(record: &PaymentRecord) -> &str {
    record
        .origin_out_trade_no
        .as_deref()
        .unwrap_or(&record.key.out_trade_no)
}
