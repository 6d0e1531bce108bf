//! The invariants every run must keep, checked once the drain phase is over, and which of
//! issue 19's scenarios a violation is.
//!
//! - (a) No payment reported or journaled succeeded ends not paid on the platform, and
//!   none reported failed ends paid; no refund reported or journaled done was not done on
//!   the platform when it was reported, or ends not done.
//! - (b) At most one micropay arrived at the platform per order, at most one revoke
//!   executed per payment, no more refunded than the tills asked for.
//! - (c) Every payment the tills started (and every revoke and refund) ends final or open
//!   for a person (`unresolved`, or marked as a conflict), never forgotten.
//! - (d) The journal agrees with the platform, or marks the payment as a conflict.
//! - (e) The merchant's notification code ran at most once per payment event.
//! - (f) A pre-order reported or journaled closed was never paid on the platform, and one
//!   reported or journaled paid was paid (issue 22: "an order closed by us is never
//!   reported paid"); at most one pre-order request arrived per order.

use crate::platform::truth::{RefundState, Status, Truth};
use crate::records::Records;
use crate::till::{PayReport, PreorderReport, RefundReport};
use crate::trace::Trace;
use lakala_journal::{PaymentKind, PaymentRecord, PaymentStatus};
use std::collections::BTreeMap;
use std::fmt;

/// Which of issue 19's scenarios a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    /// 1: a paid order revoked after the till was told it succeeded.
    RevokedAfterSucceeded,
    /// 2: a second micropay of one order reached the platform.
    SecondMicropay,
    /// 3: a refund reported done while the platform had it in progress (or it then failed).
    RefundDoneWhileDeal,
    /// Issue 22: a pre-order reported closed that the customer paid (or paid that was not).
    PreorderClosedButPaid,
}

impl Scenario {
    /// Every scenario, in the order.
    pub const ALL: [Scenario; 4] = [
        Scenario::RevokedAfterSucceeded,
        Scenario::SecondMicropay,
        Scenario::RefundDoneWhileDeal,
        Scenario::PreorderClosedButPaid,
    ];

    /// The number of the scenario.
    pub fn number(self) -> u8 {
        match self {
            Scenario::RevokedAfterSucceeded => 1,
            Scenario::SecondMicropay => 2,
            Scenario::RefundDoneWhileDeal => 3,
            Scenario::PreorderClosedButPaid => 22,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scenario::RevokedAfterSucceeded => "scenario 1: paid order revoked after 'succeeded'",
            Scenario::SecondMicropay => "scenario 2: second micropay after a crash",
            Scenario::RefundDoneWhileDeal => "scenario 3: refund reported done while DEAL",
            Scenario::PreorderClosedButPaid => {
                "issue 22: pre-order reported closed but paid (or paid but not)"
            }
        })
    }
}

/// One broken invariant.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Which invariant: `a` to `e`.
    pub invariant: char,
    /// Which of the scenarios it is, if one.
    pub scenario: Option<Scenario>,
    /// The order (or revoke/refund number) concerned.
    pub order: String,
    /// What was wrong.
    pub detail: String,
    /// The end of the trace, with the earlier lines about the order.
    pub trace_tail: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant ({}) broken on {}: {}",
            self.invariant, self.order, self.detail
        )?;
        if let Some(s) = self.scenario {
            write!(f, " [{s}]")?;
        }
        Ok(())
    }
}

struct Checker<'a> {
    trace: &'a Trace,
    found: Vec<Violation>,
}

impl Checker<'_> {
    fn fail(&mut self, invariant: char, scenario: Option<Scenario>, order: &str, detail: String) {
        self.found.push(Violation {
            invariant,
            scenario,
            order: order.to_owned(),
            detail,
            trace_tail: self.trace.tail(25, Some(order)),
        });
    }
}

/// Whether a record is still open and nobody was asked to look (`unresolved` and conflict
/// marks are for a person).
fn open(r: &PaymentRecord) -> bool {
    matches!(r.status, PaymentStatus::Recorded | PaymentStatus::Pending) && r.conflict.is_none()
}

/// Whether the order ends with the payer charged.
fn paid(status: Status) -> bool {
    status == Status::Success
}

