//! End to end with the sandbox as Lakala: its notifications, redelivered on its schedule and
//! signed afresh each time, reach the merchant's code through the lakala-axum route once
//! per payment event; another merchant's notification is answered so that Lakala stops.

use axum::Router;
use lakala_axum::NotificationRoutes;
use lakala_client::notification::OpenPlatformNotificationHandler;
use lakala_client::{Config, LakalaClient, MerchantProfile};
use lakala_journal::SqliteJournal;
use lakala_sandbox::{behaviour, NotifyPolicy, Sandbox, SandboxConfig};
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn control(base: &str, order: serde_json::Value) -> (u16, serde_json::Value) {
    let transport = HyperTransport::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let request = HttpRequest::post(
        format!("{base}/sandbox/notify/open-platform"),
        order.to_string().into_bytes(),
    )
    .header("Content-Type", "application/json");
    let answer = transport.send(request).await.unwrap();
    (answer.status, serde_json::from_slice(&answer.body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_runs_the_code_once_per_event_across_instances_and_redeliveries() {
    let sandbox = Sandbox::start(
        SandboxConfig::default().notify(NotifyPolicy::new(4, Duration::from_millis(50))),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The sandbox's merchant: its notifications are the ones this service takes as its own.
    let config = Config::from_file_and_env(
        Some(&sandbox.write_client_config(dir.path()).unwrap()),
        |_| None,
    )
    .unwrap()
    .with_merchant(MerchantProfile::new(
        behaviour::MERCHANT_NO,
        behaviour::TERM_NO,
    ));
    // Two instances of the service on one SQLite file.
    let path = dir.path().join("journal.sqlite");
    let runs = Arc::new(AtomicUsize::new(0));
    let mut urls = Vec::new();
    for instance in ["a", "b"] {
        let journal = Arc::new(SqliteJournal::open(&path).await.unwrap());
        let client = LakalaClient::builder(config.clone())
            .journal(journal.clone())
            .instance(instance)
            .build()
            .unwrap();
        let handler = client.open_platform_notification_handler(journal).unwrap();
        let runs = runs.clone();
        let router = NotificationRoutes::new()
            .open_platform("/lakala/notify", handler, move |event| {
                let runs = runs.clone();
                async move {
                    assert!(event.idempotency_key().starts_with("open:"));
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), String>(())
                }
            })
            .into_router();
        urls.push(format!("{}/lakala/notify", serve(router).await));
    }
    let body = json!({"merchant_no": behaviour::MERCHANT_NO, "out_trade_no": "AX1",
        "trade_state": "SUCCESS", "total_amount": "9"});
    // Delivered three times to instance a, signed afresh each time, then to instance b.
    let (status, answer) = control(
        sandbox.base_url(),
        json!({"url": urls[0], "body": body, "repeat": 3}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = control(sandbox.base_url(), json!({"url": urls[1], "body": body})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one event, the code ran once"
    );
    // A new state of the same order is a new event.
    let deal = json!({"merchant_no": behaviour::MERCHANT_NO, "out_trade_no": "AX1",
        "trade_state": "CLOSED", "total_amount": "9"});
    let (status, _) = control(sandbox.base_url(), json!({"url": urls[1], "body": deal})).await;
    assert_eq!(status, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // Another merchant's: answered SUCCESS (Lakala stops), the code does not run.
    let (status, answer) = control(
        sandbox.base_url(),
        json!({"url": urls[0], "body": body, "as_merchant_no": "822290059439999"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["answer"].as_str(),
        std::str::from_utf8(&OpenPlatformNotificationHandler::not_for_us_answer()).ok()
    );
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    sandbox.shutdown().await;
}
