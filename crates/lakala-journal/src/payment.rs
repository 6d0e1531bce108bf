//! A journaled payment: its key, the intent written before sending, and the current
//! state view.

use crate::error::JournalError;
use crate::status::{PaymentKind, PaymentStatus};
use crate::validation;
use std::fmt;

/// What identifies a payment: the merchant's number and the merchant's own
/// `out_trade_no`. A revoke or refund is a payment of its own under its own
/// `out_trade_no`, pointing at the original through `origin_out_trade_no`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentKey {
    /// `merchant_no`.
    pub merchant_no: String,
    /// The merchant's `out_trade_no`.
    pub out_trade_no: String,
}

impl PaymentKey {
    /// A key.
    pub fn new(merchant_no: impl Into<String>, out_trade_no: impl Into<String>) -> Self {
        Self {
            merchant_no: merchant_no.into(),
            out_trade_no: out_trade_no.into(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), JournalError> {
        validation::identifier("merchant_no", &self.merchant_no)?;
        validation::identifier("out_trade_no", &self.out_trade_no)
    }
}

impl fmt::Display for PaymentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.merchant_no, self.out_trade_no)
    }
}

/// What is about to be sent, written before it is sent
/// ([`crate::PaymentJournal::record_intent`]).
///
/// **The journal must never receive a clear auth code**: the caller masks it (for
/// example with `lakala_types::mask::mask`), and the journal refuses a value without a
/// `*` or with 12 digits or more. `Debug` masks it once more.
#[derive(Clone, PartialEq, Eq)]
pub struct Intent {
    /// Micropay, revoke, refund or pre-order.
    pub kind: PaymentKind,
    /// The payment's key.
    pub key: PaymentKey,
    /// `term_no`.
    pub term_no: String,
    /// The payment a revoke or refund applies to (required for them, absent for a
    /// micropay).
    pub origin_out_trade_no: Option<String>,
    /// The amount in fen (required for a micropay, a pre-order and a refund; a revoke
    /// carries none).
    pub amount_fen: Option<i64>,
    /// The payer's auth code, **masked by the caller** (micropay only).
    pub masked_auth_code: Option<String>,
    /// A keyed hash of the payer's auth code computed by the caller (micropay only), so a
    /// later request can be compared with this one without the code. The journal stores
    /// and returns it and never interprets it. Printable ASCII, 1 to 128 characters.
    pub auth_digest: Option<String>,
    /// A lowercase hex digest of the request the caller computes, so a different request
    /// reusing the same `out_trade_no` is detected ([`Recorded::Conflict`]).
    pub fingerprint: String,
    /// The instance (process) writing it.
    pub instance: String,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// When a resolver should first look at it if nobody finishes it before (Unix
    /// seconds). `None`: resolvers leave it alone until an update sets one.
    pub next_check_at: Option<i64>,
}

