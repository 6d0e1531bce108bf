//! Decrypted business data, which holds personal data and must not leak through `Debug`.

use std::fmt;
use zeroize::Zeroizing;

/// Decrypted business JSON (names, ID numbers, card numbers...).
///
/// `Debug` prints only the length; the text is zeroized on drop. Read it with
/// [`Plaintext::as_str`] and parse it into the typed structures of `lakala-types`.
#[derive(Clone, PartialEq, Eq)]
pub struct Plaintext(Zeroizing<String>);

impl Plaintext {
    pub(crate) fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The decrypted text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Moves the text out; it is then the caller's to protect.
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut *self.0)
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext([redacted; {} bytes])", self.0.len())
    }
}
