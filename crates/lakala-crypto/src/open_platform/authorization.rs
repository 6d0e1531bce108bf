//! The `Authorization: LKLAPI-SHA256withRSA k="v",...` header of requests and notifications.

use crate::error::{CryptoError, Result};
use std::fmt;
use std::str::FromStr;

/// The authentication scheme of every open-platform signature.
pub const SCHEME: &str = "LKLAPI-SHA256withRSA";

/// A parsed `Authorization` header.
///
/// Requests carry all five fields; notifications carry no `appid` and no `serial_no`.
/// Parsing accepts the fields in any order, quoted or bare values, extra whitespace, and
/// ignores fields it does not know; it refuses a missing or duplicated field, a wrong
/// scheme, and a value with no closing quote.
///
/// ```
/// use lakala_crypto::open_platform::Authorization;
/// let a: Authorization = r#"LKLAPI-SHA256withRSA  nonce_str="n", timestamp="1630905585",signature="c2ln""#.parse()?;
/// assert_eq!(a.timestamp, "1630905585");
/// assert_eq!(a.appid, None);
/// assert_eq!(a.to_string(), r#"LKLAPI-SHA256withRSA timestamp="1630905585",nonce_str="n",signature="c2ln""#);
/// # Ok::<(), lakala_crypto::CryptoError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The merchant's appid (requests only).
    pub appid: Option<String>,
    /// Serial number of the merchant certificate (requests only).
    pub serial_no: Option<String>,
    /// Unix seconds, as sent.
    pub timestamp: String,
    /// Random string, as sent.
    pub nonce_str: String,
    /// Base64 SHA256withRSA signature.
    pub signature: String,
}

fn malformed(reason: impl Into<String>) -> CryptoError {
    CryptoError::MalformedAuthorization {
        reason: reason.into(),
    }
}

impl Authorization {
    /// Parses a header value.
    pub fn parse(header: &str) -> Result<Self> {
        let header = header.trim();
        let (scheme, params) = header
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(malformed(format!("scheme is not {SCHEME}")));
        }
        let mut fields: [Option<String>; 5] = Default::default();
        for (name, value) in parse_params(params)? {
            let slot = match name {
                "appid" => 0,
                "serial_no" => 1,
                "timestamp" => 2,
                "nonce_str" => 3,
                "signature" => 4,
                _ => continue,
            };
            if fields[slot].replace(value).is_some() {
                return Err(malformed(format!("field {name} appears twice")));
            }
        }
        let [appid, serial_no, timestamp, nonce_str, signature] = fields;
        let required = |v: Option<String>, name: &str| match v {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(malformed(format!("field {name} is missing or empty"))),
        };
        let timestamp = required(timestamp, "timestamp")?;
        if !timestamp.bytes().all(|b| b.is_ascii_digit()) || timestamp.len() > 18 {
            return Err(malformed("timestamp is not Unix seconds"));
        }
        Ok(Self {
            appid,
            serial_no,
            timestamp,
            nonce_str: required(nonce_str, "nonce_str")?,
            signature: required(signature, "signature")?,
        })
    }

    /// The timestamp as Unix seconds.
    pub fn timestamp_secs(&self) -> Result<i64> {
        self.timestamp
            .parse()
            .map_err(|_| malformed("timestamp is not Unix seconds"))
    }
}

impl FromStr for Authorization {
    type Err = CryptoError;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for Authorization {
    /// The header value, fields in the order Lakala writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} ")?;
        if let Some(appid) = &self.appid {
            write!(f, "appid=\"{appid}\",")?;
        }
        if let Some(serial) = &self.serial_no {
            write!(f, "serial_no=\"{serial}\",")?;
        }
        write!(
            f,
            "timestamp=\"{}\",nonce_str=\"{}\",signature=\"{}\"",
            self.timestamp, self.nonce_str, self.signature
        )
    }
}

/// Splits `name="value", name=value, ...` into pairs.
fn parse_params(mut rest: &str) -> Result<Vec<(&str, String)>> {
    let mut pairs = Vec::new();
    loop {
        let s = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if s.is_empty() {
            return Ok(pairs);
        }
        let eq = s
            .find('=')
            .ok_or_else(|| malformed("parameter without '='"))?;
        let name = s[..eq].trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(malformed("bad parameter name"));
        }
        let after = s[eq + 1..].trim_start();
        let value = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| malformed(format!("value of {name} has no closing quote")))?;
            rest = quoted[end + 1..].trim_start();
            if !(rest.is_empty() || rest.starts_with(',')) {
                return Err(malformed(format!("text after the quoted value of {name}")));
            }
            &quoted[..end]
        } else {
            let end = after.find(',').unwrap_or(after.len());
            rest = &after[end..];
            let value = after[..end].trim();
            if value.contains(|c: char| c.is_whitespace() || c == '"') {
                return Err(malformed(format!(
                    "bare value of {name} has spaces or quotes"
                )));
            }
            value
        };
        pairs.push((name, value.to_owned()));
    }
}
