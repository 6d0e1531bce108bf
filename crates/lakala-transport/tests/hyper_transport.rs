//! `HyperTransport` over real HTTP on 127.0.0.1, against small servers written on raw
//! Tokio sockets so that each can misbehave precisely. Nothing leaves loopback; every
//! test is bounded in time.
#![cfg(feature = "hyper")]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lakala_transport::{
    HttpRequest, HttpTransport, HyperTransport, HyperTransportBuilder, Method, TransportError,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Every test must finish well within this.
const BOUND: Duration = Duration::from_secs(20);

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("test exceeded its time bound")
}

async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

fn transport() -> HyperTransportBuilder {
    HyperTransport::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
}

/// One request as it arrived on the wire.
#[derive(Debug, Clone)]
struct Received {
    /// Request line and headers, up to and including the blank line.
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn request_line(&self) -> &str {
        self.head.split("\r\n").next().unwrap_or("")
    }

    /// Header lines as (lowercased name, value exactly as sent).
    fn headers(&self) -> Vec<(String, String)> {
        self.head
            .split("\r\n")
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_ascii_lowercase(), v.trim_start().to_owned())
            })
            .collect()
    }
}

/// Reads one request (head, then a Content-Length body). `None` on a clean EOF before it.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut received = Received {
        head,
        body: Vec::new(),
    };
    let len = received
        .headers()
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(body.len(), len, "the client sent more than Content-Length");
    received.body = body;
    Some(received)
}

/// A keep-alive server answering every request with `answer`, reporting each request and
/// counting accepted connections.
fn serve(
    listener: TcpListener,
    answer: &'static [u8],
) -> (mpsc::UnboundedReceiver<Received>, Arc<AtomicUsize>) {
    serve_maybe_tls(listener, answer, None)
}

fn serve_maybe_tls(
    listener: TcpListener,
    answer: &'static [u8],
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (mpsc::UnboundedReceiver<Received>, Arc<AtomicUsize>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let tx = tx.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => answer_each(stream, answer, tx).await,
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            answer_each(stream, answer, tx).await
                        }
                    }
                }
            });
        }
    });
    (rx, accepted)
}

async fn answer_each<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    answer: &'static [u8],
    tx: mpsc::UnboundedSender<Received>,
) {
    while let Some(req) = read_request(&mut stream).await {
        let _ = tx.send(req);
        if stream.write_all(answer).await.is_err() || stream.flush().await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn post_arrives_byte_exact_answer_comes_back_and_the_connection_is_reused() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (mut seen, accepted) = serve(
            listener,
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLklapi-Signature: c2ln\r\nX-Multi: a\r\nX-Multi: b\r\nContent-Length: 13\r\n\r\n{\"code\":\"ok\"}",
        );
        let t = transport().build().unwrap();
        // Not UTF-8, with CR/LF and NUL inside: the body is bytes.
        let body: Vec<u8> = b"{\"a\":\"\xe4\xb8\xad\"}\r\n\x00\xff".to_vec();
        let auth = "LKLAPI-SHA256withRSA appid=\"OP0001\",serial_no=\"0a1b\",timestamp=\"1700000000\",nonce_str=\"abc\",signature=\"S+/=\"";
        let url = format!("http://{addr}/api/v3/labs/trans/micropay?x=1&y=%20");

        for round in 0..2 {
            let req = HttpRequest::post(&url, body.clone())
                .header("Authorization", auth)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "application/json");
            let answer = t.send(req).await.unwrap();
            assert_eq!(answer.status, 201);
            assert_eq!(answer.body, b"{\"code\":\"ok\"}");
            assert_eq!(answer.header("lklapi-signature"), Some("c2ln"));
            assert_eq!(answer.header("CONTENT-TYPE"), Some("application/json"));
            let multi: Vec<_> = answer
                .headers
                .iter()
                .filter(|(n, _)| n == "x-multi")
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(multi, ["a", "b"]);

            let got = seen.recv().await.unwrap();
            assert_eq!(
                got.request_line(),
                "POST /api/v3/labs/trans/micropay?x=1&y=%20 HTTP/1.1"
            );
            assert_eq!(got.body, body, "round {round}");
            let mut headers = got.headers();
            headers.sort();
            let mut expected = vec![
                ("accept".to_owned(), "application/json".to_owned()),
                ("authorization".to_owned(), auth.to_owned()),
                ("content-length".to_owned(), body.len().to_string()),
                (
                    "content-type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ),
                ("host".to_owned(), addr.to_string()),
            ];
            expected.sort();
            assert_eq!(headers, expected, "exactly these headers, nothing added");

            // Let the first connection go back to the pool before the second request.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "one TCP connection for both");
    })
    .await;
}

#[tokio::test]
async fn get_without_body_sends_no_content_length_and_reuse_can_be_turned_off() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (mut seen, accepted) = serve(listener, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        let t = transport().pool_max_idle_per_host(0).build().unwrap();
        for _ in 0..2 {
            let mut req = HttpRequest::post(format!("http://{addr}/q"), vec![]);
            req.method = Method::Get;
            let answer = t.send(req).await.unwrap();
            assert_eq!((answer.status, answer.body.len()), (200, 0));
            let got = seen.recv().await.unwrap();
            assert_eq!(got.request_line(), "GET /q HTTP/1.1");
            assert_eq!(got.headers(), [("host".to_owned(), addr.to_string())]);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "no pooling asked for");
    })
    .await;
}

