//! The one place that decides whether the SDK may send something that moves money on its
//! own or again (the rule is stated in the crate docs, "Settled stays settled").
//!
//! Every send the SDK makes without a merchant asking for it right now — a micropay sent
//! again for a till's retry or after a crash, a revoke under a pending policy or by the
//! resolver — needs a [`Permit`], and only the functions here make one. Each checks the
//! journal's view and a fresh query's [`Verdict`]; a resolver's permit is then fenced: the
//! lease is renewed right before the send ([`Permit::fenced`]), and a lease that cannot be
//! renewed means nothing is sent. A revoke or refund is never sent again
//! ([`companion_again`]): its fate is found by querying.
//!
//! A live flow holds no lease: resolvers keep away from its payment for its live-flow
//! window ([`crate::timing::LiveFlowWindow`]), and a resumed flow re-reads the journal right
//! before the gate and refuses a payment a resolver holds. The one race left open: a
//! resolver claiming the payment between that read and the send; the resolver then finds
//! it `pending` (the flow writes `sent` first) and only queries it.

use crate::verdict::Verdict;
use lakala_journal::{Lease, PaymentJournal, PaymentKind, PaymentRecord, PaymentStatus};
use std::fmt;
use std::time::Duration;

/// Proof that the rule allows one send. Made only by this module; the functions that send
/// on the SDK's own initiative take one.
#[derive(Debug)]
#[must_use]
pub(crate) struct Permit {
    what: &'static str,
}

impl Permit {
    /// What the permit is for (`micropay_again`, `revoke`).
    pub(crate) fn what(&self) -> &'static str {
        self.what
    }

    /// Renews `lease` (fenced by its token) to cover the send, right before it. A lost
    /// lease means another resolver owns the payment now: nothing may be sent.
    pub(crate) async fn fenced(
        self,
        journal: &dyn PaymentJournal,
        lease: &Lease,
        now: i64,
        hold: Duration,
    ) -> Result<(Permit, Lease), Blocked> {
        let until = now.saturating_add(i64::try_from(hold.as_secs()).unwrap_or(i64::MAX));
        match journal.renew(lease, until).await {
            Ok(renewed) => Ok((self, renewed)),
            Err(lakala_journal::JournalError::LeaseLost) => Err(Blocked::LeaseLost),
            Err(e) => Err(Blocked::Journal(format!("cannot renew the lease: {e}"))),
        }
    }
}

/// Why the rule refuses a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Blocked {
    /// The journal says it is not wanted (final, reported succeeded, already sent...).
    Journal(String),
    /// The fresh query does not say it is still wanted (or said nothing).
    Platform(String),
    /// Another auth code than the journaled one: another payer's barcode.
    OtherAuthCode,
    /// The lease could not be renewed before the send.
    LeaseLost,
    /// A revoke or refund is never sent again: it is settled by query.
    SettledByQuery,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::Journal(why) => write!(f, "not sent: the journal says {why}"),
            Blocked::Platform(why) => write!(f, "not sent: the platform's answer {why}"),
            Blocked::OtherAuthCode => f.write_str(
                "not sent: the order number is journaled with another auth code (another barcode)",
            ),
            Blocked::LeaseLost => {
                f.write_str("not sent: the lease was lost (another resolver owns the payment)")
            }
            Blocked::SettledByQuery => {
                f.write_str("not sent again: a revoke or refund is settled by query")
            }
        }
    }
}

/// Whether a journaled auth code matches the retry's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMatch {
    /// Same keyed digest.
    Same,
    /// Another digest: another barcode.
    Other,
    /// No digest to compare (an intent written before digests, or no key to make one).
    Unknown,
}

/// A micropay sent again under its own number: only when the journal never saw it sent
/// (`recorded`), with the same auth code, past the in-flight window, and a fresh query that
/// says the order does not exist.
pub(crate) fn micropay_again(
    record: &PaymentRecord,
    auth: AuthMatch,
    in_flight_over: bool,
    fresh: &Verdict,
) -> Result<Permit, Blocked> {
    if record.kind != PaymentKind::Micropay {
        return Err(Blocked::Journal("it is not a micropay".into()));
    }
    if record.status != PaymentStatus::Recorded {
        return Err(Blocked::Journal(format!(
            "it is {} (it may have reached the platform)",
            record.status
        )));
    }
    match auth {
        AuthMatch::Same => {}
        AuthMatch::Other => return Err(Blocked::OtherAuthCode),
        AuthMatch::Unknown => {
            return Err(Blocked::Journal(
                "no auth-code digest to compare the retry with".into(),
            ))
        }
    }
    if !in_flight_over {
        return Err(Blocked::Journal(
            "the first request may still be in flight".into(),
        ));
    }
    match fresh {
        Verdict::NotFound { .. } => Ok(Permit {
            what: "micropay_again",
        }),
        other => Err(Blocked::Platform(format!(
            "does not say the order does not exist ({})",
            other.describe(0)
        ))),
    }
}

