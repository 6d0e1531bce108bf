//! The service end to end, over real loopback HTTP: a sandbox plays Lakala, the service
//! runs as its own process configured only by a file and `LAKALA_*` variables, a till
//! pays, the sandbox delivers notifications of both families, and the answers are checked.

use lakala_journal::{PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal};
use lakala_sandbox::{behaviour, NotifyPolicy, Sandbox, SandboxConfig};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport, HyperTransport, Method};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kills the service when the test ends, however it ends.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http() -> HyperTransport {
    HyperTransport::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn send(method: Method, url: String, body: Value) -> (u16, Value) {
    let mut request = HttpRequest::post(url, body.to_string().into_bytes())
        .header("Content-Type", "application/json");
    request.method = method;
    let HttpResponse { status, body, .. } = http().send(request).await.expect("HTTP exchange");
    let json = serde_json::from_slice(&body)
        .unwrap_or(Value::String(String::from_utf8_lossy(&body).into()));
    (status, json)
}

/// Starts the service configured only by a file and variables, as `instance`, on a free
/// loopback port, with its journal at `journal`; returns it (killed when dropped) and its
/// base URL once it listens.
async fn start_service(config: &Path, journal: &Path, instance: &str) -> (Service, String) {
    // A free loopback port for the service (its notify_url must be known in advance).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_pos-service"))
        .env("LAKALA_CONFIG", config)
        .env("LAKALA_MERCHANT_NO", behaviour::MERCHANT_NO)
        .env("LAKALA_TERM_NO", behaviour::TERM_NO)
        .env("LAKALA_NOTIFY_URL", format!("{base}/lakala/notify"))
        .env("LAKALA_REQUEST_IP", "127.0.0.1")
        .env("LAKALA_POLL_DELAYS_SECS", "1,1,1,1,1")
        .env("LAKALA_INSTANCE", instance)
        .env("POS_LISTEN", format!("127.0.0.1:{port}"))
        .env("LAKALA_JOURNAL", format!("sqlite:{}", journal.display()))
        .stdout(Stdio::null())
        .spawn()
        .expect("the service starts");
    let service = Service(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (service, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service does not listen on {base}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_query_and_both_notification_families() {
    let mut notify = NotifyPolicy::new(5, Duration::from_millis(200));
    notify.attempt_timeout = Duration::from_secs(5);
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .notify(notify)
            .pending_delay(Duration::from_secs(2)),
    )
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox.write_client_config(dir.path()).unwrap();
    let journal_path = dir.path().join("pos-journal.sqlite");

    let (_service, base) = start_service(&config, &journal_path, "pos-1").await;

    // A barcode payment that succeeds at once: the stable JSON form comes back.
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0001", "auth_code": behaviour::auth_codes::SUCCEED,
               "amount_fen": 101, "subject": "coffee"}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["outcome"], "succeeded", "{outcome}");
    assert_eq!(outcome["order"]["out_trade_no"], "E2E0001");
    assert_eq!(outcome["order"]["merchant_no"], behaviour::MERCHANT_NO);
    // The sandbox's DCP00000 names no merchant_no: bound to the merchant by one query.
    assert_eq!(outcome["confirmation"]["by"], "query");

    // One that stays pending at first is settled by the poll schedule from the variables.
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0002", "auth_code": behaviour::auth_codes::PENDING_THEN_SUCCEED,
               "amount_fen": 202}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["outcome"], "succeeded", "{outcome}");
    assert_eq!(outcome["confirmation"]["by"], "query", "{outcome}");

    // An impossible amount is the till's error: 400.
    let (status, _) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0003", "auth_code": behaviour::auth_codes::SUCCEED,
               "amount_fen": 1_000_000_000_000_000u64}),
    )
    .await;
    assert_eq!(status, 400);

    // The query endpoint.
    let (status, answer) = send(Method::Get, format!("{base}/orders/E2E0001"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(answer["resp_data"]["trade_state"], "SUCCESS", "{answer}");

    // The sandbox delivered the notification of the payment that settled later to the
    // service's notify_url (the profile's default), which answered SUCCESS.
    let mut delivered = false;
    for _ in 0..200 {
        let deliveries = sandbox.notification_deliveries();
        if deliveries.iter().any(|d| {
            d.out_trade_no == "E2E0002" && d.status == lakala_sandbox::DeliveryStatus::Delivered
        }) {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(delivered, "{:?}", sandbox.notification_deliveries());
    // The service's journal (a second handle on its SQLite file, as another instance
    // would open it): each payment with its facts, the notification among them.
    let journal = SqliteJournal::open(&journal_path).await.unwrap();
    let kinds = |no: &str| {
        let journal = journal.clone();
        let key = PaymentKey::new(behaviour::MERCHANT_NO, no);
        async move {
            let events = journal.events(&key).await.unwrap();
            events.into_iter().map(|e| e.kind).collect::<Vec<_>>()
        }
    };
    // The DCP00000 names no merchant_no: one query binds it, written with the outcome.
    assert_eq!(
        kinds("E2E0001").await,
        ["intent", "answer", "query", "outcome"]
    );
    let mut notified = false;
    for _ in 0..100 {
        if kinds("E2E0002").await.iter().any(|k| k == "notification") {
            notified = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(notified, "{:?}", kinds("E2E0002").await);
    let key = PaymentKey::new(behaviour::MERCHANT_NO, "E2E0002");
    let record = journal.payment(&key).await.unwrap().unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert!(
        journal
            .payment(&PaymentKey::new(behaviour::MERCHANT_NO, "E2E0003"))
            .await
            .unwrap()
            .is_none(),
        "an invalid request is never journaled"
    );

    // A forged notification is refused.
    let (status, _) = send(
        Method::Post,
        format!("{base}/lakala/notify"),
        json!({"out_trade_no": "E2E0001", "trade_state": "SUCCESS"}),
    )
    .await;
    assert_eq!(status, 401);

    // A cross-border notification: the service's answer verifies and says 0000.
    let answer = sandbox
        .send_crossborder_notification(
            &format!("{base}/lakala/crossborder"),
            r#"{"orderNo":"CB1"}"#,
        )
        .await
        .expect("the service's sealed answer verifies");
    assert_eq!(answer.ret_code, "0000");

    // Certificates reload from the files of the configuration while the service runs.
    let (status, _) = send(
        Method::Post,
        format!("{base}/admin/reload-certificates"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0004", "auth_code": behaviour::auth_codes::SUCCEED, "amount_fen": 1}),
    )
    .await;
    assert_eq!(
        (status, outcome["outcome"].as_str()),
        (200, Some("succeeded"))
    );
    sandbox.shutdown().await;
}

/// The service is killed with SIGKILL while a payment is pending; started again under the
/// same instance name, it finishes that payment at once from its journal, and the platform
/// never receives a second micropay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_pending_when_the_service_is_killed_is_finished_by_its_restart() {
    let pending = Duration::from_secs(3);
    let sandbox = Sandbox::start(SandboxConfig::default().pending_delay(pending))
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox.write_client_config(dir.path()).unwrap();
    let journal_path = dir.path().join("pos-journal.sqlite");
    let (mut service, base) = start_service(&config, &journal_path, "pos-1").await;

    let till = tokio::spawn(send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0101", "auth_code": behaviour::auth_codes::PENDING_THEN_SUCCEED,
               "amount_fen": 303}),
    ));
    let journal = SqliteJournal::open(&journal_path).await.unwrap();
    let key = PaymentKey::new(behaviour::MERCHANT_NO, "E2E0101");
    let mut answered = false;
    for _ in 0..200 {
        let events = journal.events(&key).await.unwrap();
        if events.iter().any(|e| e.kind == "answer") {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answered, "the micropay was answered (pending)");
    // SIGKILL: no destructor, no flush, nothing the service could do about it.
    service.0.kill().unwrap();
    service.0.wait().unwrap();
    // The till's request died with the service (its task failed on the broken exchange).
    let _ = till.await;
    let record = journal.payment(&key).await.unwrap().unwrap();
    assert_eq!(
        record.status,
        PaymentStatus::Pending,
        "left pending by the crash"
    );

    // Past the platform's pending period, the service starts again as pos-1.
    tokio::time::sleep(pending).await;
    let (_service, _) = start_service(&config, &journal_path, "pos-1").await;
    let mut finished = None;
    for _ in 0..200 {
        let record = journal.payment(&key).await.unwrap().unwrap();
        if record.status.is_final() {
            finished = Some(record);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let record = finished.expect("the restarted service finished the payment within 10 s");
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.outcome.as_deref(), Some("succeeded"));
    assert_eq!(
        sandbox.micropay_requests("E2E0101"),
        1,
        "exactly one micropay"
    );
    let kinds: Vec<String> = journal
        .events(&key)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "note"), "taken back: {kinds:?}");
    sandbox.shutdown().await;
}
