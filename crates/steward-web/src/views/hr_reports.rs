//! HR reports as tables: the range and filters from the URL, and each report as rows. Pages and the API share these.

use crate::list::ListParams;
use steward_core::hr::health::{self, Run};
use steward_core::hr::reports::{
    percent_label, EmployeeBalance, Headcount, Month, Movements, Range, TimeoffReport,
};
use steward_core::hr::timeoff::days_text;
use steward_core::ids::DepartmentId;
use steward_core::Error;
use steward_io::ColumnKind;

/// `to=yyyy-mm` and `months=n`; the last 12 months by default.
pub fn range_from(params: &ListParams) -> Result<Range, Error> {
    let to = match params.get("to") {
        Some(t) => Month::parse(t).ok_or_else(|| Error::invalid("to", "a month as yyyy-mm"))?,
        None => Month::of(health::today()),
    };
    let months = match params.get("months") {
        Some(m) => m
            .parse::<u32>()
            .map_err(|_| Error::invalid("months", "a number of months"))?,
        None => 12,
    };
    Range::new(to, months)
}

pub fn headcount_table(h: &Headcount) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec!["department".to_string()];
    headers.extend(h.months.iter().map(|m| m.label()));
    let mut rows: Vec<Vec<String>> = h
        .rows
        .iter()
        .map(|r| {
            let mut v = vec![r.department.clone()];
            v.extend(r.counts.iter().map(i64::to_string));
            v
        })
        .collect();
    let mut total = vec!["Total".to_string()];
    total.extend(h.totals.iter().map(i64::to_string));
    rows.push(total);
    (headers, rows)
}

pub fn movements_table(m: &Movements) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "month",
        "joiners",
        "leavers",
        "headcount_start",
        "headcount_end",
        "turnover",
    ]
    .map(str::to_string)
    .to_vec();
    let mut rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .map(|r| {
            vec![
                r.month.label(),
                r.joiners.to_string(),
                r.leavers.to_string(),
                r.headcount_start.to_string(),
                r.headcount_end.to_string(),
                percent_label(r.turnover_permille),
            ]
        })
        .collect();
    rows.push(vec![
        "Total".into(),
        m.joiners.to_string(),
        m.leavers.to_string(),
        String::new(),
        String::new(),
        percent_label(m.turnover_permille),
    ]);
    (headers, rows)
}

pub fn health_table(runs: &[Run]) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = ["finished_at", "employees", "with_problems", "problems"]
        .map(str::to_string)
        .to_vec();
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                r.finished_at.rfc3339(),
                r.employees.to_string(),
                r.affected.to_string(),
                r.issues.to_string(),
            ]
        })
        .collect();
    (headers, rows)
}

/// `department=<id>`, optional.
pub fn department_from(params: &ListParams) -> Result<Option<DepartmentId>, Error> {
    params
        .get("department")
        .map(|d| {
            d.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(DepartmentId)
                .ok_or_else(|| Error::invalid("department", "a department id"))
        })
        .transpose()
}

/// Days taken: a row per policy and department, a column per month, then the total.
pub fn taken_table(r: &TimeoffReport) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec!["policy".to_string(), "department".to_string()];
    headers.extend(r.months.iter().map(|m| m.label()));
    headers.push("total".into());
    let mut rows: Vec<Vec<String>> = r
        .taken
        .iter()
        .map(|t| {
            let mut v = vec![t.policy.clone(), t.department.clone()];
            v.extend(t.milli.iter().map(|m| days_text(*m)));
            v.push(days_text(t.total_milli));
            v
        })
        .collect();
    let mut total = vec!["Total".to_string(), String::new()];
    total.extend(r.taken_totals.iter().map(|m| days_text(*m)));
    total.push(days_text(r.taken_total));
    rows.push(total);
    (headers, rows)
}

/// Balances per policy and department.
pub fn balances_table(r: &TimeoffReport) -> (Vec<String>, Vec<Vec<String>>) {
    let headers = [
        "policy",
        "department",
        "employees",
        "total",
        "average",
        "negative",
    ]
    .map(str::to_string)
    .to_vec();
    let rows = r
        .balances
        .iter()
        .map(|b| {
            vec![
                b.policy.clone(),
                b.department.clone(),
                b.employees.to_string(),
                days_text(b.total_milli),
                days_text(b.average_milli),
                b.negative.to_string(),
            ]
        })
        .collect();
    (headers, rows)
}

pub const BALANCE_EXPORT: &[&str] = &["employee_number", "name", "department", "policy", "balance"];

/// A balance can be negative: its column is numeric, so CSV keeps `-1.5` a number.
pub const BALANCE_EXPORT_KINDS: &[ColumnKind] = &[
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Number,
];

/// [`balances_table`]'s columns: policy and department, then numbers.
pub const BALANCES_KINDS: &[ColumnKind] = &[
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Number,
    ColumnKind::Number,
    ColumnKind::Number,
    ColumnKind::Number,
];

pub fn balance_export_row(b: &EmployeeBalance) -> Vec<String> {
    vec![
        b.employee_number.clone(),
        b.name.clone(),
        b.department.clone(),
        b.policy.clone(),
        b.balance(),
    ]
}
