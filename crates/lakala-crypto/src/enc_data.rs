//! `encData`: business JSON under AES-128-ECB with PKCS#7 padding, over GBK bytes.
//!
//! ECB, not CBC: that is what the platform runs (Java `AES/ECB/PKCS5Padding` with no IV),
//! and interoperability decides. ECB leaks repeated 16-byte blocks; the damage is bounded
//! because every key encrypts a single message.

use crate::error::{CryptoError, Result};
use crate::sec_key::SecKey;
use crate::{gbk, hex_text};
use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyInit};
use zeroize::Zeroizing;

type Encryptor = ecb::Encryptor<aes::Aes128>;
type Decryptor = ecb::Decryptor<aes::Aes128>;

/// Encrypts `plaintext` (GBK-encoded first) and returns uppercase hex.
pub(crate) fn seal(key: &SecKey, plaintext: &str) -> Result<String> {
    let bytes = gbk::encode("encData plaintext", plaintext)?;
    let cipher = Encryptor::new(key.aes_key().into());
    let ct = cipher.encrypt_padded_vec_mut::<Pkcs7>(&bytes);
    Ok(hex_text::encode_upper(&ct))
}

/// Decrypts hex `encData` and decodes the GBK plaintext.
pub(crate) fn open(key: &SecKey, enc_data: &str) -> Result<String> {
    let ct = hex_text::decode("encData", enc_data)?;
    if ct.is_empty() || ct.len() % 16 != 0 {
        return Err(CryptoError::DecryptionFailed { field: "encData" });
    }
    let cipher = Decryptor::new(key.aes_key().into());
    let pt = Zeroizing::new(
        cipher
            .decrypt_padded_vec_mut::<Pkcs7>(&ct)
            .map_err(|_| CryptoError::DecryptionFailed { field: "encData" })?,
    );
    gbk::decode("encData", &pt)
}
