//! [`crate::PaymentJournal::claim_payment`] for [`PostgresJournal`]: one `UPDATE` that
//! leases the row only while no valid lease holds it (by the server's clock, as
//! `claim_due` does). A concurrent claimer waits for the row lock and re-checks the
//! condition on the row as the first one left it, so only one of them gets the lease.

use super::sql::{clamped, columns_of, SERVER_NOW};
use super::{row, sql, PostgresJournal};
use crate::error::JournalError;
use crate::lease::{Claim, Lease};
use crate::payment::PaymentKey;
use crate::validation;
use std::sync::LazyLock;

/// Leases `($1, $2)` to `$3` for `$5` seconds of the server's clock, `$4` being the
/// claimer's `now` (its skew is kept as `claim_due` keeps it); no row when a valid lease
/// holds it or it does not exist.
static CLAIM_PAYMENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
WITH clock AS MATERIALIZED (
    SELECT {SERVER_NOW} AS now
)
UPDATE lakala_payments p
SET lease_owner = $3::text, lease_token = p.lease_token + 1,
    lease_until = clock.now + LEAST($5::int8, 9223372036854775807 - clock.now),
    lease_skew = ({skew})::int8
FROM clock
WHERE p.merchant_no = $1::text AND p.out_trade_no = $2::text
  AND (p.lease_until IS NULL OR p.lease_until <= clock.now)
RETURNING {returning}",
        returning = columns_of("p"),
        skew = clamped("$4::int8::numeric - clock.now"),
    )
});

impl PostgresJournal {
    pub(super) async fn claim_one(
        &self,
        key: &PaymentKey,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<Claim>, JournalError> {
        key.validate()?;
        validation::instance("lease owner", owner)?;
        validation::positive_secs("lease_secs", lease_secs)?;
        let until = now.saturating_add(lease_secs);
        let secs = until - now;
        let found = {
            let mut c = self.pool.get().await?;
            let statement = c.statement(CLAIM_PAYMENT.as_str()).await?;
            let result = c
                .client()?
                .query_opt(
                    &statement,
                    &[&key.merchant_no, &key.out_trade_no, &owner, &now, &secs],
                )
                .await;
            c.check(result)?
        };
        let Some(found) = found else {
            return self.held_or_missing(key).await;
        };
        let payment = row::record(&found, 0)?;
        Ok(Some(Claim {
            lease: Lease {
                key: payment.key.clone(),
                owner: owner.to_owned(),
                token: payment.lease_token,
                until,
            },
            payment,
        }))
    }

    /// `Ok(None)` when the payment exists (a valid lease holds it), `NotFound` if not.
    async fn held_or_missing(&self, key: &PaymentKey) -> Result<Option<Claim>, JournalError> {
        let mut c = self.pool.get().await?;
        let statement = c.statement(sql::EXISTS).await?;
        let result = c
            .client()?
            .query_opt(&statement, &[&key.merchant_no, &key.out_trade_no])
            .await;
        match c.check(result)? {
            Some(_) => Ok(None),
            None => Err(JournalError::NotFound { what: "payment" }),
        }
    }
}
