//! Open platform v3: direct-connect barcode payment, "micropay"
//! (`/api/v3/dcp/trans/micropay`, spec `003_*`), snake_case on the wire, and the companion
//! calls a merchant needs beside it (trade query, revoke, refund).
//!
//! * [`V3Request`] / [`V3Response`]: the envelopes of PROTOCOL.md section 2, with [`V3Code`].
//! * [`MicropayRequest`] with [`LocationInfo`] and [`AccBusiFields`] (Alipay or WeChat);
//!   [`MicropayResponse`] with [`AccRespFields`].
//! * The "String holding JSON" fields are [`JsonString`](crate::JsonString)s of typed
//!   structures: [`ExtendParams`], [`BusinessParams`], [`AlipayGoods`], [`WechatDetail`],
//!   [`FundBill`], [`VoucherDetail`], [`DiscountGoods`].
//! * [`TradeQueryRequest`], [`RevokeRequest`], [`RefundRequest`] and their responses: **these
//!   tables come from PROTOCOL.md and the public Lakala v3 API, not from a spec**; their
//!   lengths follow micropay's (`String(32)` for numbers and ids).
//! * [`RefundQueryRequest`] / [`RefundQueryResponse`] with [`RefundState`] (the refund
//!   query), [`CloseRequest`] / [`CloseResponse`] (order close): **not in any spec either**;
//!   learnt from Lakala's public SDKs, sources in `SOURCES.md` beside this module.
//!
//! The response table spells `acc_settel_amount`, the examples `acc_settle_amount`: both
//! parse, `acc_settle_amount` is written. Unknown extra fields are kept (`extra()`) and
//! written back, `null`s included.

mod alipay;
mod companion;
mod envelope;
mod location;
mod request;
mod response;
mod settle;
mod wechat;

pub use alipay::{
    AlipayBusiFields, AlipayBusiFieldsBuilder, AlipayGoods, AlipayGoodsBuilder, AlipayRespFields,
    BusinessParams, DiscountGoods, ExtendParams, ExtendParamsBuilder, FundBill, VoucherDetail,
};
pub use companion::{
    RefundRequest, RefundRequestBuilder, RefundResponse, RevokeRequest, RevokeRequestBuilder,
    RevokeResponse, TradeMainType, TradeQueryRequest, TradeQueryRequestBuilder, TradeQueryResponse,
    TradeState, TradeVerdict,
};
pub use envelope::{V3Code, V3Request, V3Response, V3_VERSION};
pub use location::{LocationInfo, LocationInfoBuilder};
pub use request::{AccBusiFields, MicropayRequest, MicropayRequestBuilder};
pub use response::{AccRespFields, MicropayResponse, NeedQuery};
pub use settle::{
    CloseRequest, CloseRequestBuilder, CloseResponse, RefundQueryRequest,
    RefundQueryRequestBuilder, RefundQueryResponse, RefundState, RefundVerdict,
};
pub use wechat::{
    WechatBusiFields, WechatBusiFieldsBuilder, WechatDetail, WechatDetailBuilder, WechatGoods,
    WechatGoodsBuilder, WechatRespFields,
};

pub use crate::wallet::AccountType;
