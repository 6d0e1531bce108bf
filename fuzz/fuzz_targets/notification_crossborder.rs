//! Cross-border notifications through the client's handler
//! (`lakala_client::notification::CrossBorderNotificationHandler`), on both RSA backends.
//!
//! Input: a mode byte, then
//! - mode even: the body as received. Nothing the fuzzer writes may be accepted (it has no
//!   platform key).
//! - mode odd: `reqType`, a newline, business JSON, sealed by the platform (valid MAC,
//!   `encKey` and `encData`): it must be accepted once with exactly that content, answered,
//!   then recognised as a repeat with the same answer bytes.
#![no_main]

use lakala_client::notification::{
    CrossBorderNotificationHandler, InMemoryReplayGuard, Incoming, NotificationError,
};
use lakala_crypto::crossborder::{Merchant, Platform};
use lakala_crypto::rand::rngs::StdRng;
use lakala_crypto::rand::SeedableRng;
use lakala_crypto::{format_china_time, ManualClock};
use lakala_fuzz::{keys, runtime, split_once, MER_ID, NOW};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let k = keys();
    runtime().block_on(async {
        for merchant_key in k.cb_merchant_all.iter().cloned() {
            let handler = CrossBorderNotificationHandler::new(
                Merchant::new(MER_ID, merchant_key, k.cb_platform.public_key()),
                Arc::new(InMemoryReplayGuard::new()),
                Arc::new(ManualClock::at_unix(NOW)),
            );
            if mode % 2 == 0 {
                assert!(
                    handler.handle(rest).await.is_err(),
                    "a forged notification was accepted"
                );
                continue;
            }
            let (req_type, biz) = split_once(rest, b"\n");
            let (Ok(req_type), Ok(biz)) = (std::str::from_utf8(req_type), std::str::from_utf8(biz))
            else {
                return;
            };
            let ts = format!("{}{:06}", format_china_time(NOW), mode);
            let platform = Platform::new(k.cb_platform.clone(), k.cb_merchant.public_key());
            let mut rng = StdRng::seed_from_u64(u64::from(mode));
            // Text the GBK encoder cannot carry is refused at sealing: nothing to deliver.
            let Ok((envelope, _)) =
                platform.seal_notification_with_rng(MER_ID, &ts, req_type, biz, &mut rng)
            else {
                return;
            };
            let body = serde_json::to_vec(&envelope).expect("an envelope serializes");
            // Content that is not a JSON object naming an `orderNo` is not understood.
            let understood = serde_json::from_str::<serde_json::Value>(biz)
                .ok()
                .and_then(|v| v.get("orderNo").and_then(|o| o.as_str()).map(str::to_owned))
                .is_some_and(|o| {
                    !o.is_empty()
                        && o.chars().count() <= 64
                        && !o.chars().any(|c| c == ':' || c.is_control())
                });
            let understood = understood
                && !req_type.is_empty()
                && req_type.chars().count() <= 64
                && !req_type.chars().any(|c| c == ':' || c.is_control());
            let notification = match handler.handle(&body).await {
                Ok(Incoming::New(n)) => n,
                Ok(Incoming::Repeat(_)) => panic!("a first delivery counted as a repeat"),
                Err(NotificationError::Content { .. }) if !understood => continue,
                Err(e) => panic!("a genuine notification was refused: {e}"),
            };
            assert!(understood, "content that names no order was accepted");
            assert_eq!(
                notification.content().as_str(),
                biz,
                "content changed in transit"
            );
            assert_eq!(notification.req_type(), req_type);
            let answer = handler
                .answer(&notification, "0000", "成功", "{}")
                .await
                .expect("answering works");
            match handler.handle(&body).await {
                Ok(Incoming::Repeat(bytes)) => assert_eq!(bytes, answer),
                other => panic!("a redelivery was not recognised: {:?}", other.map(|_| ())),
            }
        }
    });
});
