//! Validated request, response and notification types for the Lakala (拉卡拉) payment
//! platform, in the platform's own field names on the wire.
//!
//! | module | API | wire names |
//! |---|---|---|
//! | [`crossborder`] | cross-border gateway `/gate/auth` 3.0.0 (spec `000_*`) | camelCase |
//! | [`preauth`] | open platform v2 preAuth pre-order (spec `001_*`) | camelCase |
//! | [`micropay`] | open platform v3 micropay (spec `003_*`) and its companion calls | snake_case |
//! | [`labs`] | open platform v3 labs pre-order, labs micropay, idmrefund, `*_encry` routes (no spec: `labs/SOURCES.md`) | snake_case |
//!
//! Shared pieces: [`Amount`] / [`Yuan`] (integer fen, never floats), the timestamps in
//! [`timestamp`], [`JsonString`] for "a String holding JSON", [`Personal`] for data masked in
//! `Debug`, and the one rule mechanism: [`rules::FieldRule`] applied by each type's
//! [`Validate`] impl. This crate does no cryptography and no I/O and depends on no other
//! lakala crate.
//!
//! # Example
//!
//! ```
//! use lakala_types::micropay::{LocationInfo, MicropayRequest, MicropayResponse, V3Request, V3Response};
//! use lakala_types::timestamp::DateTime14;
//! use lakala_types::{parse, Amount, Validate};
//!
//! // Requests are built through validating builders: invalid data cannot be built.
//! let location = LocationInfo::builder()
//!     .request_ip("127.0.0.1")
//!     .location("+37.123456789,-121.123456789")
//!     .build()?;
//! let pay = MicropayRequest::builder()
//!     .merchant_no("822290300000001")
//!     .term_no("A0000001")
//!     .out_trade_no("TEST202202280003")
//!     .auth_code("288576824003652810")
//!     .total_amount(Amount::from_fen(101)?)
//!     .location_info(location)
//!     .subject("测试")
//!     .build()?;
//! let request = V3Request::new(DateTime14::parse("20220215152401")?, pay)?;
//! let body = serde_json::to_string(&request)?;
//! assert!(body.contains(r#""total_amount":"101""#));
//! // Personal data never shows in Debug output.
//! assert!(!format!("{request:?}").contains("288576824003652810"));
//!
//! // Answers are parsed leniently; every violation of the spec's rules is reported.
//! let answer = r#"{"code":"DCP10000","msg":"支付中","resp_time":"20220228111212",
//!     "resp_data":{"need_query":"1","out_trade_no":"TEST202202280003"}}"#;
//! let parsed = parse::<V3Response<MicropayResponse>>(answer)?;
//! assert!(parsed.value.code().is_some_and(|c| c.is_pending()));
//! assert!(parsed.violations.iter().any(|v| v.field == "resp_data.trade_no"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Strictness
//!
//! * **Building** (`Type::builder()…build()`, `V2Request::new`, `V3Request::new`,
//!   `Amount::from_fen`, `CrossBorderTs::new`, ...) checks every rule and returns all
//!   violations at once as [`ValidationErrors`]; fields are private, so a value obtained
//!   this way always passes [`Validate::validate`].
//! * **Parsing** (`serde_json::from_str`, [`parse`]) is lenient, because the platform sends
//!   what its own spec forbids (the spec's merchant-answer example has an 18-digit `ts` and
//!   no `reqType`): every field may be absent, `null` is the same as absent, unlisted enum
//!   values are kept (`Other(..)`), and **unknown fields are kept** in each type's `extra()`
//!   map and written back, so nothing is silently dropped. [`parse`] returns the value with
//!   every violation (wire path + rule); [`parse_strict`] refuses anything with one.
//!   Only what the typed field cannot hold at all is a parse error (serde reports the
//!   first): a JSON type mismatch, an amount that is not a digit string, a
//!   `yyyyMMddHHmmss` that is no date. The cross-border `ts` is kept as text for that reason.
//!   The per-`transType` payment structs of [`preauth::PaymentData`] read only their own
//!   fields; the rest stays in [`preauth::PreOrderResponse::extra`].
//! * **Writing** uses the table names (the spec-001 example names and `acc_settel_amount`
//!   are read as aliases only), omits absent fields (so a parsed `null` is not written
//!   back), and writes amounts, `timestamp`s and JSON-string fields in the form they were
//!   given or parsed in.
//!
//! # Where this crate departs from the letter of the specs
//!
//! | field(s) | the spec says | this crate | why |
//! |---|---|---|---|
//! | cross-border `orderNo` | AN50 (fixed) | AN..50 | order numbers vary in length |
//! | cross-border `certNo` | AN20 (fixed) | AN..20 | an ID card number has 18 characters |
//! | cross-border `bankCardNo` | N20 (fixed) | N..20 | card numbers have 16 to 19 digits |
//! | cross-border `bankMobile` | N15 (fixed) | N..15 | a mainland mobile number has 11 digits |
//! | cross-border `name` | A10 (fixed, letters) | at most 10 letters of any script, `·`, `.`, `-`, space | it is a person's name, usually Chinese (蒋志飞) |
//! | cross-border `ver` | N3 | exactly `3.0.0` | the spec's own value has dots and 5 characters |
//! | class `U` (`retMsg`) | Chinese characters | any text without control characters | messages mix Chinese, digits and punctuation |
//! | cross-border `reqType` | no table | AN..16 | the example sends `B0005` |
//! | cross-border `encKey`, `encData`, `mac` | no table | hexadecimal, any length | PROTOCOL.md |
//! | notification answer `reqType` | missing from the example | required | PROTOCOL.md: the answer's mac covers it |
//! | response / answer `encData` | always present in the examples | optional | failures may come without it (PROTOCOL.md) |
//! | v2 `accountType` `LKLACC`, `transType` `81` | not in the request table | listed values | the response section lists them |
//! | v2 `settleType` | "0" or empty | empty accepted | the spec's own remark |
//! | v2 `reqId` | no table | 32 hex characters | PROTOCOL.md |
//! | v2 `retCode` / v3 `code`; v2 `retMsg` / v3 `msg` | no table | ANS..32; String(256) | assumed, generous |
//! | v2 `respData`, v3 `resp_data` | — | required only on success (and v3 pending) | failures send `null` or nothing |
//! | v2 `preOrderValidTime`, v3 `timeout_express` | String(2) | N..2 | they are minutes |
//! | v3 `extendParams.hbFqNum`, `hbFqSellerPercent` | M | both or neither; 3/6/12 and 100/0 | "required for Huabei installments" inside an optional object |
//! | v3 `request_ip` | String(64) | also an IPv4/IPv6 address | "格式如36.45.36.95" |
//! | v3 `location` | String(32) | also `±lat,±lon`, ≤ 9 decimals, ±90 / ±180 | the spec's description |
//! | v3 WeChat `goods_id` | String(32) | also letters, digits, `-`, `_` | the spec's description |
//! | v3 WeChat `detail.goods_detail` | String(1024) | a JSON array inside `detail` | "使用 Json 数组格式提交" |
//! | v3 `need_query` | String(32) | `0` or `1` | the values the spec lists |
//! | v3 `acc_settel_amount` | this spelling | read both, write `acc_settle_amount` | the examples (and the platform) spell it so |
//! | v3 `settle_channel_type`, `account_type` in answers | listed values | any String(16) accepted | new wallets appear before specs do |
//! | v3 trade query, revoke, refund | no spec | PROTOCOL.md's fields, String(32) ids | see [`micropay`] |
//! | v3 refund query, close | no spec | Lakala's public SDKs' fields, String(32) ids | `micropay/SOURCES.md` |
//! | v3 labs pre-order, labs micropay, idmrefund | no spec | Lakala's public SDK's fields | `labs/SOURCES.md` |
//! | amounts | String(12) | ≤ 12 significant digits; leading zeros kept as sent | spec 001's examples zero-pad to 12 |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;

pub mod code_class;
pub mod crossborder;
mod error;
pub mod json_string;
pub mod labs;
pub mod mask;
pub mod micropay;
pub mod money;
pub mod preauth;
pub mod rules;
pub mod timestamp;
pub mod validation;
mod wallet;

pub use code_class::CodeClass;
pub use error::{parse, parse_strict, ParseError, Parsed};
pub use json_string::JsonString;
pub use mask::Personal;
pub use money::{Amount, Yuan};
pub use validation::{Validate, ValidationErrors, Violation};
