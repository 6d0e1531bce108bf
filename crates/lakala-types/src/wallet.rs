//! The wallet a payer pays with (`accountType`, v3's `account_type` and
//! `settle_channel_type`): one list shared by the pre-order ([`crate::preauth`]), micropay
//! ([`crate::micropay`]) and labs ([`crate::labs`]) messages; the first two re-export it.

wire_enum! {
    /// `accountType` (the examples' `payMode`): the wallet.
    #[non_exhaustive]
    pub enum AccountType {
        /// WECHAT: WeChat Pay.
        Wechat = "WECHAT",
        /// ALIPAY: Alipay.
        Alipay = "ALIPAY",
        /// UQRCODEPAY: UnionPay QR.
        UnionPay = "UQRCODEPAY",
        /// BESTPAY: 翼支付.
        BestPay = "BESTPAY",
        /// SUNING: 苏宁易付宝.
        Suning = "SUNING",
        /// DCPAY: digital currency (数字货币).
        DcPay = "DCPAY",
        /// LKLACC: Lakala account; listed only among the response's `payMode` cases.
        LklAcc = "LKLACC",
    }
}
