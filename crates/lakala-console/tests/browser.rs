//! The console and the sandbox's developer page in a real browser: headless Chromium
//! driven over WebDriver (`fantoccini`, Debian's `chromium` and `chromium-driver`), with
//! chromedriver started here as a child process on a free loopback port. One browser
//! session serves every check, in order. A machine without Chromium fails this test.
//!
//! The journal is a real SQLite file; the platform is a real sandbox over loopback HTTP;
//! the client is the SDK's own. With `LAKALA_CONSOLE_SCREENSHOTS=DIR` the pages are
//! also saved there as PNG (`cargo xtask console-screenshots` writes `docs/console/`).

use fantoccini::{Client, ClientBuilder, Locator};
use lakala_client::{
    Config, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy, PollSchedule,
};
use lakala_console::login::{Login, Operator};
use lakala_console::{Console, ConsoleConfig, RunningConsole, ACTION_EVENT};
use lakala_journal::{
    Intent, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal, StateUpdate,
};
use lakala_sandbox::behaviour::{auth_codes, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{NotifyPolicy, RunningSandbox, Sandbox, SandboxConfig};
use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "alice-token-0123456789";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver as a child process, killed when dropped.
struct Driver {
    child: tokio::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Driver {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "the browser tests need Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver"
    );
    let port = free_port();
    let child = tokio::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Driver { child, port };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1280,1500", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session starts")
}

fn pay(out_trade_no: &str, auth_code: &str, fen: u64) -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(fen).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct World {
    sandbox: RunningSandbox,
    journal: Arc<dyn PaymentJournal>,
    client: LakalaClient,
    _dir: tempfile::TempDir,
}

/// A sandbox, an SQLite journal and a client, and a day with succeeded, pending,
/// unresolved and conflicting payments.
async fn world() -> World {
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .pending_delay(Duration::from_secs(1))
            .notify(NotifyPolicy::new(1, Duration::from_millis(10))),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = sandbox.write_client_config(dir.path()).unwrap();
    let mut config = Config::from_file_and_env(Some(&path), |_| None).unwrap();
    config.poll_schedule = PollSchedule::from_secs(&[0]);
    let journal: Arc<dyn PaymentJournal> = Arc::new(
        SqliteJournal::open(dir.path().join("journal.sqlite"))
            .await
            .unwrap(),
    );
    let client = LakalaClient::builder(config)
        .journal(journal.clone())
        .resolved_elsewhere()
        .build()
        .unwrap();
    let wait = || MicropayOptions::new(PendingPolicy::ReturnPending);
    for (n, fen) in [("BR-OK-1", 1234), ("BR-OK-2", 560), ("BR-OK-3", 99_900)] {
        let out = client
            .micropay(pay(n, auth_codes::SUCCEED, fen), wait())
            .await
            .unwrap();
        assert!(matches!(out, PaymentOutcome::Succeeded { .. }), "{out:?}");
    }
    let out = client
        .micropay(
            pay("BR-PENDING", auth_codes::PENDING_THEN_SUCCEED, 4321),
            wait(),
        )
        .await
        .unwrap();
    assert!(matches!(out, PaymentOutcome::Pending(_)), "{out:?}");
    let declined = client
        .micropay(
            pay("BR-DECLINED", auth_codes::INSUFFICIENT_BALANCE, 700),
            wait(),
        )
        .await
        .unwrap();
    assert!(
        !matches!(declined, PaymentOutcome::Succeeded { .. }),
        "{declined:?}"
    );
    // Unresolved: journaled, never answered, given up on by the resolver's rules.
    let key = PaymentKey::new(MERCHANT_NO, "BR-UNRESOLVED");
    let t = now();
    journal
        .record_intent(&Intent::micropay(
            key.clone(),
            TERM_NO,
            880,
            "2885**********0000",
            "0123456789abcdef0123456789abcdef",
            "shop-1",
            t,
        ))
        .await
        .unwrap();
    journal
        .append(
            &key,
            &NewEvent::new(
                t,
                "shop-1",
                "note",
                json!({"unresolved": "no answer within the horizon"}),
            ),
            &StateUpdate::status(PaymentStatus::Unresolved)
                .with_reason("no answer within the horizon"),
            None,
        )
        .await
        .unwrap();
    // A conflict: final in the journal, different on the platform.
    journal
        .append(
            &PaymentKey::new(MERCHANT_NO, "BR-OK-3"),
            &NewEvent::new(
                now(),
                "reconcile-1",
                "reconciled",
                json!({"class": "contradiction", "trade_state": "REFUND"}),
            ),
            &StateUpdate::none()
                .with_conflict("the platform says REFUND; the journal says succeeded"),
            None,
        )
        .await
        .unwrap();
    background_day(journal.as_ref()).await;
    World {
        sandbox,
        journal,
        client,
        _dir: dir,
    }
}

