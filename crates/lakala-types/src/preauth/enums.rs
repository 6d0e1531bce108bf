//! The listed values of the pre-order tables.

use crate::code_class::CodeClass;

wire_enum! {
    /// `transType`: how the payer pays.
    #[non_exhaustive]
    pub enum TransType {
        /// 41: NATIVE, the payer scans a QR code.
        Native = "41",
        /// 51: JSAPI (WeChat official account, Alipay service window, UnionPay JS, ...).
        Jsapi = "51",
        /// 61: WeChat app payment.
        App = "61",
        /// 71: WeChat mini-program payment.
        MiniProgram = "71",
        /// 81: Alipay H5; listed only among the response's cases.
        AlipayH5 = "81",
    }
}

wire_enum! {
    /// `settleType`.
    #[non_exhaustive]
    pub enum SettleType {
        /// "0" (or empty): regular settlement.
        Regular = "0",
        /// "1": deferred settlement (暂缓结算).
        Deferred = "1",
    }
}

wire_enum! {
    /// `expiredStrategy`: what happens to an expired guarantee.
    #[non_exhaustive]
    pub enum ExpiredStrategy {
        /// CANCEL: revoke.
        Cancel = "CANCEL",
        /// COMPLETE: complete (the default).
        Complete = "COMPLETE",
    }
}

wire_enum! {
    /// The v2 envelope's `retCode`; only success is listed, other codes are kept.
    #[non_exhaustive]
    pub enum V2RetCode {
        /// 000000: success (交易成功).
        Success = "000000",
    }
}

impl V2RetCode {
    /// Whether this is `000000`.
    pub fn is_success(&self) -> bool {
        matches!(self, V2RetCode::Success)
    }

    /// What the code says (table in [`crate::code_class`]): `000000` is
    /// [`CodeClass::Success`]; spec 001 lists no failure codes, so every other code is
    /// [`CodeClass::Unknown`]. A pre-order moves no money by itself: an order that was
    /// created but whose answer was not a success is never shown to a payer.
    pub fn class(&self) -> CodeClass {
        if self.is_success() {
            CodeClass::Success
        } else {
            CodeClass::Unknown
        }
    }
}
