//! The SQL of a listing's conditions, order and position, shared by the SQL stores.
//!
//! Placeholders are numbered the same in every store, whichever of them a statement
//! uses: 1 the statuses (PostgreSQL), 2 the merchant, 3 and 4 the cursor's key, 5 the
//! limit, 7 the origin, 8 and 9 the time range (`[from, before)`, narrowed to the
//! cursor's time: [`bounds`]), 10 the cursor's time.
//!
//! Which index answers (schema v4; the crate docs of `list` say what is fast):
//!
//! - a time order reads the time index (`lakala_payments_created`, or the partial
//!   `lakala_payments_finished`), in its order or backwards, between the bounds of
//!   placeholders 8 and 9, which the cursor's time narrows; the index holds only the
//!   time, so the payments of one second are put in key order by a sort of that second's
//!   rows (SQLite: `USE TEMP B-TREE FOR RIGHT PART OF ORDER BY`; PostgreSQL:
//!   `Incremental Sort`), and the row comparison `(time, merchant_no, out_trade_no) <
//!   (...)` drops the cursor's own second's rows up to the cursor. A page costs its own
//!   rows (and one second's), never an offset.
//! - key order reads the key (the primary key, SQLite's unique index), from the cursor.
//! - statuses that are all open (`recorded`, `pending`, `unresolved`) bring the partial
//!   indexes of the open payments: `lakala_payments_open` in key order,
//!   `lakala_payments_open_created` by creation time. A database uses a partial index
//!   only when the query's condition implies the index's, so the index's condition
//!   ([`OPEN`]) is written into the statement word for word, besides the statuses asked
//!   for.
//! - conditions are written only when the filter has them (a generic plan of
//!   `$2 IS NULL OR merchant_no = $2` could use no index for them).

use crate::list::{ListFilter, ListOrder, TimeField};
use crate::status::PaymentStatus;

/// The condition of the open payments' partial indexes (`lakala_payments_open`,
/// `lakala_payments_open_created`), exactly as migration 4 of each store writes it.
pub(crate) const OPEN: &str = "status IN ('recorded', 'pending', 'unresolved')";

/// The statuses a listing asks for, as a set (bit `i`: [`PaymentStatus::ALL`]`[i]`);
/// empty: every status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StatusSet(u8);

impl StatusSet {
    pub(crate) fn of(statuses: &[PaymentStatus]) -> Self {
        Self(
            PaymentStatus::ALL
                .iter()
                .enumerate()
                .filter(|(_, s)| statuses.contains(s))
                .fold(0, |set, (i, _)| set | 1 << i),
        )
    }

    fn statuses(self) -> impl Iterator<Item = PaymentStatus> {
        PaymentStatus::ALL
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & 1 << i != 0)
            .map(|(_, s)| s)
    }

    /// Only open statuses (and at least one).
    fn only_open(self) -> bool {
        self.0 != 0 && self.statuses().all(|s| !s.is_final())
    }

    /// `status IN ('...', ...)`, the statuses in the order of [`PaymentStatus::ALL`]
    /// (fixed words from the enum, never caller text); `column` is `status` or, for a
    /// condition no index may serve, SQLite's `+status`.
    fn condition(self, column: &str) -> String {
        let words: Vec<String> = self
            .statuses()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        format!("{column} IN ({})", words.join(", "))
    }

    /// The condition on the status (`None` for every status). Statuses that are all
    /// open imply [`OPEN`], the open indexes' condition, which the statement must then
    /// show to the database: PostgreSQL proves that `status IN` a subset of the open
    /// statuses implies it (`proves_subsets`); SQLite recognizes it only word for word,
    /// so it is written as it is, and the subset asked for as a mere filter (`+status`,
    /// which no index serves: `status IN ('recorded', 'pending')` would otherwise be the
    /// due index's condition, an index in the wrong order).
    pub(crate) fn sql(self, proves_subsets: bool) -> Option<String> {
        if self.0 == 0 {
            return None;
        }
        let condition = self.condition("status");
        if !self.only_open() || proves_subsets || condition == OPEN {
            return Some(condition);
        }
        Some(format!("{OPEN} AND {}", self.condition("+status")))
    }
}

