//! Service levels on a working calendar: how much *business* time lies between two instants,
//! and which instant lies a given business time after another. A [`Calendar`] has working
//! hours per weekday, holidays, and a fixed offset from UTC (the company's zone). Everything
//! here is pure and counts in microseconds (the unit of [`Timestamp`]).
//!
//! The two functions agree: `business_time_between(s, add_business_time(s, d, c), c) == d`
//! for every `d >= 0`, time is added monotonically and additively, and weekends and
//! holidays never count (property tests below).
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::time::Timestamp;
use crate::{Error, Result};

const MICROS_PER_MIN: i64 = 60_000_000;
const MICROS_PER_DAY: i64 = 24 * 60 * MICROS_PER_MIN;
/// How far ahead `add_business_time` looks for working time before it gives up: 400 years,
/// enough for any duration on any valid calendar (whole weeks are skipped in one step), and
/// a bound for a calendar whose holidays cover every working day for that long.
const MAX_DAYS: i64 = 146_100;

/// Working hours of one weekday: from `start` to `end`, minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub start: u32,
    pub end: u32,
}

impl Hours {
    pub fn new(start: u32, end: u32) -> Result<Hours> {
        if start >= end || end > 24 * 60 {
            return Err(Error::invalid(
                "hours",
                "the day must end after it starts, by 24:00 at the latest",
            ));
        }
        Ok(Hours { start, end })
    }
    /// `09:00-17:00`; empty or `-` for a day off.
    pub fn parse(s: &str) -> Result<Option<Hours>> {
        let s = s.trim();
        if s.is_empty() || s == "-" {
            return Ok(None);
        }
        let bad = || Error::invalid("hours", format!("`{s}` is not HH:MM-HH:MM"));
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let minutes = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && (h < 24 || m == 0)).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        Hours::new(start, end).map(Some)
    }
    pub fn display(self) -> String {
        format!(
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
    fn micros(self) -> i64 {
        i64::from(self.end - self.start) * MICROS_PER_MIN
    }
}

/// When a company works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The company's zone as a fixed offset from UTC, in minutes (-720 to 840).
    pub utc_offset_minutes: i32,
    /// Monday first.
    pub week: [Option<Hours>; 7],
    pub holidays: BTreeSet<NaiveDate>,
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Default for Calendar {
    /// Monday to Friday, 09:00 to 17:00 UTC, no holidays.
    fn default() -> Self {
        let day = Some(Hours {
            start: 9 * 60,
            end: 17 * 60,
        });
        Calendar {
            utc_offset_minutes: 0,
            week: [day, day, day, day, day, None, None],
            holidays: BTreeSet::new(),
        }
    }
}

impl Calendar {
    pub fn validate(&self) -> Result<()> {
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(Error::invalid(
                "utc_offset_minutes",
                "must be between -720 and 840",
            ));
        }
        if self.week.iter().all(Option::is_none) {
            return Err(Error::invalid(
                "hours",
                "at least one day must be a working day",
            ));
        }
        Ok(())
    }

    fn offset(&self) -> i64 {
        i64::from(self.utc_offset_minutes) * MICROS_PER_MIN
    }

    /// The working window of local day number `day` (days since 1970-01-01, local), as
    /// local micros.
    fn window(&self, day: i64) -> Option<(i64, i64)> {
        let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 719_163).ok()?)?;
        if self.holidays.contains(&date) {
            return None;
        }
        let h = self.week[weekday_index(date.weekday())]?;
        let base = day * MICROS_PER_DAY;
        Some((
            base + i64::from(h.start) * MICROS_PER_MIN,
            base + i64::from(h.end) * MICROS_PER_MIN,
        ))
    }

    /// Is `t` within working hours?
    pub fn is_working(&self, t: Timestamp) -> bool {
        let local = t.0.saturating_add(self.offset());
        self.window(local.div_euclid(MICROS_PER_DAY))
            .is_some_and(|(s, e)| local >= s && local < e)
    }

    /// Working time in an ordinary week (micros), for display.
    pub fn week_micros(&self) -> i64 {
        self.week.iter().flatten().map(|h| h.micros()).sum()
    }
}