impl Intent {
    /// A micropay intent.
    #[allow(clippy::too_many_arguments)]
    pub fn micropay(
        key: PaymentKey,
        term_no: impl Into<String>,
        amount_fen: i64,
        masked_auth_code: impl Into<String>,
        fingerprint: impl Into<String>,
        instance: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            kind: PaymentKind::Micropay,
            key,
            term_no: term_no.into(),
            origin_out_trade_no: None,
            amount_fen: Some(amount_fen),
            masked_auth_code: Some(masked_auth_code.into()),
            auth_digest: None,
            fingerprint: fingerprint.into(),
            instance: instance.into(),
            created_at,
            next_check_at: None,
        }
    }

    /// A revoke of `origin_out_trade_no`, under the revoke's own key.
    pub fn revoke(
        key: PaymentKey,
        term_no: impl Into<String>,
        origin_out_trade_no: impl Into<String>,
        fingerprint: impl Into<String>,
        instance: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            kind: PaymentKind::Revoke,
            key,
            term_no: term_no.into(),
            origin_out_trade_no: Some(origin_out_trade_no.into()),
            amount_fen: None,
            masked_auth_code: None,
            auth_digest: None,
            fingerprint: fingerprint.into(),
            instance: instance.into(),
            created_at,
            next_check_at: None,
        }
    }

    /// A refund of `amount_fen` of `origin_out_trade_no`, under the refund's own key.
    #[allow(clippy::too_many_arguments)]
    pub fn refund(
        key: PaymentKey,
        term_no: impl Into<String>,
        origin_out_trade_no: impl Into<String>,
        amount_fen: i64,
        fingerprint: impl Into<String>,
        instance: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            kind: PaymentKind::Refund,
            key,
            term_no: term_no.into(),
            origin_out_trade_no: Some(origin_out_trade_no.into()),
            amount_fen: Some(amount_fen),
            masked_auth_code: None,
            auth_digest: None,
            fingerprint: fingerprint.into(),
            instance: instance.into(),
            created_at,
            next_check_at: None,
        }
    }

    /// A QR-code pre-order (labs `/api/v3/labs/trans/preorder`) of `amount_fen`: no
    /// auth code (the customer scans), no origin. It may never be paid.
    pub fn preorder(
        key: PaymentKey,
        term_no: impl Into<String>,
        amount_fen: i64,
        fingerprint: impl Into<String>,
        instance: impl Into<String>,
        created_at: i64,
    ) -> Self {
        Self {
            kind: PaymentKind::Preorder,
            key,
            term_no: term_no.into(),
            origin_out_trade_no: None,
            amount_fen: Some(amount_fen),
            masked_auth_code: None,
            auth_digest: None,
            fingerprint: fingerprint.into(),
            instance: instance.into(),
            created_at,
            next_check_at: None,
        }
    }

    /// Sets when a resolver should first look at it.
    pub fn with_next_check_at(mut self, at: i64) -> Self {
        self.next_check_at = Some(at);
        self
    }

    /// Sets the keyed hash of the auth code (see [`Intent::auth_digest`]).
    pub fn with_auth_digest(mut self, digest: impl Into<String>) -> Self {
        self.auth_digest = Some(digest.into());
        self
    }

    /// Checks every field; called by every store before it writes.
    pub fn validate(&self) -> Result<(), JournalError> {
        self.key.validate()?;
        validation::identifier("term_no", &self.term_no)?;
        validation::fingerprint(&self.fingerprint)?;
        validation::instance("instance", &self.instance)?;
        match (self.kind, &self.origin_out_trade_no) {
            (PaymentKind::Micropay | PaymentKind::Preorder, Some(_)) => {
                return Err(JournalError::invalid(
                    "origin_out_trade_no",
                    "a micropay or pre-order has no origin",
                ))
            }
            (PaymentKind::Revoke | PaymentKind::Refund, None) => {
                return Err(JournalError::invalid(
                    "origin_out_trade_no",
                    "required for a revoke or refund",
                ))
            }
            (_, Some(origin)) => validation::identifier("origin_out_trade_no", origin)?,
            (_, None) => {}
        }
        match (self.kind, self.amount_fen) {
            (PaymentKind::Micropay | PaymentKind::Preorder | PaymentKind::Refund, None) => {
                return Err(JournalError::invalid(
                    "amount_fen",
                    "required for a micropay, pre-order or refund",
                ))
            }
            (_, Some(amount)) => validation::amount(amount)?,
            (_, None) => {}
        }
        match (self.kind, &self.masked_auth_code) {
            (PaymentKind::Micropay, Some(code)) => validation::masked_auth_code(code)?,
            (_, Some(_)) => {
                return Err(JournalError::invalid(
                    "masked auth code",
                    "only a micropay carries an auth code",
                ))
            }
            (_, None) => {}
        }
        match (self.kind, &self.auth_digest) {
            (PaymentKind::Micropay, Some(digest)) => validation::auth_digest(digest)?,
            (_, Some(_)) => {
                return Err(JournalError::invalid(
                    "auth digest",
                    "only a micropay carries an auth code",
                ))
            }
            (_, None) => {}
        }
        Ok(())
    }

    /// The payload of the first event (`intent`) of a payment: what a person reading the
    /// history wants to see (kind, terminal, amount, masked auth code, origin, first check
    /// time), without the fields that would only repeat the payment row: the request
    /// fingerprint and the auth digest are machine digests the row keeps for the life of
    /// the payment, and absent fields are left out rather than written as `null` (about
    /// 220 bytes less per payment than writing every field).
    pub(crate) fn event_payload(&self) -> serde_json::Value {
        let mut payload = serde_json::Map::new();
        payload.insert("kind".into(), self.kind.as_str().into());
        payload.insert("term_no".into(), self.term_no.clone().into());
        if let Some(origin) = &self.origin_out_trade_no {
            payload.insert("origin_out_trade_no".into(), origin.clone().into());
        }
        if let Some(amount) = self.amount_fen {
            payload.insert("amount_fen".into(), amount.into());
        }
        if let Some(code) = &self.masked_auth_code {
            payload.insert("masked_auth_code".into(), code.clone().into());
        }
        if let Some(at) = self.next_check_at {
            payload.insert("next_check_at".into(), at.into());
        }
        serde_json::Value::Object(payload)
    }
}

