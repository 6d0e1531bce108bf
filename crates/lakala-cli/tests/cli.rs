//! The built `lakala` binary: every subcommand, its exit statuses and its `--json` output.

use lakala_crypto::crossborder::Platform;
use lakala_crypto::{PrivateKey, TsGenerator};
use lakala_sandbox::behaviour::{auth_codes, cert_numbers, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{files, RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The binary, with its default journal in a directory of this test run (never the
/// user's own data directory).
fn lakala_command() -> Command {
    static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| tempfile::tempdir().unwrap());
    let mut command = Command::new(env!("CARGO_BIN_EXE_lakala"));
    command
        .env("XDG_DATA_HOME", data.path())
        .env_remove("LAKALA_JOURNAL");
    command
}

fn lakala(args: &[&str], stdin: &[u8]) -> (i32, Value, String) {
    let mut child = lakala_command()
        .args(args)
        .env_remove("LAKALA_BASE_URL")
        .env_remove("LAKALA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (
        status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/lakala")
        .join(rel)
}

async fn sandbox(dir: &Path) -> (RunningSandbox, String) {
    let sandbox = Sandbox::start(SandboxConfig::default().pending_delay(Duration::from_secs(1)))
        .await
        .unwrap();
    sandbox.keys().write(dir).unwrap();
    let config = sandbox.write_client_config(dir).unwrap();
    (sandbox, config.display().to_string())
}

#[test]
fn demo_runs_every_flow() {
    let (code, json, _) = lakala(&["--json", "demo"], b"");
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["outcome"], "completed");
    let steps = json["response"].as_array().unwrap();
    assert!(steps.len() >= 9);
    assert!(steps.iter().all(|s| s["ok"] == true), "{json}");
}

#[test]
fn micropay_outcomes_and_exit_statuses_on_the_embedded_sandbox() {
    let base = [
        "--json",
        "micropay",
        "--merchant-no",
        MERCHANT_NO,
        "--term-no",
        TERM_NO,
        "--amount",
        "101",
    ];
    let run = |extra: &[&str]| lakala(&[&base[..], extra].concat(), b"");

    let (code, json, stderr) = run(&["--auth-code", auth_codes::SUCCEED]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("succeeded")),
        "{json} {stderr}"
    );
    // The sandbox's DCP00000 names no merchant_no, so the success is bound to the merchant
    // by a trade query; the library's stable JSON form carries that verified answer.
    assert_eq!(json["response"]["code"], "BBS00000");
    assert_eq!(json["response"]["resp_data"]["trade_state"], "SUCCESS");
    assert_eq!(json["confirmation"]["by"], "query", "{json}");
    assert_eq!(json["confirmation"]["response"], json["response"]);
    assert!(
        stderr.contains("embedded sandbox"),
        "the zero-configuration default says so: {stderr}"
    );

    // A code-only decline is failed once the query confirms it, with both as evidence.
    let (code, json, _) = run(&["--auth-code", auth_codes::INSUFFICIENT_BALANCE]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (3, Some("failed")),
        "{json}"
    );
    assert_eq!(json["response"]["trade_state"], "FAIL", "{json}");
    assert_eq!(json["response"]["micropay_code"], "SBX20001", "{json}");

    let (code, json, _) = run(&[
        "--auth-code",
        auth_codes::PENDING_UNTIL_REVOKED,
        "--poll-schedule",
        "1,1",
    ]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("pending")),
        "{json}"
    );
    assert!(json["order"]["out_trade_no"].is_string());
    // The library's stable JSON form of a pending payment, field for field.
    assert!(json["order"]["trade_no"].is_string() || json["order"]["trade_no"].is_null());
    assert!(
        json["last_state"].is_string() || json["last_state"].is_null(),
        "{json}"
    );
    assert!(json["reason"].is_string(), "{json}");
    assert!(json.as_object().unwrap().contains_key("revoke"), "{json}");

    let (code, json, _) = run(&[
        "--auth-code",
        auth_codes::PENDING_UNTIL_REVOKED,
        "--poll-schedule",
        "1",
        "--on-pending",
        "revoke",
    ]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (3, Some("revoked")),
        "{json}"
    );
}

#[test]
fn micropay_progress_is_shown_on_stderr_without_json() {
    let (code, _, stderr) = lakala(
        &[
            "micropay",
            "--merchant-no",
            MERCHANT_NO,
            "--term-no",
            TERM_NO,
            "--amount",
            "1",
            "--auth-code",
            auth_codes::PENDING_THEN_SUCCEED,
            "--poll-schedule",
            "1,1,1,1",
        ],
        b"",
    );
    // The embedded sandbox settles pending payments after 12 s: still pending after 4.
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("lakala query --merchant-no") || stderr.contains("no final state"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pending (DCP10000)") && stderr.contains("query 1/4 in 1s"),
        "{stderr}"
    );
}