/// What a listing's statement depends on (its parameters' values aside): one statement
/// per shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ListShape {
    pub(crate) order: ListOrder,
    pub(crate) statuses: StatusSet,
    pub(crate) with_cursor: bool,
    pub(crate) by_merchant: bool,
    pub(crate) by_origin: bool,
    pub(crate) conflicts_only: bool,
    /// Whether the time has a lower bound (`?8`), an upper one (`?9`): see [`bounds`].
    pub(crate) from: bool,
    pub(crate) before: bool,
}

impl ListShape {
    pub(crate) fn of(filter: &ListFilter) -> Self {
        let (from, before) = bounds(filter);
        Self {
            from: from.is_some(),
            before: before.is_some(),
            order: filter.order(),
            statuses: StatusSet::of(&filter.statuses),
            with_cursor: filter.after.is_some(),
            by_merchant: filter.merchant_no.is_some(),
            by_origin: filter.origin_out_trade_no.is_some(),
            conflicts_only: filter.conflicts_only,
        }
    }
}

/// The column a time order goes by.
pub(crate) fn time_column(field: TimeField) -> &'static str {
    match field {
        TimeField::Created => "created_at",
        TimeField::Finished => "finished_at",
    }
}

/// ` AND <range> AND <position> ORDER BY ...` for `shape`; `p(n)` writes placeholder `n`
/// in the store's dialect.
pub(crate) fn order_clause(shape: ListShape, p: impl Fn(u8) -> String) -> String {
    let (column, direction, after) = match shape.order {
        ListOrder::Key => {
            let mut sql = String::new();
            if shape.with_cursor {
                sql += &format!(" AND (merchant_no, out_trade_no) > ({}, {})", p(3), p(4));
            }
            sql += " ORDER BY merchant_no, out_trade_no";
            return sql;
        }
        ListOrder::OldestFirst(field) => (time_column(field), "ASC", ">"),
        ListOrder::NewestFirst(field) => (time_column(field), "DESC", "<"),
    };
    // The range is on the time alone (what the index holds), the cursor's time already
    // in it (`bounds`); the row comparison only orders the cursor's own second. Bounds
    // are written only when there are any: a generic plan cannot know that `?8` is
    // `i64::MIN`, and would take the whole journal's listing for a narrow range.
    let mut sql = format!(" AND {column} IS NOT NULL");
    if shape.from {
        sql += &format!(" AND {column} >= {}", p(8));
    }
    if shape.before {
        sql += &format!(" AND {column} < {}", p(9));
    }
    if shape.with_cursor {
        sql += &format!(
            " AND ({column}, merchant_no, out_trade_no) {after} ({}, {}, {})",
            p(10),
            p(3),
            p(4)
        );
    }
    sql += &format!(
        " ORDER BY {column} {direction}, merchant_no {direction}, out_trade_no {direction}"
    );
    sql
}

/// The bounds `[from, before)` on the time for placeholders 8 and 9 (`None`: no bound):
/// the filter's time range, narrowed to the cursor's time in a time order (oldest first:
/// from it; newest first: up to and with it), so that the index range starts at the
/// cursor. The row comparison with the cursor is unchanged by this: it implies the
/// narrowed bound. `i64::MIN` bounds nothing from below; `before` bounds the range even
/// at `i64::MAX` (a payment at that second is not in a range), but the cursor's time
/// bounds nothing there.
pub(crate) fn bounds(filter: &ListFilter) -> (Option<i64>, Option<i64>) {
    let (mut from, mut before) = filter
        .time_range
        .map_or((None, None), |r| (Some(r.from), Some(r.before)));
    let cursor = filter.after.as_ref().and_then(|c| c.time());
    match (filter.order(), cursor) {
        (ListOrder::OldestFirst(_), Some(time)) => {
            from = Some(from.map_or(time, |from| from.max(time)));
        }
        (ListOrder::NewestFirst(_), Some(time)) if time < i64::MAX => {
            before = Some(before.map_or(time + 1, |before| before.min(time + 1)));
        }
        _ => {}
    }
    (from.filter(|&from| from > i64::MIN), before)
}

