//! A till's patience: [`MicropayHandle::outcome_within`] answers within a bound and lets
//! the payment go on.

use crate::error::ClientError;
use crate::outcome::{PaymentOutcome, PendingPayment};
use crate::payment_flow::MicropayHandle;
use std::time::Duration;

impl MicropayHandle {
    /// Waits at most `patience` for the outcome. When the flow has not finished by then,
    /// answers [`PaymentOutcome::Pending`] (no `last_state`, a reason saying the patience
    /// ran out) and lets the payment go on on its own task: its outcome reaches the
    /// journal, the observer and the log as usual, so the till asks again later (from the
    /// journal, [`crate::till::TillStatus`]) instead of holding the payer at the counter.
    ///
    /// Errors as [`MicropayHandle::outcome`]. A `Pending` answered here is not evidence of
    /// anything: never treat it as failed.
    pub async fn outcome_within(self, patience: Duration) -> Result<PaymentOutcome, ClientError> {
        let (order, outcome) = self.into_parts();
        match tokio::time::timeout(patience, outcome).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::FlowAborted(
                "the task was dropped before it finished".to_owned(),
            )),
            Err(_) => {
                tracing::info!(
                    out_trade_no = %order.out_trade_no,
                    patience_ms = patience.as_millis() as u64,
                    "the till's patience ran out; the payment goes on"
                );
                Ok(PaymentOutcome::Pending(PendingPayment {
                    order,
                    last_state: None,
                    reason: format!(
                        "still in progress after {} ms; the payment goes on: ask for its status again",
                        patience.as_millis()
                    ),
                    revoke: None,
                }))
            }
        }
    }
}
