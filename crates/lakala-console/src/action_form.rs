//! The forms of the actions that need a person, each with the session's CSRF token and a
//! fresh action id (a second submit of the same form does nothing twice).

use crate::html::esc;
use crate::list_page::payment_href;
use crate::time_text::yuan;
use lakala_journal::{PaymentKind, PaymentRecord};
use std::fmt::Write;

/// A fresh action id.
pub(crate) fn fresh_action_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

fn hidden(csrf: &str, action: &str) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}"><input type="hidden" name="action_id" value="{}"><input type="hidden" name="action" value="{}">"#,
        esc(csrf),
        fresh_action_id(),
        esc(action)
    )
}

/// The action forms for `record` (the caller hides them in read-only mode).
pub(crate) fn forms(record: &PaymentRecord, csrf: &str, has_client: bool) -> String {
    let href = esc(&format!(
        "{}/action",
        payment_href(&record.key.merchant_no, &record.key.out_trade_no)
    ));
    let mut out = String::from(r#"<section class="actions card" id="actions"><h2>actions</h2>"#);
    let money = matches!(record.kind, PaymentKind::Micropay | PaymentKind::Preorder);
    if !record.status.is_final() {
        if has_client {
            let _ = write!(
                out,
                r#"<form method="post" action="{href}" id="form-resolve">{h}<p>Query the platform now and settle this payment by the resolver's rules (under a lease: a resolver working it meanwhile is not disturbed).</p><button type="submit" id="resolve-now">resolve now</button></form>"#,
                h = hidden(csrf, "resolve_now")
            );
        } else {
            out.push_str(r#"<p class="muted">resolve now needs a client configuration (<code>--config</code>).</p>"#);
        }
    }
    if money && has_client && record.status.as_str() == "succeeded" {
        let out_no = esc(&record.key.out_trade_no);
        let _ = write!(
            out,
            r#"<form method="post" action="{href}" id="form-revoke">{h}<p>Revoke (cancel) this payment. Type its order number <code>{out_no}</code> to confirm.</p><input name="confirm" id="revoke-confirm" data-expect="{out_no}" autocomplete="off" size="30"> <button type="submit" class="danger" id="revoke">revoke</button></form>"#,
            h = hidden(csrf, "revoke")
        );
        let amount = record.amount_fen.map(yuan).unwrap_or_default();
        let _ = write!(
            out,
            r#"<form method="post" action="{href}" id="form-refund">{h}<p>Refund part or all of it (paid {amount} yuan). Type the amount to refund in yuan, then again to confirm.</p><label>amount <input name="amount" id="refund-amount" size="10" inputmode="decimal"></label> <label>confirm <input name="confirm" id="refund-confirm" size="10" autocomplete="off"></label> <button type="submit" class="danger" id="refund">refund</button></form>"#,
            h = hidden(csrf, "refund")
        );
    }
    if record.conflict.is_some() {
        let _ = write!(
            out,
            r#"<form method="post" action="{href}" id="form-handled">{h}<p>Mark the conflict handled, saying what was done (the conflict itself stays on record).</p><textarea name="note" id="handled-note" rows="2" cols="60" maxlength="500" required></textarea><br><button type="submit" id="mark-handled">mark handled</button></form>"#,
            h = hidden(csrf, "conflict_handled")
        );
    }
    out.push_str("</section>");
    out
}
