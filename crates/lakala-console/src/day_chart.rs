//! A day's charts, drawn on the server as inline SVG (no script, no external resource):
//! payments per minute by outcome, time to final, and the pending share.

use crate::html::esc;
use crate::time_text::clock;
use lakala_journal::{PaymentRecord, PaymentStatus};
use std::fmt::Write;

const W: f64 = 960.0;
const H: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 26.0;
/// At most this many time buckets across the chart.
const MAX_BUCKETS: i64 = 120;
/// A payment "went pending" when it was not final this many seconds after it was written.
pub(crate) const PENDING_AFTER_SECS: i64 = 10;

/// The outcome classes, stacked bottom to top, with their colours.
const CLASSES: [(&str, &str); 5] = [
    ("succeeded", "#2e7d32"),
    ("failed", "#c62828"),
    ("revoked", "#5e35b1"),
    ("open", "#b26a00"),
    ("unresolved", "#d84315"),
];

fn class_of(r: &PaymentRecord) -> usize {
    match r.status {
        PaymentStatus::Succeeded => 0,
        PaymentStatus::Failed => 1,
        PaymentStatus::Revoked => 2,
        PaymentStatus::Unresolved => 4,
        _ => 3,
    }
}

/// The time buckets of a day's payments: first bucket start, width in seconds, count.
pub(crate) struct Buckets {
    pub start: i64,
    pub width: i64,
    pub count: usize,
}

impl Buckets {
    /// Minute buckets from the first payment's minute to the last one's (at least an hour),
    /// widened to whole minutes so that there are at most [`MAX_BUCKETS`].
    pub fn of(records: &[PaymentRecord]) -> Option<Self> {
        let first = records.iter().map(|r| r.created_at).min()?;
        let last = records.iter().map(|r| r.created_at).max()?;
        let start = first - first.rem_euclid(60);
        let minutes = ((last - start) / 60 + 1).max(60);
        let per = (minutes + MAX_BUCKETS - 1) / MAX_BUCKETS;
        let count = (minutes + per - 1) / per;
        Some(Self {
            start,
            width: per * 60,
            count: count as usize,
        })
    }

    fn index(&self, t: i64) -> usize {
        (((t - self.start) / self.width).max(0) as usize).min(self.count - 1)
    }

    fn x(&self, i: usize) -> f64 {
        LEFT + (W - LEFT - 8.0) * i as f64 / self.count as f64
    }

    fn bar_width(&self) -> f64 {
        ((W - LEFT - 8.0) / self.count as f64 - 1.0).max(1.0)
    }

    /// Axis labels under the chart.
    fn time_axis(&self, out: &mut String) {
        let step = (self.count / 6).max(1);
        for i in (0..self.count).step_by(step) {
            let t = self.start + i as i64 * self.width;
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#667085">{}</text>"##,
                self.x(i),
                H - 8.0,
                &clock(t)[..5]
            );
        }
    }

    /// What one bucket is, said in words.
    pub fn unit(&self) -> String {
        match self.width / 60 {
            1 => "per minute".to_owned(),
            n => format!("per {n} minutes"),
        }
    }
}

fn frame(id: &str, title: &str, inner: &str) -> String {
    format!(
        r##"<svg id="{id}" role="img" aria-label="{t}" viewBox="0 0 {W} {H}" width="100%" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><line x1="{LEFT}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#98a2b3"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y0}" stroke="#98a2b3"/>{inner}</svg>"##,
        t = esc(title),
        y0 = H - BOTTOM,
        x1 = W - 8.0,
    )
}

fn y_of(value: f64, max: f64) -> f64 {
    let plot = H - BOTTOM - TOP;
    H - BOTTOM - plot * value / max.max(1e-9)
}

