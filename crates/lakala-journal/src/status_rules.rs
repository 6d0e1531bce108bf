//! The rules the journal holds statuses to: the one transition rule every store shares,
//! and the words a stored kind or status may be (anything else is a corrupt journal).

use crate::error::JournalError;
use crate::status::{PaymentKind, PaymentStatus};
use std::str::FromStr;

impl PaymentStatus {
    /// The one transition rule, shared by every store.
    ///
    /// - the same status again: allowed (a query and a notification may both say
    ///   `succeeded`);
    /// - from a final status to anything else: [`JournalError::FinalConflict`];
    /// - back to `recorded` from anything else: [`JournalError::StatusRegression`];
    /// - everything else is allowed (`recorded` → any, `pending` → any but `recorded`,
    ///   `unresolved` → `pending` or final).
    pub fn check_transition(self, attempted: PaymentStatus) -> Result<(), JournalError> {
        if self == attempted {
            Ok(())
        } else if self.is_final() {
            Err(JournalError::FinalConflict {
                current: self,
                attempted,
            })
        } else if attempted == PaymentStatus::Recorded {
            Err(JournalError::StatusRegression {
                current: self,
                attempted,
            })
        } else {
            Ok(())
        }
    }
}

impl FromStr for PaymentKind {
    type Err = JournalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| JournalError::corrupt("unknown payment kind in the journal"))
    }
}

impl FromStr for PaymentStatus {
    type Err = JournalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| JournalError::corrupt("unknown payment status in the journal"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for s in PaymentStatus::ALL {
            assert_eq!(s.as_str().parse::<PaymentStatus>(), Ok(s));
        }
        for k in PaymentKind::ALL {
            assert_eq!(k.as_str().parse::<PaymentKind>(), Ok(k));
        }
        assert!(matches!(
            "SUCCEEDED".parse::<PaymentStatus>(),
            Err(JournalError::Corrupt { .. })
        ));
    }

    #[test]
    fn final_statuses_are_terminal() {
        for from in PaymentStatus::FINAL {
            for to in PaymentStatus::ALL {
                let r = from.check_transition(to);
                if to == from {
                    assert_eq!(r, Ok(()));
                } else {
                    assert_eq!(
                        r,
                        Err(JournalError::FinalConflict {
                            current: from,
                            attempted: to
                        })
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_goes_back_to_recorded() {
        for from in [PaymentStatus::Pending, PaymentStatus::Unresolved] {
            assert_eq!(
                from.check_transition(PaymentStatus::Recorded),
                Err(JournalError::StatusRegression {
                    current: from,
                    attempted: PaymentStatus::Recorded
                })
            );
        }
        assert_eq!(
            PaymentStatus::Unresolved.check_transition(PaymentStatus::Pending),
            Ok(())
        );
    }
}
