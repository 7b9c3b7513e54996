//! The helpdesk report: tickets raised and resolved per period, and SLA compliance in
//! total, by category and by technician (pages, API and CSV show the same rows).
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

use super::helpdesk::{HelpdeskStore, Ticket};
use crate::auth::{Action, Actor};
use crate::time::Timestamp;
use crate::work::cases::rate;
use crate::{Error, Result};

/// How the volume is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    Day,
    #[default]
    Week,
    Month,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "day" => Some(Period::Day),
            "week" | "" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
    /// The label of the period `d` falls in (its first day; `2026-12` for a month).
    pub fn label(self, d: NaiveDate) -> String {
        match self {
            Period::Day => d.to_string(),
            Period::Week => {
                let monday =
                    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()));
                monday.to_string()
            }
            Period::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    }
}

/// One row: a period, a category or a technician.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub tickets: u64,
    pub resolved: u64,
    pub response_met: u64,
    pub response_breached: u64,
    pub resolution_met: u64,
    pub resolution_breached: u64,
    pub ratings: u64,
    pub rating_sum: u64,
}

impl Row {
    fn add(&mut self, t: &Ticket) {
        self.tickets += 1;
        if !t.status.is_open() {
            self.resolved += 1;
        }
        if t.response_breached_at.is_some() {
            self.response_breached += 1;
        } else if t.first_response_at.is_some() {
            self.response_met += 1;
        }
        if t.resolution_breached_at.is_some() {
            self.resolution_breached += 1;
        } else if !t.status.is_open() {
            self.resolution_met += 1;
        }
        if let Some(r) = t.rating {
            self.ratings += 1;
            self.rating_sum += u64::try_from(r).unwrap_or(0);
        }
    }
    /// First responses within target, in percent (none measured: `None`).
    pub fn response_rate(&self) -> Option<u64> {
        rate(self.response_met, self.response_breached)
    }
    pub fn resolution_rate(&self) -> Option<u64> {
        rate(self.resolution_met, self.resolution_breached)
    }
    /// Mean satisfaction in tenths (42 = 4.2).
    pub fn rating_tenths(&self) -> Option<u64> {
        (self.ratings > 0).then(|| (self.rating_sum * 10 + self.ratings / 2) / self.ratings)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: Period,
    pub total: Row,
    pub by_period: Vec<Row>,
    pub by_category: Vec<Row>,
    pub by_technician: Vec<Row>,
}

/// The report over tickets raised from `from` to `to` (both included, UTC days).
pub async fn report<S: HelpdeskStore>(
    store: &S,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
    period: Period,
) -> Result<Report> {
    super::gate(actor, Action::Read)?;
    if to < from {
        return Err(Error::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() > 3660 {
        return Err(Error::invalid("to", "at most ten years"));
    }
    let start = Timestamp(
        from.and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_micros(),
    );
    let end_day = to + chrono::Duration::days(1);
    let end = Timestamp(
        end_day
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_micros(),
    );
    let tickets = store.report_tickets(actor.company_id, start, end).await?;
    let mut total = Row {
        label: "All tickets".into(),
        ..Default::default()
    };
    let mut by_period: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_tech: BTreeMap<String, Row> = BTreeMap::new();
    for t in &tickets {
        total.add(t);
        let day = chrono::DateTime::from_timestamp_micros(t.created_at.0)
            .map(|d| d.date_naive())
            .unwrap_or(from);
        let keyed = |m: &mut BTreeMap<String, Row>, k: String| {
            m.entry(k.clone())
                .or_insert_with(|| Row {
                    label: k,
                    ..Default::default()
                })
                .add(t);
        };
        keyed(&mut by_period, period.label(day));
        keyed(
            &mut by_category,
            t.category.clone().unwrap_or_else(|| "(none)".into()),
        );
        keyed(
            &mut by_tech,
            t.assignee_name
                .clone()
                .unwrap_or_else(|| "(unassigned)".into()),
        );
    }
    Ok(Report {
        from,
        to,
        period,
        total,
        by_period: by_period.into_values().collect(),
        by_category: by_category.into_values().collect(),
        by_technician: by_tech.into_values().collect(),
    })
}

pub const CSV_HEADER: [&str; 10] = [
    "section",
    "label",
    "tickets",
    "resolved",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
    "response_rate",
    "resolution_rate",
];

/// Every row of the report for a CSV download.
pub fn csv_rows(r: &Report) -> Vec<Vec<String>> {
    let pct = |p: Option<u64>| p.map(|p| p.to_string()).unwrap_or_default();
    let line = |section: &str, row: &Row| {
        vec![
            section.to_string(),
            row.label.clone(),
            row.tickets.to_string(),
            row.resolved.to_string(),
            row.response_met.to_string(),
            row.response_breached.to_string(),
            row.resolution_met.to_string(),
            row.resolution_breached.to_string(),
            pct(row.response_rate()),
            pct(row.resolution_rate()),
        ]
    };
    std::iter::once(line("total", &r.total))
        .chain(r.by_period.iter().map(|x| line("period", x)))
        .chain(r.by_category.iter().map(|x| line("category", x)))
        .chain(r.by_technician.iter().map(|x| line("technician", x)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_label_their_first_day() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        assert_eq!(Period::Week.label(d), "2026-11-30");
        assert_eq!(Period::Month.label(d), "2026-12");
        assert_eq!(Period::Day.label(d), "2026-12-03");
    }
}
