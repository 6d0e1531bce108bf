//! Which pre-order a merchant asks for: the wallet (`account_type`) × the way the payer pays
//! (`trans_type`), as one closed list.

use crate::preauth::TransType;
use crate::wallet::AccountType;

/// The combinations of `account_type` × `trans_type` this crate models for the labs
/// pre-order (聚合主扫), each with its own `acc_busi_fields` rules and its own answer.
///
/// WeChat has no NATIVE (41) on this route (Lakala's SDK lists 41 for Alipay and UnionPay
/// only); BESTPAY, SUNING, LKLACC, NUCSPAY and the app (61) / Alipay H5 (81) ways are not
/// modelled (see `SOURCES.md`): a parsed request naming one of them has no kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreorderKind {
    /// WECHAT × 51: WeChat JSAPI (official account page); answers pay-sign fields.
    WechatJsapi,
    /// WECHAT × 71: WeChat mini-program; answers pay-sign fields.
    WechatMiniProgram,
    /// ALIPAY × 41: NATIVE; answers a QR code.
    AlipayNative,
    /// ALIPAY × 51: Alipay JSAPI (service window / mini-program); answers Alipay's trade
    /// number (`prepay_id`) for `my.tradePay`.
    AlipayJsapi,
    /// UQRCODEPAY × 41: UnionPay NATIVE; answers a QR code.
    UnionPayNative,
    /// UQRCODEPAY × 51: UnionPay JS payment; answers a redirect URL.
    UnionPayJsapi,
}

impl PreorderKind {
    /// Every kind, in declaration order.
    pub const ALL: [PreorderKind; 6] = [
        PreorderKind::WechatJsapi,
        PreorderKind::WechatMiniProgram,
        PreorderKind::AlipayNative,
        PreorderKind::AlipayJsapi,
        PreorderKind::UnionPayNative,
        PreorderKind::UnionPayJsapi,
    ];

    /// The request's `account_type`.
    pub fn account_type(self) -> AccountType {
        match self {
            PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram => AccountType::Wechat,
            PreorderKind::AlipayNative | PreorderKind::AlipayJsapi => AccountType::Alipay,
            PreorderKind::UnionPayNative | PreorderKind::UnionPayJsapi => AccountType::UnionPay,
        }
    }

    /// The request's `trans_type`.
    pub fn trans_type(self) -> TransType {
        match self {
            PreorderKind::AlipayNative | PreorderKind::UnionPayNative => TransType::Native,
            PreorderKind::WechatJsapi | PreorderKind::AlipayJsapi | PreorderKind::UnionPayJsapi => {
                TransType::Jsapi
            }
            PreorderKind::WechatMiniProgram => TransType::MiniProgram,
        }
    }

    /// The kind of a request's `account_type` and `trans_type`, when this crate models it.
    pub fn from_wire(account_type: &AccountType, trans_type: &TransType) -> Option<Self> {
        PreorderKind::ALL
            .into_iter()
            .find(|k| &k.account_type() == account_type && &k.trans_type() == trans_type)
    }

    /// Whether the payer scans a QR code the shop shows (NATIVE, 41).
    pub fn is_native(self) -> bool {
        self.trans_type() == TransType::Native
    }

    /// A stable snake_case name (`wechat_jsapi`, `alipay_native`, ...), for logs and CLIs.
    pub fn as_str(self) -> &'static str {
        match self {
            PreorderKind::WechatJsapi => "wechat_jsapi",
            PreorderKind::WechatMiniProgram => "wechat_mini_program",
            PreorderKind::AlipayNative => "alipay_native",
            PreorderKind::AlipayJsapi => "alipay_jsapi",
            PreorderKind::UnionPayNative => "unionpay_native",
            PreorderKind::UnionPayJsapi => "unionpay_jsapi",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_wire_values() {
        for kind in PreorderKind::ALL {
            let found = PreorderKind::from_wire(&kind.account_type(), &kind.trans_type());
            assert_eq!(found, Some(kind));
        }
        assert_eq!(
            PreorderKind::from_wire(&AccountType::Wechat, &TransType::Native),
            None
        );
        assert_eq!(
            PreorderKind::from_wire(&AccountType::BestPay, &TransType::Jsapi),
            None
        );
    }
}
