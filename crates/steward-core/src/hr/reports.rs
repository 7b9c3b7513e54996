//! HR reports: headcount by department and month (from the job history and the start and
//! end dates, so a past month shows who was where then), joiners and leavers per month,
//! turnover (leavers / average headcount) and the record-health trend. HR staff and those
//! who read all of HR (auditors) see them.
//!
//! Time off taken and balances are not here yet: the time-off ledger is built in parallel
//! and will add its report when its tables land.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::future::Future;

use crate::auth::Actor;
use crate::departments::DepartmentStore;
use crate::ids::{CompanyId, DepartmentId};
use crate::{Error, Result};

/// At most this many months in one report.
pub const MAX_MONTHS: u32 = 36;

pub trait ReportStore: Send + Sync {
    /// Employed on each of `days` (started on or before, not ended before), by their
    /// department on that day (from the job history): `(day, department, count)`, in one
    /// statement for all the days.
    fn headcounts(
        &self,
        company: CompanyId,
        days: &[NaiveDate],
    ) -> impl Future<Output = Result<Vec<(NaiveDate, Option<DepartmentId>, i64)>>> + Send;
    /// Joiners (start date) and leavers (end date) per month `yyyymm` between two days.
    fn movements(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<(i64, i64, i64)>>> + Send;
}

/// A month: its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Month(pub NaiveDate);

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month(d.with_day(1).unwrap_or(d))
    }
    /// `2026-03`.
    pub fn parse(s: &str) -> Option<Month> {
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
            .ok()
            .map(Month)
    }
    pub fn label(self) -> String {
        self.0.format("%Y-%m").to_string()
    }
    pub fn next(self) -> Month {
        Month(
            self.0
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(self.0),
        )
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }
    pub fn key(self) -> i64 {
        i64::from(self.0.year()) * 100 + i64::from(self.0.month())
    }
}

/// Which months: `months` months ending with `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub to: Month,
    pub months: u32,
}

