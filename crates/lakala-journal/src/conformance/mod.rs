//! The behaviour every store must show, as async test functions over a [`Harness`].
//!
//! This crate runs the suite against [`crate::MemoryJournal`], `SqliteJournal` (a real
//! file) and `PostgresJournal` (a real server); a store written elsewhere can run it
//! too:
//!
//! ```text
//! struct MyHarness { /* one fresh, empty store */ }
//! #[async_trait::async_trait]
//! impl lakala_journal::conformance::Harness for MyHarness {
//!     type Store = MyJournal;
//!     async fn open(&self) -> Result<MyJournal, lakala_journal::JournalError> { /* a new connection */ }
//! }
//! async fn harness() -> MyHarness { /* ... */ }
//! lakala_journal::conformance_tests!(harness);
//! ```
//!
//! Like any test code, these functions panic when the store misbehaves. The macro's tests
//! are `#[tokio::test(flavor = "multi_thread")]`: the crate using it needs tokio with the
//! `macros` and `rt-multi-thread` features among its dev-dependencies.

mod claim_payment;
mod conflicts;
mod fixtures;
mod intents;
mod leases;
mod ledger;
mod listing;
mod pruning;
mod retention;
mod state;
mod time_listing;

pub use claim_payment::{
    claim_payment_is_exclusive_and_fenced, concurrent_claim_payment_has_one_winner,
};
pub use conflicts::{
    auth_digest_is_kept, contradicting_facts_are_conflicts, explicit_conflicts_mark_any_payment,
    final_conflict_marks_the_payment,
};
pub use fixtures::{event, key, micropay, T0};
pub use intents::{
    concurrent_intents_record_once, intent_is_written_ahead, invalid_input_writes_nothing,
};
pub use leases::{
    claim_order_and_limits, claims_are_exclusive, expired_leases_are_taken_over,
    release_frees_the_payment, skewed_clocks_and_leases, stale_lease_is_fenced_off,
};
pub use ledger::{
    ledger_abandon_and_processing_window, ledger_concurrent_claims_have_one_winner,
    ledger_first_in_progress_answered,
};
pub use listing::{list_by_origin, list_filters_and_pages};
pub use pruning::{prune_keeps_conflicts_and_groups, prune_payments_and_archive};
pub use retention::{data_survives_reopen, prune_keeps_open_payments};
pub use state::{
    concurrent_appends_keep_the_sequence, events_are_ordered_and_counted,
    facts_are_appended_together, final_statuses_are_terminal, state_view_follows_updates,
};
pub use time_listing::{list_by_time_and_pages, preorders_are_journaled};

use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::ledger::NotificationLedger;

/// One fresh, empty store, and a way to open handles (connections) to it.
#[async_trait::async_trait]
pub trait Harness: Send + Sync {
    /// The store type.
    type Store: PaymentJournal + NotificationLedger + 'static;

    /// A new handle to the harness's store: a new connection where the store has
    /// connections, so concurrent handles contend as separate processes would.
    async fn open(&self) -> Result<Self::Store, JournalError>;

    /// Called when a test passed; removes what the harness created (default: nothing).
    async fn finish(&self) {}
}

/// Opens a handle or fails the test with the error.
pub(crate) async fn open<H: Harness>(harness: &H) -> H::Store {
    match harness.open().await {
        Ok(store) => store,
        Err(e) => panic!("cannot open the store under test: {e}"),
    }
}

/// One `#[tokio::test]` per conformance function, each on a fresh harness made by
/// `$make().await`.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make;
            intent_is_written_ahead,
            concurrent_intents_record_once,
            invalid_input_writes_nothing,
            events_are_ordered_and_counted,
            concurrent_appends_keep_the_sequence,
            state_view_follows_updates,
            final_statuses_are_terminal,
            facts_are_appended_together,
            list_filters_and_pages,
            list_by_origin,
            list_by_time_and_pages,
            preorders_are_journaled,
            auth_digest_is_kept,
            final_conflict_marks_the_payment,
            contradicting_facts_are_conflicts,
            explicit_conflicts_mark_any_payment,
            stale_lease_is_fenced_off,
            claims_are_exclusive,
            expired_leases_are_taken_over,
            claim_order_and_limits,
            release_frees_the_payment,
            skewed_clocks_and_leases,
            claim_payment_is_exclusive_and_fenced,
            concurrent_claim_payment_has_one_winner,
            ledger_first_in_progress_answered,
            ledger_abandon_and_processing_window,
            ledger_concurrent_claims_have_one_winner,
            prune_keeps_open_payments,
            prune_keeps_conflicts_and_groups,
            prune_payments_and_archive,
            data_survives_reopen
        );
    };
    (@each $make:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let harness = $make().await;
                $crate::conformance::$name(&harness).await;
                $crate::conformance::Harness::finish(&harness).await;
            }
        )*
    };
}
