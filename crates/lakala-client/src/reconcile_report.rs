//! What a reconciliation found ([`crate::reconcile`]): one [`ReconciledPayment`] per
//! journaled payment and companion, its [`Class`], what the platform said, what changed
//! since the previous run, and a summary per day and per status with amounts.
//!
//! Amounts are fen (`i64`), shown as yuan by [`yuan`]. Nothing here carries personal
//! data: order numbers, words, codes and amounts only.

use crate::china_day::ChinaDay;
use lakala_journal::{PaymentKey, PaymentKind, PaymentStatus};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// How a journaled payment compares with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Class {
    /// The journal and the platform agree (both final and the same, or both still open).
    Agrees,
    /// Open in the journal, final on the platform: finished now through the journal's
    /// normal path (the resolver's), and now agrees.
    Finished,
    /// Final in the journal, different on the platform: marked `conflict` for a person
    /// (`lakala payments list --conflicts`); the journal's facts were not overwritten.
    Contradiction,
    /// The platform cannot find it (the query said "no such order").
    NotFound,
    /// The query said nothing (it failed, answered an inconclusive code, or another run
    /// or a resolver held the payment throughout): retried by the next run.
    Inconclusive,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 5] = [
        Class::Agrees,
        Class::Finished,
        Class::Contradiction,
        Class::NotFound,
        Class::Inconclusive,
    ];

    /// The stable snake_case word: `agrees`, `finished`, `contradiction`, `not_found`,
    /// `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Agrees => "agrees",
            Class::Finished => "finished",
            Class::Contradiction => "contradiction",
            Class::NotFound => "not_found",
            Class::Inconclusive => "inconclusive",
        }
    }

    /// The class of a journaled word, if it is one.
    pub fn from_word(word: &str) -> Option<Self> {
        Class::ALL.into_iter().find(|c| c.as_str() == word)
    }

    /// Whether a person must look (a contradiction, or the platform cannot find it).
    pub fn needs_a_person(self) -> bool {
        matches!(self, Class::Contradiction | Class::NotFound)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the platform said about a payment, in words (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformSays {
    /// The query asked: `trade_query` (a payment, or the payment a revoke revokes) or
    /// `refund_query`; `none` when no query was made.
    pub query: String,
    /// The answer's code (`inconclusive` when there was no verified answer).
    pub code: String,
    /// The `trade_state` found, if any.
    pub trade_state: Option<String>,
    /// What it proves: `paid`, `failed`, `reversed`, `in_progress`, `refunded`,
    /// `not_found`, `inconclusive`.
    pub verdict: String,
}

/// What changed since the previous run that reconciled the payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// No earlier run reconciled it.
    New,
    /// Same class and the platform said the same.
    Same,
    /// The class or what the platform said changed.
    Changed {
        /// The class the previous run gave.
        was: Class,
        /// What the platform said then (its verdict word).
        platform_was: String,
    },
}

/// One journaled payment or companion, reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconciledPayment {
    /// The payment (`{"merchant_no", "out_trade_no"}` in JSON).
    #[serde(serialize_with = "key_fields")]
    pub key: PaymentKey,
    /// Micropay, revoke, refund, ...
    #[serde(serialize_with = "kind_word")]
    pub kind: PaymentKind,
    /// The payment a revoke or refund is about.
    pub origin_out_trade_no: Option<String>,
    /// The day (China time) it was journaled.
    #[serde(serialize_with = "day_word")]
    pub day: ChinaDay,
    /// Its amount in fen (a revoke carries none: 0).
    pub amount_fen: i64,
    /// Its status in the journal after the reconciliation.
    #[serde(serialize_with = "status_word")]
    pub status: PaymentStatus,
    /// Its status in the journal before (differs when [`Class::Finished`]).
    #[serde(serialize_with = "status_word")]
    pub status_before: PaymentStatus,
    /// How it compares.
    pub class: Class,
    /// What the platform said.
    pub platform: PlatformSays,
    /// In words (safe to log).
    pub detail: String,
    /// Since the previous run.
    pub change: Change,
    /// Reconciled earlier in this same run (an interrupted run started again): not
    /// queried again.
    pub resumed: bool,
}

fn key_fields<S: serde::Serializer>(k: &PaymentKey, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("merchant_no", &k.merchant_no)?;
    map.serialize_entry("out_trade_no", &k.out_trade_no)?;
    map.end()
}