/// A revoke the SDK sends on its own (a pending policy, the resolver): only for a payment
/// the SDK never reported or journaled succeeded, not final in the journal, with no revoke
/// of it journaled before, when a fresh query found it still in progress (an inconclusive
/// query says nothing, a final state makes the revoke moot).
pub(crate) fn revoke_on_own(
    payment: Option<&PaymentRecord>,
    reported_succeeded: bool,
    earlier_revoke: bool,
    fresh: &Verdict,
) -> Result<Permit, Blocked> {
    if reported_succeeded {
        return Err(Blocked::Journal(
            "the payment was reported succeeded".into(),
        ));
    }
    if let Some(p) = payment {
        if p.status.is_final() || p.status == PaymentStatus::Unresolved {
            return Err(Blocked::Journal(format!("the payment is {}", p.status)));
        }
        if p.outcome.as_deref() == Some("succeeded") {
            return Err(Blocked::Journal(
                "the payment was journaled succeeded".into(),
            ));
        }
    }
    if earlier_revoke {
        return Err(Blocked::Journal(
            "a revoke of this payment was sent before: it is settled by query".into(),
        ));
    }
    match fresh {
        Verdict::InProgress { .. } => Ok(Permit { what: "revoke" }),
        other => Err(Blocked::Platform(format!(
            "does not say the payment is still in progress ({})",
            other.describe(0)
        ))),
    }
}

/// A revoke or refund the SDK would send again: never. Its fate is found by querying.
pub(crate) fn companion_again() -> Blocked {
    Blocked::SettledByQuery
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_journal::{Intent, PaymentKey};
    use lakala_types::micropay::TradeState;

    fn record(status: PaymentStatus) -> PaymentRecord {
        let intent = Intent::micropay(
            PaymentKey::new("M", "T1"),
            "t",
            101,
            "****2810",
            "0123456789abcdef",
            "i",
            0,
        );
        let journal = lakala_journal::MemoryJournal::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut r = runtime.block_on(async {
            journal.record_intent(&intent).await.unwrap();
            journal.payment(&intent.key).await.unwrap().unwrap()
        });
        r.status = status;
        r
    }

    #[test]
    fn a_micropay_is_sent_again_only_on_a_definite_not_found() {
        let recorded = record(PaymentStatus::Recorded);
        let not_found = Verdict::NotFound {
            code: "SBX00004".into(),
        };
        assert!(micropay_again(&recorded, AuthMatch::Same, true, &not_found).is_ok());
        for fresh in [
            Verdict::Inconclusive {
                why: "000101".into(),
            },
            Verdict::InProgress {
                state: TradeState::Deal,
            },
        ] {
            assert!(micropay_again(&recorded, AuthMatch::Same, true, &fresh).is_err());
        }
        assert_eq!(
            micropay_again(&recorded, AuthMatch::Other, true, &not_found).unwrap_err(),
            Blocked::OtherAuthCode
        );
        assert!(micropay_again(&recorded, AuthMatch::Unknown, true, &not_found).is_err());
        assert!(micropay_again(&recorded, AuthMatch::Same, false, &not_found).is_err());
        let pending = record(PaymentStatus::Pending);
        assert!(micropay_again(&pending, AuthMatch::Same, true, &not_found).is_err());
    }

    #[test]
    fn the_sdk_never_revokes_a_payment_reported_succeeded() {
        let deal = Verdict::InProgress {
            state: TradeState::Deal,
        };
        let pending = record(PaymentStatus::Pending);
        assert!(revoke_on_own(Some(&pending), false, false, &deal).is_ok());
        assert!(revoke_on_own(Some(&pending), true, false, &deal).is_err());
        assert!(revoke_on_own(Some(&pending), false, true, &deal).is_err());
        assert!(
            revoke_on_own(Some(&record(PaymentStatus::Succeeded)), false, false, &deal).is_err()
        );
        let said_nothing = Verdict::Inconclusive { why: "busy".into() };
        assert!(revoke_on_own(Some(&pending), false, false, &said_nothing).is_err());
    }
}
