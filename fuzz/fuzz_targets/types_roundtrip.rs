//! Every lenient parse of `lakala-types`: parse, write, parse again, write again. The two
//! writings must be identical (what the crate writes, it reads back unchanged), the second
//! parse must succeed, and `Debug` and `validate` must not panic.
//!
//! Input: JSON text, tried as every message type (and its parts).
#![no_main]

use lakala_types::micropay::{
    AccRespFields, AlipayBusiFields, CloseRequest, CloseResponse, LocationInfo,
    MicropayRequest, MicropayResponse, RefundQueryRequest, RefundQueryResponse, RefundRequest,
    RefundResponse, RevokeRequest, RevokeResponse, TradeQueryRequest, TradeQueryResponse,
    V3Request, V3Response, WechatBusiFields, WechatDetail,
};
use lakala_types::preauth::{PreOrderRequest, PreOrderResponse, V2Request, V2Response};
use lakala_types::{crossborder, Amount, Validate, Yuan};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn stable<T: DeserializeOwned + Serialize + Validate + std::fmt::Debug>(text: &str) {
    let Ok(first) = lakala_types::parse::<T>(text) else {
        return;
    };
    let _ = format!("{:?}", first.value);
    let _ = first.value.validate();
    let written = serde_json::to_string(&first.value).expect("a parsed value writes");
    let second = lakala_types::parse::<T>(&written)
        .unwrap_or_else(|e| panic!("what was written does not parse again: {e}\n{written}"));
    let again = serde_json::to_string(&second.value).expect("writes again");
    assert_eq!(written, again, "parse, write, parse, write is not stable");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    stable::<crossborder::AuthRequest>(text);
    stable::<crossborder::AuthResponse>(text);
    stable::<crossborder::RequestEnvelope>(text);
    stable::<crossborder::ResponseEnvelope>(text);
    stable::<crossborder::Notification>(text);
    stable::<crossborder::NotificationAnswer>(text);
    stable::<V2Request<PreOrderRequest>>(text);
    stable::<V2Response<PreOrderResponse>>(text);
    stable::<V3Request<MicropayRequest>>(text);
    stable::<V3Response<MicropayResponse>>(text);
    stable::<V3Request<TradeQueryRequest>>(text);
    stable::<V3Response<TradeQueryResponse>>(text);
    stable::<V3Request<RevokeRequest>>(text);
    stable::<V3Response<RevokeResponse>>(text);
    stable::<V3Request<RefundRequest>>(text);
    stable::<V3Response<RefundResponse>>(text);
    stable::<V3Request<RefundQueryRequest>>(text);
    stable::<V3Response<RefundQueryResponse>>(text);
    stable::<V3Request<CloseRequest>>(text);
    stable::<V3Response<CloseResponse>>(text);
    stable::<LocationInfo>(text);
    stable::<AccRespFields>(text);
    stable::<AlipayBusiFields>(text);
    stable::<WechatBusiFields>(text);
    stable::<WechatDetail>(text);
    // The scalar parsers the types are made of.
    if let Ok(a) = Amount::parse(text) {
        assert_eq!(
            Amount::parse(&a.to_wire()).expect("reads back").fen(),
            a.fen()
        );
    }
    if let Ok(y) = Yuan::parse(text) {
        assert_eq!(
            Yuan::parse(&y.to_wire()).expect("reads back").fen(),
            y.fen()
        );
    }
    if let Ok(t) = lakala_types::timestamp::DateTime14::parse(text) {
        let _ = (
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
        );
    }
    if let Ok(ts) = lakala_types::timestamp::CrossBorderTs::new(text) {
        let _ = (ts.check(), ts.date_time());
    }
});