fn kind_word<S: serde::Serializer>(k: &PaymentKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

fn status_word<S: serde::Serializer>(v: &PaymentStatus, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

fn day_word<S: serde::Serializer>(d: &ChinaDay, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// Count and amount of the payments of one kind and status on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusTotal {
    /// The kind.
    #[serde(serialize_with = "kind_word")]
    pub kind: PaymentKind,
    /// The journal's status (after the reconciliation).
    #[serde(serialize_with = "status_word")]
    pub status: PaymentStatus,
    /// How many.
    pub count: u64,
    /// Their amounts in fen.
    pub amount_fen: i64,
}

/// One day of a reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySummary {
    /// The day (China time).
    #[serde(serialize_with = "day_word")]
    pub day: ChinaDay,
    /// Per kind and status, in that order.
    pub statuses: Vec<StatusTotal>,
    /// How many payments of the day fell in each class (every class, zeros included).
    pub classes: BTreeMap<Class, u64>,
}

/// One day's totals while a report is summed: per (kind rank, status), per class.
type DayTotals = (
    BTreeMap<(u8, PaymentStatus), StatusTotal>,
    BTreeMap<Class, u64>,
);

/// A whole reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// The run's name (runs of one name resume each other).
    pub run: String,
    /// The first day covered (China time).
    #[serde(serialize_with = "day_word")]
    pub from: ChinaDay,
    /// The last day covered, inclusive.
    #[serde(serialize_with = "day_word")]
    pub to: ChinaDay,
    /// Only this merchant, when given.
    pub merchant_no: Option<String>,
    /// Every payment, by day then key.
    pub payments: Vec<ReconciledPayment>,
    /// Per day.
    pub days: Vec<DaySummary>,
    /// How many in each class, over the whole range.
    pub classes: BTreeMap<Class, u64>,
    /// How many queries this run sent (resumed payments were not queried again).
    pub queries: u64,
}

impl ReconcileReport {
    /// A report of `payments` (sorted, summarised).
    pub fn new(
        run: String,
        from: ChinaDay,
        to: ChinaDay,
        merchant_no: Option<String>,
        mut payments: Vec<ReconciledPayment>,
        queries: u64,
    ) -> Self {
        payments.sort_by(|a, b| (a.day, &a.key).cmp(&(b.day, &b.key)));
        let zeros = || {
            Class::ALL
                .into_iter()
                .map(|c| (c, 0u64))
                .collect::<BTreeMap<_, _>>()
        };
        let mut classes = zeros();
        let mut days: BTreeMap<ChinaDay, DayTotals> = BTreeMap::new();
        for p in &payments {
            *classes.entry(p.class).or_default() += 1;
            let (statuses, day_classes) = days
                .entry(p.day)
                .or_insert_with(|| (BTreeMap::new(), zeros()));
            *day_classes.entry(p.class).or_default() += 1;
            let total = statuses
                .entry((kind_rank(p.kind), p.status))
                .or_insert(StatusTotal {
                    kind: p.kind,
                    status: p.status,
                    count: 0,
                    amount_fen: 0,
                });
            total.count += 1;
            total.amount_fen = total.amount_fen.saturating_add(p.amount_fen);
        }
        let days = days
            .into_iter()
            .map(|(day, (statuses, classes))| DaySummary {
                day,
                statuses: statuses.into_values().collect(),
                classes,
            })
            .collect();
        Self {
            run,
            from,
            to,
            merchant_no,
            payments,
            days,
            classes,
            queries,
        }
    }

    /// How many payments fell in `class`.
    pub fn count(&self, class: Class) -> u64 {
        self.classes.get(&class).copied().unwrap_or(0)
    }

    /// Whether every payment agrees (or was finished now).
    pub fn all_agree(&self) -> bool {
        self.payments
            .iter()
            .all(|p| matches!(p.class, Class::Agrees | Class::Finished))
    }

    /// The payments whose class or platform answer changed since the previous run.
    pub fn changed(&self) -> impl Iterator<Item = &ReconciledPayment> {
        self.payments
            .iter()
            .filter(|p| matches!(p.change, Change::Changed { .. }))
    }

