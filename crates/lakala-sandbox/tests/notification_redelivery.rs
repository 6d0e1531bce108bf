//! End to end, over real loopback HTTP: the sandbox delivers notifications as Lakala does
//! (redelivered on its schedule, freshly signed each time, until `{"code":"SUCCESS"}`), and
//! the client's handlers run the merchant's code once per payment event, on one instance
//! or several sharing a journal (SQLite file, PostgreSQL).

mod support;

use lakala_client::notification::{OpenPlatformNotificationHandler, ReplayGuard};
use lakala_client::{
    Config, LakalaClient, MerchantProfile, MicropayOptions, PendingPolicy, Sleeper,
};
use lakala_crypto::ManualClock;
use lakala_journal::{
    PaymentJournal, PaymentKey, PaymentStatus, PostgresJournal, PostgresOptions, SqliteJournal,
};
use lakala_sandbox::behaviour::auth_codes;
use lakala_sandbox::DeliveryStatus;
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{eventually, listener, start, Env, Seen, MERCHANT_NO, TERM_NO};

#[derive(Debug)]
struct ClockSleeper(Arc<ManualClock>);

#[lakala_transport::async_trait]
impl Sleeper for ClockSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.advance(duration);
    }
}

fn client(
    env: &Env,
    config: &Config,
    journal: Option<Arc<dyn PaymentJournal>>,
    instance: &str,
) -> LakalaClient {
    let mut b = LakalaClient::builder(config.clone())
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper(env.clock.clone())))
        .instance(instance);
    if let Some(j) = journal {
        b = b.journal(j);
    }
    b.build().unwrap()
}

fn pay(out_trade_no: &str, notify_url: &str) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .auth_code(auth_codes::PENDING_THEN_SUCCEED)
        .total_amount(Amount::from_fen(9).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("10.0.0.8")
                .build()
                .unwrap(),
        )
        .subject("e2e")
        .notify_url(notify_url)
        .build()
        .unwrap()
}

/// A merchant service on loopback: request `n` goes to `handlers[n % len]` (instances
/// behind a load balancer); the merchant's code counts its runs. The first answer is lost
/// on the way back (the sandbox sees HTTP 502) after the service processed it.
async fn service(
    handlers: Vec<OpenPlatformNotificationHandler>,
    runs: Arc<AtomicUsize>,
) -> (String, Seen) {
    listener(move |n, authorization, body| {
        let handler = handlers[n % handlers.len()].clone();
        let runs = runs.clone();
        let answer = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handler.process(
                authorization,
                body,
                |event| async move {
                    assert_eq!(
                        event.idempotency_key(),
                        format!(
                            "open:{MERCHANT_NO}:{}:SUCCESS",
                            event.notification.out_trade_no()
                        )
                    );
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), String>(())
                },
            ))
        });
        match answer {
            Ok(bytes) if n == 0 => (502, bytes),
            Ok(bytes) => (200, bytes),
            Err(e) if e.stops_platform() => {
                (200, OpenPlatformNotificationHandler::not_for_us_answer())
            }
            Err(e) => (
                503,
                OpenPlatformNotificationHandler::failure_answer(&e.to_string()),
            ),
        }
    })
    .await
}

/// Pays `order` with a notify_url on the service of `handlers`; the sandbox delivers the
/// result notification, its first answer is lost, it redelivers: the code ran once.
async fn lost_answer_redelivered(
    env: &Env,
    payer: &LakalaClient,
    handlers: Vec<OpenPlatformNotificationHandler>,
    order: &str,
) -> Seen {
    let runs = Arc::new(AtomicUsize::new(0));
    let (url, seen) = service(handlers, runs.clone()).await;
    payer
        .micropay(
            pay(order, &url),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    let sandbox = &env.sandbox;
    eventually("delivered", || {
        sandbox
            .notification_deliveries()
            .iter()
            .any(|d| d.out_trade_no == order && d.status == DeliveryStatus::Delivered)
    })
    .await;
    let delivery = sandbox
        .notification_deliveries()
        .into_iter()
        .find(|d| d.out_trade_no == order)
        .unwrap();
    assert_eq!(
        delivery.attempts, 2,
        "the lost answer made the sandbox deliver again"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0].0, seen[1].0, "the redelivery is signed afresh");
    assert_eq!(seen[0].1, seen[1].1, "the same body");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the merchant's code ran once"
    );
    Arc::new(std::sync::Mutex::new(seen))
}

