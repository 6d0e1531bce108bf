//! Where the platform is.

/// Lakala's published hosts, or any other base URL (a sandbox, a proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Lakala's test environment.
    Test,
    /// Lakala's production environment.
    Production,
    /// The same base URL for both API families (for example a local sandbox).
    Custom(String),
}

impl Environment {
    /// Base URL of the cross-border gateway (`/gate/auth` is appended).
    pub fn crossborder_base_url(&self) -> String {
        match self {
            Environment::Test => "http://testintl.lakala.com:8080".into(),
            Environment::Production => "https://intl.lakala.com:7777".into(),
            Environment::Custom(url) => url.trim_end_matches('/').to_owned(),
        }
    }

    /// Base URL of the open platform (`/api/v2/...`, `/api/v3/...` are appended).
    pub fn open_platform_base_url(&self) -> String {
        match self {
            Environment::Test => "https://test.wsmsd.cn/sit".into(),
            Environment::Production => "https://s2.lakala.com".into(),
            Environment::Custom(url) => url.trim_end_matches('/').to_owned(),
        }
    }
}

/// Paths of the calls, relative to the base URLs.
pub mod paths {
    /// Cross-border identity / bank-card verification.
    pub const GATE_AUTH: &str = "/gate/auth";
    /// v2 scan-code pre-authorization pre-order.
    pub const PREAUTH_PRE_ORDER: &str = "/api/v2/labs/txn/preAuth/preAuthPreOrder";
    /// v3 barcode payment on the `dcp` route (the default [`crate::MicropayRoute`]).
    pub const MICROPAY: &str = "/api/v3/dcp/trans/micropay";
    /// v3 barcode payment on the `labs` route (聚合被扫), the one Lakala's Java SDK uses
    /// ([`crate::MicropayRoute::Labs`]).
    pub const LABS_MICROPAY: &str = "/api/v3/labs/trans/micropay";
    /// v3 pre-order (聚合主扫): a QR code, JSAPI or mini-program payment the customer
    /// completes on their phone.
    pub const PREORDER: &str = "/api/v3/labs/trans/preorder";
    /// v3 refund by the merchant's order (商户订单退款).
    pub const IDM_REFUND: &str = "/api/v3/labs/relation/idmrefund";
    /// v3 trade query.
    pub const TRADE_QUERY: &str = "/api/v3/labs/query/tradequery";
    /// v3 revoke (cancel a barcode payment).
    pub const REVOKE: &str = "/api/v3/labs/relation/revoked";
    /// v3 refund.
    pub const REFUND: &str = "/api/v3/labs/relation/refund";
    /// v3 refund query (商户订单退款查询), by the refund's own number. Not in the specs: see
    /// `lakala-types`' `micropay/SOURCES.md`.
    pub const REFUND_QUERY: &str = "/api/v3/labs/query/idmrefundquery";
    /// v3 order close (聚合扫码-关单): closes an unpaid order. Not in the specs.
    pub const CLOSE: &str = "/api/v3/labs/relation/close";

    /// The labs micropay's encrypted variant (全报文加密, [`crate::sealing`]).
    pub const LABS_MICROPAY_ENCRY: &str = "/api/v3/labs/trans/micropay_encry";
    /// The pre-order's encrypted variant (全报文加密, [`crate::sealing`]).
    pub const PREORDER_ENCRY: &str = "/api/v3/labs/trans/preorder_encry";

    /// The encrypted variant of a call, if it has one (the labs micropay and the
    /// pre-order).
    pub fn encrypted(path: &str) -> Option<&'static str> {
        match path {
            LABS_MICROPAY => Some(LABS_MICROPAY_ENCRY),
            PREORDER => Some(PREORDER_ENCRY),
            _ => None,
        }
    }
}
