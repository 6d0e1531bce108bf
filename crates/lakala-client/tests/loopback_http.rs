#![cfg(feature = "hyper")]
//! The client over real HTTP on loopback, with the default hyper transport: the scripted
//! platform behind a small hyper server.

mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lakala_client::{
    Config, Confirmation, Environment, FailureReason, LakalaClient, MicropayOptions,
    PaymentOutcome, PendingPolicy, Timeouts,
};
use lakala_transport::{HttpRequest, HttpTransport, TransportError};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{harness_with, FakePlatform, Reply};
use tokio::net::TcpListener;

/// Serves `platform` on 127.0.0.1; a `FailAfter` reply becomes a request that is read and
/// never answered, so the client's own timeout fires after sending.
async fn serve(platform: Arc<FakePlatform>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let platform = platform.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let platform = platform.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (k.to_string(), v.to_str().unwrap_or_default().to_owned())
                            })
                            .collect();
                        let body = req.into_body().collect().await?.to_bytes().to_vec();
                        let request = HttpRequest {
                            method: lakala_transport::Method::Post,
                            url: format!("http://platform.test{path}"),
                            headers,
                            body,
                        };
                        let answer = match platform.send(request).await {
                            Ok(a) => a,
                            Err(_) => {
                                // Read, never answered: the client's timeout fires.
                                let never =
                                    std::future::pending::<std::convert::Infallible>().await;
                                match never {}
                            }
                        };
                        let mut response = hyper::Response::builder().status(answer.status);
                        for (k, v) in &answer.headers {
                            response = response.header(k, v);
                        }
                        Ok::<_, hyper::Error>(
                            response.body(Full::new(Bytes::from(answer.body))).unwrap(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

fn request() -> MicropayRequest {
    MicropayRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("HTTP1")
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// A client of the scripted platform whose base URL is the loopback server's, with the
/// default (hyper) transport.
async fn http_client() -> (LakalaClient, Arc<FakePlatform>) {
    let h = harness_with(|c| c);
    let url = serve(h.platform.clone()).await;
    let config = retarget(h.client_config(), &url);
    let client = LakalaClient::builder(config)
        .clock(h.clock.clone())
        .sleeper(h.sleeper.clone())
        .build()
        .unwrap();
    (client, h.platform)
}

fn retarget(mut config: Config, url: &str) -> Config {
    config.environment = Environment::Custom(url.to_owned());
    config.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_millis(700),
    };
    config
}

#[tokio::test]
async fn micropay_over_http_succeeds() {
    let (client, platform) = http_client().await;
    platform.push(
        "/api/v3/dcp/trans/micropay",
        Reply::Json(json!({"code": "DCP00000", "msg": "成功",
        "resp_data": {"need_query": "0", "out_trade_no": "HTTP1", "trade_no": "T0001",
            "merchant_no": "822290070111135"}})),
    );
    let outcome = client
        .micropay(
            request(),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Immediate(_),
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn micropay_timeout_after_sending_is_resolved_by_query_over_http() {
    let (client, platform) = http_client().await;
    platform.push(
        "/api/v3/dcp/trans/micropay",
        Reply::FailAfter(TransportError::Timeout { elapsed_ms: 0 }),
    );
    platform.push(
        "/api/v3/labs/query/tradequery",
        Reply::Json(json!({"code": "BBS00000", "msg": "成功",
        "resp_data": {"out_trade_no": "HTTP1", "trade_state": "SUCCESS",
            "merchant_no": "822290070111135"}})),
    );
    let outcome = client
        .micropay(
            request(),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt: 1, .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(platform.seen("/api/v3/dcp/trans/micropay").len(), 1);
}

#[tokio::test]
async fn connection_refused_over_http_is_a_safe_failure() {
    let h = harness_with(|c| c);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = LakalaClient::builder(retarget(h.client_config(), &url))
        .clock(h.clock.clone())
        .sleeper(h.sleeper.clone())
        .build()
        .unwrap();
    let outcome = client
        .micropay(
            request(),
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcome,
            PaymentOutcome::Failed {
                reason: FailureReason::NotSent { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(
        h.waits().is_empty(),
        "nothing was sent, so nothing is queried"
    );
}
