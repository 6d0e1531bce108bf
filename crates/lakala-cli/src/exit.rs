//! The exit statuses of `lakala`, part of its interface: scripts branch on them.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the call succeeded (verified, paid, created, valid).
    Success = 0,
    /// 1: an unexpected internal error.
    Internal = 1,
    /// 2: bad input or usage (also clap's status for usage errors).
    Usage = 2,
    /// 3: the platform declined, on evidence that nothing was done: a refused verification
    /// (9001, 9003–9006), a definite refusal naming the order, a trade found FAIL, CLOSE or
    /// REFUND, a revoked payment.
    Declined = 3,
    /// 4: the outcome is pending or unknown (in progress, an inconclusive code, an order
    /// not found yet); resolve it with `lakala query`. Never "declined".
    Pending = 4,
    /// 5: an answer failed verification (MAC, signature, freshness).
    Verification = 5,
    /// 6: transient, nothing decided: the platform could not be reached, the exchange
    /// broke, or the platform said to try again (gate/auth 9002, 9007, 9999).
    Transport = 6,
    /// 7: the journal could not be used: not opened, read or written (read-only,
    /// corrupt, full, locked, unreachable, a lost `-wal`). When the call itself went
    /// through, its outcome is still reported and stderr says which facts were not
    /// journaled.
    Journal = 7,
    /// 8: `payments reconcile` found what a person must look at: a payment the platform
    /// contradicts (marked `conflict`) or cannot find.
    Disagrees = 8,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}
