//! The labs routes, at the paths Lakala's open-platform SDK uses, and which of them have an
//! SM4-encrypted (`*_encry`) twin.

/// One call of the labs aggregated-scan family.
///
/// The `*_encry` twins take the same `req_data` and answer the same `resp_data`, but the
/// whole request body (the complete v3 JSON envelope) is sent SM4-encrypted and base64'd,
/// and the whole answer body comes back the same way (see `lakala_crypto::Sm4Key`); the
/// `Authorization` and `Lklapi-Signature` signatures cover the bodies as sent, i.e. the
/// base64 text. Lakala requires the encrypted twin when a request carries the payer's
/// identity (`identity_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LabsRoute {
    /// 聚合被扫, barcode payment: `/api/v3/labs/trans/micropay`.
    Micropay,
    /// 聚合主扫, pre-order: `/api/v3/labs/trans/preorder`.
    Preorder,
    /// 交易查询: `/api/v3/labs/query/tradequery`.
    TradeQuery,
    /// 撤销: `/api/v3/labs/relation/revoked`.
    Revoke,
    /// 关单: `/api/v3/labs/relation/close`.
    Close,
    /// 退款: `/api/v3/labs/relation/refund`.
    Refund,
    /// 商户订单退款: `/api/v3/labs/relation/idmrefund`.
    IdmRefund,
    /// 商户订单退款查询: `/api/v3/labs/query/idmrefundquery`.
    IdmRefundQuery,
}

impl LabsRoute {
    /// Every route, in declaration order.
    pub const ALL: [LabsRoute; 8] = [
        LabsRoute::Micropay,
        LabsRoute::Preorder,
        LabsRoute::TradeQuery,
        LabsRoute::Revoke,
        LabsRoute::Close,
        LabsRoute::Refund,
        LabsRoute::IdmRefund,
        LabsRoute::IdmRefundQuery,
    ];

    /// The plain path.
    pub fn path(self) -> &'static str {
        match self {
            LabsRoute::Micropay => "/api/v3/labs/trans/micropay",
            LabsRoute::Preorder => "/api/v3/labs/trans/preorder",
            LabsRoute::TradeQuery => "/api/v3/labs/query/tradequery",
            LabsRoute::Revoke => "/api/v3/labs/relation/revoked",
            LabsRoute::Close => "/api/v3/labs/relation/close",
            LabsRoute::Refund => "/api/v3/labs/relation/refund",
            LabsRoute::IdmRefund => "/api/v3/labs/relation/idmrefund",
            LabsRoute::IdmRefundQuery => "/api/v3/labs/query/idmrefundquery",
        }
    }

    /// The SM4-encrypted twin's path, for the routes that have one (micropay and
    /// pre-order).
    pub fn encrypted_path(self) -> Option<&'static str> {
        match self {
            LabsRoute::Micropay => Some("/api/v3/labs/trans/micropay_encry"),
            LabsRoute::Preorder => Some("/api/v3/labs/trans/preorder_encry"),
            _ => None,
        }
    }

    /// The route served at `path` and whether that path is the encrypted twin.
    pub fn from_path(path: &str) -> Option<(LabsRoute, bool)> {
        LabsRoute::ALL.into_iter().find_map(|route| {
            if route.path() == path {
                Some((route, false))
            } else if route.encrypted_path() == Some(path) {
                Some((route, true))
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for route in LabsRoute::ALL {
            assert_eq!(LabsRoute::from_path(route.path()), Some((route, false)));
            if let Some(encrypted) = route.encrypted_path() {
                assert!(encrypted.ends_with("_encry"));
                assert_eq!(LabsRoute::from_path(encrypted), Some((route, true)));
            }
        }
        assert_eq!(LabsRoute::from_path("/api/v3/dcp/trans/micropay"), None);
        assert_eq!(
            LabsRoute::from_path("/api/v3/labs/query/tradequery_encry"),
            None
        );
    }
}
