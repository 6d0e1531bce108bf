//! The `*_encry` routes over real loopback HTTP: requests SM4-sealed whole and signed as
//! sealed, answers sealed and signed as sealed, as Lakala's open-platform SDK sends and
//! reads them; bodies that do not open; the keys directory's SM4 key file. One answer is
//! opened by the `openssl` command line too, sharing nothing with the Rust SM4.

mod support;

use lakala_crypto::Sm4Key;
use lakala_sandbox::behaviour::{auth_codes, codes};
use lakala_sandbox::{files, SandboxError, SandboxKeys};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use support::{start, Env, MERCHANT_NO, TERM_NO};

const PREORDER_ENCRY: &str = "/api/v3/labs/trans/preorder_encry";
const MICROPAY_ENCRY: &str = "/api/v3/labs/trans/micropay_encry";

/// Sends `body` as given, signed over exactly those bytes; checks the answer's signature
/// over the body as received, and returns it as text.
async fn send_raw(env: &Env, path: &str, body: String) -> (u16, String) {
    let auth = env.authorization(body.as_bytes(), env.now());
    let response = env.post(path, body.into_bytes(), Some(auth)).await;
    if response.status == 200 {
        env.verify_answer(&response);
    }
    (
        response.status,
        String::from_utf8(response.body).expect("text"),
    )
}

/// Seals the v3 envelope of `req_data` with the sandbox's SM4 key, sends it, opens the
/// sealed answer.
async fn sealed(env: &Env, path: &str, req_data: Value) -> Value {
    let key = env.keys.sm4_key();
    let body = key.seal(&env.v3_envelope(req_data).to_string());
    let (status, answer) = send_raw(env, path, body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        !answer.trim_start().starts_with('{'),
        "the answer is sealed: {answer}"
    );
    serde_json::from_str(key.open(&answer).expect("the answer opens").as_str()).unwrap()
}

