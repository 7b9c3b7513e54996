//! Service levels on a working calendar: how much *business* time lies between two instants,
//! and which instant lies a given business time after another. A [`Calendar`] has working
//! hours per weekday, holidays, and a time zone ([`Zone`]: an IANA name such as
//! `Europe/Berlin`, so 09:00 stays 09:00 local across daylight saving changes). Everything
//! here is pure and counts in microseconds (the unit of [`Timestamp`]) of real elapsed time:
//! a 00:00-24:00 working day is 23 hours long on the day clocks go forward.
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

/// A time zone: an IANA name (`Europe/Berlin`, `UTC`, `Etc/GMT-2`) or a fixed offset from
/// UTC written `+05:30`. Built only valid; compares and serializes as its name.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// A zone by IANA name (any letter case; kept as the database spells it) or as a fixed
    /// offset `+HH:MM`/`-HH:MM` (from -12:00 to +14:00). Anything else is
    /// `Invalid { field: "time_zone" }`.
    pub fn parse(name: &str) -> Result<Zone> {
        let name = name.trim();
        if let Some(minutes) = parse_fixed(name) {
            return Ok(Zone::fixed(minutes));
        }
        let known = !name.is_empty() && !name.starts_with(['/', '.']) && !name.contains("..");
        match jiff::tz::db().get(name) {
            Ok(tz) if known => Ok(Zone {
                name: tz.iana_name().unwrap_or(name).to_string(),
                tz,
            }),
            _ => Err(Error::invalid(
                "time_zone",
                format!(
                    "`{name}` is not a time zone: use an IANA name such as Europe/Berlin, or UTC"
                ),
            )),
        }
    }

    /// The zone a fixed offset from UTC (in minutes, -720 to 840) meant before calendars
    /// had zones: `UTC` for 0, `Etc/GMT-2` for +120 (the Etc names count the other way),
    /// `+05:30` where no whole hour fits.
    pub fn from_offset_minutes(minutes: i32) -> Zone {
        let minutes = minutes.clamp(-720, 840);
        if minutes == 0 {
            return Zone::utc();
        }
        if minutes % 60 == 0 {
            let sign = if minutes > 0 { '-' } else { '+' };
            if let Ok(z) = Zone::parse(&format!("Etc/GMT{sign}{}", minutes.abs() / 60)) {
                return z;
            }
        }
        Zone::fixed(minutes)
    }

    fn fixed(minutes: i32) -> Zone {
        let sign = if minutes < 0 { '-' } else { '+' };
        let tz = jiff::tz::Offset::from_seconds(minutes * 60)
            .map(jiff::tz::TimeZone::fixed)
            .unwrap_or(jiff::tz::TimeZone::UTC);
        Zone {
            name: format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60),
            tz,
        }
    }

    /// The name as stored and shown.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every IANA zone name the database knows, sorted (for a picker).
    pub fn names() -> Vec<String> {
        let mut v: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| !n.starts_with("posix/") && !n.starts_with("right/"))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Offset from UTC at instant `t` (µs since the epoch), in µs.
    fn offset_at(&self, t: i64) -> i64 {
        jiff::Timestamp::from_microsecond(t).map_or(0, |ts| {
            i64::from(self.tz.to_offset(ts).seconds()) * 1_000_000
        })
    }

    /// The local day (days since 1970-01-01 in this zone) that instant `t` falls on.
    fn local_day(&self, t: i64) -> i64 {
        t.saturating_add(self.offset_at(t))
            .div_euclid(MICROS_PER_DAY)
    }

    /// The instant of local day `day` at `minute` minutes after midnight (up to 1440). A
    /// time that occurs twice (clocks go back) is its first occurrence; a time that does
    /// not occur (clocks go forward) is the instant of the change, so later local times
    /// are never earlier instants.
    fn instant(&self, day: i64, minute: u32) -> i64 {
        let local = day * MICROS_PER_DAY + i64::from(minute) * MICROS_PER_MIN;
        let civil = NaiveDate::from_num_days_from_ce_opt(
            i32::try_from(day + 719_163 + i64::from(minute / 1440)).unwrap_or(i32::MAX),
        )
        .and_then(|d| {
            let (h, m) = ((minute % 1440) / 60, minute % 60);
            jiff::civil::DateTime::new(
                i16::try_from(d.year()).ok()?,
                i8::try_from(d.month()).ok()?,
                i8::try_from(d.day()).ok()?,
                i8::try_from(h).ok()?,
                i8::try_from(m).ok()?,
                0,
                0,
            )
            .ok()
        });
        let Some(civil) = civil else {
            return local;
        };
        let secs = |o: jiff::tz::Offset| i64::from(o.seconds()) * 1_000_000;
        match self.tz.to_ambiguous_timestamp(civil).offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => local - secs(offset),
            jiff::tz::AmbiguousOffset::Fold { before, .. } => local - secs(before),
            jiff::tz::AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset the time lies before the change: the change
                // is the next transition from there.
                let early = local - secs(after);
                jiff::Timestamp::from_microsecond(early)
                    .ok()
                    .and_then(|ts| self.tz.following(ts).next())
                    .map_or(early, |tr| tr.timestamp().as_microsecond())
            }
        }
    }

    /// True when the offset does not change between the starts of local days `from` and
    /// `to`, so every day between has its ordinary length.
    fn steady(&self, from: i64, to: i64) -> bool {
        let (a, b) = (self.instant(from, 0), self.instant(to, 0));
        // From just before the first midnight: a change at that instant counts.
        jiff::Timestamp::from_microsecond(a - 1).is_ok_and(|ts| {
            self.tz
                .following(ts)
                .next()
                .is_none_or(|tr| tr.timestamp().as_microsecond() > b)
        })
    }
}

