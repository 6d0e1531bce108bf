//! The developer page, `GET /_dev` (loopback clients only): the requests the sandbox
//! received with each check's result and its answer ([`crate::request_log`]), the orders
//! and their states, the notifications and their deliveries with a redeliver button
//! (`POST /_dev/redeliver`), and the deterministic scenario table. No script; nothing is
//! loaded from elsewhere (a strict Content-Security-Policy).

use crate::api::{error_response, HttpResponse};
use crate::behaviour::{auth_codes, preorder_amounts, refund_amounts, AUTH_CODES};
use crate::delivery::DeliveryStatus;
use crate::notify;
use crate::request_log::{CheckResult, CHECKS};
use crate::shared::{lock, Shared};
use crate::state::NotifyJob;
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use lakala_crypto::format_china_time;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;

/// The page's path; the redeliver action is under it.
pub(crate) const PATH: &str = "/_dev";
const REDELIVER: &str = "/_dev/redeliver";
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, CSP)
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-content-type-options", "nosniff")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Whether `path` is the page's.
pub(crate) fn is_dev_path(path: &str) -> bool {
    path == PATH || path == REDELIVER
}

/// Serves the page and its action.
pub(crate) async fn route(
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    request: Request<Incoming>,
) -> HttpResponse {
    if !peer.is_some_and(|p| p.ip().is_loopback()) {
        return error_response(
            None,
            StatusCode::FORBIDDEN,
            crate::control::codes::NOT_LOOPBACK,
            "the developer page answers loopback clients only",
        );
    }
    let path = request.uri().path().to_owned();
    match (request.method().clone(), path.as_str()) {
        (Method::GET, PATH) => html(StatusCode::OK, page(&shared)),
        (Method::POST, REDELIVER) => redeliver(&shared, request).await,
        _ => error_response(
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            crate::behaviour::codes::METHOD_NOT_ALLOWED,
            "GET /_dev, POST /_dev/redeliver",
        ),
    }
}

async fn redeliver(shared: &Arc<Shared>, request: Request<Incoming>) -> HttpResponse {
    // A form from this page only (a browser says where a POST comes from).
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let origin_ok = match request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(origin) => {
            host.is_some_and(|h| origin.split_once("://").is_some_and(|(_, rest)| rest == h))
        }
    };
    if !origin_ok {
        return html(
            StatusCode::FORBIDDEN,
            "<p>a request from another site</p>".into(),
        );
    }
    let body = match Limited::new(request.into_body(), 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return html(StatusCode::BAD_REQUEST, "<p>unreadable form</p>".into()),
    };
    let index: Option<usize> = std::str::from_utf8(&body)
        .ok()
        .and_then(|t| t.split('&').find_map(|kv| kv.strip_prefix("index=")))
        .and_then(|v| v.parse().ok());
    let job = index.and_then(|i| {
        let delivery = lock(&shared.deliveries).get(i).cloned()?;
        let key = (delivery.merchant_no.clone(), delivery.out_trade_no.clone());
        let order = shared.state().orders.get(&key).cloned()?;
        Some(NotifyJob {
            url: delivery.url,
            order,
        })
    });
    let Some(job) = job else {
        return html(StatusCode::NOT_FOUND, "<p>no such notification</p>".into());
    };
    let s = Arc::clone(shared);
    shared.spawn(notify::deliver(s, job));
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, PATH)
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// `HH:MM:SS` of a China time.
fn clock(unix: i64) -> String {
    let t = format_china_time(unix);
    format!("{}:{}:{}", &t[8..10], &t[10..12], &t[12..14])
}

fn mark(result: CheckResult) -> &'static str {
    match result {
        CheckResult::Passed => r#"<td class="ok" title="passed">✓</td>"#,
        CheckResult::Failed => r#"<td class="bad" title="failed">✗</td>"#,
        CheckResult::NotRun => r#"<td class="skip" title="not run">–</td>"#,
    }
}