async fn setup() -> (Env, tempfile::TempDir, Config) {
    let env = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    // The sandbox's merchant: its notifications are the ones this service takes as its own.
    let config = Config::from_file_and_env(Some(&path), |_| None)
        .unwrap()
        .with_merchant(MerchantProfile::new(MERCHANT_NO, TERM_NO));
    (env, dir, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_redelivered_re_signed_and_the_code_runs_once() {
    let (env, _dir, config) = setup().await;
    let journal = Arc::new(lakala_journal::MemoryJournal::new());
    let c = client(&env, &config, Some(journal.clone()), "one");
    let handler = c
        .open_platform_notification_handler(journal.clone())
        .unwrap();
    let seen = lost_answer_redelivered(&env, &c, vec![handler.clone()], "RD1").await;

    // An hour later the first delivery comes back byte for byte (its signature long
    // stale): the recorded answer, so that Lakala stops.
    env.clock.advance(Duration::from_secs(3600));
    let (auth, body) = seen.lock().unwrap()[0].clone();
    let answer = handler
        .process(&auth, &body, |_| async { Err("must not run") })
        .await
        .unwrap();
    assert_eq!(answer, OpenPlatformNotificationHandler::success_answer());
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_sqlite_file_run_the_code_once() {
    let (env, dir, config) = setup().await;
    let path = dir.path().join("journal.sqlite");
    let a = Arc::new(SqliteJournal::open(&path).await.unwrap());
    let b = Arc::new(SqliteJournal::open(&path).await.unwrap());
    let ca = client(&env, &config, Some(a.clone()), "a");
    let cb = client(&env, &config, Some(b.clone()), "b");
    let handlers = vec![
        ca.open_platform_notification_handler(a.clone()).unwrap(),
        cb.open_platform_notification_handler(b.clone()).unwrap(),
    ];
    lost_answer_redelivered(&env, &ca, handlers, "RD2").await;
    let record = b
        .payment(&PaymentKey::new(MERCHANT_NO, "RD2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    assert_eq!(record.last_trade_state.as_deref(), Some("SUCCESS"));
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgresql_run_the_code_once() {
    // LAKALA_TEST_POSTGRES_URL, or a throwaway server of this test process's own.
    let url = lakala_test_postgres::url();
    let schema = format!("notify_e2e_{}", std::process::id());
    let open = || async {
        Arc::new(
            PostgresJournal::connect_with(&url, PostgresOptions::default().schema(schema.clone()))
                .await
                .unwrap(),
        )
    };
    let (a, b) = (open().await, open().await);
    let (env, _dir, config) = setup().await;
    let ca = client(&env, &config, Some(a.clone()), "a");
    let cb = client(&env, &config, Some(b.clone()), "b");
    let handlers = vec![
        ca.open_platform_notification_handler(a.clone()).unwrap(),
        cb.open_platform_notification_handler(b.clone()).unwrap(),
    ];
    lost_answer_redelivered(&env, &ca, handlers, "RD3").await;
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deal_then_success_are_two_events_and_repeats_run_nothing() {
    let (env, _dir, config) = setup().await;
    let c = client(&env, &config, None, "one");
    let ledger: Arc<dyn ReplayGuard> = Arc::new(lakala_journal::MemoryJournal::new());
    let handler = c.open_platform_notification_handler(ledger).unwrap();
    let states = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = states.clone();
    let (url, _) = listener(move |_, authorization, body| {
        let handler = handler.clone();
        let record = record.clone();
        let answer = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handler.process(
                authorization,
                body,
                |e| async move {
                    record
                        .lock()
                        .unwrap()
                        .push(e.trade_state.as_str().to_owned());
                    Ok::<(), String>(())
                },
            ))
        });
        match answer {
            Ok(bytes) => (200, bytes),
            Err(e) if e.stops_platform() => {
                (200, OpenPlatformNotificationHandler::not_for_us_answer())
            }
            Err(e) => (400, e.to_string().into_bytes()),
        }
    })
    .await;
    let body = |state: &str| {
        json!({"merchant_no": MERCHANT_NO, "out_trade_no": "DS1", "trade_state": state,
            "total_amount": "9"})
        .to_string()
    };
    for state in ["DEAL", "DEAL", "SUCCESS", "SUCCESS", "DEAL"] {
        env.sandbox
            .send_open_platform_notification(&url, &body(state))
            .await
            .unwrap();
    }
    assert_eq!(*states.lock().unwrap(), ["DEAL", "SUCCESS"]);

    // Through the control endpoint: three redeliveries on request, and another merchant's.
    let http = |order: serde_json::Value| {
        let base = env.sandbox.base_url().to_owned();
        async move {
            let transport = lakala_transport::HyperTransport::builder().build().unwrap();
            let request = lakala_transport::HttpRequest::post(
                format!("{base}/sandbox/notify/open-platform"),
                order.to_string().into_bytes(),
            )
            .header("Content-Type", "application/json");
            let answer = lakala_transport::HttpTransport::send(&transport, request)
                .await
                .unwrap();
            (
                answer.status,
                serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap(),
            )
        }
    };
    let (status, answer) = http(json!({"url": url, "body": body("CLOSED"), "repeat": 3})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["deliveries"].as_array().unwrap().len(), 3);
    let (status, answer) =
        http(json!({"url": url, "body": body("FAIL"), "as_merchant_no": "822290059439999"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["answer"],
        String::from_utf8(OpenPlatformNotificationHandler::not_for_us_answer()).unwrap()
    );
    assert_eq!(*states.lock().unwrap(), ["DEAL", "SUCCESS", "CLOSED"]);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossborder_event_sealed_again_runs_the_code_once_and_each_answer_opens() {
    let (env, _dir, config) = setup().await;
    let c = client(&env, &config, None, "one");
    let handler = c
        .crossborder_notification_handler(Arc::new(lakala_journal::MemoryJournal::new()))
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let (url, seen) = listener(move |_, _, body| {
        let handler = handler.clone();
        let runs = counted.clone();
        let answer = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handler.process(body, |n| async move {
                assert_eq!(n.idempotency_key(), "crossborder:B0005:CB-1");
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(lakala_client::notification::CrossBorderAnswer::success(
                    r#"{"received":true}"#,
                ))
            }))
        });
        match answer {
            Ok(bytes) => (200, bytes),
            Err(e) => (400, e.to_string().into_bytes()),
        }
    })
    .await;
    for _ in 0..3 {
        // Each delivery is sealed afresh (new ts, new one-time key); the sandbox checks that
        // the answer copies this delivery's ts and opens under this delivery's key.
        let answer = env
            .sandbox
            .send_crossborder_notification(&url, r#"{"orderNo":"CB-1","retCode":"0000"}"#)
            .await
            .unwrap();
        assert_eq!(answer.ret_code, "0000");
        assert_eq!(answer.biz.as_deref(), Some(r#"{"received":true}"#));
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    env.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossborder_answer_as_lakalas_java_sdk_writes_it_is_accepted() {
    let env = start().await;
    let merchant_key = env.keys.crossborder_merchant_key().clone();
    // PayResultWebHook's answer: ver 1.0.0, no retMsg (empty in the MAC string), no encData.
    let (url, _) = listener(move |_, _, body| {
        let n: serde_json::Value = serde_json::from_slice(body).unwrap();
        let (ts, req_type) = (n["ts"].as_str().unwrap(), n["reqType"].as_str().unwrap());
        let mac = lakala_crypto::crossborder::MacInput::NotificationAnswer {
            ret_code: "0000",
            ret_msg: "",
            ts,
            req_type,
        }
        .sign(&merchant_key)
        .unwrap();
        let answer = json!({"retCode": "0000", "merId": n["merId"], "ts": ts,
            "reqType": req_type, "ver": "1.0.0", "mac": mac});
        (200, answer.to_string().into_bytes())
    })
    .await;
    let answer = env
        .sandbox
        .send_crossborder_notification(&url, r#"{"orderNo":"CB-2"}"#)
        .await
        .unwrap();
    assert_eq!(
        (answer.ret_code.as_str(), answer.ret_msg.as_str()),
        ("0000", "")
    );
    assert_eq!(answer.biz, None);
    env.sandbox.shutdown().await;
}
