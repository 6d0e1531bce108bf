//! Scan-code pre-authorization pre-order (open platform v2).

use crate::answer::Answer;
use crate::client::LakalaClient;
use crate::environment::paths;
use crate::error::ClientError;
use lakala_types::preauth::{
    PaymentData, PreOrderRequest, PreOrderResponse, TermExtInfo, V2Request, V2Response, V2RetCode,
};
use lakala_types::timestamp::UnixMillis;

/// The platform's answer to a pre-order.
///
/// Serializes tagged by `"outcome"`: `{"outcome": "created", "response": <respData in wire
/// names>}` (the typed `payment` is derived from `response` and not repeated) or
/// `{"outcome": "declined", "code", "message"}`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PreOrderOutcome {
    /// `000000`: the order exists; `payment` holds what the payer's wallet needs, decoded
    /// for the request's `transType` / `accountType` (a QR code for NATIVE, JSAPI
    /// parameters, ...).
    Created {
        /// The answer's `respData`.
        response: Box<PreOrderResponse>,
        /// The per-`transType` fields, typed.
        #[serde(skip)]
        payment: PaymentData,
    },
    /// Any other `retCode`.
    Declined {
        /// The code (`Other` for codes the spec does not list).
        code: V2RetCode,
        /// The message.
        message: String,
    },
}

impl LakalaClient {
    /// Places a pre-authorization pre-order. The envelope's `reqId` and `timestamp` are
    /// generated here.
    pub async fn preauth_pre_order(
        &self,
        request: PreOrderRequest,
        term_ext_info: Option<TermExtInfo>,
    ) -> Result<Answer<PreOrderOutcome>, ClientError> {
        let span = tracing::info_span!(
            "lakala.preauth_pre_order",
            mer_req_sno = request.mer_req_sno().unwrap_or_default(),
        );
        let _guard = span.enter();
        let trans_type = request.trans_type().cloned();
        let account_type = request.account_type().cloned();
        let req_id = hex::encode(rand::random::<[u8; 16]>());
        let millis = u64::try_from(self.now_unix())
            .unwrap_or(0)
            .saturating_mul(1000);
        let envelope = V2Request::new(
            req_id,
            UnixMillis::new(millis),
            request.clone(),
            term_ext_info,
        )?;
        drop(_guard);
        let answer: Answer<V2Response<PreOrderResponse>> =
            self.open_call(paths::PREAUTH_PRE_ORDER, &envelope).await?;
        crate::binding::pre_order(&request, &answer.value)?;
        let code = answer
            .value
            .ret_code()
            .cloned()
            .unwrap_or(V2RetCode::Other(String::new()));
        crate::metrics::call("preauth", crate::metrics::class_word(code.class()));
        let message = answer.value.ret_msg().unwrap_or_default().to_owned();
        let response = answer.value.resp_data().cloned();
        tracing::info!(parent: &span, code = code.as_str(), "pre-order answered");
        Ok(answer.map(|_| match (code.is_success(), response) {
            (true, Some(response)) => {
                let payment = match (&trans_type, &account_type) {
                    (Some(t), Some(a)) => response.payment_data(t, a).unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "pre-order payment fields have the wrong JSON type; kept in respData");
                        PaymentData::Unlisted
                    }),
                    _ => PaymentData::Unlisted,
                };
                PreOrderOutcome::Created {
                    response: Box::new(response),
                    payment,
                }
            }
            _ => PreOrderOutcome::Declined { code, message },
        }))
    }
}