/// `+05:30`, `-03:00`: minutes east of UTC, within -12:00 and +14:00.
fn parse_fixed(s: &str) -> Option<i32> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = sign * (h * 60 + m);
    (m < 60 && (-720..=840).contains(&minutes)).then_some(minutes)
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Zone {}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Zone, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// When a company works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The company's time zone: working hours and holidays are local to it.
    pub time_zone: Zone,
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
            time_zone: Zone::utc(),
            week: [day, day, day, day, day, None, None],
            holidays: BTreeSet::new(),
        }
    }
}

impl Calendar {
    pub fn validate(&self) -> Result<()> {
        if self.week.iter().all(Option::is_none) {
            return Err(Error::invalid(
                "hours",
                "at least one day must be a working day",
            ));
        }
        Ok(())
    }

    /// The working window of local day number `day` (days since 1970-01-01, local), as
    /// instants (µs since the epoch); `None` on a day off or where the window falls into
    /// the hour that clocks skip.
    fn window(&self, day: i64) -> Option<(i64, i64)> {
        let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(day + 719_163).ok()?)?;
        if self.holidays.contains(&date) {
            return None;
        }
        let h = self.week[weekday_index(date.weekday())]?;
        let (s, e) = (
            self.time_zone.instant(day, h.start),
            self.time_zone.instant(day, h.end),
        );
        (s < e).then_some((s, e))
    }

    /// Is `t` within working hours?
    pub fn is_working(&self, t: Timestamp) -> bool {
        self.window(self.time_zone.local_day(t.0))
            .is_some_and(|(s, e)| t.0 >= s && t.0 < e)
    }

    /// Working time in an ordinary week (micros), for display.
    pub fn week_micros(&self) -> i64 {
        self.week.iter().flatten().map(|h| h.micros()).sum()
    }

    /// Whether local days `from..to` are an ordinary stretch: no holiday and no change of
    /// the zone's offset, so their working time is whole ordinary weeks.
    fn ordinary(&self, from: i64, to: i64) -> bool {
        no_holidays(self, from, to) && self.time_zone.steady(from, to)
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
    let first = cal.time_zone.local_day(start.0);
    // Whole ordinary weeks are taken at once (as when measuring), so a sparse calendar (one
    // hour a week) still reaches any duration quickly and exactly.
    let week = cal.week_micros();
    let mut day = first;
    while day < first + MAX_DAYS {
        if day > first && week > 0 && left > week && cal.ordinary(day, day + 7) {
            left -= week;
            day += 7;
            continue;
        }
        if let Some((ws, we)) = cal.window(day) {
            let from = ws.max(start.0);
            if from < we {
                let avail = we - from;
                if left <= avail {
                    return Timestamp(from + left);
                }
                left -= avail;
            }
        }
        day += 1;
    }
    Timestamp(start.0.saturating_add(MAX_DAYS * MICROS_PER_DAY))
}

