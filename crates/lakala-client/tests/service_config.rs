//! A configuration that covers a whole service: `[journal]`, `[resolver]`, the
//! application's `[service]` table, and `LakalaClient::from_config` starting it all.

use lakala_client::resolver::ResolverPolicy;
use lakala_client::{Config, ConfigError, Environment, LakalaClient, StartError};
use lakala_journal::{JournalError, ListFilter};
use std::collections::HashMap;

fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lakala.toml");
    std::fs::write(&path, text).unwrap();
    let env: HashMap<&str, &str> = env.iter().copied().collect();
    Config::from_file_and_env(Some(&path), |k| env.get(k).map(|v| v.to_string()))
}

#[test]
fn journal_resolver_and_service_tables() {
    let config = load(
        r#"
[merchant]
merchant_no = "822290070111135"
term_no = "29034705"
request_ip = "10.0.0.8"
[journal]
url = "postgres://pos:s3cret@db/pay"
schema = "pos"
instance = "pos-1"
[resolver]
tail_delays_secs = [10, 20]
horizon_secs = 600
on_pending = "revoke"
revoke_suffix = "X"
[service]
token = "t"
anything = { nested = [1, 2] }
"#,
        &[],
    )
    .unwrap();
    let journal = config.journal.as_ref().unwrap();
    assert_eq!(journal.url, "postgres://pos:s3cret@db/pay");
    assert_eq!(journal.schema.as_deref(), Some("pos"));
    assert!(!format!("{journal:?}").contains("s3cret"));
    assert_eq!(config.instance.as_deref(), Some("pos-1"));
    assert_eq!(config.resolver.enabled, None);
    let tail = &config.resolver.config.tail;
    assert_eq!((tail.delay(0).as_secs(), tail.delay(5).as_secs()), (10, 20));
    assert_eq!(tail.horizon().as_secs(), 600);
    assert!(matches!(
        &config.resolver.config.on_pending,
        ResolverPolicy::Revoke { suffix, .. } if suffix == "X"
    ));

    #[derive(serde::Deserialize)]
    struct Mine {
        token: String,
    }
    let mine: Mine = config.service().unwrap();
    assert_eq!(mine.token, "t");
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        port: u16,
    }
    let e = config.service::<Strict>().unwrap_err();
    assert!(e.to_string().contains("port"), "{e}");
}

#[test]
fn environment_wins_and_unknown_keys_outside_service_are_refused() {
    let config = load(
        "[journal]\nurl = \"sqlite:a.sqlite\"\n",
        &[
            ("LAKALA_JOURNAL", "sqlite:b.sqlite"),
            ("LAKALA_RESOLVER", "off"),
            ("LAKALA_INSTANCE", "pos-2"),
        ],
    )
    .unwrap();
    assert_eq!(config.journal.unwrap().url, "sqlite:b.sqlite");
    assert_eq!(config.resolver.enabled, Some(false));
    assert_eq!(config.instance.as_deref(), Some("pos-2"));

    for (text, named) in [
        ("[journal]\nurl = \"memory:\"\nbogus = 1\n", "bogus"),
        ("[resolver]\nbogus = 1\n", "bogus"),
        ("bogus = 1\n[service]\nok = 1\n", "bogus"),
    ] {
        let e = load(text, &[]).unwrap_err();
        assert!(matches!(e, ConfigError::Toml(_)), "{e}");
        assert!(e.to_string().contains(named), "{e}");
    }
    let e = load("[resolver]\non_pending = \"revoke\"\n", &[]).unwrap_err();
    assert!(
        matches!(e, ConfigError::Missing(_)),
        "a revoke needs a location: {e}"
    );
    let e = load("[resolver]\non_pending = \"guess\"\n", &[]).unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
    let e = load("", &[("LAKALA_RESOLVER", "maybe")]).unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
    let e = load("[journal]\nschema = \"pos\"\n", &[]).unwrap_err();
    assert!(matches!(e, ConfigError::Missing("journal.url")), "{e}");
}

fn with_journal(url: &str) -> Config {
    let mut config = Config::new(Environment::Custom("http://127.0.0.1:1".into()));
    config.journal = Some(lakala_client::JournalSettings::new(url));
    config
}

#[tokio::test]
async fn from_config_opens_the_journal_names_the_instance_and_starts_the_resolver() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let url = format!("sqlite:{}", path.display());

    let first = LakalaClient::from_config(with_journal(&url)).await.unwrap();
    assert!(path.exists());
    assert!(first.resolver.is_some(), "on by default with a journal");
    let name = first.client.instance().to_owned();
    assert_eq!(name, lakala_client::service::default_instance_name(&url));
    let journal = first.journal.as_ref().unwrap();
    assert!(journal
        .payments()
        .list(&ListFilter::all())
        .await
        .unwrap()
        .is_empty());

    // A second process-like start on the same journal is told apart...
    let second = LakalaClient::from_config(with_journal(&url)).await.unwrap();
    assert_eq!(second.client.instance(), format!("{name}-2"));
    // ...and a configured name held by a running one is refused.
    let mut named = with_journal(&url);
    named.instance = Some(name.clone());
    let e = LakalaClient::from_config(named).await.unwrap_err();
    assert!(
        matches!(e, StartError::Journal(JournalError::Busy { .. })),
        "{e}"
    );
    // Once the first is gone its name is free again: a restart takes it back.
    first.resolver.as_ref().unwrap().abort();
    drop(first);
    let again = LakalaClient::from_config(with_journal(&url)).await.unwrap();
    assert_eq!(again.client.instance(), name);

    // Resolver off: no task (a warning is logged).
    let mut off = with_journal("memory:");
    off.resolver.enabled = Some(false);
    assert!(LakalaClient::from_config(off)
        .await
        .unwrap()
        .resolver
        .is_none());
    // A resolver asked for without a journal is refused.
    let mut no_journal = Config::new(Environment::Test);
    no_journal.resolver.enabled = Some(true);
    assert!(LakalaClient::from_config(no_journal).await.is_err());
}