fn y_axis(out: &mut String, max: f64, label: impl Fn(f64) -> String) {
    for frac in [0.0, 0.5, 1.0] {
        let v = max * frac;
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#667085" text-anchor="end">{}</text>"##,
            LEFT - 4.0,
            y_of(v, max) + 4.0,
            label(v)
        );
    }
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    let width: f64 = items.iter().map(|(n, _)| 24.0 + 7.0 * n.len() as f64).sum();
    let mut x = W - 8.0 - width;
    for (name, colour) in items {
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="4" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="13" font-size="11" fill="#1d2330">{name}</text>"##,
            x + 14.0
        );
        x += 24.0 + 7.0 * name.len() as f64;
    }
}

/// Payments per bucket, stacked by outcome class.
pub(crate) fn per_minute(records: &[PaymentRecord], b: &Buckets) -> String {
    let mut counts = vec![[0u32; 5]; b.count];
    for r in records {
        counts[b.index(r.created_at)][class_of(r)] += 1;
    }
    let max = counts
        .iter()
        .map(|c| c.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut inner = String::new();
    y_axis(&mut inner, max, |v| format!("{v:.0}"));
    for (i, c) in counts.iter().enumerate() {
        let mut below = 0.0;
        for (k, n) in c.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let top = below + f64::from(*n);
            let _ = write!(
                inner,
                r##"<rect class="bar" data-class="{class}" data-count="{n}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>{t}: {n} {class}</title></rect>"##,
                b.x(i),
                y_of(top, max),
                b.bar_width(),
                y_of(below, max) - y_of(top, max),
                class = CLASSES[k].0,
                colour = CLASSES[k].1,
                t = clock(b.start + i as i64 * b.width),
            );
            below = top;
        }
    }
    b.time_axis(&mut inner);
    legend(&mut inner, &CLASSES);
    frame(
        "chart-per-minute",
        &format!("payments {} by outcome", b.unit()),
        &inner,
    )
}

/// The time-to-final buckets: upper bounds in seconds, and labels.
const FINAL_BUCKETS: [(i64, &str); 7] = [
    (1, "< 1 s"),
    (5, "1–5 s"),
    (15, "5–15 s"),
    (60, "15–60 s"),
    (300, "1–5 min"),
    (1800, "5–30 min"),
    (i64::MAX, "≥ 30 min"),
];

/// How long payments took to become final (those that did).
pub(crate) fn time_to_final(records: &[PaymentRecord]) -> String {
    let mut counts = [0u32; FINAL_BUCKETS.len()];
    for r in records {
        if let Some(f) = r.finished_at {
            let took = (f - r.created_at).max(0);
            let i = FINAL_BUCKETS
                .iter()
                .position(|(upper, _)| took < *upper)
                .unwrap_or(FINAL_BUCKETS.len() - 1);
            counts[i] += 1;
        }
    }
    let max = f64::from(counts.iter().copied().max().unwrap_or(0).max(1));
    let mut inner = String::new();
    y_axis(&mut inner, max, |v| format!("{v:.0}"));
    let slot = (W - LEFT - 8.0) / FINAL_BUCKETS.len() as f64;
    for (i, (n, (_, label))) in counts.iter().zip(FINAL_BUCKETS.iter()).enumerate() {
        let x = LEFT + slot * i as f64 + 6.0;
        let y = y_of(f64::from(*n), max);
        let _ = write!(
            inner,
            r##"<rect class="bar" data-bucket="{label}" data-count="{n}" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="#1565c0"><title>{label}: {n}</title></rect><text x="{:.1}" y="{:.1}" font-size="11" fill="#667085" text-anchor="middle">{label}</text><text x="{:.1}" y="{:.1}" font-size="11" fill="#1d2330" text-anchor="middle">{n}</text>"##,
            slot - 12.0,
            H - BOTTOM - y,
            x + (slot - 12.0) / 2.0,
            H - 8.0,
            x + (slot - 12.0) / 2.0,
            (y - 3.0).max(TOP + 10.0),
        );
    }
    frame("chart-time-to-final", "time to final", &inner)
}

