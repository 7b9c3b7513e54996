//! iCalendar (RFC 5545) text for time-off feeds, pure: all-day events with an exclusive
//! end, CRLF line endings, lines folded at 75 octets, text escaped.
use chrono::NaiveDate;

use crate::time::Timestamp;

/// One absence in a feed: only a name and dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub uid: String,
    pub name: String,
    pub start: NaiveDate,
    /// Inclusive last day.
    pub end: NaiveDate,
    /// A half day at either end.
    pub partial: bool,
}

/// Escapes TEXT per RFC 5545 §3.3.11.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a UTF-8 character) and ends it with CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The calendar text.
pub fn calendar(name: &str, events: &[FeedEvent], now: Timestamp) -> String {
    let stamp = now.to_datetime().format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Steward//Time off//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold(l, &mut out);
    }
    fold(&format!("X-WR-CALNAME:{}", escape(name)), &mut out);
    for e in events {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}", escape(&e.uid)), &mut out);
        fold(&format!("DTSTAMP:{stamp}"), &mut out);
        fold(&format!("DTSTART;VALUE=DATE:{}", date(e.start)), &mut out);
        let end = e.end.succ_opt().unwrap_or(e.end);
        fold(&format!("DTEND;VALUE=DATE:{}", date(end)), &mut out);
        let summary = if e.partial {
            format!("{} (off, part day)", e.name)
        } else {
            format!("{} (off)", e.name)
        };
        fold(&format!("SUMMARY:{}", escape(&summary)), &mut out);
        fold("TRANSP:TRANSPARENT", &mut out);
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_all_day_with_exclusive_ends_and_folded_lines() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        let long = "Ä".repeat(60);
        let text = calendar(
            "Team, A; B",
            &[FeedEvent {
                uid: "timeoff-7@steward".into(),
                name: long.clone(),
                start: d(3, 2),
                end: d(3, 4),
                partial: false,
            }],
            Timestamp(0),
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20260302\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20260305\r\n"));
        assert!(text.contains("DTSTAMP:19700101T000000Z\r\n"));
        assert!(text.contains("X-WR-CALNAME:Team\\, A\\; B\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(!text.replace("\r\n", "").contains('\n'));
        // Unfolding gives the summary back.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long} (off)")));
    }
}
