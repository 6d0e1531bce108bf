//! Sessions: a random id in a `SameSite=Strict`, `HttpOnly` cookie, the identity it was
//! opened for, and its CSRF token (checked on every POST).

use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// The cookie's name.
pub(crate) const COOKIE: &str = "lakala_console";
/// How long a session lives (seconds).
const LIFETIME_SECS: i64 = 12 * 3600;
/// At most this many sessions are kept; the oldest goes first.
const MAX_SESSIONS: usize = 10_000;

/// One logged-in person.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub identity: String,
    pub csrf: String,
    pub opened: i64,
}

impl Session {
    /// Whether `given` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, given: &str) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(given.as_bytes()))
    }

    /// The `Set-Cookie` value for it.
    pub fn cookie(&self) -> String {
        format!("{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict", self.id)
    }
}

/// The open sessions.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

fn random_text() -> String {
    hex::encode(rand::random::<[u8; 24]>())
}

impl Sessions {
    /// A new session for `identity`.
    pub fn open(&self, identity: &str, now: i64) -> Session {
        let session = Session {
            id: random_text(),
            identity: identity.to_owned(),
            csrf: random_text(),
            opened: now,
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|_, s| now - s.opened < LIFETIME_SECS);
        if open.len() >= MAX_SESSIONS {
            if let Some(oldest) = open.values().min_by_key(|s| s.opened).map(|s| s.id.clone()) {
                open.remove(&oldest);
            }
        }
        open.insert(session.id.clone(), session.clone());
        session
    }

    /// The live session `id` names.
    pub fn get(&self, id: &str, now: i64) -> Option<Session> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(id)
            .filter(|s| now - s.opened < LIFETIME_SECS)
            .cloned()
    }

    /// Ends session `id`.
    pub fn close(&self, id: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.remove(id);
    }
}

/// The session id in a `Cookie` header, if any.
pub(crate) fn cookie_id(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_csrf_is_per_session() {
        let sessions = Sessions::default();
        let a = sessions.open("alice", 100);
        let b = sessions.open("alice", 100);
        assert_ne!(a.csrf, b.csrf);
        assert!(a.csrf_ok(&a.csrf.clone()));
        assert!(!a.csrf_ok(&b.csrf));
        assert!(sessions.get(&a.id, 100 + LIFETIME_SECS - 1).is_some());
        assert!(sessions.get(&a.id, 100 + LIFETIME_SECS).is_none());
        sessions.close(&b.id);
        assert!(sessions.get(&b.id, 101).is_none());
        assert_eq!(cookie_id("x=1; lakala_console=abc; y=2"), Some("abc"));
    }
}
