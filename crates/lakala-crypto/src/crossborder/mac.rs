//! The cross-border MAC: lowercase-hex SHA-256 of the GBK bytes of a message-specific
//! string, "encrypted" with an RSA private key (PKCS#1 v1.5 block type 1, no DigestInfo).
//!
//! This is NOT SHA256withRSA: the 64 ASCII characters of the hex digest are what is padded
//! and signed, as Java's `Cipher("RSA/ECB/PKCS1Padding")` does in encrypt mode with a
//! private key.

use crate::error::{CryptoError, MacKind, Result};
use crate::keys::{PrivateKey, PublicKey};
use crate::{gbk, hex_text};
use sha2::{Digest, Sha256};

/// The string a cross-border MAC covers, one variant per message of the spec.
///
/// ```
/// use lakala_crypto::crossborder::MacInput;
/// let input = MacInput::NotificationAnswer {
///     ret_code: "0000", ret_msg: "成功", ts: "20161031164400000052", req_type: "B0005",
/// };
/// assert_eq!(input.text(), "0000成功20161031164400000052B0005");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacInput<'a> {
    /// Merchant request: `merId + ver + ts + encData`.
    Request {
        /// `merId`.
        mer_id: &'a str,
        /// `ver`.
        ver: &'a str,
        /// `ts`.
        ts: &'a str,
        /// `encData`.
        enc_data: &'a str,
    },
    /// Platform response: `retCode + retMsg + merId + ver + ts + encData`.
    Response {
        /// `retCode`.
        ret_code: &'a str,
        /// `retMsg`.
        ret_msg: &'a str,
        /// `merId`.
        mer_id: &'a str,
        /// `ver`.
        ver: &'a str,
        /// `ts`.
        ts: &'a str,
        /// `encData` (empty when absent).
        enc_data: &'a str,
    },
    /// Platform notification: `ts + reqType + encData`.
    Notification {
        /// `ts`.
        ts: &'a str,
        /// `reqType`.
        req_type: &'a str,
        /// `encData`.
        enc_data: &'a str,
    },
    /// Merchant's answer to a notification: `retCode + retMsg + ts + reqType`.
    NotificationAnswer {
        /// `retCode`.
        ret_code: &'a str,
        /// `retMsg`.
        ret_msg: &'a str,
        /// `ts` of the notification.
        ts: &'a str,
        /// `reqType` of the notification.
        req_type: &'a str,
    },
}

impl MacInput<'_> {
    /// Which message this is.
    pub fn kind(&self) -> MacKind {
        match self {
            MacInput::Request { .. } => MacKind::Request,
            MacInput::Response { .. } => MacKind::Response,
            MacInput::Notification { .. } => MacKind::Notification,
            MacInput::NotificationAnswer { .. } => MacKind::NotificationAnswer,
        }
    }

    /// The concatenated string whose GBK bytes are hashed.
    pub fn text(&self) -> String {
        match *self {
            MacInput::Request {
                mer_id,
                ver,
                ts,
                enc_data,
            } => [mer_id, ver, ts, enc_data].concat(),
            MacInput::Response {
                ret_code,
                ret_msg,
                mer_id,
                ver,
                ts,
                enc_data,
            } => [ret_code, ret_msg, mer_id, ver, ts, enc_data].concat(),
            MacInput::Notification {
                ts,
                req_type,
                enc_data,
            } => [ts, req_type, enc_data].concat(),
            MacInput::NotificationAnswer {
                ret_code,
                ret_msg,
                ts,
                req_type,
            } => [ret_code, ret_msg, ts, req_type].concat(),
        }
    }

    /// Lowercase hex SHA-256 of the GBK bytes of [`MacInput::text`]: the 64 ASCII bytes
    /// that are signed.
    pub fn digest_hex(&self) -> Result<String> {
        let text = self.text();
        let bytes = gbk::encode("mac string", &text)?;
        Ok(hex::encode(Sha256::digest(&bytes)))
    }

    /// Signs this string with `key`: the MAC, uppercase hex.
    pub fn sign(&self, key: &PrivateKey) -> Result<String> {
        let digest = self.digest_hex()?;
        let sig = key.rsa().sign_raw_type1("mac", digest.as_bytes())?;
        Ok(hex_text::encode_upper(&sig))
    }

    /// Checks `mac` (hex, either case) against this string with the signer's `key`.
    pub fn verify(&self, key: &PublicKey, mac: &str) -> Result<()> {
        let sig = hex_text::decode("mac", mac)?;
        let digest = self.digest_hex()?;
        if key.rsa().verify_raw_type1("mac", digest.as_bytes(), &sig)? {
            Ok(())
        } else {
            Err(CryptoError::MacMismatch { kind: self.kind() })
        }
    }
}
