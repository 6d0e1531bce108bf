//! Requests and responses as plain data.

use crate::error::TransportError;

/// The HTTP methods Lakala's APIs use (and a couple more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// An HTTP request: method, absolute URL, headers, body.
///
/// `Debug` prints the method, URL and header names only: header values (an
/// `Authorization` signature) and the body (personal data) stay out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Header names and values, in order; names are case-insensitive.
    pub headers: Vec<(String, String)>,
    /// Body bytes, sent exactly as given.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` of `body` to `url` with no headers yet.
    pub fn post(url: impl Into<String>, body: Vec<u8>) -> Self {
        Self {
            method: Method::Post,
            url: url.into(),
            headers: Vec::new(),
            body,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// An HTTP response, read whole. `Debug` prints the status, header names and the body's
/// length, not its content.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Ok(self)` for a 2xx status, otherwise [`TransportError::Status`].
    pub fn error_for_status(self) -> Result<Self, TransportError> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(TransportError::Status {
                status: self.status,
                body_prefix: String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
                    .into_owned(),
            })
        }
    }
}

fn header_names(headers: &[(String, String)]) -> Vec<&str> {
    headers.iter().map(|(k, _)| k.as_str()).collect()
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl std::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &header_names(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_header_values_and_bodies() {
        let r = HttpRequest::post("http://h/x", b"{\"name\":\"secret\"}".to_vec())
            .header("Authorization", "LKLAPI-SHA256withRSA signature=\"abc\"");
        let printed = format!("{r:?}");
        assert!(
            printed.contains("Authorization")
                && !printed.contains("abc")
                && !printed.contains("secret")
        );
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: b"secret".to_vec(),
        };
        assert!(!format!("{resp:?}").contains("secret"));
    }
}
