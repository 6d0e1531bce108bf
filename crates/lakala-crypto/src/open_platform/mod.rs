//! Open platform (v2 pre-authorization, v3 micropay and companions): SHA256withRSA over
//! `appid\nserial_no\ntimestamp\nnonce_str\nbody\n`, carried in
//! `Authorization: LKLAPI-SHA256withRSA ...` (requests, notifications) or `Lklapi-*`
//! headers (responses).
//!
//! Merchant side: [`RequestSigner`], [`ResponseVerifier`], [`NotificationVerifier`].
//! Platform side, for sandboxes: [`RequestVerifier`], [`PlatformSigner`].

mod authorization;
mod freshness;
pub mod headers;
mod merchant;
mod message;
mod platform;
mod signature;

pub use authorization::{Authorization, SCHEME};
pub use freshness::Freshness;
pub use headers::LklapiHeaders;
pub use merchant::{
    generate_nonce, NotificationVerifier, RequestSigner, ResponseVerifier, NONCE_LEN,
};
pub use message::{notification_message, request_message};
pub use platform::{PlatformSigner, RequestVerifier};
