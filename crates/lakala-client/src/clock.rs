//! The clock a client and its notification handlers run on.

use lakala_crypto::Clock;

/// A [`Clock`] that can be printed (the client's `Debug` shows what it runs on).
pub trait ClockDebug: Clock + std::fmt::Debug {}
impl<T: Clock + std::fmt::Debug> ClockDebug for T {}
