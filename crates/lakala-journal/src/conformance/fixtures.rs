//! Payments and events the conformance tests use.

use crate::event::NewEvent;
use crate::payment::{Intent, PaymentKey};

/// The tests' "now": 2023-11-14, Unix seconds.
pub const T0: i64 = 1_700_000_000;

/// The key of payment `out_trade_no` of the tests' merchant.
pub fn key(out_trade_no: &str) -> PaymentKey {
    PaymentKey::new("822290059430001", out_trade_no)
}

/// A micropay intent for `out_trade_no`, due for resolvers at `T0 + 60`, with a
/// fingerprint derived from the number.
pub fn micropay(out_trade_no: &str) -> Intent {
    Intent::micropay(
        key(out_trade_no),
        "SBX00001",
        101,
        "2885**********2810",
        fingerprint(out_trade_no),
        "node-a",
        T0,
    )
    .with_next_check_at(T0 + 60)
}

/// A lowercase hex fingerprint derived from `seed`.
pub(crate) fn fingerprint(seed: &str) -> String {
    let mut hex: String = seed.bytes().map(|b| format!("{b:02x}")).collect();
    while hex.len() < 32 {
        hex.push('0');
    }
    hex.truncate(128);
    hex
}

/// An event of `kind` at `at` from `node-a` with a small payload.
pub fn event(at: i64, kind: &str) -> NewEvent {
    NewEvent::new(
        at,
        "node-a",
        kind,
        serde_json::json!({ "at": at, "kind": kind }),
    )
}
