//! `/live`: server-sent events, so that a new list row or timeline entry appears without
//! a reload. The stream looks at the journal every second (the journal has no change
//! feed) and sends what changed: `row` events (a list row's HTML) on the list, `entry`
//! events (a timeline entry's HTML) and `status` events on a payment's page.

use crate::app::{App, Shared};
use crate::list_page::{row_html, status_badge};
use crate::timeline::{entry_html, handled_conflict};
use axum::extract::Query;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use lakala_journal::{ListFilter, PaymentKey};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often the journal is looked at.
const EVERY: Duration = Duration::from_secs(1);
/// Rows watched on the list.
const WATCHED: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LiveQuery {
    #[serde(default)]
    merchant: String,
    #[serde(default)]
    out_trade_no: String,
    #[serde(default)]
    seq: i64,
}

enum Watch {
    /// The newest payments: what each looked like when last sent.
    List(Option<HashMap<PaymentKey, (i64, i64)>>),
    /// One payment's events after `seq`, and its status.
    Payment {
        key: PaymentKey,
        seq: i64,
        status: Option<String>,
    },
}

struct Live {
    app: Arc<App>,
    watch: Watch,
    ready: VecDeque<Event>,
    first: bool,
}

impl Live {
    async fn look(&mut self) {
        match &mut self.watch {
            Watch::List(seen) => {
                let filter = ListFilter::all().newest_first().limit(WATCHED);
                let Ok(rows) = self.app.journal.list(&filter).await else {
                    return;
                };
                let mut now = HashMap::new();
                // Oldest first, so that each new row is put on top of the one before.
                for r in rows.iter().rev() {
                    let state = (r.updated_at, r.event_count);
                    if let Some(seen) = seen {
                        if seen.get(&r.key) != Some(&state) {
                            let handled = match &r.conflict {
                                Some(_) => self
                                    .app
                                    .journal
                                    .events(&r.key)
                                    .await
                                    .map(|e| handled_conflict(&e))
                                    .unwrap_or(false),
                                None => false,
                            };
                            self.ready.push_back(
                                Event::default().event("row").data(row_html(r, handled)),
                            );
                        }
                    }
                    now.insert(r.key.clone(), state);
                }
                *seen = Some(now);
            }
            Watch::Payment { key, seq, status } => {
                let Ok(events) = self.app.journal.events(key).await else {
                    return;
                };
                let after = *seq;
                for e in events.iter().filter(|e| e.seq > after) {
                    self.ready
                        .push_back(Event::default().event("entry").data(entry_html(e)));
                    *seq = e.seq;
                }
                if let Ok(Some(r)) = self.app.journal.payment(key).await {
                    let current = r.status.as_str().to_owned();
                    if status.as_ref().is_some_and(|s| *s != current) {
                        self.ready.push_back(
                            Event::default()
                                .event("status")
                                .data(status_badge(r.status)),
                        );
                    }
                    *status = Some(current);
                }
            }
        }
    }
}

pub(crate) async fn stream(
    state: Shared,
    Query(q): Query<LiveQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watch = if q.merchant.is_empty() {
        Watch::List(None)
    } else {
        Watch::Payment {
            key: PaymentKey::new(q.merchant, q.out_trade_no),
            seq: q.seq,
            status: None,
        }
    };
    let live = Live {
        app: state.0,
        watch,
        ready: VecDeque::new(),
        first: true,
    };
    let events = stream::unfold(live, |mut live| async move {
        loop {
            if let Some(event) = live.ready.pop_front() {
                return Some((Ok(event), live));
            }
            if !live.first {
                tokio::time::sleep(EVERY).await;
            }
            live.first = false;
            live.look().await;
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
