//! lakala-types (draft)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod crossborder;
mod error;
pub mod json_string;
pub mod mask;
pub mod micropay;
pub mod money;
pub mod preauth;
pub mod rules;
pub mod timestamp;
pub mod validation;

pub use error::{parse, parse_strict, ParseError, Parsed};
pub use json_string::JsonString;
pub use mask::Personal;
pub use money::{Amount, Yuan};
pub use validation::{Validate, ValidationErrors, Violation};
