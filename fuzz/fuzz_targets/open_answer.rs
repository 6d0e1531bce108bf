//! Open-platform answer verification: `Lklapi-*` headers and body, on both RSA backends.
//!
//! Input: a mode byte, then
//! - mode even: header lines (`Name: value`), a blank line, the body: parsed and verified as
//!   received. Both backends must agree, and nothing the fuzzer writes may verify (it does
//!   not have the platform's private key).
//! - mode odd: the body alone, genuinely signed with the platform key: it must verify on
//!   both backends, must not verify once a byte changes, and its lenient parse as every
//!   answer type must not panic.
#![no_main]

use lakala_crypto::open_platform::{LklapiHeaders, PlatformSigner, ResponseVerifier};
use lakala_fuzz::{header_pairs, keys, split_once, APPID, NOW};
use lakala_types::micropay::{
    CloseResponse, MicropayResponse, RefundQueryResponse, RefundResponse, RevokeResponse,
    TradeQueryResponse, V3Response,
};
use lakala_types::preauth::{PreOrderResponse, V2Response};
use libfuzzer_sys::fuzz_target;

fn parse_every_answer(body: &[u8]) {
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let _ = lakala_types::parse::<V3Response<MicropayResponse>>(text);
    let _ = lakala_types::parse::<V3Response<TradeQueryResponse>>(text);
    let _ = lakala_types::parse::<V3Response<RevokeResponse>>(text);
    let _ = lakala_types::parse::<V3Response<RefundResponse>>(text);
    let _ = lakala_types::parse::<V3Response<RefundQueryResponse>>(text);
    let _ = lakala_types::parse::<V3Response<CloseResponse>>(text);
    let _ = lakala_types::parse::<V2Response<PreOrderResponse>>(text);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let k = keys();
    let verifiers: Vec<ResponseVerifier> = k
        .op_platform_public
        .iter()
        .cloned()
        .map(ResponseVerifier::new)
        .collect();
    if mode % 2 == 0 {
        let (head, body) = split_once(rest, b"\n\n");
        let pairs = header_pairs(head);
        let Ok(headers) =
            LklapiHeaders::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        else {
            return;
        };
        let results: Vec<bool> = verifiers
            .iter()
            .map(|v| v.verify(&headers, body, NOW).is_ok())
            .collect();
        assert!(
            results.windows(2).all(|w| w[0] == w[1]),
            "the RSA backends disagree: {results:?}"
        );
        assert!(
            !results[0],
            "a forged answer verified: the fuzzer has no platform key"
        );
        parse_every_answer(body);
    } else {
        let body = rest;
        let signer = PlatformSigner::new(k.op_platform_cert.serial_hex(), k.op_platform.clone());
        let headers = signer
            .sign_response(APPID, body, NOW - i64::from(mode / 2), "fuzznonce")
            .expect("signing any body works");
        for v in &verifiers {
            assert!(
                v.verify(&headers, body, NOW).is_ok(),
                "a genuine answer failed"
            );
        }
        if !body.is_empty() {
            let mut changed = body.to_vec();
            let at = usize::from(mode) % changed.len();
            changed[at] ^= 0x20;
            for v in &verifiers {
                assert!(
                    v.verify(&headers, &changed, NOW).is_err(),
                    "a changed body still verified"
                );
            }
        }
        parse_every_answer(body);
    }
});
