//! The sandbox's deterministic behaviour, like a card network's test cards: which inputs
//! give which answers. The crate docs hold the full table; here are the rules as code and
//! ready-made test values.

/// The gate/auth codes of spec 000 section 4.1.2 and their messages.
pub const AUTH_CODES: [(&str, &str); 9] = [
    ("0000", "认证成功"),
    ("9001", "认证失败-信息不符"),
    ("9002", "认证失败-内部系统异常"),
    ("9003", "认证失败-请求信息与已存在订单信息不符"),
    ("9004", "认证订单重复"),
    ("9005", "认证订单失效"),
    ("9006", "商户未配置该认证类型"),
    ("9007", "多次查询不一致，稍后再试"),
    ("9999", "系统异常"),
];

/// The message of a gate/auth code (`系统异常` for codes not in the table).
pub fn auth_message(code: &str) -> &'static str {
    AUTH_CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| *m)
        .unwrap_or("系统异常")
}

/// The verdict on a first-seen, well-formed gate/auth request (duplicate and conflicting
/// `orderNo`s are decided before this, from the sandbox's state):
///
/// 1. `certNo` ending in a code of the table other than `0000` (`9001`, `9002`, `9003`,
///    `9004`, `9005`, `9006`, `9007`, `9999`) gets that code;
/// 2. bizType `01`/`02` with `bankCardNo` ending `9001`, or bizType `02` with `bankMobile`
///    ending `9001`, gets `9001` (the card or phone does not match the holder);
/// 3. everything else verifies: `0000`.
///
/// ```
/// use lakala_sandbox::behaviour::{auth_verdict, cert_numbers};
/// assert_eq!(auth_verdict("00", cert_numbers::VERIFIED, None, None), "0000");
/// assert_eq!(auth_verdict("00", cert_numbers::MISMATCH_9001, None, None), "9001");
/// assert_eq!(auth_verdict("01", cert_numbers::VERIFIED, Some("6222020000009001"), None), "9001");
/// ```
pub fn auth_verdict(
    biz_type: &str,
    cert_no: &str,
    bank_card_no: Option<&str>,
    bank_mobile: Option<&str>,
) -> &'static str {
    for (code, _) in AUTH_CODES.iter().skip(1) {
        if cert_no.ends_with(code) {
            return code;
        }
    }
    let ends_9001 = |v: Option<&str>| v.is_some_and(|v| v.ends_with("9001"));
    if matches!(biz_type, "01" | "02") && ends_9001(bank_card_no) {
        return "9001";
    }
    if biz_type == "02" && ends_9001(bank_mobile) {
        return "9001";
    }
    "0000"
}

/// Ready-made `certNo` values (18-character identity numbers) for gate/auth.
pub mod cert_numbers {
    /// Verifies (`0000`); so does any number not ending in a listed code.
    pub const VERIFIED: &str = "110101199003072316";
    /// `9001` information mismatch.
    pub const MISMATCH_9001: &str = "110101199003079001";
    /// `9002` internal system error (transient: the orderNo is not remembered).
    pub const INTERNAL_ERROR_9002: &str = "110101199003079002";
    /// `9005` order expired.
    pub const EXPIRED_9005: &str = "110101199003079005";
    /// `9006` verification type not configured for the merchant.
    pub const NOT_CONFIGURED_9006: &str = "110101199003079006";
    /// `9007` inconsistent results, retry later (transient).
    pub const INCONSISTENT_9007: &str = "110101199003079007";
    /// `9999` system error (transient).
    pub const SYSTEM_ERROR_9999: &str = "110101199003079999";
}

/// Whether a gate/auth code is transient: its `orderNo` is not remembered, so the same
/// request may be sent again (and gets the same verdict).
pub fn auth_code_is_transient(code: &str) -> bool {
    matches!(code, "9002" | "9007" | "9999")
}

