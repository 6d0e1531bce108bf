//! Cross-border online payment gateway, identity and bank-card verification (`/gate/auth`,
//! protocol 3.0.0; spec `000_*`), camelCase on the wire.
//!
//! * [`RequestEnvelope`], [`ResponseEnvelope`], [`Notification`], [`NotificationAnswer`]:
//!   the outer JSON with the common request fields (merId AN12, ver, ts N20), the common
//!   response fields (retCode N4, retMsg U..99) and the encrypted `encData`; the field sets
//!   are those of PROTOCOL.md section 1.
//! * [`AuthRequest`], [`AuthResponse`]: the business JSON inside `encData` (section 4.1).
//! * [`RetCode`]: the retCode table, keeping codes it does not list.
//!
//! Unknown extra fields are kept (`extra()`) and written back.

mod auth;
mod envelope;
mod ret_code;

pub use auth::{AuthRequest, AuthRequestBuilder, AuthResponse, BizType, CertType};
pub use envelope::{
    Notification, NotificationAnswer, NotificationAnswerBuilder, RequestEnvelope,
    RequestEnvelopeBuilder, ResponseEnvelope, PROTOCOL_VERSION,
};
pub use ret_code::RetCode;

use crate::rules::{CharClass, FieldRule, Len};

/// merId: AN12.
pub(crate) const MER_ID: FieldRule = FieldRule::new(CharClass::AN, Len::Fixed(12));
/// ts: N20.
pub(crate) const TS: FieldRule = FieldRule::new(CharClass::N, Len::Fixed(20));
/// retCode: N4.
pub(crate) const RET_CODE: FieldRule = FieldRule::new(CharClass::N, Len::Fixed(4));
/// retMsg: U..99.
pub(crate) const RET_MSG: FieldRule = FieldRule::new(CharClass::U, Len::Max(99));
/// encData, encKey, mac: hexadecimal (PROTOCOL.md).
pub(crate) const HEX: FieldRule = FieldRule::new(CharClass::Hex, Len::Any);
/// reqType: not in the spec's tables; `B0005` in its example.
pub(crate) const REQ_TYPE: FieldRule = FieldRule::new(CharClass::AN, Len::Max(16));
