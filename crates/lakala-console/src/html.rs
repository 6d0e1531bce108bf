//! HTML text: escaping, the page frame every page shares, the security headers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// The Content-Security-Policy of every answer: nothing from anywhere but the console
/// itself, no inline script or style, no frames, forms posting only here.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `text` safe inside HTML text and double-quoted attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as one path segment or query value (percent-encoded, unreserved characters kept).
pub(crate) fn url_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Who is looking, for the page header.
pub(crate) struct Viewer<'a> {
    /// The login identity.
    pub identity: &'a str,
    /// Whether actions are hidden.
    pub read_only: bool,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: &'a str,
}

/// A whole page: the frame, the navigation, `body`.
pub(crate) fn page(title: &str, viewer: &Viewer<'_>, live: Option<&str>, body: &str) -> Response {
    let mode = if viewer.read_only {
        r#"<span class="badge ro" id="read-only">read-only</span>"#
    } else {
        ""
    };
    let live = live
        .map(|url| format!(r#" data-live="{}""#, esc(url)))
        .unwrap_or_default();
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · lakala console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head><body{live}>
<header><a class="brand" href="/">lakala console</a>
<nav><a href="/">payments</a> <a href="/?view=open">open</a> <a href="/?view=unresolved">unresolved</a> <a href="/?view=conflicts">conflicts</a> <a href="/day">today</a></nav>
<span class="who">{mode} signed in as <b id="identity">{who}</b></span>
<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" id="sign-out">sign out</button></form></header>
<main>
{body}
</main>
<footer>times in China time (UTC+8) · personal data masked · <span id="live-state">live updates off</span></footer>
</body></html>"#,
        title = esc(title),
        who = esc(viewer.identity),
        csrf = esc(viewer.csrf),
    );
    with_headers(StatusCode::OK, html)
}

/// A short page saying why something was refused or not found.
pub(crate) fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{t} · lakala console</title>
<link rel="stylesheet" href="/assets/console.css"></head><body>
<header><a class="brand" href="/">lakala console</a></header>
<main><h1 id="message-title">{t}</h1><p id="message">{m}</p><p><a href="/">back to the payments</a></p></main></body></html>"#,
        t = esc(title),
        m = esc(text),
    );
    with_headers(status, html)
}

/// An HTML answer with the console's security headers.
pub(crate) fn with_headers(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure(h);
    response
}

/// The headers every answer carries.
pub(crate) fn secure(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url_part("MP 1/二"), "MP%201%2F%E4%BA%8C");
    }
}
