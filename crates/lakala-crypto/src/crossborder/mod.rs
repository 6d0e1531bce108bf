//! Cross-border gateway, protocol 3.0.0 (`/gate/auth` and its notifications).
//!
//! One-time 32-character key; AES-128 key = first 16 bytes of SHA1(SHA1(key));
//! `encData` = AES-128-ECB/PKCS#7 over the GBK bytes of the business JSON, uppercase hex;
//! `encKey` = RSA PKCS#1 v1.5 encryption of `ts + key`; `mac` = RSA block type 1 over the
//! lowercase-hex SHA-256 of a message-specific string ([`MacInput`]).
//!
//! [`Merchant`] is the merchant's side (seal requests, open answers and notifications,
//! seal notification answers); [`Platform`] is the platform's side, for sandboxes.
//! Every opening verifies the MAC before anything is decrypted.

mod enc_key;
mod envelope;
mod mac;
mod merchant;
mod platform;

pub use envelope::{
    NotificationAnswerEnvelope, NotificationEnvelope, RequestEnvelope, ResponseEnvelope, VERSION,
};
pub use mac::MacInput;
pub use merchant::{Merchant, OpenedNotification, OpenedResponse, SealedRequest};
pub use platform::{OpenedNotificationAnswer, OpenedRequest, Platform};
