//! A payment's timeline: every journaled event as a person reads it — when, what, who,
//! the answer codes and trade states it carries — personal data masked.

use crate::action_event::ACTION_EVENT;
use crate::html::esc;
use crate::personal::masked_text;
use crate::time_text::china_time;
use lakala_journal::Event;
use serde_json::Value;
use std::fmt::Write;

/// The payload fields worth a glance, in the order they are shown.
const GLANCE: &[&str] = &[
    "action",
    "code",
    "msg",
    "trade_state",
    "outcome",
    "status",
    "result",
    "reason",
    "unresolved",
    "inconclusive",
    "class",
    "note",
    "attempt",
    "revoke_out_trade_no",
    "refund_out_trade_no",
    "out_trade_no",
    "lease",
];

/// What an event kind means, for the timeline's first column.
fn kind_label(kind: &str) -> &str {
    match kind {
        "intent" => "recorded",
        "sent" => "sent",
        "answer" => "answer",
        "query" => "trade query",
        "outcome" => "outcome",
        "revoke_attempt" => "revoke attempt",
        "notification" => "notification",
        "note" => "note",
        "reconciled" => "reconciliation",
        ACTION_EVENT => "operator action",
        other => other,
    }
}

/// Who wrote an event: an operator's action names the person, others the instance.
fn by(event: &Event) -> String {
    match event.payload.get("by").and_then(Value::as_str) {
        Some(person) if event.kind == ACTION_EVENT => {
            format!("by {person} (via {})", event.instance)
        }
        _ => format!("by {}", event.instance),
    }
}

fn glance(payload: &Value) -> String {
    let Value::Object(map) = payload else {
        return String::new();
    };
    let mut out = String::new();
    for key in GLANCE {
        if let Some(v) = map.get(*key) {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => masked_text(other),
            };
            let text = if *key == "note" || *key == "msg" {
                text
            } else {
                masked_text(&Value::String(text.clone()))
                    .trim_matches('"')
                    .to_owned()
            };
            let _ = write!(out, "<span class=\"f\">{key}=<b>{}</b></span> ", esc(&text));
        }
    }
    out
}

/// The element id of an event's entry.
pub(crate) fn entry_id(event: &Event) -> String {
    format!("ev-{}", event.seq)
}

/// One entry of the timeline (also sent live).
pub(crate) fn entry_html(event: &Event) -> String {
    let mut payload = masked_text(&event.payload);
    if payload.len() > 1200 {
        let cut = (0..=1200)
            .rev()
            .find(|i| payload.is_char_boundary(*i))
            .unwrap_or(0);
        payload.truncate(cut);
        payload.push_str(" …");
    }
    format!(
        r#"<li id="{id}" data-kind="{kind}"><span class="when">{when}</span><span><span class="kind">{label}</span><br><span class="by">{by}</span></span><span>{glance}<pre>{payload}</pre></span></li>"#,
        id = entry_id(event),
        kind = esc(&event.kind),
        when = china_time(event.at),
        label = esc(kind_label(&event.kind)),
        by = esc(&by(event)),
        glance = glance(&event.payload),
        payload = esc(&payload),
    )
}

/// Whether an operator marked the payment's conflict handled.
pub(crate) fn handled_conflict(events: &[Event]) -> bool {
    events.iter().any(|e| {
        e.kind == ACTION_EVENT
            && e.payload.get("action").and_then(Value::as_str) == Some("conflict_handled")
    })
}

/// The operator action journaled with `action_id`, if any.
pub(crate) fn action_with_id<'a>(events: &'a [Event], action_id: &str) -> Option<&'a Event> {
    events.iter().find(|e| {
        e.kind == ACTION_EVENT
            && e.payload.get("action_id").and_then(Value::as_str) == Some(action_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_escape_mask_and_name_the_operator() {
        let event = Event {
            seq: 7,
            at: 1_796_140_800,
            instance: "console-1".into(),
            kind: ACTION_EVENT.into(),
            payload: json!({"action": "conflict_handled", "by": "alice", "action_id": "a1",
                            "note": "<script>x</script>", "auth_code": "288576824003652810"}),
        };
        let html = entry_html(&event);
        assert!(html.contains("by alice (via console-1)"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("288576824003652810"), "{html}");
        assert!(handled_conflict(std::slice::from_ref(&event)));
        assert!(action_with_id(std::slice::from_ref(&event), "a1").is_some());
        assert!(action_with_id(std::slice::from_ref(&event), "a2").is_none());
    }
}
