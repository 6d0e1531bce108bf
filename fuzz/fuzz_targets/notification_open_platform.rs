//! Open-platform notifications through the client's handler
//! (`lakala_client::notification::OpenPlatformNotificationHandler`).
//!
//! Input: a mode byte, then
//! - mode even: the `Authorization` header line, a newline, the body, as received. Nothing
//!   the fuzzer writes may be accepted (it has no notification key).
//! - mode odd: the body, genuinely signed now with the notification key: a JSON body must be
//!   accepted once (`New`), then be a `Repeat`; anything else is refused as malformed.
#![no_main]

use lakala_client::notification::{
    InMemoryReplayGuard, Incoming, NotificationError, OpenPlatformNotificationHandler,
};
use lakala_crypto::open_platform::{Freshness, PlatformSigner};
use lakala_crypto::ManualClock;
use lakala_fuzz::{keys, runtime, split_once, NOW};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let k = keys();
    runtime().block_on(async {
        for key in k.op_notify_public.iter().cloned() {
            let handler = OpenPlatformNotificationHandler::new(
                key,
                Freshness::default(),
                Arc::new(InMemoryReplayGuard::new()),
                Arc::new(ManualClock::at_unix(NOW)),
            )
            .for_merchants(["822290070111135"]);
            if mode % 2 == 0 {
                let (authorization, body) = split_once(rest, b"\n");
                let authorization = String::from_utf8_lossy(authorization);
                let result = handler.handle(&authorization, body).await;
                assert!(
                    !matches!(result, Ok(_)),
                    "a forged notification was accepted"
                );
            } else {
                let signer = PlatformSigner::new("00", k.op_notify.clone());
                let auth = signer
                    .sign_notification(rest, NOW - i64::from(mode / 4), "fuzznonce")
                    .expect("signing any body works")
                    .to_string();
                let json = serde_json::from_slice::<serde_json::Value>(rest).is_ok();
                match handler.handle(&auth, rest).await {
                    Ok(Incoming::New(n)) => {
                        assert!(json, "a body that is no JSON was accepted");
                        let _ = format!("{n:?}");
                        handler.answer(&n).await.expect("answering works");
                        assert!(
                            matches!(handler.handle(&auth, rest).await, Ok(Incoming::Repeat(_))),
                            "a redelivery was not recognised"
                        );
                    }
                    Ok(Incoming::Repeat(_)) => panic!("a first delivery counted as a repeat"),
                    Err(NotificationError::Malformed { .. }) => {
                        assert!(!json, "a signed JSON body was refused as malformed")
                    }
                    // Signed JSON that names no payment event, or another merchant's.
                    Err(NotificationError::Content { .. } | NotificationError::NotForUs { .. }) => {
                        assert!(json, "a body that is no JSON was understood")
                    }
                    Err(e) => panic!("a genuine, fresh notification was refused: {e}"),
                }
            }
        }
    });
});
