//! Configuration from a file plus environment variables.

use lakala_client::{Config, ConfigError, Environment};
use std::collections::HashMap;
use std::path::PathBuf;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lakala")
}

#[test]
fn file_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors();
    std::fs::write(
        dir.path().join("lakala.toml"),
        format!(
            r#"
environment = "production"
[crossborder]
mer_id = "RZCP161200000"
merchant_key = "{}"
platform_public_key = "{}"
[open_platform]
appid = "OP00000003"
serial_no = "00dfba8194c41b84cf"
merchant_key = "{}"
platform_cert = "{}"
notify_cert = "{}"
[timeouts]
connect_secs = 3
"#,
            v.join("crossborder/sandbox-merchant-RZCP161200000-key.pem")
                .display(),
            v.join("crossborder/sandbox-platform-public-key.pem")
                .display(),
            v.join("openplatform/sandbox-OP00000003-merchant-key.pem")
                .display(),
            v.join("openplatform/lakala-apigw-v2-cert.pem").display(),
            v.join("openplatform/lakala-apigw-notify-cert.pem")
                .display(),
        ),
    )
    .unwrap();
    let env: HashMap<&str, &str> = HashMap::from([
        ("LAKALA_BASE_URL", "http://127.0.0.1:9999"),
        ("LAKALA_MER_ID", "DOPCHN000258"),
        ("LAKALA_REQUEST_TIMEOUT_SECS", "7"),
    ]);
    let config = Config::from_file_and_env(Some(&dir.path().join("lakala.toml")), |k| {
        env.get(k).map(|v| v.to_string())
    })
    .unwrap();
    assert_eq!(
        config.environment,
        Environment::Custom("http://127.0.0.1:9999".into())
    );
    assert_eq!(config.crossborder.as_ref().unwrap().mer_id, "DOPCHN000258");
    assert_eq!(
        config
            .open_platform
            .as_ref()
            .unwrap()
            .platform_cert
            .serial_hex(),
        "01752b7386f8"
    );
    assert_eq!(config.timeouts.connect.as_secs(), 3);
    assert_eq!(config.timeouts.request.as_secs(), 7);
    // Secrets stay out of Debug.
    let printed = format!("{config:?}");
    assert!(
        printed.contains("PrivateKey { bits: 1024, .. }"),
        "{printed}"
    );
}

#[test]
fn incomplete_or_wrong_settings_are_named() {
    let env = |k: &str| (k == "LAKALA_MER_ID").then(|| "X".to_owned());
    assert!(matches!(
        Config::from_file_and_env(None, env),
        Err(ConfigError::Missing("crossborder.merchant_key"))
    ));
    let env = |k: &str| (k == "LAKALA_ENVIRONMENT").then(|| "staging".to_owned());
    assert!(matches!(
        Config::from_file_and_env(None, env),
        Err(ConfigError::Invalid {
            name: "environment",
            ..
        })
    ));
    let env = |k: &str| (k == "LAKALA_CONNECT_TIMEOUT_SECS").then(|| "soon".to_owned());
    assert!(matches!(
        Config::from_file_and_env(None, env),
        Err(ConfigError::Invalid { .. })
    ));
    let env = |k: &str| match k {
        "LAKALA_MER_ID" => Some("X".to_owned()),
        "LAKALA_CROSSBORDER_MERCHANT_KEY" => Some("/nonexistent/key.pem".to_owned()),
        "LAKALA_PLATFORM_PUBLIC_KEY" => Some("/nonexistent/pub.pem".to_owned()),
        _ => None,
    };
    assert!(matches!(
        Config::from_file_and_env(None, env),
        Err(ConfigError::Io { .. })
    ));
    let config = Config::from_file_and_env(None, |_| None).unwrap();
    assert_eq!(config.environment, Environment::Test);
    assert!(config.crossborder.is_none() && config.open_platform.is_none());
}

#[test]
fn the_instance_name_comes_from_the_file_or_lakala_instance() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lakala.toml");
    std::fs::write(&file, "instance = \"pos-1\"\n").unwrap();
    let config = Config::from_file_and_env(Some(&file), |_| None).unwrap();
    assert_eq!(config.instance.as_deref(), Some("pos-1"));
    let env = |k: &str| (k == "LAKALA_INSTANCE").then(|| "pos-2".to_owned());
    let config = Config::from_file_and_env(Some(&file), env).unwrap();
    assert_eq!(
        config.instance.as_deref(),
        Some("pos-2"),
        "the variable wins"
    );
    assert_eq!(
        Config::from_file_and_env(None, |_| None).unwrap().instance,
        None
    );
    for bad in ["pos 1", "pos\u{7}1", &"p".repeat(129)] {
        let env = |k: &str| (k == "LAKALA_INSTANCE").then(|| bad.to_owned());
        assert!(
            matches!(
                Config::from_file_and_env(None, env),
                Err(ConfigError::Invalid {
                    name: "instance",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}
