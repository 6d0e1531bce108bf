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
    /// 3: the platform declined (refused verification, declined payment, failed trade).
    Declined = 3,
    /// 4: the outcome is pending or unknown; resolve it with `lakala query`.
    Pending = 4,
    /// 5: an answer failed verification (MAC, signature, freshness).
    Verification = 5,
    /// 6: the platform could not be reached or the exchange broke.
    Transport = 6,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}
