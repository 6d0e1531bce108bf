//! How one journaled payment compares with what the platform says: the rules of a
//! reconciliation, as plain functions (no I/O).
//!
//! - a payment final in the journal is compared ([`compare_final`]): the same fate (paid
//!   and succeeded; failed, closed or reversed and failed or revoked) agrees; another
//!   fate is a contradiction, except a payment reversed (`REFUND`) by a revoke or refund
//!   the journal holds; "no such order" is not found, except for a payment the journal
//!   proved never sent;
//! - a revoke agrees when its payment is reversed or closed (it ran) and is contradicted
//!   when its payment is paid or in progress; a revoke that failed (declined, moot, not
//!   sent) agrees with any answer;
//! - a refund is compared with the refund query: refunded and succeeded agree, failed
//!   and failed agree (also when the platform cannot find a refused refund);
//! - anything not final in the journal is settled by the resolver's code, not here.

use crate::reconcile_report::{Class, PlatformSays};
use crate::settle::{Finding, RefundFate, RefundFinding};
use crate::verdict::Verdict;
use lakala_journal::{PaymentKind, PaymentRecord, PaymentStatus};

/// What the platform said, as a reconciliation compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    /// Paid (`SUCCESS`, `PART_REFUND`).
    Paid,
    /// Failed or closed: no money moved.
    Failed,
    /// `REFUND`: revoked, or refunded in full.
    Reversed,
    /// Found, not final.
    InProgress,
    /// A refund query found the refund done.
    Refunded,
    /// A refund query found the refund failed.
    RefundFailed,
    /// "No such order" (or refund).
    NotFound,
    /// Said nothing.
    Inconclusive,
}

impl Platform {
    /// The verdict's word in reports.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Platform::Paid => "paid",
            Platform::Failed => "failed",
            Platform::Reversed => "reversed",
            Platform::InProgress => "in_progress",
            Platform::Refunded => "refunded",
            Platform::RefundFailed => "refund_failed",
            Platform::NotFound => "not_found",
            Platform::Inconclusive => "inconclusive",
        }
    }

    /// What a trade query's verdict says.
    pub(crate) fn of_trade(verdict: &Verdict) -> Self {
        match verdict {
            Verdict::Paid(_) => Platform::Paid,
            Verdict::Failed { .. } => Platform::Failed,
            Verdict::Reversed { .. } => Platform::Reversed,
            Verdict::InProgress { .. } => Platform::InProgress,
            Verdict::NotFound { .. } => Platform::NotFound,
            Verdict::Inconclusive { .. } => Platform::Inconclusive,
        }
    }

    /// What a refund query says.
    pub(crate) fn of_refund(found: &RefundFinding) -> Self {
        match &found.fate {
            RefundFate::Refunded(_) => Platform::Refunded,
            RefundFate::Failed(_) => Platform::RefundFailed,
            RefundFate::Open(_) if found.not_found => Platform::NotFound,
            RefundFate::Open(_) if found.in_progress => Platform::InProgress,
            RefundFate::Open(_) => Platform::Inconclusive,
        }
    }
}

/// The words of a trade query's finding.
pub(crate) fn trade_words(finding: &Finding) -> PlatformSays {
    let (code, state) = finding.verdict.journal_words();
    PlatformSays {
        query: "trade_query".into(),
        code: code.to_owned(),
        trade_state: state.map(str::to_owned),
        verdict: Platform::of_trade(&finding.verdict).word().into(),
    }
}

/// The words of a refund query's finding.
pub(crate) fn refund_words(found: &RefundFinding) -> PlatformSays {
    PlatformSays {
        query: "refund_query".into(),
        code: found.code.clone().unwrap_or_else(|| "inconclusive".into()),
        trade_state: found.state.clone(),
        verdict: Platform::of_refund(found).word().into(),
    }
}

/// Why a query said nothing, in words.
pub(crate) fn inconclusive_why(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Inconclusive { why } => Some(why),
        _ => None,
    }
}

