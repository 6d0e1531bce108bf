//! SM4 whole-message encryption of the open platform's `*_encry` routes
//! (`/api/v3/labs/trans/preorder_encry`, `/api/v3/labs/trans/micropay_encry`, ...).
//!
//! What Lakala's open-platform Java SDK (lkl-laop-java-sdk 1.0.6, `SM4Util` and
//! `LKLSDK.httpPost(request, reqEncrypt, respDecrypt)`) does, and so what this module does:
//!
//! - **Key**: 16 bytes, configured as their **base64** text (the SDK's `sm4Key` setting,
//!   for example `dRzPaYd7z6vYn9sL/JTZ3A==`); anything that does not decode to exactly 16
//!   bytes is refused. The merchant gets it from Lakala; it is not derived from anything.
//! - **Cipher**: `SM4/ECB/PKCS5Padding` (PKCS#7 on 16-byte blocks), no IV.
//! - **What is encrypted**: the **whole request body**, the complete v3 JSON envelope
//!   (`req_time`, `version`, `req_data`) as UTF-8 bytes; the HTTP body is then the
//!   **base64** of the ciphertext (standard alphabet, padded, one line), not JSON.
//! - **The answer**: the platform's whole answer body is base64 SM4 ciphertext under the
//!   same key; decrypted, it is the ordinary v3 answer JSON.
//! - **Signatures** (`Authorization` on the request, `Lklapi-Signature` on the answer)
//!   cover the body **as sent on the wire**, i.e. the base64 text, not the JSON inside it:
//!   sign after sealing, verify before opening.
//!
//! ECB leaks repeated 16-byte blocks of one message; the platform decides the mode.
//!
//! ```
//! use lakala_crypto::Sm4Key;
//! let key = Sm4Key::from_base64("dRzPaYd7z6vYn9sL/JTZ3A==")?;
//! let body = key.seal(r#"{"req_time":"20231114153200","version":"3.0","req_data":{}}"#);
//! let opened = key.open(&body)?;
//! assert!(opened.as_str().starts_with(r#"{"req_time""#));
//! assert_eq!(format!("{key:?}"), "Sm4Key([redacted])");
//! # Ok::<(), lakala_crypto::Sm4Error>(())
//! ```

use crate::plaintext::Plaintext;
use ::sm4::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::{CryptoRng, RngCore};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

type Encryptor = ecb::Encryptor<::sm4::Sm4>;
type Decryptor = ecb::Decryptor<::sm4::Sm4>;

/// Length of an SM4 key in bytes (SM4 keys are 128 bits, and nothing else).
pub const SM4_KEY_LEN: usize = 16;

/// SM4 block length in bytes.
const BLOCK: usize = 16;

/// Why an SM4 key or an SM4-encrypted body was refused.
///
/// What a caller may assume: nothing was decrypted and handed out; messages never contain
/// key bytes, ciphertext or plaintext, so they are safe to log. A body refused with
/// [`Sm4Error::BadPadding`] or [`Sm4Error::NotUtf8`] was most likely sealed with another
/// key (or tampered with): it is not an answer to act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Sm4Error {
    /// The key text is not valid base64 (or hex, for [`Sm4Key::from_hex`]).
    #[error("SM4 key: not valid {encoding}")]
    KeyEncoding {
        /// `base64` or `hex`.
        encoding: &'static str,
    },
    /// The key does not have exactly 16 bytes.
    #[error("SM4 key: {actual} bytes, but SM4 keys have exactly 16")]
    KeyLength {
        /// How many bytes the key had (after decoding).
        actual: usize,
    },
    /// The encrypted body is empty (or only whitespace).
    #[error("SM4 body: empty")]
    Empty,
    /// The encrypted body is not standard padded base64.
    #[error("SM4 body: not valid base64")]
    InvalidBase64,
    /// The decoded ciphertext is not a whole number of 16-byte blocks.
    #[error("SM4 body: {length} bytes of ciphertext, not a multiple of 16")]
    CiphertextLength {
        /// The decoded length in bytes.
        length: usize,
    },
    /// The decrypted bytes do not end in valid PKCS#5 padding: another key, or tampered data.
    #[error("SM4 body: bad padding after decryption (wrong key or tampered data)")]
    BadPadding,
    /// The decrypted bytes are not UTF-8 text.
    #[error("SM4 body: decrypted bytes are not UTF-8")]
    NotUtf8,
}

