//! Errors of the CLI and the exit status each maps to.

use crate::exit::Exit;
use lakala_client::{ClientError, ConfigError};

/// A command that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad flags or input.
    #[error("{0}")]
    Usage(String),
    /// Configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The call failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The journal could not be opened or read.
    #[error("journal: {0}")]
    Journal(#[from] lakala_journal::JournalError),
    /// Something else (I/O, the embedded sandbox).
    #[error("{0}")]
    Internal(String),
}

impl Failure {
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) | Failure::Config(_) => Exit::Usage,
            Failure::Client(e) => match e {
                ClientError::InvalidRequest(_)
                | ClientError::NotConfigured(_)
                | ClientError::Seal(_) => Exit::Usage,
                ClientError::Verification(_)
                | ClientError::UnsignedAnswer { .. }
                | ClientError::UnknownCertificate { .. } => Exit::Verification,
                ClientError::Transport(_) | ClientError::TransportSetup(_) => Exit::Transport,
                ClientError::MalformedAnswer { .. }
                | ClientError::ForeignAnswer { .. }
                | ClientError::Unsealing(_) => Exit::Verification,
                ClientError::FlowAborted(_) => Exit::Pending,
                ClientError::Journal(_) => Exit::Journal,
                ClientError::NumberReused { .. } | ClientError::OtherAuthCode { .. } => Exit::Usage,
                _ => Exit::Internal,
            },
            Failure::Journal(_) => Exit::Journal,
            Failure::Internal(_) => Exit::Internal,
        }
    }
}

impl From<lakala_types::ValidationErrors> for Failure {
    fn from(e: lakala_types::ValidationErrors) -> Self {
        Failure::Usage(format!("invalid input: {e}"))
    }
}

impl From<lakala_types::money::AmountError> for Failure {
    fn from(e: lakala_types::money::AmountError) -> Self {
        Failure::Usage(format!("invalid amount: {e}"))
    }
}

impl From<lakala_crypto::CryptoError> for Failure {
    fn from(e: lakala_crypto::CryptoError) -> Self {
        Failure::Usage(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Internal(e.to_string())
    }
}