/// How a payment **final** in the journal compares with `platform`. `trade_no` is the one
/// the platform gave; `reversed_by` names a journaled revoke or refund that explains a
/// `REFUND` (a succeeded companion of the payment).
pub(crate) fn compare_final(
    record: &PaymentRecord,
    platform: Platform,
    trade_no: Option<&str>,
    reversed_by: Option<&str>,
) -> (Class, String) {
    use PaymentStatus as S;
    use Platform as P;
    let journaled = record.status;
    let contradiction = |what: &str| {
        (
            Class::Contradiction,
            format!("the journal says {journaled}, the platform {what}"),
        )
    };
    let agrees = |what: &str| (Class::Agrees, format!("{journaled}; the platform {what}"));
    if platform == P::Inconclusive {
        return (Class::Inconclusive, "the query said nothing".into());
    }
    match record.kind {
        // A pre-order is queried and compared as a payment.
        PaymentKind::Micropay | PaymentKind::Preorder => match (journaled, platform) {
            (S::Succeeded, P::Paid) => match (record.trade_no.as_deref(), trade_no) {
                (Some(ours), Some(theirs)) if ours != theirs => {
                    contradiction(&format!("paid under another trade_no ({theirs}, journaled {ours})"))
                }
                _ => agrees("says paid"),
            },
            (S::Succeeded, P::Reversed) => match reversed_by {
                Some(by) => agrees(&format!("says REFUND, by journaled {by}")),
                None => contradiction(
                    "says REFUND (revoked or refunded in full) and the journal holds no revoke or refund that did it",
                ),
            },
            (S::Failed | S::Revoked, P::Paid) => {
                contradiction("says paid: money moved that the journal says did not")
            }
            (S::Failed | S::Revoked, P::Failed | P::Reversed) => agrees("says no money kept"),
            (S::Failed, P::NotFound) if proven_unsent(record) => {
                agrees("cannot find it: never sent, nothing charged")
            }
            (_, P::NotFound) => (
                Class::NotFound,
                format!("the journal says {journaled}, the platform cannot find the order"),
            ),
            (_, P::InProgress) => contradiction("says it is still in progress"),
            (_, P::Failed) => contradiction("says failed or closed"),
            (_, other) => contradiction(&format!("says {}", other.word())),
        },
        PaymentKind::Revoke => match (journaled, platform) {
            (S::Succeeded, P::Reversed | P::Failed) => agrees("says its payment is reversed or closed"),
            (S::Succeeded, P::NotFound) => (
                Class::NotFound,
                "the journal says the revoke ran, the platform cannot find its payment".into(),
            ),
            (S::Succeeded, other) => contradiction(&format!(
                "says the revoked payment is {}",
                other.word()
            )),
            // A revoke that did not run: whatever became of its payment is the payment's
            // own reconciliation.
            (_, other) => agrees(&format!("says its payment is {}", other.word())),
        },
        PaymentKind::Refund => match (journaled, platform) {
            (S::Succeeded, P::Refunded) | (S::Failed, P::RefundFailed | P::NotFound) => {
                agrees(&format!("says {}", platform.word()))
            }
            (_, P::NotFound) => (
                Class::NotFound,
                format!("the journal says the refund {journaled}, the platform cannot find it"),
            ),
            (_, other) => contradiction(&format!("says the refund is {}", other.word())),
        },
    }
}