/// What a micropay does, chosen by its `auth_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MicropayScenario {
    /// `DCP00000` at once; trade state `SUCCESS`.
    Succeed,
    /// `DCP10000`, `need_query` `1`; trade state `DEAL` until the pending delay has passed
    /// on the sandbox clock, then `SUCCESS` (and the notification is sent).
    PendingThenSucceed,
    /// As above, then `FAIL` (the payer cancelled).
    PendingThenFail,
    /// `DCP10000`; trade state `DEAL` until the order is revoked.
    PendingUntilRevoked,
    /// `BBS10000` 交易状态为支付中 ("paying", the labs APIs' in-progress code) with no
    /// `resp_data`; trade state `DEAL` until the pending delay, then `SUCCESS`.
    PayingThenSucceed,
    /// `DCP10000`; trade state `DEAL` until the pending delay, then `CLOSE` (closed unpaid).
    PendingThenClose,
    /// `DCP10000`; trade state `DEAL` until the first revoke, which answers an unlisted code
    /// ([`codes::INCONCLUSIVE`], no `resp_data`) **without executing**, while the payer's
    /// payment lands: the trade query says `SUCCESS` from then on (and a `notify_url` is
    /// notified). A later revoke of the order executes like any other: the paid order is
    /// revoked, its money given back, trade state `REFUND` (issue 19, scenario 1).
    PendingRevokeInconclusive,
    /// Charged at once (trade state `SUCCESS`), but the `DCP00000` answer is held back for
    /// [`crate::SandboxConfig::slow_answer_delay`] (so a client's request times out); the
    /// order's first trade query answers `000101` 网络请求超时 without `resp_data`, later ones
    /// `SUCCESS` (issue 19, scenario 2).
    SlowAnswerThenQueryTimeout,
    /// A definite refusal naming the order: `BBS16111` with `resp_data.out_trade_no`;
    /// trade state `FAIL`.
    NamedRefusal,
    /// Declined at once with a wallet error; trade state `FAIL`.
    WalletError {
        /// The answer's `code`.
        code: &'static str,
        /// The answer's `msg`.
        msg: &'static str,
    },
}

/// The scenario of an `auth_code`, by its last four digits:
///
/// | ends with | scenario |
/// |---|---|
/// | `1001` | [`MicropayScenario::PendingThenSucceed`] |
/// | `1002` | [`MicropayScenario::PendingThenFail`] |
/// | `1003` | [`MicropayScenario::PendingUntilRevoked`] |
/// | `1004` | [`MicropayScenario::PayingThenSucceed`] (`BBS10000`) |
/// | `1005` | [`MicropayScenario::PendingThenClose`] |
/// | `1006` | [`MicropayScenario::PendingRevokeInconclusive`] |
/// | `1007` | [`MicropayScenario::SlowAnswerThenQueryTimeout`] |
/// | `2001` | wallet error `SBX20001` 余额不足 (insufficient balance), code only |
/// | `2002` | wallet error `SBX20002` 付款码已失效 (expired payment code), code only |
/// | `2003` | [`MicropayScenario::NamedRefusal`] (`BBS16111`) |
/// | anything else (digits only) | [`MicropayScenario::Succeed`] |
/// | not all digits | wallet error `SBX20003` 付款码无效 (invalid payment code) |
pub fn micropay_scenario(auth_code: &str) -> MicropayScenario {
    if auth_code.is_empty() || !auth_code.bytes().all(|b| b.is_ascii_digit()) {
        return MicropayScenario::WalletError {
            code: "SBX20003",
            msg: "付款码无效",
        };
    }
    let suffix = &auth_code[auth_code.len().saturating_sub(4)..];
    match suffix {
        "1001" => MicropayScenario::PendingThenSucceed,
        "1002" => MicropayScenario::PendingThenFail,
        "1003" => MicropayScenario::PendingUntilRevoked,
        "1004" => MicropayScenario::PayingThenSucceed,
        "1005" => MicropayScenario::PendingThenClose,
        "1006" => MicropayScenario::PendingRevokeInconclusive,
        "1007" => MicropayScenario::SlowAnswerThenQueryTimeout,
        "2003" => MicropayScenario::NamedRefusal,
        "2001" => MicropayScenario::WalletError {
            code: "SBX20001",
            msg: "余额不足",
        },
        "2002" => MicropayScenario::WalletError {
            code: "SBX20002",
            msg: "付款码已失效",
        },
        _ => MicropayScenario::Succeed,
    }
}

/// What a refund does, chosen by its `refund_amount`. The same for a refund by the origin
/// order (`/api/v3/labs/relation/refund`) and by the merchant's order
/// (`/api/v3/labs/relation/idmrefund`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundScenario {
    /// `BBS00000` with `trade_state` `SUCCESS`: refunded at once.
    Immediate,
    /// `BBS00000` 退款受理成功 with `trade_state` `DEAL`; the refund query says `DEAL` for
    /// as long as [`crate::SandboxConfig::deal_refunds`] says (forever by default), then
    /// `SUCCESS` (issue 19, scenario 3).
    Deal,
    /// `BBS00000` 退款受理成功 with `trade_state` `DEAL`, then `SUCCESS` once
    /// [`crate::SandboxConfig::pending_delay`] has passed on the sandbox clock (or earlier,
    /// after the refund queries [`crate::SandboxConfig::deal_refunds`] allows): a refund in
    /// progress that finishes by itself.
    DealThenDone,
}

