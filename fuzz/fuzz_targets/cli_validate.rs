//! The `lakala validate` command's input handling, the CLI's own file
//! (crates/lakala-cli/src/validate_kinds.rs): every kind checks the input, and every
//! violation renders as text and JSON.
//!
//! Input: the text read from stdin (the CLI reads UTF-8 only).
#![no_main]

#[path = "../../crates/lakala-cli/src/validate_kinds.rs"]
#[allow(dead_code)]
mod validate_kinds;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (kind, _, check) in validate_kinds::KINDS {
        match validate_kinds::check_text(*check, kind, text) {
            Ok(violations) => {
                let json = validate_kinds::violations_json(&violations);
                assert_eq!(json.as_array().map(Vec::len), Some(violations.len()));
                for v in &violations {
                    assert!(!v.to_string().is_empty());
                }
            }
            Err(message) => assert!(message.starts_with("not a ")),
        }
    }
});
