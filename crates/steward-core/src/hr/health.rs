//! Record health: rules that find incomplete or wrong employee records, run set-based over
//! the whole company (one statement per rule, never one per employee), nightly
//! (`hr.health`, a chain of daily jobs) and for one employee whenever their record changes
//! ([`check_employee`]). The problems of the last run are kept with a link to fix each; every
//! full run leaves a row with its counts, for the trend.
//!
//! The rules are data ([`RULES`]): a key, a label, a severity and what to fix. The store
//! holds the SQL of each key; a rule it does not know finds nothing.
use chrono::NaiveDate;
use serde::Serialize;
use std::future::Future;

use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::ids::{CompanyId, DepartmentId, EmployeeId};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobResult, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::work::dashboard::{Bar, Tile, TileFuture, TileSource};
use crate::{Error, Result};

/// The nightly run's job kind.
pub const HEALTH_JOB: &str = "hr.health";
/// The hour (UTC) of the nightly run.
pub const HEALTH_HOUR_UTC: u32 = 2;
/// Documents and certifications expiring within this many days are flagged.
pub const SOON_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub key: &'static str,
    pub label: &'static str,
    pub severity: Severity,
    /// Whether the problem belongs to an employee (else to a department).
    pub per_employee: bool,
}

const fn rule(
    key: &'static str,
    label: &'static str,
    severity: Severity,
    per_employee: bool,
) -> Rule {
    Rule {
        key,
        label,
        severity,
        per_employee,
    }
}

/// Every rule, in the order the page lists them.
pub const RULES: &[Rule] = &[
    rule(
        "end_before_start",
        "End date before start date",
        Severity::Error,
        true,
    ),
    rule(
        "fixed_term_without_end",
        "Fixed-term contract without an end date",
        Severity::Error,
        true,
    ),
    rule(
        "permanent_without_probation",
        "Permanent employee without a probation end",
        Severity::Warning,
        true,
    ),
    rule(
        "part_time_full_fte",
        "Part-time employee at full FTE",
        Severity::Error,
        true,
    ),
    rule(
        "required_field_missing",
        "Required custom field missing",
        Severity::Error,
        true,
    ),
    rule(
        "document_expired",
        "Expired document",
        Severity::Error,
        true,
    ),
    rule(
        "document_expiring",
        "Document expiring within 30 days",
        Severity::Warning,
        true,
    ),
    rule(
        "certification_expired",
        "Expired certification",
        Severity::Error,
        true,
    ),
    rule(
        "certification_expiring",
        "Certification expiring within 30 days",
        Severity::Warning,
        true,
    ),
    rule("manager_left", "Manager has left", Severity::Error, true),
    rule(
        "reporting_cycle",
        "Reporting line runs in a circle",
        Severity::Error,
        true,
    ),
    rule(
        "duplicate_work_email",
        "Work e-mail used by another employee",
        Severity::Error,
        true,
    ),
    rule(
        "duplicate_national_id",
        "National id used by another employee",
        Severity::Error,
        true,
    ),
    rule(
        "no_contract",
        "Active employee without a contract on file",
        Severity::Error,
        true,
    ),
    rule(
        "department_without_head",
        "Department without a head",
        Severity::Warning,
        false,
    ),
];

pub fn rule_by_key(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.key == key)
}

/// A problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub id: i64,
    pub rule: String,
    pub employee_id: Option<EmployeeId>,
    pub employee_name: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub department_name: Option<String>,
    /// The record to fix when it is not the employee: `hr.document`, `hr.certification`,
    /// `department`.
    pub record_kind: String,
    pub record_id: Option<i64>,
    pub detail: String,
    pub found_at: Timestamp,
}

impl Issue {
    pub fn rule_info(&self) -> Option<&'static Rule> {
        rule_by_key(&self.rule)
    }
    pub fn label(&self) -> &'static str {
        self.rule_info().map(|r| r.label).unwrap_or("Unknown rule")
    }
    pub fn severity(&self) -> &'static str {
        self.rule_info()
            .map(|r| r.severity.as_str())
            .unwrap_or("warning")
    }
    /// Where to fix it.
    pub fn fix_link(&self) -> String {
        match (self.record_kind.as_str(), self.record_id, self.employee_id) {
            ("hr.document", Some(id), _) => format!("/hr/documents/{id}"),
            ("department", _, _) | (_, _, None) => match self.department_id {
                Some(d) => format!("/hr/departments/{d}"),
                None => "/hr/departments".to_string(),
            },
            (_, _, Some(e)) => format!("/hr/employees/{e}"),
        }
    }
}

/// Counts of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub id: i64,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Employees checked (not left).
    pub employees: i64,
    /// Employees with at least one problem.
    pub affected: i64,
    pub issues: i64,
    /// Problems per rule key.
    pub counts: Vec<(String, i64)>,
}