impl fmt::Debug for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Intent")
            .field("kind", &self.kind)
            .field("key", &self.key)
            .field("term_no", &self.term_no)
            .field("origin_out_trade_no", &self.origin_out_trade_no)
            .field("amount_fen", &self.amount_fen)
            .field(
                "masked_auth_code",
                &self.masked_auth_code.as_deref().map(remask),
            )
            .field(
                "auth_digest",
                &self.auth_digest.as_ref().map(|_| "<digest>"),
            )
            .field("fingerprint", &self.fingerprint)
            .field("instance", &self.instance)
            .field("created_at", &self.created_at)
            .field("next_check_at", &self.next_check_at)
            .finish()
    }
}

/// Shows at most the last 4 characters, whatever the caller passed.
pub(crate) fn remask(value: &str) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 >= n && n > 4 { c } else { '*' })
        .collect()
}

/// The current state of a payment: the intent plus everything learnt since.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The payment's key.
    pub key: PaymentKey,
    /// Micropay, revoke, refund or pre-order.
    pub kind: PaymentKind,
    /// `term_no`.
    pub term_no: String,
    /// For a revoke or refund: the payment it applies to.
    pub origin_out_trade_no: Option<String>,
    /// The amount in fen, if the request carried one.
    pub amount_fen: Option<i64>,
    /// The masked auth code (micropay).
    pub masked_auth_code: Option<String>,
    /// The keyed hash of the auth code given with the intent (micropay), as given.
    pub auth_digest: Option<String>,
    /// The request fingerprint given with the intent.
    pub fingerprint: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The platform's `trade_no`, once known.
    pub trade_no: Option<String>,
    /// The last `trade_state` a query reported (for example `USERPAYING`).
    pub last_trade_state: Option<String>,
    /// The outcome word the caller recorded (for example `succeeded`, `declined`).
    pub outcome: Option<String>,
    /// Why it stands where it stands (the caller's words).
    pub reason: Option<String>,
    /// How many attempts (queries, revokes) were counted.
    pub attempts: i64,
    /// How many events it has (the intent counts as the first).
    pub event_count: i64,
    /// When the intent was written (Unix seconds).
    pub created_at: i64,
    /// The instance that wrote the intent.
    pub created_by: String,
    /// When the last event was appended (Unix seconds).
    pub updated_at: i64,
    /// When a resolver should look at it next; `None` for final and unresolved payments
    /// and for recorded ones nobody scheduled.
    pub next_check_at: Option<i64>,
    /// When it reached its final status (Unix seconds); what [`crate::PaymentJournal::prune`]
    /// compares.
    pub finished_at: Option<i64>,
    /// Who holds the lease, if anyone (it may have expired).
    pub lease_owner: Option<String>,
    /// Until when the lease is held (Unix seconds, in the clock of the instance that
    /// claimed it; see [`crate::LeaseClock`]).
    pub lease_until: Option<i64>,
    /// The fencing token of the latest lease: it grows with every claim.
    pub lease_token: i64,
    /// Set when the platform contradicted the journal and a person must look: a status
    /// change refused on a final payment ([`JournalError::FinalConflict`]), a fact that
    /// disagrees with a journaled one ([`JournalError::FactConflict`]), or the caller's
    /// [`crate::StateUpdate::with_conflict`]. Says what disagreed. Never cleared by the
    /// SDK; listed by [`crate::ListFilter::conflicts`].
    pub conflict: Option<String>,
}