fn weekday_index(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

/// The instant `duration` (µs, negative counts as zero) of working time after `start`. A
/// zero duration returns `start`. With no working time in the next 400 years, returns the
/// instant 400 years on.
pub fn add_business_time(start: Timestamp, duration: i64, cal: &Calendar) -> Timestamp {
    let mut left = duration.max(0);
    if left == 0 {
        return start;
    }
    let off = cal.offset();
    let local = start.0.saturating_add(off);
    let first = local.div_euclid(MICROS_PER_DAY);
    // Whole weeks without holidays are taken at once (as when measuring), so a sparse
    // calendar (one hour a week) still reaches any duration quickly and exactly.
    let week = cal.week_micros();
    let mut day = first;
    while day < first + MAX_DAYS {
        if day > first && week > 0 && left > week && no_holidays(cal, day, day + 7) {
            left -= week;
            day += 7;
            continue;
        }
        if let Some((ws, we)) = cal.window(day) {
            let from = ws.max(local);
            if from < we {
                let avail = we - from;
                if left <= avail {
                    return Timestamp(from + left - off);
                }
                left -= avail;
            }
        }
        day += 1;
    }
    Timestamp(local + MAX_DAYS * MICROS_PER_DAY - off)
}

/// Working time (µs) from `a` to `b`; zero when `b` is not after `a`.
pub fn business_time_between(a: Timestamp, b: Timestamp, cal: &Calendar) -> i64 {
    if b <= a {
        return 0;
    }
    let off = cal.offset();
    let (la, lb) = (a.0.saturating_add(off), b.0.saturating_add(off));
    let (first, last) = (la.div_euclid(MICROS_PER_DAY), lb.div_euclid(MICROS_PER_DAY));
    // Whole weeks without holidays in between are counted at once: cases stay open for
    // months, and the SLA job measures every open case each minute.
    let week = cal.week_micros();
    let mut total = 0i64;
    let mut day = first;
    while day <= last {
        if day > first && day + 7 <= last && week > 0 && no_holidays(cal, day, day + 7) {
            total += week;
            day += 7;
            continue;
        }
        if let Some((ws, we)) = cal.window(day) {
            let (s, e) = (ws.max(la), we.min(lb));
            if e > s {
                total += e - s;
            }
        }
        day += 1;
    }
    total
}

/// Whether local days `from..to` hold no holiday.
fn no_holidays(cal: &Calendar, from: i64, to: i64) -> bool {
    if cal.holidays.is_empty() {
        return true;
    }
    let date = |d: i64| {
        i32::try_from(d + 719_163)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
    };
    match (date(from), date(to)) {
        (Some(a), Some(b)) => cal.holidays.range(a..b).next().is_none(),
        _ => false,
    }
}

/// Formats business micros as `3 h 20 min` for pages.
pub fn format_duration(micros: i64) -> String {
    let neg = micros < 0;
    let mins = micros.abs() / MICROS_PER_MIN;
    let (h, m) = (mins / 60, mins % 60);
    let s = match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

pub const fn minutes(m: i64) -> i64 {
    m * MICROS_PER_MIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> Timestamp {
        let dt = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        Timestamp(dt.and_utc().timestamp_micros())
    }

    fn cal() -> Calendar {
        let mut c = Calendar::default();
        // Wednesday 2026-12-02 is a holiday.
        c.holidays
            .insert(NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"));
        c
    }

    #[test]
    fn hours_parse() {
        assert_eq!(
            Hours::parse("09:00-17:30").expect("ok"),
            Some(Hours {
                start: 540,
                end: 1050
            })
        );
        assert_eq!(Hours::parse("").expect("ok"), None);
        assert_eq!(Hours::parse("-").expect("ok"), None);
        for bad in ["9-17", "17:00-09:00", "09:00-25:00", "x"] {
            assert!(Hours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adds_across_nights_weekends_and_holidays() {
        let c = cal();
        // Friday 16:00 + 2 h = Monday 10:00.
        assert_eq!(
            add_business_time(at("2026-11-27 16:00"), minutes(120), &c),
            at("2026-11-30 10:00")
        );
        // Tuesday 16:00 + 2 h skips the Wednesday holiday: Thursday 10:00.
        assert_eq!(
            add_business_time(at("2026-12-01 16:00"), minutes(120), &c),
            at("2026-12-03 10:00")
        );
        // Saturday night + 1 min = Monday 09:01.
        assert_eq!(
            add_business_time(at("2026-11-28 23:00"), minutes(1), &c),
            at("2026-11-30 09:01")
        );
        assert_eq!(
            business_time_between(at("2026-11-27 16:00"), at("2026-11-30 10:00"), &c),
            minutes(120)
        );
        // Four weeks Monday to Monday without holidays: 4 x 40 h.
        assert_eq!(
            business_time_between(at("2027-01-04 09:00"), at("2027-02-01 09:00"), &c),
            minutes(4 * 40 * 60)
        );
    }

    #[test]
    fn the_zone_offset_moves_the_working_day() {
        let c = Calendar {
            utc_offset_minutes: 120,
            ..Default::default()
        };
        // 07:00 UTC is 09:00 local: the day starts.
        assert!(c.is_working(at("2026-11-30 07:00")));
        assert!(!c.is_working(at("2026-11-30 06:59")));
        assert_eq!(
            add_business_time(at("2026-11-30 06:00"), minutes(60), &c),
            at("2026-11-30 08:00")
        );
    }

    fn arb_cal() -> impl Strategy<Value = Calendar> {
        (
            -720i32..=840,
            proptest::collection::vec(proptest::option::of((0u32..720, 1u32..720)), 7),
            proptest::collection::btree_set(0i64..120, 0..10),
        )
            .prop_filter_map("needs a working day", |(off, days, hol)| {
                let mut week = [None; 7];
                for (i, d) in days.into_iter().enumerate() {
                    week[i] = d.map(|(s, len)| Hours {
                        start: s,
                        end: (s + len).min(1440),
                    });
                }
                let base = NaiveDate::from_ymd_opt(2026, 11, 1)?;
                let holidays = hol
                    .into_iter()
                    .filter_map(|d| base.checked_add_days(chrono::Days::new(d as u64)))
                    .collect();
                let c = Calendar {
                    utc_offset_minutes: off,
                    week,
                    holidays,
                };
                c.validate().ok().map(|_| c)
            })
    }

    const START: i64 = 1_793_000_000_000_000; // late 2026

    proptest! {
        #[test]
        fn adding_and_measuring_agree(c in arb_cal(), s in 0i64..(90 * MICROS_PER_DAY), d in 0i64..(200 * 60 * MICROS_PER_MIN)) {
            let start = Timestamp(START + s);
            let end = add_business_time(start, d, &c);
            prop_assert!(end >= start);
            prop_assert_eq!(business_time_between(start, end, &c), d);
        }

        #[test]
        fn adding_is_monotonic_and_additive(c in arb_cal(), s in 0i64..(90 * MICROS_PER_DAY), d1 in 0i64..(100 * 60 * MICROS_PER_MIN), d2 in 0i64..(100 * 60 * MICROS_PER_MIN)) {
            let start = Timestamp(START + s);
            let a = add_business_time(start, d1, &c);
            let b = add_business_time(start, d1 + d2, &c);
            prop_assert!(a <= b);
            prop_assert_eq!(add_business_time(a, d2, &c), b);
        }

        #[test]
        fn measuring_is_additive(c in arb_cal(), s in 0i64..(90 * MICROS_PER_DAY), x in 0i64..(40 * MICROS_PER_DAY), y in 0i64..(40 * MICROS_PER_DAY)) {
            let a = Timestamp(START + s);
            let b = Timestamp(a.0 + x);
            let e = Timestamp(b.0 + y);
            prop_assert_eq!(
                business_time_between(a, b, &c) + business_time_between(b, e, &c),
                business_time_between(a, e, &c)
            );
            prop_assert!(business_time_between(a, e, &c) <= e.0 - a.0);
        }

        #[test]
        fn holidays_and_days_off_never_count(c in arb_cal(), day in 0i64..120) {
            // A whole local day that is a holiday or not a working day counts nothing.
            let base = Timestamp(START).0 + i64::from(c.utc_offset_minutes) * MICROS_PER_MIN;
            let local_day = base.div_euclid(MICROS_PER_DAY) + day;
            if c.window(local_day).is_none() {
                let off = i64::from(c.utc_offset_minutes) * MICROS_PER_MIN;
                let from = Timestamp(local_day * MICROS_PER_DAY - off);
                let to = Timestamp((local_day + 1) * MICROS_PER_DAY - off);
                prop_assert_eq!(business_time_between(from, to, &c), 0);
                prop_assert!(!c.is_working(from));
            }
        }
    }
}
