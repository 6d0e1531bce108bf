//! Retention rules: what a prune keeps besides open payments.

use super::fixtures::{event, fingerprint, key, micropay, T0};
use super::{open, Harness};
use crate::error::JournalError;
use crate::event::Event;
use crate::journal::PaymentJournal;
use crate::list::ListFilter;
use crate::payment::{Intent, PaymentRecord};
use crate::retention::{self, ArchiveSink};
use crate::status::PaymentStatus;
use crate::update::StateUpdate;

/// An archive in memory that records what was synced.
#[derive(Default)]
struct Collected {
    written: Vec<(PaymentRecord, Vec<Event>)>,
    synced: usize,
}

impl ArchiveSink for Collected {
    fn write(&mut self, payment: &PaymentRecord, events: &[Event]) -> Result<(), JournalError> {
        self.written.push((payment.clone(), events.to_vec()));
        Ok(())
    }
    fn sync(&mut self) -> Result<(), JournalError> {
        self.synced = self.written.len();
        Ok(())
    }
}

async fn finish<J: PaymentJournal>(journal: &J, intent: &Intent, at: i64, status: PaymentStatus) {
    journal.record_intent(intent).await.expect("record");
    journal
        .append(
            &intent.key,
            &event(at, "outcome"),
            &StateUpdate::status(status),
            None,
        )
        .await
        .expect("finish");
}

fn refund(no: &str, origin: &str) -> Intent {
    Intent::refund(
        key(no),
        "SBX00001",
        origin,
        50,
        fingerprint(no),
        "node-a",
        T0,
    )
}

/// Builds: a plain old payment (prunable); one marked as a conflict; an old payment with
/// an old refund (both prunable together); an old payment with a refund finished after
/// the cut (both kept); an old refund whose payment is still open (kept, and the payment
/// too); a payment finished after the cut.
async fn build<J: PaymentJournal>(journal: &J) {
    let cut_before = T0 + 100;
    finish(
        journal,
        &micropay("MP-R-PLAIN"),
        cut_before - 50,
        PaymentStatus::Succeeded,
    )
    .await;
    finish(
        journal,
        &micropay("MP-R-CONF"),
        cut_before - 50,
        PaymentStatus::Succeeded,
    )
    .await;
    journal
        .append(
            &key("MP-R-CONF"),
            &event(cut_before - 40, "note"),
            &StateUpdate::none().with_conflict("the platform says revoked"),
            None,
        )
        .await
        .expect("mark");
    finish(
        journal,
        &micropay("MP-R-PAIR"),
        cut_before - 50,
        PaymentStatus::Succeeded,
    )
    .await;
    finish(
        journal,
        &refund("RF-R-PAIR", "MP-R-PAIR"),
        cut_before - 20,
        PaymentStatus::Succeeded,
    )
    .await;
    finish(
        journal,
        &micropay("MP-R-LATE"),
        cut_before - 50,
        PaymentStatus::Succeeded,
    )
    .await;
    finish(
        journal,
        &refund("RF-R-LATE", "MP-R-LATE"),
        cut_before + 20,
        PaymentStatus::Succeeded,
    )
    .await;
    journal
        .record_intent(&micropay("MP-R-OPEN"))
        .await
        .expect("record");
    finish(
        journal,
        &refund("RF-R-OPEN", "MP-R-OPEN"),
        cut_before - 20,
        PaymentStatus::Failed,
    )
    .await;
    finish(
        journal,
        &micropay("MP-R-NEW"),
        cut_before + 1,
        PaymentStatus::Succeeded,
    )
    .await;
}

/// What every prune with the cut `T0 + 100` keeps, sorted.
const KEPT: [&str; 6] = [
    "MP-R-CONF",
    "MP-R-LATE",
    "MP-R-NEW",
    "MP-R-OPEN",
    "RF-R-LATE",
    "RF-R-OPEN",
];

async fn left<J: PaymentJournal>(journal: &J) -> Vec<String> {
    let mut names: Vec<String> = journal
        .list(&ListFilter::all())
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.key.out_trade_no)
        .collect();
    names.sort();
    names
}

fn kept() -> Vec<String> {
    KEPT.iter().map(|s| s.to_string()).collect()
}

/// `prune` keeps conflicts and every payment of a group with a payment it may not prune
/// (a refund finished after the cut, an open payment), and prunes whole groups.
pub async fn prune_keeps_conflicts_and_groups<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    build(&journal).await;
    assert_eq!(journal.prune(T0 + 100).await.expect("prune"), 3);
    assert_eq!(left(&journal).await, kept());
    assert!(journal
        .events(&key("RF-R-PAIR"))
        .await
        .expect("events")
        .is_empty());
    assert_eq!(journal.prune(T0 + 100).await.expect("again"), 0);
}

/// `prune_payments` deletes only the chosen keys the rules allow, and says which;
/// `retention::prune_finished` archives (and syncs) exactly what it deletes first.
pub async fn prune_payments_and_archive<H: Harness>(harness: &H) {
    let journal = open(harness).await;
    build(&journal).await;
    let chosen = [
        key("MP-R-PLAIN"),
        key("MP-R-CONF"),
        key("RF-R-LATE"),
        key("RF-R-OPEN"),
        key("MP-R-MISSING"),
    ];
    let deleted = journal
        .prune_payments(&chosen, T0 + 100)
        .await
        .expect("prune chosen");
    assert_eq!(deleted, [key("MP-R-PLAIN")]);
    assert!(journal
        .payment(&key("MP-R-PLAIN"))
        .await
        .expect("read")
        .is_none());
    let too_many = vec![key("X"); crate::validation::MAX_BATCH + 1];
    assert!(matches!(
        journal.prune_payments(&too_many, T0 + 100).await,
        Err(JournalError::InvalidInput { .. })
    ));

    let mut archive = Collected::default();
    let report = retention::prune_finished(&journal, T0 + 100, Some(&mut archive))
        .await
        .expect("prune with archive");
    assert_eq!(report.pruned, 2, "{report:?}");
    assert_eq!(report.archived, 2);
    assert_eq!(
        report.kept, 3,
        "the conflict, the late pair's payment, the open's refund"
    );
    assert_eq!(archive.synced, 2, "synced before the delete");
    let mut archived: Vec<&str> = archive
        .written
        .iter()
        .map(|(p, _)| p.key.out_trade_no.as_str())
        .collect();
    archived.sort();
    assert_eq!(archived, ["MP-R-PAIR", "RF-R-PAIR"]);
    for (payment, events) in &archive.written {
        assert_eq!(events.len() as i64, payment.event_count);
        assert_eq!(events[0].kind, "intent");
    }
    assert_eq!(left(&journal).await, kept());
}
