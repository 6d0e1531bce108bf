//! The one error type of this crate.

use lakala_crypto::CryptoError;
use std::path::PathBuf;

/// What can go wrong starting, configuring or driving a sandbox.
///
/// Requests the sandbox *receives* never produce this type: a bad request gets the
/// platform-shaped error answer (see the crate docs), and the server keeps running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A file or directory could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// A key or certificate file holds no usable key, or a key does not match its
    /// certificate.
    #[error("{path}: {reason}")]
    Key {
        /// The path.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// Key generation, sealing or signing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        reason: String,
    },
    /// An address or URL is not on the loopback interface, and the sandbox only talks to
    /// loopback (see [`crate::SandboxConfig::allow_non_loopback`]).
    #[error("{0} is not a loopback address; the sandbox only listens on and sends to loopback")]
    NotLoopback(String),
    /// A URL the sandbox should send to is not a plain `http://` URL.
    #[error("invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Sending a notification failed: no connection, a timeout, or an HTTP error status.
    #[error("notification not delivered: {0}")]
    Delivery(String),
    /// The merchant answered a notification, but the answer is malformed or its MAC does
    /// not verify.
    #[error("the merchant's answer is not acceptable: {0}")]
    Answer(String),
    /// A background task of the sandbox failed (for example key generation panicked).
    #[error("sandbox task failed: {0}")]
    Task(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = SandboxError> = std::result::Result<T, E>;

pub(crate) fn io_error(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SandboxError {
    let path = path.into();
    move |e| SandboxError::Io {
        path,
        reason: e.to_string(),
    }
}
