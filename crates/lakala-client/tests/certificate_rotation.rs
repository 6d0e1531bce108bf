//! Issue 13: several platform certificates at once, picked by `Lklapi-Serial`, each checked
//! against its validity window when used, replaced while the client runs.

use lakala_client::notification::{InMemoryReplayGuard, Incoming, NotificationError};
use lakala_client::{
    CertificateFiles, CertificateSet, ClientError, Config, ConfigError, Environment, LakalaClient,
    OpenPlatformCredentials,
};
use lakala_crypto::open_platform::PlatformSigner;
use lakala_crypto::{Certificate, CryptoError, ManualClock, PrivateKey};
use lakala_transport::{async_trait, HttpRequest, HttpResponse, HttpTransport, TransportError};
use lakala_types::micropay::TradeQueryRequest;
use rand::SeedableRng;
use std::sync::{Arc, Mutex};

const NOW: i64 = 1_760_000_000;

fn key(seed: u64) -> PrivateKey {
    PrivateKey::generate(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), 1024).unwrap()
}

/// A certificate of `key` with `serial`, valid from `from` to `to`.
fn cert(key: &PrivateKey, serial: &[u8], from: i64, to: i64) -> (Certificate, String) {
    Certificate::self_signed(key, "APIGW.TEST", serial, from, to).unwrap()
}

/// Answers every trade query with a signed BBS00000, signed by whichever signer is current.
#[derive(Debug)]
struct Platform {
    signer: Mutex<PlatformSigner>,
}

#[async_trait]
impl HttpTransport for Platform {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let body = br#"{"code":"BBS00000","msg":"ok","resp_time":"20240102030405","resp_data":{"merchant_no":"822290070111135","term_no":"29034705","out_trade_no":"T1","trade_state":"SUCCESS"}}"#.to_vec();
        let headers = self
            .signer
            .lock()
            .unwrap()
            .sign_response("OP00000003", &body, NOW, "nonce")
            .unwrap();
        let headers = headers
            .to_pairs()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(HttpResponse {
            status: 200,
            headers,
            body,
        })
    }
}

struct Setup {
    client: LakalaClient,
    platform: Arc<Platform>,
    old_key: PrivateKey,
    new_key: PrivateKey,
    old: Certificate,
    new: Certificate,
    new_pem: String,
    old_pem: String,
}

fn setup() -> Setup {
    let (old_key, new_key, merchant) = (key(1), key(2), key(3));
    let (old, old_pem) = cert(&old_key, &[0x0a], NOW - 1000, NOW + 1000);
    let (new, new_pem) = cert(&new_key, &[0x0b], NOW - 10, NOW + 100_000);
    let platform = Arc::new(Platform {
        signer: Mutex::new(PlatformSigner::new(old.serial_hex(), old_key.clone())),
    });
    let config = Config::new(Environment::Custom("http://platform.test".into()))
        .with_open_platform(OpenPlatformCredentials {
            appid: "OP00000003".into(),
            serial_no: "01".into(),
            merchant_key: merchant,
            platform_cert: old.clone(),
            notify_cert: Some(old.clone()),
        })
        .with_merchant(lakala_client::MerchantProfile::new(
            "822290070111135",
            "29034705",
        ));
    let client = LakalaClient::builder(config)
        .transport(platform.clone())
        .clock(Arc::new(ManualClock::at_unix(NOW)))
        .build()
        .unwrap();
    Setup {
        client,
        platform,
        old_key,
        new_key,
        old,
        new,
        new_pem,
        old_pem,
    }
}

fn query() -> TradeQueryRequest {
    TradeQueryRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("T1")
        .build()
        .unwrap()
}

impl Setup {
    fn platform_signs_with(&self, serial: &str, key: &PrivateKey) {
        *self.platform.signer.lock().unwrap() = PlatformSigner::new(serial, key.clone());
    }

    async fn query(&self) -> Result<(), ClientError> {
        self.client.trade_query(query()).await.map(|_| ())
    }
}

#[tokio::test]
async fn answers_of_a_new_certificate_verify_after_the_swap_and_old_ones_stop_after_removal() {
    let s = setup();
    s.query()
        .await
        .expect("the configured certificate verifies");

    // Lakala rotates before we installed the new certificate: refused, naming the serial.
    s.platform_signs_with(&s.new.serial_hex(), &s.new_key);
    match s.query().await {
        Err(ClientError::UnknownCertificate { serial, known }) => {
            assert_eq!(serial, "0b");
            assert_eq!(known, vec!["0a".to_owned()]);
        }
        other => panic!("expected UnknownCertificate, got {other:?}"),
    }

    // Both installed at once, without rebuilding the client (a clone sees it too).
    let clone = s.client.clone();
    clone.certificates().replace(
        CertificateSet::new()
            .with_platform(s.old.clone())
            .with_platform(s.new.clone()),
    );
    s.query().await.expect("the new certificate verifies");
    // Serial case and a leading 00 do not matter.
    s.platform_signs_with("000B", &s.new_key);
    s.query().await.expect("00-prefixed upper-case serial");
    s.platform_signs_with(&s.old.serial_hex(), &s.old_key);
    s.query()
        .await
        .expect("the old one still verifies during the overlap");

    // A certificate named by serial must also hold the key that signed.
    s.platform_signs_with(&s.old.serial_hex(), &s.new_key);
    assert!(matches!(
        s.query().await,
        Err(ClientError::Verification(
            CryptoError::SignatureMismatch { .. }
        ))
    ));

    // The old certificate removed: its answers are refused.
    s.client
        .certificates()
        .replace(CertificateSet::new().with_platform(s.new.clone()));
    s.platform_signs_with(&s.old.serial_hex(), &s.old_key);
    assert!(matches!(
        s.query().await,
        Err(ClientError::UnknownCertificate { .. })
    ));
    s.platform_signs_with(&s.new.serial_hex(), &s.new_key);
    s.query().await.expect("new certificate only");
}

