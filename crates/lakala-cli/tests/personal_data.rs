//! Personal data on stdout: masked by default (as `Debug` masks it), in `--json` output and
//! in text, for gate/auth answers and notification contents; in clear only with
//! `--reveal-personal-data`.

use lakala_crypto::crossborder::Platform;
use lakala_crypto::TsGenerator;
use lakala_sandbox::behaviour::{auth_codes, cert_numbers, MERCHANT_NO, TERM_NO};
use lakala_sandbox::{files, Sandbox, SandboxConfig};
use lakala_types::mask::mask;
use std::io::Write;
use std::process::{Command, Stdio};

const NAME: &str = "张三丰";
const CARD: &str = "6222021234567890123";
const MOBILE: &str = "13812345678";

/// Runs `lakala`; returns the exit status and stdout.
fn lakala(args: &[&str], stdin: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lakala"))
        .args(args)
        .env_remove("LAKALA_BASE_URL")
        .env_remove("LAKALA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn clear_values() -> [&'static str; 4] {
    [NAME, cert_numbers::VERIFIED, CARD, MOBILE]
}

fn assert_masked(stdout: &str) {
    for clear in clear_values() {
        assert!(
            !stdout.contains(clear),
            "{clear} in clear on stdout: {stdout}"
        );
    }
    for masked in [
        mask(NAME),
        mask(cert_numbers::VERIFIED),
        mask(CARD),
        mask(MOBILE),
    ] {
        assert!(stdout.contains(&masked), "{masked} missing from: {stdout}");
    }
}

fn assert_revealed(stdout: &str) {
    for clear in clear_values() {
        assert!(stdout.contains(clear), "{clear} not shown: {stdout}");
    }
}

fn auth(extra: &[&str]) -> (i32, String) {
    let args = [
        extra,
        &[
            "auth",
            "--biz-type",
            "02",
            "--name",
            NAME,
            "--cert-no",
            cert_numbers::VERIFIED,
            "--bank-card-no",
            CARD,
            "--bank-mobile",
            MOBILE,
        ],
    ]
    .concat();
    lakala(&args, b"")
}

#[test]
fn auth_json_masks_the_answer_unless_revealed() {
    let (code, stdout) = auth(&["--json"]);
    assert_eq!(code, 0, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["outcome"], "verified");
    assert_eq!(json["response"]["encData"]["retCode"], "0000");
    assert_eq!(json["response"]["encData"]["name"], mask(NAME));
    assert_masked(&stdout);

    let (code, stdout) = auth(&["--json", "--reveal-personal-data"]);
    assert_eq!(code, 0, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(json["response"]["encData"]["name"], NAME);
    assert_revealed(&stdout);

    // The text form names no personal data at all.
    let (code, stdout) = auth(&[]);
    assert_eq!(code, 0, "{stdout}");
    for clear in clear_values() {
        assert!(!stdout.contains(clear), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_crossborder_masks_the_content_unless_revealed() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sandbox.keys().write(dir.path()).unwrap();
    let platform = Platform::new(
        sandbox.keys().crossborder_platform_key().clone(),
        sandbox.keys().crossborder_merchant_key().public_key(),
    );
    let content = serde_json::json!({
        "orderNo": "N1", "bizType": "02", "name": NAME, "certNo": cert_numbers::VERIFIED,
        "bankCardNo": CARD, "bankMobile": MOBILE, "retCode": "0000",
    })
    .to_string();
    let key = dir.path().join(files::CROSSBORDER_MERCHANT_KEY);
    let public = dir.path().join(files::CROSSBORDER_PLATFORM_PUBLIC);
    let run = |extra: &[&str]| {
        // A fresh notification each time (the answer is bound to its ts).
        let (n, _) = platform
            .seal_notification(
                sandbox.keys().mer_id(),
                &TsGenerator::new().next(),
                "B0005",
                &content,
            )
            .unwrap();
        let args = [
            extra,
            &[
                "notify",
                "crossborder",
                "--merchant-key",
                key.to_str().unwrap(),
                "--platform-public-key",
                public.to_str().unwrap(),
            ],
        ]
        .concat();
        lakala(&args, &serde_json::to_vec(&n).unwrap())
    };
    for form in [&["--json"][..], &[][..]] {
        let (code, stdout) = run(form);
        assert_eq!(code, 0, "{stdout}");
        assert!(stdout.contains("N1"), "the rest is shown: {stdout}");
        assert_masked(&stdout);
        let revealed = [form, &["--reveal-personal-data"]].concat();
        let (code, stdout) = run(&revealed);
        assert_eq!(code, 0, "{stdout}");
        assert_revealed(&stdout);
    }
    sandbox.shutdown().await;
}

#[test]
fn micropay_json_masks_the_wallet_user() {
    let openid = "oSBX00000000000000000000001";
    let args = |reveal: bool| {
        let mut a = vec![
            "--json",
            "micropay",
            "--merchant-no",
            MERCHANT_NO,
            "--term-no",
            TERM_NO,
            "--amount",
            "101",
            "--auth-code",
            auth_codes::SUCCEED_WECHAT,
        ];
        if reveal {
            a.insert(0, "--reveal-personal-data");
        }
        a
    };
    let (code, stdout) = lakala(&args(false), b"");
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains(openid), "{stdout}");
    assert!(stdout.contains(&mask(openid)), "{stdout}");
    let (code, stdout) = lakala(&args(true), b"");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(openid), "{stdout}");
}
