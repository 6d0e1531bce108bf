//! `lakala notify crossborder` and `lakala notify open-platform`: verify a notification
//! read from stdin.

use crate::args::{Cli, NotifyCommand};
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::{self, Family};
use lakala_client::notification::{
    CrossBorderNotificationHandler, InMemoryReplayGuard, Incoming, NotificationError,
    OpenPlatformNotificationHandler,
};
use lakala_crypto::crossborder::{Merchant, NotificationEnvelope};
use lakala_crypto::{ManualClock, PrivateKey, PublicKey, SystemClock};
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

fn stdin() -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    Ok(body)
}

fn refused(e: NotificationError) -> Report {
    let exit = match e {
        NotificationError::Malformed { .. } | NotificationError::NotConfigured(_) => Exit::Usage,
        ref e if e.is_retryable() => Exit::Transport,
        _ => Exit::Verification,
    };
    eprintln!("lakala: notification refused: {e}");
    Report::new("refused", exit).line(format!("refused: {e}"))
}

pub async fn run(cli: &Cli, command: &NotifyCommand) -> Result<Report, Failure> {
    let body = stdin()?;
    match command {
        NotifyCommand::Crossborder { any_age } => {
            // The answer carries the notification's merId unless --mer-id says otherwise.
            let envelope: Result<NotificationEnvelope, _> = serde_json::from_slice(&body);
            let envelope_mer_id = envelope.as_ref().ok().map(|e| e.mer_id.clone());
            let (merchant_key, platform_key, config_mer_id, max) =
                match (&cli.merchant_key, &cli.platform_public_key) {
                    (Some(key), Some(public)) => (
                        PrivateKey::load(std::fs::read(key)?)?,
                        PublicKey::load(std::fs::read(public)?)?,
                        None,
                        Duration::from_secs(600),
                    ),
                    _ => {
                        let config = settings::load(cli, Family::CrossBorder, None)?;
                        let c = config.crossborder.ok_or_else(|| {
                            Failure::Usage("needs --merchant-key and --platform-public-key".into())
                        })?;
                        (
                            c.merchant_key,
                            c.platform_key,
                            Some(c.mer_id),
                            config.notification_max_age,
                        )
                    }
                };
            // merId is not covered by the MAC: it is checked against --mer-id or the
            // configuration; only when neither names one is the notification's own taken.
            let mer_id = match cli.mer_id.clone().or(config_mer_id) {
                Some(id) => id,
                None => {
                    eprintln!("lakala: no --mer-id configured: merId taken from the notification, not checked");
                    envelope_mer_id.unwrap_or_default()
                }
            };
            let max_age = if *any_age {
                Duration::from_secs(u32::MAX.into())
            } else {
                max
            };
            let handler = CrossBorderNotificationHandler::new(
                Merchant::new(mer_id, merchant_key, platform_key),
                Arc::new(InMemoryReplayGuard::new()),
                Arc::new(SystemClock),
            )
            .with_max_age(max_age);
            let notification = match handler.handle(&body).await {
                Ok(Incoming::New(n)) => n,
                Ok(Incoming::Repeat(_)) => {
                    return Err(Failure::Internal(
                        "a fresh replay memory reported a repeat".into(),
                    ))
                }
                Err(e) => return Ok(refused(e)),
            };
            let content: Value =
                serde_json::from_str(notification.content().as_str()).unwrap_or(Value::Null);
            let answer = handler
                .answer(&notification, "0000", "成功", "{}")
                .await
                .map_err(|e| Failure::Internal(e.to_string()))?;
            let answer_text = String::from_utf8_lossy(&answer).into_owned();
            Ok(Report::new("accepted", Exit::Success)
                .response(content.clone())
                .extra("req_type", json!(notification.req_type()))
                .extra(
                    "answer",
                    serde_json::from_slice(&answer).unwrap_or(Value::Null),
                )
                .line(format!(
                    "verified {} notification, ts {}",
                    notification.req_type(),
                    notification.ts()
                ))
                .line(format!(
                    "content: {}",
                    crate::personal::shown(&content, cli.reveal_personal_data)
                ))
                .line(format!("answer body: {answer_text}")))
        }
        NotifyCommand::OpenPlatform { authorization, now } => {
            let config = settings::load(cli, Family::OpenPlatform, None);
            // The configured merchant's notifications only; with none configured, the
            // notification's own merchant_no is taken (and said so).
            let configured = config
                .as_ref()
                .ok()
                .and_then(|c| c.merchant.as_ref())
                .map(|m| m.merchant_no.clone());
            let merchant_no = match configured {
                Some(m) => m,
                None => {
                    let named = serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|v| {
                            ["merchant_no", "merchantNo"]
                                .iter()
                                .find_map(|n| v.get(*n).and_then(Value::as_str).map(str::to_owned))
                        })
                        .unwrap_or_default();
                    eprintln!("lakala: no merchant configured: merchant_no taken from the notification, not checked");
                    named
                }
            };
            let notify_key = match (&cli.notify_cert, config) {
                (Some(path), _) => {
                    let pem = std::fs::read(path)?;
                    lakala_crypto::Certificate::load(&pem, lakala_crypto::ValidityCheck::Now)?
                        .public_key()
                        .clone()
                }
                (None, Ok(c)) => c
                    .open_platform
                    .and_then(|o| o.notify_cert)
                    .map(|c| c.public_key().clone())
                    .ok_or_else(|| Failure::Usage("needs --notify-cert".into()))?,
                (None, Err(e)) => return Err(e.into()),
            };
            let clock: Arc<dyn lakala_client::ClockDebug> = match now {
                Some(t) => Arc::new(ManualClock::at_unix(*t)),
                None => Arc::new(SystemClock),
            };
            let handler = OpenPlatformNotificationHandler::new(
                notify_key,
                lakala_crypto::open_platform::Freshness::default(),
                Arc::new(InMemoryReplayGuard::new()),
                clock,
            )
            .for_merchants([merchant_no]);
            match handler.handle(authorization, &body).await {
                Ok(Incoming::Repeat(_)) => Err(Failure::Internal(
                    "a fresh replay memory reported a repeat".into(),
                )),
                Ok(Incoming::New(event)) => {
                    let n = event.notification;
                    Ok(Report::new("accepted", Exit::Success)
                        .response(n.body.clone())
                        .extra(
                            "answer",
                            serde_json::from_slice(
                                &OpenPlatformNotificationHandler::success_answer(),
                            )
                            .unwrap_or(Value::Null),
                        )
                        .line(format!(
                            "verified notification (timestamp {}, nonce {})",
                            n.timestamp, n.nonce
                        ))
                        .line(format!(
                            "body: {}",
                            crate::personal::shown(&n.body, cli.reveal_personal_data)
                        )))
                }
                Err(e) => Ok(refused(e)),
            }
        }
    }
}