/// Share of a department's employees without a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentScore {
    pub department_id: Option<DepartmentId>,
    pub name: String,
    pub employees: i64,
    pub affected: i64,
}

impl DepartmentScore {
    /// Percent of employees without problems (100 for an empty department).
    pub fn score(&self) -> i64 {
        if self.employees <= 0 {
            100
        } else {
            (self.employees - self.affected) * 100 / self.employees
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueSort {
    #[default]
    Employee,
    Rule,
    Department,
    Found,
}

impl SortKey for IssueSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("employee", IssueSort::Employee),
        ("rule", IssueSort::Rule),
        ("department", IssueSort::Department),
        ("found", IssueSort::Found),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct IssueQuery {
    pub rule: Option<String>,
    pub employee: Option<EmployeeId>,
    pub department: Option<DepartmentId>,
    /// Lowercase text in the employee's name.
    pub search: Option<String>,
    pub sort: IssueSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// What the engine needs from the store.
pub trait HealthStore: Send + Sync {
    /// Runs every rule for the company (or only for `only`'s problems: the employee rules for
    /// them and for those whose problems a change to them can raise or clear), replacing the
    /// problems they own,
    /// in one transaction. A full run (`only` = None) records a run row.
    fn run_health(
        &self,
        company: CompanyId,
        today: NaiveDate,
        only: Option<EmployeeId>,
    ) -> impl Future<Output = Result<Run>> + Send;
    /// Companies that have employees (the nightly run goes through them).
    fn health_companies(&self) -> impl Future<Output = Result<Vec<CompanyId>>> + Send;
    fn health_issues(
        &self,
        company: CompanyId,
        q: &IssueQuery,
    ) -> impl Future<Output = Result<Page<Issue>>> + Send;
    /// Problems per rule key (of the current state).
    fn health_counts(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
    fn health_scores(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<DepartmentScore>>> + Send;
    /// The latest runs, newest first.
    fn health_runs(
        &self,
        company: CompanyId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Run>>> + Send;
}

/// HR staff and those who read all of HR (auditors) see record health.
pub fn authorize_view(actor: &Actor) -> Result<()> {
    if actor
        .scope_for(Permission::new(Domain::Hr, Action::Read))
        .is_some_and(|s| s == Scope::Company)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub use crate::time::today;

/// Re-evaluates one employee's record (the employee service calls it after each change).
/// Cheap: each employee rule runs for that employee and the few others the change can
/// affect (same e-mail or national id, reports, those above, current holders of such
/// problems); departments without a head are left to full runs.
pub async fn check_employee(
    store: &impl HealthStore,
    company: CompanyId,
    employee: EmployeeId,
) -> Result<()> {
    store
        .run_health(company, today(), Some(employee))
        .await
        .map(|_| ())
}

/// Re-checks after a write: one employee's neighbourhood, or (with `None`, after an import)
/// the whole company. Web runs it in the background so the response does not wait.
pub async fn recheck(
    store: &impl HealthStore,
    company: CompanyId,
    employee: Option<EmployeeId>,
) -> Result<()> {
    store
        .run_health(company, today(), employee)
        .await
        .map(|_| ())
}

/// A full run for one company, by hand (HR staff).
pub async fn run_now(store: &impl HealthStore, actor: &Actor) -> Result<Run> {
    if !super::is_hr_staff(actor) {
        return Err(Error::Forbidden);
    }
    store.run_health(actor.company_id, today(), None).await
}

pub async fn issues(
    store: &impl HealthStore,
    actor: &Actor,
    q: &IssueQuery,
) -> Result<Page<Issue>> {
    authorize_view(actor)?;
    if let Some(r) = &q.rule {
        if rule_by_key(r).is_none() {
            return Err(Error::invalid("rule", "no such rule"));
        }
    }
    store.health_issues(actor.company_id, q).await
}

/// Everything the health page shows besides the list.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// (rule, problems), every rule, in [`RULES`] order.
    pub by_rule: Vec<(&'static Rule, i64)>,
    pub total: i64,
    pub scores: Vec<DepartmentScore>,
    /// Oldest first.
    pub runs: Vec<Run>,
}

pub async fn summary(store: &impl HealthStore, actor: &Actor) -> Result<Summary> {
    authorize_view(actor)?;
    let counts = store.health_counts(actor.company_id).await?;
    let by_rule: Vec<(&'static Rule, i64)> = RULES
        .iter()
        .map(|r| {
            let n = counts
                .iter()
                .find(|(k, _)| k == r.key)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (r, n)
        })
        .collect();
    let total = by_rule.iter().map(|(_, n)| n).sum();
    let scores = store.health_scores(actor.company_id).await?;
    let mut runs = store.health_runs(actor.company_id, 30).await?;
    runs.reverse();
    Ok(Summary {
        by_rule,
        total,
        scores,
        runs,
    })
}

/// The past runs, oldest first (for the reports' trend).
pub async fn trend(store: &impl HealthStore, actor: &Actor, limit: u32) -> Result<Vec<Run>> {
    authorize_view(actor)?;
    let mut runs = store.health_runs(actor.company_id, limit).await?;
    runs.reverse();
    Ok(runs)
}

// ---- jobs ----

/// The next nightly run: due at [`HEALTH_HOUR_UTC`] after `now`, once per day.
pub fn health_job(now: Timestamp) -> Result<NewJob> {
    use chrono::{Duration, TimeZone, Utc};
    let dt = now.to_datetime();
    let at_today = dt
        .date_naive()
        .and_hms_opt(HEALTH_HOUR_UTC, 0, 0)
        .ok_or_else(|| Error::internal("health hour"))?;
    let next = if dt.naive_utc() < at_today {
        at_today
    } else {
        at_today + Duration::days(1)
    };
    let next_utc = Utc.from_utc_datetime(&next);
    Ok(
        NewJob::new(JobKind::new(HEALTH_JOB)?, serde_json::json!({}))
            .at(Timestamp(next_utc.timestamp_micros()))
            .dedupe(format!("hr.health:{}", next.date()))
            .attempts(3),
    )
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: super::HrBackend + Clone + 'static,
{
    if let Ok(kind) = JobKind::new(HEALTH_JOB) {
        registry.register(&kind, move |_job: Job| {
            let s = store.clone();
            async move { nightly(&s, Timestamp::now()).await }
        });
    }
}

/// Makes sure the next nightly run is scheduled (each run schedules the next).
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    store.enqueue(&[health_job(Timestamp::now())?]).await?;
    Ok(())
}

/// Runs every company, then schedules tomorrow's run.
pub async fn nightly<S: HealthStore + JobStore>(store: &S, now: Timestamp) -> JobResult {
    let internal = |e: Error| JobError::retry(e.to_string());
    let day = now.to_datetime().date_naive();
    for c in store.health_companies().await.map_err(internal)? {
        let run = store.run_health(c, day, None).await.map_err(internal)?;
        tracing::info!(company = %c, issues = run.issues, "record health");
    }
    let next = health_job(now.plus_secs(60)).map_err(internal)?;
    store.enqueue(&[next]).await.map_err(internal)?;
    Ok(())
}

/// The dashboard tile: problems now, the rules with most of them as bars.
pub struct HealthTile;

impl<S: HealthStore + Sync> TileSource<S> for HealthTile {
    fn name(&self) -> &'static str {
        "Record health"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            if authorize_view(actor).is_err() {
                return Ok(Vec::new());
            }
            let counts = store.health_counts(actor.company_id).await?;
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            let mut bars: Vec<Bar> = counts
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| Bar {
                    label: rule_by_key(&k).map(|r| r.label).unwrap_or("?").to_string(),
                    value: n,
                    link: Some(format!("/hr/health?rule={k}")),
                })
                .collect();
            bars.sort_by_key(|b| std::cmp::Reverse(b.value));
            Ok(vec![Tile::new(
                "hr.health",
                "Record health",
                total,
                "problems in employee records",
                "/hr/health",
            )
            .with_bars(bars)])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_have_unique_keys_and_links_go_to_the_record() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(RULES[i + 1..].iter().all(|o| o.key != r.key), "{}", r.key);
        }
        let mut i = Issue {
            id: 1,
            rule: "document_expired".into(),
            employee_id: Some(EmployeeId(4)),
            employee_name: None,
            department_id: None,
            department_name: None,
            record_kind: crate::hr::DOCUMENT.into(),
            record_id: Some(9),
            detail: String::new(),
            found_at: Timestamp(0),
        };
        assert_eq!(i.fix_link(), "/hr/documents/9");
        i.record_kind = String::new();
        assert_eq!(i.fix_link(), "/hr/employees/4");
        i.employee_id = None;
        i.department_id = Some(DepartmentId(3));
        assert_eq!(i.fix_link(), "/hr/departments/3");
        assert_eq!(
            DepartmentScore {
                department_id: None,
                name: String::new(),
                employees: 4,
                affected: 1
            }
            .score(),
            75
        );
    }

    #[test]
    fn the_nightly_job_is_due_once_a_day() {
        let t = Timestamp(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
                .and_then(|d| d.and_hms_opt(1, 0, 0))
                .map(|d| d.and_utc().timestamp_micros())
                .unwrap_or(0),
        );
        let j = health_job(t).expect("job");
        assert_eq!(j.dedupe_key.as_deref(), Some("hr.health:2026-12-02"));
        let later = health_job(t.plus_secs(3 * 3600)).expect("job");
        assert_eq!(later.dedupe_key.as_deref(), Some("hr.health:2026-12-03"));
    }
}
