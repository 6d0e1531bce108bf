//! Notifications the sandbox sends: open-platform payment results of micropays and
//! pre-orders (signed with the notification key, redelivered on Lakala's schedule) and
//! cross-border notifications (sealed, the merchant's signed answer verified). Only to
//! loopback `http://` URLs.

use crate::delivery::{
    CrossBorderNotificationAnswer, DeliveryStatus, NotificationDelivery,
    OpenPlatformNotificationAnswer,
};
use crate::error::{Result, SandboxError};
use crate::shared::{lock, Shared};
use crate::state::{NotifyJob, Order};
use bytes::Bytes;
use http::{header, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use lakala_crypto::crossborder::NotificationAnswerEnvelope;
use lakala_crypto::format_china_time;
use lakala_crypto::open_platform::generate_nonce;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Largest answer read from a merchant.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Deadline of one cross-border notification exchange.
const CROSSBORDER_TIMEOUT: Duration = Duration::from_secs(10);

/// A checked loopback target.
struct Target {
    addr: SocketAddr,
    authority: String,
    path: String,
}

fn invalid(url: &str, reason: &str) -> SandboxError {
    SandboxError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Accepts only `http://` URLs whose host is a loopback address or `localhost`.
fn loopback_target(url: &str) -> Result<Target> {
    let uri: Uri = url.parse().map_err(|_| invalid(url, "not a URL"))?;
    if uri.scheme_str() != Some("http") {
        return Err(invalid(url, "only http:// is supported"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid(url, "no host"))?
        .to_string();
    let host = uri.host().ok_or_else(|| invalid(url, "no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.parse::<IpAddr>()
            .map_err(|_| SandboxError::NotLoopback(url.to_owned()))?
    };
    if !ip.is_loopback() {
        return Err(SandboxError::NotLoopback(url.to_owned()));
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    Ok(Target {
        addr: SocketAddr::new(ip, uri.port_u16().unwrap_or(80)),
        authority,
        path,
    })
}

/// POSTs `body` and returns the status and answer body, within `deadline`.
async fn post(
    target: &Target,
    headers: &[(&str, String)],
    body: Vec<u8>,
    deadline: Duration,
) -> std::result::Result<(u16, Vec<u8>), String> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(target.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let driver = tokio::spawn(connection);
        let mut request = Request::post(target.path.as_str())
            .header(header::HOST, target.authority.as_str())
            .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
            .header(header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("request: {e}"))?;
        let result = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("answer: {e}"))?
                .to_bytes();
            Ok((status, bytes.to_vec()))
        }
        .await;
        driver.abort();
        result
    };
    tokio::time::timeout(deadline, exchange)
        .await
        .map_err(|_| format!("no answer within {deadline:?}"))?
}

/// The body of a payment-result notification (micropay or pre-order): the sandbox's own shape (the specs give no
/// table for it), the trade query's fields in snake_case.
pub(crate) fn notification_body(order: &Order) -> String {
    let (trade_state, desc) = order.trade_state();
    let amount = order.total.to_string();
    serde_json::json!({
        "merchant_no": order.merchant_no,
        "term_no": order.term_no,
        "out_trade_no": order.out_trade_no,
        "trade_no": order.trade_no,
        "log_no": order.log_no(),
        "acc_trade_no": order.acc_trade_no,
        "account_type": order.account_type,
        "trade_state": trade_state,
        "trade_state_desc": desc,
        "total_amount": amount,
        "payer_amount": amount,
        "acc_settle_amount": amount,
        "trade_time": format_china_time(order.trade_time),
    })
    .to_string()
}

fn update(shared: &Shared, index: usize, f: impl FnOnce(&mut NotificationDelivery)) {
    if let Some(d) = lock(&shared.deliveries).get_mut(index) {
        f(d);
    }
}

/// Delivers one payment-result notification, retrying with backoff until the merchant answers
/// SUCCESS or the attempts run out.
pub(crate) async fn deliver(shared: Arc<Shared>, job: NotifyJob) {
    let body = notification_body(&job.order);
    let target = loopback_target(&job.url);
    let status = match &target {
        Ok(_) => DeliveryStatus::InProgress,
        Err(e) => DeliveryStatus::Refused {
            reason: e.to_string(),
        },
    };
    let index = {
        let mut deliveries = lock(&shared.deliveries);
        deliveries.push(NotificationDelivery {
            merchant_no: job.order.merchant_no.clone(),
            out_trade_no: job.order.out_trade_no.clone(),
            trade_state: job.order.trade_state().0.to_owned(),
            url: job.url.clone(),
            attempts: 0,
            status,
            body: body.clone(),
        });
        deliveries.len() - 1
    };
    let Ok(target) = target else {
        tracing::warn!(url = %job.url, "notify_url is not a loopback http:// URL: not sent");
        return;
    };
    let policy = shared.notify.clone();
    let attempts = policy.max_attempts.max(1);
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        let nonce = generate_nonce(&mut rand::rngs::OsRng);
        let outcome =
            match shared
                .notify_signer
                .sign_notification(body.as_bytes(), shared.now(), &nonce)
            {
                Err(e) => Err(format!("cannot sign: {e}")),
                Ok(auth) => {
                    let headers = [("Authorization", auth.to_string())];
                    match post(
                        &target,
                        &headers,
                        body.clone().into_bytes(),
                        policy.attempt_timeout,
                    )
                    .await
                    {
                        Err(e) => Err(e),
                        Ok((200, answer)) if answered_success(&answer) => Ok(()),
                        Ok((status, answer)) => Err(format!(
                            "HTTP {status}: {}",
                            String::from_utf8_lossy(&answer[..answer.len().min(200)])
                        )),
                    }
                }
            };
        update(&shared, index, |d| d.attempts = attempt);
        match outcome {
            Ok(()) => {
                tracing::info!(out_trade_no = %job.order.out_trade_no, attempt, "notification delivered");
                update(&shared, index, |d| d.status = DeliveryStatus::Delivered);
                return;
            }
            Err(e) => {
                tracing::info!(out_trade_no = %job.order.out_trade_no, attempt, error = %e, "notification not accepted");
                last_error = e;
            }
        }
        if attempt < attempts {
            tokio::time::sleep(policy.backoff(attempt)).await;
        }
    }
    update(&shared, index, |d| {
        d.status = DeliveryStatus::GaveUp { last_error }
    });
}

fn answered_success(answer: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| {
            v.get("code")
                .and_then(|c| c.as_str())
                .map(|c| c == "SUCCESS")
        })
        .unwrap_or(false)
}

/// Signs `body` with the notification key and POSTs it once; the merchant must answer
/// HTTP 200 with `{"code":"SUCCESS",...}`.
pub(crate) async fn send_open_platform_once(
    shared: &Shared,
    url: &str,
    body: &str,
) -> Result<OpenPlatformNotificationAnswer> {
    let target = loopback_target(url)?;
    let nonce = generate_nonce(&mut rand::rngs::OsRng);
    let authorization = shared
        .notify_signer
        .sign_notification(body.as_bytes(), shared.now(), &nonce)?
        .to_string();
    let headers = [("Authorization", authorization.clone())];
    let (status, answer) = post(
        &target,
        &headers,
        body.as_bytes().to_vec(),
        shared.notify.attempt_timeout,
    )
    .await
    .map_err(SandboxError::Delivery)?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    if status != 200 {
        return Err(SandboxError::Delivery(format!(
            "HTTP {status}: {}",
            preview(&text)
        )));
    }
    if !answered_success(&answer) {
        return Err(SandboxError::Answer(format!(
            "not {{\"code\":\"SUCCESS\",...}}: {}",
            preview(&text)
        )));
    }
    Ok(OpenPlatformNotificationAnswer {
        body: body.to_owned(),
        authorization,
        answer: text,
    })
}

/// The first 200 characters of a merchant's answer, for messages.
fn preview(text: &str) -> String {
    text.chars().take(200).collect()
}

/// The merchant's answer to a cross-border notification, read as Lakala reads it.
///
/// Required: `retCode`, `ts` and `reqType` (both copied from the notification, checked by
/// the caller) and `mac`, the merchant's MAC over `retCode + retMsg + ts + reqType`.
/// Optional: `retMsg` (absent counts as empty in the MAC string, as Lakala's own Java SDK
/// `PayResultWebHook` sends it: no `retMsg`, `ver` `1.0.0`), `encData` (absent or empty:
/// no answer content), `merId` and `ver` (any value; not covered by the MAC).
fn merchant_answer(bytes: &[u8]) -> Result<NotificationAnswerEnvelope> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Lenient {
        ret_code: String,
        #[serde(default)]
        ret_msg: Option<String>,
        #[serde(default)]
        mer_id: Option<String>,
        ts: String,
        req_type: String,
        #[serde(default)]
        ver: Option<String>,
        #[serde(default)]
        enc_data: Option<String>,
        mac: String,
    }
    let a: Lenient = serde_json::from_slice(bytes)
        .map_err(|e| SandboxError::Answer(format!("not the answer envelope: {e}")))?;
    Ok(NotificationAnswerEnvelope {
        ret_code: a.ret_code,
        ret_msg: a.ret_msg.unwrap_or_default(),
        mer_id: a.mer_id.unwrap_or_default(),
        ts: a.ts,
        req_type: a.req_type,
        ver: a.ver.unwrap_or_default(),
        enc_data: a.enc_data.unwrap_or_default(),
        mac: a.mac,
    })
}

