//! The console's HTTP server: its configuration, the login gate in front of every page,
//! and the routes.

use crate::app::{App, Shared};
use crate::error::ConsoleError;
use crate::html::{self, esc};
use crate::login::{proxy_identity, Login};
use crate::session::{cookie_id, Session, Sessions};
use crate::{actions, assets, day_page, list_page, live, payment_page};
use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use lakala_client::resolver::ResolverConfig;
use lakala_client::LakalaClient;
use lakala_journal::PaymentJournal;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// What the console serves and how.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// The journal it shows (and writes its actions to).
    pub journal: Arc<dyn PaymentJournal>,
    /// A client on the same journal, for the live trade query and the actions; without
    /// one the console shows the journal only and says the platform is unavailable.
    pub client: Option<LakalaClient>,
    /// Where to listen (loopback unless the login keeps strangers out).
    pub bind: SocketAddr,
    /// How people log in.
    pub login: Login,
    /// Hide and refuse every action.
    pub read_only: bool,
}

impl ConsoleConfig {
    /// A console on `journal` at `127.0.0.1:8788`, with `login`, actions allowed.
    pub fn new(journal: Arc<dyn PaymentJournal>, login: Login) -> Self {
        Self {
            journal,
            client: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 8788)),
            login,
            read_only: false,
        }
    }
}

/// The console.
#[derive(Debug)]
pub struct Console;

impl Console {
    /// The console's routes, for serving inside another axum application (the caller
    /// then answers for the address it listens on).
    pub fn router(config: ConsoleConfig) -> Result<Router, ConsoleError> {
        let resolver =
            match &config.client {
                Some(client) => Some(client.resolver(ResolverConfig::default()).map_err(|e| {
                    ConsoleError::Config(format!("the client cannot resolve: {e}"))
                })?),
                None => None,
            };
        let app = Arc::new(App {
            journal: config.journal,
            client: config.client,
            resolver,
            login: config.login,
            read_only: config.read_only,
            sessions: Sessions::default(),
        });
        let pages = Router::new()
            .route("/", get(list_page::show))
            .route("/day", get(day_page::today))
            .route("/day/{date}", get(day_page::show))
            .route(
                "/payment/{merchant}/{out_trade_no}",
                get(payment_page::show),
            )
            .route(
                "/payment/{merchant}/{out_trade_no}/action",
                post(actions::submit),
            )
            .route("/live", get(live::stream))
            .route("/logout", post(logout))
            .layer(middleware::from_fn_with_state(app.clone(), gate));
        Ok(Router::new()
            .route("/login", get(login_form).post(login_submit))
            .route("/assets/{name}", get(assets::serve))
            .merge(pages)
            .with_state(app))
    }

    /// Starts serving on `config.bind`. A non-loopback address is refused unless the
    /// login keeps strangers out ([`Login::is_guarded`]).
    pub async fn start(config: ConsoleConfig) -> Result<RunningConsole, ConsoleError> {
        let addr = config.bind;
        if !addr.ip().is_loopback() && !config.login.is_guarded() {
            return Err(ConsoleError::UnsafeBind(addr));
        }
        let router = Console::router(config)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ConsoleError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ConsoleError::Bind { addr, source })?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            });
            if let Err(e) = server.await {
                tracing::warn!(error = %e, "console server stopped");
            }
        });
        Ok(RunningConsole {
            addr: local,
            stop,
            task,
        })
    }
}

/// A console serving until [`RunningConsole::shutdown`] (or dropped with the runtime).
#[derive(Debug)]
pub struct RunningConsole {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningConsole {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving: open live streams end, requests in flight finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.task.abort();
        let _ = self.task.await;
    }
}

/// The login gate: a session for every page; POSTs only from the console's own pages.
async fn gate(State(app): Shared, mut request: Request, next: Next) -> Response {
    let now = app.now();
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(cookie_id)
        .and_then(|id| app.sessions.get(id, now));
    let mut opened = None;
    let session = match &app.login {
        Login::ProxyHeader(name) => {
            let Some(identity) = request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(proxy_identity)
            else {
                return html::message(
                    StatusCode::UNAUTHORIZED,
                    "not signed in",
                    "the console expects the identity header of its proxy",
                );
            };
            match cookie.filter(|s| s.identity == identity) {
                Some(s) => s,
                None => {
                    let s = app.sessions.open(identity, now);
                    opened = Some(s.cookie());
                    s
                }
            }
        }
        Login::Tokens(_) => match cookie {
            Some(s) => s,
            None if request.method() == Method::GET => {
                return Redirect::to("/login").into_response()
            }
            None => {
                return html::message(
                    StatusCode::FORBIDDEN,
                    "not signed in",
                    "the session has ended: sign in again",
                )
            }
        },
    };
    if request.method() == Method::POST && !same_origin(&request) {
        return html::message(
            StatusCode::FORBIDDEN,
            "refused",
            "a request from another site",
        );
    }
    request.extensions_mut().insert(session);
    let mut response = next.run(request).await;
    if let Some(cookie) = opened.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    html::secure(response.headers_mut());
    response
}

/// Whether a POST comes from the console's own pages (`Origin` and `Sec-Fetch-Site`,
/// where the browser sends them; the CSRF token is checked anyway).
fn same_origin(request: &Request) -> bool {
    let h = request.headers();
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| s == "cross-site" || s == "same-site")
    {
        return false;
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    token: Option<String>,
}

async fn login_form(State(app): Shared, Query(q): Query<LoginQuery>) -> Response {
    if let Some(token) = q.token {
        return login_with(&app, &token);
    }
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sign in · lakala console</title>
<link rel="stylesheet" href="/assets/console.css"></head><body>
<header><a class="brand" href="/">lakala console</a></header>
<main><h1>sign in</h1>{}
<form method="post" action="/login" class="login"><label>operator token <input type="password" name="token" id="token" autocomplete="current-password" required></label>
<button type="submit" id="sign-in">sign in</button></form></main></body></html>"#,
        match &app.login {
            Login::ProxyHeader(name) => format!(
                "<p>This console is signed into by its proxy (header <code>{}</code>).</p>",
                esc(name.as_str())
            ),
            _ => String::new(),
        }
    );
    html::with_headers(StatusCode::OK, html)
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login_submit(State(app): Shared, Form(form): Form<LoginForm>) -> Response {
    login_with(&app, &form.token)
}

fn login_with(app: &App, token: &str) -> Response {
    let Some(identity) = app.login.by_token(token) else {
        return html::message(
            StatusCode::UNAUTHORIZED,
            "not signed in",
            "that token is not an operator's",
        );
    };
    let session = app.sessions.open(identity, app.now());
    let mut response = Redirect::to("/").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session.cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    html::secure(response.headers_mut());
    response
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(app): Shared,
    axum::Extension(session): axum::Extension<Session>,
    Form(form): Form<LogoutForm>,
) -> Response {
    if !session.csrf_ok(&form.csrf) {
        return html::message(StatusCode::FORBIDDEN, "refused", "a stale form");
    }
    app.sessions.close(&session.id);
    let mut response = Redirect::to("/login").into_response();
    let expired = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        crate::session::COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
