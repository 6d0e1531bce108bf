//! `/`: the payments, newest first, with filters and search, a page at a time (keyset
//! paging through [`ListFilter`]'s cursor: no offset is ever counted).

use crate::app::Shared;
use crate::html::{self, esc, url_part, Viewer};
use crate::session::Session;
use crate::time_text::{china_time, parse_yuan, yuan};
use crate::timeline::handled_conflict;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use lakala_client::china_day::ChinaDay;
use lakala_journal::{ListCursor, ListFilter, PaymentJournal, PaymentRecord, PaymentStatus};
use serde::Deserialize;
use std::fmt::Write;

/// Rows on a page.
const PAGE: usize = 50;
/// Payments looked at to fill a page when a filter the journal cannot apply (amount,
/// search without a merchant) leaves some out.
const SCAN_LIMIT: usize = 5_000;

/// The filters, as the form and the links carry them.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub merchant: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub after: String,
}

/// The filters read, or what is wrong with them.
struct Chosen {
    filter: ListFilter,
    min_fen: Option<i64>,
    max_fen: Option<i64>,
    search: Option<String>,
}

fn choose(q: &ListQuery) -> Result<Chosen, String> {
    let mut filter = match q.view.as_str() {
        "" | "all" => ListFilter::all(),
        "open" => ListFilter::open(),
        "unresolved" => ListFilter::unresolved(),
        "conflicts" => ListFilter::conflicts(),
        other => return Err(format!("no view {other:?}")),
    };
    if !q.day.is_empty() {
        let day: ChinaDay = q
            .day
            .parse()
            .map_err(|_| "day: give YYYY-MM-DD".to_owned())?;
        filter = filter.created_in(day.start_unix(), day.end_unix());
    }
    filter = filter.newest_first();
    if !q.merchant.trim().is_empty() {
        filter = filter.with_merchant(q.merchant.trim());
    }
    if !q.status.is_empty() {
        let status = PaymentStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == q.status)
            .ok_or_else(|| format!("no status {:?}", q.status))?;
        filter = filter.with_statuses([status]);
    }
    let amount = |text: &str, what: &str| -> Result<Option<i64>, String> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        parse_yuan(text)
            .map(Some)
            .ok_or_else(|| format!("{what}: give yuan, like 12.34"))
    };
    let min_fen = amount(&q.min, "minimum amount")?;
    let max_fen = amount(&q.max, "maximum amount")?;
    if !q.after.is_empty() {
        let cursor: ListCursor = q
            .after
            .parse()
            .map_err(|_| "the page link is not valid".to_owned())?;
        filter = filter.continue_after(cursor);
    }
    let search = Some(q.q.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(Chosen {
        filter,
        min_fen,
        max_fen,
        search,
    })
}

impl Chosen {
    fn admits(&self, r: &PaymentRecord) -> bool {
        let amount = r.amount_fen.unwrap_or(0);
        self.min_fen.is_none_or(|m| amount >= m)
            && self.max_fen.is_none_or(|m| amount <= m)
            && self.search.as_ref().is_none_or(|s| {
                r.key.out_trade_no.contains(s.as_str())
                    || r.origin_out_trade_no
                        .as_deref()
                        .is_some_and(|o| o.contains(s.as_str()))
                    || r.trade_no
                        .as_deref()
                        .is_some_and(|t| t.contains(s.as_str()))
            })
    }
}

/// One page: the rows shown and where the next page starts (`None`: the last page).
async fn one_page(
    journal: &dyn PaymentJournal,
    chosen: &Chosen,
) -> Result<(Vec<PaymentRecord>, Option<ListCursor>), lakala_journal::JournalError> {
    let mut filter = chosen.filter.clone().limit(PAGE.max(200));
    let mut rows = Vec::new();
    let mut scanned = 0;
    loop {
        let batch = journal.list(&filter).await?;
        let full = batch.len() == filter.limit;
        for record in &batch {
            scanned += 1;
            if chosen.admits(record) {
                rows.push(record.clone());
                if rows.len() == PAGE {
                    return Ok((rows, Some(ListCursor::after(&filter, record)?)));
                }
            }
        }
        let Some(last) = batch.last() else {
            return Ok((rows, None));
        };
        if !full {
            return Ok((rows, None));
        }
        if scanned >= SCAN_LIMIT {
            return Ok((rows, Some(ListCursor::after(&filter, last)?)));
        }
        filter = filter.page_after(last)?;
    }
}