/// Checks that migration `v4`'s open indexes end with [`OPEN`] word for word (a database
/// uses a partial index only when the query implies its condition): each store's
/// migration test calls it.
#[cfg(test)]
pub(crate) fn assert_open_indexes_have_the_listings_condition(v4: &str) {
    for index in ["lakala_payments_open ", "lakala_payments_open_created "] {
        let at = v4.find(index).expect("the index is created");
        let definition = &v4[at..v4[at..].find(';').map_or(v4.len(), |end| at + end)];
        assert!(
            definition.ends_with(&format!("WHERE {OPEN}")),
            "{definition}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::ListCursor;
    use crate::payment::PaymentKey;

    fn cursor(filter: &ListFilter, time: i64) -> ListCursor {
        format!(
            "{}.{time}.4d.4f",
            match filter.order() {
                ListOrder::OldestFirst(TimeField::Created) => "oc",
                ListOrder::NewestFirst(TimeField::Created) => "nc",
                ListOrder::OldestFirst(TimeField::Finished) => "of",
                ListOrder::NewestFirst(TimeField::Finished) => "nf",
                ListOrder::Key => unreachable!("a time order"),
            }
        )
        .parse()
        .expect("cursor")
    }

    #[test]
    fn the_cursor_narrows_the_time_range_to_its_second() {
        let day = ListFilter::all().created_in(100, 200);
        assert_eq!(bounds(&day), (Some(100), Some(200)));
        let c = cursor(&day, 150);
        assert_eq!(
            bounds(&day.clone().continue_after(c)),
            (Some(150), Some(200))
        );
        let newest = day.clone().newest_first();
        let c = cursor(&newest, 150);
        assert_eq!(
            bounds(&newest.clone().continue_after(c)),
            (Some(100), Some(151))
        );
        // A cursor outside the range leaves it (the result is empty either way).
        let c = cursor(&newest, 500);
        assert_eq!(
            bounds(&newest.clone().continue_after(c)),
            (Some(100), Some(200))
        );
        let all = ListFilter::all().newest_first();
        assert_eq!(bounds(&all), (None, None));
        let c = cursor(&all, i64::MAX);
        assert_eq!(bounds(&all.clone().continue_after(c)), (None, None));
        let c = cursor(&all, i64::MIN);
        assert_eq!(bounds(&all.continue_after(c)), (None, Some(i64::MIN + 1)));
        let oldest = ListFilter::all().created_in(i64::MIN, i64::MAX);
        assert_eq!(bounds(&oldest), (None, Some(i64::MAX)));
        let c = cursor(&oldest, i64::MIN);
        assert_eq!(
            bounds(&oldest.clone().continue_after(c)),
            (None, Some(i64::MAX))
        );
        let c = cursor(&oldest, 7);
        assert_eq!(bounds(&oldest.continue_after(c)), (Some(7), Some(i64::MAX)));
        let key = ListFilter::all().after(PaymentKey::new("M", "O"));
        assert_eq!(bounds(&key), (None, None));
    }

    #[test]
    fn statuses_that_are_all_open_bring_the_open_indexes() {
        use PaymentStatus::*;
        let sql = |statuses: &[PaymentStatus], proves_subsets| {
            StatusSet::of(statuses).sql(proves_subsets)
        };
        assert_eq!(sql(&[], true), None);
        assert_eq!(sql(&[], false), None);
        for proves_subsets in [true, false] {
            assert_eq!(
                sql(&[Unresolved, Pending, Recorded, Pending], proves_subsets).as_deref(),
                Some(OPEN)
            );
            assert_eq!(
                sql(&[Revoked, Pending], proves_subsets).as_deref(),
                Some("status IN ('pending', 'revoked')")
            );
        }
        assert_eq!(
            sql(&[Unresolved], true).as_deref(),
            Some("status IN ('unresolved')")
        );
        assert_eq!(
            sql(&[Pending, Recorded], false),
            Some(format!("{OPEN} AND +status IN ('recorded', 'pending')"))
        );
    }
}