/// Checks every invariant; returns what is broken.
pub fn check(
    truth: &Truth,
    journal: &[PaymentRecord],
    records: &Records,
    trace: &Trace,
) -> Vec<Violation> {
    let mut c = Checker {
        trace,
        found: Vec::new(),
    };
    let by_key: BTreeMap<&str, &PaymentRecord> = journal
        .iter()
        .map(|r| (r.key.out_trade_no.as_str(), r))
        .collect();
    let revoked_after_paid = |origin: &str| {
        truth
            .revokes
            .values()
            .any(|r| r.origin == origin && r.was_paid)
    };

    // (a) what was reported or journaled about payments.
    for (order, reports) in &records.pays {
        let status = truth.orders.get(order).map(|o| o.status);
        for record in reports {
            match record.report {
                PayReport::Succeeded if !status.is_some_and(paid) => {
                    let s1 = revoked_after_paid(order).then_some(Scenario::RevokedAfterSucceeded);
                    c.fail(
                        'a',
                        s1,
                        order,
                        format!("reported succeeded, platform has {status:?}"),
                    );
                }
                PayReport::Failed | PayReport::Revoked if status.is_some_and(paid) => {
                    c.fail(
                        'a',
                        None,
                        order,
                        format!("reported {:?}, platform has it paid", record.report),
                    );
                }
                // "Nothing sent" is true of this attempt, but a till told so pays again
                // under a new number: the order is paid, the payer would pay twice.
                PayReport::NotSent if status.is_some_and(paid) => c.fail(
                    'a',
                    None,
                    order,
                    format!(
                        "the till was told \"{}\" while the platform has the order paid",
                        record.said
                    ),
                ),
                _ => {}
            }
        }
    }
    // A record marked as a conflict is the SDK saying "a person must look" (a revoke sent
    // while the payment was in progress that arrived after it landed): not silent.
    for record in journal
        .iter()
        .filter(|r| r.kind == PaymentKind::Micropay && r.conflict.is_none())
    {
        let order = record.key.out_trade_no.as_str();
        let status = truth.orders.get(order).map(|o| o.status);
        if record.status == PaymentStatus::Succeeded && !status.is_some_and(paid) {
            let s1 = revoked_after_paid(order).then_some(Scenario::RevokedAfterSucceeded);
            c.fail(
                'a',
                s1,
                order,
                format!(
                    "journaled succeeded{}, platform has {status:?}",
                    record
                        .conflict
                        .as_deref()
                        .map(|c| format!(" (conflict: {c})"))
                        .unwrap_or_default()
                ),
            );
        }
        if matches!(
            record.status,
            PaymentStatus::Failed | PaymentStatus::Revoked
        ) && status.is_some_and(paid)
        {
            let fully_refunded = truth.refunded(order) >= truth.orders[order].total;
            if !fully_refunded {
                c.fail(
                    'a',
                    None,
                    order,
                    format!("journaled {}, platform has it paid", record.status),
                );
            }
        }
    }
    // (a) refunds reported done.
    for (number, ask) in &records.refunds {
        let (origin, platform) = (&ask.origin, truth.refunds.get(number));
        for (report, at) in &ask.reports {
            if *report != RefundReport::Done {
                continue;
            }
            let done_then = platform
                .and_then(|r| r.success_at)
                .is_some_and(|t| t <= *at);
            let ends_done = platform.is_some_and(|r| r.state == RefundState::Success);
            if !done_then || !ends_done {
                let s3 = platform.is_some().then_some(Scenario::RefundDoneWhileDeal);
                c.fail(
                    'a',
                    s3,
                    number,
                    format!(
                        "refund of {origin} reported done at {at}, platform: {:?}",
                        platform.map(|r| (r.state, r.success_at))
                    ),
                );
            }
        }
    }

    // (b) at most one micropay, one executed revoke, no refund beyond what was asked.
    for (order, n) in &truth.micropay_arrivals {
        if *n > 1 {
            c.fail(
                'b',
                Some(Scenario::SecondMicropay),
                order,
                format!("{n} micropays arrived"),
            );
        }
    }
    let mut revokes: BTreeMap<&str, u32> = BTreeMap::new();
    for r in truth.revokes.values() {
        *revokes.entry(r.origin.as_str()).or_default() += 1;
    }
    for (order, n) in revokes {
        if n > 1 {
            c.fail('b', None, order, format!("{n} revokes executed"));
        }
    }
    let mut asked: BTreeMap<&str, u64> = BTreeMap::new();
    for ask in records.refunds.values() {
        *asked.entry(ask.origin.as_str()).or_default() += ask.amount;
    }
    for origin in truth.refunds.values().map(|r| r.origin.as_str()) {
        let committed = truth.committed_refunds(origin);
        let wanted = asked.get(origin).copied().unwrap_or(0);
        if committed > wanted {
            c.fail(
                'b',
                None,
                origin,
                format!("{committed} fen refunded, {wanted} asked"),
            );
        }
    }

    // (c) never forgotten.
    for order in records.started.iter().chain(truth.orders.keys()) {
        match by_key.get(order.as_str()) {
            // A till that died before the intent was written sent nothing: nothing to keep.
            None if !truth.orders.contains_key(order) => {}
            None => c.fail(
                'c',
                None,
                order,
                "on the platform, not in the journal".into(),
            ),
            Some(r) if open(r) => c.fail(
                'c',
                None,
                order,
                format!("left {} after the drain", r.status),
            ),
            Some(_) => {}
        }
    }
    for r in journal.iter().filter(|r| r.kind != PaymentKind::Micropay) {
        if open(r) {
            c.fail(
                'c',
                None,
                &r.key.out_trade_no,
                format!("{} left {} after the drain", r.kind, r.status),
            );
        }
    }

    // (d) the journal agrees with the platform (or marks the payment as a conflict for a
    // person).
    for r in journal.iter().filter(|r| r.conflict.is_none()) {
        let no = r.key.out_trade_no.as_str();
        let disagree = match r.kind {
            PaymentKind::Micropay => {
                let status = truth.orders.get(no).map(|o| o.status);
                match (r.status, status) {
                    (PaymentStatus::Succeeded, s) => !s.is_some_and(paid),
                    (PaymentStatus::Revoked, s) => !matches!(s, Some(Status::Revoked { .. })),
                    (PaymentStatus::Failed, Some(Status::Success)) => {
                        truth.refunded(no) < truth.orders[no].total
                    }
                    (PaymentStatus::Failed, Some(Status::Paying { .. })) => true,
                    _ => false,
                }
            }
            // Checked with (f), where paid and closed are told apart.
            PaymentKind::Preorder => false,
            PaymentKind::Refund => {
                let state = truth.refunds.get(no).map(|x| x.state);
                match r.status {
                    PaymentStatus::Succeeded => state != Some(RefundState::Success),
                    PaymentStatus::Failed => state == Some(RefundState::Success),
                    _ => false,
                }
            }
            _ => {
                let executed = truth.revokes.contains_key(no);
                match r.status {
                    PaymentStatus::Succeeded => !executed,
                    PaymentStatus::Failed => executed,
                    _ => false,
                }
            }
        };
        if disagree {
            let scenario = match r.kind {
                PaymentKind::Refund => Some(Scenario::RefundDoneWhileDeal)
                    .filter(|_| r.status == PaymentStatus::Succeeded),
                PaymentKind::Micropay => revoked_after_paid(no)
                    .then_some(Scenario::RevokedAfterSucceeded)
                    .filter(|_| r.status == PaymentStatus::Succeeded),
                _ => None,
            };
            let platform = match r.kind {
                PaymentKind::Micropay => format!("{:?}", truth.orders.get(no).map(|o| o.status)),
                PaymentKind::Refund => format!("{:?}", truth.refunds.get(no).map(|x| x.state)),
                _ => format!("executed: {}", truth.revokes.contains_key(no)),
            };
            c.fail(
                'd',
                scenario,
                no,
                format!("journal: {} {}, platform: {platform}", r.kind, r.status),
            );
        }
    }
    // A refund journaled done while the platform still had it DEAL.
    for r in journal.iter().filter(|r| r.kind == PaymentKind::Refund) {
        let no = r.key.out_trade_no.as_str();
        if r.status != PaymentStatus::Succeeded {
            continue;
        }
        if let (Some(refund), Some(done)) = (truth.refunds.get(no), r.finished_at) {
            if refund.state == RefundState::Success && refund.success_at.is_some_and(|t| t > done) {
                c.fail(
                    'd',
                    Some(Scenario::RefundDoneWhileDeal),
                    no,
                    format!(
                        "journaled succeeded at {done}, platform refunded it at {:?}",
                        refund.success_at
                    ),
                );
            }
        }
    }

    // (f) pre-orders: closed means never paid, paid means paid.
    let preorder_state = |order: &str| truth.orders.get(order).map(|o| (o.status, o.paid_at));
    for (order, reports) in &records.preorders {
        let found = preorder_state(order);
        let status = found.map(|(s, _)| s);
        let ever_paid = found.is_some_and(|(_, at)| at.is_some());
        for (report, at) in reports {
            let wrong = match report {
                PreorderReport::Closed => ever_paid || status != Some(Status::Closed),
                PreorderReport::Paid => !status.is_some_and(paid),
                PreorderReport::Failed => ever_paid,
                PreorderReport::Pending | PreorderReport::NotSent => false,
            };
            if wrong {
                c.fail(
                    'f',
                    Some(Scenario::PreorderClosedButPaid),
                    order,
                    format!("reported {report:?} at {at}, platform has {status:?}"),
                );
            }
        }
    }
    for r in journal
        .iter()
        .filter(|r| r.kind == PaymentKind::Preorder && r.conflict.is_none())
    {
        let order = r.key.out_trade_no.as_str();
        let found = preorder_state(order);
        let status = found.map(|(s, _)| s);
        let ever_paid = found.is_some_and(|(_, at)| at.is_some());
        let wrong = match (r.status, r.outcome.as_deref()) {
            (PaymentStatus::Succeeded, _) => !status.is_some_and(paid),
            (PaymentStatus::Failed, Some("closed")) => ever_paid || status != Some(Status::Closed),
            (PaymentStatus::Failed, _) => ever_paid,
            _ => false,
        };
        if wrong {
            c.fail(
                'f',
                Some(Scenario::PreorderClosedButPaid),
                order,
                format!(
                    "journaled {} ({:?}), platform has {status:?}",
                    r.status, r.outcome
                ),
            );
        }
    }
    for (order, n) in &truth.preorder_arrivals {
        if *n > 1 {
            c.fail('f', None, order, format!("{n} pre-orders arrived"));
        }
    }

    // (e) the merchant's notification code once per event.
    for ((order, state), n) in &records.notified {
        if *n > 1 {
            c.fail(
                'e',
                None,
                order,
                format!("notification code ran {n} times for {state}"),
            );
        }
    }
    c.found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::truth::{Order, Revoke};
    use crate::records::PayRecord;

    fn told(report: PayReport) -> PayRecord {
        PayRecord {
            report,
            at: 1,
            said: String::new(),
        }
    }

    fn order(status: Status) -> Order {
        Order {
            merchant_no: "M".into(),
            term_no: "T".into(),
            trade_no: "2024092900000000000001".into(),
            total: 100,
            status,
            created_at: 0,
            paid_at: None,
            preorder: None,
        }
    }

    #[test]
    fn a_second_micropay_is_scenario_2() {
        let mut truth = Truth::default();
        truth.orders.insert("O1".into(), order(Status::Success));
        truth.micropay_arrivals.insert("O1".into(), 2);
        let found = check(&truth, &[], &Records::default(), &Trace::new(false));
        assert!(found
            .iter()
            .any(|v| v.invariant == 'b' && v.scenario == Some(Scenario::SecondMicropay)));
        // The order is also in no journal: forgotten.
        assert!(found.iter().any(|v| v.invariant == 'c' && v.order == "O1"));
    }

    #[test]
    fn succeeded_then_revoked_is_scenario_1() {
        let mut truth = Truth::default();
        truth
            .orders
            .insert("O1".into(), order(Status::Revoked { was_paid: true }));
        truth.revokes.insert(
            "O1R".into(),
            Revoke {
                origin: "O1".into(),
                was_paid: true,
                resp_data: serde_json::Value::Null,
                at: 5,
            },
        );
        let mut records = Records::default();
        records
            .pays
            .insert("O1".into(), vec![told(PayReport::Succeeded)]);
        let found = check(&truth, &[], &records, &Trace::new(false));
        assert!(found
            .iter()
            .any(|v| v.invariant == 'a' && v.scenario == Some(Scenario::RevokedAfterSucceeded)));
    }

    #[test]
    fn a_clean_run_breaks_nothing() {
        let mut truth = Truth::default();
        truth.orders.insert("O1".into(), order(Status::Success));
        truth.micropay_arrivals.insert("O1".into(), 1);
        let mut records = Records::default();
        records
            .pays
            .insert("O1".into(), vec![told(PayReport::Succeeded)]);
        records.notified.insert(("O1".into(), "SUCCESS".into()), 1);
        let journal = lakala_journal::MemoryJournal::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let record = runtime.block_on(async {
            use lakala_journal::{Intent, NewEvent, PaymentJournal, PaymentKey, StateUpdate};
            let key = PaymentKey::new("M", "O1");
            let intent = Intent::micropay(
                key.clone(),
                "T",
                100,
                "****1234",
                "0123456789abcdef",
                "i",
                0,
            );
            journal.record_intent(&intent).await.expect("intent");
            let event = NewEvent::new(1, "i", "answer", serde_json::json!({}));
            journal
                .append(
                    &key,
                    &event,
                    &StateUpdate::status(PaymentStatus::Succeeded),
                    None,
                )
                .await
                .expect("append")
        });
        let found = check(&truth, &[record], &records, &Trace::new(false));
        assert!(found.is_empty(), "{found:?}");
    }
}
