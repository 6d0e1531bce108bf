//! The service end to end, over real loopback HTTP: a sandbox plays Lakala, the service
//! runs as its own process configured only by a file and `LAKALA_*` variables, a till
//! pays, the sandbox delivers notifications of both families, and the answers are checked.
//! No answer of the service, in any test, carries a payer or wallet id ([`send_as`]).

use lakala_journal::{PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal};
use lakala_sandbox::{behaviour, NotifyPolicy, Sandbox, SandboxConfig};
use lakala_transport::{HttpRequest, HttpResponse, HttpTransport, HyperTransport, Method};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The till's and the operator's bearer token in the tests' `[service]` tables.
const TOKEN: &str = "till-secret-0123456789";

/// The sandbox's payer and wallet ids: none may appear in any answer of the service.
const PAYER_IDS: [&str; 5] = [
    "2088000000000001",
    "oSBX00000000000000000000001",
    "acc_trade_no",
    "user_id",
    "openid",
];

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

/// Sends a request with `token` as bearer token (the till's, when `Some`), and checks
/// that the answer carries none of the sandbox's payer ids.
async fn send_as(token: Option<&str>, method: Method, url: String, body: Value) -> (u16, Value) {
    let mut request = HttpRequest::post(url, body.to_string().into_bytes())
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    request.method = method;
    let HttpResponse { status, body, .. } = http().send(request).await.expect("HTTP exchange");
    let text = String::from_utf8_lossy(&body);
    for id in PAYER_IDS {
        assert!(!text.contains(id), "{id} in an answer: {text}");
    }
    let json = serde_json::from_slice(&body).unwrap_or(Value::String(text.into()));
    (status, json)
}

/// As the till: with the bearer token.
async fn send(method: Method, url: String, body: Value) -> (u16, Value) {
    send_as(Some(TOKEN), method, url, body).await
}

/// The service's command, configured only by a file (the sandbox's, plus a `[service]`
/// table) and variables, listening on a free loopback port; and its base URL.
fn command(
    config: &Path,
    journal: &Path,
    instance: Option<&str>,
    patience_ms: u64,
) -> (Command, u16) {
    // A free loopback port for the service (its notify_url must be known in advance).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let own = config.with_file_name(format!("pos-{port}.toml"));
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!(
        "\n[service]\ntoken = \"{TOKEN}\"\nlisten = \"127.0.0.1:{port}\"\npatience_ms = {patience_ms}\n"
    ));
    std::fs::write(&own, text).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pos-service"));
    command
        .env("LAKALA_CONFIG", own)
        .env("LAKALA_MERCHANT_NO", behaviour::MERCHANT_NO)
        .env("LAKALA_TERM_NO", behaviour::TERM_NO)
        .env(
            "LAKALA_NOTIFY_URL",
            format!("http://127.0.0.1:{port}/lakala/notify"),
        )
        .env("LAKALA_REQUEST_IP", "127.0.0.1")
        .env("LAKALA_POLL_DELAYS_SECS", "1,1,1,1,1")
        .env("LAKALA_JOURNAL", format!("sqlite:{}", journal.display()))
        .env_remove("LAKALA_INSTANCE")
        .stdout(Stdio::null());
    if let Some(instance) = instance {
        command.env("LAKALA_INSTANCE", instance);
    }
    (command, port)
}

