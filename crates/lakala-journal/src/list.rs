//! Which payments [`crate::PaymentJournal::list`] returns, in which order, and where the
//! next page starts.
//!
//! Three orders (see [`ListOrder`]):
//!
//! - **key order** (merchant, then `out_trade_no`), the default;
//! - **oldest first** by creation or finish time, chosen by a time range
//!   ([`ListFilter::created_in`], [`ListFilter::finished_in`]);
//! - **newest first** ([`ListFilter::newest_first`]), by creation time unless the range
//!   is by finish time.
//!
//! Ties in time are broken by key (ascending when oldest first, descending when newest
//! first), so every order is total and a page never repeats or skips a payment. Paging is
//! by keyset: [`ListFilter::page_after`] (or [`ListCursor::after`]) gives the position of
//! the last payment of a page, and the next page starts strictly after it; no offset is
//! ever counted. A [`ListCursor`] has a text form ([`ListCursor`]'s `Display` and
//! `FromStr`) for a person or a command line to pass back.
//!
//! What the SQL stores read for each listing (schema v4), and so which listings stay
//! fast whatever the size of the journal: [`ListFilter`].

use crate::error::JournalError;
use crate::payment::{PaymentKey, PaymentRecord};
use crate::status::PaymentStatus;
use crate::validation;
use std::fmt;
use std::str::FromStr;

/// Which of a payment's times a range or a time order goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeField {
    /// When the intent was written (`created_at`): every payment has one.
    Created,
    /// When it reached its final status (`finished_at`): payments that are not final
    /// have none and are never listed by it.
    Finished,
}

impl TimeField {
    /// A payment's time by this field, if it has one.
    pub fn of(self, record: &PaymentRecord) -> Option<i64> {
        match self {
            TimeField::Created => Some(record.created_at),
            TimeField::Finished => record.finished_at,
        }
    }
}

/// The order a listing returns payments in (what [`ListFilter::order`] says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListOrder {
    /// By key ascending: merchant, then `out_trade_no` (byte order).
    Key,
    /// By the time ascending, ties by key ascending.
    OldestFirst(TimeField),
    /// By the time descending, ties by key descending.
    NewestFirst(TimeField),
}

impl ListOrder {
    fn tag(self) -> &'static str {
        match self {
            ListOrder::Key => "k",
            ListOrder::OldestFirst(TimeField::Created) => "oc",
            ListOrder::OldestFirst(TimeField::Finished) => "of",
            ListOrder::NewestFirst(TimeField::Created) => "nc",
            ListOrder::NewestFirst(TimeField::Finished) => "nf",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        [
            ListOrder::Key,
            ListOrder::OldestFirst(TimeField::Created),
            ListOrder::OldestFirst(TimeField::Finished),
            ListOrder::NewestFirst(TimeField::Created),
            ListOrder::NewestFirst(TimeField::Finished),
        ]
        .into_iter()
        .find(|o| o.tag() == tag)
    }

    /// The time field it goes by (`None` for key order).
    pub fn time_field(self) -> Option<TimeField> {
        match self {
            ListOrder::Key => None,
            ListOrder::OldestFirst(f) | ListOrder::NewestFirst(f) => Some(f),
        }
    }
}

/// A half-open time range `[from, before)` in Unix seconds on one of a payment's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// Which time.
    pub field: TimeField,
    /// The first second in the range (`i64::MIN`: no lower bound).
    pub from: i64,
    /// The first second after the range (`i64::MAX`: no upper bound).
    pub before: i64,
}

/// Where the next page of a listing starts: the position of the last payment of the
/// previous page, in that listing's order. It continues a listing in any order (key,
/// oldest first, newest first); used with a filter in another order it is refused with
/// [`JournalError::InvalidInput`] (field `cursor`).
///
/// Its text form (`Display`, `FromStr`) is printable ASCII without spaces, for a person
/// or a command line to pass back: `k.<merchant hex>.<out_trade_no hex>` in key order,
/// `<order>.<seconds>.<merchant hex>.<out_trade_no hex>` in a time order (`oc`, `of`,
/// `nc`, `nf`: oldest or newest first, by creation or finish time). Identifiers are
/// hex-encoded (UTF-8 bytes) so any printable identifier survives the trip.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListCursor {
    order: ListOrder,
    time: Option<i64>,
    key: PaymentKey,
}

