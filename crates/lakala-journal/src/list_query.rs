//! The SQL of a listing's order and position, shared by the SQL stores.
//!
//! Placeholders are numbered the same in every store, whichever of them a statement
//! uses: 3 and 4 the cursor's key, 8 and 9 the time range (`[from, before)`), 10 the
//! cursor's time. A time order reads one index (`lakala_payments_created`, or the
//! partial `lakala_payments_finished`), in its order or backwards, starting at the
//! cursor: the row comparison `(time, merchant_no, out_trade_no) < (...)` is a range on
//! that index, so a page costs its own rows, never an offset.

use crate::list::{ListOrder, TimeField};

/// The column a time order goes by.
pub(crate) fn time_column(field: TimeField) -> &'static str {
    match field {
        TimeField::Created => "created_at",
        TimeField::Finished => "finished_at",
    }
}

/// ` AND <range> AND <position> ORDER BY ...` for `order`; `p(n)` writes placeholder `n`
/// in the store's dialect.
pub(crate) fn order_clause(
    order: ListOrder,
    with_cursor: bool,
    p: impl Fn(u8) -> String,
) -> String {
    let (column, direction, after) = match order {
        ListOrder::Key => {
            let mut sql = String::new();
            if with_cursor {
                sql += &format!(" AND (merchant_no, out_trade_no) > ({}, {})", p(3), p(4));
            }
            sql += " ORDER BY merchant_no, out_trade_no";
            return sql;
        }
        ListOrder::OldestFirst(field) => (time_column(field), "ASC", ">"),
        ListOrder::NewestFirst(field) => (time_column(field), "DESC", "<"),
    };
    let mut sql = format!(
        " AND {column} IS NOT NULL AND {column} >= {} AND {column} < {}",
        p(8),
        p(9)
    );
    if with_cursor {
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

/// The time range's bounds (`i64::MIN`, `i64::MAX` when open) for placeholders 8 and 9.
pub(crate) fn bounds(filter: &crate::list::ListFilter) -> (i64, i64) {
    filter
        .time_range
        .map(|r| (r.from, r.before))
        .unwrap_or((i64::MIN, i64::MAX))
}
