//! The `Lklapi-*` headers that carry the signature of a platform response.

use crate::error::{CryptoError, Result};

/// Header names, in the order the platform sends them.
pub const APPID: &str = "Lklapi-Appid";
/// Serial of the platform certificate that signed.
pub const SERIAL: &str = "Lklapi-Serial";
/// Unix seconds.
pub const TIMESTAMP: &str = "Lklapi-Timestamp";
/// Random string.
pub const NONCE: &str = "Lklapi-Nonce";
/// Base64 SHA256withRSA signature.
pub const SIGNATURE: &str = "Lklapi-Signature";

/// The five signature headers of a platform response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LklapiHeaders {
    /// `Lklapi-Appid`.
    pub appid: String,
    /// `Lklapi-Serial`.
    pub serial: String,
    /// `Lklapi-Timestamp`.
    pub timestamp: String,
    /// `Lklapi-Nonce`.
    pub nonce: String,
    /// `Lklapi-Signature`.
    pub signature: String,
}

impl LklapiHeaders {
    /// Picks the five headers out of any list of `(name, value)` pairs; names match
    /// case-insensitively, as HTTP requires. A missing header is an error naming it.
    ///
    /// ```
    /// use lakala_crypto::open_platform::LklapiHeaders;
    /// let h = LklapiHeaders::from_pairs([("lklapi-appid", "OP1"), ("Content-Type", "json")]);
    /// assert!(h.is_err());
    /// ```
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut found: [Option<String>; 5] = Default::default();
        let names = [APPID, SERIAL, TIMESTAMP, NONCE, SIGNATURE];
        for (k, v) in pairs {
            if let Some(i) = names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(k.as_ref()))
            {
                found[i] = Some(v.as_ref().trim().to_owned());
            }
        }
        let [appid, serial, timestamp, nonce, signature] = found;
        let take = |v: Option<String>, name: &'static str| {
            v.filter(|v| !v.is_empty())
                .ok_or(CryptoError::MissingHeader { name })
        };
        Ok(Self {
            appid: take(appid, APPID)?,
            serial: take(serial, SERIAL)?,
            timestamp: take(timestamp, TIMESTAMP)?,
            nonce: take(nonce, NONCE)?,
            signature: take(signature, SIGNATURE)?,
        })
    }

    /// The headers as `(name, value)` pairs, for sending.
    pub fn to_pairs(&self) -> [(&'static str, &str); 5] {
        [
            (APPID, &self.appid),
            (SERIAL, &self.serial),
            (TIMESTAMP, &self.timestamp),
            (NONCE, &self.nonce),
            (SIGNATURE, &self.signature),
        ]
    }

    pub(crate) fn timestamp_secs(&self) -> Result<i64> {
        if self.timestamp.len() > 18 || !self.timestamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CryptoError::MalformedAuthorization {
                reason: format!("{TIMESTAMP} is not Unix seconds"),
            });
        }
        self.timestamp
            .parse()
            .map_err(|_| CryptoError::MalformedAuthorization {
                reason: format!("{TIMESTAMP} is not Unix seconds"),
            })
    }
}