pub(crate) async fn show(
    state: Shared,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Response {
    let app = state.0;
    let viewer = Viewer {
        identity: &session.identity,
        read_only: app.read_only,
        csrf: &session.csrf,
    };
    let chosen = match choose(&q) {
        Ok(c) => c,
        Err(why) => return html::message(StatusCode::BAD_REQUEST, "not a filter", &why),
    };
    let (rows, next) = match one_page(app.journal.as_ref(), &chosen).await {
        Ok(page) => page,
        Err(e) => {
            return html::message(
                StatusCode::SERVICE_UNAVAILABLE,
                "the journal did not answer",
                &e.to_string(),
            )
        }
    };
    let mut body = String::new();
    let title = match q.view.as_str() {
        "open" => "open payments",
        "unresolved" => "unresolved payments (a person must look)",
        "conflicts" => "conflicts (the platform contradicted the journal)",
        _ => "payments",
    };
    let _ = write!(body, "<h1>{}</h1>", esc(title));
    body.push_str(&filter_form(&q));
    body.push_str(
        r#"<table id="payments"><thead><tr><th>created</th><th>order</th><th>merchant</th><th>kind</th><th class="num">amount (yuan)</th><th>status</th><th>outcome / reason</th><th class="num">queries</th></tr></thead><tbody id="rows">"#,
    );
    for record in &rows {
        let handled = if record.conflict.is_some() {
            app.journal
                .events(&record.key)
                .await
                .map(|events| handled_conflict(&events))
                .unwrap_or(false)
        } else {
            false
        };
        body.push_str(&row_html(record, handled));
    }
    if rows.is_empty() {
        body.push_str(
            r#"<tr id="no-rows"><td colspan="8" class="muted">no payment matches</td></tr>"#,
        );
    }
    body.push_str("</tbody></table>");
    if let Some(cursor) = next {
        let mut link = q.clone();
        link.after = cursor.to_string();
        let _ = write!(
            body,
            r#"<p class="pager"><a id="next-page" href="/?{}">next page →</a></p>"#,
            esc(&query_text(&link))
        );
    }
    // Live rows only on the first page of the unfiltered newest-first list.
    let live = (q.after.is_empty()
        && q.day.is_empty()
        && q.q.is_empty()
        && q.min.is_empty()
        && q.max.is_empty()
        && q.status.is_empty()
        && q.merchant.is_empty()
        && matches!(q.view.as_str(), "" | "all"))
    .then_some("/live");
    html::page(title, &viewer, live, &body)
}

/// The query string of `q`, empty fields left out.
pub(crate) fn query_text(q: &ListQuery) -> String {
    [
        ("view", &q.view),
        ("day", &q.day),
        ("merchant", &q.merchant),
        ("status", &q.status),
        ("min", &q.min),
        ("max", &q.max),
        ("q", &q.q),
        ("after", &q.after),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", url_part(v)))
    .collect::<Vec<_>>()
    .join("&")
}

fn filter_form(q: &ListQuery) -> String {
    let option = |value: &str, label: &str, current: &str| {
        format!(
            r#"<option value="{}"{}>{}</option>"#,
            esc(value),
            if value == current { " selected" } else { "" },
            esc(label)
        )
    };
    let views: String = [
        ("", "every payment"),
        ("open", "open"),
        ("unresolved", "unresolved"),
        ("conflicts", "conflicts"),
    ]
    .iter()
    .map(|(v, l)| option(v, l, &q.view))
    .collect();
    let statuses: String = std::iter::once(option("", "any", &q.status))
        .chain(
            PaymentStatus::ALL
                .iter()
                .map(|s| option(s.as_str(), s.as_str(), &q.status)),
        )
        .collect();
    format!(
        r#"<form class="filters" method="get" action="/" id="filters">
<label>view <select name="view" id="f-view">{views}</select></label>
<label>day <input type="date" name="day" id="f-day" value="{day}"></label>
<label>merchant <input name="merchant" id="f-merchant" value="{merchant}" size="16"></label>
<label>status <select name="status" id="f-status">{statuses}</select></label>
<label>amount from <input name="min" id="f-min" value="{min}" size="7" inputmode="decimal"></label>
<label>to <input name="max" id="f-max" value="{max}" size="7" inputmode="decimal"></label>
<label>order number <input name="q" id="f-q" value="{search}" size="22" type="search"></label>
<button type="submit" id="f-apply">show</button> <a href="/">clear</a></form>"#,
        day = esc(&q.day),
        merchant = esc(&q.merchant),
        min = esc(&q.min),
        max = esc(&q.max),
        search = esc(&q.q),
    )
}

/// Whether `key` can name a journaled payment (the journal checks it again): both parts
/// non-empty, printable, at most [`lakala_journal::validation::MAX_ID_LEN`] bytes.
pub(crate) fn plausible_key(key: &lakala_journal::PaymentKey) -> bool {
    [&key.merchant_no, &key.out_trade_no].iter().all(|part| {
        !part.is_empty()
            && part.len() <= lakala_journal::validation::MAX_ID_LEN
            && !part.chars().any(char::is_control)
    })
}

/// The element id of a payment's row.
pub(crate) fn row_id(record: &PaymentRecord) -> String {
    format!(
        "row-{}-{}",
        hex::encode(&record.key.merchant_no),
        hex::encode(&record.key.out_trade_no)
    )
}

/// The link to a payment's page.
pub(crate) fn payment_href(merchant: &str, out_trade_no: &str) -> String {
    format!("/payment/{}/{}", url_part(merchant), url_part(out_trade_no))
}

/// A status as a badge.
pub(crate) fn status_badge(status: PaymentStatus) -> String {
    format!(
        r#"<span class="badge s-{s}">{s}</span>"#,
        s = status.as_str()
    )
}

/// One row of the table (also sent live).
pub(crate) fn row_html(r: &PaymentRecord, handled: bool) -> String {
    let conflict = match (&r.conflict, handled) {
        (Some(_), false) => r#" <span class="badge conflict">conflict</span>"#,
        (Some(_), true) => r#" <span class="badge handled">conflict handled</span>"#,
        _ => "",
    };
    let why = r
        .outcome
        .as_deref()
        .or(r.reason.as_deref())
        .unwrap_or_default();
    let origin = r
        .origin_out_trade_no
        .as_deref()
        .map(|o| format!(r#"<br><span class="muted">of {}</span>"#, esc(o)))
        .unwrap_or_default();
    format!(
        r#"<tr id="{id}" data-status="{status}"><td>{created}</td><td><a href="{href}">{out}</a>{origin}</td><td>{merchant}</td><td>{kind}</td><td class="num">{amount}</td><td>{badge}{conflict}</td><td>{why}</td><td class="num">{attempts}</td></tr>"#,
        id = row_id(r),
        status = r.status.as_str(),
        created = china_time(r.created_at),
        href = esc(&payment_href(&r.key.merchant_no, &r.key.out_trade_no)),
        out = esc(&r.key.out_trade_no),
        merchant = esc(&r.key.merchant_no),
        kind = r.kind.as_str(),
        amount = r.amount_fen.map(yuan).unwrap_or_default(),
        badge = status_badge(r.status),
        why = esc(why),
        attempts = r.attempts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filters_are_named() {
        let q = |f: fn(&mut ListQuery)| {
            let mut q = ListQuery::default();
            f(&mut q);
            choose(&q).err().unwrap_or_default()
        };
        assert!(q(|q| q.view = "everything".into()).contains("view"));
        assert!(q(|q| q.day = "2026-13-01".into()).contains("day"));
        assert!(q(|q| q.status = "paid".into()).contains("status"));
        assert!(q(|q| q.min = "1,5".into()).contains("minimum"));
        assert!(q(|q| q.after = "x".into()).contains("page link"));
        assert_eq!(q(|q| q.day = "2026-12-02".into()), "");
    }
}