impl Range {
    pub fn new(to: Month, months: u32) -> Result<Range> {
        if months == 0 || months > MAX_MONTHS {
            return Err(Error::invalid(
                "months",
                format!("between 1 and {MAX_MONTHS}"),
            ));
        }
        Ok(Range { to, months })
    }
    /// The last 12 months, this one included.
    pub fn last_year(today: NaiveDate) -> Range {
        Range {
            to: Month::of(today),
            months: 12,
        }
    }
    pub fn list(self) -> Vec<Month> {
        let first = Month(
            self.to
                .0
                .checked_sub_months(chrono::Months::new(self.months - 1))
                .unwrap_or(self.to.0),
        );
        let mut out = Vec::new();
        let mut m = first;
        for _ in 0..self.months {
            out.push(m);
            m = m.next();
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadcountRow {
    pub department_id: Option<DepartmentId>,
    /// "No department" for people without one.
    pub department: String,
    /// One per month of the report.
    pub counts: Vec<i64>,
}

/// Headcount at each month's end, by department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headcount {
    pub months: Vec<Month>,
    pub rows: Vec<HeadcountRow>,
    pub totals: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovementRow {
    pub month: Month,
    pub joiners: i64,
    pub leavers: i64,
    /// At the end of the month before and of this month.
    pub headcount_start: i64,
    pub headcount_end: i64,
    /// Leavers / average headcount, in tenths of a percent.
    pub turnover_permille: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movements {
    pub rows: Vec<MovementRow>,
    pub joiners: i64,
    pub leavers: i64,
    /// Over the whole range: leavers / average month-end headcount, tenths of a percent.
    pub turnover_permille: i64,
}

/// Tenths of a percent, rounded half up: `leavers * 1000 / average`.
pub fn permille(leavers: i64, average_x2: i64) -> i64 {
    if average_x2 <= 0 {
        return 0;
    }
    // average = average_x2 / 2, so leavers * 1000 / average = leavers * 2000 / average_x2.
    (leavers * 2000 * 2 + average_x2) / (2 * average_x2)
}

/// `12.5%` from tenths of a percent.
pub fn percent_label(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

pub async fn headcount<S: ReportStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    range: Range,
) -> Result<Headcount> {
    super::health::authorize_view(actor)?;
    let months = range.list();
    let depts = store.departments(actor.company_id).await?;
    let mut rows: Vec<HeadcountRow> = Vec::new();
    let mut totals = vec![0; months.len()];
    let days: Vec<NaiveDate> = months.iter().map(|m| m.last_day()).collect();
    for (day, d, n) in store.headcounts(actor.company_id, &days).await? {
        let Some(i) = days.iter().position(|x| *x == day) else {
            continue;
        };
        let row = match rows.iter_mut().position(|r| r.department_id == d) {
            Some(p) => &mut rows[p],
            None => {
                let name = d
                    .and_then(|d| depts.iter().find(|x| x.id == d))
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| "No department".to_string());
                rows.push(HeadcountRow {
                    department_id: d,
                    department: name,
                    counts: vec![0; months.len()],
                });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        row.counts[i] += n;
        totals[i] += n;
    }
    rows.sort_by(|a, b| {
        (a.department_id.is_none(), a.department.to_lowercase())
            .cmp(&(b.department_id.is_none(), b.department.to_lowercase()))
    });
    Ok(Headcount {
        months,
        rows,
        totals,
    })
}

pub async fn movements<S: ReportStore>(
    store: &S,
    actor: &Actor,
    range: Range,
) -> Result<Movements> {
    super::health::authorize_view(actor)?;
    let months = range.list();
    let first = months.first().copied().unwrap_or(range.to);
    let moves = store
        .movements(actor.company_id, first.0, range.to.last_day())
        .await?;
    // The day before the first month, then each month's end: one statement.
    let before = first.0.pred_opt().unwrap_or(first.0);
    let days: Vec<NaiveDate> = std::iter::once(before)
        .chain(months.iter().map(|m| m.last_day()))
        .collect();
    let counts = store.headcounts(actor.company_id, &days).await?;
    let total_on = |day: NaiveDate| {
        counts
            .iter()
            .filter(|(d, _, _)| *d == day)
            .map(|(_, _, n)| n)
            .sum::<i64>()
    };
    let mut start = total_on(before);
    let mut rows = Vec::new();
    let mut ends = 0;
    for m in &months {
        let end = total_on(m.last_day());
        let (joiners, leavers) = moves
            .iter()
            .find(|(k, _, _)| *k == m.key())
            .map(|(_, j, l)| (*j, *l))
            .unwrap_or((0, 0));
        rows.push(MovementRow {
            month: *m,
            joiners,
            leavers,
            headcount_start: start,
            headcount_end: end,
            turnover_permille: permille(leavers, start + end),
        });
        ends += end;
        start = end;
    }
    let joiners = rows.iter().map(|r| r.joiners).sum();
    let leavers = rows.iter().map(|r| r.leavers).sum();
    let n = i64::try_from(rows.len()).unwrap_or(1).max(1);
    // Average month-end headcount = ends / n; permille() takes twice the average.
    let turnover_permille = if ends == 0 {
        0
    } else {
        (leavers * 1000 * n * 2 + ends) / (2 * ends)
    };
    Ok(Movements {
        rows,
        joiners,
        leavers,
        turnover_permille,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_turnover() {
        let r = Range::new(Month::parse("2026-02").expect("month"), 3).expect("range");
        let labels: Vec<String> = r.list().into_iter().map(Month::label).collect();
        assert_eq!(labels, vec!["2025-12", "2026-01", "2026-02"]);
        assert_eq!(
            Month::parse("2024-02").expect("m").last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).expect("d")
        );
        // 1 leaver, headcount 10 -> 10: 10%.
        assert_eq!(permille(1, 20), 100);
        assert_eq!(percent_label(permille(1, 20)), "10.0%");
        // 1 of 3 (avg 3): 33.3%.
        assert_eq!(permille(1, 6), 333);
        assert_eq!(permille(1, 0), 0);
        assert!(Range::new(Month::parse("2026-02").expect("m"), 0).is_err());
    }
}
