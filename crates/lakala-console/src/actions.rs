//! `POST /payment/{merchant}/{out_trade_no}/action`: the actions that need a person.
//!
//! Every action is refused in read-only mode and without the session's CSRF token. It is
//! idempotent by the form's action id: the console journals an [`ACTION_EVENT`] with that
//! id before it acts, and a submit whose id is already journaled does nothing again. It is
//! fenced like the resolver: the console holds the payment's lease
//! ([`PaymentJournal::claim_payment`]) while it journals and acts, so a resolver or another
//! operator working the payment meanwhile is never doubled — the submit is refused and can
//! be tried again. Revokes and refunds go through the client's own `revoke` / `refund`
//! under a companion number derived from the action id, so every money rule of the client
//! holds and a repeated submit is never a second revoke or refund.

use crate::action_event::ACTION_EVENT;
use crate::app::{App, Shared};
use crate::html;
use crate::session::Session;
use crate::time_text::{parse_yuan, yuan};
use crate::timeline::action_with_id;
use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use lakala_client::revoke_number;
use lakala_journal::{
    Lease, NewEvent, PaymentKey, PaymentKind, PaymentRecord, PaymentStatus, StateUpdate,
};
use lakala_types::micropay::{LocationInfo, RefundRequest, RevokeRequest};
use lakala_types::Amount;
use serde::Deserialize;
use serde_json::{json, Value};

/// How long the console holds a payment's lease while it acts (seconds).
const LEASE_SECS: i64 = 120;

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    csrf: String,
    action_id: String,
    action: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

fn refuse(status: StatusCode, why: &str) -> Response {
    html::message(status, "refused", why)
}

pub(crate) async fn submit(
    state: Shared,
    Extension(session): Extension<Session>,
    Path((merchant, out_trade_no)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let app = state.0;
    if app.read_only {
        return refuse(
            StatusCode::FORBIDDEN,
            "the console is read-only: no action is taken",
        );
    }
    if !session.csrf_ok(&form.csrf) {
        return refuse(
            StatusCode::FORBIDDEN,
            "a stale or foreign form (its CSRF token is not this session's): reload the page and try again",
        );
    }
    let id_ok = (8..=32).contains(&form.action_id.len())
        && form.action_id.bytes().all(|b| b.is_ascii_hexdigit());
    if !id_ok {
        return refuse(StatusCode::BAD_REQUEST, "the form has no valid action id");
    }
    let key = PaymentKey::new(merchant, out_trade_no);
    if !crate::list_page::plausible_key(&key) {
        return refuse(StatusCode::BAD_REQUEST, "that is not a payment key");
    }
    let back = |text: &str| {
        let href = format!(
            "{}?done={}",
            crate::list_page::payment_href(&key.merchant_no, &key.out_trade_no),
            crate::html::url_part(text)
        );
        Redirect::to(&href).into_response()
    };
    let actor = Actor {
        app: &app,
        by: &session.identity,
        action_id: &form.action_id,
        key: &key,
    };
    // Done before? Then nothing again.
    match app.journal.events(&key).await {
        Ok(events) => {
            if let Some(done) = action_with_id(&events, &form.action_id) {
                let what = done
                    .payload
                    .get("action")
                    .and_then(Value::as_str)
                    .unwrap_or("action");
                return back(&format!(
                    "this {what} was submitted before (action {}); nothing was done again",
                    form.action_id
                ));
            }
        }
        Err(e) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("the journal did not answer: {e}"),
            )
        }
    }
    let result = match form.action.as_str() {
        "resolve_now" => actor.resolve_now().await,
        "revoke" => actor.revoke(&form.confirm).await,
        "refund" => actor.refund(&form.amount, &form.confirm).await,
        "conflict_handled" => actor.conflict_handled(&form.note).await,
        _ => Err((StatusCode::BAD_REQUEST, "no such action".to_owned())),
    };
    match result {
        Ok(text) => back(&text),
        Err((status, why)) => refuse(status, &why),
    }
}

type Outcome = Result<String, (StatusCode, String)>;

struct Actor<'a> {
    app: &'a App,
    by: &'a str,
    action_id: &'a str,
    key: &'a PaymentKey,
}