/// Starts the service (see [`command`]); returns it (killed when dropped) and its base
/// URL once it listens.
async fn start_service(
    config: &Path,
    journal: &Path,
    instance: Option<&str>,
    patience_ms: u64,
) -> (Service, String) {
    let (mut command, port) = command(config, journal, instance, patience_ms);
    let mut service = Service(command.spawn().expect("the service starts"));
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (service, base);
        }
        if let Some(status) = service.0.try_wait().unwrap() {
            panic!("the service exited: {status}");
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

    let (_service, base) = start_service(&config, &journal_path, Some("pos-1"), 10_000).await;

    // A barcode payment that succeeds at once: the till's stable JSON form comes back.
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0001", "auth_code": behaviour::auth_codes::SUCCEED,
               "amount_fen": 101, "subject": "coffee"}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["status"], "paid", "{outcome}");
    assert_eq!(outcome["out_trade_no"], "E2E0001");
    assert_eq!(outcome["merchant_no"], behaviour::MERCHANT_NO);
    assert_eq!(outcome["amount_fen"], 101);
    // A WeChat payer: its openid is in the platform's answer, never in the service's.
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0005", "auth_code": behaviour::auth_codes::SUCCEED_WECHAT,
               "amount_fen": 5}),
    )
    .await;
    assert_eq!((status, outcome["status"].as_str()), (200, Some("paid")));

    // One that stays pending at first is settled by the poll schedule from the variables.
    let (status, outcome) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0002", "auth_code": behaviour::auth_codes::PENDING_THEN_SUCCEED,
               "amount_fen": 202}),
    )
    .await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["status"], "paid", "{outcome}");

    // An impossible amount is the till's error: 422, nothing sent.
    let (status, _) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0003", "auth_code": behaviour::auth_codes::SUCCEED,
               "amount_fen": 1_000_000_000_000_000u64}),
    )
    .await;
    assert_eq!(status, 422);

    // A reused order number with another amount: 409, and the platform never sees it.
    let (status, answer) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0001", "auth_code": behaviour::auth_codes::SUCCEED,
               "amount_fen": 999}),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(sandbox.micropay_requests("E2E0001"), 1);

    // The order status endpoint: the journal's view in the same stable form, nothing of
    // the platform's raw answer.
    let (status, answer) = send(Method::Get, format!("{base}/orders/E2E0001"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"status": "paid", "merchant_no": behaviour::MERCHANT_NO, "out_trade_no": "E2E0001",
               "trade_no": answer["trade_no"], "amount_fen": 101, "reason": null})
    );
    assert!(answer["trade_no"].is_string(), "{answer}");
    let (status, _) = send(Method::Get, format!("{base}/orders/NOSUCH"), json!({})).await;
    assert_eq!(status, 404);

    // The till's and the operator's routes refuse a request without the token, or with
    // another one: 401, and nothing happens.
    for token in [None, Some("till-secret-0123456788")] {
        let (status, _) = send_as(
            token,
            Method::Post,
            format!("{base}/pay"),
            json!({"out_trade_no": "E2E0006", "auth_code": behaviour::auth_codes::SUCCEED,
                   "amount_fen": 1}),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = send_as(
            token,
            Method::Get,
            format!("{base}/orders/E2E0001"),
            json!({}),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = send_as(
            token,
            Method::Post,
            format!("{base}/admin/reload-certificates"),
            json!({}),
        )
        .await;
        assert_eq!(status, 401);
    }
    assert_eq!(sandbox.micropay_requests("E2E0006"), 0, "nothing was paid");

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
    assert_eq!(kinds("E2E0001").await, ["intent", "answer", "outcome"]);
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
    let (status, _) = send_as(
        None,
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
    assert_eq!((status, outcome["status"].as_str()), (200, Some("paid")));
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
    let (mut service, base) = start_service(&config, &journal_path, Some("pos-1"), 60_000).await;

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
    let (_service, _) = start_service(&config, &journal_path, Some("pos-1"), 60_000).await;
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

/// A payment that answers after the till's patience: `pending` at once, and the payment
/// goes on; the order status says `paid` once the platform settles it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_tills_patience_a_payment_is_pending_now_and_paid_later() {
    let sandbox = Sandbox::start(SandboxConfig::default().pending_delay(Duration::from_secs(3)))
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox.write_client_config(dir.path()).unwrap();
    let journal = dir.path().join("pos-journal.sqlite");
    let (_service, base) = start_service(&config, &journal, None, 500).await;

    let (status, answer) = send(
        Method::Post,
        format!("{base}/pay"),
        json!({"out_trade_no": "E2E0201", "auth_code": behaviour::auth_codes::PENDING_THEN_SUCCEED,
               "amount_fen": 404}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "pending", "{answer}");
    assert_eq!(answer["amount_fen"], 404);
    let mut last = Value::Null;
    for _ in 0..200 {
        let (status, answer) = send(Method::Get, format!("{base}/orders/E2E0201"), json!({})).await;
        assert_eq!(status, 200, "{answer}");
        last = answer;
        if last["status"] != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last["status"], "paid", "{last}");
    assert_eq!(sandbox.micropay_requests("E2E0201"), 1);
    sandbox.shutdown().await;
}

/// Two processes on one host and one journal: without a configured name they are told
/// apart (`HOST-xxxxxxxx` and `HOST-xxxxxxxx-2`, stable across restarts); with the same
/// configured name the second is refused at start-up. A service without a request_ip is
/// refused at start-up too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_journal_are_told_apart_or_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let config = sandbox.write_client_config(dir.path()).unwrap();
    let journal_path = dir.path().join("pos-journal.sqlite");
    let (_first, first) = start_service(&config, &journal_path, None, 10_000).await;
    let (_second, second) = start_service(&config, &journal_path, None, 10_000).await;
    for (base, no) in [(&first, "E2E0301"), (&second, "E2E0302")] {
        let (status, answer) = send(
            Method::Post,
            format!("{base}/pay"),
            json!({"out_trade_no": no, "auth_code": behaviour::auth_codes::SUCCEED, "amount_fen": 1}),
        )
        .await;
        assert_eq!((status, answer["status"].as_str()), (200, Some("paid")));
    }
    let journal = SqliteJournal::open(&journal_path).await.unwrap();
    let by = |no: &'static str| {
        let journal = journal.clone();
        async move {
            let key = PaymentKey::new(behaviour::MERCHANT_NO, no);
            journal.payment(&key).await.unwrap().unwrap().created_by
        }
    };
    let (a, b) = (by("E2E0301").await, by("E2E0302").await);
    assert_eq!(b, format!("{a}-2"), "told apart");
    assert!(!a.contains(&std::process::id().to_string()), "no pid: {a}");

    // The same configured name twice: the second process is refused and exits.
    let (_named, _) = start_service(&config, &journal_path, Some("pos-9"), 10_000).await;
    let (mut again, _) = command(&config, &journal_path, Some("pos-9"), 10_000);
    let output = again.stderr(Stdio::piped()).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pos-9"), "{stderr}");

    // Without a request_ip every micropay would be refused: the service says so at
    // start-up instead, and does not start.
    let (mut no_ip, _) = command(&config, &journal_path, Some("pos-10"), 10_000);
    let output = no_ip
        .env_remove("LAKALA_REQUEST_IP")
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LAKALA_REQUEST_IP"), "{stderr}");
    sandbox.shutdown().await;
}