/// An SM4 key for the `*_encry` routes: 16 bytes, zeroized on drop, never shown by `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sm4Key([u8; SM4_KEY_LEN]);

impl Sm4Key {
    /// The key as configured in Lakala's SDK (`sm4Key`): base64 of 16 bytes. Surrounding
    /// whitespace (a trailing newline in a key file) is ignored.
    pub fn from_base64(text: &str) -> Result<Self, Sm4Error> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| Sm4Error::KeyEncoding { encoding: "base64" })?,
        );
        Self::from_bytes(&bytes)
    }

    /// The key as hexadecimal text (32 characters, either case), the form of the GB/T 32907
    /// test vectors and of `openssl enc -sm4-ecb -K`.
    pub fn from_hex(text: &str) -> Result<Self, Sm4Error> {
        let bytes = Zeroizing::new(
            hex::decode(text.trim()).map_err(|_| Sm4Error::KeyEncoding { encoding: "hex" })?,
        );
        Self::from_bytes(&bytes)
    }

    /// The raw 16 key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Sm4Error> {
        let key: [u8; SM4_KEY_LEN] = bytes.try_into().map_err(|_| Sm4Error::KeyLength {
            actual: bytes.len(),
        })?;
        Ok(Self(key))
    }

    /// Draws a fresh key (for a sandbox or a test; a merchant's key comes from Lakala).
    pub fn generate<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = [0u8; SM4_KEY_LEN];
        rng.fill_bytes(&mut key);
        Self(key)
    }

    /// The key bytes. Handle with care: this is key material.
    pub fn expose_bytes(&self) -> &[u8; SM4_KEY_LEN] {
        &self.0
    }

    /// The key in its configured form, base64. Handle with care: this is key material.
    pub fn expose_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0))
    }

    /// `SM4/ECB/PKCS5Padding` over raw bytes; the ciphertext is 1 to 16 bytes longer.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        Encryptor::new((&self.0).into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
    }

    /// The inverse of [`Sm4Key::encrypt`]; refuses a length that is not a positive multiple
    /// of 16 and bad padding. The result is zeroized on drop.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Sm4Error> {
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK) {
            return Err(Sm4Error::CiphertextLength {
                length: ciphertext.len(),
            });
        }
        Decryptor::new((&self.0).into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| Sm4Error::BadPadding)
    }

    /// Seals a whole body as the SDK does: UTF-8 bytes of `body`, SM4-ECB, base64.
    /// Sign the returned text, not `body`.
    pub fn seal(&self, body: &str) -> String {
        STANDARD.encode(self.encrypt(body.as_bytes()))
    }

    /// Opens a whole sealed body (base64 of SM4-ECB ciphertext of UTF-8 text). Surrounding
    /// whitespace is ignored; verify the signature over the body as received first.
    pub fn open(&self, body: &str) -> Result<Plaintext, Sm4Error> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Sm4Error::Empty);
        }
        let ciphertext = STANDARD.decode(body).map_err(|_| Sm4Error::InvalidBase64)?;
        let mut bytes = self.decrypt(&ciphertext)?;
        let text = String::from_utf8(std::mem::take(&mut *bytes)).map_err(|e| {
            // The bytes inside the error are plaintext too.
            let mut raw = e.into_bytes();
            raw.zeroize();
            Sm4Error::NotUtf8
        })?;
        Ok(Plaintext::new(text))
    }
}

