//! What can stop the console.

/// Why the console could not start or serve. The caller may assume nothing was changed in
/// the journal when it is returned from [`crate::Console::start`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// A non-loopback address without a login that can stop strangers.
    #[error(
        "refusing to listen on {0}: a non-loopback address needs operator tokens or an auth header"
    )]
    UnsafeBind(std::net::SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration is not usable (says which part).
    #[error("console configuration: {0}")]
    Config(String),
}
