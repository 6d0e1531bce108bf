//! [`HttpRequest`] to `http::Request` and back, and reading a body under a size limit.

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING};
use http_body_util::{BodyExt, Full};

use super::errors;
use crate::error::TransportError;
use crate::message::{HttpRequest, Method};

fn invalid(reason: impl Into<String>) -> TransportError {
    TransportError::InvalidRequest {
        reason: reason.into(),
    }
}

/// Checks and converts a request. Every refusal happens here, before any connection.
///
/// Header names and values are checked (no CR/LF smuggling); a caller-supplied
/// `Content-Length` must match the body and `Transfer-Encoding` is refused, since the body
/// is always sent with a `Content-Length`. Error messages name headers but never quote
/// their values (they may carry signatures or tokens).
pub(super) fn to_hyper_request(
    request: HttpRequest,
    https_only: bool,
) -> Result<http::Request<Full<Bytes>>, TransportError> {
    let HttpRequest {
        method,
        url,
        headers,
        body,
    } = request;

    let uri: http::Uri = url
        .parse()
        .map_err(|e| invalid(format!("the URL does not parse: {e}")))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if !https_only => {}
        Some("http") => {
            return Err(invalid(
                "plain http:// refused: this transport was built with https_only(true)",
            ))
        }
        Some(other) => {
            return Err(invalid(format!(
                "unsupported URL scheme {other:?}: only http and https"
            )))
        }
        None => return Err(invalid("the URL must be absolute (http:// or https://)")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid("the URL has no host"))?;
    if authority.host().is_empty() {
        return Err(invalid("the URL has no host"));
    }
    if authority.as_str().contains('@') {
        return Err(invalid(
            "credentials in the URL (user@host) are not supported; send an Authorization header",
        ));
    }

    let method = match method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Put => http::Method::PUT,
        Method::Delete => http::Method::DELETE,
    };

    let mut map = HeaderMap::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("header name {name:?} is not a valid HTTP token")))?;
        let header_value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
            invalid(format!(
                "the value of header {name:?} contains characters not allowed in HTTP (such as CR or LF)"
            ))
        })?;
        if header_name == TRANSFER_ENCODING {
            return Err(invalid(
                "a Transfer-Encoding header is not supported: the body is sent whole, with Content-Length",
            ));
        }
        if header_name == CONTENT_LENGTH && content_length(&header_value) != Some(body.len() as u64)
        {
            return Err(invalid(format!(
                "the Content-Length header does not match the {} byte body",
                body.len()
            )));
        }
        map.append(header_name, header_value);
    }
    let needs_length =
        !body.is_empty() || method == http::Method::POST || method == http::Method::PUT;
    if needs_length && !map.contains_key(CONTENT_LENGTH) {
        map.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }

    let mut out = http::Request::new(Full::new(Bytes::from(body)));
    *out.method_mut() = method;
    *out.uri_mut() = uri;
    *out.headers_mut() = map;
    Ok(out)
}

fn content_length(value: &HeaderValue) -> Option<u64> {
    value.to_str().ok()?.trim().parse().ok()
}

/// `Err(BodyTooLarge)` if the response announces a body above `limit`, before reading it.
pub(super) fn check_declared_length(
    headers: &HeaderMap,
    limit: usize,
) -> Result<Option<usize>, TransportError> {
    let Some(declared) = headers.get(CONTENT_LENGTH).and_then(content_length) else {
        return Ok(None);
    };
    match usize::try_from(declared) {
        Ok(len) if len <= limit => Ok(Some(len)),
        _ => Err(TransportError::BodyTooLarge { limit }),
    }
}

