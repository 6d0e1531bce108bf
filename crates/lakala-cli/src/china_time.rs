//! Dates and times on the command line: China time (UTC+08:00, no daylight saving) unless
//! the text names another offset.

/// China's offset from UTC, in seconds.
pub const OFFSET_SECS: i64 = 8 * 3600;

/// How output names the time zone of the times it shows.
pub const ZONE: &str = "UTC+08:00 (China time)";

/// Days from 1970-01-01 to `y-m-d` (proleptic Gregorian), or `None` for an impossible
/// date.
fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `(year, month, day)` of the day `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn number(text: &str, digits: usize, what: &str) -> Result<i64, String> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} must be {digits} digits"));
    }
    text.parse().map_err(|_| format!("bad {what}"))
}

/// Unix seconds of `text`: `YYYY-MM-DD` (midnight; with `end_of_day`, the next midnight,
/// so that the day is included in a half-open range), `YYYY-MM-DD HH:MM[:SS]` or with a
/// `T`, China time unless followed by `Z` or `+HH:MM` / `-HH:MM`; or `@SECONDS` (Unix
/// time).
pub fn parse(text: &str, end_of_day: bool) -> Result<i64, String> {
    let usage = || {
        format!(
            "{text:?}: expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (China time unless \
             followed by Z or +HH:MM), or @UNIX_SECONDS"
        )
    };
    let text = text.trim();
    if let Some(secs) = text.strip_prefix('@') {
        return secs.parse().map_err(|_| usage());
    }
    if text.len() < 10 || !text.is_char_boundary(10) {
        return Err(usage());
    }
    let (date, rest) = text.split_at(10);
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(usage());
    };
    let day = days_from_civil(
        number(y, 4, "the year").map_err(|e| format!("{}: {e}", usage()))?,
        number(m, 2, "the month").map_err(|e| format!("{}: {e}", usage()))?,
        number(d, 2, "the day").map_err(|e| format!("{}: {e}", usage()))?,
    )
    .ok_or_else(|| format!("{text:?}: no such date"))?;
    if rest.is_empty() {
        let day = if end_of_day { day + 1 } else { day };
        return Ok(day * 86_400 - OFFSET_SECS);
    }
    let rest = rest
        .strip_prefix(' ')
        .or_else(|| rest.strip_prefix('T'))
        .ok_or_else(usage)?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let (h, min, s) = match fields.as_slice() {
        [h, m] => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(usage()),
    };
    let (h, min, s) = (
        number(h, 2, "the hour")?,
        number(min, 2, "the minute")?,
        number(s, 2, "the second")?,
    );
    if h > 23 || min > 59 || s > 59 {
        return Err(format!("{text:?}: no such time of day"));
    }
    let offset = match offset {
        "" => OFFSET_SECS,
        "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let hm: Vec<&str> = o[1..].split(':').collect();
            let [oh, om] = hm.as_slice() else {
                return Err(usage());
            };
            let (oh, om) = (number(oh, 2, "the offset")?, number(om, 2, "the offset")?);
            if oh > 14 || om > 59 {
                return Err(format!("{text:?}: no such offset"));
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Ok(day * 86_400 + h * 3600 + min * 60 + s - offset)
}

/// `YYYY-MM-DD HH:MM:SS` of `unix` in China time.
pub fn format(unix: i64) -> String {
    let local = unix + OFFSET_SECS;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_china_midnights() {
        // 2026-12-01 00:00 +08:00 is 2026-11-30 16:00 UTC (1796054400).
        assert_eq!(parse("2026-12-01", false), Ok(1_796_054_400));
        assert_eq!(parse("2026-12-01", true), Ok(1_796_054_400 + 86_400));
        assert_eq!(parse("2026-12-01 08:00", false), Ok(1_796_083_200));
        assert_eq!(parse("2026-12-01T00:00:00Z", false), Ok(1_796_083_200));
        assert_eq!(parse("2026-12-01T02:00:00+02:00", false), Ok(1_796_083_200));
        assert_eq!(parse("@1796083200", false), Ok(1_796_083_200));
        assert_eq!(format(1_796_083_200), "2026-12-01 08:00:00");
        assert_eq!(
            format(parse("2024-02-29 23:59:59", false).unwrap()),
            "2024-02-29 23:59:59"
        );
        assert_eq!(format(0), "1970-01-01 08:00:00");
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "2026-1-01",
            "2026-12-01 24:00",
            "2026-12-01 10",
            "2026-12-01X10:00",
            "@x",
            "2026-12-01 10:00+99:00",
            "二〇二六-12-01",
        ] {
            assert!(parse(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }
}