#[test]
fn auth_system_error_is_try_again_not_a_refusal() {
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "auth",
            "--biz-type",
            "00",
            "--name",
            "张三",
            "--cert-no",
            cert_numbers::SYSTEM_ERROR_9999,
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str(), json["ret_code"].as_str()),
        (6, Some("try_again"), Some("9999")),
        "{json} {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn processes_started_in_the_same_second_do_not_reuse_ts() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    // Ten `lakala auth` processes at once, for one merchant: the sandbox refuses a reused
    // ts with 9999, as the platform does.
    let children: Vec<_> = (0..10)
        .map(|i| {
            lakala_command()
                .args([
                    "--json",
                    "--config",
                    config.as_str(),
                    "auth",
                    "--order-no",
                    &format!("TS{i}"),
                    "--biz-type",
                    "00",
                    "--name",
                    "张三",
                    "--cert-no",
                    cert_numbers::VERIFIED,
                ])
                .env_remove("LAKALA_BASE_URL")
                .env_remove("LAKALA_CONFIG")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        assert_eq!(
            (out.status.code(), json["outcome"].as_str()),
            (Some(0), Some("verified")),
            "{json} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    sandbox.shutdown().await;
}

#[test]
fn auth_verified_and_refused() {
    let (code, json, _) = lakala(
        &[
            "--json",
            "auth",
            "--biz-type",
            "00",
            "--name",
            "张三",
            "--cert-no",
            cert_numbers::VERIFIED,
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("verified")),
        "{json}"
    );
    assert_eq!(json["response"]["encData"]["retCode"], "0000");
    let (code, json, _) = lakala(
        &[
            "--json",
            "auth",
            "--biz-type",
            "00",
            "--name",
            "张三",
            "--cert-no",
            cert_numbers::MISMATCH_9001,
        ],
        b"",
    );
    assert_eq!(
        (code, json["ret_code"].as_str()),
        (3, Some("9001")),
        "{json}"
    );
    // bizType 01 without a bank card number: bad input, nothing sent.
    let (code, _, stderr) = lakala(
        &[
            "auth",
            "--biz-type",
            "01",
            "--name",
            "张三",
            "--cert-no",
            cert_numbers::VERIFIED,
        ],
        b"",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bankCardNo"), "{stderr}");
}

#[test]
fn preauth_native_draws_the_qr_code() {
    let (code, _, _) = lakala(
        &[
            "preauth",
            "--account-type",
            "ALIPAY",
            "--trans-type",
            "41",
            "--amount",
            "100",
            "--subject",
            "t",
        ],
        b"",
    );
    assert_eq!(code, 0);
    let out = lakala_command()
        .args([
            "preauth",
            "--account-type",
            "ALIPAY",
            "--trans-type",
            "41",
            "--amount",
            "100",
            "--subject",
            "t",
        ])
        .env_remove("LAKALA_BASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("QR code: https://") && text.contains('█'),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn query_revoke_refund_against_a_configured_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let cfg = ["--json", "--config", config.as_str()];
    let ids = ["--merchant-no", MERCHANT_NO, "--term-no", TERM_NO];
    let (code, json, stderr) = lakala(
        &[
            &cfg[..],
            &[
                "micropay",
                "--auth-code",
                auth_codes::SUCCEED,
                "--amount",
                "300",
                "--out-trade-no",
                "CLIPAY1",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(code, 0, "{json} {stderr}");
    assert!(!stderr.contains("embedded sandbox"));

    let (code, json, _) = lakala(
        &[&cfg[..], &["query", "--out-trade-no", "CLIPAY1"], &ids[..]].concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("trade_success")),
        "{json}"
    );
    // A trade that ends CLOSE (after the sandbox's 1 s pending delay): failed, naming
    // the state.
    let (code, json, _) = lakala(
        &[
            &cfg[..],
            &[
                "micropay",
                "--auth-code",
                auth_codes::PENDING_THEN_CLOSE,
                "--amount",
                "7",
                "--poll-schedule",
                "2",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (
            code,
            json["outcome"].as_str(),
            json["response"]["trade_state"].as_str()
        ),
        (3, Some("failed"), Some("CLOSE")),
        "{json}"
    );
    let (code, json, _) = lakala(
        &[&cfg[..], &["query", "--out-trade-no", "NOSUCH"], &ids[..]].concat(),
        b"",
    );
    // Not found is not "not paid": unknown, exit 4.
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("not_found")),
        "{json}"
    );

    let (code, json, _) = lakala(
        &[
            &cfg[..],
            &[
                "refund",
                "--origin-out-trade-no",
                "CLIPAY1",
                "--refund-amount",
                "200",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("refunded")),
        "{json}"
    );
    let (code, json, _) = lakala(
        &[
            &cfg[..],
            &[
                "refund",
                "--origin-out-trade-no",
                "CLIPAY1",
                "--refund-amount",
                "101",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    // The sandbox's own refusal code is not a listed definite refusal: unknown (4), with
    // what to do, never "declined".
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "more than what is left: {json}"
    );
    let (code, json, _) = lakala(
        &[&cfg[..], &["query", "--out-trade-no", "CLIPAY1"], &ids[..]].concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("trade_part_refund")),
        "{json}"
    );

    lakala(
        &[
            &cfg[..],
            &[
                "micropay",
                "--auth-code",
                auth_codes::PENDING_UNTIL_REVOKED,
                "--amount",
                "5",
                "--out-trade-no",
                "CLIPAY2",
                "--poll-schedule",
                "1",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    let (code, json, _) = lakala(
        &[
            &cfg[..],
            &["revoke", "--origin-out-trade-no", "CLIPAY2"],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("revoked")),
        "{json}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refund_query_and_close_against_a_configured_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let cfg = ["--json", "--config", config.as_str()];
    let ids = ["--merchant-no", MERCHANT_NO, "--term-no", TERM_NO];
    let run = |args: &[&str]| lakala(&[&cfg[..], args, &ids[..]].concat(), b"");
    let (code, json, stderr) = run(&[
        "micropay",
        "--auth-code",
        auth_codes::SUCCEED,
        "--amount",
        "1000",
        "--out-trade-no",
        "CLIRQ1",
    ]);
    assert_eq!(code, 0, "{json} {stderr}");

    // A refund the platform keeps DEAL: the refund query says in progress (4), never done.
    let (_, json, _) = run(&[
        "refund",
        "--origin-out-trade-no",
        "CLIRQ1",
        "--refund-amount",
        "77",
        "--out-trade-no",
        "CLIRQ1F1",
    ]);
    // The typed outcome: in progress, with the refund's verified answer as evidence.
    assert_eq!(json["outcome"], "in_progress", "{json}");
    assert_eq!(
        json["response"]["evidence"]["response"]["trade_state"], "DEAL",
        "{json}"
    );
    for _ in 0..2 {
        let (code, json, _) = run(&["refund-query", "--out-refund-order-no", "CLIRQ1F1"]);
        assert_eq!(
            (code, json["outcome"].as_str()),
            (4, Some("in_progress")),
            "{json}"
        );
        assert_eq!(json["response"]["resp_data"]["trade_state"], "DEAL");
        assert_eq!(json["out_refund_order_no"], "CLIRQ1F1");
    }
    // A refund done at once: refunded (0).
    run(&[
        "refund",
        "--origin-out-trade-no",
        "CLIRQ1",
        "--refund-amount",
        "100",
        "--out-trade-no",
        "CLIRQ1F2",
    ]);
    let (code, json, _) = run(&["refund-query", "--out-refund-order-no", "CLIRQ1F2"]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("refunded")),
        "{json}"
    );
    // A refund nobody knows: not found is not "failed": unknown (4).
    let (code, json, _) = run(&["refund-query", "--out-refund-order-no", "CLINOSUCH"]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "{json}"
    );
    // Without --json, the line says where the refund is, not more.
    let (code, _, _) = lakala(
        &[
            &["--config", config.as_str()][..],
            &["refund-query", "--out-refund-order-no", "CLIRQ1F1"],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(code, 4);

    // Close: an unpaid order is closed, confirmed by the trade query (0)...
    run(&[
        "micropay",
        "--auth-code",
        auth_codes::PENDING_UNTIL_REVOKED,
        "--amount",
        "5",
        "--out-trade-no",
        "CLICL1",
        "--poll-schedule",
        "1",
    ]);
    let (code, json, _) = run(&["close", "--origin-out-trade-no", "CLICL1"]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("closed")),
        "{json}"
    );
    assert_eq!(
        json["confirmation"]["resp_data"]["trade_state"], "CLOSE",
        "{json}"
    );
    let (code, json, _) = run(&["query", "--out-trade-no", "CLICL1"]);
    assert_eq!((code, json["outcome"].as_str()), (3, Some("trade_closed")));
    // ... a paid one is refused with a code no public list names: unknown (4), not closed.
    let (code, json, _) = run(&["close", "--origin-out-trade-no", "CLIRQ1"]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "{json}"
    );
    assert_eq!(json["response"]["code"], "SBX00008");
    let (code, json, _) = run(&["query", "--out-trade-no", "CLIRQ1"]);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("trade_part_refund"))
    );
    sandbox.shutdown().await;
}

#[test]
fn refund_query_and_close_on_the_embedded_sandbox() {
    let ids = ["--merchant-no", MERCHANT_NO, "--term-no", TERM_NO];
    // Each command gets a fresh embedded sandbox: nothing to find, nothing decided.
    let (code, json, stderr) = lakala(
        &[
            &["--json", "refund-query", "--out-refund-order-no", "EMB1"][..],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "{json} {stderr}"
    );
    assert!(stderr.contains("embedded sandbox"), "{stderr}");
    let (code, json, _) = lakala(
        &[
            &["--json", "close", "--origin-trade-no", "2024"][..],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "{json}"
    );
    assert_eq!(json["response"]["code"], "SBX00004");
    // Usage: close needs an order, refund-query a refund number.
    let (code, _, _) = lakala(&[&["close"][..], &ids[..]].concat(), b"");
    assert_eq!(code, 2);
    let (code, _, _) = lakala(&[&["refund-query"][..], &ids[..]].concat(), b"");
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn transport_and_verification_failures_have_their_own_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let other_dir = tempfile::tempdir().unwrap();
    let (other, _) = sandbox_b(other_dir.path()).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let ids = ["--merchant-no", MERCHANT_NO, "--term-no", TERM_NO];

    // Nothing listening: a transport failure (and for micropay: safe, nothing was sent).
    let (code, json, _) = lakala(
        &[
            &[
                "--json",
                "--config",
                config.as_str(),
                "--base-url",
                closed.as_str(),
                "query",
                "--out-trade-no",
                "X",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(code, 6, "{json}");
    let (code, json, _) = lakala(
        &[
            &[
                "--json",
                "--config",
                config.as_str(),
                "--base-url",
                closed.as_str(),
                "micropay",
                "--auth-code",
                auth_codes::SUCCEED,
                "--amount",
                "1",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (6, Some("failed")),
        "{json}"
    );

    // Another sandbox's answers do not verify with this configuration's platform keys; and
    // that sandbox refuses requests signed with a merchant key it did not issue.
    let (code, json, stderr) = lakala(
        &[
            &[
                "--json",
                "--config",
                config.as_str(),
                "--base-url",
                other.base_url(),
                "query",
                "--out-trade-no",
                "X",
            ],
            &ids[..],
        ]
        .concat(),
        b"",
    );
    // That sandbox refuses the request (merchant certificate it did not issue) with HTTP 401.
    assert_eq!(code, 6, "{json} {stderr}");
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config.as_str(),
            "--base-url",
            other.base_url(),
            "auth",
            "--biz-type",
            "00",
            "--name",
            "张三",
            "--cert-no",
            cert_numbers::VERIFIED,
        ],
        b"",
    );
    assert_eq!(code, 5, "{json} {stderr}");
    sandbox.shutdown().await;
    other.shutdown().await;
}

async fn sandbox_b(dir: &Path) -> (RunningSandbox, String) {
    sandbox(dir).await
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_crossborder_verifies_opens_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, _) = sandbox(dir.path()).await;
    let platform = Platform::new(
        sandbox.keys().crossborder_platform_key().clone(),
        sandbox.keys().crossborder_merchant_key().public_key(),
    );
    let (n, _) = platform
        .seal_notification(
            sandbox.keys().mer_id(),
            &TsGenerator::new().next(),
            "B0005",
            r#"{"orderNo":"N1"}"#,
        )
        .unwrap();
    let body = serde_json::to_vec(&n).unwrap();
    let key = dir.path().join(files::CROSSBORDER_MERCHANT_KEY);
    let public = dir.path().join(files::CROSSBORDER_PLATFORM_PUBLIC);
    let args = [
        "--json",
        "notify",
        "crossborder",
        "--merchant-key",
        key.to_str().unwrap(),
        "--platform-public-key",
        public.to_str().unwrap(),
    ];
    let (code, json, stderr) = lakala(&args, &body);
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["response"]["orderNo"], "N1");
    let answer: lakala_crypto::crossborder::NotificationAnswerEnvelope =
        serde_json::from_value(json["answer"].clone()).unwrap();
    assert_eq!(answer.ts, n.ts);

    let mut tampered = n.clone();
    tampered.enc_data.replace_range(0..2, "00");
    let (code, _, stderr) = lakala(&args, &serde_json::to_vec(&tampered).unwrap());
    assert_eq!(code, 5, "{stderr}");
    sandbox.shutdown().await;
}

#[test]
fn notify_open_platform_checks_the_real_sample() {
    let sample: Value = serde_json::from_slice(
        &std::fs::read(shared("openplatform/lakala-notify-sample.json")).unwrap(),
    )
    .unwrap();
    let cert = shared("openplatform/lakala-apigw-notify-cert.pem");
    let auth = sample["authorization"].as_str().unwrap();
    let body = sample["body"].as_str().unwrap().as_bytes();
    let args = |now: Option<&'static str>| {
        let mut a = vec![
            "--json",
            "--notify-cert",
            cert.to_str().unwrap(),
            "notify",
            "open-platform",
            "--authorization",
            auth,
        ];
        if let Some(n) = now {
            a.extend(["--now", n]);
        }
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| lakala(&a.iter().map(String::as_str).collect::<Vec<_>>(), body);
    let (code, json, stderr) = run(args(Some("1630905600")));
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["response"]["payStatus"], "S");
    assert_eq!(json["answer"]["code"], "SUCCESS");
    let (code, _, stderr) = run(args(None));
    assert_eq!(code, 5, "a 2021 notification is stale today: {stderr}");
}

#[test]
fn validate_lists_and_reports() {
    let (code, json, _) = lakala(&["--json", "validate", "--list"], b"");
    assert_eq!(code, 0);
    assert!(json["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "micropay-request"));
    let good = br#"{"req_time":"20220215152401","version":"3.0","req_data":{"merchant_no":"8222903","term_no":"A0001","out_trade_no":"T1","auth_code":"288576824003652810","total_amount":"101","location_info":{"request_ip":"127.0.0.1"}}}"#;
    let (code, json, _) = lakala(&["--json", "validate", "micropay-request"], good);
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("valid")),
        "{json}"
    );
    let bad =
        br#"{"req_time":"20220215152401","version":"3.0","req_data":{"merchant_no":"8222903"}}"#;
    let (code, json, _) = lakala(&["--json", "validate", "micropay-request"], bad);
    assert_eq!(code, 2);
    assert!(
        json["violations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["field"] == "req_data.auth_code"),
        "{json}"
    );
    let (code, _, _) = lakala(&["validate", "no-such-kind"], b"{}");
    assert_eq!(code, 2);
    let (code, _, _) = lakala(&["validate", "micropay-request"], b"{not json");
    assert_eq!(code, 2);
}

#[test]
fn keygen_writes_a_usable_key_pair_and_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (code, json, _) = lakala(
        &[
            "--json",
            "keygen",
            "--bits",
            "1024",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0);
    let key = PrivateKey::load(std::fs::read(dir.path().join("private-key.pem")).unwrap()).unwrap();
    let cert = lakala_crypto::Certificate::load(
        std::fs::read(dir.path().join("certificate.pem")).unwrap(),
        lakala_crypto::ValidityCheck::Now,
    )
    .unwrap();
    assert_eq!(*cert.public_key(), key.public_key());
    assert_eq!(json["serial_no"], cert.serial_hex());
    // A signing certificate, as Lakala's (Java clients refuse a CA certificate).
    assert_eq!(cert.key_usage(), Some(&["digitalSignature"][..]));
    assert!(!cert.is_ca());
    assert_eq!(
        cert.subject(),
        "CN=lakala-rs merchant (signs open-platform requests)"
    );
    let named = tempfile::tempdir().unwrap();
    let (code, _, _) = lakala(
        &[
            "keygen",
            "--bits",
            "1024",
            "--common-name",
            "shop 42 request signing",
            "--out",
            named.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0);
    let named = lakala_crypto::Certificate::load(
        std::fs::read(named.path().join("certificate.pem")).unwrap(),
        lakala_crypto::ValidityCheck::Now,
    )
    .unwrap();
    assert_eq!(named.subject(), "CN=shop 42 request signing");
    let (code, _, _) = lakala(
        &[
            "keygen",
            "--common-name",
            " ",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 2);
    let (code, _, _) = lakala(
        &[
            "keygen",
            "--bits",
            "512",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 2);
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, stderr) = lakala(&["micropay", "--merchant-no", "1"], b"");
    assert_eq!(code, 2);
    assert!(stderr.contains("--term-no"), "{stderr}");
    let (code, _, _) = lakala(&["--help"], b"");
    assert_eq!(code, 0);
}

#[test]
fn sandbox_subcommand_serves_a_configured_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = lakala_command()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--keys-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    let config = dir.path().join(files::CLIENT_CONFIG);
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config.to_str().unwrap(),
            "micropay",
            "--merchant-no",
            MERCHANT_NO,
            "--term-no",
            TERM_NO,
            "--auth-code",
            auth_codes::SUCCEED,
            "--amount",
            "1",
        ],
        b"",
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("succeeded")),
        "{json} {stderr}"
    );
}

/// The banner tells a Java or PHP team which setting of Lakala's SDK each file feeds (the
/// SM4 key among them, the serial with its leading `00`); a pre-order expiry of 0 is refused.
#[test]
fn sandbox_banner_names_lakala_sdk_settings() {
    let (code, _, stderr) = lakala(&["sandbox", "--preorder-expiry", "0"], b"");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--preorder-expiry"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let mut child = lakala_command()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--preorder-expiry",
            "60",
            "--keys-dir",
            dir.path().to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut reader = std::io::BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
        banner.push_str(&line);
        if n == 0 || line.contains("press Ctrl-C") {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    let sm4 = dir.path().join("open-sm4.key");
    assert!(
        banner.contains(&format!("sm4Key = the text of {}", sm4.display())),
        "{banner}"
    );
    assert!(banner.contains("serialNo = 00"), "{banner}");
    assert!(banner.contains("appId = "), "{banner}");
}

/// Serves one HTTP request on loopback in a thread: `answer(authorization, body)` gives the
/// status and body. Returns the URL and what the thread received.
fn serve_once(
    answer: impl FnOnce(&str, &[u8]) -> (u16, Vec<u8>) + Send + 'static,
) -> (String, std::thread::JoinHandle<(String, Vec<u8>)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/lakala/notify", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        exchange(stream, answer)
    });
    (url, handle)
}

/// The `Authorization` header and body of each request received.
type Received = Vec<(String, Vec<u8>)>;

/// As [`serve_once`], for `times` requests, each answered by `answer`.
fn serve_times(
    times: usize,
    answer: impl Fn(&str, &[u8]) -> (u16, Vec<u8>) + Send + 'static,
) -> (String, std::thread::JoinHandle<Received>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/lakala/notify", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        (0..times)
            .map(|_| exchange(listener.accept().unwrap().0, &answer))
            .collect()
    });
    (url, handle)
}

/// Reads one request from `stream`, answers it, and returns its `Authorization` and body.
fn exchange(
    stream: std::net::TcpStream,
    answer: impl FnOnce(&str, &[u8]) -> (u16, Vec<u8>),
) -> (String, Vec<u8>) {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::new(stream);
    let (mut length, mut authorization) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "authorization" => authorization = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let (status, reply) = answer(&authorization, &body);
    let mut stream = reader.into_inner();
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    )
    .unwrap();
    stream.write_all(&reply).unwrap();
    (authorization, body)
}

#[test]
fn sandbox_notify_sends_both_families_from_a_standing_sandbox() {
    use lakala_crypto::crossborder::{Merchant, NotificationEnvelope};
    use lakala_crypto::open_platform::NotificationVerifier;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lakala"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--pending-delay",
            "1",
            "--keys-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    let config = dir.path().join(files::CLIENT_CONFIG);
    let config = config.to_str().unwrap();
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();

    // Cross-border: the endpoint opens the notification and answers it.
    let merchant = Merchant::new(
        lakala_sandbox::DEFAULT_MER_ID,
        PrivateKey::load(read(files::CROSSBORDER_MERCHANT_KEY)).unwrap(),
        lakala_crypto::PublicKey::load(read(files::CROSSBORDER_PLATFORM_PUBLIC)).unwrap(),
    );
    let (url, received) = serve_once(move |_, body| {
        let envelope: NotificationEnvelope = serde_json::from_slice(body).unwrap();
        let opened = merchant.open_notification(&envelope).unwrap();
        assert_eq!(opened.biz.as_str(), r#"{"orderNo":"CLI1"}"#);
        let answer = merchant
            .seal_notification_answer(&opened, "0000", "成功", r#"{"ok":1}"#)
            .unwrap();
        (200, serde_json::to_vec(&answer).unwrap())
    });
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config,
            "sandbox",
            "notify",
            "crossborder",
            "--url",
            &url,
            "--biz",
            r#"{"orderNo":"CLI1"}"#,
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("delivered")),
        "{json} {stderr}"
    );
    assert_eq!(json["response"]["answer"]["ret_code"], "0000");
    assert_eq!(json["response"]["answer"]["biz"], r#"{"ok":1}"#);
    let (_, body) = received.join().unwrap();
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(envelope["reqType"], "B0005");

    // Without --json, neither what was sent nor the decrypted answer is printed.
    let merchant = Merchant::new(
        lakala_sandbox::DEFAULT_MER_ID,
        PrivateKey::load(read(files::CROSSBORDER_MERCHANT_KEY)).unwrap(),
        lakala_crypto::PublicKey::load(read(files::CROSSBORDER_PLATFORM_PUBLIC)).unwrap(),
    );
    let (url, received) = serve_once(move |_, body| {
        let envelope: NotificationEnvelope = serde_json::from_slice(body).unwrap();
        let opened = merchant.open_notification(&envelope).unwrap();
        let answer = merchant
            .seal_notification_answer(
                &opened,
                "0000",
                "成功",
                r#"{"certNo":"110101199003072316"}"#,
            )
            .unwrap();
        (200, serde_json::to_vec(&answer).unwrap())
    });
    let human = Command::new(env!("CARGO_BIN_EXE_lakala"))
        .args([
            "--config",
            config,
            "sandbox",
            "notify",
            "crossborder",
            "--url",
            &url,
        ])
        .args(["--biz", r#"{"name":"张三","certNo":"110101199003079001"}"#])
        .output()
        .unwrap();
    received.join().unwrap();
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("retCode 0000 (成功)"), "{stdout}");
    for secret in ["张三", "110101199003079001", "110101199003072316"] {
        assert!(!stdout.contains(secret), "{secret} printed: {stdout}");
    }

    // Open platform: the endpoint verifies the signature with the notification certificate.
    let cert = lakala_crypto::Certificate::load(
        read(files::OPEN_NOTIFY_CERT),
        lakala_crypto::ValidityCheck::Now,
    )
    .unwrap();
    let verifier = NotificationVerifier::new(cert.public_key().clone());
    let (url, received) = serve_once(move |authorization, body| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let ok = verifier.verify(authorization, body, now).is_ok();
        let code = if ok { "SUCCESS" } else { "FAIL" };
        (
            200,
            format!(r#"{{"code":"{code}","message":"x"}}"#).into_bytes(),
        )
    });
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config,
            "sandbox",
            "notify",
            "open-platform",
            "--url",
            &url,
            "--body",
            r#"{"out_trade_no":"T1","trade_state":"SUCCESS"}"#,
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("delivered")),
        "{json} {stderr}"
    );
    assert_eq!(
        received.join().unwrap().1,
        br#"{"out_trade_no":"T1","trade_state":"SUCCESS"}"#
    );

    // Redelivered on request: --repeat 2 sends the same body twice, each signed afresh.
    let (url, received) = serve_times(2, |_, _| {
        (200, br#"{"code":"SUCCESS","message":"ok"}"#.to_vec())
    });
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config,
            "sandbox",
            "notify",
            "open-platform",
            "--url",
            &url,
            "--body",
            r#"{"out_trade_no":"T2","trade_state":"SUCCESS"}"#,
            "--repeat",
            "2",
        ],
        b"",
    );
    assert_eq!(code, 0, "{json} {stderr}");
    let received = received.join().unwrap();
    assert_eq!(received[0].1, received[1].1, "the same body");
    assert_ne!(received[0].0, received[1].0, "signed afresh");

    // An endpoint that refuses: exit 5; nobody listening: exit 6; no sandbox named: exit 2.
    let (url, received) = serve_once(|_, _| (200, br#"{"code":"FAIL","message":"no"}"#.to_vec()));
    let (code, json, _) = lakala(
        &[
            "--json",
            "--config",
            config,
            "sandbox",
            "notify",
            "open-platform",
            "--url",
            &url,
            "--body",
            "{}",
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (5, Some("answer_refused")),
        "{json}"
    );
    received.join().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/n", closed.local_addr().unwrap());
    drop(closed);
    let (code, json, _) = lakala(
        &[
            "--json",
            "--config",
            config,
            "sandbox",
            "notify",
            "crossborder",
            "--url",
            &dead,
        ],
        b"",
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (6, Some("not_delivered")),
        "{json}"
    );
    let (code, _, stderr) = lakala(&["sandbox", "notify", "crossborder", "--url", &dead], b"");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--config"), "{stderr}");
    let (code, _, _) = lakala(
        &[
            "--config",
            config,
            "sandbox",
            "notify",
            "crossborder",
            "--url",
            &dead,
            "--biz",
            "{oops",
        ],
        b"",
    );
    assert_eq!(code, 2);

    // --pending-delay 1: a pending payment has settled by the first query, 2 s later.
    let (code, json, stderr) = lakala(
        &[
            "--json",
            "--config",
            config,
            "micropay",
            "--merchant-no",
            MERCHANT_NO,
            "--term-no",
            TERM_NO,
            "--auth-code",
            auth_codes::PENDING_THEN_SUCCEED,
            "--amount",
            "1",
            "--poll-schedule",
            "2",
        ],
        b"",
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("succeeded")),
        "{json} {stderr}"
    );
}

/// `lakala doctor --json`, with `config` (or the embedded sandbox), in `dir` for a
/// journal: its exit status and findings as `(level, check, detail)`.
fn doctor(config: Option<&Path>, extra: &[&str]) -> (i32, Vec<(String, String, String)>, String) {
    let mut args = vec!["--json".to_owned()];
    if let Some(config) = config {
        args.push("--config".into());
        args.push(config.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("doctor".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, json, stderr) = lakala(&args, b"");
    let findings = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{json} {stderr}"))
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (s("level"), s("check"), s("detail"))
        })
        .collect();
    (
        code,
        findings,
        json["outcome"].as_str().unwrap_or_default().to_owned(),
    )
}

fn failed(findings: &[(String, String, String)]) -> Vec<&(String, String, String)> {
    findings.iter().filter(|f| f.0 == "fail").collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_finds_a_healthy_setup_healthy_and_says_what_is_wrong_in_one_line_each() {
    // The embedded sandbox: every check passes.
    let (code, findings, outcome) = doctor(None, &[]);
    assert_eq!((code, outcome.as_str()), (0, "healthy"), "{findings:?}");
    for check in ["config", "open platform", "journal", "resolver"] {
        assert!(
            findings.iter().any(|f| f.0 == "ok" && f.1 == check),
            "{check}: {findings:?}"
        );
    }
    assert!(
        findings
            .iter()
            .any(|f| f.1.starts_with("platform certificate ")),
        "{findings:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let config = PathBuf::from(config);
    let text = std::fs::read_to_string(&config).unwrap();
    let journal = format!("sqlite:{}", dir.path().join("doctor.sqlite").display());

    // A real configuration with a journal and a merchant profile.
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        format!("{text}\n[merchant]\nmerchant_no = \"{MERCHANT_NO}\"\nterm_no = \"{TERM_NO}\"\nrequest_ip = \"127.0.0.1\"\n\n[journal]\nurl = \"{journal}\"\n"),
    )
    .unwrap();
    let (code, findings, _) = doctor(Some(&good), &[]);
    assert_eq!(code, 0, "{findings:?}");
    assert!(
        findings
            .iter()
            .any(|f| f.1 == "journal" && f.2.contains("0 payments open")),
        "{findings:?}"
    );

    // A missing key file: one line saying which, exit 2.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        text.replace(files::OPEN_MERCHANT_KEY, "no-such-key.pem"),
    )
    .unwrap();
    let (code, findings, outcome) = doctor(Some(&broken), &[]);
    assert_eq!((code, outcome.as_str()), (2, "unhealthy"), "{findings:?}");
    let fails = failed(&findings);
    assert_eq!(fails.len(), 1, "{findings:?}");
    assert!(fails[0].2.contains("no-such-key.pem"), "{fails:?}");

    // A merchant profile without request_ip: every micropay would be refused.
    let no_ip = dir.path().join("no-ip.toml");
    std::fs::write(
        &no_ip,
        format!("{text}\n[merchant]\nmerchant_no = \"{MERCHANT_NO}\"\nterm_no = \"{TERM_NO}\"\n"),
    )
    .unwrap();
    let (code, findings, _) = doctor(Some(&no_ip), &[]);
    assert_eq!(code, 2, "{findings:?}");
    assert!(
        failed(&findings).iter().any(|f| f.2.contains("request_ip")),
        "{findings:?}"
    );

    // A resolver turned off next to a journal: a warning, not a failure.
    let off = dir.path().join("off.toml");
    std::fs::write(
        &off,
        format!("{text}\n[journal]\nurl = \"{journal}\"\n\n[resolver]\nenabled = false\n"),
    )
    .unwrap();
    let (code, findings, _) = doctor(Some(&off), &[]);
    assert_eq!(code, 0, "{findings:?}");
    assert!(
        findings.iter().any(|f| f.0 == "warn" && f.1 == "resolver"),
        "{findings:?}"
    );

    // An unknown key outside [service] is refused; inside it, it is the application's.
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(
        &unknown,
        format!("{text}\n[service]\nanything = 1\n[journal]\nurl = \"{journal}\"\nbogus = 1\n"),
    )
    .unwrap();
    let (code, findings, _) = doctor(Some(&unknown), &[]);
    assert_eq!(code, 2, "{findings:?}");
    assert!(failed(&findings)[0].2.contains("bogus"), "{findings:?}");

    // The platform unreachable: exit 6, the platform's line says so.
    sandbox.shutdown().await;
    let (code, findings, _) = doctor(Some(&good), &[]);
    assert_eq!(code, 6, "{findings:?}");
    let fails = failed(&findings);
    assert!(
        !fails.is_empty() && fails.iter().all(|f| f.1.starts_with("reachability")),
        "{findings:?}"
    );
}
