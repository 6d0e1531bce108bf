//! The state every page and action handler shares (what [`crate::server`] builds and
//! routes to them).

use crate::login::Login;
use crate::session::Sessions;
use axum::extract::State;
use lakala_client::resolver::Resolver;
use lakala_client::LakalaClient;
use lakala_journal::PaymentJournal;
use std::sync::Arc;

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct App {
    pub journal: Arc<dyn PaymentJournal>,
    pub client: Option<LakalaClient>,
    pub resolver: Option<Resolver>,
    pub login: Login,
    pub read_only: bool,
    pub sessions: Sessions,
}

impl App {
    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

pub(crate) type Shared = State<Arc<App>>;
