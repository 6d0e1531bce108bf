//! The built `lakala` binary on the labs family, against a sandbox on loopback: `preorder`
//! (the QR code drawn, paid, closed by `--close-after`, WeChat JSAPI fields with the pay
//! signature shortened), `micropay --route labs|dcp`, `refund --by-order` (idmrefund) in
//! progress then settled by `refund-query`.

use lakala_sandbox::behaviour::{
    auth_codes, preorder_amounts, refund_amounts, MERCHANT_NO, TERM_NO,
};
use lakala_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs the binary with its default journal in a directory of this test run.
fn lakala(args: &[&str]) -> (i32, Value, String) {
    static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| tempfile::tempdir().unwrap());
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_lakala"))
        .args(args)
        .env("XDG_DATA_HOME", data.path())
        .env_remove("LAKALA_JOURNAL")
        .env_remove("LAKALA_BASE_URL")
        .env_remove("LAKALA_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    (
        status.code().unwrap_or(-1),
        serde_json::from_str(stdout.trim()).unwrap_or(Value::String(stdout)),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A sandbox whose payments land after 1 s, and the client configuration it wrote.
async fn sandbox(dir: &Path) -> (RunningSandbox, String) {
    let sandbox = Sandbox::start(SandboxConfig::default().pending_delay(Duration::from_secs(1)))
        .await
        .unwrap();
    let config = sandbox.write_client_config(dir).unwrap();
    (sandbox, config.display().to_string())
}

const IDS: [&str; 4] = ["--merchant-no", MERCHANT_NO, "--term-no", TERM_NO];

#[tokio::test(flavor = "multi_thread")]
async fn preorder_draws_the_qr_code_then_ends_paid_or_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let cfg = ["--config", config.as_str(), "--poll-schedule", "1"];

    // Paid after the sandbox's delay: the QR code drawn on stderr, the outcome on stdout.
    let (code, out, stderr) = lakala(
        &[
            &cfg[..],
            &["preorder", "--amount", "100", "--out-trade-no", "CLIPO1"],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{out} {stderr}");
    assert!(stderr.contains("scan to pay: https://"), "{stderr}");
    assert!(
        stderr.contains('█') && stderr.contains('▄'),
        "a drawn QR code: {stderr}"
    );
    assert!(stderr.contains("query 1:"), "{stderr}");
    assert!(out.as_str().unwrap().contains("CLIPO1 paid"), "{out}");
    assert_eq!(sandbox.preorder_requests("CLIPO1"), 1);

    // Never paid, closed by --close-after, as JSON.
    let (code, json, stderr) = lakala(
        &[
            &["--json"][..],
            &cfg[..],
            &[
                "preorder",
                "--amount",
                &preorder_amounts::NEVER_PAID.to_string(),
                "--close-after",
                "2",
                "--out-trade-no",
                "CLIPO2",
            ],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(
        (code, json["outcome"].as_str(), json["closed_by"].as_str()),
        (3, Some("closed"), Some("sdk")),
        "{json} {stderr}"
    );
    assert_eq!(json["payment_request"]["type"], "qr_code", "{json}");
    assert!(json["payment_request"]["code"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(
        !stderr.contains('█'),
        "no QR code drawn in --json mode: {stderr}"
    );
    // The platform agrees.
    let (code, json, _) = lakala(
        &[
            &["--json"][..],
            &cfg[..],
            &["query", "--out-trade-no", "CLIPO2"],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(code, 3, "{json}");
    assert_eq!(
        json["response"]["resp_data"]["trade_state"], "CLOSE",
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preorder_jsapi_prints_the_wallet_fields_and_hides_the_payer_and_the_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, config) = sandbox(dir.path()).await;
    let openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    let args = [
        "--config",
        config.as_str(),
        "--poll-schedule",
        "1",
        "preorder",
        "--amount",
        "100",
        "--wallet",
        "wechat",
        "--pay-by",
        "jsapi",
        "--sub-appid",
        "wx0123456789abcdef",
        "--user-id",
        openid,
        "--out-trade-no",
        "CLIPO3",
    ];
    let (code, out, stderr) = lakala(&[&args[..], &IDS[..]].concat());
    assert_eq!(code, 0, "{out} {stderr}");
    assert!(stderr.contains("package: prepay_id="), "{stderr}");
    assert!(stderr.contains("pay_sign: "), "{stderr}");
    assert!(!stderr.contains(openid) && !out.to_string().contains(openid));
    let (code, json, stderr) = lakala(
        &[&["--json"][..], &args[..], &IDS[..]]
            .concat()
            .iter()
            .map(|a| if *a == "CLIPO3" { "CLIPO4" } else { a })
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{json} {stderr}");
    let sign = json["payment_request"]["pay_sign"].as_str().unwrap();
    assert!(sign.ends_with('…') && sign.chars().count() <= 9, "{sign}");
    assert!(!json.to_string().contains(openid));
    // A wallet that cannot be paid so: refused before anything is sent.
    let (code, _, stderr) = lakala(
        &[
            &["--config", config.as_str(), "preorder", "--amount", "1"][..],
            &["--wallet", "wechat", "--pay-by", "native"],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(code, 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn micropay_on_either_route_and_refund_by_order_settled_by_refund_query() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, config) = sandbox(dir.path()).await;
    let cfg = ["--json", "--config", config.as_str()];
    for (route, number) in [("labs", "CLILB1"), ("dcp", "CLIDCP1")] {
        let (code, json, stderr) = lakala(
            &[
                &cfg[..],
                &[
                    "micropay",
                    "--route",
                    route,
                    "--auth-code",
                    auth_codes::SUCCEED,
                    "--amount",
                    "300",
                    "--out-trade-no",
                    number,
                ],
                &IDS[..],
            ]
            .concat(),
        );
        assert_eq!(
            (code, json["outcome"].as_str()),
            (0, Some("succeeded")),
            "{json} {stderr}"
        );
        assert_eq!(sandbox.micropay_requests(number), 1);
    }
    let (code, _, stderr) = lakala(
        &[
            &cfg[..],
            &[
                "micropay",
                "--route",
                "other",
                "--auth-code",
                "1",
                "--amount",
                "1",
            ],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(code, 2, "{stderr}");

    // Refund by the merchant's order: DEAL first (in progress, exit 4), done after the
    // sandbox's delay, as the refund query says.
    let amount = refund_amounts::DEAL_THEN_DONE.to_string();
    let refund = [
        "refund",
        "--by-order",
        "--origin-out-trade-no",
        "CLILB1",
        "--refund-amount",
        amount.as_str(),
        "--out-trade-no",
        "CLILB1-R1",
    ];
    let (code, json, stderr) = lakala(&[&cfg[..], &refund[..], &IDS[..]].concat());
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("in_progress")),
        "{json} {stderr}"
    );
    // Sent again: not refunded twice (the journal answers; settled by query).
    let (code, json, _) = lakala(&[&cfg[..], &refund[..], &IDS[..]].concat());
    assert_eq!(
        (code, json["outcome"].as_str()),
        (4, Some("unknown")),
        "{json}"
    );
    assert_eq!(sandbox.refunds_executed("CLILB1"), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (code, json, _) = lakala(
        &[
            &cfg[..],
            &["refund-query", "--out-refund-order-no", "CLILB1-R1"],
            &IDS[..],
        ]
        .concat(),
    );
    assert_eq!(
        (code, json["outcome"].as_str()),
        (0, Some("refunded")),
        "{json}"
    );
}
