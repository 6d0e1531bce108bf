//! Which of Lakala's two barcode-payment routes a merchant's micropay goes to: a setting of
//! the client ([`crate::Config::micropay_route`], `open_platform.micropay_route`,
//! `LAKALA_MICROPAY_ROUTE`), not of each call.
//!
//! Both routes take the same request and give the same answer; everything around the send
//! is the same: the journal written before it, the binding of the answer to the order, the
//! outcome rules, the poll schedule, the resolver (whose resend of a payment that never
//! left goes to the route configured then). Only the path differs, and the code family of
//! the answer (`DCP...` on `dcp`, `BBS...` on `labs`), which [`lakala_types::code_class`]
//! classifies alike.

use crate::environment::paths;
use std::fmt;
use std::str::FromStr;

/// The micropay route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MicropayRoute {
    /// `/api/v3/dcp/trans/micropay` (the default, as before the setting existed).
    #[default]
    Dcp,
    /// `/api/v3/labs/trans/micropay` (聚合被扫), the route of Lakala's own Java SDK.
    Labs,
}

impl MicropayRoute {
    /// The path the micropay is sent to.
    pub fn path(self) -> &'static str {
        match self {
            MicropayRoute::Dcp => paths::MICROPAY,
            MicropayRoute::Labs => paths::LABS_MICROPAY,
        }
    }

    /// `dcp` or `labs`: the word of the configuration and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            MicropayRoute::Dcp => "dcp",
            MicropayRoute::Labs => "labs",
        }
    }
}

impl fmt::Display for MicropayRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is neither `dcp` nor `labs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRoute(pub String);

impl fmt::Display for UnknownRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown micropay route {:?} (expected dcp or labs)",
            self.0
        )
    }
}

impl std::error::Error for UnknownRoute {}

impl FromStr for MicropayRoute {
    type Err = UnknownRoute;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "dcp" => Ok(MicropayRoute::Dcp),
            "labs" => Ok(MicropayRoute::Labs),
            other => Err(UnknownRoute(other.chars().take(32).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_has_its_path_and_word_and_dcp_is_the_default() {
        assert_eq!(MicropayRoute::default(), MicropayRoute::Dcp);
        assert_eq!(MicropayRoute::Dcp.path(), "/api/v3/dcp/trans/micropay");
        assert_eq!(MicropayRoute::Labs.path(), "/api/v3/labs/trans/micropay");
        for route in [MicropayRoute::Dcp, MicropayRoute::Labs] {
            assert_eq!(route.as_str().parse::<MicropayRoute>(), Ok(route));
        }
        assert!("LABS".parse::<MicropayRoute>().is_err());
        assert!("".parse::<MicropayRoute>().is_err());
    }
}