fn identity() -> String {
    json!({"identityNo": "110101199003072316", "name": "张三", "identityType": "01"}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_preorder_with_the_payers_identity_is_opened_made_and_answered_sealed() {
    let env = start().await;
    let answer = sealed(
        &env,
        PREORDER_ENCRY,
        json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "ENC1",
            "account_type": "ALIPAY", "trans_type": "41", "total_amount": "100",
            "location_info": {"request_ip": "127.0.0.1"}, "identity_info": identity(),
        }),
    )
    .await;
    assert_eq!(answer["code"], "BBS00000", "{answer}");
    assert!(answer["resp_data"]["acc_resp_fields"]["code"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    // The same order book: the plain trade query finds it.
    assert_eq!(env.state("ENC1").await, "CREATE");
    assert_eq!(env.sandbox.preorder_requests("ENC1"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_micropay_has_the_labs_scenarios() {
    let env = start().await;
    let answer = sealed(
        &env,
        MICROPAY_ENCRY,
        json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "ENC2",
            "auth_code": auth_codes::SUCCEED, "total_amount": "250",
            "location_info": {"request_ip": "127.0.0.1"}, "identity_info": identity(),
        }),
    )
    .await;
    assert_eq!(answer["code"], "BBS00000", "{answer}");
    assert_eq!(env.sandbox.paid_amount("ENC2"), 250);
    let pending = sealed(
        &env,
        MICROPAY_ENCRY,
        json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "ENC3",
            "auth_code": auth_codes::PENDING_THEN_SUCCEED, "total_amount": "250",
            "location_info": {"request_ip": "127.0.0.1"},
        }),
    )
    .await;
    assert_eq!(pending["code"], "BBS10000", "{pending}");
    // A rule violation is answered sealed as well.
    let refused = sealed(&env, MICROPAY_ENCRY, json!({"merchant_no": MERCHANT_NO})).await;
    assert_eq!(refused["code"], codes::INVALID_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_do_not_open_are_refused_sealed_and_nothing_is_done() {
    let env = start().await;
    let data = json!({
        "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "ENC4",
        "auth_code": auth_codes::SUCCEED, "total_amount": "250",
        "location_info": {"request_ip": "127.0.0.1"},
    });
    let plain = env.v3_envelope(data.clone()).to_string();
    let other_key = Sm4Key::generate(&mut rand::rngs::OsRng);
    for (what, body) in [
        ("plain JSON", plain.clone()),
        ("another key", other_key.seal(&plain)),
        ("not base64", "@@@@".to_owned()),
    ] {
        let (status, answer) = send_raw(&env, MICROPAY_ENCRY, body).await;
        assert_eq!(status, 200, "{what}: {answer}");
        let opened = env.keys.sm4_key().open(&answer).expect("sealed");
        let answer: Value = serde_json::from_str(opened.as_str()).unwrap();
        assert_eq!(answer["code"], codes::CANNOT_DECRYPT, "{what}: {answer}");
    }
    assert_eq!(env.sandbox.micropay_requests("ENC4"), 0, "nothing was paid");

    // The signature covers the sealed text: one over the JSON inside is refused.
    let body = env.keys.sm4_key().seal(&plain);
    let auth = env.authorization(plain.as_bytes(), env.now());
    let response = env
        .post(MICROPAY_ENCRY, body.into_bytes(), Some(auth))
        .await;
    assert_eq!(response.status, 401);
    let refusal: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        refusal["code"],
        codes::AUTH_BAD_SIGNATURE,
        "unsealed, unsigned"
    );
}

/// Decrypts a sealed body with `openssl enc -d -sm4-ecb` (PKCS#7 padding is openssl's
/// default), or `None` when this openssl has no SM4.
fn openssl_open(key: &Sm4Key, sealed: &str) -> Option<String> {
    let mut child = Command::new("openssl")
        .args(["enc", "-d", "-sm4-ecb", "-a", "-A", "-K"])
        .arg(hex::encode(key.expose_bytes()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is installed (.ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sealed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("sm4") && stderr.contains("nsupported") {
        return None;
    }
    assert!(out.status.success(), "openssl: {stderr}");
    Some(String::from_utf8(out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_opens_the_sandboxs_sealed_answer() {
    let env = start().await;
    let key = env.keys.sm4_key();
    let body = key.seal(
        &env.v3_envelope(json!({
            "merchant_no": MERCHANT_NO, "term_no": TERM_NO, "out_trade_no": "ENC5",
            "account_type": "UQRCODEPAY", "trans_type": "41", "total_amount": "100",
            "location_info": {"request_ip": "127.0.0.1"},
        }))
        .to_string(),
    );
    let (status, answer) = send_raw(&env, PREORDER_ENCRY, body).await;
    assert_eq!(status, 200);
    let text = openssl_open(key, &answer).expect("openssl with SM4 (OpenSSL 1.1.1 or later)");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["code"], "BBS00000", "{answer}");
    assert_eq!(answer["resp_data"]["out_trade_no"], "ENC5");
}

#[test]
fn the_sm4_key_is_kept_in_the_keys_directory_and_an_older_directory_gets_one() {
    let keys = SandboxKeys::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    keys.write(dir.path()).unwrap();
    let path = dir.path().join(files::OPEN_SM4_KEY);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.trim_end().len(),
        24,
        "base64 of 16 bytes on one line: {text:?}"
    );
    assert_eq!(
        Sm4Key::from_base64(&text).unwrap().expose_bytes(),
        keys.sm4_key().expose_bytes()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key material is the owner's only");
    }
    let loaded = SandboxKeys::load(dir.path()).unwrap();
    assert_eq!(
        loaded.sm4_key().expose_bytes(),
        keys.sm4_key().expose_bytes()
    );

    // The merchant's side gets the same key with the client configuration.
    let client = tempfile::tempdir().unwrap();
    keys.write_client_config(client.path(), "http://127.0.0.1:1")
        .unwrap();
    let merchant = std::fs::read_to_string(client.path().join(files::OPEN_SM4_KEY)).unwrap();
    assert_eq!(merchant, text);

    // A directory written before the SM4 key existed: a fresh key, written back.
    std::fs::remove_file(&path).unwrap();
    let older = SandboxKeys::load(dir.path()).unwrap();
    assert_ne!(
        older.sm4_key().expose_bytes(),
        keys.sm4_key().expose_bytes()
    );
    older.write(dir.path()).unwrap();
    assert!(path.exists());

    // A key file that is not the base64 of 16 bytes is refused, naming the file.
    std::fs::write(&path, "c2hvcnQ=\n").unwrap();
    match SandboxKeys::load(dir.path()) {
        Err(SandboxError::Key { path: named, .. }) => assert_eq!(named, path),
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_settings_name_the_files_a_java_team_configures() {
    let env = start().await;
    let dir = tempfile::tempdir().unwrap();
    env.sandbox.write_client_config(dir.path()).unwrap();
    let settings = env.sandbox.sdk_settings(dir.path());
    let value = |name: &str| {
        settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.clone())
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    assert_eq!(value("serverUrl"), env.sandbox.base_url());
    assert_eq!(value("appId"), env.keys.appid());
    assert_eq!(value("serialNo"), env.keys.serial_no());
    for (name, file) in [
        ("priKeyPath", files::OPEN_MERCHANT_KEY),
        ("lklCerPath", files::OPEN_PLATFORM_CERT),
        ("lklNotifyCerPath", files::OPEN_NOTIFY_CERT),
    ] {
        let path = value(name);
        assert_eq!(path, dir.path().join(file).display().to_string());
        assert!(std::path::Path::new(&path).exists(), "{name}: {path}");
    }
    let sm4 = value("sm4Key");
    assert!(sm4.ends_with(files::OPEN_SM4_KEY), "{sm4}");
    let secret = env.keys.sm4_key().expose_base64();
    assert!(
        settings.iter().all(|s| !s.value.contains(secret.as_str())),
        "no key material in the settings"
    );
}
