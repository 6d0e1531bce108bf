//! Who may use the console, and under which name their actions are journaled.
//!
//! Two ways in (documented in the README's console section):
//!
//! - **operator tokens** ([`Login::tokens`]): each operator has a name and a secret token;
//!   `/login` asks for the token and the session carries the name. `lakala console` takes
//!   them from a file (`--operators`) or from `LAKALA_CONSOLE_TOKEN` (named by
//!   `LAKALA_CONSOLE_OPERATOR`); without either it makes a one-time token and prints the
//!   login address on stderr, as notebook servers do.
//! - **an identity header set by the operator's reverse proxy** ([`Login::proxy_header`],
//!   for single sign-on in front of the console): every request must carry it, and its
//!   value is the identity. The proxy must set it on every request and strip it from what
//!   clients send; the console must then be reachable only through the proxy.

use axum::http::HeaderName;
use subtle::ConstantTimeEq;

/// An operator allowed in with a token. `Debug` does not show the token.
#[derive(Clone)]
pub struct Operator {
    identity: String,
    token: String,
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("identity", &self.identity)
            .field("token", &"<hidden>")
            .finish()
    }
}

impl Operator {
    /// An operator named `identity` (shown on every action they take) with `token`.
    /// Tokens shorter than 16 characters are refused (`None`): they can be guessed.
    pub fn new(identity: impl Into<String>, token: impl Into<String>) -> Option<Self> {
        let (identity, token) = (identity.into(), token.into());
        let name_ok = !identity.is_empty()
            && identity.len() <= 64
            && identity
                .chars()
                .all(|c| c.is_alphanumeric() || "-_.@".contains(c));
        (name_ok && token.chars().count() >= 16).then_some(Self { identity, token })
    }

    /// The name actions are journaled under.
    pub fn identity(&self) -> &str {
        &self.identity
    }
}

/// How people log in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Login {
    /// A token per operator, typed once on `/login`.
    Tokens(Vec<Operator>),
    /// The identity in this header, set by the operator's reverse proxy.
    ProxyHeader(HeaderName),
}

impl Login {
    /// Operators with tokens.
    pub fn tokens(operators: impl IntoIterator<Item = Operator>) -> Self {
        Login::Tokens(operators.into_iter().collect())
    }

    /// Trust the identity in header `name` (the proxy's).
    pub fn proxy_header(name: HeaderName) -> Self {
        Login::ProxyHeader(name)
    }

    /// A login by one fresh random token for an operator named `identity`: the token to
    /// give the person starting the console.
    pub fn one_time(identity: &str) -> (Self, String) {
        let token = hex::encode(rand::random::<[u8; 16]>());
        let operator = Operator {
            identity: identity.to_owned(),
            token: token.clone(),
        };
        (Login::Tokens(vec![operator]), token)
    }

    /// Whether strangers are kept out (some token or a proxy header).
    pub fn is_guarded(&self) -> bool {
        match self {
            Login::Tokens(ops) => !ops.is_empty(),
            Login::ProxyHeader(_) => true,
        }
    }

    /// The operator whose token `given` is (compared in constant time).
    pub(crate) fn by_token(&self, given: &str) -> Option<&str> {
        let Login::Tokens(ops) = self else {
            return None;
        };
        let mut found = None;
        for op in ops {
            if bool::from(op.token.as_bytes().ct_eq(given.as_bytes())) {
                found = Some(op.identity.as_str());
            }
        }
        found
    }
}

/// Whether `value` may be an identity from a proxy header: printable, short.
pub(crate) fn proxy_identity(value: &str) -> Option<&str> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tokens_and_odd_names_are_refused() {
        assert!(Operator::new("alice", "short").is_none());
        assert!(Operator::new("a b", "0123456789abcdef").is_none());
        let op = Operator::new("alice", "0123456789abcdef").unwrap();
        assert!(!format!("{op:?}").contains("0123456789abcdef"));
        let login = Login::tokens([op]);
        assert_eq!(login.by_token("0123456789abcdef"), Some("alice"));
        assert_eq!(login.by_token("0123456789abcdeX"), None);
        assert!(!Login::tokens([]).is_guarded());
    }
}
