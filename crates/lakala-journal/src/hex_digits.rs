//! Lowercase hex, both ways: how the SQL stores turn a digest's text form into its bytes
//! and back (sqlite/digest.rs, postgres/digest.rs).

/// The bytes of a non-empty, even-length, lowercase hex string; `None` for anything else
/// (which a store then keeps as text, so that it reads back unchanged).
pub(crate) fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    digits
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// `bytes` as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_other_text() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(hex_bytes("00abff"), Some(vec![0x00, 0xab, 0xff]));
        for other in ["", "a", "ABFF", "0g", "abc"] {
            assert_eq!(hex_bytes(other), None, "{other}");
        }
    }
}
