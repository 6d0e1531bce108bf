//! A till's payment service on lakala-rs, production-shaped and small. 86 lines of code
//! (without comments and blank lines; under 120), 15 of them glue (under 20): the `Pay` and
//! `Settings` types, the revoke number, start-up checks and the listener.
//!
//! - `POST /pay` `{"out_trade_no", "auth_code", "amount_fen", "subject"?}`: a barcode
//!   payment, answered in the SDK's till form (`lakala_client::till`: `"status"`: `paid`,
//!   `failed`, `pending` or `unknown`) within the till's patience (`[service]
//!   patience_ms`); a payment still running then answers `pending` and goes on (ask
//!   `/orders/...` later). A payment still unknown after the poll schedule is revoked.
//! - `GET /orders/{out_trade_no}`: the payment's status from the journal, in the same form.
//! - `POST /admin/reload-certificates`: reload the platform certificates from disk.
//! - `POST /lakala/notify` and `POST /lakala/crossborder`: both notification families.
//!
//! Configuration: `LAKALA_CONFIG` (a TOML file) and `LAKALA_*` variables
//! (`lakala_client::config_file`): the `[merchant]` profile (its `request_ip` is required),
//! `[journal]` (default `sqlite:pos-journal.sqlite`), `[resolver]`, and this service's own
//! `[service]` table: `token` (required), `listen` (default `127.0.0.1:8080`),
//! `patience_ms` (default 10000). `LakalaClient::from_config` opens the journal, holds a
//! stable instance name and starts the resolver.
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use lakala_axum::{payment_status, BearerToken, CallError, NotificationRoutes};
use lakala_client::notification::CrossBorderAnswer;
use lakala_client::till::TillStatus;
use lakala_client::{Config, JournalSettings, LakalaClient, MicropayOptions, PendingPolicy};
use lakala_types::Amount;
use std::time::Duration;

#[derive(serde::Deserialize)]
struct Settings {
    token: String,
    #[serde(default = "listen")]
    listen: String,
    #[serde(default = "patience_ms")]
    patience_ms: u64,
}
fn listen() -> String {
    "127.0.0.1:8080".into()
}
fn patience_ms() -> u64 {
    10_000
}

#[derive(serde::Deserialize)]
struct Pay {
    out_trade_no: String,
    auth_code: String,
    amount_fen: u64,
    subject: Option<String>,
}

async fn pay(
    State((client, patience)): State<(LakalaClient, Duration)>,
    Json(pay): Json<Pay>,
) -> Result<Json<TillStatus>, CallError> {
    let profile = client.merchant().expect("checked at start-up");
    let amount = Amount::from_fen(pay.amount_fen)?;
    let mut request = profile.micropay(&pay.out_trade_no, pay.auth_code, amount);
    if let Some(subject) = pay.subject {
        request = request.subject(subject);
    }
    // TODO(core): lakala_client::revoke_number. At most 32 characters, never the order's.
    let no = &pay.out_trade_no;
    let last = if no.chars().nth(31) == Some('R') { 'S' } else { 'R' };
    let revoke_out_trade_no = no.chars().take(31).chain([last]).collect();
    let options = MicropayOptions::new(PendingPolicy::Revoke { revoke_out_trade_no });
    let handle = client.start_micropay(request.build()?, options)?;
    let outcome = handle.outcome_within(patience).await?;
    Ok(Json(TillStatus::from(&outcome).with_amount_fen(amount.fen() as i64)))
}

async fn reload(State((client, _)): State<(LakalaClient, Duration)>) -> Result<&'static str, CallError> {
    client.reload_certificates()?;
    Ok("reloaded\n")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut config = Config::from_env()?;
    let settings: Settings = config.service()?;
    let token = BearerToken::new(&settings.token)?;
    config.merchant.as_ref().and_then(|m| m.location.as_ref()).ok_or(
        "no merchant profile with a request_ip: set [merchant] or LAKALA_MERCHANT_NO, LAKALA_TERM_NO and LAKALA_REQUEST_IP",
    )?;
    let url = "sqlite:pos-journal.sqlite".to_owned();
    config.journal.get_or_insert(JournalSettings { url, schema: None });
    let service = LakalaClient::from_config(config).await?;
    let client = service.client.clone();

    let open_platform = client.open_platform_notification_handler(service.replay())?;
    let crossborder = client.crossborder_notification_handler(service.replay())?;
    let notifications = NotificationRoutes::new()
        .open_platform("/lakala/notify", open_platform, |n| async move {
            // Verified, new, and already in the journal: update your order table here.
            let (no, state) = (&n.body["out_trade_no"], &n.body["trade_state"]);
            tracing::info!(out_trade_no = %no, state = %state, "payment notified");
            Ok::<_, &str>(())
        })
        .crossborder("/lakala/crossborder", crossborder, |n| async move {
            tracing::info!(req_type = n.req_type(), "cross-border notification");
            Ok::<_, &str>(CrossBorderAnswer::success("{}"))
        });

    // Lakala must reach the notification routes, so this listener faces the internet. The
    // till's and the operator's routes must never be open there (anyone could take
    // payments, read orders, reload certificates): they sit behind the `[service] token`
    // bearer token, compared in constant time; a request without it gets 401 and nothing
    // happens. With a private network, serve `till` on an internal listener as well.
    let till = Router::new()
        .route("/pay", post(pay))
        .route("/orders/{out_trade_no}", payment_status(client.clone()))
        .route("/admin/reload-certificates", post(reload));
    let patience = Duration::from_millis(settings.patience_ms);
    let router = token
        .protect(till)
        .with_state((client, patience))
        .merge(notifications.into_router());
    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    tracing::info!(listen = %settings.listen, "pos-service listening");
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
