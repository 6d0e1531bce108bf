//! What a run records as it goes: what the tills were told and what the merchant's
//! notification code did. [`crate::world`] writes it; [`crate::invariants`] judges it.

use crate::till::{PayReport, PreorderReport, RefundReport};
use std::collections::{BTreeMap, BTreeSet};

/// What the tills were told and what the merchant's notification code did.
#[derive(Debug, Default, Clone)]
pub struct Records {
    /// Orders a till started paying.
    pub started: BTreeSet<String>,
    /// Every report a till got about an order.
    pub pays: BTreeMap<String, Vec<PayRecord>>,
    /// Every report a till got about a pre-order, with when (Unix seconds).
    pub preorders: BTreeMap<String, Vec<(PreorderReport, i64)>>,
    /// Refunds asked for, by their own number.
    pub refunds: BTreeMap<String, RefundAsk>,
    /// How many times the merchant's notification code ran per (order, trade_state).
    pub notified: BTreeMap<(String, String), u32>,
}

/// What a till was told about a payment.
#[derive(Debug, Clone)]
pub struct PayRecord {
    /// The report.
    pub report: PayReport,
    /// When (Unix seconds).
    pub at: i64,
    /// What the client said, in a few words.
    pub said: String,
}

/// A refund a till asked for.
#[derive(Debug, Clone)]
pub struct RefundAsk {
    /// The refunded order.
    pub origin: String,
    /// Fen.
    pub amount: u64,
    /// What the till was told, with when (Unix seconds).
    pub reports: Vec<(RefundReport, i64)>,
}