#[tokio::test]
async fn connection_refused_is_connect_and_nothing_was_sent() {
    bounded(async {
        let (listener, addr) = listen().await;
        drop(listener);
        let t = transport().build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/x"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Connect { .. }), "{e:?}");
        assert!(!e.may_have_been_executed());
    })
    .await;
}

#[tokio::test]
async fn silent_server_after_reading_the_request_is_timeout_and_may_have_been_executed() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (got_tx, mut got_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let req = read_request(&mut stream).await;
            let _ = got_tx.send(req);
            // Hold the connection open, never answering.
            tokio::time::sleep(BOUND).await;
            drop(stream);
        });
        let t = transport()
            .timeout(Duration::from_millis(400))
            .build()
            .unwrap();
        let started = Instant::now();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        let TransportError::Timeout { elapsed_ms } = e else {
            panic!("expected Timeout, got {e:?}");
        };
        assert!(elapsed_ms >= 400, "{elapsed_ms}");
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(e.may_have_been_executed());
        // The server really did get the whole request.
        assert_eq!(got_rx.recv().await.unwrap().unwrap().body, b"{}");
    })
    .await;
}

#[tokio::test]
async fn body_stalling_midway_is_timeout() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let _ = read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"code\":")
                .await;
            tokio::time::sleep(BOUND).await;
        });
        let t = transport()
            .timeout(Duration::from_millis(400))
            .build()
            .unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Timeout { .. }), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn server_closing_after_reading_the_request_is_connection_lost() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            // Every connection (a retry would be a bug): read the request, hang up.
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = read_request(&mut stream).await;
                drop(stream);
            }
        });
        let t = transport().build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::ConnectionLost { .. }), "{e:?}");
        assert!(e.may_have_been_executed());
    })
    .await;
}

#[tokio::test]
async fn body_cut_short_is_connection_lost() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let _ = read_request(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"code\":")
                .await;
            drop(stream);
        });
        let t = transport().build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::ConnectionLost { .. }), "{e:?}");
        assert!(e.may_have_been_executed());
    })
    .await;
}

#[tokio::test]
async fn garbage_answer_is_connection_lost() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let _ = read_request(&mut stream).await;
            let _ = stream.write_all(b"SMTP ready\r\n\r\n").await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        let t = transport().build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::ConnectionLost { .. }), "{e:?}");
    })
    .await;
}