/// Working time (µs) from `a` to `b`; zero when `b` is not after `a`.
pub fn business_time_between(a: Timestamp, b: Timestamp, cal: &Calendar) -> i64 {
    if b <= a {
        return 0;
    }
    let (first, last) = (cal.time_zone.local_day(a.0), cal.time_zone.local_day(b.0));
    // Whole ordinary weeks in between are counted at once: cases stay open for months,
    // and the SLA job measures every open case each minute.
    let week = cal.week_micros();
    let mut total = 0i64;
    let mut day = first;
    while day <= last {
        if day > first && day + 7 <= last && week > 0 && cal.ordinary(day, day + 7) {
            total += week;
            day += 7;
            continue;
        }
        if let Some((ws, we)) = cal.window(day) {
            let (s, e) = (ws.max(a.0), we.min(b.0));
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

// ---------------------------------------------------------------------------------------
// Service-level timers of any queue (escalated cases, IT tickets): due times, warnings and
// breaches, with the time spent waiting on the other side left out.
// ---------------------------------------------------------------------------------------

/// Where a ticket or case stands against its service levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    OnTrack,
    Warning,
    Breached,
    Paused,
    Met,
}

impl SlaState {
    pub const ALL: &'static [SlaState] = &[
        SlaState::OnTrack,
        SlaState::Warning,
        SlaState::Breached,
        SlaState::Paused,
        SlaState::Met,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::Warning => "warning",
            SlaState::Breached => "breached",
            SlaState::Paused => "paused",
            SlaState::Met => "met",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SlaState::OnTrack => "On track",
            SlaState::Warning => "Warning",
            SlaState::Breached => "Breached",
            SlaState::Paused => "Paused",
            SlaState::Met => "Met",
        }
    }
    pub fn parse(s: &str) -> Option<SlaState> {
        SlaState::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s.trim())
    }
}

impl std::fmt::Display for SlaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A warning or a breach, each recorded once per ticket or case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaEvent {
    ResponseWarning,
    ResponseBreach,
    ResolutionWarning,
    ResolutionBreach,
}

impl SlaEvent {
    pub fn is_breach(self) -> bool {
        matches!(self, SlaEvent::ResponseBreach | SlaEvent::ResolutionBreach)
    }
    pub fn describe(self) -> &'static str {
        match self {
            SlaEvent::ResponseWarning => "first response is due soon",
            SlaEvent::ResponseBreach => "first response target breached",
            SlaEvent::ResolutionWarning => "resolution is due soon",
            SlaEvent::ResolutionBreach => "resolution target breached",
        }
    }
}

/// First-response and resolution targets, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

/// The timers of one open ticket or case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub created_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    /// Since when it waits on the other side (timers stand still), if it does.
    pub paused_since: Option<Timestamp>,
    /// Business time spent waiting before `paused_since`.
    pub paused_micros: i64,
    pub response_warned: bool,
    pub response_breached: bool,
    pub resolution_warned: bool,
    pub resolution_breached: bool,
}

/// Due times from the start and the time paused: (first response unless given, resolution).
pub fn due_times(c: &Clock, t: Targets, cal: &Calendar) -> (Option<Timestamp>, Timestamp) {
    let fr = c.first_response_at.is_none().then(|| {
        add_business_time(
            c.created_at,
            minutes(t.first_response_minutes) + c.paused_micros,
            cal,
        )
    });
    let res = add_business_time(
        c.created_at,
        minutes(t.resolution_minutes) + c.paused_micros,
        cal,
    );
    (fr, res)
}

