//! A till's payment service on lakala-rs, production-shaped and small:
//!
//! - `POST /pay` `{"out_trade_no", "auth_code", "amount_fen", "subject"?}`: a barcode
//!   payment; answers the outcome in the SDK's stable JSON form (`"outcome": "succeeded"`,
//!   `"failed"`, `"pending"` or `"revoked"`). A payment still unknown after the poll
//!   schedule is revoked.
//! - `GET /orders/{out_trade_no}`: the platform's trade query answer.
//! - `GET /orders/{out_trade_no}/notified`: what the platform notified about the order.
//! - `POST /lakala/notify` and `POST /lakala/crossborder`: both notification families.
//! - `POST /admin/reload-certificates`: reload the platform certificates from disk after
//!   Lakala rotates them.
//!
//! Configuration: `LAKALA_CONFIG` (a TOML file) and `LAKALA_*` variables
//! (`lakala_client::config_file`), with the `[merchant]` profile; `POS_LISTEN` (default
//! `127.0.0.1:8080`).
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use lakala_axum::{CallError, NotificationRoutes};
use lakala_client::notification::{CrossBorderAnswer, InMemoryReplayGuard};
use lakala_client::{Config, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy};
use lakala_types::Amount;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(serde::Deserialize)]
struct Pay {
    out_trade_no: String,
    auth_code: String,
    amount_fen: u64,
    subject: Option<String>,
}

#[derive(Clone)]
struct App {
    client: LakalaClient,
    /// Notified orders by `out_trade_no` (a real service writes its order table here).
    notified: Arc<Mutex<HashMap<String, Value>>>,
}

async fn pay(
    State(app): State<App>,
    Json(pay): Json<Pay>,
) -> Result<Json<PaymentOutcome>, CallError> {
    let profile = app.client.merchant().expect("checked at start-up");
    let mut request = profile.micropay(
        &pay.out_trade_no,
        pay.auth_code,
        Amount::from_fen(pay.amount_fen)?,
    );
    if let Some(subject) = pay.subject {
        request = request.subject(subject);
    }
    let revoke = PendingPolicy::Revoke {
        revoke_out_trade_no: format!("{}R", pay.out_trade_no),
    };
    let outcome = app
        .client
        .micropay(request.build()?, MicropayOptions::new(revoke))
        .await?;
    tracing::info!(out_trade_no = %pay.out_trade_no, outcome = outcome.word(), "paid");
    Ok(Json(outcome))
}

async fn order(State(app): State<App>, Path(no): Path<String>) -> Result<Json<Value>, CallError> {
    let profile = app.client.merchant().expect("checked at start-up");
    let answer = app.client.trade_query(profile.trade_query(no)?).await?;
    Ok(Json(answer.json().clone()))
}

async fn notified(State(app): State<App>, Path(no): Path<String>) -> Json<Option<Value>> {
    let notified = app.notified.lock().unwrap_or_else(|p| p.into_inner());
    Json(notified.get(&no).cloned())
}

async fn reload(State(app): State<App>) -> Result<&'static str, (axum::http::StatusCode, String)> {
    let failed = |e: lakala_client::ConfigError| {
        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    };
    app.client.reload_certificates().map_err(failed)?;
    Ok("reloaded\n")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let client = LakalaClient::builder(Config::from_env()?).build()?;
    client
        .merchant()
        .ok_or("no merchant profile: set [merchant] or LAKALA_MERCHANT_NO and LAKALA_TERM_NO")?;
    let app = App {
        client: client.clone(),
        notified: Arc::default(),
    };

    let (replay, store) = (Arc::new(InMemoryReplayGuard::new()), app.notified.clone());
    let notifications = NotificationRoutes::new()
        .open_platform("/lakala/notify", client.open_platform_notification_handler(replay.clone())?, move |n| {
            let store = store.clone();
            async move {
                let no = n.body["out_trade_no"].as_str().unwrap_or_default().to_owned();
                tracing::info!(out_trade_no = %no, state = %n.body["trade_state"], "payment notified");
                store.lock().map_err(|_| "poisoned")?.insert(no, n.body);
                Ok::<_, &str>(())
            }
        })
        .crossborder("/lakala/crossborder", client.crossborder_notification_handler(replay)?, |n| async move {
            tracing::info!(req_type = n.req_type(), "cross-border notification");
            Ok::<_, &str>(CrossBorderAnswer::success("{}"))
        });

    let router = Router::new()
        .route("/pay", post(pay))
        .route("/orders/{out_trade_no}", get(order))
        .route("/orders/{out_trade_no}/notified", get(notified))
        .route("/admin/reload-certificates", post(reload))
        .with_state(app)
        .merge(notifications.into_router());
    let listen = std::env::var("POS_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    tracing::info!(%listen, "pos-service listening");
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