/// Fills the accept queue of a listener nobody accepts on, so that further SYNs go
/// unanswered (Linux drops them): a connect that can only time out, on loopback.
/// `None` if this system answers them anyway.
async fn saturated_listener() -> Option<(TcpListener, SocketAddr, Vec<TcpStream>)> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(1).unwrap();
    let mut held = Vec::new();
    for _ in 0..64 {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(_)) => return None,
            Err(_) => return Some((listener, addr, held)),
        }
    }
    None
}

#[tokio::test]
async fn connect_timeout_is_connect_and_nothing_was_sent() {
    bounded(async {
        let Some((_listener, addr, _held)) = saturated_listener().await else {
            eprintln!("SKIPPED: this system does not leave SYNs to a full backlog unanswered");
            return;
        };
        let t = transport()
            .connect_timeout(Duration::from_millis(300))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let started = Instant::now();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        let TransportError::Connect { reason } = &e else {
            panic!("expected Connect, got {e:?}");
        };
        assert!(reason.contains("connect timeout"), "{reason}");
        assert!(!e.may_have_been_executed());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

#[tokio::test]
async fn overall_deadline_while_still_connecting_is_connect_not_timeout() {
    bounded(async {
        let Some((_listener, addr, _held)) = saturated_listener().await else {
            eprintln!("SKIPPED: this system does not leave SYNs to a full backlog unanswered");
            return;
        };
        let t = transport()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        let TransportError::Connect { reason } = &e else {
            panic!("expected Connect, got {e:?}");
        };
        assert!(reason.contains("300 ms request deadline"), "{reason}");
        assert!(!e.may_have_been_executed());
    })
    .await;
}

#[tokio::test]
async fn announced_body_above_the_limit_is_refused_before_reading_it() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let _ = read_request(&mut stream).await;
            // Announce 1 byte too many, then send nothing: reading would hang.
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n")
                .await;
            tokio::time::sleep(BOUND).await;
        });
        let t = transport().max_response_bytes(1024).build().unwrap();
        let e = t
            .send(HttpRequest::post(format!("http://{addr}/x"), vec![]))
            .await
            .unwrap_err();
        assert_eq!(e, TransportError::BodyTooLarge { limit: 1024 });
        assert!(e.may_have_been_executed());
    })
    .await;
}

/// Answers one request with a chunked body of `total` bytes (or endless with `None`),
/// in 1 KiB chunks, stopping when the client goes away.
fn serve_chunked(listener: TcpListener, total: Option<usize>) -> Arc<AtomicUsize> {
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let _ = read_request(&mut stream).await;
        if stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        let chunk = [b'x'; 1024];
        loop {
            let sent = count.load(Ordering::SeqCst);
            let n = match total {
                Some(t) if sent >= t => {
                    let _ = stream.write_all(b"0\r\n\r\n").await;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    return;
                }
                Some(t) => (t - sent).min(chunk.len()),
                None => chunk.len(),
            };
            let mut frame = format!("{n:x}\r\n").into_bytes();
            frame.extend_from_slice(&chunk[..n]);
            frame.extend_from_slice(b"\r\n");
            if stream.write_all(&frame).await.is_err() {
                return;
            }
            count.fetch_add(n, Ordering::SeqCst);
            if sent > 64 * 1024 * 1024 {
                return; // the client should have stopped long ago; the assertion says so
            }
        }
    });
    written
}

#[tokio::test]
async fn endless_chunked_body_is_cut_at_the_limit() {
    bounded(async {
        let (listener, addr) = listen().await;
        let written = serve_chunked(listener, None);
        let t = transport().max_response_bytes(4096).build().unwrap();
        let e = t
            .send(HttpRequest::post(format!("http://{addr}/x"), vec![]))
            .await
            .unwrap_err();
        assert_eq!(e, TransportError::BodyTooLarge { limit: 4096 });
        assert!(written.load(Ordering::SeqCst) < 64 * 1024 * 1024);
    })
    .await;
}

