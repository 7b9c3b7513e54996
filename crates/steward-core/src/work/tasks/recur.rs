//! Recurrence rules for recurring tasks: the all-day subset of RFC 5545 `RRULE` that a back
//! office needs. `FREQ` (DAILY, WEEKLY, MONTHLY, YEARLY), `INTERVAL`, `BYDAY` (with
//! ordinals in monthly and yearly rules: `1MO`, `-1FR`), `BYMONTHDAY` (negative counts from
//! the month's end), `BYMONTH`, `BYSETPOS`, `COUNT` and `UNTIL`. Weeks start on Monday.
//!
//! Why not the `rrule` crate: it works on zoned date-times and pulls in `chrono-tz` (the
//! whole time-zone database compiled in) and `regex`; tasks fall due on days, and this
//! subset is a few hundred lines, covered by property tests below.
//!
//! Examples: `FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1` is the last working day of
//! every month; `FREQ=WEEKLY;BYDAY=MO` every Monday; `FREQ=MONTHLY;BYMONTHDAY=1,15` the 1st
//! and the 15th.
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::fmt;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Freq {
    fn as_str(self) -> &'static str {
        match self {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        }
    }
}

/// A weekday, with an ordinal in monthly and yearly rules (`-1FR`: the last Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByDay {
    pub nth: Option<i32>,
    pub weekday: Weekday,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub by_day: Vec<ByDay>,
    pub by_month_day: Vec<i32>,
    pub by_month: Vec<u32>,
    pub by_set_pos: Vec<i32>,
    pub count: Option<u32>,
    pub until: Option<NaiveDate>,
}

/// The longest a rule may be written.
pub const MAX_RULE_LEN: usize = 300;
/// A rule that finds no date in this many periods is given up on (`FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2`).
const MAX_PERIODS: u32 = 20_000;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn bad(message: impl Into<String>) -> Error {
    Error::invalid("rrule", message)
}