/// Earlier payments of the day, of another merchant, all final and without conflict (the
/// charts have something to draw): journaled as a shop's journal holds them.
const BACKGROUND: i64 = 36;
const OTHER_MERCHANT: &str = "822290059430002";

async fn background_day(journal: &dyn PaymentJournal) {
    let t = now();
    let day_start = lakala_client::china_day::ChinaDay::of_unix(t).start_unix();
    let delays = [0, 1, 2, 4, 9, 14, 40, 150, 700];
    for k in 0..BACKGROUND {
        let created = (t - 120 - k * 97 - (k % 5) * 31).max(day_start);
        let key = PaymentKey::new(OTHER_MERCHANT, format!("BG-{k:03}"));
        let intent = Intent::micropay(
            key.clone(),
            TERM_NO,
            100 + k * 37,
            "2885**********2810",
            format!("{:032x}", k + 1),
            "shop-2",
            created,
        );
        journal.record_intent(&intent).await.unwrap();
        let (status, outcome) = match k % 9 {
            4 => (PaymentStatus::Failed, "failed"),
            8 => (PaymentStatus::Revoked, "revoked"),
            _ => (PaymentStatus::Succeeded, "succeeded"),
        };
        let at = created + delays[(k as usize * 7) % delays.len()];
        journal
            .append(
                &key,
                &NewEvent::new(at, "shop-2", "outcome", json!({"outcome": outcome})),
                &StateUpdate::status(status).with_outcome(outcome),
                None,
            )
            .await
            .unwrap();
    }
}

async fn console(world: &World, read_only: bool) -> RunningConsole {
    let mut config = ConsoleConfig::new(
        world.journal.clone(),
        Login::tokens([Operator::new("alice", TOKEN).unwrap()]),
    );
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.client = Some(world.client.clone());
    config.read_only = read_only;
    Console::start(config).await.unwrap()
}

async fn sign_in(b: &Client, base: &str) {
    b.goto(&format!("{base}/login")).await.unwrap();
    b.find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if !b.current_url().await.unwrap().as_str().ends_with("/login") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let who = text(b, "#identity").await;
    assert_eq!(who, "alice");
}

