//! [`Journal`]: one store seen as both traits, opened from a URL such as a service reads
//! from its configuration (`LAKALA_JOURNAL`).

use crate::error::JournalError;
use crate::journal::PaymentJournal;
use crate::ledger::NotificationLedger;
use crate::memory::MemoryJournal;
use std::sync::Arc;

/// One store, as the client's [`PaymentJournal`] and as the notification handlers'
/// [`NotificationLedger`] (their replay memory), so that payments and notifications live
/// in the same database and every instance sharing it recognises the others' deliveries.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use lakala_journal::Journal;
///
/// let journal = Journal::open("memory:").await?;
/// let payments = journal.payments(); // LakalaClientBuilder::journal(payments)
/// let replay = journal.notifications(); // open_platform_notification_handler(replay)
/// assert!(payments.list(&lakala_journal::ListFilter::all()).await?.is_empty());
/// # let _ = replay;
/// # Ok::<_, lakala_journal::JournalError>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Journal {
    payments: Arc<dyn PaymentJournal>,
    notifications: Arc<dyn NotificationLedger>,
    /// The SQLite store itself, for [`Journal::close`].
    #[cfg(feature = "sqlite")]
    sqlite: Option<crate::sqlite::SqliteJournal>,
}

impl Journal {
    /// Opens the store `url` names, with its default options:
    ///
    /// - `sqlite:PATH` (or `sqlite://PATH`): `SqliteJournal`, a new journal created only
    ///   where no file is (a file holding no journal is refused); needs the `sqlite`
    ///   feature;
    /// - `postgres://...` or `postgresql://...`: `PostgresJournal`
    ///   (a libpq-style URL); needs the `postgres` feature;
    /// - `memory:`: a [`MemoryJournal`], gone with the process (tests, demos).
    ///
    /// For other options open the store yourself and convert it (`Journal::from`).
    /// Errors: those of the store's `open`/`connect`, and [`JournalError::InvalidInput`]
    /// for another scheme or a store whose feature is not compiled in. Errors never
    /// contain the URL's password.
    pub async fn open(url: &str) -> Result<Self, JournalError> {
        if url == "memory:" {
            return Ok(MemoryJournal::new().into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::postgres(url).await;
        }
        match url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Some(path) if !path.is_empty() => Self::sqlite(path).await,
            Some(_) => Err(JournalError::invalid("journal URL", "sqlite: needs a path")),
            None => Err(JournalError::invalid(
                "journal URL",
                "must be sqlite:PATH, postgres://... or memory:",
            )),
        }
    }

    #[cfg(feature = "sqlite")]
    async fn sqlite(path: &str) -> Result<Self, JournalError> {
        let store = crate::sqlite::SqliteJournal::open(path).await?;
        let mut journal = Self::from(store.clone());
        journal.sqlite = Some(store);
        Ok(journal)
    }

    #[cfg(not(feature = "sqlite"))]
    async fn sqlite(_: &str) -> Result<Self, JournalError> {
        Err(JournalError::invalid(
            "journal URL",
            "sqlite: needs lakala-journal's `sqlite` feature",
        ))
    }

    #[cfg(feature = "postgres")]
    async fn postgres(url: &str) -> Result<Self, JournalError> {
        Ok(crate::postgres::PostgresJournal::connect(url).await?.into())
    }

    #[cfg(not(feature = "postgres"))]
    async fn postgres(_: &str) -> Result<Self, JournalError> {
        Err(JournalError::invalid(
            "journal URL",
            "postgres:// needs lakala-journal's `postgres` feature",
        ))
    }

    /// The store as the payment journal.
    pub fn payments(&self) -> Arc<dyn PaymentJournal> {
        self.payments.clone()
    }

    /// The same store as the notification replay memory.
    pub fn notifications(&self) -> Arc<dyn NotificationLedger> {
        self.notifications.clone()
    }

    /// Call at a clean shutdown, after the client and handlers are done: an SQLite
    /// journal opened by [`Journal::open`] is checkpointed and, when no other handle on it
    /// is left, marked closed cleanly and closed (so its file alone is the whole journal;
    /// see `SqliteJournal::close`). Nothing to do for the other stores. Errors: the
    /// checkpoint's (the journal itself is intact, with its `-wal`).
    pub async fn close(self) -> Result<(), JournalError> {
        #[cfg(feature = "sqlite")]
        {
            let Self {
                payments,
                notifications,
                sqlite,
            } = self;
            drop((payments, notifications));
            if let Some(store) = sqlite {
                return store.close().await;
            }
        }
        Ok(())
    }
}

impl<S: PaymentJournal + NotificationLedger + 'static> From<S> for Journal {
    fn from(store: S) -> Self {
        let store = Arc::new(store);
        Self {
            payments: store.clone(),
            notifications: store,
            #[cfg(feature = "sqlite")]
            sqlite: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_connection_does_not_show_the_password() {
        for url in [
            "postgres://pos:s3cret@127.0.0.1:1/pos",
            "postgres://pos:s3cret@127.0.0.1:notaport/pos",
        ] {
            let e = Journal::open(url).await.unwrap_err();
            assert!(!e.to_string().contains("s3cret"), "{e}");
            assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        }
    }

    #[tokio::test]
    async fn schemes() {
        let e = Journal::open("mysql://x").await.unwrap_err();
        assert!(matches!(e, JournalError::InvalidInput { .. }), "{e}");
        let e = Journal::open("sqlite:").await.unwrap_err();
        assert!(matches!(e, JournalError::InvalidInput { .. }), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        let journal = Journal::open(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        assert!(path.exists());
        // Both views are one store: a notification claimed through one handle is known
        // to another handle on the same file.
        let again = Journal::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        use crate::ledger::Delivery;
        let first = journal.notifications().claim("k", 100, 30, 1000).await;
        assert_eq!(first.unwrap(), Delivery::First);
        let second = again.notifications().claim("k", 101, 30, 1000).await;
        assert!(matches!(second.unwrap(), Delivery::InProgress { .. }));
    }

    #[tokio::test]
    async fn close_leaves_the_file_alone_a_whole_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        let journal = Journal::open(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        let first = journal.notifications().claim("k", 100, 30, 1000).await;
        assert_eq!(first.unwrap(), crate::ledger::Delivery::First);
        journal.close().await.unwrap();
        let copy = dir.path().join("copy.sqlite");
        std::fs::copy(&path, &copy).unwrap();
        let copied = Journal::open(&format!("sqlite:{}", copy.display()))
            .await
            .unwrap();
        let again = copied.notifications().claim("k", 101, 30, 1000).await;
        assert!(matches!(
            again.unwrap(),
            crate::ledger::Delivery::InProgress { .. }
        ));
        Journal::open("memory:")
            .await
            .unwrap()
            .close()
            .await
            .unwrap();
    }
}
