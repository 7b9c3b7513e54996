//! HR reports: headcount by department and month (from the job history and the start and
//! end dates, so a past month shows who was where then), joiners and leavers per month,
//! turnover (leavers / average headcount) and the record-health trend. HR staff and those
//! who read all of HR (auditors) see them.
//!
//! Time off taken and balances ([`timeoff`]) read the time-off ledger (the one place a
//! balance lives): HR staff and auditors see the company, a manager their reporting line.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::future::Future;

use crate::auth::{Action, Actor, Domain, Permission};
use crate::departments::DepartmentStore;
use crate::ids::{CompanyId, DepartmentId, EmployeeId};
use crate::list::{Page, Paging, SortDir, SortKey};
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
    /// Whether anyone reports to `manager` directly (then they have a reporting line).
    fn has_reports(
        &self,
        company: CompanyId,
        manager: EmployeeId,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Days taken (the negated sum of the ledger's `use` rows, so a cancellation dated
    /// later gives days back in its own month) between two days, per month `yyyymm`,
    /// policy and the department the person was in on the row's day: one statement.
    fn timeoff_taken(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
        filter: &TimeoffFilter,
    ) -> impl Future<Output = Result<Vec<TakenCell>>> + Send;
    /// Balances on `filter.day` (the ledger summed up to it) of the people employed that
    /// day, per policy and department: people, total, how many below zero. One statement.
    fn timeoff_balance_summary(
        &self,
        company: CompanyId,
        filter: &TimeoffFilter,
    ) -> impl Future<Output = Result<Vec<BalanceCell>>> + Send;
    /// The same balances per person and policy, sorted and paged.
    fn timeoff_employee_balances(
        &self,
        company: CompanyId,
        filter: &TimeoffFilter,
        sort: BalanceSort,
        dir: SortDir,
        paging: Paging,
    ) -> impl Future<Output = Result<Page<EmployeeBalance>>> + Send;
}

/// A month: its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Month(pub NaiveDate);

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month(d.with_day(1).unwrap_or(d))
    }
    /// `2026-03`.
    /// `YYYY-MM`, years 1900 to 2999 (as every date `core::time` reads).
    pub fn parse(s: &str) -> Option<Month> {
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
            .ok()
            .filter(|d| crate::time::check_date_range("month", *d).is_ok())
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

// ---------------------------------------------------------------- time off

/// Whose time off a report counts, decided by [`timeoff_reach`], applied in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "manager")]
pub enum Reach {
    /// Everyone in the company (HR staff, auditors).
    Company,
    /// The people below this employee in the reporting line (not the manager themself).
    Below(EmployeeId),
}

/// What the time-off statements filter on; built by the services only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoffFilter {
    pub reach: Reach,
    /// Only people in this department (on the day of the row or of the balance).
    pub department: Option<DepartmentId>,
    /// The day balances are taken on.
    pub day: NaiveDate,
}

/// Days taken in a month `yyyymm` of a policy by people of a department (milli-days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenCell {
    pub month: i64,
    pub policy_id: i64,
    pub department_id: Option<DepartmentId>,
    pub milli: i64,
}

/// Balances of a policy in a department: how many people, their sum, how many below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceCell {
    pub policy_id: i64,
    pub department_id: Option<DepartmentId>,
    pub employees: i64,
    pub total_milli: i64,
    pub negative: i64,
}

/// One person's balance of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmployeeBalance {
    pub employee_id: EmployeeId,
    pub employee_number: String,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub policy_id: i64,
    pub policy: String,
    pub balance_milli: i64,
}

impl EmployeeBalance {
    pub fn balance(&self) -> String {
        super::timeoff::days_text(self.balance_milli)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BalanceSort {
    #[default]
    Name,
    Department,
    Policy,
    Balance,
}

impl SortKey for BalanceSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", BalanceSort::Name),
        ("department", BalanceSort::Department),
        ("policy", BalanceSort::Policy),
        ("balance", BalanceSort::Balance),
    ];
}

/// Days taken of a policy by a department, one amount per month of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakenRow {
    pub policy_id: i64,
    pub policy: String,
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub milli: Vec<i64>,
    pub total_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceRow {
    pub policy_id: i64,
    pub policy: String,
    pub department_id: Option<DepartmentId>,
    pub department: String,
    pub employees: i64,
    pub total_milli: i64,
    /// The total over the people, rounded half away from zero to a milli-day.
    pub average_milli: i64,
    pub negative: i64,
}

/// Time off taken per month and balances, within the actor's reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeoffReport {
    pub months: Vec<Month>,
    pub reach: Reach,
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    /// Balances are the ledger summed up to this day: the range's last day.
    pub as_of: NaiveDate,
    /// By policy, then department (people without one last).
    pub taken: Vec<TakenRow>,
    /// Per month, over all rows.
    pub taken_totals: Vec<i64>,
    pub taken_total: i64,
    pub balances: Vec<BalanceRow>,
    /// The company's departments (id, name), for a filter's choices.
    #[serde(skip)]
    pub departments: Vec<(DepartmentId, String)>,
}

/// `total / n` rounded half away from zero.
pub fn average(total: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let q = (total.abs() * 2 + n) / (2 * n);
    if total < 0 {
        -q
    } else {
        q
    }
}

