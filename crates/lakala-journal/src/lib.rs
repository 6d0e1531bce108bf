//! The durable payment journal of the Lakala SDK.
//!
//! Every micropay, revoke and refund is recorded **before** its request is sent, and every
//! later fact about it is appended: the answer, each query result, the outcome, revoke
//! attempts, notifications received. The journal keeps the facts as append-only
//! [`Event`]s and a current-state view ([`PaymentRecord`]) updated in the same
//! transaction. Resolvers find the payments whose outcome is not known and work each one
//! under an exclusive, expiring [`Lease`]; the [`NotificationLedger`] remembers which
//! notifications were handled and what was answered, across instances.
//!
//! This crate is the API (the [`PaymentJournal`] and [`NotificationLedger`] traits and the
//! data model) and, behind cargo features, the stores:
//!
//! | feature | store | for |
//! |---|---|---|
//! | (none, the default) | [`MemoryJournal`] | tests, demos, one process that may forget on restart |
//! | `sqlite` | `SqliteJournal` | one machine: one file, WAL mode |
//! | `postgres` | `PostgresJournal` | several instances sharing one database |
//! | `conformance` | `conformance` | the test suite every store passes |
//!
//! With default features the crate has no database dependency at all. It depends on no
//! other Lakala crate: identifiers are strings, amounts are fen (`i64`), times are Unix
//! seconds (`i64`) given by the caller (the journal reads no clock), payloads are
//! `serde_json::Value`.
//!
//! # What the journal guarantees
//!
//! - **Write-ahead.** [`PaymentJournal::record_intent`] returns [`Recorded::New`] only
//!   after the intent is durably written (SQLite: committed and synced to disk, whatever
//!   the sync level short of `Normal`; PostgreSQL: committed, as durable as the server's
//!   `synchronous_commit` makes it). Any error means nothing was written, so nothing may
//!   be sent; the error says why.
//! - **One payment per key.** The key is (`merchant_no`, `out_trade_no`). Recording it
//!   again returns [`Recorded::Existing`] (same request: resolve it, don't resend) or
//!   [`Recorded::Conflict`] (a different request reusing the number, told apart by the
//!   caller's request fingerprint).
//! - **Append-only history.** Events are numbered 1, 2, 3, ... per payment without gaps
//!   (the intent is event 1); an event and its state update are one transaction.
//! - **Final is final.** `succeeded`, `failed` and `revoked` are never left; a
//!   contradicting update is recorded as an event and refused with
//!   [`JournalError::FinalConflict`]. Nothing goes back to `recorded` once it left it
//!   ([`JournalError::StatusRegression`]).
//! - **A journaled fact is never overwritten.** A `trade_no` or amount the platform
//!   already gave is kept; a later update offering another is recorded as an event and
//!   refused with [`JournalError::FactConflict`].
//! - **Contradictions are marked for a person.** Every store sets
//!   [`PaymentRecord::conflict`] on a `FinalConflict` or `FactConflict` (and when the
//!   caller says so, [`StateUpdate::with_conflict`]); the SDK never clears it, and
//!   [`ListFilter::conflicts`] lists those payments whatever their status.
//! - **One definition of every state change.** Every store applies the same Rust
//!   function (the status rule, the facts, the counters) to the payment it read under
//!   its lock; no store re-implements it in SQL.
//! - **Exclusive leases.** [`PaymentJournal::claim_due`] never gives the same payment to
//!   two callers while a lease is valid, across connections and processes; an expired
//!   lease is taken over; every write fenced by a lease that was taken over fails with
//!   [`JournalError::LeaseLost`] (fencing tokens grow with every claim).
//!   [`PaymentJournal::claim_payment`] leases one given payment whatever its status
//!   (for reconciliation), under the same rule: never while anyone's lease on it is valid.
//! - **The SDK never deletes.** Only [`PaymentJournal::prune`] and
//!   [`PaymentJournal::prune_payments`], the merchant's retention tools, delete, and only
//!   final payments (see *Pruning and archiving*).
//!
//! What it does **not** guarantee: that every later fact survives a power loss on SQLite
//! with the default `Synchronous::Intents` (they survive a crash of the process; after a
//! power loss the journal is a consistent prefix and the resolver's query finds the
//! missing facts again; choose `Synchronous::Full` to sync every commit); that the
//! platform saw a request (that is what
//! `pending` and the resolver are for); durability of [`MemoryJournal`]; clock agreement
//! between instances for anything but leases (due times compare the `now` each caller
//! passes; lease ends follow [`PaymentJournal::lease_clock`]: the caller's `now` on
//! memory and SQLite, one machine, and the server's clock on PostgreSQL, so instances
//! with skewed clocks never hold one payment at once); that personal data stays out of
//! payloads (the caller decides what goes in; the journal refuses only clear auth codes
//! in the intent).
//!
//! # Statuses
//!
//! ```text
//!               record_intent
//!                    │
//!                    ▼
//!               ┌─────────┐  sent / may have been sent   ┌─────────┐
//!               │recorded │ ───────────────────────────▶ │ pending │
//!               └─────────┘                              └─────────┘
//!                 │    │  evidence (answer, query, notification)  │  │
//!                 │    └───────────────┬──────────────────────────┘  │ horizon passed
//!                 │                    ▼                             ▼
//!                 │     succeeded | failed | revoked  ◀──────  ┌────────────┐
//!                 │            (final, terminal)               │ unresolved │
//!                 └──────────────────────────────────────────▶ └────────────┘
//! ```
//!
//! `recorded` and `pending` payments with a `next_check_at` in the past are claimed by
//! resolvers. `unresolved` means a person must look: it is listed among the open
//! payments ([`ListFilter::open`], [`ListFilter::unresolved`]) but not claimed, unless an
//! update moves it back to `pending` with a `next_check_at`. The full rule is
//! [`PaymentStatus::check_transition`].
//!
//! # Schema
//!
//! The SQL stores share one schema (version [`SCHEMA_VERSION`]), created and migrated
//! when a store is opened; migrations are versioned, idempotent and run in a transaction.
//! A store written by a newer version of this crate is refused with
//! [`JournalError::NewerSchema`].
//!
//! `lakala_payments`: one row per payment, the state view.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `id` | integer (v3) | SQLite: the row id (primary key); in v3 the events' key. PostgreSQL: v3 only (an identity column keying the events), dropped with them by v4 |
//! | `merchant_no`, `out_trade_no` | text, primary key (SQLite: unique) | the [`PaymentKey`] |
//! | `kind` | text | `micropay`, `revoke`, `refund`, `preorder` (v3) |
//! | `term_no` | text | |
//! | `origin_out_trade_no` | text, null | revoke/refund: the original payment |
//! | `amount_fen` | bigint, null | |
//! | `masked_auth_code` | text, null | masked by the caller |
//! | `auth_digest` | text, null | the caller's keyed hash of the auth code (v2; SQLite v3: bytes when of the client's form `hmac-sha256:<hex>`; PostgreSQL v4: `bytea`, 32 bytes for that form, any other value as marked text) |
//! | `fingerprint` | text | the caller's digest of the request (SQLite v3: its bytes when even-length hex; PostgreSQL v4: `bytea`, 32 bytes for 64 hex digits, any other value as marked text) |
//! | `status` | text | see above |
//! | `trade_no`, `last_trade_state`, `outcome`, `reason` | text, null | what was learnt |
//! | `attempts`, `event_count` | bigint | counters |
//! | `created_at`, `created_by`, `updated_at` | bigint, text, bigint | |
//! | `next_check_at` | bigint, null | when a resolver should look |
//! | `finished_at` | bigint, null | when it became final (what `prune` compares) |
//! | `lease_owner`, `lease_token`, `lease_until` | text null, bigint, bigint null | the lease (PostgreSQL: `lease_until` in the server's clock) |
//! | `lease_skew` | bigint | PostgreSQL only: the claimer's clock minus the server's, measured at the claim (v2) |
//! | `conflict` | text, null | what the platform contradicted, for a person (v2) |
//! | `history` | bytes (v4) | all the payment's events, compressed together (below) |
//!
//! Indexes on `lakala_payments` besides the key (schema v4): `lakala_payments_due`
//! (`next_check_at` of claimable payments: resolvers), `lakala_payments_conflict` and
//! `lakala_payments_origin` (partial); the time indexes `lakala_payments_created`
//! (`created_at`) and `lakala_payments_finished` (`finished_at`, finished payments only)
//! that answer [`ListFilter::created_in`], [`ListFilter::finished_in`] and
//! [`ListFilter::newest_first`] with keyset paging ([`ListCursor`]) and
//! [`PaymentJournal::prune`]; and the indexes of the open payments (`recorded`,
//! `pending`, `unresolved`; partial), `lakala_payments_open` in key order and
//! `lakala_payments_open_created` by creation time, that answer [`ListFilter::open`],
//! [`ListFilter::unresolved`] and any listing of open statuses. [`ListFilter`] says
//! which listings they make fast, and which walk.
//!
//! The events (v4): in their payment's row, `history`: one format byte, then the events
//! as text compressed together, one line per event, `[at,"instance","kind",payload]`,
//! an event's `seq` being its line's number, its payload the JSON text exactly as
//! serialized (as the events table kept it: PostgreSQL `jsonb` would reorder keys and
//! refuse `\u0000`). Format 1 is a Zstandard frame (without its magic number, checksum
//! or dictionary id) compressed with a dictionary built into this crate
//! (`history-dictionary-1.txt`: the keys and common values the SDK's client writes),
//! which never changes: a test pins the bytes of a fixed history, and a better
//! dictionary would be format 2, with format 1 still read. An append reads the history
//! in its transaction (it locks the row anyway), adds its events and writes it back in
//! the state's `UPDATE`; listings never read it. A history that does not decode (damaged,
//! an unknown format, more than 64 MiB of text) is [`JournalError::Corrupt`].
//!
//! Before v4, `lakala_payment_events`: (`merchant_no`, `out_trade_no`, `seq`) primary
//! key, `at`, `instance`, `kind`, `payload` (JSON text), foreign key to the payment; in
//! v3 keyed by (`payment_id`, `seq`) (SQLite: a `WITHOUT ROWID` table), `payment_id` the
//! payment's `id` (foreign key, cascading deletes).
//!
//! `lakala_notifications`: `key` primary key, `answer` (bytes, null while processing),
//! `processing_until`, `expires_at`, `first_seen_at`, `answered_at`.
//!
//! Versions: SQLite keeps the version in `PRAGMA user_version` and marks its file with
//! `PRAGMA application_id` (so another application's database is refused as
//! [`JournalError::Corrupt`] instead of being written into): `LKLJ` when it was closed
//! cleanly (its main file alone is the whole journal), `LKLW` while it may be in use (its
//! `-wal` may hold writes the main file lacks; without the `-wal` it is refused).
//! PostgreSQL keeps the version in the one-row table `lakala_journal_schema`.
//!
//! Migrations: v1 → v2 adds `auth_digest`, `conflict` (and `lease_skew` on PostgreSQL) and
//! the conflict and origin indexes; v2 → v3 allows the `preorder` kind (SQLite rebuilds
//! `lakala_payments` for it, with foreign keys off during the migration and checked before
//! its commit; PostgreSQL replaces the check constraint) and adds the time indexes; on
//! SQLite it also gives each payment its `id` (its row id of v2, kept) and keys the events
//! by it (PostgreSQL adds `id` as an identity column and rebuilds the events the same
//! way). SQLite rows written before v3 keep their digests as text; both forms read the
//! same. v3 → v4 drops the status index (an entry for every payment, to find the few
//! open ones), recreates the time indexes on the time alone (without the key they
//! carried for ties: the payments of one second are sorted by key when listed) and adds
//! the two indexes of the open payments; it moves every payment's events into its
//! `history` (a step in Rust, as the encoding is: the events read in key order,
//! PostgreSQL writing 10,000 payments per statement; a payment whose events are not
//! numbered 1, 2, 3, ... stops the migration, nothing renumbered) and drops the events
//! table (and PostgreSQL's `id` with it); PostgreSQL's digests become `bytea`, every
//! stored value reading back as it was.
//!
//! # Pruning and archiving
//!
//! The journal grows by one row per payment (its events inside it). The SDK never deletes;
//! the merchant decides how long to keep finished payments (accounting rules often say
//! years) and prunes on that schedule, for example from a daily job
//! (`lakala payments prune --older-than DAYS --archive FILE` does exactly this):
//!
//! ```
//! # use lakala_journal::{MemoryJournal, PaymentJournal};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), lakala_journal::JournalError> {
//! # let journal = MemoryJournal::new();
//! # let now = 1_800_000_000;
//! const RETENTION_SECS: i64 = 5 * 366 * 24 * 3600;
//! let deleted = journal.prune(now - RETENTION_SECS).await?;
//! # assert_eq!(deleted, 0);
//! # Ok(())
//! # }
//! ```
//!
//! What goes ([`retention`]): payments final for longer than the cut, never open or
//! unresolved ones however old, never one marked as a conflict, and a payment only with
//! its whole group (the original and all its revokes and refunds): a refund is never
//! pruned while its payment is kept, nor a payment while one of its refunds is.
//! [`retention::prune_finished`] walks the finished payments oldest first through the
//! finish-time index, writes each batch to an archive and syncs it **before** deleting it
//! ([`PaymentJournal::prune_payments`] re-checks the rules in the delete's transaction);
//! with the `archive` feature, `archive::GzipArchive` writes gzip JSON lines (one
//! complete gzip member per synced batch) and `archive::ArchiveReader` streams them back.
//!
//! Space: SQLite journals are created with `auto_vacuum = INCREMENTAL`, and
//! `SqliteJournal::reclaim_space` gives the freed pages back to the file system (a file
//! made before keeps them for later payments until one full `VACUUM` converts it:
//! `reclaim_space(true)`, `lakala payments prune --vacuum`). PostgreSQL: plain deletes;
//! autovacuum makes the space of deleted rows reusable by later payments (the table does
//! not shrink: `VACUUM FULL` or `pg_repack` do, with their own locks). Notification
//! entries are forgotten by themselves after their `expires_at`.
//!
//! # What a payment costs on disk, and what is kept
//!
//! Measured by the `journal-scale` benchmark (BENCHMARKS.md, section 5) on copies of a
//! real journaled micropay (intent, answer, confirming query, outcome; each copy's
//! history compressed with numbers and times of its own), at 1M payments with schema v4:
//! about 420 bytes per finished payment on SQLite (340 for the row with its history of
//! about 87 bytes, 77 for the indexes) and 515 on PostgreSQL (410 and 105: its per-row
//! header of 24 bytes plus a 4-byte line pointer in the table and a header in every
//! index entry, 8-byte alignment). Before: about 1,560 on SQLite before schema v3, 1,194
//! (SQLite) and 1,803 (PostgreSQL) with v3's first layout, 988 and 1,461 with v3's
//! indexes, and 890 and 1,365 with v4's indexes and the events still one row each (570
//! and 845 bytes for four events). What was waste and went: each event's row, key and
//! index entry (on PostgreSQL a tuple header, line pointer and alignment per event): the
//! events are one compressed history in their payment's row (the section *Schema*), and
//! compressed together, with a dictionary of the words the client writes, their keys
//! and repeated values cost almost nothing; PostgreSQL's `id`, which only keyed the
//! events; the digests as hex text (SQLite since v3, `sqlite/digest.rs`; PostgreSQL since
//! v4, `postgres/digest.rs`): stored as their bytes, values of another form as text, so
//! that everything reads back exactly as written; the intent event repeating the row's
//! fingerprint and auth digest and writing absent fields as `null`. What is kept, and
//! why: the row (everything the resolver and a person need to act: status, amounts,
//! numbers, times, lease, conflict; the fingerprint and auth digest that tell a retry
//! from a reused number); **every event**, with its time, instance, kind and payload text
//! exactly as written (the evidence a person reads to settle a dispute: what the
//! platform answered, what each query said, why the SDK concluded what it did; the
//! client writes small summaries there, never whole answers, under keys a person can
//! read), read as before through [`PaymentJournal::events`] (the console's payment
//! page) and archived by a prune as before; and the indexes each
//! query needs: the key (every lookup), due time (`claim_due`), conflicts, origin
//! (companions, prune's group check), creation and finish time (time listings with
//! keyset paging, prune), the open payments by key and by creation time (open
//! listings). Since schema v4 the time indexes hold the time alone, not the text key too
//! (about 50 bytes a payment and index on SQLite): the payments of one second are put in
//! key order by sorting that second's rows; and there is no index of every payment's
//! status, only of the few open ones. What an append costs for this: reading and
//! writing the history again (about 6 µs to compress a micropay's, 3 µs to read it).
//!
//! # Why these database crates
//!
//! - **rusqlite** (feature `sqlite`, with `bundled`): the maintained, thin, synchronous
//!   SQLite binding; `bundled` compiles SQLite in, so no system library or headers are
//!   needed. Its calls block, so each `SqliteJournal` runs its connection on a dedicated
//!   thread and the async methods wait for it without blocking the runtime (and without
//!   needing any particular runtime).
//! - **tokio-postgres** (feature `postgres`, without TLS): the maintained native async
//!   PostgreSQL client, small, with pipelining and prepared statements; no TLS for
//!   loopback and private networks (put a TLS-terminating proxy or a later feature in
//!   front for anything else).
//!
//! Neither uses macros that need a live database at build time (unlike sqlx's checked
//! queries), and both are far lighter than an ORM; the SQL is short and lives next to
//! the store it belongs to.
//!
//! # Cost
//!
//! The client's micropay writes the intent, then the answer and the outcome: in one
//! [`PaymentJournal::append_all`] when the answer decides the payment, as separate
//! writes (plus one per query) when it stays pending. On SQLite each write runs in a
//! `BEGIN IMMEDIATE` transaction, the writes queued at the same time share one (group
//! commit), and with the default sync level only a commit holding an intent waits for
//! the disk's flush; on PostgreSQL an intent is one SQL statement (one round trip once
//! prepared) and an append (or an `append_all`) is a short transaction of two pipelined
//! round trips (`BEGIN` with the locking read, then the state with the events and `COMMIT`),
//! each plus the server's commit flush (every session sets `synchronous_commit = on`). The
//! `journal-throughput` example measures both:
//!
//! ```sh
//! cargo run --release -p lakala-journal --all-features --example journal-throughput -- 2000
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod event;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod hex_digits;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod history;
mod instance;
mod journal;
mod lease;
mod ledger;
mod list;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod list_query;
mod memory;
mod open;
mod open_schema;
mod payment;
mod redaction;
pub mod retention;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod schema;
mod status;
mod status_rules;
mod update;
pub mod validation;

#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "postgres")]
mod postgres;

#[cfg(feature = "archive")]
pub mod archive;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use error::JournalError;
pub use event::{kinds, Event, NewEvent};
pub use instance::{claim_instance, InstanceClaim};
pub use journal::PaymentJournal;
pub use lease::{Claim, Lease, LeaseClock};
pub use ledger::{Delivery, NotificationLedger};
pub use list::{ListCursor, ListFilter, ListOrder, TimeField, TimeRange};
pub use memory::MemoryJournal;
pub use open::Journal;
pub use payment::{Intent, PaymentKey, PaymentRecord, Recorded};
pub use redaction::redacted;
pub use status::{PaymentKind, PaymentStatus};
pub use update::StateUpdate;

#[cfg(feature = "sqlite")]
pub use sqlite::{SpaceReclaimed, SqliteJournal, SqliteOptions, Synchronous};

#[cfg(feature = "postgres")]
pub use postgres::{PostgresJournal, PostgresOptions};

/// The newest schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 4;