/// Seals and sends a cross-border notification, then verifies and opens the answer.
pub(crate) async fn send_crossborder(
    shared: &Shared,
    url: &str,
    req_type: &str,
    biz_json: &str,
) -> Result<CrossBorderNotificationAnswer> {
    let target = loopback_target(url)?;
    let ts = shared.ts.next();
    let (envelope, sec_key) =
        shared
            .crossborder
            .seal_notification(shared.keys.mer_id(), &ts, req_type, biz_json)?;
    let body = serde_json::to_vec(&envelope).map_err(|e| SandboxError::Delivery(e.to_string()))?;
    let (status, answer) = post(&target, &[], body, CROSSBORDER_TIMEOUT)
        .await
        .map_err(SandboxError::Delivery)?;
    if status != 200 {
        return Err(SandboxError::Delivery(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        )));
    }
    let answer = merchant_answer(&answer)?;
    let opened = shared
        .crossborder
        .open_notification_answer(&answer, &sec_key)
        .map_err(|e| SandboxError::Answer(e.to_string()))?;
    if answer.ts != envelope.ts {
        return Err(SandboxError::Answer(format!(
            "ts {} does not copy the notification's {}",
            answer.ts, envelope.ts
        )));
    }
    if answer.req_type != envelope.req_type {
        return Err(SandboxError::Answer(format!(
            "reqType {} does not copy the notification's {}",
            answer.req_type, envelope.req_type
        )));
    }
    Ok(CrossBorderNotificationAnswer {
        ret_code: opened.ret_code,
        ret_msg: opened.ret_msg,
        ts: answer.ts,
        biz: opened.biz.map(|b| b.into_string()),
    })
}