fn page(shared: &Shared) -> String {
    let mut out = String::from(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>lakala sandbox</title><style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}header{background:#1d2330;color:#fff;padding:.6em 1.2em;font-weight:700}
main{padding:1em 1.2em}table{border-collapse:collapse;background:#fff;border:1px solid #d9dee7;margin-bottom:1.4em;width:100%}th,td{padding:.3em .5em;border-bottom:1px solid #d9dee7;text-align:left;vertical-align:top}
th{background:#eef1f5}td.ok{color:#2e7d32;font-weight:700;text-align:center}td.bad{color:#fff;background:#c62828;font-weight:700;text-align:center}td.skip{color:#98a2b3;text-align:center}
tr.refused{background:#fff3f3}code{font-size:12px}button{background:#1565c0;color:#fff;border:0;border-radius:3px;padding:.2em .8em}h2{font-size:16px}</style></head><body>
<header>lakala sandbox · developer page</header><main>"#,
    );
    let _ = write!(
        out,
        "<p>base URL <code>{}</code> · times in China time · reload to see new requests</p>",
        esc(&shared.base_url)
    );
    // Requests.
    out.push_str(r#"<h2>requests received (newest first)</h2><table id="requests"><thead><tr><th>#</th><th>time</th><th>path</th><th>order</th>"#);
    for check in CHECKS {
        let _ = write!(out, "<th>{check}</th>");
    }
    out.push_str("<th>HTTP</th><th>answer</th></tr></thead><tbody>");
    for r in lock(&shared.requests).newest_first() {
        let refused = r.checks.is_some_and(|c| c.contains(&CheckResult::Failed));
        let _ = write!(
            out,
            r#"<tr id="req-{seq}"{cls}><td>{seq}</td><td>{time}</td><td><code>{path}</code></td><td>{order}</td>"#,
            seq = r.seq,
            cls = if refused { r#" class="refused""# } else { "" },
            time = clock(r.at),
            path = esc(&r.path),
            order = esc(r.out_trade_no.as_deref().unwrap_or("")),
        );
        match r.checks {
            Some(checks) => checks.iter().for_each(|c| out.push_str(mark(*c))),
            None => {
                let _ = write!(
                    out,
                    r#"<td colspan="{}" class="skip">cross-border envelope: see the answer</td>"#,
                    CHECKS.len()
                );
            }
        }
        let _ = write!(
            out,
            r#"<td>{}</td><td class="answer"><code>{}</code> {}</td></tr>"#,
            r.status,
            esc(&r.code),
            esc(&r.msg)
        );
    }
    out.push_str("</tbody></table>");
    // Orders.
    out.push_str(r#"<h2>orders</h2><table id="orders"><thead><tr><th>merchant</th><th>order</th><th>trade_no</th><th>type</th><th>wallet</th><th>amount (fen)</th><th>refunded</th><th>state</th><th>since</th></tr></thead><tbody>"#);
    {
        let state = shared.state();
        let mut orders: Vec<_> = state.orders.values().collect();
        orders.sort_by_key(|o| std::cmp::Reverse(o.trade_time));
        for o in orders {
            let (trade_state, desc) = o.trade_state();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><b>{}</b> {}</td><td>{}</td></tr>",
                esc(&o.merchant_no), esc(&o.out_trade_no), esc(&o.trade_no), o.main_type, esc(&o.account_type),
                o.total, o.refunded, trade_state, desc, clock(o.trade_time),
            );
        }
    }
    out.push_str("</tbody></table>");
    // Notifications.
    out.push_str(r#"<h2>notifications</h2><table id="notifications"><thead><tr><th>order</th><th>trade state</th><th>to</th><th>attempts</th><th>delivery</th><th></th></tr></thead><tbody>"#);
    for (i, d) in lock(&shared.deliveries).iter().enumerate() {
        let status = match &d.status {
            DeliveryStatus::InProgress => "in progress".to_owned(),
            DeliveryStatus::Delivered => "delivered".to_owned(),
            DeliveryStatus::GaveUp { last_error } => format!("gave up: {last_error}"),
            DeliveryStatus::Refused { reason } => format!("not sent: {reason}"),
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td><form method="post" action="{REDELIVER}"><input type="hidden" name="index" value="{i}"><button type="submit">redeliver</button></form></td></tr>"#,
            esc(&d.out_trade_no),
            esc(&d.trade_state),
            esc(&d.url),
            d.attempts,
            esc(&status),
        );
    }
    out.push_str("</tbody></table>");
    // Scenarios.
    out.push_str(r#"<h2>scenarios (deterministic)</h2><table id="scenarios"><thead><tr><th>input</th><th>value</th><th>what the sandbox does</th></tr></thead><tbody>"#);
    let rows: [(&str, String, &str); 16] = [
        (
            "micropay auth_code",
            auth_codes::SUCCEED.into(),
            "Alipay, succeeds at once",
        ),
        (
            "micropay auth_code",
            auth_codes::SUCCEED_WECHAT.into(),
            "WeChat, succeeds at once",
        ),
        (
            "micropay auth_code",
            auth_codes::PENDING_THEN_SUCCEED.into(),
            "pending, then succeeds after the pending delay",
        ),
        (
            "micropay auth_code",
            auth_codes::PENDING_THEN_FAIL.into(),
            "pending, then fails after the pending delay",
        ),
        (
            "micropay auth_code",
            auth_codes::PENDING_UNTIL_REVOKED.into(),
            "pending until revoked",
        ),
        (
            "micropay auth_code",
            auth_codes::PAYING_THEN_SUCCEED.into(),
            "BBS10000 (paying), then succeeds",
        ),
        (
            "micropay auth_code",
            auth_codes::PENDING_THEN_CLOSE.into(),
            "pending, then closed unpaid",
        ),
        (
            "micropay auth_code",
            auth_codes::PENDING_REVOKE_INCONCLUSIVE.into(),
            "pending; the first revoke is inconclusive",
        ),
        (
            "micropay auth_code",
            auth_codes::SLOW_ANSWER_THEN_QUERY_TIMEOUT.into(),
            "answered late; the first query times out",
        ),
        (
            "micropay auth_code",
            auth_codes::INSUFFICIENT_BALANCE.into(),
            "declined: insufficient balance",
        ),
        (
            "micropay auth_code",
            auth_codes::EXPIRED_CODE.into(),
            "declined: expired payment code",
        ),
        (
            "refund amount (fen)",
            refund_amounts::DEAL.to_string(),
            "answered DEAL, stays DEAL",
        ),
        (
            "refund amount (fen)",
            refund_amounts::DEAL_THEN_DONE.to_string(),
            "DEAL, then SUCCESS",
        ),
        (
            "pre-order amount (fen)",
            preorder_amounts::PAID.to_string(),
            "paid after the pending delay",
        ),
        (
            "pre-order amount (fen)",
            preorder_amounts::NEVER_PAID.to_string(),
            "never paid: expires (CLOSE)",
        ),
        (
            "pre-order amount (fen)",
            preorder_amounts::FAILS.to_string(),
            "the payment fails after the pending delay",
        ),
    ];
    for (input, value, what) in rows {
        let _ = write!(
            out,
            "<tr><td>{input}</td><td><code>{}</code></td><td>{what}</td></tr>",
            esc(&value)
        );
    }
    for (code, msg) in AUTH_CODES {
        let _ = write!(
            out,
            "<tr><td>gate/auth certNo ending</td><td><code>{code}</code></td><td>{msg}</td></tr>"
        );
    }
    out.push_str("</tbody></table></main></body></html>");
    out
}
