//! Issue 13: the merchant profile, the poll schedule and several certificates from the
//! TOML file and `LAKALA_*` variables.

use lakala_client::{Config, ConfigError, PollSchedule};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lakala/openplatform")
}

fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors();
    let file = format!(
        "[open_platform]\nappid = \"OP00000003\"\nserial_no = \"00dfba8194c41b84cf\"\n\
         merchant_key = \"{}\"\nplatform_cert = [\"{}\", \"{}\"]\nnotify_cert = \"{}\"\n{text}",
        v.join("sandbox-OP00000003-merchant-key.pem").display(),
        v.join("sandbox-OP00000003-cert.pem").display(),
        v.join("lakala-apigw-v2-cert.pem").display(),
        v.join("lakala-apigw-notify-cert.pem").display(),
    );
    let path = dir.path().join("lakala.toml");
    std::fs::write(&path, file).unwrap();
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_file_and_env(Some(Path::new(&path)), |name| env.get(name).cloned())
}

#[test]
fn profile_and_schedule_from_the_file_with_variables_on_top() {
    let config = load(
        "[merchant]\nmerchant_no = \"822290070111135\"\nterm_no = \"29034705\"\n\
         notify_url = \"https://shop.example/n\"\nrequest_ip = \"10.0.0.8\"\n\
         [poll]\ndelays_secs = [1, 2, 3]\n",
        &[
            ("LAKALA_TERM_NO", "29034799"),
            ("LAKALA_LOCATION", "+37.12,-121.5"),
        ],
    )
    .unwrap();
    let profile = config.merchant.as_ref().unwrap();
    assert_eq!(profile.merchant_no, "822290070111135");
    assert_eq!(profile.term_no, "29034799");
    assert_eq!(
        profile.notify_url.as_deref(),
        Some("https://shop.example/n")
    );
    let location = profile.location.as_ref().unwrap();
    assert_eq!(location.request_ip(), Some("10.0.0.8"));
    assert_eq!(location.location(), Some("+37.12,-121.5"));
    assert_eq!(config.poll_schedule, PollSchedule::from_secs(&[1, 2, 3]));
    // Two platform certificates: the first is the credentials', both are in force.
    assert_eq!(config.extra_certificates.platform().len(), 1);
    let files = config.certificate_files.as_ref().unwrap();
    assert_eq!((files.platform.len(), files.notify.len()), (2, 1));

    let config = load("", &[("LAKALA_POLL_DELAYS_SECS", "5, 10")]).unwrap();
    assert_eq!(config.poll_schedule, PollSchedule::from_secs(&[5, 10]));
    assert!(config.merchant.is_none());
}

#[test]
fn hostile_settings_are_named() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 6] = [
        ("[merchant]\nmerchant_no = \"1\"\n", &[], "merchant.term_no"),
        (
            "[merchant]\nmerchant_no = \"822290070111135\"\nterm_no = \"29034705\"\nnotify_url = \"ftp://x\"\n",
            &[],
            "merchant.notify_url",
        ),
        (
            "[merchant]\nmerchant_no = \"822290070111135\"\nterm_no = \"29034705\"\nlocation = \"north\"\n",
            &[],
            "location",
        ),
        ("[poll]\ndelays_secs = []\n", &[], "poll.delays_secs"),
        ("", &[("LAKALA_POLL_DELAYS_SECS", "5,x")], "LAKALA_POLL_DELAYS_SECS"),
        ("[merchant]\nshop = \"x\"\n", &[], "shop"),
    ];
    for (text, env, named) in cases {
        let error = load(text, env).unwrap_err().to_string();
        assert!(error.contains(named), "{text:?}: {error}");
    }
}
