//! Working calendars, pure: which weekdays are worked, which days are public holidays
//! (whole or half: a half holiday has its afternoon off), and how many working milli-days a
//! request covers. A day has two halves of 500 milli-days each.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// A public holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
    /// Only the afternoon is off.
    pub half_day: bool,
}

/// A working calendar: worked weekdays and holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkCalendar {
    /// ISO weekday numbers worked (1 = Monday … 7 = Sunday).
    pub weekdays: Vec<u32>,
    pub holidays: BTreeMap<NaiveDate, Holiday>,
}

impl Default for WorkCalendar {
    /// Monday to Friday, no holidays: the calendar when a company has none.
    fn default() -> Self {
        WorkCalendar {
            weekdays: vec![1, 2, 3, 4, 5],
            holidays: BTreeMap::new(),
        }
    }
}

/// Parses `12345` into weekday numbers; `None` when it is not a set of 1..=7.
pub fn parse_weekdays(s: &str) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for c in s.trim().chars() {
        let d = c.to_digit(10).filter(|d| (1..=7).contains(d))?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out.sort_unstable();
    Some(out)
}

pub fn weekdays_text(w: &[u32]) -> String {
    w.iter().map(|d| d.to_string()).collect()
}

pub const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl WorkCalendar {
    /// Milli-days worked in the morning and the afternoon of `day`.
    pub fn halves(&self, day: NaiveDate) -> (i64, i64) {
        if !self.weekdays.contains(&day.weekday().number_from_monday()) {
            return (0, 0);
        }
        match self.holidays.get(&day) {
            Some(h) if h.half_day => (500, 0),
            Some(_) => (0, 0),
            None => (500, 500),
        }
    }

    pub fn is_working(&self, day: NaiveDate) -> bool {
        self.halves(day) != (0, 0)
    }

    /// Working milli-days from `start` (from its afternoon when `start_pm`) to `end`
    /// (to its midday when `end_am`), both included.
    pub fn count(&self, span: &Span) -> i64 {
        let mut total = 0;
        let mut day = span.start;
        while day <= span.end {
            let (am, pm) = self.halves(day);
            let am = if day == span.start && span.start_pm {
                0
            } else {
                am
            };
            let pm = if day == span.end && span.end_am {
                0
            } else {
                pm
            };
            total += am + pm;
            match day.succ_opt() {
                Some(n) => day = n,
                None => break,
            }
        }
        total
    }
}

/// The days a request covers, to the half day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: NaiveDate,
    /// Starts at midday: the first morning is not taken.
    pub start_pm: bool,
    pub end: NaiveDate,
    /// Ends at midday: the last afternoon is not taken.
    pub end_am: bool,
}

/// The most days one request may span.
pub const MAX_SPAN_DAYS: i64 = 366;

impl Span {
    /// Checks the order of the ends; errors name the field.
    pub fn new(
        start: NaiveDate,
        start_pm: bool,
        end: NaiveDate,
        end_am: bool,
    ) -> crate::Result<Span> {
        if end < start {
            return Err(crate::Error::invalid(
                "end",
                "must be on or after the start",
            ));
        }
        if start == end && start_pm && end_am {
            return Err(crate::Error::invalid(
                "end_half",
                "a request starting at midday cannot end at midday the same day",
            ));
        }
        if (end - start).num_days() >= MAX_SPAN_DAYS {
            return Err(crate::Error::invalid(
                "end",
                format!("at most {MAX_SPAN_DAYS} days in one request"),
            ));
        }
        Ok(Span {
            start,
            start_pm,
            end,
            end_am,
        })
    }

    /// Half-day positions covered, both included (2 × day number + 0 morning / 1 afternoon).
    pub fn halves(&self) -> (i64, i64) {
        let n = |d: NaiveDate| i64::from(d.num_days_from_ce()) * 2;
        (
            n(self.start) + i64::from(self.start_pm),
            n(self.end) + 1 - i64::from(self.end_am),
        )
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        let (a0, a1) = self.halves();
        let (b0, b1) = other.halves();
        a0 <= b1 && b0 <= a1
    }

    /// How the span reads: `3 Mar 2026 – 5 Mar 2026 (afternoon)`.
    pub fn text(&self) -> String {
        let f = |d: NaiveDate| d.format("%-d %b %Y").to_string();
        let mut s = f(self.start);
        if self.start_pm {
            s.push_str(" (from midday)");
        }
        if self.end != self.start || self.end_am {
            if self.end != self.start {
                s.push_str(" – ");
                s.push_str(&f(self.end));
            }
            if self.end_am {
                s.push_str(" (until midday)");
            }
        }
        s
    }

    /// Whether `day` is (at least half) in the span.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Whether only half of `day` is in the span.
    pub fn half_on(&self, day: NaiveDate) -> bool {
        (day == self.start && self.start_pm) || (day == self.end && self.end_am)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn cal() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        c.holidays.insert(
            d(2026, 12, 25),
            Holiday {
                day: d(2026, 12, 25),
                name: "Christmas Day".into(),
                half_day: false,
            },
        );
        c.holidays.insert(
            d(2026, 12, 24),
            Holiday {
                day: d(2026, 12, 24),
                name: "Christmas Eve".into(),
                half_day: true,
            },
        );
        c
    }

    #[test]
    fn counts_working_days_with_holidays_and_halves() {
        let c = cal();
        // Mon 21 Dec – Fri 25 Dec 2026: 3 full days, Christmas Eve's morning, Christmas off.
        let s = Span::new(d(2026, 12, 21), false, d(2026, 12, 25), false).expect("span");
        assert_eq!(c.count(&s), 3_500);
        // A week-end counts nothing.
        let w = Span::new(d(2026, 12, 19), false, d(2026, 12, 20), false).expect("span");
        assert_eq!(c.count(&w), 0);
        // Half days at both ends.
        let h = Span::new(d(2026, 12, 21), true, d(2026, 12, 22), true).expect("span");
        assert_eq!(c.count(&h), 1_000);
        let morning = Span::new(d(2026, 12, 21), false, d(2026, 12, 21), true).expect("span");
        assert_eq!(c.count(&morning), 500);
    }

    #[test]
    fn spans_check_their_ends() {
        assert!(Span::new(d(2026, 1, 2), false, d(2026, 1, 1), false).is_err());
        assert!(Span::new(d(2026, 1, 2), true, d(2026, 1, 2), true).is_err());
        let am = Span::new(d(2026, 1, 2), false, d(2026, 1, 2), true).expect("am");
        let pm = Span::new(d(2026, 1, 2), true, d(2026, 1, 2), false).expect("pm");
        assert!(!am.overlaps(&pm));
        assert!(am.overlaps(&am));
    }

    #[test]
    fn weekdays_parse() {
        assert_eq!(parse_weekdays("54321"), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(parse_weekdays("8"), None);
        assert_eq!(weekdays_text(&[1, 2, 7]), "127");
    }

    proptest! {
        #[test]
        fn a_count_is_at_most_the_calendar_days(start in 0i64..800, len in 0i64..60, spm in any::<bool>(), eam in any::<bool>()) {
            let s0 = d(2025, 1, 1) + chrono::Duration::days(start);
            let e0 = s0 + chrono::Duration::days(len);
            if let Ok(s) = Span::new(s0, spm, e0, eam) {
                let n = cal().count(&s);
                prop_assert!(n >= 0);
                prop_assert!(n <= (len + 1) * 1000);
                prop_assert_eq!(n % 500, 0);
            }
        }
    }
}
