//! The warning when a journaled client has no resolver: a payment left pending would then
//! wait in the journal for ever.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a resolver was made from a client, and whether the warning was given.
#[derive(Debug, Default)]
pub(crate) struct ResolverWatch {
    /// A resolver was made (or the builder said another process resolves the journal).
    resolved: AtomicBool,
    warned: AtomicBool,
}

impl ResolverWatch {
    pub(crate) fn new(resolved_elsewhere: bool) -> Self {
        Self {
            resolved: AtomicBool::new(resolved_elsewhere),
            warned: AtomicBool::new(false),
        }
    }

    /// A resolver was made from the client.
    pub(crate) fn resolver_made(&self) {
        self.resolved.store(true, Ordering::Relaxed);
    }

    /// Called when a payment starts: warns once when it is journaled and no resolver was
    /// made from the client (and the builder was not told that another process resolves
    /// the journal). Returns whether it warned now.
    pub(crate) fn check(&self, journaled: bool, instance: &str) -> bool {
        if !journaled
            || self.resolved.load(Ordering::Relaxed)
            || self.warned.swap(true, Ordering::Relaxed)
        {
            return false;
        }
        tracing::warn!(
            instance,
            "this client journals payments but no resolver was started: a payment left \
             pending waits in the journal until one runs (LakalaClient::resume_pending, or \
             LakalaClient::from_config which starts one)"
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::ResolverWatch;

    #[test]
    fn warns_once_without_a_resolver_and_never_with_one() {
        let watch = ResolverWatch::new(false);
        assert!(
            !watch.check(false, "pos-1"),
            "no journal, nothing to resolve"
        );
        assert!(watch.check(true, "pos-1"));
        assert!(!watch.check(true, "pos-1"), "once per client");
        let watch = ResolverWatch::new(false);
        watch.resolver_made();
        assert!(!watch.check(true, "pos-1"));
        assert!(!ResolverWatch::new(true).check(true, "pos-1"));
    }
}
