//! The conformance suite against `MemoryJournal` (clones share one journal, as separate
//! connections share one database).

use lakala_journal::conformance::Harness;
use lakala_journal::{JournalError, MemoryJournal};

struct MemoryHarness(MemoryJournal);

#[async_trait::async_trait]
impl Harness for MemoryHarness {
    type Store = MemoryJournal;

    async fn open(&self) -> Result<MemoryJournal, JournalError> {
        Ok(self.0.clone())
    }
}

async fn harness() -> MemoryHarness {
    MemoryHarness(MemoryJournal::new())
}

lakala_journal::conformance_tests!(harness);