/// Whose time off the actor may report on: HR staff and auditors the company, someone with
/// reports their reporting line, anyone else nothing (403).
pub async fn timeoff_reach<S: ReportStore + super::HrBaseStore>(
    store: &S,
    actor: &Actor,
) -> Result<Reach> {
    if !actor.can(Permission::new(Domain::Hr, Action::Read)) {
        return Err(Error::Forbidden);
    }
    if super::timeoff::reads_all(actor) {
        return Ok(Reach::Company);
    }
    let Some(me) = super::timeoff::me(store, actor).await? else {
        return Err(Error::Forbidden);
    };
    if store.has_reports(actor.company_id, me.id).await? {
        Ok(Reach::Below(me.id))
    } else {
        Err(Error::Forbidden)
    }
}

async fn timeoff_filter<S: ReportStore + super::HrBaseStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    department: Option<DepartmentId>,
    day: NaiveDate,
) -> Result<(TimeoffFilter, Vec<crate::departments::Department>)> {
    let reach = timeoff_reach(store, actor).await?;
    let depts = store.departments(actor.company_id).await?;
    if let Some(d) = department {
        // Another company's department is no department here.
        if !depts.iter().any(|x| x.id == d) {
            return Err(Error::invalid("department", "no such department"));
        }
    }
    Ok((
        TimeoffFilter {
            reach,
            department,
            day,
        },
        depts,
    ))
}

fn department_name(depts: &[crate::departments::Department], d: Option<DepartmentId>) -> String {
    d.and_then(|d| depts.iter().find(|x| x.id == d))
        .map(|x| x.name.clone())
        .unwrap_or_else(|| "No department".to_string())
}

/// Time off taken per month, policy and department over `range`, and balances on the
/// range's last day per policy and department.
pub async fn timeoff<S>(
    store: &S,
    actor: &Actor,
    range: Range,
    department: Option<DepartmentId>,
) -> Result<TimeoffReport>
where
    S: ReportStore + super::HrBaseStore + DepartmentStore + super::timeoff::TimeoffStore,
{
    let months = range.list();
    let first = months.first().copied().unwrap_or(range.to);
    let as_of = range.to.last_day();
    let (filter, depts) = timeoff_filter(store, actor, department, as_of).await?;
    let policies = store.timeoff_policies(actor.company_id).await?;
    let policy_name = |id: i64| {
        policies
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let cells = store
        .timeoff_taken(actor.company_id, first.0, as_of, &filter)
        .await?;
    let keys: Vec<i64> = months.iter().map(|m| m.key()).collect();
    let mut taken: Vec<TakenRow> = Vec::new();
    let mut taken_totals = vec![0; months.len()];
    for c in cells {
        let Some(i) = keys.iter().position(|k| *k == c.month) else {
            continue;
        };
        let p = match taken
            .iter()
            .position(|r| r.policy_id == c.policy_id && r.department_id == c.department_id)
        {
            Some(p) => p,
            None => {
                taken.push(TakenRow {
                    policy_id: c.policy_id,
                    policy: policy_name(c.policy_id),
                    department_id: c.department_id,
                    department: department_name(&depts, c.department_id),
                    milli: vec![0; months.len()],
                    total_milli: 0,
                });
                taken.len() - 1
            }
        };
        taken[p].milli[i] += c.milli;
        taken[p].total_milli += c.milli;
        taken_totals[i] += c.milli;
    }
    let order = |policy: &str, d: Option<DepartmentId>, dept: &str| {
        (policy.to_lowercase(), d.is_none(), dept.to_lowercase())
    };
    taken.sort_by_key(|r| order(&r.policy, r.department_id, &r.department));
    let mut balances: Vec<BalanceRow> = store
        .timeoff_balance_summary(actor.company_id, &filter)
        .await?
        .into_iter()
        .map(|c| BalanceRow {
            policy_id: c.policy_id,
            policy: policy_name(c.policy_id),
            department_id: c.department_id,
            department: department_name(&depts, c.department_id),
            employees: c.employees,
            total_milli: c.total_milli,
            average_milli: average(c.total_milli, c.employees),
            negative: c.negative,
        })
        .collect();
    balances.sort_by_key(|r| order(&r.policy, r.department_id, &r.department));
    Ok(TimeoffReport {
        months,
        reach: filter.reach,
        department_id: department,
        department: department.map(|d| department_name(&depts, Some(d))),
        as_of,
        taken_total: taken_totals.iter().sum(),
        taken,
        taken_totals,
        balances,
        departments: depts.into_iter().map(|d| (d.id, d.name)).collect(),
    })
}

/// Each person's balance per policy on `day`, within the actor's reach, sorted and paged.
pub async fn employee_balances<S>(
    store: &S,
    actor: &Actor,
    day: NaiveDate,
    department: Option<DepartmentId>,
    sort: BalanceSort,
    dir: SortDir,
    paging: Paging,
) -> Result<Page<EmployeeBalance>>
where
    S: ReportStore + super::HrBaseStore + DepartmentStore,
{
    let (filter, _) = timeoff_filter(store, actor, department, day).await?;
    store
        .timeoff_employee_balances(actor.company_id, &filter, sort, dir, paging)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_away_from_zero() {
        assert_eq!(average(3000, 2), 1500);
        assert_eq!(average(1000, 3), 333);
        assert_eq!(average(2000, 3), 667);
        assert_eq!(average(-2000, 3), -667);
        assert_eq!(average(1, 2), 1);
        assert_eq!(average(5, 0), 0);
    }

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
