//! A till's payment service on lakala-rs, production-shaped and small:
//!
//! - `POST /pay` `{"out_trade_no", "auth_code", "amount_fen", "subject"?}`: a barcode
//!   payment; answers the outcome in the SDK's stable JSON form (`"outcome": "succeeded"`,
//!   `"failed"`, `"pending"` or `"revoked"`). A payment still unknown after the poll
//!   schedule is revoked.
//! - `GET /orders/{out_trade_no}`: the platform's trade query answer.
//! - `POST /lakala/notify` and `POST /lakala/crossborder`: both notification families.
//! - `POST /admin/reload-certificates`: reload the platform certificates from disk after
//!   Lakala rotates them.
//!
//! Every payment is journaled before it is sent (`LAKALA_JOURNAL`: `sqlite:PATH`, default
//! `sqlite:pos-journal.sqlite`, or `postgres://...` shared by several instances), with its
//! answers, queries, outcome and notifications; at start-up a resolver finishes what a
//! crash or a deploy left open (at once when `LAKALA_INSTANCE` names this instance the same
//! across restarts), and the notification replay memory is in the same database.
//! Configuration: `LAKALA_CONFIG` (a TOML file) and `LAKALA_*` variables, with the
//! `[merchant]` profile; `POS_LISTEN` (default `127.0.0.1:8080`).
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use lakala_axum::{CallError, NotificationRoutes};
use lakala_client::notification::CrossBorderAnswer;
use lakala_client::{Config, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy};
use lakala_journal::Journal;
use lakala_types::Amount;
use serde_json::Value;

#[derive(serde::Deserialize)]
struct Pay {
    out_trade_no: String,
    auth_code: String,
    amount_fen: u64,
    subject: Option<String>,
}

async fn pay(
    State(client): State<LakalaClient>,
    Json(pay): Json<Pay>,
) -> Result<Json<PaymentOutcome>, CallError> {
    let profile = client.merchant().expect("checked at start-up");
    let amount = Amount::from_fen(pay.amount_fen)?;
    let mut request = profile.micropay(&pay.out_trade_no, pay.auth_code, amount);
    if let Some(subject) = pay.subject {
        request = request.subject(subject);
    }
    let revoke = PendingPolicy::Revoke {
        revoke_out_trade_no: lakala_client::revoke_number(&pay.out_trade_no, "R"),
    };
    let options = MicropayOptions::new(revoke);
    let outcome = client.micropay(request.build()?, options).await?;
    tracing::info!(out_trade_no = %pay.out_trade_no, outcome = outcome.word(), "paid");
    Ok(Json(outcome))
}

async fn order(
    State(client): State<LakalaClient>,
    Path(no): Path<String>,
) -> Result<Json<Value>, CallError> {
    let profile = client.merchant().expect("checked at start-up");
    let answer = client.trade_query(profile.trade_query(no)?).await?;
    Ok(Json(answer.json().clone()))
}

async fn reload(State(client): State<LakalaClient>) -> Result<&'static str, CallError> {
    client.reload_certificates()?;
    Ok("reloaded\n")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let url = std::env::var("LAKALA_JOURNAL");
    let journal = Journal::open(url.as_deref().unwrap_or("sqlite:pos-journal.sqlite")).await?;
    let client = LakalaClient::builder(Config::from_env()?)
        .journal(journal.payments())
        .build()?;
    client
        .merchant()
        .ok_or("no merchant profile: set [merchant] or LAKALA_MERCHANT_NO and LAKALA_TERM_NO")?;
    client.resume_pending(Default::default())?;

    let replay = journal.notifications();
    let open_platform = client.open_platform_notification_handler(replay.clone())?;
    let crossborder = client.crossborder_notification_handler(replay)?;
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

    let router = Router::new()
        .route("/pay", post(pay))
        .route("/orders/{out_trade_no}", get(order))
        .route("/admin/reload-certificates", post(reload))
        .with_state(client)
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