impl PaymentRecord {
    /// The state a fresh intent starts in.
    pub(crate) fn from_intent(intent: &Intent) -> Self {
        Self {
            key: intent.key.clone(),
            kind: intent.kind,
            term_no: intent.term_no.clone(),
            origin_out_trade_no: intent.origin_out_trade_no.clone(),
            amount_fen: intent.amount_fen,
            masked_auth_code: intent.masked_auth_code.clone(),
            auth_digest: intent.auth_digest.clone(),
            fingerprint: intent.fingerprint.clone(),
            status: PaymentStatus::Recorded,
            trade_no: None,
            last_trade_state: None,
            outcome: None,
            reason: None,
            attempts: 0,
            event_count: 1,
            created_at: intent.created_at,
            created_by: intent.instance.clone(),
            updated_at: intent.created_at,
            next_check_at: intent.next_check_at,
            finished_at: None,
            lease_owner: None,
            lease_until: None,
            lease_token: 0,
            conflict: None,
        }
    }

    /// Whether this payment was journaled for the same request as `intent` (same kind
    /// and fingerprint).
    pub fn matches(&self, intent: &Intent) -> bool {
        self.kind == intent.kind && self.fingerprint == intent.fingerprint
    }
}

impl fmt::Debug for PaymentRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRecord")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .field("term_no", &self.term_no)
            .field("origin_out_trade_no", &self.origin_out_trade_no)
            .field("amount_fen", &self.amount_fen)
            .field(
                "masked_auth_code",
                &self.masked_auth_code.as_deref().map(remask),
            )
            .field(
                "auth_digest",
                &self.auth_digest.as_ref().map(|_| "<digest>"),
            )
            .field("fingerprint", &self.fingerprint)
            .field("status", &self.status)
            .field("trade_no", &self.trade_no)
            .field("last_trade_state", &self.last_trade_state)
            .field("outcome", &self.outcome)
            .field("reason", &self.reason)
            .field("attempts", &self.attempts)
            .field("event_count", &self.event_count)
            .field("created_at", &self.created_at)
            .field("created_by", &self.created_by)
            .field("updated_at", &self.updated_at)
            .field("next_check_at", &self.next_check_at)
            .field("finished_at", &self.finished_at)
            .field("lease_owner", &self.lease_owner)
            .field("lease_until", &self.lease_until)
            .field("lease_token", &self.lease_token)
            .field("conflict", &self.conflict)
            .finish()
    }
}

/// What [`crate::PaymentJournal::record_intent`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The intent is written: send the request.
    New(PaymentRecord),
    /// That key was already journaled for the same request (same kind and fingerprint):
    /// do **not** send it again; resolve the existing payment (query it).
    Existing(PaymentRecord),
    /// That key was already journaled for a **different** request (another kind or
    /// fingerprint): a number reused by mistake. Do not send; the record shown is the
    /// earlier payment, untouched.
    Conflict(PaymentRecord),
}

impl Recorded {
    /// The payment record, whichever the case.
    pub fn record(&self) -> &PaymentRecord {
        match self {
            Recorded::New(r) | Recorded::Existing(r) | Recorded::Conflict(r) => r,
        }
    }