/// The state at `now` and the events not yet recorded: a warning at `warn_percent` of a
/// target, a breach at the target (a breach makes its warning moot).
pub fn evaluate(
    c: &Clock,
    t: Targets,
    warn_percent: i64,
    cal: &Calendar,
    now: Timestamp,
) -> (SlaState, Vec<SlaEvent>) {
    let mut events = Vec::new();
    if c.paused_since.is_some() {
        return (SlaState::Paused, events);
    }
    let used = used(c.created_at, c.paused_micros, now, cal);
    let frac = |target_min: i64| -> (bool, bool) {
        let target = minutes(target_min);
        (used * 100 >= target * warn_percent, used >= target)
    };
    let (res_warn, res_breach) = frac(t.resolution_minutes);
    let (fr_warn, fr_breach) = if c.first_response_at.is_none() {
        frac(t.first_response_minutes)
    } else {
        (false, false)
    };
    if fr_breach && !c.response_breached {
        events.push(SlaEvent::ResponseBreach);
    } else if fr_warn && !fr_breach && !c.response_warned && !c.response_breached {
        events.push(SlaEvent::ResponseWarning);
    }
    if res_breach && !c.resolution_breached {
        events.push(SlaEvent::ResolutionBreach);
    } else if res_warn && !res_breach && !c.resolution_warned && !c.resolution_breached {
        events.push(SlaEvent::ResolutionWarning);
    }
    let state = if res_breach || fr_breach || c.response_breached || c.resolution_breached {
        SlaState::Breached
    } else if res_warn || fr_warn {
        SlaState::Warning
    } else {
        SlaState::OnTrack
    };
    (state, events)
}

/// Business time used from `created_at` to `now`, the pauses left out.
pub fn used(created_at: Timestamp, paused_micros: i64, now: Timestamp, cal: &Calendar) -> i64 {
    business_time_between(created_at, now, cal) - paused_micros
}

/// Ends a pause (if any): the business time it lasted joins `paused_micros`.
pub fn resume(
    paused_since: &mut Option<Timestamp>,
    paused_micros: &mut i64,
    now: Timestamp,
    cal: &Calendar,
) {
    if let Some(since) = paused_since.take() {
        *paused_micros += business_time_between(since, now, cal);
    }
}