impl ListCursor {
    /// The position of `last` in `filter`'s order: pass it to
    /// [`ListFilter::continue_after`] for the next page. A time order needs the time
    /// `last` has by that order (every payment listed in it has one); a payment without
    /// it is [`JournalError::InvalidInput`].
    pub fn after(filter: &ListFilter, last: &PaymentRecord) -> Result<Self, JournalError> {
        let order = filter.order();
        let time = match order.time_field() {
            None => None,
            Some(field) => Some(field.of(last).ok_or_else(|| {
                JournalError::invalid("cursor", "the payment has no time in this order")
            })?),
        };
        Ok(Self {
            order,
            time,
            key: last.key.clone(),
        })
    }

    /// A position in key order: after `key`.
    pub fn after_key(key: PaymentKey) -> Self {
        Self {
            order: ListOrder::Key,
            time: None,
            key,
        }
    }

    /// The order it continues.
    pub fn order(&self) -> ListOrder {
        self.order
    }

    /// The time of the position (`None` in key order).
    pub fn time(&self) -> Option<i64> {
        self.time
    }

    /// The key of the position.
    pub fn key(&self) -> &PaymentKey {
        &self.key
    }

    /// Whether a payment at (`time`, `key`) comes after this position in its order.
    pub(crate) fn precedes(&self, time: Option<i64>, key: &PaymentKey) -> bool {
        match self.order {
            ListOrder::Key => *key > self.key,
            ListOrder::OldestFirst(_) => (time, key) > (self.time, &self.key),
            ListOrder::NewestFirst(_) => (time, key) < (self.time, &self.key),
        }
    }
}

impl fmt::Display for ListCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.order.tag())?;
        if let Some(time) = self.time {
            write!(f, ".{time}")?;
        }
        write!(
            f,
            ".{}.{}",
            hex(&self.key.merchant_no),
            hex(&self.key.out_trade_no)
        )
    }
}

impl FromStr for ListCursor {
    type Err = JournalError;

    /// Reads the text form back; anything else is [`JournalError::InvalidInput`]
    /// (field `cursor`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || JournalError::invalid("cursor", "not a listing cursor");
        if s.len() > 4 * validation::MAX_ID_LEN + 32 {
            return Err(bad());
        }
        let parts: Vec<&str> = s.split('.').collect();
        let order = ListOrder::from_tag(parts[0]).ok_or_else(bad)?;
        let (time, merchant, out) = match (order, parts.as_slice()) {
            (ListOrder::Key, [_, m, o]) => (None, m, o),
            (ListOrder::Key, _) => return Err(bad()),
            (_, [_, t, m, o]) => (Some(t.parse::<i64>().map_err(|_| bad())?), m, o),
            _ => return Err(bad()),
        };
        let key = PaymentKey::new(
            unhex(merchant).ok_or_else(bad)?,
            unhex(out).ok_or_else(bad)?,
        );
        key.validate()
            .map_err(|_| JournalError::invalid("cursor", "names an invalid payment key"))?;
        Ok(Self { order, time, key })
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// A filter for listing payments: which ones, in which order ([`ListFilter::order`]),
/// from where, how many.
///
/// # What is fast, and what walks
///
/// The SQL stores (schema v4) read a page of a listing from an index, starting at the
/// cursor, so that a page costs its own payments, never an offset or the journal:
///
/// - **key order**: the key; with only open statuses ([`ListFilter::open`],
///   [`ListFilter::unresolved`], any of `recorded`, `pending`, `unresolved`), the index
///   of the open payments in key order (`lakala_payments_open`); a merchant's payments
///   are a range of either. The conflicts ([`ListFilter::conflicts`]) and a payment's
///   companions ([`ListFilter::with_origin`]) have their own indexes.
/// - **by creation time** (oldest or newest first): the creation-time index
///   (`lakala_payments_created`), or with only open statuses the open payments' one
///   (`lakala_payments_open_created`), from the cursor's second within the range.
/// - **by finish time**: the finish-time index (`lakala_payments_finished`) within the
///   range. Open payments have no finish time and are never listed by it.
///
/// The time indexes hold only the time: the payments of one second are put in key order
/// by a sort of that second's payments (SQLite: `USE TEMP B-TREE FOR LAST 2 TERMS OF
/// ORDER BY`; PostgreSQL: `Incremental Sort`), cheap at any rate a journal is written.
/// PostgreSQL may also, by its statistics, read all the open payments through one open
/// index and sort them when there are few.
///
/// What walks: conditions the index read does not hold are checked on each payment it
/// yields, so a condition that few payments meet costs the payments walked past to fill
/// a page. Final statuses have no index (a status index would hold an entry for every
/// payment, nearly all final): a rare final status (`failed`, `revoked`) walks the key
/// index in key order, or the time index newest first, until a page is full: as far as
/// the whole journal when there are fewer matches than a page. Give it a time range
/// ([`ListFilter::created_in`], [`ListFilter::finished_in`]): the walk is then bounded
/// by the range (a day's payments, for a day). The same holds for a merchant in a time
/// order (the time index leads: fast when the merchant has many of the payments, a walk
/// of the range when few). A status that is common (`succeeded`) fills a page after a
/// few more payments than the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    /// Only these statuses; empty means every status.
    pub statuses: Vec<PaymentStatus>,
    /// Only this merchant.
    pub merchant_no: Option<String>,
    /// Only payments whose `conflict` is set (any status).
    pub conflicts_only: bool,
    /// Only the revokes and refunds of this original payment (their
    /// `origin_out_trade_no`); combine with [`ListFilter::with_merchant`].
    pub origin_out_trade_no: Option<String>,
    /// Only payments whose time is in this range; it also makes the order a time order.
    pub time_range: Option<TimeRange>,
    /// Newest first (by the range's time, creation time without a range).
    pub newest_first: bool,
    /// Start after this position (the last payment of the previous page).
    pub after: Option<ListCursor>,
    /// At most this many (at most [`crate::validation::MAX_BATCH`]).
    pub limit: usize,
}