/// Header names (lowercase, as hyper keeps them) and values (non-UTF-8 bytes replaced).
pub(super) fn headers_to_vec(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Reads a body frame by frame, stopping with `BodyTooLarge` as soon as the bytes read
/// would exceed `limit`: an oversized body is never buffered whole.
pub(super) async fn read_limited<B>(
    mut body: B,
    limit: usize,
    declared: Option<usize>,
) -> Result<Vec<u8>, TransportError>
where
    B: hyper::body::Body<Data = Bytes, Error = hyper::Error> + Unpin,
{
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| errors::from_body_error(&e))?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit - out.len() {
                return Err(TransportError::BodyTooLarge { limit });
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: TransportError) -> String {
        match e {
            TransportError::InvalidRequest { reason } => reason,
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn post_gets_content_length_and_keeps_headers_in_order() {
        let req = HttpRequest::post("https://example.test:8443/a/b?c=d", b"{\"x\":1}".to_vec())
            .header("Authorization", "LKLAPI-SHA256withRSA appid=\"x\"")
            .header("Content-Type", "application/json")
            .header("X-Twice", "1")
            .header("X-Twice", "2");
        let out = to_hyper_request(req, false).unwrap();
        assert_eq!(out.method(), http::Method::POST);
        assert_eq!(out.uri().to_string(), "https://example.test:8443/a/b?c=d");
        let names: Vec<_> = out.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            ["authorization", "content-type", "x-twice", "content-length"]
        );
        let twice: Vec<_> = out.headers().get_all("x-twice").iter().collect();
        assert_eq!(twice, ["1", "2"]);
        assert_eq!(out.headers()[CONTENT_LENGTH], "7");
    }

    #[test]
    fn empty_post_says_zero_and_empty_get_says_nothing() {
        let post = to_hyper_request(HttpRequest::post("http://h/", vec![]), false).unwrap();
        assert_eq!(post.headers()[CONTENT_LENGTH], "0");
        let mut get = HttpRequest::post("http://h/", vec![]);
        get.method = Method::Get;
        let get = to_hyper_request(get, false).unwrap();
        assert!(get.headers().get(CONTENT_LENGTH).is_none());
    }

    #[test]
    fn matching_content_length_is_kept_once() {
        let req = HttpRequest::post("http://h/", b"abc".to_vec()).header("content-length", "3");
        let out = to_hyper_request(req, false).unwrap();
        assert_eq!(out.headers().get_all(CONTENT_LENGTH).iter().count(), 1);
    }

    #[test]
    fn refusals() {
        let cases = [
            (HttpRequest::post("not a url", vec![]), "does not parse"),
            (HttpRequest::post("/relative", vec![]), "absolute"),
            (
                HttpRequest::post("ftp://h/x", vec![]),
                "unsupported URL scheme",
            ),
            (
                HttpRequest::post("http://user:pw@h/x", vec![]),
                "credentials",
            ),
            (
                HttpRequest::post("http://h/", b"abc".to_vec()).header("Content-Length", "4"),
                "does not match",
            ),
            (
                HttpRequest::post("http://h/", vec![]).header("Transfer-Encoding", "chunked"),
                "Transfer-Encoding",
            ),
            (
                HttpRequest::post("http://h/", vec![]).header("Bad Name", "v"),
                "not a valid HTTP token",
            ),
        ];
        for (req, expected) in cases {
            let r = reason(to_hyper_request(req, false).unwrap_err());
            assert!(r.contains(expected), "{r:?} should contain {expected:?}");
        }
    }

    #[test]
    fn header_injection_is_refused_without_echoing_the_value() {
        let req = HttpRequest::post("http://h/", vec![])
            .header("Authorization", "secret-token\r\nX-Evil: 1");
        let r = reason(to_hyper_request(req, false).unwrap_err());
        assert!(r.contains("Authorization"), "{r}");
        assert!(!r.contains("secret-token"), "{r}");
    }

    #[test]
    fn https_only_refuses_plain_http() {
        let r = reason(to_hyper_request(HttpRequest::post("http://h/", vec![]), true).unwrap_err());
        assert!(r.contains("https_only"), "{r}");
        assert!(to_hyper_request(HttpRequest::post("https://h/", vec![]), true).is_ok());
    }

    #[test]
    fn declared_length_is_checked_before_reading() {
        let mut headers = HeaderMap::new();
        assert_eq!(check_declared_length(&headers, 10), Ok(None));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(10u64));
        assert_eq!(check_declared_length(&headers, 10), Ok(Some(10)));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(11u64));
        assert_eq!(
            check_declared_length(&headers, 10),
            Err(TransportError::BodyTooLarge { limit: 10 })
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(u64::MAX));
        assert!(check_declared_length(&headers, usize::MAX - 1).is_err());
    }
}