/// Whether the journal proved the payment never reached the platform (the resolver's
/// `not sent` failure).
fn proven_unsent(record: &PaymentRecord) -> bool {
    record
        .reason
        .as_deref()
        .is_some_and(|r| r.starts_with("not sent"))
        || record.outcome.as_deref() == Some("not_sent")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_journal::{Intent, MemoryJournal, PaymentJournal, PaymentKey, Recorded};

    fn record(kind: PaymentKind, status: PaymentStatus) -> PaymentRecord {
        let key = PaymentKey::new("822290059430001", "T1");
        let intent = match kind {
            PaymentKind::Micropay => Intent::micropay(
                key,
                "T",
                101,
                "2885**2810",
                "00ff00ff00ff00ff00ff00ff00ff00ff",
                "n",
                1,
            ),
            PaymentKind::Revoke => {
                Intent::revoke(key, "T", "O1", "00ff00ff00ff00ff00ff00ff00ff00ff", "n", 1)
            }
            _ => Intent::refund(
                key,
                "T",
                "O1",
                50,
                "00ff00ff00ff00ff00ff00ff00ff00ff",
                "n",
                1,
            ),
        };
        let journal = MemoryJournal::new();
        let recorded = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(journal.record_intent(&intent));
        let Ok(Recorded::New(mut r)) = recorded else {
            panic!("recorded: {recorded:?}")
        };
        r.status = status;
        r
    }

    #[test]
    fn payments_compare_by_fate() {
        use PaymentStatus::*;
        use Platform as P;
        let cases = [
            (Succeeded, P::Paid, None, Class::Agrees),
            (Succeeded, P::Reversed, None, Class::Contradiction),
            (Succeeded, P::Reversed, Some("R1"), Class::Agrees),
            (Succeeded, P::Failed, None, Class::Contradiction),
            (Succeeded, P::InProgress, None, Class::Contradiction),
            (Succeeded, P::NotFound, None, Class::NotFound),
            (Succeeded, P::Inconclusive, None, Class::Inconclusive),
            (Failed, P::Paid, None, Class::Contradiction),
            (Failed, P::Failed, None, Class::Agrees),
            (Failed, P::Reversed, None, Class::Agrees),
            (Failed, P::NotFound, None, Class::NotFound),
            (Revoked, P::Reversed, None, Class::Agrees),
            (Revoked, P::Paid, None, Class::Contradiction),
        ];
        for (status, platform, by, class) in cases {
            let r = record(PaymentKind::Micropay, status);
            assert_eq!(
                compare_final(&r, platform, None, by).0,
                class,
                "{status} / {platform:?}"
            );
        }
        let mut unsent = record(PaymentKind::Micropay, Failed);
        unsent.reason = Some("not sent: never reached the platform".into());
        assert_eq!(
            compare_final(&unsent, P::NotFound, None, None).0,
            Class::Agrees
        );
        let mut paid = record(PaymentKind::Micropay, Succeeded);
        paid.trade_no = Some("A".into());
        assert_eq!(
            compare_final(&paid, P::Paid, Some("B"), None).0,
            Class::Contradiction
        );
        assert_eq!(
            compare_final(&paid, P::Paid, Some("A"), None).0,
            Class::Agrees
        );
    }

    #[test]
    fn companions_compare_by_what_they_did() {
        use PaymentStatus::*;
        use Platform as P;
        let revoke = |s| record(PaymentKind::Revoke, s);
        assert_eq!(
            compare_final(&revoke(Succeeded), P::Reversed, None, None).0,
            Class::Agrees
        );
        assert_eq!(
            compare_final(&revoke(Succeeded), P::Paid, None, None).0,
            Class::Contradiction
        );
        assert_eq!(
            compare_final(&revoke(Failed), P::Paid, None, None).0,
            Class::Agrees
        );
        let refund = |s| record(PaymentKind::Refund, s);
        assert_eq!(
            compare_final(&refund(Succeeded), P::Refunded, None, None).0,
            Class::Agrees
        );
        assert_eq!(
            compare_final(&refund(Succeeded), P::RefundFailed, None, None).0,
            Class::Contradiction
        );
        assert_eq!(
            compare_final(&refund(Failed), P::Refunded, None, None).0,
            Class::Contradiction
        );
        assert_eq!(
            compare_final(&refund(Failed), P::NotFound, None, None).0,
            Class::Agrees
        );
        assert_eq!(
            compare_final(&refund(Succeeded), P::NotFound, None, None).0,
            Class::NotFound
        );
    }
}