impl ListFilter {
    /// Every payment, in key order, 100 at a time.
    pub fn all() -> Self {
        Self {
            statuses: Vec::new(),
            merchant_no: None,
            conflicts_only: false,
            origin_out_trade_no: None,
            time_range: None,
            newest_first: false,
            after: None,
            limit: 100,
        }
    }

    /// Payments that are not final (`recorded`, `pending`, `unresolved`).
    pub fn open() -> Self {
        Self {
            statuses: vec![
                PaymentStatus::Recorded,
                PaymentStatus::Pending,
                PaymentStatus::Unresolved,
            ],
            ..Self::all()
        }
    }

    /// Payments a person must look at (`unresolved`).
    pub fn unresolved() -> Self {
        Self {
            statuses: vec![PaymentStatus::Unresolved],
            ..Self::all()
        }
    }

    /// Payments the platform contradicted, marked for a person: every payment whose
    /// `conflict` is set, whatever its status.
    pub fn conflicts() -> Self {
        Self {
            conflicts_only: true,
            ..Self::all()
        }
    }

    /// Only payments created in `[from, before)` (Unix seconds, half-open: a day is
    /// `created_in(midnight, next_midnight)`), listed oldest first by creation time
    /// unless [`newest_first`](Self::newest_first) is set. `i64::MIN` / `i64::MAX` leave
    /// an end open. Replaces an earlier range.
    pub fn created_in(mut self, from: i64, before: i64) -> Self {
        self.time_range = Some(TimeRange {
            field: TimeField::Created,
            from,
            before,
        });
        self
    }

    /// Only payments that became final in `[from, before)` (Unix seconds, half-open),
    /// listed oldest first by finish time unless [`newest_first`](Self::newest_first) is
    /// set. Payments that are not final are never in it. Replaces an earlier range.
    pub fn finished_in(mut self, from: i64, before: i64) -> Self {
        self.time_range = Some(TimeRange {
            field: TimeField::Finished,
            from,
            before,
        });
        self
    }

    /// Newest first: by creation time descending (by finish time with
    /// [`finished_in`](Self::finished_in)), ties by key descending.
    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// Only the revokes and refunds whose `origin_out_trade_no` is `out_trade_no` (the
    /// companions of that payment); combine with [`ListFilter::with_merchant`].
    pub fn with_origin(mut self, out_trade_no: impl Into<String>) -> Self {
        self.origin_out_trade_no = Some(out_trade_no.into());
        self
    }