/// Per bucket, the share of its payments that were not final
/// [`PENDING_AFTER_SECS`] after they were written (answered pending, or still open).
pub(crate) fn pending_share(records: &[PaymentRecord], b: &Buckets) -> String {
    let mut all = vec![0u32; b.count];
    let mut pending = vec![0u32; b.count];
    for r in records {
        let i = b.index(r.created_at);
        all[i] += 1;
        let late = r
            .finished_at
            .is_none_or(|f| f - r.created_at > PENDING_AFTER_SECS);
        if late {
            pending[i] += 1;
        }
    }
    let mut inner = String::new();
    y_axis(&mut inner, 1.0, |v| format!("{:.0}%", v * 100.0));
    let mut points = Vec::new();
    for i in 0..b.count {
        if all[i] == 0 {
            continue;
        }
        let share = f64::from(pending[i]) / f64::from(all[i]);
        let x = b.x(i) + b.bar_width() / 2.0;
        let y = y_of(share, 1.0);
        points.push(format!("{x:.1},{y:.1}"));
        let _ = write!(
            inner,
            r##"<circle class="point" data-share="{share:.3}" cx="{x:.1}" cy="{y:.1}" r="3" fill="#b26a00"><title>{t}: {p} of {a} not final after {PENDING_AFTER_SECS} s</title></circle>"##,
            t = clock(b.start + i as i64 * b.width),
            p = pending[i],
            a = all[i],
        );
    }
    if points.len() > 1 {
        let _ = write!(
            inner,
            r##"<polyline points="{}" fill="none" stroke="#b26a00" stroke-width="1.5"/>"##,
            points.join(" ")
        );
    }
    b.time_axis(&mut inner);
    frame(
        "chart-pending-share",
        &format!("pending share {}", b.unit()),
        &inner,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakala_journal::{PaymentKey, PaymentKind};

    fn record(
        n: usize,
        created: i64,
        status: PaymentStatus,
        finished: Option<i64>,
    ) -> PaymentRecord {
        PaymentRecord {
            key: PaymentKey::new("822290059430001", format!("MP{n}")),
            kind: PaymentKind::Micropay,
            term_no: "SBX00001".into(),
            origin_out_trade_no: None,
            amount_fen: Some(100),
            masked_auth_code: None,
            auth_digest: None,
            fingerprint: "f".into(),
            status,
            trade_no: None,
            last_trade_state: None,
            outcome: None,
            reason: None,
            attempts: 0,
            event_count: 1,
            created_at: created,
            created_by: "test".into(),
            updated_at: created,
            next_check_at: None,
            finished_at: finished,
            lease_owner: None,
            lease_until: None,
            lease_token: 0,
            conflict: None,
        }
    }

    #[test]
    fn charts_count_what_they_say() {
        let t0 = 1_796_140_800 + 9 * 3600;
        let records = vec![
            record(1, t0, PaymentStatus::Succeeded, Some(t0 + 1)),
            record(2, t0 + 5, PaymentStatus::Succeeded, Some(t0 + 30)),
            record(3, t0 + 65, PaymentStatus::Pending, None),
            record(4, t0 + 70, PaymentStatus::Failed, Some(t0 + 71)),
        ];
        let b = Buckets::of(&records).unwrap();
        assert_eq!((b.width, b.count), (60, 60));
        let svg = per_minute(&records, &b);
        assert!(
            svg.contains(r#"data-class="succeeded" data-count="2""#),
            "{svg}"
        );
        assert!(svg.contains(r#"data-class="open" data-count="1""#), "{svg}");
        let svg = time_to_final(&records);
        assert!(
            svg.contains(r#"data-bucket="1–5 s" data-count="2""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"data-bucket="15–60 s" data-count="1""#),
            "{svg}"
        );
        let svg = pending_share(&records, &b);
        assert!(svg.contains(r#"data-share="0.500""#), "{svg}");
    }
}
