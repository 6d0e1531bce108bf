//! Recognises the forms key material arrives in: PEM, DER, or Lakala's base64 DER without
//! PEM armour (how the cross-border platform distributes its keys).

use crate::error::{CryptoError, KeyKind, Result};
use base64::Engine;
use pkcs8::der::pem;
use zeroize::Zeroizing;

/// Key material with its PEM label, if it had one.
pub(crate) struct Decoded {
    /// `Some("PRIVATE KEY")` and the like for PEM input; `None` for DER or bare base64.
    pub(crate) label: Option<String>,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Turns any of the accepted forms into DER.
pub(crate) fn decode(kind: KeyKind, input: &[u8]) -> Result<Decoded> {
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(key_error(kind, "input is empty"));
    }
    if trimmed.starts_with(b"-----BEGIN") {
        let (label, der) =
            pem::decode_vec(trimmed).map_err(|e| key_error(kind, format!("malformed PEM: {e}")))?;
        return Ok(Decoded {
            label: Some(label.to_owned()),
            der: Zeroizing::new(der),
        });
    }
    // DER keys start with a SEQUENCE tag (0x30, which is also base64 '0') and a long-form
    // length byte (0x81..0x84), which base64 text never contains.
    if trimmed[0] == 0x30 && trimmed.get(1).is_some_and(|b| *b >= 0x80 || *b < 0x20) {
        return Ok(Decoded {
            label: None,
            der: Zeroizing::new(input.to_vec()),
        });
    }
    let text: Zeroizing<Vec<u8>> = Zeroizing::new(
        trimmed
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect(),
    );
    let der = base64::engine::general_purpose::STANDARD
        .decode(&*text)
        .map_err(|_| key_error(kind, "neither PEM, DER nor base64 DER"))?;
    Ok(Decoded {
        label: None,
        der: Zeroizing::new(der),
    })
}

pub(crate) fn key_error(kind: KeyKind, reason: impl Into<String>) -> CryptoError {
    CryptoError::KeyFormat {
        kind,
        reason: reason.into(),
    }
}
