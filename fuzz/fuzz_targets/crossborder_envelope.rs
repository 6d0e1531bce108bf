//! Cross-border envelope opening, both directions, on both RSA backends: the merchant
//! opening the platform's answer (`Merchant::open_response`) and the platform (the sandbox)
//! opening a merchant's request (`Platform::open_request`).
//!
//! Input: a mode byte, then
//! - mode % 3 == 0: raw JSON, read as an answer envelope and as a request envelope. Nothing
//!   the fuzzer writes may open (it has neither private key).
//! - mode % 3 == 1: an answer envelope with fuzzed `retCode`, `retMsg`, `ts` and `encData`
//!   and a valid platform MAC: opening must not panic, and both backends must agree.
//! - mode % 3 == 2: a request envelope with fuzzed `ts`, `encKey` and `encData` and a valid
//!   merchant MAC (the MAC is checked first, so the decryption below it sees
//!   attacker-chosen input from a MAC holder): both backends must agree.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use lakala_crypto::crossborder::{Merchant, Platform, RequestEnvelope, ResponseEnvelope};
use lakala_crypto::rand::rngs::StdRng;
use lakala_crypto::rand::SeedableRng;
use lakala_crypto::SecKey;
use lakala_fuzz::{keys, MER_ID};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Fields {
    ret_code: String,
    ret_msg: String,
    ts: String,
    enc_key: String,
    enc_data: Option<String>,
    /// Make `encData` upper-case hex of these bytes instead (reaches the AES layer).
    enc_data_bytes: Option<Vec<u8>>,
    seed: u64,
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn sec_key(seed: u64) -> SecKey {
    SecKey::generate(&mut StdRng::seed_from_u64(seed))
}

fn merchants() -> Vec<Merchant> {
    let k = keys();
    k.cb_merchant_all
        .iter()
        .map(|key| Merchant::new(MER_ID, key.clone(), k.cb_platform.public_key()))
        .collect()
}

fn platforms() -> Vec<Platform> {
    let k = keys();
    k.cb_platform_all
        .iter()
        .map(|key| Platform::new(key.clone(), k.cb_merchant.public_key()))
        .collect()
}

fn agree<T: PartialEq + std::fmt::Debug>(results: &[Option<T>]) {
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "the RSA backends disagree: {results:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(answer) = serde_json::from_slice::<ResponseEnvelope>(rest) {
                for m in merchants() {
                    assert!(
                        m.open_response(&answer, &sec_key(0)).is_err(),
                        "a forged answer opened"
                    );
                }
            }
            if let Ok(request) = serde_json::from_slice::<RequestEnvelope>(rest) {
                for p in platforms() {
                    assert!(p.open_request(&request).is_err(), "a forged request opened");
                }
            }
        }
        1 => {
            let Ok(f) = Fields::arbitrary(&mut Unstructured::new(rest)) else {
                return;
            };
            let mut answer = ResponseEnvelope {
                ret_code: f.ret_code,
                ret_msg: f.ret_msg,
                mer_id: MER_ID.to_owned(),
                ver: "3.0.0".to_owned(),
                ts: f.ts,
                enc_data: f.enc_data_bytes.as_deref().map(hex_upper).or(f.enc_data),
                mac: None,
            };
            let Ok(mac) = answer.mac_input().sign(&keys().cb_platform) else {
                return;
            };
            answer.mac = Some(mac);
            let key = sec_key(f.seed);
            let results: Vec<Option<Option<String>>> = merchants()
                .iter()
                .map(|m| {
                    m.open_response(&answer, &key)
                        .ok()
                        .map(|o| o.biz.map(|b| b.as_str().to_owned()))
                })
                .collect();
            assert!(
                results[0].is_some() || answer.enc_data.as_deref().is_some_and(|d| !d.is_empty()),
                "a MAC'd answer without encData must open"
            );
            agree(&results);
        }
        _ => {
            let Ok(f) = Fields::arbitrary(&mut Unstructured::new(rest)) else {
                return;
            };
            let mut request = RequestEnvelope {
                mer_id: MER_ID.to_owned(),
                ver: "3.0.0".to_owned(),
                ts: f.ts,
                enc_key: f.enc_key,
                enc_data: f
                    .enc_data_bytes
                    .as_deref()
                    .map(hex_upper)
                    .or(f.enc_data)
                    .unwrap_or_default(),
                mac: String::new(),
            };
            let Ok(mac) = request.mac_input().sign(&keys().cb_merchant) else {
                return;
            };
            request.mac = mac;
            let results: Vec<Option<String>> = platforms()
                .iter()
                .map(|p| {
                    p.open_request(&request)
                        .ok()
                        .map(|o| o.biz.as_str().to_owned())
                })
                .collect();
            agree(&results);
        }
    }
});
