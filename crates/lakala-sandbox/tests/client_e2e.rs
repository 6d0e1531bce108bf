//! The real `lakala-client` against the real sandbox over loopback HTTP, configured from
//! the TOML the sandbox writes: every flow, and both sides refusing the wrong keys.

mod support;

use lakala_client::notification::{
    CrossBorderAnswer, InMemoryReplayGuard, OpenPlatformNotificationHandler,
};
use lakala_client::{
    AuthOutcome, ClientError, Config, Confirmation, FailureReason, LakalaClient, MicropayOptions,
    OpenPlatformCredentials, PaymentOutcome, PendingPolicy, PreOrderOutcome, RefundOutcome,
    RevokeOutcome, Sleeper,
};
use lakala_crypto::{Certificate, ManualClock, PrivateKey};
use lakala_sandbox::behaviour::{auth_codes, cert_numbers};
use lakala_sandbox::{files, DeliveryStatus};
use lakala_transport::TransportError;
use lakala_types::crossborder::{AuthRequest, BizType, CertType, RetCode};
use lakala_types::micropay::{
    LocationInfo, MicropayRequest, RefundRequest, RevokeRequest, TradeQueryRequest, TradeState,
};
use lakala_types::preauth::{AccountType, PaymentData, PreOrderRequest, TransType};
use lakala_types::Amount;
use std::sync::Arc;
use std::time::Duration;
use support::{eventually, listener, start, Env, MERCHANT_NO, TERM_NO};

/// The client's waits between queries move the shared manual clock instead of sleeping.
#[derive(Debug)]
struct ClockSleeper(Arc<ManualClock>);

#[lakala_transport::async_trait]
impl Sleeper for ClockSleeper {
    async fn sleep(&self, duration: Duration) {
        self.0.advance(duration);
    }
}

struct Setup {
    env: Env,
    client: LakalaClient,
    _dir: tempfile::TempDir,
}

/// A sandbox, and a client built from the configuration the sandbox wrote, on the same
/// manual clock.
async fn setup() -> Setup {
    let env = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let config =
        Config::from_file_and_env(Some(&path), |_| None).expect("the written config loads");
    let client = client(&env, config);
    Setup {
        env,
        client,
        _dir: dir,
    }
}

fn client(env: &Env, config: Config) -> LakalaClient {
    LakalaClient::builder(config)
        .clock(env.clock.clone())
        .sleeper(Arc::new(ClockSleeper(env.clock.clone())))
        .build()
        .unwrap()
}

fn identity(order_no: &str, cert_no: &str) -> AuthRequest {
    AuthRequest::builder()
        .order_no(order_no)
        .biz_type(BizType::Identity)
        .name("张三")
        .cert_no(cert_no)
        .cert_type(CertType::IdCard)
        .build()
        .unwrap()
}

fn location() -> LocationInfo {
    LocationInfo::builder()
        .request_ip("127.0.0.1")
        .build()
        .unwrap()
}