#[tokio::test]
async fn chunked_body_exactly_at_the_limit_is_accepted() {
    bounded(async {
        let (listener, addr) = listen().await;
        serve_chunked(listener, Some(4096));
        let t = transport().max_response_bytes(4096).build().unwrap();
        let answer = t
            .send(HttpRequest::post(format!("http://{addr}/x"), vec![]))
            .await
            .unwrap();
        assert_eq!(answer.body, vec![b'x'; 4096]);
    })
    .await;
}

#[tokio::test]
async fn chunked_body_one_byte_over_the_limit_is_refused() {
    bounded(async {
        let (listener, addr) = listen().await;
        serve_chunked(listener, Some(4097));
        let t = transport().max_response_bytes(4096).build().unwrap();
        let e = t
            .send(HttpRequest::post(format!("http://{addr}/x"), vec![]))
            .await
            .unwrap_err();
        assert_eq!(e, TransportError::BodyTooLarge { limit: 4096 });
    })
    .await;
}

#[tokio::test]
async fn redirect_is_returned_not_followed() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (mut seen, _) = serve(
            listener,
            b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
        );
        let t = transport().build().unwrap();
        let answer = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap();
        assert_eq!(answer.status, 302);
        assert_eq!(answer.header("location"), Some("/elsewhere"));
        assert_eq!(
            seen.recv().await.unwrap().request_line(),
            "POST /pay HTTP/1.1"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(seen.try_recv().is_err(), "the redirect was followed");
    })
    .await;
}

#[tokio::test]
async fn server_error_is_a_response_and_error_for_status_gives_status() {
    bounded(async {
        let (listener, addr) = listen().await;
        serve(
            listener,
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops",
        );
        let t = transport().build().unwrap();
        let answer = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (500, &b"oops"[..]));
        let e = answer.error_for_status().unwrap_err();
        assert_eq!(
            e,
            TransportError::Status {
                status: 500,
                body_prefix: "oops".into()
            }
        );
    })
    .await;
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_connect() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (got_tx, mut got_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            let _ = got_tx.send(buf[..n].to_vec());
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
        });
        let t = transport().build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("https://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Connect { .. }), "{e:?}");
        assert!(!e.may_have_been_executed());
        // What arrived was a TLS ClientHello (record type 22), not the request.
        let first = got_rx.recv().await.unwrap();
        assert_eq!(first.first(), Some(&0x16), "{first:?}");
    })
    .await;
}

#[tokio::test]
async fn stalled_tls_handshake_is_connect_when_the_deadline_passes() {
    bounded(async {
        let (listener, addr) = listen().await;
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::time::sleep(BOUND).await; // never answers the ClientHello
            drop(stream);
        });
        let t = transport()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("https://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Connect { .. }), "{e:?}");
        assert!(!e.may_have_been_executed());
    })
    .await;
}

