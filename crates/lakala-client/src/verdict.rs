//! What one trade query proved about an order: the verdict every settling decision (the
//! flow's, the resolver's, the rule's) is made from.

use crate::answer::Answer;
use lakala_types::micropay::{TradeQueryResponse, TradeState};

/// What one trade query proved about an order.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    /// Paid (`SUCCESS`, `PART_REFUND`), by an answer that names the merchant.
    Paid(Box<Answer<TradeQueryResponse>>),
    /// Failed (`FAIL`) or closed (`CLOSE`): no money moved.
    Failed {
        state: TradeState,
        description: Option<String>,
    },
    /// `REFUND`: revoked, or refunded in full. Whether a revoke of ours did it is the
    /// caller's knowledge.
    Reversed { description: Option<String> },
    /// Found, not final.
    InProgress { state: TradeState },
    /// The platform said the order does not exist.
    NotFound { code: String },
    /// The query said nothing about the order.
    Inconclusive { why: String },
}

impl Verdict {
    /// A short description for logs, reasons and the journal (no personal data).
    pub(crate) fn describe(&self, attempt: usize) -> String {
        match self {
            Verdict::Paid(_) => format!("query {attempt}: paid"),
            Verdict::Failed { state, .. } => {
                format!("query {attempt}: trade_state {}", state.as_str())
            }
            Verdict::Reversed { .. } => format!("query {attempt}: trade_state REFUND"),
            Verdict::InProgress { state } => {
                format!("query {attempt}: trade_state {}", state.as_str())
            }
            Verdict::NotFound { code } => {
                format!("query {attempt} answered {code}: the order does not exist")
            }
            Verdict::Inconclusive { why } => format!("query {attempt}: {why}"),
        }
    }

    /// The word journaled with a query (`code`, `trade_state`).
    pub(crate) fn journal_words(&self) -> (&str, Option<&str>) {
        match self {
            Verdict::Paid(a) => ("BBS00000", a.value.trade_state().map(TradeState::as_str)),
            Verdict::Failed { state, .. } | Verdict::InProgress { state } => {
                ("BBS00000", Some(state.as_str()))
            }
            Verdict::Reversed { .. } => ("BBS00000", Some("REFUND")),
            Verdict::NotFound { code } => (code.as_str(), None),
            Verdict::Inconclusive { .. } => ("inconclusive", None),
        }
    }

    /// Whether the order's fate is known (paid, failed or reversed).
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self,
            Verdict::Paid(_) | Verdict::Failed { .. } | Verdict::Reversed { .. }
        )
    }
}