fn int_list(part: &str, value: &str, min: i32, max: i32, signed: bool) -> Result<Vec<i32>> {
    let mut out = Vec::new();
    for v in value.split(',') {
        let n: i32 = v
            .trim()
            .parse()
            .map_err(|_| bad(format!("{part}: `{v}` is not a number")))?;
        let ok = if signed {
            n != 0 && n.abs() >= min && n.abs() <= max
        } else {
            (min..=max).contains(&n)
        };
        if !ok {
            return Err(bad(format!(
                "{part}: `{v}` is out of range ({}{min} to {max})",
                if signed { "±" } else { "" }
            )));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

fn weekday_name(w: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, d)| *d == w)
        .map(|(n, _)| *n)
        .unwrap_or("MO")
}

impl Rule {
    /// Parses `FREQ=…;…` (an optional `RRULE:` prefix is allowed). Errors name the field
    /// `rrule` and say which part is wrong.
    pub fn parse(s: &str) -> Result<Rule> {
        let s = s.trim();
        if s.is_empty() {
            return Err(bad("is required, e.g. FREQ=WEEKLY;BYDAY=MO"));
        }
        if s.len() > MAX_RULE_LEN {
            return Err(bad(format!("at most {MAX_RULE_LEN} characters")));
        }
        let s = s.strip_prefix("RRULE:").unwrap_or(s);
        let mut freq = None;
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            count: None,
            until: None,
        };
        let mut seen: Vec<String> = Vec::new();
        for part in s.split(';').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("`{part}` is not NAME=VALUE")))?;
            let k = k.trim().to_ascii_uppercase();
            let v = v.trim().to_ascii_uppercase();
            if seen.contains(&k) {
                return Err(bad(format!("{k} is given twice")));
            }
            seen.push(k.clone());
            match k.as_str() {
                "FREQ" => {
                    freq = Some(match v.as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => return Err(bad("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")),
                    })
                }
                "INTERVAL" => {
                    rule.interval = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=1000).contains(n))
                        .ok_or_else(|| bad("INTERVAL must be a number from 1 to 1000"))?
                }
                "COUNT" => {
                    rule.count = Some(
                        v.parse()
                            .ok()
                            .filter(|n| (1..=10_000).contains(n))
                            .ok_or_else(|| bad("COUNT must be a number from 1 to 10000"))?,
                    )
                }
                "UNTIL" => {
                    let day = v.get(..8).unwrap_or("");
                    rule.until = Some(
                        NaiveDate::parse_from_str(day, "%Y%m%d")
                            .map_err(|_| bad("UNTIL must be a date YYYYMMDD"))?,
                    )
                }
                "BYDAY" => {
                    for d in v.split(',') {
                        let d = d.trim();
                        let (num, name) = d.split_at(d.len().saturating_sub(2));
                        let weekday = WEEKDAYS
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, w)| *w)
                            .ok_or_else(|| bad(format!("BYDAY: `{d}` is not a weekday (MO..SU)")))?;
                        let nth = if num.is_empty() {
                            None
                        } else {
                            let n: i32 = num
                                .trim_start_matches('+')
                                .parse()
                                .map_err(|_| bad(format!("BYDAY: `{d}` has a bad ordinal")))?;
                            if n == 0 || n.abs() > 53 {
                                return Err(bad(format!("BYDAY: `{d}` has a bad ordinal")));
                            }
                            Some(n)
                        };
                        let bd = ByDay { nth, weekday };
                        if !rule.by_day.contains(&bd) {
                            rule.by_day.push(bd);
                        }
                    }
                }
                "BYMONTHDAY" => rule.by_month_day = int_list("BYMONTHDAY", &v, 1, 31, true)?,
                "BYMONTH" => {
                    rule.by_month = int_list("BYMONTH", &v, 1, 12, false)?
                        .into_iter()
                        .map(|m| m.unsigned_abs())
                        .collect()
                }
                "BYSETPOS" => rule.by_set_pos = int_list("BYSETPOS", &v, 1, 366, true)?,
                "WKST" if v == "MO" => {}
                "WKST" => return Err(bad("only WKST=MO (weeks start on Monday) is supported")),
                other => {
                    return Err(bad(format!(
                        "{other} is not supported (FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, COUNT, UNTIL)"
                    )))
                }
            }
        }
        rule.freq = freq.ok_or_else(|| bad("FREQ is required"))?;
        if rule.count.is_some() && rule.until.is_some() {
            return Err(bad("give COUNT or UNTIL, not both"));
        }
        let ordinals = rule.by_day.iter().any(|d| d.nth.is_some());
        if ordinals && !matches!(rule.freq, Freq::Monthly | Freq::Yearly) {
            return Err(bad(
                "BYDAY ordinals (1MO, -1FR) are for MONTHLY and YEARLY rules",
            ));
        }
        if rule.freq == Freq::Yearly && !rule.by_day.is_empty() && rule.by_month.is_empty() {
            return Err(bad("a YEARLY rule with BYDAY needs BYMONTH"));
        }
        if rule.freq == Freq::Weekly && !rule.by_month_day.is_empty() {
            return Err(bad("BYMONTHDAY is not allowed in a WEEKLY rule"));
        }
        Ok(rule)
    }

    /// The dates of the periods (`FREQ` units) starting with the one that holds `start`,
    /// one period at a time: each item is that period's dates, ascending, `BYSETPOS` applied.
    fn period_dates(&self, start: NaiveDate, index: u32) -> Vec<NaiveDate> {
        let step = i64::from(index) * i64::from(self.interval);
        let mut days: Vec<NaiveDate> = match self.freq {
            Freq::Daily => {
                let Some(d) = start.checked_add_signed(Duration::days(step)) else {
                    return Vec::new();
                };
                vec![d]
            }
            Freq::Weekly => {
                let monday =
                    start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
                let Some(monday) = monday.checked_add_signed(Duration::weeks(step)) else {
                    return Vec::new();
                };
                (0..7).map(|i| monday + Duration::days(i)).collect()
            }
            Freq::Monthly => {
                let months = i64::from(start.year()) * 12 + i64::from(start.month0()) + step;
                let (Ok(y), Ok(m)) = (
                    i32::try_from(months.div_euclid(12)),
                    u32::try_from(months.rem_euclid(12) + 1),
                ) else {
                    return Vec::new();
                };
                month_days(y, m)
            }
            Freq::Yearly => {
                let Ok(y) = i32::try_from(i64::from(start.year()) + step) else {
                    return Vec::new();
                };
                let months: Vec<u32> = if self.by_month.is_empty() {
                    vec![start.month()]
                } else {
                    self.by_month.clone()
                };
                let mut v: Vec<NaiveDate> = months.iter().flat_map(|&m| month_days(y, m)).collect();
                v.sort();
                v
            }
        };
        days = self.select(start, days);
        if !self.by_set_pos.is_empty() {
            let n = days.len() as i64;
            let mut picked: Vec<NaiveDate> = self
                .by_set_pos
                .iter()
                .filter_map(|&p| {
                    let i = if p > 0 {
                        i64::from(p) - 1
                    } else {
                        n + i64::from(p)
                    };
                    usize::try_from(i).ok().and_then(|i| days.get(i).copied())
                })
                .collect();
            picked.sort();
            picked.dedup();
            days = picked;
        }
        days
    }

    /// Keeps the dates of one period that the BY* parts select; without any, the
    /// start's weekday (weekly) or day of month (monthly, yearly).
    fn select(&self, start: NaiveDate, days: Vec<NaiveDate>) -> Vec<NaiveDate> {
        if days.is_empty() {
            return days;
        }
        let month_ok =
            |d: &NaiveDate| self.by_month.is_empty() || self.by_month.contains(&d.month());
        let month_day_ok = |d: &NaiveDate| {
            self.by_month_day.is_empty()
                || self.by_month_day.iter().any(|&md| {
                    let len = days_in_month(d.year(), d.month()) as i32;
                    let want = if md > 0 { md } else { len + 1 + md };
                    d.day() as i32 == want
                })
        };
        let by_day_ok = |d: &NaiveDate| {
            self.by_day.is_empty()
                || self.by_day.iter().any(|bd| {
                    if bd.weekday != d.weekday() {
                        return false;
                    }
                    match bd.nth {
                        None => true,
                        Some(n) => {
                            // The ordinal counts within the month.
                            let first = (d.day() as i32 - 1) / 7 + 1;
                            let len = days_in_month(d.year(), d.month()) as i32;
                            let last = -((len - d.day() as i32) / 7 + 1);
                            n == first || n == last
                        }
                    }
                })
        };
        let default_ok = |d: &NaiveDate| match self.freq {
            Freq::Daily => true,
            Freq::Weekly => !self.by_day.is_empty() || d.weekday() == start.weekday(),
            Freq::Monthly | Freq::Yearly => {
                !self.by_day.is_empty() || !self.by_month_day.is_empty() || d.day() == start.day()
            }
        };
        days.into_iter()
            .filter(|d| month_ok(d) && month_day_ok(d) && by_day_ok(d) && default_ok(d))
            .collect()
    }

    /// The rule's dates within `from..=to`, counted from `start` (the first possible date;
    /// `COUNT` counts from there).
    pub fn occurrences(&self, start: NaiveDate, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut counted = 0u32;
        let mut empty_run = 0u32;
        let end = match self.until {
            Some(u) => u.min(to),
            None => to,
        };
        for index in 0..u32::MAX {
            let dates = self.period_dates(start, index);
            if dates.is_empty() {
                empty_run += 1;
                if empty_run > MAX_PERIODS {
                    break;
                }
            } else {
                empty_run = 0;
            }
            let mut past_end = false;
            for d in dates {
                if d < start {
                    continue;
                }
                if d > end {
                    past_end = true;
                    break;
                }
                counted += 1;
                if self.count.is_some_and(|c| counted > c) {
                    return out;
                }
                if d >= from {
                    out.push(d);
                }
            }
            if past_end || self.period_start(start, index) > end {
                break;
            }
        }
        out
    }

    /// The first day of period `index` (a lower bound for its dates).
    fn period_start(&self, start: NaiveDate, index: u32) -> NaiveDate {
        let step = i64::from(index) * i64::from(self.interval);
        let d = match self.freq {
            Freq::Daily => start.checked_add_signed(Duration::days(step)),
            Freq::Weekly => (start
                - Duration::days(i64::from(start.weekday().num_days_from_monday())))
            .checked_add_signed(Duration::weeks(step)),
            Freq::Monthly => {
                let months = i64::from(start.year()) * 12 + i64::from(start.month0()) + step;
                i32::try_from(months.div_euclid(12)).ok().and_then(|y| {
                    NaiveDate::from_ymd_opt(y, u32::try_from(months.rem_euclid(12) + 1).ok()?, 1)
                })
            }
            Freq::Yearly => i32::try_from(i64::from(start.year()) + step)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)),
        };
        d.unwrap_or(NaiveDate::MAX)
    }

    /// The next date on or after `from`, if the rule has one within ten years.
    pub fn next_on_or_after(&self, start: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
        let to = from.checked_add_signed(Duration::days(3660))?;
        self.occurrences(start, from, to).into_iter().next()
    }

    /// A short description for people ("Monthly: last working day").
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Rule {
    /// The canonical form: `FREQ` first, then the other parts in a fixed order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq.as_str())?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        let join = |v: &[i32]| {
            v.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.by_month.is_empty() {
            let m: Vec<i32> = self.by_month.iter().map(|&m| m as i32).collect();
            write!(f, ";BYMONTH={}", join(&m))?;
        }
        if !self.by_month_day.is_empty() {
            write!(f, ";BYMONTHDAY={}", join(&self.by_month_day))?;
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|d| match d.nth {
                    Some(n) => format!("{n}{}", weekday_name(d.weekday)),
                    None => weekday_name(d.weekday).to_string(),
                })
                .collect();
            write!(f, ";BYDAY={}", days.join(","))?;
        }
        if !self.by_set_pos.is_empty() {
            write!(f, ";BYSETPOS={}", join(&self.by_set_pos))?;
        }
        if let Some(c) = self.count {
            write!(f, ";COUNT={c}")?;
        }
        if let Some(u) = self.until {
            write!(f, ";UNTIL={}", u.format("%Y%m%d"))?;
        }
        Ok(())
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y.saturating_add(1), 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    match (NaiveDate::from_ymd_opt(y, m, 1), next) {
        (Some(a), Some(b)) => u32::try_from((b - a).num_days()).unwrap_or(28),
        _ => 28,
    }
}