fn pay(out_trade_no: &str, auth_code: &str, fen: u64, notify_url: Option<&str>) -> MicropayRequest {
    let mut b = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(fen).unwrap())
        .location_info(location())
        .subject("e2e");
    if let Some(url) = notify_url {
        b = b.notify_url(url);
    }
    b.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_verification() {
    let s = setup().await;
    let ok = s
        .client
        .auth(&identity("E1", cert_numbers::VERIFIED))
        .await
        .unwrap();
    let AuthOutcome::Verified(response) = &ok.value else {
        panic!("{:?}", ok.value)
    };
    assert_eq!(response.order_no(), Some("E1"));
    assert!(ok.violations.is_empty(), "{:?}", ok.violations);
    assert_eq!(ok.json()["retCode"], "0000");

    let refused = s
        .client
        .auth(&identity("E2", cert_numbers::MISMATCH_9001))
        .await
        .unwrap();
    assert_eq!(refused.value.code(), RetCode::InfoMismatch);
    let duplicate = s
        .client
        .auth(&identity("E1", cert_numbers::VERIFIED))
        .await
        .unwrap();
    assert_eq!(duplicate.value.code(), RetCode::DuplicateOrder);
    let conflict = s
        .client
        .auth(&identity("E1", "110101199003070011"))
        .await
        .unwrap();
    assert_eq!(conflict.value.code(), RetCode::OrderMismatch);
    for (i, cert) in [
        cert_numbers::EXPIRED_9005,
        cert_numbers::NOT_CONFIGURED_9006,
        cert_numbers::INCONSISTENT_9007,
        cert_numbers::SYSTEM_ERROR_9999,
        cert_numbers::INTERNAL_ERROR_9002,
    ]
    .iter()
    .enumerate()
    {
        let answer = s
            .client
            .auth(&identity(&format!("E3{i}"), cert))
            .await
            .unwrap();
        assert_eq!(answer.value.code().as_str(), &cert[cert.len() - 4..]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_orders() {
    let s = setup().await;
    let order = |sno: &str, trans: TransType, account: AccountType| {
        let mut b = PreOrderRequest::builder()
            .mer_id(MERCHANT_NO)
            .term_id(TERM_NO)
            .account_type(account.clone())
            .trans_type(trans)
            .amount(Amount::from_fen(100).unwrap().zero_padded())
            .mer_req_sno(sno)
            .subject("e2e");
        if account == AccountType::Wechat {
            b = b
                .app_id("wx9ef39b708f16694d")
                .open_id("olpr-0pHIp1AjaAr29LENlHi0cJ0");
        }
        b.build().unwrap()
    };
    let native = s
        .client
        .preauth_pre_order(order("PE1", TransType::Native, AccountType::Alipay), None)
        .await
        .unwrap();
    let PreOrderOutcome::Created {
        payment: PaymentData::Native(p),
        ..
    } = &native.value
    else {
        panic!("{:?}", native.value)
    };
    assert!(p
        .code()
        .unwrap()
        .starts_with("https://qr.sandbox.lakala.invalid/alipay/"));
    assert!(native.violations.is_empty(), "{:?}", native.violations);

    let jsapi = s
        .client
        .preauth_pre_order(order("PE2", TransType::Jsapi, AccountType::Wechat), None)
        .await
        .unwrap();
    let PreOrderOutcome::Created {
        payment: PaymentData::WechatJsapi(w),
        ..
    } = &jsapi.value
    else {
        panic!("{:?}", jsapi.value)
    };
    assert!(w.package().unwrap().starts_with("prepay_id="));
    assert_eq!(w.app_id(), Some("wx9ef39b708f16694d"));

    let refused = s
        .client
        .preauth_pre_order(order("PE3", TransType::Native, AccountType::Wechat), None)
        .await
        .unwrap();
    let PreOrderOutcome::Declined { code, .. } = &refused.value else {
        panic!("{:?}", refused.value)
    };
    assert_eq!(code.as_str(), "SBX00003");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn micropay_flows() {
    let s = setup().await;
    let wait = || MicropayOptions::new(PendingPolicy::ReturnPending);

    let now = s
        .client
        .micropay(pay("EP1", auth_codes::SUCCEED, 101, None), wait())
        .await
        .unwrap();
    // Micropay answers name no merchant_no: the success is bound to the merchant by one
    // trade query (whose answer names it) before it is reported.
    assert!(
        matches!(
            &now,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 1, .. },
                ..
            }
        ),
        "{now:?}"
    );

    // Pending 12 s: the spec's schedule queries at +5, +10 (DEAL), +15 (SUCCESS).
    let later = s
        .client
        .micropay(
            pay("EP2", auth_codes::PENDING_THEN_SUCCEED, 102, None),
            wait(),
        )
        .await
        .unwrap();
    let PaymentOutcome::Succeeded {
        confirmation: Confirmation::Query { attempt, .. },
        order,
    } = &later
    else {
        panic!("{later:?}")
    };
    assert_eq!(*attempt, 3);
    assert!(order.trade_no.is_some());

    let failed = s
        .client
        .micropay(pay("EP3", auth_codes::PENDING_THEN_FAIL, 103, None), wait())
        .await
        .unwrap();
    assert!(
        matches!(
            &failed,
            PaymentOutcome::Failed {
                reason: FailureReason::TradeFailed { .. },
                ..
            }
        ),
        "{failed:?}"
    );

    let declined = s
        .client
        .micropay(
            pay("EP4", auth_codes::INSUFFICIENT_BALANCE, 104, None),
            wait(),
        )
        .await
        .unwrap();
    // A code-only decline names no order: failed once the query confirms it.
    let PaymentOutcome::Failed {
        reason:
            FailureReason::TradeFailed {
                state: TradeState::Fail,
                micropay_answer: Some(first),
                ..
            },
        ..
    } = &declined
    else {
        panic!("{declined:?}")
    };
    assert_eq!(first.code.as_str(), "SBX20001");

    let stuck = s
        .client
        .micropay(
            pay("EP5", auth_codes::PENDING_UNTIL_REVOKED, 105, None),
            wait(),
        )
        .await
        .unwrap();
    let PaymentOutcome::Pending(pending) = &stuck else {
        panic!("{stuck:?}")
    };
    assert_eq!(pending.last_state, Some(TradeState::Deal));

    let revoke = MicropayOptions::new(PendingPolicy::Revoke {
        revoke_out_trade_no: "EP6R".into(),
    });
    let revoked = s
        .client
        .micropay(
            pay("EP6", auth_codes::PENDING_UNTIL_REVOKED, 106, None),
            revoke,
        )
        .await
        .unwrap();
    assert!(
        matches!(&revoked, PaymentOutcome::Revoked { .. }),
        "{revoked:?}"
    );
    let q = s
        .client
        .trade_query(
            TradeQueryRequest::builder()
                .merchant_no(MERCHANT_NO)
                .term_no(TERM_NO)
                .out_trade_no("EP6")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        q.value.resp_data().unwrap().trade_state(),
        Some(&TradeState::Refund),
        "the platform reports a revoked order as REFUND"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_revoke_refund() {
    let s = setup().await;
    s.client
        .micropay(
            pay("EQ1", auth_codes::SUCCEED, 500, None),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    let q = s
        .client
        .trade_query(
            TradeQueryRequest::builder()
                .merchant_no(MERCHANT_NO)
                .term_no(TERM_NO)
                .out_trade_no("EQ1")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(q.value.code().map(|c| c.as_str()), Some("BBS00000"));
    assert!(q.violations.is_empty(), "{:?}", q.violations);
    let refund = |no: &str, fen: u64| {
        RefundRequest::builder()
            .merchant_no(MERCHANT_NO)
            .term_no(TERM_NO)
            .out_trade_no(no)
            .refund_amount(Amount::from_fen(fen).unwrap())
            .origin_out_trade_no("EQ1")
            .location_info(location())
            .build()
            .unwrap()
    };
    let r1 = s.client.refund(refund("EQ1F1", 200)).await.unwrap();
    assert_eq!(r1.word(), "refunded", "{r1:?}");
    let over = s.client.refund(refund("EQ1F2", 301)).await.unwrap();
    assert!(
        matches!(&over, RefundOutcome::Unknown { code: Some(c), .. } if c.as_str() == "SBX00005"),
        "{over:?}"
    );
    let revoke = RevokeRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("EQ1R")
        .origin_out_trade_no("EQ1")
        .location_info(location())
        .build()
        .unwrap();
    let revoked = s.client.revoke(revoke).await.unwrap();
    match &revoked {
        RevokeOutcome::Revoked { response } => assert_eq!(
            serde_json::to_value(response).unwrap()["refund_amount"],
            "300"
        ),
        other => panic!("{other:?}"),
    }
    let after = s.client.refund(refund("EQ1F3", 1)).await.unwrap();
    assert!(
        matches!(&after, RefundOutcome::Unknown { code: Some(c), .. } if c.as_str() == "SBX00007"),
        "{after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_verified_by_the_client() {
    let s = setup().await;
    // Notifications are taken for the configured merchant only: the sandbox's.
    let path = s.env.sandbox.write_client_config(s._dir.path()).unwrap();
    let config = Config::from_file_and_env(Some(&path), |_| None)
        .unwrap()
        .with_merchant(lakala_client::MerchantProfile::new(MERCHANT_NO, TERM_NO));
    let handler = client(&s.env, config)
        .open_platform_notification_handler(Arc::new(InMemoryReplayGuard::new()))
        .unwrap();
    let (url, seen) = listener(move |_, authorization, body| {
        // The listener is synchronous; the handler is async.
        let verdict = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handler.process(
                authorization,
                body,
                |n| async move {
                    if n.trade_state.as_str() == "SUCCESS" {
                        Ok(())
                    } else {
                        Err(format!("unexpected {:?}", n.notification))
                    }
                },
            ))
        });
        match verdict {
            Ok(answer) => (200, answer),
            Err(e) => (
                200,
                OpenPlatformNotificationHandler::failure_answer(&e.to_string()),
            ),
        }
    })
    .await;
    let outcome = s
        .client
        .micropay(
            pay("EN1", auth_codes::PENDING_THEN_SUCCEED, 9, Some(&url)),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    let sandbox = &s.env.sandbox;
    eventually("delivered", || {
        sandbox
            .notification_deliveries()
            .first()
            .is_some_and(|d| d.status == DeliveryStatus::Delivered)
    })
    .await;
    assert_eq!(
        sandbox.notification_deliveries()[0].attempts,
        1,
        "the client's handler accepted the first attempt"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Cross-border: the client's handler verifies, opens and answers; the sandbox verifies the answer.
    let handler = s
        .client
        .crossborder_notification_handler(Arc::new(InMemoryReplayGuard::new()))
        .unwrap();
    let (url, _) = listener(move |_, _, body| {
        let handled = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handler.process(body, |n| async move {
                assert_eq!(n.content().as_str(), r#"{"orderNo":"X9"}"#);
                Ok::<_, std::convert::Infallible>(CrossBorderAnswer {
                    ret_code: "0000".into(),
                    ret_msg: "成功".into(),
                    json: r#"{"ok":1}"#.into(),
                })
            }))
        });
        match handled {
            Ok(answer) => (200, answer),
            Err(e) => (500, e.to_string().into_bytes()),
        }
    })
    .await;
    let answer = s
        .env
        .sandbox
        .send_crossborder_notification(&url, r#"{"orderNo":"X9"}"#)
        .await
        .unwrap();
    assert_eq!(answer.ret_code, "0000");
    assert_eq!(answer.biz.as_deref(), Some(r#"{"ok":1}"#));
}

fn other_cert() -> (PrivateKey, Certificate) {
    let key = PrivateKey::generate(&mut rand::thread_rng(), 2048).unwrap();
    let (cert, _) =
        Certificate::self_signed(&key, "intruder", &[7; 8], 1_704_067_200, 2_524_607_999).unwrap();
    (key, cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_are_refused_on_both_sides() {
    let s = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let path = s.env.sandbox.write_client_config(dir.path()).unwrap();
    let load = || Config::from_file_and_env(Some(&path), |_| None).unwrap();
    let query = || {
        TradeQueryRequest::builder()
            .merchant_no(MERCHANT_NO)
            .term_no(TERM_NO)
            .out_trade_no("W1")
            .build()
            .unwrap()
    };

    // A client that trusts another platform certificate refuses the sandbox's answers.
    let (_, cert) = other_cert();
    let mut config = load();
    let open: &mut OpenPlatformCredentials = config.open_platform.as_mut().unwrap();
    open.platform_cert = cert;
    let result = client(&s.env, config).trade_query(query()).await;
    // The answer names the sandbox's certificate by serial, which this client does not hold.
    assert!(
        matches!(result, Err(ClientError::UnknownCertificate { .. })),
        "{result:?}"
    );

    // ... and another cross-border platform key refuses the gate/auth answers.
    let mut config = load();
    config.crossborder.as_mut().unwrap().platform_key =
        PrivateKey::generate(&mut rand::thread_rng(), 1024)
            .unwrap()
            .public_key();
    let result = client(&s.env, config)
        .auth(&identity("W2", cert_numbers::VERIFIED))
        .await;
    assert!(
        matches!(result, Err(ClientError::Verification(_))),
        "{result:?}"
    );

    // The sandbox refuses a request signed with another merchant key: HTTP 401.
    let (key, _) = other_cert();
    let mut config = load();
    config.open_platform.as_mut().unwrap().merchant_key = key;
    let result = client(&s.env, config).trade_query(query()).await;
    assert!(
        matches!(
            result,
            Err(ClientError::Transport(TransportError::Status {
                status: 401,
                ..
            }))
        ),
        "{result:?}"
    );
    let mut config = load();
    config.crossborder.as_mut().unwrap().merchant_key =
        PrivateKey::generate(&mut rand::thread_rng(), 1024).unwrap();
    let result = client(&s.env, config)
        .auth(&identity("W3", cert_numbers::VERIFIED))
        .await;
    assert!(
        matches!(&result, Err(ClientError::UnsignedAnswer { ret_code, .. }) if ret_code == "9999"),
        "{result:?}"
    );

    // The correctly configured client still works.
    let ok = s.client.trade_query(query()).await.unwrap();
    assert_eq!(ok.value.code().map(|c| c.as_str()), Some("SBX00004"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_survive_a_restart_from_their_directory() {
    let s = setup().await;
    let dir = tempfile::tempdir().unwrap();
    s.env.keys.write(dir.path()).unwrap();
    let loaded = lakala_sandbox::SandboxKeys::load(dir.path()).unwrap();
    assert_eq!(loaded.serial_no(), s.env.keys.serial_no());
    assert_eq!(loaded.mer_id(), s.env.keys.mer_id());
    assert_eq!(
        loaded.crossborder_platform_public_key(),
        s.env.keys.crossborder_platform_public_key()
    );
    for name in [
        files::CROSSBORDER_PLATFORM_KEY,
        files::OPEN_PLATFORM_KEY,
        files::OPEN_NOTIFY_KEY,
        files::OPEN_MERCHANT_CERT,
        files::IDS,
    ] {
        assert!(dir.path().join(name).exists(), "{name}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(files::OPEN_PLATFORM_KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private keys are not readable by others");
    }
    // The client config written next to the keys holds no platform private key, and a
    // second sandbox started from the loaded keys serves the same client.
    let client_dir = tempfile::tempdir().unwrap();
    s.env
        .sandbox
        .write_client_config(client_dir.path())
        .unwrap();
    assert!(!client_dir.path().join(files::OPEN_PLATFORM_KEY).exists());
    assert!(!client_dir
        .path()
        .join(files::CROSSBORDER_PLATFORM_KEY)
        .exists());
    let text = std::fs::read_to_string(client_dir.path().join(files::CLIENT_CONFIG)).unwrap();
    assert!(
        text.contains(&format!("base_url = \"{}\"", s.env.sandbox.base_url())),
        "{text}"
    );

    let second = lakala_sandbox::Sandbox::start(
        lakala_sandbox::SandboxConfig::default()
            .keys(loaded)
            .clock(s.env.clock.clone()),
    )
    .await
    .unwrap();
    let mut config =
        Config::from_file_and_env(Some(&client_dir.path().join(files::CLIENT_CONFIG)), |_| {
            None
        })
        .unwrap();
    config.environment = lakala_client::Environment::Custom(second.base_url().to_owned());
    let answer = client(&s.env, config)
        .auth(&identity("K1", cert_numbers::VERIFIED))
        .await
        .unwrap();
    assert!(matches!(answer.value, AuthOutcome::Verified(_)));
    second.shutdown().await;

    // Corrupt directories are refused with the file named.
    std::fs::write(
        dir.path().join(files::OPEN_MERCHANT_CERT),
        s.env.keys.open_platform().cert_pem(),
    )
    .unwrap();
    let err = lakala_sandbox::SandboxKeys::load(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains(files::OPEN_MERCHANT_CERT), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_only_unless_allowed() {
    let config = lakala_sandbox::SandboxConfig::default()
        .keys(support::keys())
        .listen("0.0.0.0:0".parse().unwrap());
    let err = lakala_sandbox::Sandbox::start(config).await.unwrap_err();
    assert!(
        matches!(err, lakala_sandbox::SandboxError::NotLoopback(_)),
        "{err}"
    );
}
