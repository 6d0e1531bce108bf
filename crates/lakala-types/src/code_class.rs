//! What a platform code says about the request it answers: one classification for every
//! code of the three APIs, so that no caller has to guess which codes mean "failed".
//!
//! The rule behind it, shared with WeChat Pay's barcode guidance and PROTOCOL.md section 3:
//! only a refusal that is certain to have moved no money ends a payment as failed; any other
//! code is settled by asking the platform again (a trade query for payments, a new request
//! for verifications). No official list of Lakala's v3 codes is public, so a code this crate
//! does not list is [`CodeClass::Unknown`], never [`CodeClass::Refused`].
//!
//! | code | API | class | where the meaning comes from |
//! |---|---|---|---|
//! | `DCP00000` | micropay | [`Success`](CodeClass::Success) | spec 003, response example |
//! | `DCP10000` | micropay | [`Pending`](CodeClass::Pending) | spec 003, "交易处理中，需要查询" |
//! | `BBS00000` | trade query, revoke, refund | [`Success`](CodeClass::Success) (for a query: "found") | PROTOCOL.md section 2 |
//! | `BBS10000` | labs APIs | [`Pending`](CodeClass::Pending) (交易状态为支付中) | PROTOCOL.md section 3; other SDKs poll on it |
//! | `BBS11112`, `BBS11105` | refund | [`Pending`](CodeClass::Pending) (LABS退款中) | PROTOCOL.md section 3 |
//! | `000100`, `000101` | any v3 | [`Unknown`](CodeClass::Unknown) (网络请求失败 / 网络请求超时: the platform could not reach the wallet) | PROTOCOL.md section 3 |
//! | `BBS11184` | any v3 | [`Refused`](CodeClass::Refused) (merchant disabled) | PROTOCOL.md section 3, Lakala's test environment |
//! | `BBS16111` | any v3 | [`Refused`](CodeClass::Refused) (sub_mch_id / sub_appid mismatch) | PROTOCOL.md section 3, Lakala's test environment |
//! | any other v3 code (wallet declines, duplicate order numbers, system busy...) | any v3 | [`Unknown`](CodeClass::Unknown) | no public list: settle by query |
//! | `SBX00004` | trade query | [`Unknown`](CodeClass::Unknown), and the one code that says **the order does not exist** ([`V3Code::says_order_not_found`](crate::micropay::V3Code::says_order_not_found)) | `lakala-sandbox` (交易不存在). Lakala publishes no such code: its docs and SDKs (LklCBPay/javasdk, zkmio/lakala-sdk) list none, so against the real platform no query answer counts as "not found" |
//! | `000000` | v2 pre-order | [`Success`](CodeClass::Success) | spec 001 |
//! | any other v2 code | v2 pre-order | [`Unknown`](CodeClass::Unknown) | spec 001 lists no failure codes |
//! | `0000` | gate/auth | [`Success`](CodeClass::Success) | spec 000, section 4.1.2 |
//! | `9001`, `9003`, `9004`, `9005`, `9006` | gate/auth | [`Refused`](CodeClass::Refused) (a verdict on this order) | spec 000, section 4.1.2 |
//! | `9002`, `9007`, `9999` | gate/auth | [`Unknown`](CodeClass::Unknown) (internal error, "try again later", system error, also `ts重复`) | spec 000, section 4.1.2 |
//! | any other gate/auth code | gate/auth | [`Unknown`](CodeClass::Unknown) | not in the table |
//!
//! *Not found is not inconclusive.* A trade query answering anything but `BBS00000` with a
//! `trade_state` has said nothing about the order (PROTOCOL.md section 4): `000101`, `BBS10000`,
//! "system busy", a `BBS00000` without `trade_state`, a code nobody listed. Only the codes
//! [`V3Code::says_order_not_found`](crate::micropay::V3Code::says_order_not_found) accepts say
//! the order does not exist, and only they may let a client send a micropay again. When in
//! doubt a code stays out of that list.
//!
//! A [`Refused`](CodeClass::Refused) code is a definite refusal only when the answer also
//! names the order it refuses: a client must treat a refusal that names no order like an
//! [`Unknown`](CodeClass::Unknown) one (`lakala-client` does).
//!
//! ```
//! use lakala_types::micropay::V3Code;
//! use lakala_types::CodeClass;
//! assert_eq!(V3Code::from("DCP10000").class(), CodeClass::Pending);
//! assert_eq!(V3Code::from("BBS10000").class(), CodeClass::Pending);
//! assert_eq!(V3Code::from("BBS16111").class(), CodeClass::Refused);
//! // A code nobody listed is not a decline: query before saying anything.
//! assert_eq!(V3Code::from("SBX20001").class(), CodeClass::Unknown);
//! // A query that timed out has not said the order does not exist.
//! assert!(!V3Code::from("000101").says_order_not_found());
//! assert!(!V3Code::from("BBS10000").says_order_not_found());
//! assert!(V3Code::from("SBX00004").says_order_not_found());
//! ```

/// What a code says happened to the request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeClass {
    /// The request did what it asked (for a trade query: the order was found, and its
    /// `trade_state` tells the payment's outcome).
    Success,
    /// Accepted and still in progress: query again until a final state.
    Pending,
    /// A definite refusal: the platform did not act on the request and no money moved. Only
    /// conclusive when the answer names the request's own order.
    Refused,
    /// Not known: the request may or may not have been acted on (transport-level codes,
    /// duplicate order numbers, codes no one has listed). Never report a payment failed on
    /// this alone: settle it by querying.
    Unknown,
}

impl CodeClass {
    /// A stable snake_case word for the class.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeClass::Success => "success",
            CodeClass::Pending => "pending",
            CodeClass::Refused => "refused",
            CodeClass::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for CodeClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