fn month_days(y: i32, m: u32) -> Vec<NaiveDate> {
    (1..=days_in_month(y, m))
        .filter_map(|d| NaiveDate::from_ymd_opt(y, m, d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn rule(s: &str) -> Rule {
        Rule::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn last_working_day_of_the_month() {
        let r = rule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1");
        let got = r.occurrences(d("2026-01-01"), d("2026-01-01"), d("2026-06-30"));
        let want: Vec<NaiveDate> = [
            "2026-01-30",
            "2026-02-27",
            "2026-03-31",
            "2026-04-30",
            "2026-05-29",
            "2026-06-30",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn every_monday_and_every_other_friday() {
        let r = rule("FREQ=WEEKLY;BYDAY=MO");
        let got = r.occurrences(d("2026-12-02"), d("2026-12-01"), d("2026-12-31"));
        assert_eq!(
            got,
            vec![
                d("2026-12-07"),
                d("2026-12-14"),
                d("2026-12-21"),
                d("2026-12-28")
            ]
        );
        let r = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR");
        let got = r.occurrences(d("2026-12-04"), d("2026-12-01"), d("2027-01-10"));
        assert_eq!(got, vec![d("2026-12-04"), d("2026-12-18"), d("2027-01-01")]);
    }

    #[test]
    fn month_days_ordinals_count_and_until() {
        let r = rule("FREQ=MONTHLY;BYMONTHDAY=1,-1;COUNT=3");
        assert_eq!(
            r.occurrences(d("2026-01-15"), d("2026-01-01"), d("2027-01-01")),
            vec![d("2026-01-31"), d("2026-02-01"), d("2026-02-28")]
        );
        let r = rule("FREQ=MONTHLY;BYDAY=1MO");
        assert_eq!(
            r.occurrences(d("2026-11-01"), d("2026-11-01"), d("2027-01-31")),
            vec![d("2026-11-02"), d("2026-12-07"), d("2027-01-04")]
        );
        let r = rule("FREQ=DAILY;UNTIL=20261203");
        assert_eq!(
            r.occurrences(d("2026-12-01"), d("2026-11-01"), d("2026-12-31")),
            vec![d("2026-12-01"), d("2026-12-02"), d("2026-12-03")]
        );
        // The 31st is skipped in shorter months, as RFC 5545 says.
        let r = rule("FREQ=MONTHLY");
        assert_eq!(
            r.occurrences(d("2026-01-31"), d("2026-01-01"), d("2026-05-31")),
            vec![d("2026-01-31"), d("2026-03-31"), d("2026-05-31")]
        );
        let r = rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29");
        assert_eq!(
            r.occurrences(d("2025-01-01"), d("2025-01-01"), d("2032-12-31")),
            vec![d("2028-02-29"), d("2032-02-29")]
        );
        let r = rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30");
        assert!(r
            .occurrences(d("2025-01-01"), d("2025-01-01"), d("2030-01-01"))
            .is_empty());
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (s, part) in [
            ("", "required"),
            ("BYDAY=MO", "FREQ is required"),
            ("FREQ=HOURLY", "FREQ must be"),
            ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=1MO", "ordinals"),
            ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
            ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
            ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "not both"),
            ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
            ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"),
            ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
            ("FREQ=DAILY;UNTIL=2027", "UNTIL"),
            ("FREQ", "NAME=VALUE"),
        ] {
            match Rule::parse(s) {
                Err(Error::Invalid { field, message }) => {
                    assert_eq!(field, "rrule");
                    assert!(message.contains(part), "{s}: {message}");
                }
                other => panic!("{s}: {other:?}"),
            }
        }
    }

    fn arb_rule() -> impl Strategy<Value = Rule> {
        let freq = prop_oneof![
            Just(Freq::Daily),
            Just(Freq::Weekly),
            Just(Freq::Monthly),
            Just(Freq::Yearly)
        ];
        let weekday = (0u8..7).prop_map(|i| WEEKDAYS[usize::from(i)].1);
        (
            freq,
            1u32..4,
            proptest::collection::vec((proptest::option::of(-5i32..=5), weekday), 0..4),
            proptest::collection::vec(prop_oneof![-31i32..=-1, 1i32..=31], 0..3),
            proptest::collection::vec(1u32..=12, 0..3),
            proptest::collection::vec(prop_oneof![-3i32..=-1, 1i32..=3], 0..2),
            proptest::option::of(1u32..50),
        )
            .prop_filter_map(
                "valid rules only",
                |(freq, interval, days, md, months, pos, count)| {
                    let mut s = format!("FREQ={};INTERVAL={interval}", freq.as_str());
                    let days: Vec<String> = days
                        .iter()
                        .map(|(n, w)| match n.filter(|n| *n != 0) {
                            Some(n) => format!("{n}{}", weekday_name(*w)),
                            None => weekday_name(*w).to_string(),
                        })
                        .collect();
                    if !days.is_empty() {
                        s.push_str(&format!(";BYDAY={}", days.join(",")));
                    }
                    let join = |v: &[i32]| {
                        v.iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    if !md.is_empty() {
                        s.push_str(&format!(";BYMONTHDAY={}", join(&md)));
                    }
                    if !months.is_empty() {
                        let m: Vec<i32> = months.iter().map(|&m| m as i32).collect();
                        s.push_str(&format!(";BYMONTH={}", join(&m)));
                    }
                    if !pos.is_empty() {
                        s.push_str(&format!(";BYSETPOS={}", join(&pos)));
                    }
                    if let Some(c) = count {
                        s.push_str(&format!(";COUNT={c}"));
                    }
                    Rule::parse(&s).ok()
                },
            )
    }

    fn arb_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000)
            .prop_map(|n| NaiveDate::from_ymd_opt(2024, 1, 1).expect("day") + Duration::days(n))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn canonical_form_parses_back(r in arb_rule()) {
            prop_assert_eq!(Rule::parse(&r.to_string()).expect("canonical parses"), r);
        }

        #[test]
        fn occurrences_are_sorted_within_bounds_and_selected(r in arb_rule(), start in arb_day(), a in 0i64..400, len in 0i64..400) {
            let from = start + Duration::days(a - 200);
            let to = from + Duration::days(len);
            let got = r.occurrences(start, from, to);
            for w in got.windows(2) {
                prop_assert!(w[0] < w[1]);
            }
            for d in &got {
                prop_assert!(*d >= start && *d >= from && *d <= to);
                if !r.by_month.is_empty() {
                    prop_assert!(r.by_month.contains(&d.month()));
                }
                if !r.by_day.is_empty() {
                    prop_assert!(r.by_day.iter().any(|b| b.weekday == d.weekday()));
                }
            }
            if let Some(c) = r.count {
                prop_assert!(got.len() <= c as usize);
            }
        }

        #[test]
        fn windows_add_up(r in arb_rule(), start in arb_day(), a in 0i64..300, b in 0i64..300) {
            let from = start;
            let mid = from + Duration::days(a);
            let to = mid + Duration::days(b + 1);
            let whole = r.occurrences(start, from, to);
            let mut parts = r.occurrences(start, from, mid);
            parts.extend(r.occurrences(start, mid + Duration::days(1), to));
            prop_assert_eq!(whole, parts);
        }

        #[test]
        fn last_working_day_is_one_per_month(start in arb_day(), months in 1i64..30) {
            let r = Rule::parse("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1").expect("rule");
            let first = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).expect("first");
            let to = first + Duration::days(months * 31);
            let got = r.occurrences(first, first, to);
            for d in &got {
                prop_assert!(d.weekday().num_days_from_monday() < 5, "{} is a weekend", d);
                let mut next = *d + Duration::days(1);
                while next.weekday().num_days_from_monday() >= 5 {
                    next += Duration::days(1);
                }
                prop_assert_ne!(next.month(), d.month(), "{} is not the last working day", d);
            }
            for w in got.windows(2) {
                prop_assert_ne!(w[0].month(), w[1].month());
            }
        }

        #[test]
        fn weekly_steps_by_whole_weeks(start in arb_day(), interval in 1u32..5, w in 0u8..7) {
            let name = WEEKDAYS[usize::from(w)].0;
            let r = Rule::parse(&format!("FREQ=WEEKLY;INTERVAL={interval};BYDAY={name}")).expect("rule");
            let got = r.occurrences(start, start, start + Duration::days(200));
            prop_assert!(!got.is_empty());
            for d in &got {
                prop_assert_eq!(d.weekday(), WEEKDAYS[usize::from(w)].1);
            }
            for p in got.windows(2) {
                prop_assert_eq!((p[1] - p[0]).num_days(), 7 * i64::from(interval));
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = Rule::parse(&s);
        }
    }
}
