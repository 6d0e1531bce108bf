//! `lakala console` as a child process: refuses to start without a journal or on a
//! non-loopback address without a login, and serves its login on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn lakala() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lakala"));
    for var in [
        "LAKALA_CONFIG",
        "LAKALA_BASE_URL",
        "LAKALA_JOURNAL",
        "LAKALA_CONSOLE_TOKEN",
        "LAKALA_CONSOLE_OPERATOR",
    ] {
        c.env_remove(var);
    }
    c
}

#[test]
fn it_refuses_to_start_without_a_journal_or_on_a_public_address_without_a_login() {
    let out = lakala().arg("console").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("which journal"));

    let dir = tempfile::tempdir().unwrap();
    let journal = format!("sqlite:{}", dir.path().join("j.sqlite").display());
    let out = lakala()
        .args(["--journal", &journal, "console", "--bind", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on 0.0.0.0:0"), "{err}");
}

#[test]
fn it_serves_its_login_on_loopback_with_the_operator_token() {
    let dir = tempfile::tempdir().unwrap();
    let journal = format!("sqlite:{}", dir.path().join("j.sqlite").display());
    let token = "dana-token-0123456789abcdef";
    let mut child = lakala()
        .args([
            "--journal",
            &journal,
            "console",
            "--bind",
            "127.0.0.1:0",
            "--read-only",
        ])
        .env("LAKALA_CONSOLE_TOKEN", token)
        .env("LAKALA_CONSOLE_OPERATOR", "dana")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("http://").unwrap().to_owned();
    let exchange = |request: String| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    };
    let login = exchange(format!(
        "GET /login?token={token} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    ));
    let wrong = exchange(format!(
        "GET /login?token=wrong-token-0123456789 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    ));
    let _ = child.kill();
    let _ = child.wait();
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    assert!(
        login
            .to_ascii_lowercase()
            .contains("set-cookie: lakala_console="),
        "{login}"
    );
}
