//! [`BearerToken`]: the till's and the operator's routes behind a shared secret, for a
//! service whose notification routes must face the internet on the same listener.

use crate::json_response;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use http::{header, StatusCode};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The shortest token accepted (characters).
pub const MIN_TOKEN_LEN: usize = 16;

/// Why a token was refused when the service starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Shorter than [`MIN_TOKEN_LEN`] characters, or not visible ASCII: guessable, or
    /// unusable in an `Authorization` header.
    #[error("the bearer token must be at least 16 visible ASCII characters")]
    Weak,
}

/// A shared secret the till and the operator present as `Authorization: Bearer TOKEN`.
///
/// [`BearerToken::protect`] puts every route of a router behind it: a request without the
/// header, or with another token, gets 401 (`WWW-Authenticate: Bearer`) and never reaches
/// the handler. Tokens are compared in constant time (on their SHA-256 digests, so neither
/// the content nor the length leaks through timing). `Debug` never shows the token.
///
/// ```
/// use axum::{routing::post, Router};
/// use lakala_axum::BearerToken;
/// let token = BearerToken::new("a-long-random-shared-secret")?;
/// let till: Router = token.protect(Router::new().route("/pay", post(|| async { "paid" })));
/// # Ok::<(), lakala_axum::TokenError>(())
/// ```
#[derive(Clone)]
pub struct BearerToken {
    digest: Arc<[u8; 32]>,
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken([redacted])")
    }
}

impl BearerToken {
    /// A token of at least [`MIN_TOKEN_LEN`] visible ASCII characters.
    pub fn new(token: &str) -> Result<Self, TokenError> {
        if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::Weak);
        }
        Ok(Self {
            digest: Arc::new(Sha256::digest(token.as_bytes()).into()),
        })
    }

    /// Whether `authorization` (the header's value) presents this token.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        let presented = authorization
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        // Absent and empty tokens hash to a digest no accepted token has (empty is weak).
        bool::from(digest.ct_eq(&*self.digest))
    }

    /// `router` with every route behind this token (unknown paths stay 404).
    pub fn protect<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        let token = self.clone();
        router.route_layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let token = token.clone();
                async move {
                    let authorization = request
                        .headers()
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok());
                    if token.accepts(authorization) {
                        return next.run(request).await;
                    }
                    tracing::warn!(path = %request.uri().path(), "refused: no valid bearer token");
                    unauthorized()
                }
            },
        ))
    }
}

fn unauthorized() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        br#"{"error":"unauthorized"}"#.to_vec(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_itself_is_accepted() {
        assert_eq!(BearerToken::new("short").unwrap_err(), TokenError::Weak);
        assert!(BearerToken::new("sixteen chars  x").is_err(), "spaces");
        let t = BearerToken::new("0123456789abcdef").unwrap();
        assert!(t.accepts(Some("Bearer 0123456789abcdef")));
        for wrong in [
            None,
            Some(""),
            Some("Bearer "),
            Some("0123456789abcdef"),
            Some("Bearer 0123456789abcdeF"),
            Some("Bearer 0123456789abcdef0"),
            Some("Basic 0123456789abcdef"),
        ] {
            assert!(!t.accepts(wrong), "{wrong:?}");
        }
        assert_eq!(format!("{t:?}"), "BearerToken([redacted])");
    }
}
