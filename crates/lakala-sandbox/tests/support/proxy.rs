//! A loopback TCP proxy for fault injection between a real client and the real sandbox.
//!
//! One request per client connection: the proxy reads the request, asks its plan what to do
//! with this exchange ([`Fault`]), forwards the request to the sandbox (unless the fault is
//! to reset before forwarding), and hands the sandbox's answer back, damaged as planned.
//! It counts the requests it forwarded, per path, and keeps every answer the sandbox gave,
//! so a test can replay one order's signed answer as the answer to another.
//!
//! Every loop is bounded in bytes and time: an endless or dripping body stops when the
//! client goes away or after a few seconds.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The most any damaged answer streams, in bytes and time.
const STREAM_CAP: usize = 64 << 20;
const STREAM_TIME: Duration = Duration::from_secs(5);
/// The most a request or an upstream answer may be.
const READ_CAP: usize = 1 << 20;

/// What the proxy does with one exchange.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Forward and answer faithfully.
    Pass,
    /// Reset the connection (RST) without forwarding: nothing reaches the sandbox.
    ResetBeforeForward,
    /// Forward; then close the connection without answering.
    DropAfterRequest,
    /// Forward; then reset the connection (RST) without answering.
    ResetAfterRequest,
    /// Forward; answer only after this long (past the client's timeout).
    Delay(Duration),
    /// Forward; answer with this HTTP status and an HTML body instead.
    Status(u16),
    /// Forward; send the head and half the body, then close.
    Truncate,
    /// Forward; flip one bit of the body's middle byte.
    FlipByte,
    /// Forward; answer 200 declaring a 1 GiB body and stream filler.
    Oversized,
    /// Forward; answer 200 with a chunked body that never ends.
    Endless,
    /// Forward; answer with bytes that are not HTTP.
    Garbage,
    /// Forward; send the answer one byte at a time, this long apart.
    Drip(Duration),
    /// Forward; answer with these bytes (a recorded answer of another exchange).
    Replay(Vec<u8>),
}

/// Chooses the fault for an exchange: `(path, n)`, the `n`th (0-based) request to `path`.
pub type Plan = Box<dyn Fn(&str, usize) -> Fault + Send + Sync>;

#[derive(Default)]
struct Record {
    forwarded: HashMap<String, usize>,
    received: HashMap<String, usize>,
    answers: Vec<(String, Vec<u8>)>,
}

struct Shared {
    upstream: SocketAddr,
    plan: Mutex<Plan>,
    record: Mutex<Record>,
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy to `upstream` on a free loopback port, passing everything.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream,
            plan: Mutex::new(Box::new(|_, _| Fault::Pass)),
            record: Mutex::default(),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(exchange(stream, accept.clone()));
            }
        });
        Proxy { addr, shared, task }
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the plan.
    pub fn plan(&self, plan: impl Fn(&str, usize) -> Fault + Send + Sync + 'static) {
        *self.shared.plan.lock().unwrap() = Box::new(plan);
    }

    /// How many requests to `path` reached the sandbox.
    pub fn forwarded(&self, path: &str) -> usize {
        let record = self.shared.record.lock().unwrap();
        record.forwarded.get(path).copied().unwrap_or(0)
    }

    /// How many requests to `path` the client sent (forwarded or not).
    pub fn received(&self, path: &str) -> usize {
        let record = self.shared.record.lock().unwrap();
        record.received.get(path).copied().unwrap_or(0)
    }

    /// The sandbox's raw answers (whole HTTP responses) to `path`, oldest first.
    pub fn answers(&self, path: &str) -> Vec<Vec<u8>> {
        let record = self.shared.record.lock().unwrap();
        record
            .answers
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, a)| a.clone())
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> Option<usize> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())
            .flatten()
    })
}

