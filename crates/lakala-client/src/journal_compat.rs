//! The journal's newer API in one place, until it lands (TEMPORARY: replaced by direct
//! calls once `lakala-journal` has auth digests, origin filters and fact conflicts).

use lakala_journal::{Intent, JournalError, ListFilter, PaymentRecord, StateUpdate};

pub(crate) fn with_auth_digest(intent: Intent, _digest: String) -> Intent {
    intent
}

pub(crate) fn auth_digest(_record: &PaymentRecord) -> Option<String> {
    None
}

pub(crate) fn with_origin(filter: ListFilter, _origin: &str) -> ListFilter {
    filter
}

pub(crate) fn fact_conflict_field(_e: &JournalError) -> Option<String> {
    None
}

pub(crate) fn with_amount_fen(update: StateUpdate, _amount: i64) -> StateUpdate {
    update
}
