//! The APIs the sandbox answers, told apart by path, and answers in the shape of an API's
//! family.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::Full;
use std::time::Duration;

/// Which API a path names: it decides the handler and the shape of error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    GateAuth,
    /// v2 pre-authorization pre-order.
    PreOrder,
    /// v3 micropay on the `dcp` route.
    Micropay,
    /// v3 micropay on the labs route (`/api/v3/labs/trans/micropay`).
    LabsMicropay,
    /// v3 labs pre-order (聚合主扫, `/api/v3/labs/trans/preorder`).
    LabsPreOrder,
    TradeQuery,
    Revoke,
    Refund,
    /// Refund by the merchant's order (`/api/v3/labs/relation/idmrefund`).
    IdmRefund,
    RefundQuery,
    Close,
}

/// How a request body travels: as JSON, or SM4-encrypted whole (the `*_encry` routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// The body is the JSON envelope.
    Plain,
    /// The body is the base64 of the SM4/ECB/PKCS5Padding ciphertext of the JSON envelope
    /// under the keys directory's SM4 key, and so is every authenticated answer
    /// (`lakala_crypto::Sm4Key::seal` / `open`); signatures cover the base64 text.
    Sm4,
}

/// Set on an answer the server must hold back this long before sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlowAnswer(pub(crate) Duration);

impl Api {
    /// The API at `path`, at the paths of Lakala's open-platform SDK (`FunctionCodeEnum`);
    /// only the two labs payment routes have an `_encry` variant there.
    pub(crate) fn from_path(path: &str) -> Option<(Self, Wire)> {
        let plain = |api| Some((api, Wire::Plain));
        match path.trim_end_matches('/') {
            "/gate/auth" => plain(Api::GateAuth),
            "/api/v2/labs/txn/preAuth/preAuthPreOrder" => plain(Api::PreOrder),
            "/api/v3/dcp/trans/micropay" => plain(Api::Micropay),
            "/api/v3/labs/trans/micropay" => plain(Api::LabsMicropay),
            "/api/v3/labs/trans/micropay_encry" => Some((Api::LabsMicropay, Wire::Sm4)),
            "/api/v3/labs/trans/preorder" => plain(Api::LabsPreOrder),
            "/api/v3/labs/trans/preorder_encry" => Some((Api::LabsPreOrder, Wire::Sm4)),
            "/api/v3/labs/query/tradequery" => plain(Api::TradeQuery),
            "/api/v3/labs/relation/revoked" => plain(Api::Revoke),
            "/api/v3/labs/relation/refund" => plain(Api::Refund),
            "/api/v3/labs/relation/idmrefund" => plain(Api::IdmRefund),
            "/api/v3/labs/query/idmrefundquery" => plain(Api::RefundQuery),
            "/api/v3/labs/relation/close" => plain(Api::Close),
            _ => None,
        }
    }
}

pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// A JSON answer with the given status and extra headers.
pub(crate) fn json_response(
    status: StatusCode,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=utf-8");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| {
            // Only an invalid header value can fail here; answer without the extras.
            let mut response = Response::new(Full::new(Bytes::from_static(
                br#"{"code":"SBX50000","msg":"sandbox could not build the answer"}"#,
            )));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}

/// An unsigned error in the shape of the path's API family:
/// `{"retCode":"9999","retMsg":...}` for gate/auth, `{"code":...,"msg":...}` otherwise.
pub(crate) fn error_response(
    api: Option<Api>,
    status: StatusCode,
    code: &str,
    msg: &str,
) -> HttpResponse {
    let body = match api {
        Some(Api::GateAuth) => serde_json::json!({"retCode": "9999", "retMsg": msg}),
        _ => serde_json::json!({"code": code, "msg": msg}),
    };
    json_response(status, body.to_string().into_bytes(), &[])
}
