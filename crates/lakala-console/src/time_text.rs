//! Times as people read them: China time (UTC+8), the platform's and the shop's clock.

use lakala_client::china_day::ChinaDay;

/// `YYYY-MM-DD HH:MM:SS` in China time.
pub(crate) fn china_time(unix: i64) -> String {
    let day = ChinaDay::of_unix(unix);
    format!("{day} {}", clock(unix))
}

/// `HH:MM:SS` in China time.
pub(crate) fn clock(unix: i64) -> String {
    let secs = unix - ChinaDay::of_unix(unix).start_unix();
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// A duration in seconds as `4 s`, `2 min 5 s`, `3 h 10 min`.
pub(crate) fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s / 60) % 60),
    }
}

/// An amount in fen as yuan: `12.34`.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// Reads yuan (`12`, `12.3`, `12.34`) as fen; anything else is `None`.
pub(crate) fn parse_yuan(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() > 12 || frac.len() > 2 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_round_trips_and_refuses_junk() {
        assert_eq!(yuan(1234), "12.34");
        assert_eq!(parse_yuan("12.34"), Some(1234));
        assert_eq!(parse_yuan("12.3"), Some(1230));
        assert_eq!(parse_yuan("12"), Some(1200));
        for junk in ["", "1.234", "-1", "1e3", "１", ".5", "1.x"] {
            assert_eq!(parse_yuan(junk), None, "{junk}");
        }
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        // 2026-12-01T16:00:00Z is midnight of 2 December in China.
        assert_eq!(china_time(1_796_140_800), "2026-12-02 00:00:00");
        assert_eq!(duration(125), "2 min 5 s");
    }
}
