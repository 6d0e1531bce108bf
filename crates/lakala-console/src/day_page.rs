//! `/day/{YYYY-MM-DD}`: one China day — how many payments, how they ended, how long they
//! took, how many went pending — as server-drawn charts, and links to the day's lists.

use crate::app::Shared;
use crate::day_chart::{self, Buckets, PENDING_AFTER_SECS};
use crate::html::{self, esc, Viewer};
use crate::session::Session;
use crate::time_text::yuan;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use lakala_client::china_day::ChinaDay;
use lakala_journal::{ListFilter, PaymentKind, PaymentRecord};
use std::fmt::Write;

/// Payments drawn at most (a day beyond it is drawn from its first ones, and says so).
const DAY_LIMIT: usize = 50_000;

pub(crate) async fn today(state: Shared) -> Response {
    let day = ChinaDay::of_unix(state.0.now());
    Redirect::to(&format!("/day/{day}")).into_response()
}

pub(crate) async fn show(
    state: Shared,
    Extension(session): Extension<Session>,
    Path(date): Path<String>,
) -> Response {
    let app = state.0;
    let Ok(day) = date.parse::<ChinaDay>() else {
        return html::message(
            StatusCode::BAD_REQUEST,
            "not a day",
            "give the day as YYYY-MM-DD",
        );
    };
    let mut filter = ListFilter::all()
        .created_in(day.start_unix(), day.end_unix())
        .limit(1000);
    let mut records: Vec<PaymentRecord> = Vec::new();
    loop {
        let page = match app.journal.list(&filter).await {
            Ok(p) => p,
            Err(e) => {
                return html::message(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the journal did not answer",
                    &e.to_string(),
                )
            }
        };
        let full = page.len() == filter.limit;
        let Some(last) = page.last().cloned() else {
            break;
        };
        records.extend(
            page.into_iter()
                .filter(|r| matches!(r.kind, PaymentKind::Micropay | PaymentKind::Preorder)),
        );
        if !full || records.len() >= DAY_LIMIT {
            break;
        }
        match filter.page_after(&last) {
            Ok(f) => filter = f,
            Err(_) => break,
        }
    }
    let viewer = Viewer {
        identity: &session.identity,
        read_only: app.read_only,
        csrf: &session.csrf,
    };
    let count = |f: &dyn Fn(&PaymentRecord) -> bool| records.iter().filter(|r| f(r)).count();
    let open = count(&|r| !r.status.is_final());
    let unresolved = count(&|r| r.status.as_str() == "unresolved");
    let conflicts = count(&|r| r.conflict.is_some());
    let succeeded: i64 = records
        .iter()
        .filter(|r| r.status.as_str() == "succeeded")
        .filter_map(|r| r.amount_fen)
        .sum();
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<h1>{day}</h1><p class="pager"><a id="prev-day" href="/day/{prev}">← {prev}</a> · <a id="next-day" href="/day/{next}">{next} →</a></p>
<table id="day-summary"><tbody>
<tr><th>payments</th><td class="num" id="sum-payments">{n}</td><td><a href="/?day={day}">list them</a></td></tr>
<tr><th>open</th><td class="num" id="sum-open">{open}</td><td><a href="/?view=open&amp;day={day}">list</a></td></tr>
<tr><th>unresolved</th><td class="num" id="sum-unresolved">{unresolved}</td><td><a href="/?view=unresolved&amp;day={day}">list</a></td></tr>
<tr><th>conflicts</th><td class="num" id="sum-conflicts">{conflicts}</td><td><a href="/?view=conflicts&amp;day={day}">list</a></td></tr>
<tr><th>succeeded amount</th><td class="num">{amount} yuan</td><td></td></tr>
</tbody></table>"#,
        prev = day.previous(),
        next = day.next(),
        n = records.len(),
        amount = yuan(succeeded),
    );
    if records.len() >= DAY_LIMIT {
        let _ = write!(
            body,
            r#"<p class="notice">the charts show the first {DAY_LIMIT} payments of the day</p>"#
        );
    }
    match Buckets::of(&records) {
        None => body.push_str(r#"<p class="muted" id="no-charts">no payment that day</p>"#),
        Some(b) => {
            let _ = write!(
                body,
                r#"<div class="charts"><figure><figcaption>payments {unit} by outcome</figcaption>{a}</figure><figure><figcaption>time to final</figcaption>{c}</figure><figure><figcaption>pending share {unit} (not final {PENDING_AFTER_SECS} s after they were written)</figcaption>{d}</figure></div>"#,
                unit = esc(&b.unit()),
                a = day_chart::per_minute(&records, &b),
                c = day_chart::time_to_final(&records),
                d = day_chart::pending_share(&records, &b),
            );
        }
    }
    html::page(&day.to_string(), &viewer, None, &body)
}