/// The scenario of a refund, by its amount in fen: amounts whose last two digits are `77`
/// (`77`, `177`, `1077` fen: x.77 yuan) are [`RefundScenario::Deal`], `78` (`78`, `178`,
/// ...) [`RefundScenario::DealThenDone`], all others [`RefundScenario::Immediate`].
pub fn refund_scenario(refund_amount_fen: u64) -> RefundScenario {
    match refund_amount_fen % 100 {
        77 => RefundScenario::Deal,
        78 => RefundScenario::DealThenDone,
        _ => RefundScenario::Immediate,
    }
}

/// Ready-made refund amounts (fen).
pub mod refund_amounts {
    /// Refunded at once.
    pub const IMMEDIATE: u64 = 100;
    /// Answered `DEAL`, stays `DEAL` on the refund query (see
    /// [`super::RefundScenario::Deal`]).
    pub const DEAL: u64 = 77;
    /// Answered `DEAL`, `SUCCESS` after the pending delay (see
    /// [`super::RefundScenario::DealThenDone`]).
    pub const DEAL_THEN_DONE: u64 = 78;
}

/// What the payer of a labs pre-order (`/api/v3/labs/trans/preorder`: a QR code, a
/// WeChat JSAPI or mini-program payment) does, chosen by its `total_amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreorderScenario {
    /// The payer pays once [`crate::SandboxConfig::pending_delay`] has passed on the
    /// sandbox clock: trade state `CREATE`, then `SUCCESS` (notified to `notify_url`).
    PaidAfterDelay,
    /// The payer never pays: `CREATE` until the order expires (`acc_busi_fields`
    /// `timeout_express` minutes after it was made, else
    /// [`crate::SandboxConfig::preorder_expiry`]), then `CLOSE` (notified), unless it is
    /// closed before; a WeChat order stays `CREATE`, unpayable, until it is closed.
    NeverPaid,
    /// The payer's payment fails after the pending delay: `CREATE`, then `FAIL`
    /// (notified).
    FailsAfterDelay,
}

/// The scenario of a labs pre-order, by its amount in fen: amounts whose last two digits
/// are `44` (`44`, `144`, ...: x.44 yuan) are [`PreorderScenario::NeverPaid`], `45`
/// [`PreorderScenario::FailsAfterDelay`], all others [`PreorderScenario::PaidAfterDelay`].
///
/// ```
/// use lakala_sandbox::behaviour::{preorder_scenario, PreorderScenario};
/// assert_eq!(preorder_scenario(100), PreorderScenario::PaidAfterDelay);
/// assert_eq!(preorder_scenario(144), PreorderScenario::NeverPaid);
/// assert_eq!(preorder_scenario(45), PreorderScenario::FailsAfterDelay);
/// ```
pub fn preorder_scenario(total_amount_fen: u64) -> PreorderScenario {
    match total_amount_fen % 100 {
        44 => PreorderScenario::NeverPaid,
        45 => PreorderScenario::FailsAfterDelay,
        _ => PreorderScenario::PaidAfterDelay,
    }
}

/// Ready-made labs pre-order amounts (fen).
pub mod preorder_amounts {
    /// Paid after the pending delay.
    pub const PAID: u64 = 100;
    /// Never paid: expires (`CLOSE`) unless closed first.
    pub const NEVER_PAID: u64 = 144;
    /// The payment fails after the pending delay.
    pub const FAILS: u64 = 145;
}

/// The wallet (`account_type`) of an `auth_code`, by its first two digits: `10`–`15`
/// WECHAT, `62` UQRCODEPAY, anything else ALIPAY.
pub fn wallet_of(auth_code: &str) -> &'static str {
    match auth_code.get(..2) {
        Some("10" | "11" | "12" | "13" | "14" | "15") => "WECHAT",
        Some("62") => "UQRCODEPAY",
        _ => "ALIPAY",
    }
}

/// Ready-made `auth_code` values for micropay (18 digits).
pub mod auth_codes {
    /// Alipay, succeeds at once (the spec's own example code).
    pub const SUCCEED: &str = "288576824003652810";
    /// WeChat, succeeds at once.
    pub const SUCCEED_WECHAT: &str = "134567890123456780";
    /// Pending, then succeeds after the pending delay.
    pub const PENDING_THEN_SUCCEED: &str = "288500000000001001";
    /// Pending, then fails after the pending delay.
    pub const PENDING_THEN_FAIL: &str = "288500000000001002";
    /// Pending until revoked.
    pub const PENDING_UNTIL_REVOKED: &str = "288500000000001003";
    /// `BBS10000` (paying), then succeeds after the pending delay.
    pub const PAYING_THEN_SUCCEED: &str = "288500000000001004";
    /// Pending, then closed unpaid (`CLOSE`) after the pending delay.
    pub const PENDING_THEN_CLOSE: &str = "288500000000001005";
    /// Pending until the first revoke, which is inconclusive while the payment lands.
    pub const PENDING_REVOKE_INCONCLUSIVE: &str = "288500000000001006";
    /// Charged at once, answered late; the first trade query answers `000101`.
    pub const SLOW_ANSWER_THEN_QUERY_TIMEOUT: &str = "288500000000001007";
    /// Refused at once with `BBS16111`, naming the order.
    pub const NAMED_REFUSAL: &str = "288500000000002003";
    /// Declined at once: insufficient balance (`SBX20001`).
    pub const INSUFFICIENT_BALANCE: &str = "288500000000002001";
    /// Declined at once: expired payment code (`SBX20002`).
    pub const EXPIRED_CODE: &str = "288500000000002002";
}