/// Settling lives beside delivery: [`crate::shared`] holds the state and knows nothing of
/// sending.
impl Shared {
    /// Settles the pending payments whose time has come and starts their notifications.
    pub(crate) fn settle_and_notify(self: &Arc<Self>) {
        let jobs = self.state().settle_due(self.now());
        for job in jobs {
            self.spawn(deliver(Arc::clone(self), job));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_urls() {
        assert!(loopback_target("http://127.0.0.1:8080/notify").is_ok());
        assert!(loopback_target("http://localhost/notify").is_ok());
        assert!(loopback_target("http://[::1]:9/x?y=1").is_ok());
        assert!(matches!(
            loopback_target("http://10.0.0.1/notify"),
            Err(SandboxError::NotLoopback(_))
        ));
        assert!(matches!(
            loopback_target("http://example.com/notify"),
            Err(SandboxError::NotLoopback(_))
        ));
        assert!(loopback_target("https://127.0.0.1/notify").is_err());
        assert!(loopback_target("www.test.com").is_err());
    }

    #[test]
    fn success_answer_is_recognised() {
        assert!(answered_success(
            r#"{"code":"SUCCESS","message":"执行成功"}"#.as_bytes()
        ));
        assert!(!answered_success(br#"{"code":"FAIL","message":"no"}"#));
        assert!(!answered_success(b"SUCCESS"));
    }
}