impl Actor<'_> {
    fn instance(&self) -> String {
        self.app
            .client
            .as_ref()
            .map(|c| c.instance().to_owned())
            .unwrap_or_else(|| "lakala-console".to_owned())
    }

    fn event(&self, action: &str, extra: Value) -> NewEvent {
        let mut payload = json!({"action": action, "by": self.by, "action_id": self.action_id});
        if let (Value::Object(p), Value::Object(e)) = (&mut payload, extra) {
            p.extend(e);
        }
        NewEvent::new(self.app.now(), self.instance(), ACTION_EVENT, payload)
    }

    /// The payment's lease, or why not.
    async fn lease(&self) -> Result<(Lease, PaymentRecord), (StatusCode, String)> {
        let claim = self
            .app
            .journal
            .claim_payment(self.key, &self.instance(), self.app.now(), LEASE_SECS)
            .await
            .map_err(|e| {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("the journal did not answer: {e}"),
                )
            })?;
        match claim {
            Some(c) => Ok((c.lease, c.payment)),
            None => Err((
                StatusCode::CONFLICT,
                "someone is working this payment right now (a resolver, a reconciliation or another operator): try again in a minute".to_owned(),
            )),
        }
    }

    /// Journals `event` under `lease` (its fence), then gives the lease back.
    async fn journal_and_release(
        &self,
        lease: &Lease,
        event: &NewEvent,
    ) -> Result<(), (StatusCode, String)> {
        let written = self
            .app
            .journal
            .append(self.key, event, &StateUpdate::none(), Some(lease))
            .await;
        let _ = self.app.journal.release(lease, None).await;
        written.map(|_| ()).map_err(|e| {
            (
                StatusCode::CONFLICT,
                format!("not journaled, nothing done: {e}"),
            )
        })
    }

    async fn resolve_now(&self) -> Outcome {
        let resolver = self.app.resolver.as_ref().ok_or((
            StatusCode::CONFLICT,
            "resolve now needs a client configuration (--config)".to_owned(),
        ))?;
        let (lease, record) = self.lease().await?;
        if record.status.is_final() {
            let _ = self.app.journal.release(&lease, None).await;
            return Err((
                StatusCode::CONFLICT,
                format!("the payment is already {}", record.status.as_str()),
            ));
        }
        self.journal_and_release(
            &lease,
            &self.event("resolve_now", json!({"phase": "requested"})),
        )
        .await?;
        // The resolver's own path for this one payment, under its own lease.
        let resolution = resolver.resolve_payment(self.key).await.map_err(|e| {
            (
                StatusCode::BAD_GATEWAY,
                format!("the resolver could not work it: {e}"),
            )
        })?;
        let text = match resolution {
            Some(r) => format!("resolved now: {} ({})", r.status.as_str(), r.detail),
            None => "a resolver took the payment meanwhile: it is being worked".to_owned(),
        };
        let done = self.event("resolve_now", json!({"phase": "done", "result": text}));
        let _ = self
            .app
            .journal
            .append(self.key, &done, &StateUpdate::none(), None)
            .await;
        Ok(text)
    }

    fn money_record(&self, record: &PaymentRecord) -> Result<(), (StatusCode, String)> {
        if !matches!(record.kind, PaymentKind::Micropay | PaymentKind::Preorder) {
            return Err((
                StatusCode::CONFLICT,
                "only a payment can be revoked or refunded".into(),
            ));
        }
        if record.status != PaymentStatus::Succeeded {
            return Err((
                StatusCode::CONFLICT,
                format!(
                    "the payment is {}: only a succeeded one is revoked or refunded",
                    record.status.as_str()
                ),
            ));
        }
        Ok(())
    }

    async fn revoke(&self, confirm: &str) -> Outcome {
        let client = self.app.client.as_ref().ok_or((
            StatusCode::CONFLICT,
            "revoke needs a client configuration (--config)".to_owned(),
        ))?;
        if confirm.trim() != self.key.out_trade_no {
            return Err((
                StatusCode::BAD_REQUEST,
                "the confirmation is not the payment's order number: nothing done".into(),
            ));
        }
        let (lease, record) = self.lease().await?;
        if let Err(e) = self.money_record(&record) {
            let _ = self.app.journal.release(&lease, None).await;
            return Err(e);
        }
        let number = revoke_number(
            &self.key.out_trade_no,
            &format!("V{}", &self.action_id[..7]),
        );
        let request = RevokeRequest::builder()
            .merchant_no(self.key.merchant_no.clone())
            .term_no(record.term_no.clone())
            .out_trade_no(number.clone())
            .origin_out_trade_no(self.key.out_trade_no.clone())
            .location_info(location()?)
            .build()
            .map_err(|e| {
                (
                    StatusCode::BAD_REQUEST,
                    format!("cannot build the revoke: {e}"),
                )
            });
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                let _ = self.app.journal.release(&lease, None).await;
                return Err(e);
            }
        };
        // Journaled first: a crash after this leaves the action id on record, and the
        // revoke's own number makes the client refuse to send it twice.
        let requested = self.event(
            "revoke",
            json!({"phase": "requested", "revoke_out_trade_no": number}),
        );
        if let Err(e) = self
            .app
            .journal
            .append(self.key, &requested, &StateUpdate::none(), Some(&lease))
            .await
        {
            let _ = self.app.journal.release(&lease, None).await;
            return Err((
                StatusCode::CONFLICT,
                format!("not journaled, nothing sent: {e}"),
            ));
        }
        let text = match client.revoke(request).await {
            Ok(outcome) => format!("revoke {number}: {outcome:?}"),
            Err(e) => format!("revoke {number} not sent: {e}"),
        };
        let done = self.event("revoke", json!({"phase": "done", "result": text}));
        let _ = self.journal_and_release(&lease, &done).await;
        Ok(text)
    }

    async fn refund(&self, amount: &str, confirm: &str) -> Outcome {
        let client = self.app.client.as_ref().ok_or((
            StatusCode::CONFLICT,
            "refund needs a client configuration (--config)".to_owned(),
        ))?;
        let fen = parse_yuan(amount).filter(|f| *f > 0).ok_or((
            StatusCode::BAD_REQUEST,
            "the amount is not yuan, like 12.34".to_owned(),
        ))?;
        if parse_yuan(confirm) != Some(fen) {
            return Err((
                StatusCode::BAD_REQUEST,
                "the confirmation is not the same amount: nothing done".into(),
            ));
        }
        let money = u64::try_from(fen)
            .ok()
            .and_then(|f| Amount::from_fen(f).ok())
            .ok_or((
                StatusCode::BAD_REQUEST,
                "not an amount Lakala takes".to_owned(),
            ))?;
        let (lease, record) = self.lease().await?;
        if let Err(e) = self.money_record(&record) {
            let _ = self.app.journal.release(&lease, None).await;
            return Err(e);
        }
        let number = revoke_number(
            &self.key.out_trade_no,
            &format!("F{}", &self.action_id[..7]),
        );
        let request = RefundRequest::builder()
            .merchant_no(self.key.merchant_no.clone())
            .term_no(record.term_no.clone())
            .out_trade_no(number.clone())
            .refund_amount(money)
            .origin_out_trade_no(self.key.out_trade_no.clone())
            .location_info(location()?)
            .build();
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                let _ = self.app.journal.release(&lease, None).await;
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("cannot build the refund: {e}"),
                ));
            }
        };
        let requested = self.event(
            "refund",
            json!({"phase": "requested", "refund_out_trade_no": number, "amount_fen": fen}),
        );
        if let Err(e) = self
            .app
            .journal
            .append(self.key, &requested, &StateUpdate::none(), Some(&lease))
            .await
        {
            let _ = self.app.journal.release(&lease, None).await;
            return Err((
                StatusCode::CONFLICT,
                format!("not journaled, nothing sent: {e}"),
            ));
        }
        let text = match client.refund(request).await {
            Ok(outcome) => format!("refund {number} of {} yuan: {outcome:?}", yuan(fen)),
            Err(e) => format!("refund {number} not sent: {e}"),
        };
        let done = self.event("refund", json!({"phase": "done", "result": text}));
        let _ = self.journal_and_release(&lease, &done).await;
        Ok(text)
    }

    async fn conflict_handled(&self, note: &str) -> Outcome {
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 500 {
            return Err((
                StatusCode::BAD_REQUEST,
                "say what was done (at most 500 characters)".into(),
            ));
        }
        let (lease, record) = self.lease().await?;
        if record.conflict.is_none() {
            let _ = self.app.journal.release(&lease, None).await;
            return Err((StatusCode::CONFLICT, "the payment has no conflict".into()));
        }
        self.journal_and_release(
            &lease,
            &self.event("conflict_handled", json!({"note": note})),
        )
        .await?;
        Ok("conflict marked handled".to_owned())
    }
}

fn location() -> Result<LocationInfo, (StatusCode, String)> {
    LocationInfo::builder()
        .request_ip("127.0.0.1".to_owned())
        .build()
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("location: {e}")))
}
