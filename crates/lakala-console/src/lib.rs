//! An operations console for a Lakala payment journal, served as server-rendered HTML.
//!
//! The people who run a shop's payments ask three things every day: what is still open or
//! needs a person, does our record agree with Lakala's, and what exactly happened to this
//! order. The console answers them from the journal ([`lakala_journal`]) without SQL:
//!
//! - **payments** (`/`): filters (open, unresolved, conflicts, a China day, merchant,
//!   status, amount range) and search by order number, newest first, keyset paging;
//! - **a payment** (`/payment/{merchant}/{out_trade_no}`): its timeline, every journaled
//!   event with its time, answer codes, queries, notifications, resolver leases,
//!   reconciliation and who did what; on request the platform's trade query next to the
//!   journal's view (live, through [`lakala_client::LakalaClient`], when one is given);
//! - **a day** (`/day/{YYYY-MM-DD}`): payments per minute by outcome, time to final and
//!   the pending share, drawn server-side as inline SVG;
//! - **actions that need a person**: resolve now (the resolver's own settle path for that
//!   payment, under a lease: [`lakala_client::resolver::Resolver::resolve_payment`]),
//!   revoke or refund with a typed confirmation (through [`lakala_client::LakalaClient::revoke`]
//!   and [`lakala_client::LakalaClient::refund`], so every money rule of the client holds),
//!   mark a conflict handled with a note. Each is journaled as a [`ACTION_EVENT`] event
//!   naming who did it, is idempotent (the form's action id: a repeated submit does
//!   nothing twice) and is fenced by a lease on the payment like the resolver's work;
//! - **live updates** by server-sent events (`/live`): a new list row or timeline entry
//!   appears without a reload.
//!
//! Safe by default ([`ConsoleConfig`]): a login ([`login::Login`]: operator tokens, or an
//! identity header set by the operator's reverse proxy), a per-session CSRF token checked
//! on every POST with `SameSite=Strict` cookies, a strict Content-Security-Policy (nothing
//! is loaded from anywhere but the console itself), personal data masked as everywhere
//! else ([`lakala_types::mask`]), and a read-only mode that hides and refuses every action.
//!
//! The journal and the client know nothing of the console: it is built on their public API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod action_event;
mod action_form;
mod actions;
mod app;
mod assets;
mod day_chart;
mod day_page;
mod error;
mod html;
mod list_page;
mod live;
pub mod login;
mod payment_page;
mod personal;
mod server;
mod session;
mod time_text;
mod timeline;

pub use action_event::ACTION_EVENT;
pub use error::ConsoleError;
pub use server::{Console, ConsoleConfig, RunningConsole};
