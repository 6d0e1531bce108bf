//! A one-route HTTP receiver on loopback for the demo's notification: it hands each body
//! to the client's cross-border notification handler and answers with the signed body.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use lakala_client::notification::{CrossBorderAnswer, CrossBorderNotificationHandler};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// What the receiver saw: `(reqType, decrypted content)` of each accepted notification.
pub type Received = Arc<Mutex<Vec<(String, String)>>>;

/// Starts the receiver; returns its URL and what it received.
pub async fn start(
    handler: CrossBorderNotificationHandler,
) -> std::io::Result<(String, Received, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notify", listener.local_addr()?);
    let handler = Arc::new(handler);
    let received: Received = Arc::default();
    let sink = received.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            let sink = sink.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let handler = handler.clone();
                    let sink = sink.clone();
                    async move {
                        let body = req.into_body().collect().await?.to_bytes();
                        let handled = handler
                            .process(&body, |n| async move {
                                sink.lock().await.push((
                                    n.req_type().to_owned(),
                                    n.content().as_str().to_owned(),
                                ));
                                Ok::<_, std::convert::Infallible>(CrossBorderAnswer {
                                    ret_code: "0000".into(),
                                    ret_msg: "成功".into(),
                                    json: "{}".into(),
                                })
                            })
                            .await;
                        let (status, answer) = match handled {
                            Ok(answer) => (StatusCode::OK, answer),
                            // The platform delivers again on a failure status.
                            Err(e) if e.is_retryable() => {
                                (StatusCode::SERVICE_UNAVAILABLE, Vec::new())
                            }
                            Err(_) => (StatusCode::BAD_REQUEST, Vec::new()),
                        };
                        let mut response = hyper::Response::new(Full::new(Bytes::from(answer)));
                        *response.status_mut() = status;
                        response.headers_mut().insert(
                            hyper::header::CONTENT_TYPE,
                            hyper::header::HeaderValue::from_static(
                                "application/json;charset=utf-8",
                            ),
                        );
                        Ok::<_, hyper::Error>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((url, received, task))
}
