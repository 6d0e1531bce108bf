//! Parsing with or without the spec's rules.

use crate::validation::{Validate, ValidationErrors, Violation};
use serde::de::DeserializeOwned;

/// Why a message could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not JSON of the expected shape (a wrong JSON type, an amount that is not digits, a
    /// `yyyyMMddHHmmss` that is no date); serde's message names the field.
    #[error("malformed message: {0}")]
    Json(#[from] serde_json::Error),
    /// Well-formed, but it breaks the spec's rules; every violation is listed.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// A leniently parsed message and every rule it breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// The message, with nothing dropped.
    pub value: T,
    /// Every violation of the spec's rules (empty when it follows them all).
    pub violations: Vec<Violation>,
}

/// Parses `json` leniently: anything that fits the types is accepted, and the spec's rule
/// violations are returned next to the value rather than refused. Use this for the
/// platform's answers and notifications.
pub fn parse<T: DeserializeOwned + Validate>(json: &str) -> Result<Parsed<T>, serde_json::Error> {
    let value: T = serde_json::from_str(json)?;
    let violations = match value.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.0,
    };
    Ok(Parsed { value, violations })
}

/// Parses `json` and refuses it unless it follows every rule.
pub fn parse_strict<T: DeserializeOwned + Validate>(json: &str) -> Result<T, ParseError> {
    let value: T = serde_json::from_str(json)?;
    value.validate()?;
    Ok(value)
}
