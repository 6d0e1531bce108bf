//! The number a revoke is sent under: its own `out_trade_no`, derived from the order's.

use sha2::{Digest, Sha256};

/// The longest `out_trade_no` the platform takes.
const MAX_LEN: usize = 32;
/// The longest suffix kept (the rest of the number identifies the order).
const MAX_SUFFIX: usize = 8;

/// The revoke number for the order `out_trade_no`: `out_trade_no` + `suffix` when that fits
/// in 32 characters; otherwise the order's number shortened, six hex digits of a SHA-256 of
/// the whole order number (so that two long numbers sharing a prefix get different revoke
/// numbers), then the suffix. The result is always at most 32 characters, always differs
/// from `out_trade_no`, and is the same for the same inputs (a resolver and a person find
/// the same revoke again). `suffix` keeps its first 8 ASCII letters and digits; an empty one
/// is `R`.
///
/// ```
/// use lakala_client::revoke_number;
/// assert_eq!(revoke_number("T20240929001", "R"), "T20240929001R");
/// let long = "A".repeat(32);
/// let number = revoke_number(&long, "R");
/// assert!(number.len() <= 32 && number != long && number.ends_with('R'));
/// ```
pub fn revoke_number(out_trade_no: &str, suffix: &str) -> String {
    let mut suffix: String = suffix
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(MAX_SUFFIX)
        .collect();
    if suffix.is_empty() {
        suffix.push('R');
    }
    let whole = format!("{out_trade_no}{suffix}");
    let number = if whole.chars().count() <= MAX_LEN {
        whole
    } else {
        let tag = &hex::encode(Sha256::digest(out_trade_no.as_bytes()))[..6];
        let keep = MAX_LEN - suffix.len() - tag.len();
        let prefix: String = out_trade_no.chars().take(keep).collect();
        format!("{prefix}{tag}{suffix}")
    };
    if number == out_trade_no {
        // Only when the order's number already ends with its shortened form: change the
        // last character of the suffix.
        let mut chars: Vec<char> = number.chars().collect();
        if let Some(last) = chars.last_mut() {
            *last = if *last == 'X' { 'Y' } else { 'X' };
        }
        return chars.into_iter().collect();
    }
    number
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoke_numbers_fit_and_differ_from_the_order() {
        for n in 0..=40 {
            let order: String = "9".repeat(n);
            for suffix in ["", "R", "REVOKE", "a-very-long-suffix-indeed", "R\u{7f}"] {
                let number = revoke_number(&order, suffix);
                assert!(number.chars().count() <= 32, "{order} {suffix}: {number}");
                assert_ne!(number, order);
                assert!(
                    number.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{number}"
                );
            }
        }
        // Two 32-character numbers that share their first 30 characters.
        let a = format!("{}AB", "1".repeat(30));
        let b = format!("{}AC", "1".repeat(30));
        assert_ne!(revoke_number(&a, "R"), revoke_number(&b, "R"));
        assert_eq!(revoke_number("T1", "R"), "T1R");
    }
}
