//! The gate/auth retCode table (spec section 4.1.2).

use crate::code_class::CodeClass;

wire_enum! {
    /// `retCode`: the spec's table; codes it does not list are kept in `Other`.
    #[non_exhaustive]
    pub enum RetCode {
        /// 0000: verified (认证成功).
        Success = "0000",
        /// 9001: failed, the details do not match (信息不符).
        InfoMismatch = "9001",
        /// 9002: failed, internal system error (内部系统异常).
        InternalError = "9002",
        /// 9003: failed, the request does not match the existing order (与已存在订单信息不符).
        OrderMismatch = "9003",
        /// 9004: duplicate order (认证订单重复).
        DuplicateOrder = "9004",
        /// 9005: order expired (认证订单失效).
        OrderExpired = "9005",
        /// 9006: the merchant has no such verification type configured (商户未配置该认证类型).
        TypeNotConfigured = "9006",
        /// 9007: repeated queries disagree, try again later (多次查询不一致，稍后再试).
        Inconsistent = "9007",
        /// 9999: system error (系统异常).
        SystemError = "9999",
    }
}

impl RetCode {
    /// Whether this is `0000`.
    pub fn is_success(&self) -> bool {
        matches!(self, RetCode::Success)
    }

    /// What the code says about the verification (table in [`crate::code_class`]):
    /// `9002`, `9007`, `9999` and unlisted codes decided nothing ([`CodeClass::Unknown`]:
    /// send the request again later, with a new `ts`); the other codes of the table are
    /// verdicts on the order ([`CodeClass::Refused`]).
    pub fn class(&self) -> CodeClass {
        match self {
            RetCode::Success => CodeClass::Success,
            RetCode::InfoMismatch
            | RetCode::OrderMismatch
            | RetCode::DuplicateOrder
            | RetCode::OrderExpired
            | RetCode::TypeNotConfigured => CodeClass::Refused,
            RetCode::InternalError
            | RetCode::Inconsistent
            | RetCode::SystemError
            | RetCode::Other(_) => CodeClass::Unknown,
        }
    }

    /// Whether nothing was decided and the same verification may be asked again later
    /// (`9002`, `9007`, `9999` — the platform's `ts重复` is a `9999` — and unlisted codes).
    pub fn is_transient(&self) -> bool {
        self.class() == CodeClass::Unknown
    }
}