async fn text(b: &Client, css: &str) -> String {
    // A page still loading may replace the element between finding and reading it.
    for _ in 0..100 {
        if let Ok(e) = b.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match b.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap(),
        Err(e) => {
            let page = b
                .find(Locator::Css("main"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            panic!("{css}: {e}; the page says: {page}")
        }
    }
}

async fn row_ids(b: &Client) -> Vec<String> {
    let mut ids = Vec::new();
    for row in b.find_all(Locator::Css("#rows tr a")).await.unwrap() {
        ids.push(row.text().await.unwrap());
    }
    ids
}

/// Waits (bounded) until `css` matches; the browser's live updates are not instant.
async fn wait_for(b: &Client, css: &str) -> fantoccini::elements::Element {
    for _ in 0..300 {
        if let Ok(e) = b.find(Locator::Css(css)).await {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never appeared");
}

/// Every resource the page loaded, and the page itself, come from `origin`.
async fn only_from(b: &Client, origin: &str) {
    let urls = b
        .execute(
            "return [location.href].concat(performance.getEntries().map(e => e.name).filter(n => n.includes(':')));",
            vec![],
        )
        .await
        .unwrap();
    let urls: Vec<String> = serde_json::from_value(urls).unwrap();
    assert!(
        urls.len() > 1,
        "the page loaded its script and style: {urls:?}"
    );
    for url in &urls {
        assert!(url.starts_with(origin), "{url} is not from {origin}");
    }
}

async fn shot(b: &Client, name: &str) {
    let png = b.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var_os("LAKALA_CONSOLE_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_and_the_sandbox_page_in_a_real_browser() {
    let world = world().await;
    let running = console(&world, false).await;
    let base = running.base_url();
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(&driver, profile.path()).await;

    // Unsigned: sent to the login page.
    b.goto(&base).await.unwrap();
    assert!(b.current_url().await.unwrap().as_str().ends_with("/login"));
    sign_in(&b, &base).await;

    // The list: every payment of the day, newest first, statuses shown.
    let ids = row_ids(&b).await;
    for n in [
        "BR-OK-1",
        "BR-OK-2",
        "BR-OK-3",
        "BR-PENDING",
        "BR-DECLINED",
        "BR-UNRESOLVED",
    ] {
        assert!(ids.iter().any(|i| i == n), "{n} listed: {ids:?}");
    }
    assert!(text(&b, "#rows").await.contains("conflict"));
    only_from(&b, &base).await;
    shot(&b, "payments").await;

    // Filters.
    let day = lakala_client::china_day::ChinaDay::of_unix(now()).to_string();
    b.goto(&format!("{base}/?view=open&day={day}"))
        .await
        .unwrap();
    let mut open = row_ids(&b).await;
    open.sort();
    assert_eq!(open, ["BR-PENDING", "BR-UNRESOLVED"]);
    b.goto(&format!("{base}/?view=unresolved")).await.unwrap();
    assert_eq!(row_ids(&b).await, ["BR-UNRESOLVED"]);
    b.goto(&format!("{base}/?view=conflicts")).await.unwrap();
    assert_eq!(row_ids(&b).await, ["BR-OK-3"]);
    shot(&b, "conflicts").await;
    b.goto(&format!(
        "{base}/?status=succeeded&min=5&max=20&merchant={MERCHANT_NO}"
    ))
    .await
    .unwrap();
    let mut between = row_ids(&b).await;
    between.sort();
    assert_eq!(
        between,
        ["BR-OK-1", "BR-OK-2"],
        "12.34 and 5.60 yuan; not 999.00"
    );
    b.goto(&format!("{base}/")).await.unwrap();
    b.find(Locator::Id("f-q"))
        .await
        .unwrap()
        .send_keys("PENDING")
        .await
        .unwrap();
    b.find(Locator::Id("f-apply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if b.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("q=PENDING")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for(&b, "#rows").await;
    assert_eq!(row_ids(&b).await, ["BR-PENDING"]);
    b.goto(&format!("{base}/?day=2001-01-01")).await.unwrap();
    assert!(row_ids(&b).await.is_empty());

    // The day's charts, drawn on the server.
    b.goto(&format!("{base}/day/{day}")).await.unwrap();
    for chart in [
        "#chart-per-minute",
        "#chart-time-to-final",
        "#chart-pending-share",
    ] {
        b.find(Locator::Css(chart)).await.unwrap();
    }
    assert_eq!(
        text(&b, "#sum-payments").await,
        (6 + BACKGROUND).to_string()
    );
    assert_eq!(text(&b, "#sum-open").await, "2");
    assert_eq!(text(&b, "#sum-unresolved").await, "1");
    assert_eq!(text(&b, "#sum-conflicts").await, "1");
    let bars = b
        .find_all(Locator::Css("#chart-per-minute rect.bar"))
        .await
        .unwrap();
    let mut drawn: i64 = 0;
    for bar in bars {
        drawn += bar
            .attr("data-count")
            .await
            .unwrap()
            .unwrap()
            .parse::<i64>()
            .unwrap();
    }
    assert_eq!(
        drawn,
        6 + BACKGROUND,
        "every payment is in the per-minute chart"
    );
    only_from(&b, &base).await;
    shot(&b, "day").await;

    // A payment's page: the timeline, and the platform's view on request.
    let pending = format!("{base}/payment/{MERCHANT_NO}/BR-PENDING");
    b.goto(&pending).await.unwrap();
    let kinds = b.find_all(Locator::Css("#timeline li")).await.unwrap();
    assert!(kinds.len() >= 3, "intent, answer, query at least");
    assert!(text(&b, "#timeline").await.contains("trade query"));
    b.find(Locator::Id("query-platform"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = text(&b, "#platform-state").await;
    assert!(["DEAL", "SUCCESS"].contains(&state.as_str()), "{state}");
    shot(&b, "payment").await;

    // Live: a new payment's row appears on the open list page without a reload.
    b.goto(&base).await.unwrap();
    wait_for(&b, "body").await;
    for _ in 0..100 {
        if text(&b, "#live-state").await == "live" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    world
        .client
        .micropay(
            pay("BR-LIVE", auth_codes::SUCCEED_WECHAT, 250),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    let live_row = wait_for(&b, &format!("#row-{}-{}", hex(MERCHANT_NO), hex("BR-LIVE"))).await;
    assert!(live_row.text().await.unwrap().contains("succeeded"));

    // Resolve now: the pending payment is settled by the resolver's own path.
    tokio::time::sleep(Duration::from_millis(1200)).await; // the sandbox's pending delay
    b.goto(&pending).await.unwrap();
    let form_fields = b
        .execute(
            "const f = document.getElementById('form-resolve'); return [f.csrf.value, f.action_id.value, f.getAttribute('action')];",
            vec![],
        )
        .await
        .unwrap();
    b.find(Locator::Id("resolve-now"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = text(&b, "#done").await;
    assert!(done.contains("succeeded"), "{done}");
    assert!(text(&b, "#status").await.contains("succeeded"));
    let record = world
        .journal
        .payment(&PaymentKey::new(MERCHANT_NO, "BR-PENDING"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, PaymentStatus::Succeeded);
    let events = world.journal.events(&record.key).await.unwrap();
    let actions: Vec<&Value> = events
        .iter()
        .filter(|e| e.kind == ACTION_EVENT)
        .map(|e| &e.payload)
        .collect();
    assert!(
        actions
            .iter()
            .all(|p| p["by"] == "alice" && p["action"] == "resolve_now"),
        "{actions:?}"
    );
    assert_eq!(actions.len(), 2, "requested and done: {actions:?}");
    assert!(text(&b, "#timeline").await.contains("by alice"));
    only_from(&b, &base).await;
    shot(&b, "payment-resolved").await;

    // The same form again: nothing is done twice.
    let fields: Vec<String> = serde_json::from_value(form_fields).unwrap();
    let again = b
        .execute_async(
            "const [csrf, id, url, done] = arguments; fetch(url, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams({csrf, action_id: id, action: 'resolve_now'})}).then(r => r.text()).then(done);",
            vec![json!(fields[0]), json!(fields[1]), json!(fields[2])],
        )
        .await
        .unwrap();
    assert!(
        again.as_str().unwrap().contains("submitted before"),
        "{again}"
    );
    let after = world.journal.events(&record.key).await.unwrap();
    assert_eq!(
        after.len(),
        events.len(),
        "a repeated submit journals nothing"
    );

    // A stale CSRF token (from the session before signing in again) is refused.
    let conflict = format!("{base}/payment/{MERCHANT_NO}/BR-OK-3");
    b.goto(&conflict).await.unwrap();
    assert!(text(&b, "#conflict").await.contains("REFUND"));
    let old_csrf = b
        .execute(
            "return document.getElementById('form-handled').csrf.value;",
            vec![],
        )
        .await
        .unwrap();
    sign_in(&b, &base).await;
    b.goto(&conflict).await.unwrap();
    b.execute(
        "document.getElementById('form-handled').csrf.value = arguments[0];",
        vec![old_csrf],
    )
    .await
    .unwrap();
    b.find(Locator::Id("handled-note"))
        .await
        .unwrap()
        .send_keys("called the shop")
        .await
        .unwrap();
    b.find(Locator::Id("mark-handled"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&b, "#message").await.contains("stale"));
    let events = world
        .journal
        .events(&PaymentKey::new(MERCHANT_NO, "BR-OK-3"))
        .await
        .unwrap();
    assert!(
        events.iter().all(|e| e.kind != ACTION_EVENT),
        "nothing journaled on a stale token"
    );

    // With this session's token the conflict is marked handled, with the note.
    b.goto(&conflict).await.unwrap();
    b.find(Locator::Id("handled-note"))
        .await
        .unwrap()
        .send_keys("refund confirmed with the shop")
        .await
        .unwrap();
    b.find(Locator::Id("mark-handled"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&b, "#done").await.contains("handled"));
    assert!(text(&b, "#conflict").await.contains("marked handled"));
    assert!(text(&b, "#timeline")
        .await
        .contains("refund confirmed with the shop"));
    shot(&b, "conflict-handled").await;

    // Revoke with a typed confirmation, through the client's own revoke.
    b.goto(&format!("{base}/payment/{MERCHANT_NO}/BR-OK-1"))
        .await
        .unwrap();
    let revoke = b.find(Locator::Id("revoke")).await.unwrap();
    b.find(Locator::Id("revoke-confirm"))
        .await
        .unwrap()
        .send_keys("BR-OK-")
        .await
        .unwrap();
    assert!(
        !revoke.is_enabled().await.unwrap(),
        "disabled until the order number is typed"
    );
    let revoke_fields = b
        .execute(
            "const f = document.getElementById('form-revoke'); return [f.csrf.value, f.action_id.value, f.getAttribute('action')];",
            vec![],
        )
        .await
        .unwrap();
    b.find(Locator::Id("revoke-confirm"))
        .await
        .unwrap()
        .send_keys("1")
        .await
        .unwrap();
    assert!(revoke.is_enabled().await.unwrap());
    revoke.click().await.unwrap();
    let done = text(&b, "#done").await;
    assert!(done.contains("Revoked"), "{done}");
    assert_eq!(world.sandbox.revokes_executed("BR-OK-1"), 1);
    // The same revoke form again: nothing is sent twice.
    let fields: Vec<String> = serde_json::from_value(revoke_fields).unwrap();
    let again = b
        .execute_async(
            "const [csrf, id, url, done] = arguments; fetch(url, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams({csrf, action_id: id, action: 'revoke', confirm: 'BR-OK-1'})}).then(r => r.text()).then(done);",
            vec![json!(fields[0]), json!(fields[1]), json!(fields[2])],
        )
        .await
        .unwrap();
    assert!(
        again.as_str().unwrap().contains("submitted before"),
        "{again}"
    );
    assert_eq!(
        world.sandbox.revokes_executed("BR-OK-1"),
        1,
        "one revoke only"
    );

    // Refund: the amount typed twice; a mismatch does nothing.
    b.goto(&format!("{base}/payment/{MERCHANT_NO}/BR-OK-2"))
        .await
        .unwrap();
    b.find(Locator::Id("refund-amount"))
        .await
        .unwrap()
        .send_keys("1.00")
        .await
        .unwrap();
    b.find(Locator::Id("refund-confirm"))
        .await
        .unwrap()
        .send_keys("1.10")
        .await
        .unwrap();
    b.find(Locator::Id("refund"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text(&b, "#message").await.contains("not the same amount"));
    assert_eq!(world.sandbox.refunds_executed("BR-OK-2"), 0);
    b.goto(&format!("{base}/payment/{MERCHANT_NO}/BR-OK-2"))
        .await
        .unwrap();
    b.find(Locator::Id("refund-amount"))
        .await
        .unwrap()
        .send_keys("1.00")
        .await
        .unwrap();
    b.find(Locator::Id("refund-confirm"))
        .await
        .unwrap()
        .send_keys("1.00")
        .await
        .unwrap();
    b.find(Locator::Id("refund"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = text(&b, "#done").await;
    assert!(done.contains("Refunded"), "{done}");
    assert_eq!(world.sandbox.refunded_amount("BR-OK-2"), 100);
    assert!(text(&b, "#companions").await.contains("refund"));

    // Read-only: no action shown, and a POST is refused.
    let ro = console(&world, true).await;
    let ro_base = ro.base_url();
    sign_in(&b, &ro_base).await;
    b.find(Locator::Id("read-only")).await.unwrap();
    b.goto(&format!("{ro_base}/payment/{MERCHANT_NO}/BR-UNRESOLVED"))
        .await
        .unwrap();
    assert!(
        b.find(Locator::Id("actions")).await.is_err(),
        "no actions in read-only mode"
    );
    assert!(b
        .find_all(Locator::Css("main form"))
        .await
        .unwrap()
        .is_empty());
    let refused = b
        .execute_async(
            "const [done] = arguments; fetch(location.pathname + '/action', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf=x&action_id=0123456789abcdef&action=resolve_now'}).then(r => r.status + ' ' + r.statusText).then(done);",
            vec![],
        )
        .await
        .unwrap();
    assert!(refused.as_str().unwrap().starts_with("403"), "{refused}");
    shot(&b, "read-only").await;
    // Signing out ends the session: the next page asks for the token again.
    b.find(Locator::Id("sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if b.current_url().await.unwrap().as_str().ends_with("/login") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.goto(&ro_base).await.unwrap();
    assert!(b.current_url().await.unwrap().as_str().ends_with("/login"));

    // The sandbox's page: a request with a bad signature, refused, and why.
    let http = HyperTransport::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let keys = world.sandbox.keys();
    let auth = format!(
        r#"LKLAPI-SHA256withRSA appid="{}",serial_no="{}",timestamp="{}",nonce_str="abcdefghijkl",signature="QUJDRA==""#,
        keys.appid(),
        keys.serial_no(),
        now()
    );
    let body = json!({"req_time": "20261202100000", "version": "3.0", "req_data": {"merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "BR-FORGED"}}).to_string();
    let answer = http
        .send(
            HttpRequest::post(
                format!("{}/api/v3/labs/query/tradequery", world.sandbox.base_url()),
                body.into_bytes(),
            )
            .header("Content-Type", "application/json;charset=utf-8")
            .header("Authorization", auth),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 401);
    b.goto(&format!("{}/_dev", world.sandbox.base_url()))
        .await
        .unwrap();
    let refused_row = b.find(Locator::Css("#requests tr.refused")).await.unwrap();
    let row = refused_row.text().await.unwrap();
    assert!(
        row.contains("BR-FORGED") && row.contains("SBX40104") && row.contains("验签失败"),
        "{row}"
    );
    let cells = refused_row.find_all(Locator::Css("td.bad")).await.unwrap();
    assert_eq!(cells.len(), 1, "one check failed");
    assert_eq!(
        cells[0].attr("title").await.unwrap().as_deref(),
        Some("failed")
    );
    let headers = b.find_all(Locator::Css("#requests th")).await.unwrap();
    let cells_all = refused_row.find_all(Locator::Css("td")).await.unwrap();
    let mut failed_check = String::new();
    for (h, c) in headers.iter().zip(cells_all.iter()) {
        if c.attr("class").await.unwrap().as_deref() == Some("bad") {
            failed_check = h.text().await.unwrap();
        }
    }
    assert_eq!(failed_check, "signature");
    assert!(text(&b, "#orders").await.contains("BR-PENDING"));
    assert!(text(&b, "#scenarios")
        .await
        .contains(auth_codes::PENDING_THEN_SUCCEED));
    only_from(&b, world.sandbox.base_url()).await;
    shot(&b, "sandbox").await;

    b.close().await.unwrap();
    ro.shutdown().await;
    running.shutdown().await;
    drop(driver);
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
