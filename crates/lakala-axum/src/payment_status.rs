//! [`payment_status`]: a payment's status from the journal, in the till's stable form.

use crate::call_error::CallError;
use crate::json_response;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use http::StatusCode;
use lakala_client::till::TillStatus;
use lakala_client::{ClientError, LakalaClient};
use lakala_journal::PaymentKey;

/// A `GET` route (for a path with one parameter, the `out_trade_no`, such as
/// `/orders/{out_trade_no}`) answering the payment's [`TillStatus`] from the client's
/// journal, under the merchant number of its profile: what the journal knows now, never
/// the platform's raw answer (nothing personal), without a call to the platform.
///
/// | case | HTTP |
/// |---|---|
/// | journaled | 200, the [`TillStatus`] JSON |
/// | not journaled | 404 `{"error": ...}` |
/// | the journal failed | as [`CallError`] (503 when transient) |
/// | the client has no journal or no merchant profile | 500 |
pub fn payment_status<S: Clone + Send + Sync + 'static>(client: LakalaClient) -> MethodRouter<S> {
    get(move |Path(out_trade_no): Path<String>| {
        let client = client.clone();
        async move { status(&client, out_trade_no).await }
    })
}

async fn status(client: &LakalaClient, out_trade_no: String) -> Response {
    let (Some(journal), Some(merchant)) = (client.journal(), client.merchant()) else {
        return CallError::from(ClientError::NotConfigured(
            "a journal and a merchant profile (payment_status)",
        ))
        .into_response();
    };
    let key = PaymentKey::new(merchant.merchant_no.clone(), out_trade_no);
    match journal.payment(&key).await {
        Ok(Some(record)) => {
            let body = serde_json::to_vec(&TillStatus::from(&record)).unwrap_or_default();
            json_response(StatusCode::OK, body)
        }
        Ok(None) => CallError {
            status: StatusCode::NOT_FOUND,
            message: format!("no payment {} is journaled", key.out_trade_no),
        }
        .into_response(),
        Err(e) => CallError::from(ClientError::Journal(e)).into_response(),
    }
}
