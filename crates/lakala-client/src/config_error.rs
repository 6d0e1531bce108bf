//! Why a configuration could not be loaded: the one error of [`crate::config_file`],
//! certificate reloads and the service configuration.

use lakala_crypto::CryptoError;
use std::path::PathBuf;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// The TOML is malformed.
    #[error("malformed config file: {0}")]
    Toml(String),
    /// A key or certificate file holds no usable key.
    #[error("{path}: {source}")]
    Key {
        /// The path.
        path: PathBuf,
        /// Why the key was refused.
        source: CryptoError,
    },
    /// A setting is present for an API family but another it needs is missing.
    #[error("missing setting {0}")]
    Missing(&'static str),
    /// A setting has an unusable value.
    #[error("invalid setting {name}: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// Why.
        reason: String,
    },
}