#[tokio::test]
async fn https_only_refuses_plain_http_before_connecting() {
    bounded(async {
        let (listener, addr) = listen().await;
        let (_seen, accepted) = serve(listener, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        let t = transport().https_only(true).build().unwrap();
        let e = t
            .send(HttpRequest::post(
                format!("http://{addr}/pay"),
                b"{}".to_vec(),
            ))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::InvalidRequest { .. }), "{e:?}");
        assert!(!e.may_have_been_executed());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[tokio::test]
async fn bad_urls_are_invalid_requests() {
    let t = transport().build().unwrap();
    for url in [
        "",
        "127.0.0.1/x",
        "ftp://127.0.0.1/x",
        "http://",
        "http:///x",
    ] {
        let e = t.send(HttpRequest::post(url, vec![])).await.unwrap_err();
        assert!(
            matches!(e, TransportError::InvalidRequest { .. }),
            "{url:?}: {e:?}"
        );
    }
}

#[test]
fn outside_a_tokio_runtime_send_fails_cleanly() {
    let t = transport().build().unwrap();
    let request = HttpRequest::post("http://127.0.0.1:1/x", vec![]);
    // A runtime-less executor: poll the future once by hand.
    let mut fut = t.send(request); // async-trait: already a pinned box
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(fut.as_mut(), &mut cx) {
        std::task::Poll::Ready(Err(TransportError::InvalidRequest { reason })) => {
            assert!(reason.contains("Tokio"), "{reason}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn debug_shows_settings_only() {
    let t = transport().build().unwrap();
    let shown = format!("{t:?}");
    assert!(shown.starts_with("HyperTransport {"), "{shown}");
    assert!(shown.contains("timeout: 5s"), "{shown}");
    assert!(shown.contains("WebpkiRoots"), "{shown}");
    // Not the pool, connector or TLS configuration internals.
    assert!(!shown.contains("Client"), "{shown}");
    assert!(shown.len() < 400, "{shown}");
}

#[tokio::test]
async fn usable_as_a_shared_trait_object() {
    bounded(async {
        let (listener, addr) = listen().await;
        serve(listener, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        let t: Arc<dyn HttpTransport> = Arc::new(transport().build().unwrap());
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let t = t.clone();
                let url = format!("http://{addr}/x");
                tokio::spawn(async move { t.send(HttpRequest::post(url, vec![])).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().body, b"{}");
        }
    })
    .await;
}

mod tls {
    use super::*;
    use lakala_transport::rustls::{
        self,
        pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
        RootCertStore, ServerConfig,
    };

    pub(super) fn ca() -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(include_bytes!("tls/ca.pem")).unwrap()
    }

    /// A TLS server for 127.0.0.1 with a certificate from the test CA (see tls/README.md).
    pub(super) fn acceptor() -> tokio_rustls::TlsAcceptor {
        let cert = CertificateDer::from_pem_slice(include_bytes!("tls/server.pem")).unwrap();
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("tls/server.key")).unwrap();
        let config = ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert, ca()], key)
        .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }

    const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

    #[tokio::test]
    async fn https_with_an_added_root_works_and_reuses_the_connection() {
        bounded(async {
            let (listener, addr) = listen().await;
            let (mut seen, accepted) = serve_maybe_tls(listener, ANSWER, Some(acceptor()));
            let t = transport()
                .https_only(true)
                .add_root_certificate(ca())
                .build()
                .unwrap();
            for _ in 0..2 {
                let answer = t
                    .send(HttpRequest::post(
                        format!("https://{addr}/pay"),
                        b"{\"a\":1}".to_vec(),
                    ))
                    .await
                    .unwrap();
                assert_eq!((answer.status, answer.body.as_slice()), (200, &b"{}"[..]));
                let got = seen.recv().await.unwrap();
                assert_eq!(got.request_line(), "POST /pay HTTP/1.1");
                assert_eq!(got.body, b"{\"a\":1}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(accepted.load(Ordering::SeqCst), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn https_with_only_the_callers_roots_works() {
        bounded(async {
            let (listener, addr) = listen().await;
            serve_maybe_tls(listener, ANSWER, Some(acceptor()));
            let mut roots = RootCertStore::empty();
            roots.add(ca()).unwrap();
            let t = transport().root_certificates(roots).build().unwrap();
            let answer = t
                .send(HttpRequest::post(format!("https://{addr}/pay"), vec![]))
                .await
                .unwrap();
            assert_eq!(answer.status, 200);
        })
        .await;
    }

    #[tokio::test]
    async fn unknown_certificate_authority_is_connect() {
        bounded(async {
            let (listener, addr) = listen().await;
            let (mut seen, _) = serve_maybe_tls(listener, ANSWER, Some(acceptor()));
            // The bundled Mozilla roots do not include the test CA.
            let t = transport().build().unwrap();
            let e = t
                .send(HttpRequest::post(
                    format!("https://{addr}/pay"),
                    b"{}".to_vec(),
                ))
                .await
                .unwrap_err();
            let TransportError::Connect { reason } = &e else {
                panic!("expected Connect, got {e:?}");
            };
            assert!(reason.contains("certificate"), "{reason}");
            assert!(!e.may_have_been_executed());
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(seen.try_recv().is_err(), "no request may reach the server");
        })
        .await;
    }
}
