//! Payment kinds, statuses and the one rule for moving between statuses.

use std::fmt;

/// What a journaled request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    /// A barcode payment (`micropay`).
    Micropay,
    /// A revoke (cancel) of an earlier payment.
    Revoke,
    /// A refund of an earlier payment.
    Refund,
    /// A QR-code pre-order (labs `/api/v3/labs/trans/preorder`): the customer scans a
    /// code the merchant shows. It has an amount, no auth code and no origin, and it may
    /// never be paid (the customer walks away): its open state is ordinary, not an error.
    Preorder,
}

impl PaymentKind {
    /// Every kind.
    pub const ALL: [PaymentKind; 4] = [
        PaymentKind::Micropay,
        PaymentKind::Revoke,
        PaymentKind::Refund,
        PaymentKind::Preorder,
    ];

    /// The word stored in the journal: `micropay`, `revoke`, `refund`, `preorder`
    /// (schema v3 and later).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Micropay => "micropay",
            PaymentKind::Revoke => "revoke",
            PaymentKind::Refund => "refund",
            PaymentKind::Preorder => "preorder",
        }
    }
}

impl fmt::Display for PaymentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a payment stands. See the crate documentation for the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentStatus {
    /// The intent is written; the request is not known to have been sent.
    Recorded,
    /// The request may have reached the platform; the outcome is not known.
    Pending,
    /// Final: paid (or, for a revoke/refund, done).
    Succeeded,
    /// Final: not paid, on evidence.
    Failed,
    /// Final: the payment was revoked; the payer is not charged.
    Revoked,
    /// The resolution horizon passed without a final answer: a person must look. Not
    /// final (it is listed among the open payments) but no longer claimed by resolvers;
    /// an update back to `pending` with a `next_check_at` hands it to them again.
    Unresolved,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Recorded,
        PaymentStatus::Pending,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Revoked,
        PaymentStatus::Unresolved,
    ];

    /// The final statuses: once reached, a payment never leaves them.
    pub const FINAL: [PaymentStatus; 3] = [
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Revoked,
    ];

    /// The statuses resolvers claim ([`crate::PaymentJournal::claim_due`]).
    pub const CLAIMABLE: [PaymentStatus; 2] = [PaymentStatus::Recorded, PaymentStatus::Pending];

    /// The word stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Recorded => "recorded",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Revoked => "revoked",
            PaymentStatus::Unresolved => "unresolved",
        }
    }

    /// `succeeded`, `failed` or `revoked`.
    pub fn is_final(self) -> bool {
        PaymentStatus::FINAL.contains(&self)
    }

    /// `recorded` or `pending`: what resolvers work on.
    pub fn is_claimable(self) -> bool {
        PaymentStatus::CLAIMABLE.contains(&self)
    }

    /// Whether a payment in this status keeps a `next_check_at` (false for final and
    /// unresolved payments, whose check time is cleared).
    pub(crate) fn keeps_next_check(self) -> bool {
        self.is_claimable()
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
