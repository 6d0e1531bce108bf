//! Open platform v3, the **labs aggregated-scan family** (聚合扫码) beyond what
//! [`micropay`](crate::micropay) already has: the pre-order (聚合主扫), the labs route of
//! micropay (聚合被扫), refund by the merchant's refund number (`idmrefund`), and the routes
//! with SM4-encrypted twins (`*_encry`).
//!
//! **None of this is in the three seed specs (`spec/`).** The fields come from Lakala's
//! public open-platform Java SDK (lkl-laop-java-sdk 1.0.6) and from integrators' code and
//! copies of Lakala's documentation; what was relied on, and how sure each part is, is in
//! `SOURCES.md` beside this module. Snake_case on the wire, in the v3 envelopes
//! ([`V3Request`](crate::micropay::V3Request) / [`V3Response`](crate::micropay::V3Response))
//! with the labs codes (`BBS00000`, `BBS10000`, ... in
//! [`V3Code`](crate::micropay::V3Code)).
//!
//! * [`LabsRoute`]: every labs path and its `*_encry` twin (pre-order and micropay).
//! * Pre-order: [`PreorderRequest`] built with one [`PreorderScenario`] (a [`PreorderKind`]
//!   — `account_type` × `trans_type` — with its wallet's [`WechatPreorderFields`],
//!   [`AlipayPreorderFields`] or [`UnionPayPreorderFields`]), so that another wallet's
//!   fields do not compile and a combination's own rules are checked before sending;
//!   [`PreorderResponse`] whose `acc_resp_fields` become a [`PaymentRequestForCustomer`]
//!   ([`QrCode`], [`WechatPaySign`], an Alipay trade number, a UnionPay page) by the
//!   request's kind, or a typed [`PaymentRequestError`] naming the field.
//! * Labs micropay: [`LabsMicropayRequest`] = the dcp [`MicropayRequest`](crate::micropay::MicropayRequest)
//!   + [`LabsMicropayFields`]; the answer is [`LabsMicropayResponse`] (the dcp one).
//! * Refund by refund number: [`IdmRefundRequest`]; the answer is [`IdmRefundResponse`]
//!   (the refund query's [`RefundQueryResponse`](crate::micropay::RefundQueryResponse),
//!   states in [`RefundState`](crate::micropay::RefundState)).
//! * [`IdentityInfo`]: the payer's identity (`identity_info`), masked in `Debug`; a request
//!   carrying it `needs_encryption()`.
//!
//! Trade query, revoke, refund, refund query and close are in
//! [`micropay`](crate::micropay) and serve the labs family unchanged.
//!
//! The `*_encry` routes: the whole body (the complete v3 JSON envelope) is SM4/ECB/PKCS5
//! encrypted and base64'd, both ways, with the merchant's 16-byte key; the signatures cover
//! the base64 text. This crate does no cryptography: `lakala_crypto::Sm4Key` seals and
//! opens those bodies; the types here are the JSON inside.

mod busi_fields;
mod identity;
mod idmrefund;
mod kind;
mod micropay;
mod payment_request;
mod preorder;
mod preorder_response;
mod route;

pub use busi_fields::{
    AlipayPreorderFields, AlipayPreorderFieldsBuilder, PreorderBusiFields, UnionPayPreorderFields,
    UnionPayPreorderFieldsBuilder, UnmodelledFields, WechatPreorderFields,
    WechatPreorderFieldsBuilder,
};
pub use identity::{IdentityInfo, IdentityInfoBuilder};
pub use idmrefund::{IdmRefundRequest, IdmRefundRequestBuilder, IdmRefundResponse};
pub use kind::PreorderKind;
pub use micropay::{
    LabsMicropayFields, LabsMicropayFieldsBuilder, LabsMicropayRequest, LabsMicropayResponse,
    ScanType,
};
pub use payment_request::{PaymentRequestError, PaymentRequestForCustomer, QrCode, WechatPaySign};
pub use preorder::{
    PreorderRequest, PreorderRequestBuilder, PreorderScenario, PREORDER_DEFAULT_TIMEOUT_MINUTES,
};
pub use preorder_response::PreorderResponse;
pub use route::LabsRoute;
