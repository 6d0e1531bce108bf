//! A till's payment service on lakala-rs, production-shaped and small: barcode payments
//! (`POST /pay`), order status (`GET /orders/{no}`), certificate reload and both
//! notification families, journaled, with a resolver. See README.md for its routes, its
//! configuration and its measure: 115 lines, 11 of them glue (goals: under 120 and 20).
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use lakala_axum::{payment_status, BearerToken, CallError, NotificationRoutes};
use lakala_client::notification::CrossBorderAnswer;
use lakala_client::till::TillStatus;
use lakala_client::{Config, JournalSettings, LakalaClient, MicropayOptions, PendingPolicy};
use lakala_types::Amount;
use std::time::Duration;

#[derive(serde::Deserialize)] // glue: this service's own `[service]` keys
struct Settings {
    token: String,
    listen: Option<String>,
    patience_ms: Option<u64>,
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
    let revoke_out_trade_no = lakala_client::revoke_number(&pay.out_trade_no, "R");
    let options = MicropayOptions::new(PendingPolicy::Revoke {
        revoke_out_trade_no,
    });
    let handle = client.start_micropay(request.build()?, options)?;
    let outcome = handle.outcome_within(patience).await?;
    let till = TillStatus::from(&outcome).with_amount_fen(amount.fen() as i64);
    Ok(Json(till))
}

async fn reload(
    State((client, _)): State<(LakalaClient, Duration)>,
) -> Result<&'static str, CallError> {
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
    // glue: every micropay needs a location (request_ip); say so now, not at each payment
    config.merchant.as_ref().and_then(|m| m.location.as_ref()).ok_or(
        "no merchant profile with a request_ip: set [merchant] or LAKALA_MERCHANT_NO, LAKALA_TERM_NO and LAKALA_REQUEST_IP",
    )?;
    let journal = JournalSettings::new("sqlite:pos-journal.sqlite"); // glue: a default
    config.journal.get_or_insert(journal);
    let service = LakalaClient::from_config(config).await?;
    let client = service.client.clone();

    let open_platform = client.open_platform_notification_handler(service.replay())?;
    let crossborder = client.crossborder_notification_handler(service.replay())?;
    let notifications = NotificationRoutes::new()
        .open_platform("/lakala/notify", open_platform, |event| async move {
            // Verified, for this merchant, new, already journaled. Runs once per (merchant_no,
            // out_trade_no, trade_state) unless it fails or the process dies first: write to
            // your tables as an upsert keyed on event.idempotency_key(), never an increment.
            let key = event.idempotency_key(); // open:<merchant_no>:<out_trade_no>:<state>
            tracing::info!(key, changed = event.changed, "payment notified");
            Ok::<_, &str>(())
        })
        .crossborder("/lakala/crossborder", crossborder, |n| async move {
            // Once per (reqType, orderNo); the same rule as above.
            tracing::info!(key = n.idempotency_key(), "cross-border notification");
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
    let patience = Duration::from_millis(settings.patience_ms.unwrap_or(10_000));
    let router = token
        .protect(till)
        .with_state((client, patience))
        .merge(notifications.into_router());
    let listen = settings.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
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
