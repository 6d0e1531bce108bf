//! The real `lakala-client`, configured from the `lakala.toml` the sandbox writes (which
//! names the SM4 key file), sealing its labs micropay on `micropay_encry`: the sandbox
//! opens it, pays, and the client opens and verifies the sealed answer.

mod support;

use lakala_client::{
    Config, Encryption, LakalaClient, MicropayOptions, MicropayRoute, PaymentOutcome, PendingPolicy,
};
use lakala_sandbox::behaviour::auth_codes;
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use support::{start, MERCHANT_NO, TERM_NO};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_written_config_names_the_sm4_key_and_the_client_seals_with_it() {
    let env = start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = env.sandbox.write_client_config(dir.path()).unwrap();
    let mut config = Config::from_file_and_env(Some(&path), |_| None).expect("the config loads");
    let key = config
        .sm4_key
        .as_ref()
        .expect("lakala.toml names open-sm4.key");
    assert_eq!(key.expose_bytes(), env.keys.sm4_key().expose_bytes());

    config.micropay_route = MicropayRoute::Labs;
    config.encryption = Encryption::Always;
    let client = LakalaClient::builder(config)
        .clock(env.clock.clone())
        .build()
        .unwrap();
    let request = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("CS1")
        .auth_code(auth_codes::SUCCEED)
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .subject("sealed")
        .build()
        .unwrap();
    let outcome = client
        .micropay(request, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap();
    assert!(
        matches!(outcome, PaymentOutcome::Succeeded { .. }),
        "{outcome:?}"
    );
    assert_eq!(env.sandbox.sealed_requests(), 1, "sent on micropay_encry");
    assert_eq!(env.sandbox.micropay_requests("CS1"), 1);
    assert_eq!(env.sandbox.paid_amount("CS1"), 101);
}
