//! A deterministic simulation test of `lakala-client`, in the manner of FoundationDB's
//! simulation testing and TigerBeetle's VOPR: one seed decides everything, a failing seed
//! replays in one command, and invariants are checked after every run.
//!
//! # What a run is
//!
//! [`world::run`] builds, from the seed alone ([`plan::Plan::of`]):
//! - an in-process **platform** ([`platform::Platform`], an `HttpTransport`) that verifies
//!   the client's signed requests, keeps the truth of every order, revoke and refund
//!   ([`platform::truth`]) and answers signed with the platform's key: success, paying,
//!   `000100`/`000101`, system busy, an unlisted code, a definite refusal naming the
//!   order, `need_query`, a `trade_state` in progress, final, or missing; a repeated
//!   `out_trade_no` gets a duplicate code and the first order stands; it also answers the
//!   refund query (`idmrefundquery`), the labs pre-order and close, and trade queries by
//!   a revoke's or refund's own number. Its network refuses connections, loses requests (never arrive) and answers
//!   (executed, the client times out), delays both, and delivers some requests after the
//!   client gave up on them (within twice its timeout). Payments land late or only in the drain phase; revokes answer
//!   inconclusively having executed or not, while the payment lands; refunds stay `DEAL`;
//! - one or two **processes** ([`process::Process`]: a client and its tasks) on one shared
//!   `MemoryJournal`, crashed at seed-chosen times (every task aborted, every gate of the
//!   process shut: [`gate`]) and restarted under the same or a new instance name;
//! - **tills** ([`till`]) paying orders with `PendingPolicy::ReturnPending` or `Revoke`,
//!   retrying an order interrupted by a crash (rarely with a new auth code), and refunding
//!   some paid orders; some orders are **pre-orders** (a QR code the customer scans): the
//!   customer pays late, after the expiry (never), never, or right as a close arrives (the
//!   payment lands first and the close is refused); the till closes some after a while,
//!   the SDK closes the others past their expiry; closes are answered inconclusively,
//!   executed or not, or lost like any exchange;
//! - one or two **resolvers** (`Resolver::run_once`, after `take_back_earlier_runs`) with
//!   leases short enough to expire mid-work, and in some runs a person's `resolve_now` on
//!   everything at the end;
//! - **notifications** of every landing, delivered to a live process's open-platform
//!   handler (the journal as its ledger), redelivered (same bytes, or a fresh signature as
//!   the real platform does) and reordered; the merchant's code counts its runs per
//!   (order, event).
//!
//! Time is tokio's paused clock (a `current_thread` runtime with `start_paused`): the
//! client's clock and sleeper, the platform's delays and every actor read it, so an hour
//! of simulated time costs only the work done in it. Nothing decides from the operating
//! system's randomness; the same seed gives the same trace ([`trace::Trace::hash`]).
//!
//! After the active phase comes the **drain**: faults stop, every payment lands or fails
//! for good, crashed processes restart, tills finish, and resolvers run until every
//! payment is final or left for a person. Then the [`invariants`] are checked:
//!
//! - (a) no payment reported or journaled succeeded ends not paid on the platform, and
//!   none reported failed ends paid (refunds: none reported done unless it was done);
//! - (b) at most one micropay arrived per order, at most one executed revoke per payment,
//!   no refund beyond what was asked;
//! - (c) every payment the tills started ends final or open for a person (`unresolved`, or
//!   marked as a conflict), never forgotten;
//! - (d) the journal agrees with the platform (or marks the payment as a conflict);
//! - (e) the merchant's notification code ran at most once per payment event;
//! - (f) a pre-order reported or journaled closed was never paid on the platform, one
//!   reported or journaled paid was paid, and at most one pre-order request arrived per
//!   order.
//!
//! A violation names the invariant, the order and the trace tail, and which of issue 19's
//! scenarios it is ([`invariants::Scenario`]).
//!
//! Everything that touches the client's API is in two files, [`till`] (pay, refund) and
//! [`process`] (building a client, resolvers, the notification handler).
//!
//! # Running it
//!
//! ```sh
//! # the seeds test (LAKALA_SIM_SEEDS seeds, default in tests/seeds.rs)
//! cargo test -p lakala-sim --test seeds
//! # replay one seed with its whole trace
//! cargo run -p lakala-sim -- --seed 1234567
//! # a longer run: a range of seeds, in release mode, on every core
//! cargo run --release -p lakala-sim -- --seeds 0..200000
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod clock;
pub mod gate;
pub mod invariants;
pub mod keys;
pub mod plan;
pub mod platform;
pub mod process;
pub mod records;
pub mod rng;
pub mod till;
pub mod trace;
pub mod world;

/// The one-line command that replays `seed` with its full trace.
pub fn replay_line(seed: u64) -> String {
    format!("cargo run -p lakala-sim -- --seed {seed}")
}