    /// The report as CSV (RFC 4180, a header line, one line per payment): what a
    /// spreadsheet or a daily job reads.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "day,merchant_no,out_trade_no,kind,origin_out_trade_no,amount_yuan,status_before,status,class,platform_query,platform_code,platform_trade_state,platform_verdict,change,was,detail\r\n",
        );
        for p in &self.payments {
            let (change, was) = match &p.change {
                Change::New => ("new", String::new()),
                Change::Same => ("same", String::new()),
                Change::Changed { was, platform_was } => {
                    ("changed", format!("{was} ({platform_was})"))
                }
            };
            let fields = [
                p.day.to_string(),
                p.key.merchant_no.clone(),
                p.key.out_trade_no.clone(),
                p.kind.as_str().to_owned(),
                p.origin_out_trade_no.clone().unwrap_or_default(),
                yuan(p.amount_fen),
                p.status_before.as_str().to_owned(),
                p.status.as_str().to_owned(),
                p.class.as_str().to_owned(),
                p.platform.query.clone(),
                p.platform.code.clone(),
                p.platform.trade_state.clone().unwrap_or_default(),
                p.platform.verdict.clone(),
                change.to_owned(),
                was,
                p.detail.clone(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// The order kinds are listed in: payments first, then their companions.
fn kind_rank(kind: PaymentKind) -> u8 {
    match kind {
        PaymentKind::Micropay => 0,
        PaymentKind::Preorder => 1,
        PaymentKind::Revoke => 2,
        PaymentKind::Refund => 3,
    }
}

/// A CSV field, quoted when it must be; a field a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Fen as yuan with two decimals: `10150` → `101.50`, `-5` → `-0.05`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_print_as_yuan() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(1), "0.01");
        assert_eq!(yuan(10150), "101.50");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("-0.05"), "-0.05");
    }

    fn payment(
        no: &str,
        day: &str,
        kind: PaymentKind,
        status: PaymentStatus,
        class: Class,
        fen: i64,
    ) -> ReconciledPayment {
        ReconciledPayment {
            key: PaymentKey::new("822290059430001", no),
            kind,
            origin_out_trade_no: None,
            day: day.parse().unwrap(),
            amount_fen: fen,
            status,
            status_before: status,
            class,
            platform: PlatformSays {
                query: "trade_query".into(),
                code: "BBS00000".into(),
                trade_state: Some("SUCCESS".into()),
                verdict: "paid".into(),
            },
            detail: "d".into(),
            change: Change::New,
            resumed: false,
        }
    }

    #[test]
    fn the_summary_counts_and_sums_per_day_kind_and_status() {
        use PaymentStatus::*;
        let report = ReconcileReport::new(
            "r".into(),
            "2024-01-01".parse().unwrap(),
            "2024-01-02".parse().unwrap(),
            None,
            vec![
                payment(
                    "B",
                    "2024-01-02",
                    PaymentKind::Micropay,
                    Succeeded,
                    Class::Agrees,
                    100,
                ),
                payment(
                    "A",
                    "2024-01-01",
                    PaymentKind::Micropay,
                    Succeeded,
                    Class::Agrees,
                    250,
                ),
                payment(
                    "C",
                    "2024-01-01",
                    PaymentKind::Micropay,
                    Succeeded,
                    Class::Contradiction,
                    1,
                ),
                payment(
                    "D",
                    "2024-01-01",
                    PaymentKind::Refund,
                    Succeeded,
                    Class::Agrees,
                    50,
                ),
                payment(
                    "E",
                    "2024-01-01",
                    PaymentKind::Micropay,
                    Pending,
                    Class::Inconclusive,
                    7,
                ),
            ],
            4,
        );
        let order: Vec<&str> = report
            .payments
            .iter()
            .map(|p| p.key.out_trade_no.as_str())
            .collect();
        assert_eq!(order, ["A", "C", "D", "E", "B"]);
        assert_eq!(report.days.len(), 2);
        let first = &report.days[0];
        assert_eq!(first.statuses.len(), 3);
        // Within a kind, statuses in their lifecycle order.
        assert_eq!(
            (first.statuses[0].status, first.statuses[0].count),
            (Pending, 1)
        );
        assert_eq!(
            (
                first.statuses[1].status,
                first.statuses[1].count,
                first.statuses[1].amount_fen
            ),
            (Succeeded, 2, 251)
        );
        assert_eq!(
            (first.statuses[2].kind, first.statuses[2].amount_fen),
            (PaymentKind::Refund, 50)
        );
        assert_eq!(first.classes[&Class::Contradiction], 1);
        assert_eq!(first.classes[&Class::NotFound], 0);
        assert_eq!(report.count(Class::Agrees), 3);
        assert!(!report.all_agree());
        let csv = report.to_csv();
        assert_eq!(csv.lines().count(), 6);
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("2024-01-01,822290059430001,A,micropay,,2.50,"));
    }
}