/// Reads one HTTP/1.1 message with a Content-Length body (or none): head and body.
async fn read_message(stream: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(end) = find(&data, b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || data.len() > READ_CAP {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = data[..end + 4].to_vec();
    let length = content_length(&head).unwrap_or(0).min(READ_CAP);
    let mut body = data[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some((head, body))
}

/// The head with `Connection: close` (one exchange per connection on both sides).
fn with_connection_close(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for line in text.split("\r\n") {
        if line.is_empty() {
            continue;
        }
        if line
            .split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

async fn forward(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).await.ok()?;
    stream.write_all(request).await.ok()?;
    let (head, body) = tokio::time::timeout(Duration::from_secs(10), read_message(&mut stream))
        .await
        .ok()??;
    let mut answer = with_connection_close(&head);
    answer.extend_from_slice(&body);
    Some(answer)
}

/// Closes with RST instead of FIN. (`set_linger` is deprecated because a non-zero linger
/// blocks the thread on drop; a zero linger resets at once and never blocks.)
#[allow(deprecated)]
fn reset(stream: TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

fn body_start(answer: &[u8]) -> usize {
    find(answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4)
}

async fn stream_for_a_while(client: &mut TcpStream, chunk: &[u8]) {
    let started = Instant::now();
    let mut sent = 0;
    while sent < STREAM_CAP && started.elapsed() < STREAM_TIME {
        if client.write_all(chunk).await.is_err() {
            return;
        }
        sent += chunk.len();
    }
}

async fn exchange(mut client: TcpStream, shared: Arc<Shared>) {
    let Some((head, body)) = read_message(&mut client).await else {
        return;
    };
    let path = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let n = {
        let mut record = shared.record.lock().unwrap();
        let count = record.received.entry(path.clone()).or_default();
        *count += 1;
        *count - 1
    };
    let fault = (shared.plan.lock().unwrap())(&path, n);
    if matches!(fault, Fault::ResetBeforeForward) {
        reset(client);
        return;
    }
    let mut request = with_connection_close(&head);
    request.extend_from_slice(&body);
    *shared
        .record
        .lock()
        .unwrap()
        .forwarded
        .entry(path.clone())
        .or_default() += 1;
    let Some(answer) = forward(shared.upstream, &request).await else {
        return;
    };
    shared
        .record
        .lock()
        .unwrap()
        .answers
        .push((path, answer.clone()));
    match fault {
        Fault::Pass => {
            let _ = client.write_all(&answer).await;
        }
        Fault::ResetBeforeForward | Fault::ResetAfterRequest => reset(client),
        Fault::DropAfterRequest => {
            let _ = client.shutdown().await;
        }
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            let _ = client.write_all(&answer).await;
        }
        Fault::Status(status) => {
            let body = format!("<html><body>{status} from the proxy</body></html>");
            let text = format!(
                "HTTP/1.1 {status} Proxy Fault\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(text.as_bytes()).await;
        }
        Fault::Truncate => {
            let start = body_start(&answer);
            let cut = start + (answer.len() - start) / 2;
            let _ = client.write_all(&answer[..cut]).await;
            let _ = client.shutdown().await;
        }
        Fault::FlipByte => {
            let mut answer = answer;
            let start = body_start(&answer);
            let middle = start + (answer.len() - start) / 2;
            if middle < answer.len() {
                answer[middle] ^= 0x01;
            }
            let _ = client.write_all(&answer).await;
        }
        Fault::Oversized => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n";
            if client.write_all(head).await.is_ok() {
                stream_for_a_while(&mut client, &[b' '; 65536]).await;
            }
        }
        Fault::Endless => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            if client.write_all(head).await.is_ok() {
                let mut chunk = b"10000\r\n".to_vec();
                chunk.extend_from_slice(&[b' '; 0x10000]);
                chunk.extend_from_slice(b"\r\n");
                stream_for_a_while(&mut client, &chunk).await;
            }
        }
        Fault::Garbage => {
            // A fixed pseudo-random sequence: not HTTP, no line structure.
            let mut x: u32 = 0x9e37_79b9;
            let garbage: Vec<u8> = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x >> 24) as u8
                })
                .collect();
            let _ = client.write_all(&garbage).await;
        }
        Fault::Drip(every) => {
            let started = Instant::now();
            for byte in &answer {
                if client.write_all(&[*byte]).await.is_err() || started.elapsed() > STREAM_TIME {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Fault::Replay(bytes) => {
            let _ = client.write_all(&bytes).await;
        }
    }
}