    /// Only these statuses.
    pub fn with_statuses(mut self, statuses: impl IntoIterator<Item = PaymentStatus>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Only this merchant.
    pub fn with_merchant(mut self, merchant_no: impl Into<String>) -> Self {
        self.merchant_no = Some(merchant_no.into());
        self
    }

    /// After this key, in key order (a listing in a time order needs
    /// [`page_after`](Self::page_after) or [`continue_after`](Self::continue_after)).
    pub fn after(mut self, key: PaymentKey) -> Self {
        self.after = Some(ListCursor::after_key(key));
        self
    }

    /// Continues after `cursor` (a position from a listing in the same order).
    pub fn continue_after(mut self, cursor: ListCursor) -> Self {
        self.after = Some(cursor);
        self
    }

    /// The filter for the page after the one that ended with `last`, in any order.
    pub fn page_after(&self, last: &PaymentRecord) -> Result<Self, JournalError> {
        Ok(self.clone().continue_after(ListCursor::after(self, last)?))
    }

    /// At most `limit`.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The order the payments come in: a time order when there is a range or
    /// [`newest_first`](Self::newest_first), key order otherwise.
    pub fn order(&self) -> ListOrder {
        let field = self
            .time_range
            .map(|r| r.field)
            .unwrap_or(TimeField::Created);
        match (self.newest_first, self.time_range) {
            (true, _) => ListOrder::NewestFirst(field),
            (false, Some(_)) => ListOrder::OldestFirst(field),
            (false, None) => ListOrder::Key,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        if let Some(m) = &self.merchant_no {
            validation::identifier("merchant_no", m)?;
        }
        if let Some(origin) = &self.origin_out_trade_no {
            validation::identifier("origin_out_trade_no", origin)?;
        }
        if let Some(after) = &self.after {
            after.key.validate()?;
            if after.order != self.order() {
                return Err(JournalError::invalid(
                    "cursor",
                    "it continues a listing in another order",
                ));
            }
        }
        Ok(())
    }

    /// Whether a payment passes the filter, position included (stores that filter in
    /// memory use it).
    pub(crate) fn admits(&self, record: &PaymentRecord) -> bool {
        let key = &record.key;
        let time = self.order().time_field().and_then(|f| f.of(record));
        (self.statuses.is_empty() || self.statuses.contains(&record.status))
            && self
                .merchant_no
                .as_ref()
                .is_none_or(|m| *m == key.merchant_no)
            && (!self.conflicts_only || record.conflict.is_some())
            && self
                .origin_out_trade_no
                .as_ref()
                .is_none_or(|o| record.origin_out_trade_no.as_ref() == Some(o))
            && self.time_range.is_none_or(|r| {
                r.field
                    .of(record)
                    .is_some_and(|t| t >= r.from && t < r.before)
            })
            && (self.order().time_field().is_none() || time.is_some())
            && self.after.as_ref().is_none_or(|c| c.precedes(time, key))
    }

    /// Sorts admitted payments into the filter's order (stores that filter in memory).
    pub(crate) fn sort(&self, records: &mut [PaymentRecord]) {
        let order = self.order();
        let field = order.time_field();
        records.sort_by(|a, b| {
            let a_pos = (field.and_then(|f| f.of(a)), &a.key);
            let b_pos = (field.and_then(|f| f.of(b)), &b.key);
            match order {
                ListOrder::NewestFirst(_) => b_pos.cmp(&a_pos),
                _ => a_pos.cmp(&b_pos),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_as_text() {
        let key = PaymentKey::new("822290059430001", "MP 1.二");
        for cursor in [
            ListCursor::after_key(key.clone()),
            ListCursor {
                order: ListOrder::NewestFirst(TimeField::Created),
                time: Some(-5),
                key: key.clone(),
            },
            ListCursor {
                order: ListOrder::OldestFirst(TimeField::Finished),
                time: Some(1_700_000_000),
                key,
            },
        ] {
            let text = cursor.to_string();
            assert!(text.chars().all(|c| c.is_ascii_graphic()), "{text}");
            assert_eq!(text.parse::<ListCursor>(), Ok(cursor));
        }
    }

    #[test]
    fn malformed_cursors_are_refused() {
        for text in [
            "",
            "x.00.00",
            "k.1.4d.4d",
            "nc.4d.4d",
            "nc.abc.4d.4d",
            "k.4.4d",
            "k..4d",
            "k.ff.4d",
            "k.0a.4d",
        ] {
            assert!(
                matches!(
                    text.parse::<ListCursor>(),
                    Err(JournalError::InvalidInput {
                        field: "cursor",
                        ..
                    })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn orders_follow_range_and_direction() {
        assert_eq!(ListFilter::all().order(), ListOrder::Key);
        assert_eq!(
            ListFilter::all().newest_first().order(),
            ListOrder::NewestFirst(TimeField::Created)
        );
        assert_eq!(
            ListFilter::all().created_in(0, 10).order(),
            ListOrder::OldestFirst(TimeField::Created)
        );
        assert_eq!(
            ListFilter::open().finished_in(0, 10).newest_first().order(),
            ListOrder::NewestFirst(TimeField::Finished)
        );
        let wrong = ListFilter::all()
            .newest_first()
            .after(PaymentKey::new("m", "o"));
        assert!(matches!(
            wrong.validate(),
            Err(JournalError::InvalidInput {
                field: "cursor",
                ..
            })
        ));
    }
}
