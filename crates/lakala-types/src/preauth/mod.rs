//! Open platform v2: scan-code pre-authorization pre-order
//! (`/api/v2/labs/txn/preAuth/preAuthPreOrder`, spec `001_*`), camelCase on the wire.
//!
//! * [`V2Request`] / [`V2Response`]: the envelopes of PROTOCOL.md section 2.
//! * [`PreOrderRequest`]: every row of the request table.
//! * [`PreOrderResponse`]: the response table; the fields that depend on `transType` and
//!   `payMode` are decoded on demand into [`PaymentData`], which the caller matches on.
//!
//! The spec's examples name five fields differently from its tables; both names parse and the
//! table's name is written: `mercId`→`merId`, `termNo`→`termId`, `payMode`→`accountType`,
//! `orderId`→`merReqSno`, `lklOrderId`→`lklOrderNo`. Unknown extra fields are kept
//! (`extra()`) and written back.

mod enums;
mod envelope;
mod pre_order;
mod response;

pub use crate::wallet::AccountType;
pub use enums::{ExpiredStrategy, SettleType, TransType, V2RetCode};
pub use envelope::{TermExtInfo, V2Request, V2Response, V2_VERSION};
pub use pre_order::{PreOrderRequest, PreOrderRequestBuilder};
pub use response::{
    AlipayH5Params, AppParams, MiniProgramParams, NativeParams, PaymentData, PreOrderResponse,
    PrepayParams, RedirectParams, WechatJsapiParams,
};
