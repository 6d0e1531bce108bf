//! `/payment/{merchant}/{out_trade_no}`: one payment — the journal's view of it, its
//! companions, its lease, its timeline, on request the platform's trade query next to the
//! journal's view, and the actions a person may take.

use crate::action_form;
use crate::app::{App, Shared};
use crate::html::{self, esc, Viewer};
use crate::list_page::{payment_href, status_badge};
use crate::session::Session;
use crate::time_text::{china_time, duration, yuan};
use crate::timeline::{entry_html, handled_conflict};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use lakala_journal::{ListFilter, PaymentKey, PaymentRecord};
use lakala_types::mask::mask_json;
use lakala_types::micropay::TradeQueryRequest;
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PaymentQuery {
    #[serde(default)]
    query: String,
    #[serde(default)]
    done: String,
}

pub(crate) async fn show(
    state: Shared,
    Extension(session): Extension<Session>,
    Path((merchant, out_trade_no)): Path<(String, String)>,
    Query(q): Query<PaymentQuery>,
) -> Response {
    let app = state.0;
    let key = PaymentKey::new(merchant, out_trade_no);
    if !crate::list_page::plausible_key(&key) {
        return html::message(
            StatusCode::BAD_REQUEST,
            "not a payment",
            "that is not a payment key",
        );
    }
    let record = match app.journal.payment(&key).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return html::message(
                StatusCode::NOT_FOUND,
                "no such payment",
                "the journal has no payment by that number",
            )
        }
        Err(e) => {
            return html::message(
                StatusCode::SERVICE_UNAVAILABLE,
                "the journal did not answer",
                &e.to_string(),
            )
        }
    };
    let events = app.journal.events(&key).await.unwrap_or_default();
    let viewer = Viewer {
        identity: &session.identity,
        read_only: app.read_only,
        csrf: &session.csrf,
    };
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<h1>{kind} <span id="order">{out}</span> <span id="status">{badge}</span></h1>"#,
        kind = record.kind.as_str(),
        out = esc(&key.out_trade_no),
        badge = status_badge(record.status),
    );
    if !q.done.is_empty() {
        let _ = write!(body, r#"<p class="notice" id="done">{}</p>"#, esc(&q.done));
    }
    if let Some(conflict) = &record.conflict {
        let handled = if handled_conflict(&events) {
            " — marked handled (see the timeline)"
        } else {
            " — a person must look"
        };
        let _ = write!(
            body,
            r#"<p class="notice bad" id="conflict">conflict: {}{handled}</p>"#,
            esc(conflict)
        );
    }
    body.push_str(r#"<div class="grid">"#);
    body.push_str(&journal_card(&record));
    if q.query == "1" {
        body.push_str(&platform_card(&app, &record).await);
    } else {
        let _ = write!(
            body,
            r#"<section class="card" id="platform"><h2>the platform's view</h2><p><a id="query-platform" href="{}?query=1">query the platform now</a> (a trade query; read-only, nothing is journaled)</p></section>"#,
            esc(&payment_href(&key.merchant_no, &key.out_trade_no))
        );
    }
    body.push_str("</div>");
    body.push_str(&companions(&app, &record).await);
    if !app.read_only {
        body.push_str(&action_form::forms(
            &record,
            &session.csrf,
            app.client.is_some(),
        ));
    }
    let _ = write!(
        body,
        r#"<h2>timeline ({} events)</h2><ol class="timeline" id="timeline">"#,
        events.len()
    );
    for event in &events {
        body.push_str(&entry_html(event));
    }
    body.push_str("</ol>");
    let last_seq = events.last().map(|e| e.seq).unwrap_or(0);
    let live = format!(
        "/live?merchant={}&out_trade_no={}&seq={last_seq}",
        crate::html::url_part(&key.merchant_no),
        crate::html::url_part(&key.out_trade_no)
    );
    html::page(&key.out_trade_no, &viewer, Some(&live), &body)
}

fn journal_card(r: &PaymentRecord) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("merchant", r.key.merchant_no.clone()),
        ("terminal", r.term_no.clone()),
        ("status", r.status.as_str().to_owned()),
        (
            "amount",
            r.amount_fen
                .map(|f| format!("{} yuan", yuan(f)))
                .unwrap_or_else(|| "—".into()),
        ),
        ("trade_no", r.trade_no.clone().unwrap_or_else(|| "—".into())),
        (
            "last trade state",
            r.last_trade_state.clone().unwrap_or_else(|| "—".into()),
        ),
        ("outcome", r.outcome.clone().unwrap_or_else(|| "—".into())),
        ("reason", r.reason.clone().unwrap_or_else(|| "—".into())),
        (
            "payment code",
            r.masked_auth_code.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            "created",
            format!("{} by {}", china_time(r.created_at), r.created_by),
        ),
        ("updated", china_time(r.updated_at)),
        ("queries", r.attempts.to_string()),
    ];
    if let Some(origin) = &r.origin_out_trade_no {
        rows.insert(0, ("of payment", origin.clone()));
    }
    if let Some(f) = r.finished_at {
        rows.push((
            "final",
            format!("{} (after {})", china_time(f), duration(f - r.created_at)),
        ));
    }
    if let Some(next) = r.next_check_at {
        rows.push(("next check", china_time(next)));
    }
    let lease = match (&r.lease_owner, r.lease_until) {
        (Some(owner), Some(until)) => format!(
            "{owner} until {} (token {})",
            china_time(until),
            r.lease_token
        ),
        _ => format!("none (last token {})", r.lease_token),
    };
    rows.push(("lease", lease));
    let mut out =
        String::from(r#"<section class="card" id="journal-view"><h2>the journal's view</h2><dl>"#);
    for (k, v) in rows {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    out.push_str("</dl></section>");
    out
}

/// The platform's answer to a trade query, beside the journal's view.
async fn platform_card(app: &App, r: &PaymentRecord) -> String {
    let head =
        r#"<section class="card" id="platform"><h2>the platform's view (trade query, now)</h2>"#;
    let Some(client) = &app.client else {
        return format!(
            r#"{head}<p class="notice" id="platform-unavailable">unavailable: the console was started without a client configuration (<code>--config</code>), so it cannot ask the platform.</p></section>"#
        );
    };
    let out_trade_no = r
        .origin_out_trade_no
        .clone()
        .unwrap_or_else(|| r.key.out_trade_no.clone());
    let request = TradeQueryRequest::builder()
        .merchant_no(r.key.merchant_no.clone())
        .term_no(r.term_no.clone())
        .out_trade_no(out_trade_no)
        .build();
    let request = match request {
        Ok(req) => req,
        Err(e) => {
            return format!(
                r#"{head}<p class="notice bad">cannot ask: {}</p></section>"#,
                esc(&e.to_string())
            )
        }
    };
    match client.trade_query(request).await {
        Ok(answer) => {
            let mut value = serde_json::to_value(&answer.value).unwrap_or(Value::Null);
            mask_json(&mut value);
            let resp = value.get("resp_data").cloned().unwrap_or(Value::Null);
            let field = |name: &str| {
                resp.get(name)
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .unwrap_or_else(|| "—".into())
            };
            let code = value.get("code").and_then(Value::as_str).unwrap_or("—");
            let state = field("trade_state");
            let platform_final = ["SUCCESS", "FAIL", "CLOSE", "REFUND"].contains(&state.as_str());
            let agrees = match (r.last_trade_state.as_deref(), state.as_str()) {
                (_, "—") => "the platform gave no trade state",
                (Some(mine), theirs) if mine == theirs => {
                    "agrees with the journal's last trade state"
                }
                _ if !r.status.is_final() && platform_final => {
                    "the platform has it final and the journal does not yet: resolve now settles it"
                }
                _ => "differs from the journal: a reconciliation marks it for a person",
            };
            format!(
                r#"{head}<dl><dt>code</dt><dd id="platform-code">{code}</dd><dt>trade state</dt><dd id="platform-state">{state}</dd><dt>trade_no</dt><dd>{trade_no}</dd><dt>amount (fen)</dt><dd>{amount}</dd><dt>comparison</dt><dd>{agrees}</dd></dl><pre>{json}</pre></section>"#,
                code = esc(code),
                state = esc(&state),
                trade_no = esc(&field("trade_no")),
                amount = esc(&field("total_amount")),
                agrees = esc(agrees),
                json = esc(&value.to_string()),
            )
        }
        Err(e) => format!(
            r#"{head}<p class="notice bad" id="platform-error">the query did not answer: {}</p></section>"#,
            esc(&e.to_string())
        ),
    }
}

/// The revokes and refunds of a payment, or the payment a companion belongs to.
async fn companions(app: &App, r: &PaymentRecord) -> String {
    let mut out = String::new();
    if let Some(origin) = &r.origin_out_trade_no {
        let _ = write!(
            out,
            r#"<p>of payment <a id="origin" href="{}">{}</a></p>"#,
            esc(&payment_href(&r.key.merchant_no, origin)),
            esc(origin)
        );
        return out;
    }
    let filter = ListFilter::all()
        .with_merchant(r.key.merchant_no.clone())
        .with_origin(r.key.out_trade_no.clone())
        .limit(100);
    let Ok(list) = app.journal.list(&filter).await else {
        return out;
    };
    if list.is_empty() {
        return out;
    }
    out.push_str(
        r#"<h2>revokes and refunds</h2><table id="companions"><tbody id="companion-rows">"#,
    );
    for c in &list {
        out.push_str(&crate::list_page::row_html(c, false));
    }
    out.push_str("</tbody></table>");
    out
}