/// A merchant number for examples (any non-empty `merchant_no` is accepted).
pub const MERCHANT_NO: &str = "822290059430001";
/// A terminal number for examples (any non-empty `term_no` is accepted).
pub const TERM_NO: &str = "SBX00001";

/// The sandbox's own result codes (the real platform's are not in the specs). Success and
/// pending codes are the platform's: `DCP00000`, `DCP10000`, `BBS00000`, `000000`.
pub mod codes {
    /// Malformed request or a field breaking the spec's rules (`msg` names them).
    pub const INVALID_REQUEST: &str = "SBX00001";
    /// The order number was used before: a micropay, revoke or refund repeating an
    /// `out_trade_no` gets this code, without `resp_data`, while the first order stands
    /// unchanged (the real platform answers a repeated number with a duplicate-order code
    /// that says nothing of the first order's outcome).
    pub const DUPLICATE_ORDER: &str = "SBX00002";
    /// v2 pre-order: the spec does not support this `transType` / `accountType` (a labs
    /// pre-order's unserved combination is a rule violation, [`INVALID_REQUEST`]).
    pub const UNSUPPORTED_COMBINATION: &str = "SBX00003";
    /// Trade query, revoke, refund, refund query, close: no such order (or refund) for this
    /// merchant.
    pub const ORDER_NOT_FOUND: &str = "SBX00004";
    /// Refund: more than what is left to refund.
    pub const REFUND_EXCEEDS: &str = "SBX00005";
    /// Revoke: the order failed or is already revoked.
    pub const CANNOT_REVOKE: &str = "SBX00006";
    /// Refund: the order is not paid (pending, failed, revoked, or a pre-order).
    pub const CANNOT_REFUND: &str = "SBX00007";
    /// Close: the order is paid (revoke or refund it instead), failed or revoked.
    pub const CANNOT_CLOSE: &str = "SBX00008";
    /// An `*_encry` route's body is not the base64 of SM4/ECB/PKCS5Padding ciphertext under
    /// the sandbox's SM4 key (another key, a plain JSON body, a tampered body). Nothing was
    /// done; the answer is sealed like every answer there.
    pub const CANNOT_DECRYPT: &str = "SBX00010";
    /// An unlisted "system busy" code that says nothing about whether the request ran (the
    /// first revoke of [`super::MicropayScenario::PendingRevokeInconclusive`]; it did not).
    pub const INCONCLUSIVE: &str = "SBX29001";
    /// HTTP 401: `Authorization` missing or malformed.
    pub const AUTH_MALFORMED: &str = "SBX40101";
    /// HTTP 401: unknown appid.
    pub const AUTH_UNKNOWN_APPID: &str = "SBX40102";
    /// HTTP 401: unknown serial_no.
    pub const AUTH_UNKNOWN_SERIAL: &str = "SBX40103";
    /// HTTP 401: the signature does not verify with the merchant certificate.
    pub const AUTH_BAD_SIGNATURE: &str = "SBX40104";
    /// HTTP 401: the timestamp is outside the window.
    pub const AUTH_STALE: &str = "SBX40105";
    /// HTTP 401: this timestamp and nonce were seen before (a replay).
    pub const AUTH_REPLAY: &str = "SBX40106";
    /// HTTP 404: no such API.
    pub const NOT_FOUND: &str = "SBX40400";
    /// HTTP 405: not POST.
    pub const METHOD_NOT_ALLOWED: &str = "SBX40500";
    /// HTTP 408: the request was not read in time.
    pub const READ_TIMEOUT: &str = "SBX40800";
    /// HTTP 413: the body is larger than allowed.
    pub const TOO_LARGE: &str = "SBX41300";
    /// HTTP 415: the `Content-Type` is not JSON in UTF-8 (`application/json`, with no
    /// charset or `charset=utf-8`): the body is not read as a request at all.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "SBX41500";
}