impl fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4Key([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GB/T 32907-2016 appendix A.1: key = plaintext = 0123456789abcdeffedcba9876543210.
    const GBT_KEY: &str = "0123456789abcdeffedcba9876543210";
    const GBT_CIPHERTEXT: &str = "681edf34d206965e86b3e94f536e4246";

    #[test]
    fn one_block_matches_the_standard_vector() {
        let key = Sm4Key::from_hex(GBT_KEY).unwrap();
        let ct = key.encrypt(&hex::decode(GBT_KEY).unwrap());
        // One block of data, then one whole block of padding (PKCS#5 always pads).
        assert_eq!(ct.len(), 32);
        assert_eq!(hex::encode(&ct[..16]), GBT_CIPHERTEXT);
        assert_eq!(
            key.decrypt(&ct).unwrap().as_slice(),
            hex::decode(GBT_KEY).unwrap()
        );
    }

    #[test]
    fn keys_of_the_wrong_length_or_encoding_are_refused() {
        assert_eq!(
            Sm4Key::from_base64("AAAA").unwrap_err(),
            Sm4Error::KeyLength { actual: 3 }
        );
        assert_eq!(
            Sm4Key::from_base64("not base64!").unwrap_err(),
            Sm4Error::KeyEncoding { encoding: "base64" }
        );
        assert_eq!(
            Sm4Key::from_hex("0123").unwrap_err(),
            Sm4Error::KeyLength { actual: 2 }
        );
        assert_eq!(
            Sm4Key::from_hex("zz").unwrap_err(),
            Sm4Error::KeyEncoding { encoding: "hex" }
        );
        assert_eq!(
            Sm4Key::from_bytes(&[0; 32]).unwrap_err(),
            Sm4Error::KeyLength { actual: 32 }
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = Sm4Key::from_hex(GBT_KEY).unwrap();
        let shown = format!("{key:?} {:?}", key.clone());
        assert!(!shown.contains("0123") && !shown.contains("ASNF"));
        assert_eq!(format!("{key:?}"), "Sm4Key([redacted])");
    }

    #[test]
    fn bodies_round_trip_and_base64_is_standard() {
        let key = Sm4Key::from_base64("dRzPaYd7z6vYn9sL/JTZ3A==").unwrap();
        assert_eq!(&*key.expose_base64(), "dRzPaYd7z6vYn9sL/JTZ3A==");
        let body = r#"{"req_data":{"subject":"测试"}}"#;
        let sealed = key.seal(body);
        assert!(STANDARD.decode(&sealed).is_ok());
        assert_eq!(key.open(&sealed).unwrap().as_str(), body);
        assert_eq!(key.open(&format!("{sealed}\r\n")).unwrap().as_str(), body);
    }

    #[test]
    fn hostile_bodies_are_typed_errors() {
        let key = Sm4Key::from_hex(GBT_KEY).unwrap();
        let other = Sm4Key::from_base64("dRzPaYd7z6vYn9sL/JTZ3A==").unwrap();
        assert_eq!(key.open("  ").unwrap_err(), Sm4Error::Empty);
        assert_eq!(
            key.open("{\"code\":1}").unwrap_err(),
            Sm4Error::InvalidBase64
        );
        assert_eq!(
            key.open("AAAA").unwrap_err(),
            Sm4Error::CiphertextLength { length: 3 }
        );
        // Sealed under another key: the padding check fails (or, rarely, the text is no
        // UTF-8); either way a refusal, never a plaintext.
        let sealed = other.seal("{\"code\":\"BBS00000\",\"msg\":\"成功\"}");
        assert!(matches!(
            key.open(&sealed).unwrap_err(),
            Sm4Error::BadPadding | Sm4Error::NotUtf8
        ));
        // Valid padding, invalid UTF-8.
        let not_text = STANDARD.encode(key.encrypt(&[0xff, 0xfe, 0xfd]));
        assert_eq!(key.open(&not_text).unwrap_err(), Sm4Error::NotUtf8);
    }
}