/// The state of a ticket or case no longer open.
pub fn closed_state(breached: bool) -> SlaState {
    if breached {
        SlaState::Breached
    } else {
        SlaState::Met
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
            time_zone: Zone::from_offset_minutes(120),
            ..Default::default()
        };
        assert_eq!(c.time_zone.name(), "Etc/GMT-2");
        // 07:00 UTC is 09:00 local: the day starts.
        assert!(c.is_working(at("2026-11-30 07:00")));
        assert!(!c.is_working(at("2026-11-30 06:59")));
        assert_eq!(
            add_business_time(at("2026-11-30 06:00"), minutes(60), &c),
            at("2026-11-30 08:00")
        );
    }

    fn berlin() -> Calendar {
        Calendar {
            time_zone: Zone::parse("europe/berlin").expect("zone"),
            ..Default::default()
        }
    }

    /// Clocks go forward on Sunday 2026-03-29 (CET +01:00 to CEST +02:00): 09:00 local is
    /// 08:00 UTC before and 07:00 UTC after.
    #[test]
    fn daylight_saving_starts() {
        let c = berlin();
        assert_eq!(c.time_zone.name(), "Europe/Berlin");
        assert!(c.is_working(at("2026-03-27 08:00")));
        assert!(!c.is_working(at("2026-03-27 07:59")));
        assert!(c.is_working(at("2026-03-30 07:00")));
        assert!(!c.is_working(at("2026-03-30 06:59")));
        assert!(!c.is_working(at("2026-03-30 15:00")));
        // Friday 16:00 CET + 2 h = Monday 10:00 CEST.
        assert_eq!(
            add_business_time(at("2026-03-27 15:00"), minutes(120), &c),
            at("2026-03-30 08:00")
        );
        assert_eq!(
            business_time_between(at("2026-03-27 15:00"), at("2026-03-30 08:00"), &c),
            minutes(120)
        );
        // Monday 09:00 to Monday 09:00 local is one working week, though 167 h pass.
        assert_eq!(
            business_time_between(at("2026-03-23 08:00"), at("2026-03-30 07:00"), &c),
            minutes(40 * 60)
        );
        assert_eq!(
            add_business_time(at("2026-03-23 08:00"), minutes(40 * 60 + 1), &c),
            at("2026-03-30 07:01")
        );
        // Measured across many weeks the same (whole weeks are counted at once).
        assert_eq!(
            business_time_between(at("2026-02-02 08:00"), at("2026-04-27 07:00"), &c),
            minutes(12 * 40 * 60)
        );
    }

    /// Clocks go back on Sunday 2026-10-25 (CEST +02:00 to CET +01:00).
    #[test]
    fn daylight_saving_ends() {
        let c = berlin();
        assert!(c.is_working(at("2026-10-23 07:00")));
        assert!(!c.is_working(at("2026-10-26 07:00")));
        assert!(c.is_working(at("2026-10-26 08:00")));
        // Friday 16:00 CEST + 2 h = Monday 10:00 CET.
        assert_eq!(
            add_business_time(at("2026-10-23 14:00"), minutes(120), &c),
            at("2026-10-26 09:00")
        );
        assert_eq!(
            business_time_between(at("2026-10-23 14:00"), at("2026-10-26 09:00"), &c),
            minutes(120)
        );
        assert_eq!(
            business_time_between(at("2026-10-19 07:00"), at("2026-10-26 08:00"), &c),
            minutes(40 * 60)
        );
        assert_eq!(
            add_business_time(at("2026-10-19 07:00"), minutes(40 * 60), &c),
            at("2026-10-23 15:00")
        );
    }

    /// A round-the-clock calendar counts real time: the day clocks go forward has 23 hours,
    /// the day they go back 25; working hours inside the skipped hour start at the change.
    #[test]
    fn days_of_the_change_have_their_real_length() {
        let all = Some(Hours {
            start: 0,
            end: 1440,
        });
        let mut c = berlin();
        c.week = [all; 7];
        // Saturday 00:00 CET to Monday 00:00 CEST.
        assert_eq!(
            business_time_between(at("2026-03-27 23:00"), at("2026-03-29 22:00"), &c),
            minutes(47 * 60)
        );
        // Saturday 00:00 CEST to Monday 00:00 CET.
        assert_eq!(
            business_time_between(at("2026-10-23 22:00"), at("2026-10-25 23:00"), &c),
            minutes(49 * 60)
        );
        c.week = [Hours::new(120, 240).ok(); 7];
        // 02:00-04:00 on the day of the change is 03:00-04:00 CEST: one hour.
        assert_eq!(
            business_time_between(at("2026-03-29 00:00"), at("2026-03-29 03:00"), &c),
            minutes(60)
        );
        assert!(c.is_working(at("2026-03-29 01:00")));
        assert!(!c.is_working(at("2026-03-29 00:59")));
        // 02:00-04:00 on the day clocks go back holds the repeated hour: three hours.
        assert_eq!(
            business_time_between(at("2026-10-24 22:00"), at("2026-10-25 04:00"), &c),
            minutes(180)
        );
    }

    #[test]
    fn zones_parse_by_name_or_fixed_offset() {
        assert_eq!(Zone::parse("UTC").expect("utc").name(), "UTC");
        assert_eq!(Zone::parse("+05:30").expect("fixed").name(), "+05:30");
        assert_eq!(Zone::from_offset_minutes(0).name(), "UTC");
        assert_eq!(Zone::from_offset_minutes(-300).name(), "Etc/GMT+5");
        assert_eq!(Zone::from_offset_minutes(840).name(), "Etc/GMT-14");
        assert_eq!(Zone::from_offset_minutes(345).name(), "+05:45");
        assert_eq!(Zone::from_offset_minutes(-210).name(), "-03:30");
        let india = Calendar {
            time_zone: Zone::from_offset_minutes(330),
            ..Default::default()
        };
        assert!(india.is_working(at("2026-11-30 03:30")));
        assert!(!india.is_working(at("2026-11-30 03:29")));
        for bad in [
            "",
            "Mars/Base",
            "Europe/Berlin/x",
            "../etc/passwd",
            "+15:00",
            "+5:30",
        ] {
            let e = Zone::parse(bad).expect_err(bad);
            assert!(
                e.to_string().contains("time_zone") || format!("{e:?}").contains("time_zone"),
                "{bad}: {e:?}"
            );
        }
        assert!(Zone::names().iter().any(|n| n == "Europe/Berlin"));
        let json = serde_json::to_string(&berlin()).expect("json");
        assert!(json.contains("\"time_zone\":\"Europe/Berlin\""), "{json}");
        let back: Calendar = serde_json::from_str(&json).expect("back");
        assert_eq!(back, berlin());
    }

    fn arb_zone() -> impl Strategy<Value = Zone> {
        prop::sample::select(vec![
            "UTC",
            "Etc/GMT-2",
            "+05:30",
            "-09:30",
            "Europe/Berlin",
            "America/New_York",
            // Clocks change at midnight.
            "America/Santiago",
            // A half-hour change.
            "Australia/Lord_Howe",
            "Pacific/Chatham",
        ])
        .prop_map(|n| Zone::parse(n).expect("zone"))
    }

    fn arb_cal() -> impl Strategy<Value = Calendar> {
        (
            arb_zone(),
            proptest::collection::vec(proptest::option::of((0u32..1440, 1u32..1440)), 7),
            proptest::collection::btree_set(0i64..400, 0..10),
        )
            .prop_filter_map("needs a working day", |(zone, days, hol)| {
                let mut week = [None; 7];
                for (i, d) in days.into_iter().enumerate() {
                    week[i] = d.and_then(|(s, len)| Hours::new(s, (s + len).min(1440)).ok());
                }
                let base = NaiveDate::from_ymd_opt(2026, 1, 1)?;
                let holidays = hol
                    .into_iter()
                    .filter_map(|d| base.checked_add_days(chrono::Days::new(d as u64)))
                    .collect();
                let c = Calendar {
                    time_zone: zone,
                    week,
                    holidays,
                };
                c.validate().ok().map(|_| c)
            })
    }

    const START: i64 = 1_767_225_600_000_000; // 2026-01-01, so a year of daylight saving changes

    proptest! {
        #[test]
        fn adding_and_measuring_agree(c in arb_cal(), s in 0i64..(400 * MICROS_PER_DAY), d in 0i64..(200 * 60 * MICROS_PER_MIN)) {
            let start = Timestamp(START + s);
            let end = add_business_time(start, d, &c);
            prop_assert!(end >= start);
            prop_assert_eq!(business_time_between(start, end, &c), d);
        }

        #[test]
        fn adding_is_monotonic_and_additive(c in arb_cal(), s in 0i64..(400 * MICROS_PER_DAY), d1 in 0i64..(100 * 60 * MICROS_PER_MIN), d2 in 0i64..(100 * 60 * MICROS_PER_MIN)) {
            let start = Timestamp(START + s);
            let a = add_business_time(start, d1, &c);
            let b = add_business_time(start, d1 + d2, &c);
            prop_assert!(a <= b);
            prop_assert_eq!(add_business_time(a, d2, &c), b);
        }

        #[test]
        fn measuring_is_additive(c in arb_cal(), s in 0i64..(400 * MICROS_PER_DAY), x in 0i64..(40 * MICROS_PER_DAY), y in 0i64..(40 * MICROS_PER_DAY)) {
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
        fn holidays_and_days_off_never_count(c in arb_cal(), day in 0i64..400) {
            // A whole local day that is a holiday or not a working day counts nothing.
            let local_day = c.time_zone.local_day(START) + day;
            if c.window(local_day).is_none() {
                let from = Timestamp(c.time_zone.instant(local_day, 0));
                let to = Timestamp(c.time_zone.instant(local_day + 1, 0));
                prop_assert_eq!(business_time_between(from, to, &c), 0);
                prop_assert!(!c.is_working(from));
            }
        }

        /// Working windows follow each other: a later local time is never an earlier instant.
        #[test]
        fn local_times_are_monotonic(z in arb_zone(), day in 0i64..400, m1 in 0u32..=1440, m2 in 0u32..=1440) {
            let d = 20_454 + day; // 2026-01-01
            let (a, b) = (m1.min(m2), m1.max(m2));
            prop_assert!(z.instant(d, a) <= z.instant(d, b));
            prop_assert!(z.instant(d, 1440) <= z.instant(d + 1, 0));
            prop_assert_eq!(z.local_day(z.instant(d, 12 * 60)), d);
        }
    }
}
