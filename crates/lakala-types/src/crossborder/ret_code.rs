//! The gate/auth retCode table (spec section 4.1.2).

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
}