#[tokio::test]
async fn validity_windows_are_checked_when_used() {
    let s = setup();
    let (expired, _) = cert(&s.new_key, &[0x0c], NOW - 1000, NOW - 1);
    let (future, _) = cert(&s.new_key, &[0x0d], NOW + 10, NOW + 1000);
    s.client.certificates().replace(
        CertificateSet::new()
            .with_platform(expired)
            .with_platform(future),
    );
    s.platform_signs_with("0c", &s.new_key);
    assert!(matches!(
        s.query().await,
        Err(ClientError::Verification(
            CryptoError::CertificateExpired { .. }
        ))
    ));
    s.platform_signs_with("0d", &s.new_key);
    assert!(matches!(
        s.query().await,
        Err(ClientError::Verification(
            CryptoError::CertificateNotYetValid { .. }
        ))
    ));
}

#[tokio::test]
async fn reload_from_disk_and_a_bad_file_keeps_the_set_in_force() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let (old_path, new_path, bad_path) = (
        dir.path().join("old.pem"),
        dir.path().join("new.pem"),
        dir.path().join("bad.pem"),
    );
    std::fs::write(&old_path, &s.old_pem).unwrap();
    std::fs::write(&new_path, &s.new_pem).unwrap();
    std::fs::write(
        &bad_path,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let files = CertificateFiles {
        platform: vec![old_path.clone(), new_path.clone()],
        notify: vec![new_path.clone()],
    };
    s.client.certificates().reload_from(&files).unwrap();
    s.platform_signs_with("0b", &s.new_key);
    s.query().await.expect("reloaded from disk");

    let broken = CertificateFiles {
        platform: vec![bad_path.clone()],
        notify: vec![],
    };
    match s.client.certificates().reload_from(&broken) {
        Err(ConfigError::Key { path, .. }) => assert_eq!(path, bad_path),
        other => panic!("expected a key error naming the file, got {other:?}"),
    }
    let missing = CertificateFiles {
        platform: vec![dir.path().join("absent.pem")],
        notify: vec![],
    };
    assert!(matches!(
        s.client.certificates().reload_from(&missing),
        Err(ConfigError::Io { .. })
    ));
    s.query().await.expect("the set in force was kept");
    // This client was configured in code: there are no files to reload from.
    assert!(s.client.reload_certificates().is_err());
}

#[tokio::test]
async fn notifications_try_each_valid_certificate_and_follow_the_swap() {
    let s = setup();
    let handler = s
        .client
        .open_platform_notification_handler(Arc::new(InMemoryReplayGuard::new()))
        .unwrap();
    // Two events (two states of one order): each is new once.
    let deal = br#"{"merchant_no":"822290070111135","out_trade_no":"T1","trade_state":"DEAL"}"#;
    let body = br#"{"merchant_no":"822290070111135","out_trade_no":"T1","trade_state":"SUCCESS"}"#;
    let signed = |key: &PrivateKey, nonce: &str, body: &[u8]| {
        PlatformSigner::new("ff", key.clone())
            .sign_notification(body, NOW, nonce)
            .unwrap()
            .to_string()
    };
    let signed_by = |key: &PrivateKey, nonce: &str| {
        PlatformSigner::new("ff", key.clone())
            .sign_notification(body, NOW, nonce)
            .unwrap()
            .to_string()
    };
    // Signed by the new key before it is installed: refused.
    assert!(matches!(
        handler.handle(&signed_by(&s.new_key, "n1"), body).await,
        Err(NotificationError::Verification(
            CryptoError::SignatureMismatch { .. }
        ))
    ));
    s.client.certificates().replace(
        CertificateSet::new()
            .with_platform(s.old.clone())
            .with_notify(s.old.clone())
            .with_notify(s.new.clone()),
    );
    let Incoming::New(_) = handler
        .handle(&signed_by(&s.new_key, "n2"), body)
        .await
        .unwrap()
    else {
        panic!("new")
    };
    let Incoming::New(_) = handler
        .handle(&signed(&s.old_key, "n3", deal), deal)
        .await
        .unwrap()
    else {
        panic!("new")
    };
    // Only an expired notification certificate left: refused with the window's error.
    let (expired, _) = cert(&s.new_key, &[0x0e], NOW - 1000, NOW - 1);
    s.client
        .certificates()
        .replace(CertificateSet::new().with_notify(expired));
    assert!(matches!(
        handler.handle(&signed_by(&s.new_key, "n4"), body).await,
        Err(NotificationError::Verification(
            CryptoError::CertificateExpired { .. }
        ))
    ));
}
