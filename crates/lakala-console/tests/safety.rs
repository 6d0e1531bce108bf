//! The console's safety rules over real loopback HTTP (no browser): the bind rule, the
//! login gate, the security headers, the proxy-header login, cross-site and stale-token
//! POSTs refused, read-only refusing actions. The journal is a real SQLite file.

use axum::http::HeaderName;
use lakala_console::login::{Login, Operator};
use lakala_console::{Console, ConsoleConfig, ConsoleError, ACTION_EVENT};
use lakala_journal::{
    Intent, NewEvent, PaymentJournal, PaymentKey, PaymentStatus, SqliteJournal, StateUpdate,
};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "bob-token-0123456789abc";

async fn journal(dir: &tempfile::TempDir) -> Arc<dyn PaymentJournal> {
    let journal = SqliteJournal::open(dir.path().join("j.sqlite"))
        .await
        .unwrap();
    let key = PaymentKey::new("822290059430001", "S-1");
    journal
        .record_intent(&Intent::micropay(
            key.clone(),
            "T1",
            100,
            "2885**********2810",
            "0123456789abcdef0123456789abcdef",
            "shop",
            1_796_140_800,
        ))
        .await
        .unwrap();
    journal
        .append(
            &key,
            &NewEvent::new(
                1_796_140_801,
                "shop",
                "outcome",
                serde_json::json!({"outcome": "succeeded"}),
            ),
            &StateUpdate::status(PaymentStatus::Succeeded)
                .with_conflict("the platform says REFUND"),
            None,
        )
        .await
        .unwrap();
    Arc::new(journal)
}

/// One HTTP/1.1 exchange: the status, the headers (lower-case names) and the body.
async fn http(addr: std::net::SocketAddr, request: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn get(addr: std::net::SocketAddr, path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n")
}

fn post(addr: std::net::SocketAddr, path: &str, extra: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn config(journal: Arc<dyn PaymentJournal>, login: Login) -> ConsoleConfig {
    let mut c = ConsoleConfig::new(journal, login);
    c.bind = "127.0.0.1:0".parse().unwrap();
    c
}

#[tokio::test]
async fn a_non_loopback_bind_without_a_login_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(journal(&dir).await, Login::tokens([]));
    c.bind = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(
        Console::start(c).await,
        Err(ConsoleError::UnsafeBind(_))
    ));
}

#[tokio::test]
async fn pages_need_a_login_and_every_answer_carries_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let login = Login::tokens([Operator::new("bob", TOKEN).unwrap()]);
    let console = Console::start(config(journal(&dir).await, login))
        .await
        .unwrap();
    let addr = console.local_addr();

    let (status, headers, _) = http(addr, &get(addr, "/", "")).await;
    assert_eq!(status, 303);
    assert_eq!(header(&headers, "location"), Some("/login"));
    let (status, _, _) = http(
        addr,
        &post(addr, "/login", "", "token=wrong-token-0123456789"),
    )
    .await;
    assert_eq!(status, 401);
    for path in ["/login", "/assets/console.js", "/assets/console.css"] {
        let (status, headers, _) = http(addr, &get(addr, path, "")).await;
        assert_eq!(status, 200, "{path}");
        let csp = header(&headers, "content-security-policy").unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
    }

    let (status, headers, _) =
        http(addr, &post(addr, "/login", "", &format!("token={TOKEN}"))).await;
    assert_eq!(status, 303);
    let cookie = header(&headers, "set-cookie").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let (status, headers, body) =
        http(addr, &get(addr, "/", &format!("Cookie: {session}\r\n"))).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-security-policy").is_some());
    assert!(body.contains("S-1") && body.contains(">bob<"), "{body}");

    // A cross-site form, and a form with a token that is not this session's.
    let action = "/payment/822290059430001/S-1/action";
    let form = "csrf=0123&action_id=0123456789abcdef&action=conflict_handled&note=x";
    let (status, _, _) = http(
        addr,
        &post(
            addr,
            action,
            &format!("Cookie: {session}\r\nOrigin: http://evil.example\r\n"),
            form,
        ),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, body) = http(
        addr,
        &post(addr, action, &format!("Cookie: {session}\r\n"), form),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("stale"), "{body}");
    console.shutdown().await;
}

#[tokio::test]
async fn a_proxy_header_signs_in_and_read_only_refuses_actions() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(&dir).await;
    let login = Login::proxy_header(HeaderName::from_static("x-remote-user"));
    let mut c = config(journal.clone(), login);
    c.read_only = true;
    let console = Console::start(c).await.unwrap();
    let addr = console.local_addr();

    let (status, _, _) = http(addr, &get(addr, "/", "")).await;
    assert_eq!(status, 401, "no identity header, no page");
    let (status, headers, body) = http(
        addr,
        &get(
            addr,
            "/payment/822290059430001/S-1",
            "X-Remote-User: carol\r\n",
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains(">carol<") && body.contains("read-only"),
        "{body}"
    );
    assert!(
        !body.contains("/action\""),
        "no action forms in read-only mode"
    );
    let session = header(&headers, "set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // Without a client the platform's view is said to be unavailable.
    let (status, _, body) = http(
        addr,
        &get(
            addr,
            "/payment/822290059430001/S-1?query=1",
            "X-Remote-User: carol\r\n",
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("id=\"platform-unavailable\""), "{body}");
    let form = "csrf=x&action_id=0123456789abcdef&action=conflict_handled&note=handled";
    let (status, _, body) = http(
        addr,
        &post(
            addr,
            "/payment/822290059430001/S-1/action",
            &format!("X-Remote-User: carol\r\nCookie: {session}\r\n"),
            form,
        ),
    )
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("read-only"), "{body}");
    let events = journal
        .events(&PaymentKey::new("822290059430001", "S-1"))
        .await
        .unwrap();
    assert!(events.iter().all(|e| e.kind != ACTION_EVENT));
    console.shutdown().await;
}
