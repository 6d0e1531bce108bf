//! Turning what hyper, hyper-util, rustls and the deadline report into [`TransportError`]s.
//!
//! Every mapping errs on the side of "the request MAY have been executed": only failures
//! that provably happened before the request was handed to a connection become
//! [`TransportError::Connect`].

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use crate::error::TransportError;

/// Maps an error of hyper-util's legacy client (anything before the body is read).
///
/// `is_connect()` is only true for failures of the connector (DNS, TCP connect, connect
/// timeout, TLS handshake) or of a pooled connection found closed before use: the request
/// was not handed to any connection, so nothing of it was written. Everything else
/// happened once a connection had the request, and may have reached the server.
pub(super) fn from_client_error(
    error: &hyper_util::client::legacy::Error,
    connect_timeout: Duration,
) -> TransportError {
    if error.is_connect() {
        TransportError::Connect {
            reason: connect_reason(error, connect_timeout),
        }
    } else {
        TransportError::ConnectionLost {
            reason: describe(error),
        }
    }
}

/// Maps an error while reading the response body: the server was answering, so the
/// request reached it; the answer is incomplete.
pub(super) fn from_body_error(error: &hyper::Error) -> TransportError {
    TransportError::ConnectionLost {
        reason: format!("response body incomplete: {}", describe(error)),
    }
}

/// Maps the overall deadline passing. `connected` says whether a connection had been
/// handed the request by then: without one, nothing was written and the deadline only
/// cut the connect (DNS, TCP or TLS handshake) short.
pub(super) fn deadline_passed(
    connected: bool,
    elapsed: Duration,
    deadline: Duration,
) -> TransportError {
    if connected {
        TransportError::Timeout {
            elapsed_ms: millis(elapsed),
        }
    } else {
        TransportError::Connect {
            reason: format!(
                "no connection within the {} ms request deadline",
                millis(deadline)
            ),
        }
    }
}

/// The reason of a connect failure, saying so plainly when it was the connect timeout.
fn connect_reason(error: &(dyn StdError + 'static), connect_timeout: Duration) -> String {
    if is_connect_timeout(error) {
        format!(
            "connect timeout: no TCP connection within {} ms",
            millis(connect_timeout)
        )
    } else {
        describe(error)
    }
}

/// hyper-util's `HttpConnector` reports its connect timeout as an `io::Error` of kind
/// `TimedOut` somewhere down the chain.
fn is_connect_timeout(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
    })
}

/// The messages of an error and its sources, joined by `": "`, skipping hyper-util's
/// uninformative "client error (Kind)" wrapper and repeated messages (an `io::Error`
/// wrapping another error shows the inner message as its own).
pub(super) fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain(error) {
        let text = e.to_string();
        if text.is_empty() || text.starts_with("client error (") {
            continue;
        }
        if parts.last().is_some_and(|last| last.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |e: &&'a (dyn StdError + 'static)| {
        (*e).source()
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(&'static str, Option<io::Error>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_ref().map(|e| e as _)
        }
    }

    #[test]
    fn deadline_before_any_connection_means_nothing_was_sent() {
        let e = deadline_passed(
            false,
            Duration::from_millis(301),
            Duration::from_millis(300),
        );
        assert!(matches!(e, TransportError::Connect { .. }), "{e:?}");
        assert!(!e.may_have_been_executed());
        assert!(e.to_string().contains("300 ms"), "{e}");
    }

    #[test]
    fn deadline_after_the_connection_had_the_request_may_have_been_executed() {
        let e = deadline_passed(true, Duration::from_millis(301), Duration::from_millis(300));
        assert_eq!(e, TransportError::Timeout { elapsed_ms: 301 });
        assert!(e.may_have_been_executed());
    }

    #[test]
    fn connect_timeout_is_recognised_down_the_chain() {
        let timed_out = Wrapper(
            "tcp connect error",
            Some(io::Error::new(io::ErrorKind::TimedOut, "connect timeout")),
        );
        assert!(is_connect_timeout(&timed_out));
        let reason = connect_reason(&timed_out, Duration::from_millis(250));
        assert_eq!(reason, "connect timeout: no TCP connection within 250 ms");

        let refused = Wrapper(
            "tcp connect error",
            Some(io::Error::new(io::ErrorKind::ConnectionRefused, "refused")),
        );
        assert!(!is_connect_timeout(&refused));
        assert_eq!(
            connect_reason(&refused, Duration::from_secs(1)),
            "tcp connect error: refused"
        );
    }

    #[test]
    fn describe_skips_wrappers_and_repeats() {
        let inner = io::Error::other("invalid peer certificate: UnknownIssuer");
        let e = Wrapper("client error (Connect)", Some(inner));
        // io::Error::other shows its payload's message; it is not repeated.
        assert_eq!(describe(&e), "invalid peer certificate: UnknownIssuer");
        let lone = Wrapper("client error (Connect)", None);
        assert_eq!(describe(&lone), "client error (Connect)");
    }

    #[test]
    fn huge_durations_do_not_overflow() {
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