    /// Whether the intent was written just now (the request may be sent).
    pub fn is_new(&self) -> bool {
        matches!(self, Recorded::New(_))
    }

    /// Sorts an already journaled record into `Existing` or `Conflict`.
    pub(crate) fn existing(record: PaymentRecord, intent: &Intent) -> Self {
        if record.matches(intent) {
            Recorded::Existing(record)
        } else {
            Recorded::Conflict(record)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent() -> Intent {
        Intent::micropay(
            PaymentKey::new("822290059430001", "MP1"),
            "SBX00001",
            101,
            "2885**********2810",
            "0123456789abcdef0123456789abcdef",
            "node-a",
            1_700_000_000,
        )
    }

    #[test]
    fn debug_never_shows_more_than_four_characters_of_the_code() {
        let mut i = intent();
        i.masked_auth_code = Some("288576824003652810".into());
        let shown = format!("{i:?}");
        assert!(!shown.contains("288576824003652810"), "{shown}");
        assert!(!shown.contains("2885"), "{shown}");
        assert!(shown.contains("**************2810"), "{shown}");
        let record = PaymentRecord::from_intent(&i);
        assert!(!format!("{record:?}").contains("288576"));
    }

    #[test]
    fn intents_are_checked_by_kind() {
        assert_eq!(intent().validate(), Ok(()));
        let mut clear = intent();
        clear.masked_auth_code = Some("288576824003652810".into());
        assert!(matches!(
            clear.validate(),
            Err(JournalError::InvalidInput {
                field: "masked auth code",
                ..
            })
        ));
        let mut with_origin = intent();
        with_origin.origin_out_trade_no = Some("MP0".into());
        assert!(with_origin.validate().is_err());
        let mut negative = intent();
        negative.amount_fen = Some(-1);
        assert!(negative.validate().is_err());
        let revoke = Intent::revoke(
            PaymentKey::new("822290059430001", "RV1"),
            "SBX00001",
            "MP1",
            "0123456789abcdef0123456789abcdef",
            "node-a",
            1,
        );
        assert_eq!(revoke.validate(), Ok(()));
        let mut revoke_without_origin = revoke.clone();
        revoke_without_origin.origin_out_trade_no = None;
        assert!(revoke_without_origin.validate().is_err());
        let mut refund = Intent::refund(
            PaymentKey::new("822290059430001", "RF1"),
            "SBX00001",
            "MP1",
            50,
            "0123456789abcdef0123456789abcdef",
            "node-a",
            1,
        );
        assert_eq!(refund.validate(), Ok(()));
        refund.amount_fen = None;
        assert!(refund.validate().is_err());
        let preorder = Intent::preorder(
            PaymentKey::new("822290059430001", "PO1"),
            "SBX00001",
            300,
            "0123456789abcdef0123456789abcdef",
            "node-a",
            1,
        );
        assert_eq!(preorder.validate(), Ok(()));
        let mut with_code = preorder.clone();
        with_code.masked_auth_code = Some("2885**********2810".into());
        assert!(with_code.validate().is_err());
        let mut with_origin = preorder.clone();
        with_origin.origin_out_trade_no = Some("MP1".into());
        assert!(with_origin.validate().is_err());
        let mut without_amount = preorder;
        without_amount.amount_fen = None;
        assert!(without_amount.validate().is_err());
    }

    #[test]
    fn existing_or_conflict_by_fingerprint() {
        let i = intent();
        let record = PaymentRecord::from_intent(&i);
        assert!(matches!(
            Recorded::existing(record.clone(), &i),
            Recorded::Existing(_)
        ));
        let mut other = i.clone();
        other.fingerprint = "fedcba9876543210fedcba9876543210".into();
        assert!(matches!(
            Recorded::existing(record, &other),
            Recorded::Conflict(_)
        ));
    }
}
