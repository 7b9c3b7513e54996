//! Time off: policies with accrual rules, working calendars with holidays, an accruals
//! ledger per employee and policy, requests approved through Work's approvals (kind
//! `timeoff`, subject `hr.timeoff:<request id>`), team calendar, iCalendar feeds.
//!
//! Amounts are milli-days (1000 = one working day, 500 = half). A balance is always the sum
//! of the employee's ledger rows for the policy (`accrual`, `use`, `carry_over`, `expiry`,
//! `adjustment`); nothing else holds a balance. Accrual rows carry a period key unique per
//! employee and policy, so running accruals twice writes nothing the second time. Rounding:
//! see [`accrual`] (once, half to even, on running totals).
//!
//! requests.rs: requests and their decisions; team.rs: the team calendar; feeds.rs: the
//! iCalendar feeds.
pub mod accrual;
pub mod calendar;
mod feeds;
pub mod ical;
mod requests;
mod team;

pub use feeds::*;
pub use requests::*;
pub use team::*;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;

use self::accrual::{AccrualRule, Employment};
use self::calendar::{Holiday, Span, WorkCalendar};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::hr::HrBackend;
use crate::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use crate::jobs::{Job, JobError, JobKind, JobResult, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::work::approvals::NewApprovalRequest;
use crate::work::RecordRef;
use crate::{Error, Result};

use super::{EmployeeRef, HrBaseStore};
// Named as `super::visibility` by requests.rs.
use super::visibility;

pub const ACCRUE_JOB: &str = "hr.timeoff.accrue";
/// Hour (UTC) the daily accrual runs.
pub const ACCRUE_HOUR_UTC: u32 = 2;

pub const POLICY_KINDS: &[(&str, &str)] = &[
    ("annual", "Annual leave"),
    ("sick", "Sick leave"),
    ("unpaid", "Unpaid leave"),
    ("custom", "Other"),
];
pub const ACCRUALS: &[(&str, &str)] = &[
    ("monthly", "Each month"),
    ("yearly", "Once a year"),
    ("none", "No accrual"),
];
pub const LEDGER_KINDS: &[&str] = &["accrual", "use", "carry_over", "expiry", "adjustment"];
pub const STATUSES: &[(&str, &str)] = &[
    ("pending", "Waiting for approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
];

pub fn status_label(s: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(k, _)| *k == s)
        .map_or("Unknown", |(_, l)| l)
}

pub fn kind_label(s: &str) -> &'static str {
    POLICY_KINDS
        .iter()
        .find(|(k, _)| *k == s)
        .map_or("Other", |(_, l)| l)
}

pub fn ledger_kind_label(s: &str) -> &'static str {
    match s {
        "accrual" => "Accrual",
        "use" => "Time off",
        "carry_over" => "Year-end carry-over",
        "expiry" => "Carried days expired",
        _ => "Adjustment",
    }
}

pub use accrual::days_text;

// ---------------------------------------------------------------- types

/// A working calendar with its holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub weekdays: Vec<u32>,
    pub is_default: bool,
    pub holidays: Vec<Holiday>,
}

impl CalendarRow {
    pub fn work_calendar(&self) -> WorkCalendar {
        WorkCalendar {
            weekdays: self.weekdays.clone(),
            holidays: self.holidays.iter().map(|h| (h.day, h.clone())).collect(),
        }
    }
    pub fn weekdays_label(&self) -> String {
        self.weekdays
            .iter()
            .filter_map(|d| calendar::WEEKDAY_NAMES.get((*d as usize).wrapping_sub(1)))
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCalendar {
    pub name: String,
    pub weekdays: Vec<u32>,
    pub is_default: bool,
}

/// A policy: what kind of time off, how it accrues, what carries over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// `monthly`, `yearly` or `none`.
    pub accrual: String,
    /// Milli-days a year at full time.
    pub entitlement_milli: i64,
    pub waiting_days: i64,
    /// Most milli-days carried into the next year (0: nothing carries over).
    pub carry_cap_milli: i64,
    /// Months after the year start when carried days expire (0: never).
    pub carry_expiry_months: i64,
    pub allow_negative: bool,
    pub needs_approval: bool,
    pub active: bool,
    pub version: i64,
}

impl Policy {
    pub fn rule(&self) -> AccrualRule {
        AccrualRule {
            entitlement_milli: self.entitlement_milli,
            waiting_days: self.waiting_days,
        }
    }
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
    pub fn entitlement_text(&self) -> String {
        days_text(self.entitlement_milli)
    }
    pub fn carry_cap_text(&self) -> String {
        days_text(self.carry_cap_milli)
    }
    pub fn accrual_label(&self) -> &'static str {
        ACCRUALS
            .iter()
            .find(|(k, _)| *k == self.accrual)
            .map_or("", |(_, l)| l)
    }
}

/// A validated policy to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: String,
    pub kind: String,
    pub accrual: String,
    pub entitlement_milli: i64,
    pub waiting_days: i64,
    pub carry_cap_milli: i64,
    pub carry_expiry_months: i64,
    pub allow_negative: bool,
    pub needs_approval: bool,
    pub active: bool,
}

/// A policy as typed (days as decimals).
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub name: String,
    pub kind: String,
    pub accrual: String,
    pub entitlement_days: String,
    pub waiting_days: String,
    pub carry_cap_days: String,
    pub carry_expiry_months: String,
    pub allow_negative: bool,
    pub needs_approval: bool,
    pub active: bool,
}

impl PolicyInput {
    pub fn validate(&self) -> Result<NewPolicy> {
        let mut errors = Vec::new();
        let mut bad = |f: &str, m: &str| {
            errors.push(crate::error::FieldError {
                field: f.into(),
                message: m.into(),
            })
        };
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            bad("name", "is required, at most 100 characters");
        }
        if !POLICY_KINDS.iter().any(|(k, _)| *k == self.kind.trim()) {
            bad("kind", "annual, sick, unpaid or custom");
        }
        if !ACCRUALS.iter().any(|(k, _)| *k == self.accrual.trim()) {
            bad("accrual", "monthly, yearly or none");
        }
        let days = |s: &str| -> Option<i64> {
            if s.trim().is_empty() {
                Some(0)
            } else {
                accrual::parse_days(s).filter(|v| *v >= 0 && *v <= 366_000)
            }
        };
        let whole = |s: &str, max: i64| -> Option<i64> {
            if s.trim().is_empty() {
                Some(0)
            } else {
                s.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|v| (0..=max).contains(v))
            }
        };
        let entitlement = days(&self.entitlement_days);
        if entitlement.is_none() {
            bad(
                "entitlement_days",
                "days a year, 0 to 366 (e.g. 25 or 12.5)",
            );
        }
        let waiting = whole(&self.waiting_days, 3650);
        if waiting.is_none() {
            bad("waiting_days", "whole days, 0 to 3650");
        }
        let cap = days(&self.carry_cap_days);
        if cap.is_none() {
            bad("carry_cap_days", "days, 0 to 366");
        }
        let expiry = whole(&self.carry_expiry_months, 120);
        if expiry.is_none() {
            bad("carry_expiry_months", "whole months, 0 to 120 (0: never)");
        }
        if !errors.is_empty() {
            return Err(if errors.len() == 1 {
                let e = errors.remove(0);
                Error::invalid(e.field, e.message)
            } else {
                Error::InvalidMany(errors)
            });
        }
        Ok(NewPolicy {
            name,
            kind: self.kind.trim().to_string(),
            accrual: self.accrual.trim().to_string(),
            entitlement_milli: entitlement.unwrap_or(0),
            waiting_days: waiting.unwrap_or(0),
            carry_cap_milli: cap.unwrap_or(0),
            carry_expiry_months: expiry.unwrap_or(0),
            allow_negative: self.allow_negative,
            needs_approval: self.needs_approval,
            active: self.active,
        })
    }
}

/// One row of the accruals ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub policy_id: i64,
    pub day: NaiveDate,
    pub kind: String,
    pub amount_milli: i64,
    pub request_id: Option<i64>,
    pub period: Option<String>,
    pub note: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLedgerRow {
    pub employee_id: EmployeeId,
    pub policy_id: i64,
    pub day: NaiveDate,
    pub kind: String,
    pub amount_milli: i64,
    pub request_id: Option<i64>,
    /// Unique per employee and policy: `YYYY-MM`/`YYYY` accruals, `carry:YYYY`,
    /// `expiry:YYYY`. Rows without one (uses, adjustments) are never deduplicated.
    pub period: Option<String>,
    pub note: String,
    pub created_by: Option<UserId>,
}

/// A request for time off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    pub department_id: Option<DepartmentId>,
    pub policy_id: i64,
    pub policy_name: String,
    pub span: Span,
    pub amount_milli: i64,
    pub status: String,
    pub note: String,
    pub decision_note: String,
    pub approval_id: Option<i64>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl Request {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    pub fn days(&self) -> String {
        days_text(self.amount_milli)
    }
    pub fn dates(&self) -> String {
        self.span.text()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub employee_id: EmployeeId,
    pub policy_id: i64,
    pub span: Span,
    pub amount_milli: i64,
    pub status: String,
    pub note: String,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestSort {
    #[default]
    Start,
    Employee,
    Policy,
    Status,
    Days,
    Created,
}

impl SortKey for RequestSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("start", RequestSort::Start),
        ("employee", RequestSort::Employee),
        ("policy", RequestSort::Policy),
        ("status", RequestSort::Status),
        ("days", RequestSort::Days),
        ("created", RequestSort::Created),
    ];
}

/// Filters for the list of requests. `employees` narrows to the actor's reach (set by the
/// service, never by the caller).
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub policy: Option<i64>,
    pub employee: Option<EmployeeId>,
    pub department: Option<DepartmentId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub employees: Option<Vec<EmployeeId>>,
    pub sort: RequestSort,
    pub dir: SortDir,
    pub paging: Paging,
}

impl RequestQuery {
    /// Filters from query parameters (`q`, `status`, `policy`, `employee`, `department`,
    /// `from`, `to`), naming the bad one.
    pub fn filters_from(get: impl Fn(&str) -> Option<String>) -> Result<RequestQuery> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let id = |k: &str| -> Result<Option<i64>> {
            get(k)
                .map(|v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| Error::invalid(k, "an id"))
                })
                .transpose()
        };
        let day = |k: &str| -> Result<Option<NaiveDate>> {
            get(k).map(|v| parse_date(k, &v)).transpose()
        };
        let status = get("status");
        if let Some(s) = &status {
            if !STATUSES.iter().any(|(k, _)| k == s) {
                return Err(Error::invalid(
                    "status",
                    "pending, approved, rejected or cancelled",
                ));
            }
        }
        Ok(RequestQuery {
            q: get("q").map(|q| q.chars().take(100).collect()),
            status,
            policy: id("policy")?,
            employee: id("employee")?.map(EmployeeId),
            department: id("department")?.map(DepartmentId),
            from: day("from")?,
            to: day("to")?,
            ..RequestQuery::default()
        })
    }
}

/// A secret calendar feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feed {
    pub id: i64,
    pub company_id: CompanyId,
    pub user_id: UserId,
    /// `person` (the creator's own time off) or `team` (a department, or the creator's
    /// reports when no department).
    pub scope: String,
    pub employee_id: Option<EmployeeId>,
    pub department_id: Option<DepartmentId>,
    pub label: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub user_id: UserId,
    pub scope: String,
    pub employee_id: Option<EmployeeId>,
    pub department_id: Option<DepartmentId>,
    pub token_hash: String,
    pub label: String,
}

// ---------------------------------------------------------------- store

/// The time-off tables.
pub trait TimeoffStore: Send + Sync {
    /// Calendars with their holidays.
    fn timeoff_calendars(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<CalendarRow>>> + Send;
    fn timeoff_insert_calendar(
        &self,
        company: CompanyId,
        cal: &NewCalendar,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Adds a holiday; a second one on the same day is refused (`day`).
    fn timeoff_add_holiday(
        &self,
        company: CompanyId,
        calendar: i64,
        holiday: &Holiday,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn timeoff_remove_holiday(
        &self,
        company: CompanyId,
        calendar: i64,
        day: NaiveDate,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The calendar of a location (`hr_locations.calendar_id`).
    fn timeoff_location_calendar(
        &self,
        company: CompanyId,
        location: LocationId,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    fn timeoff_policies(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Policy>>> + Send;
    /// A duplicate name is refused (`name`).
    fn timeoff_insert_policy(
        &self,
        company: CompanyId,
        p: &NewPolicy,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Conflict when `version` is stale.
    fn timeoff_update_policy(
        &self,
        company: CompanyId,
        id: i64,
        p: &NewPolicy,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Ledger rows by day, of one policy or all.
    fn timeoff_ledger(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        policy: Option<i64>,
    ) -> impl Future<Output = Result<Vec<LedgerRow>>> + Send;
    /// The ledger of every employee of the company for the accrual job, in one read: the
    /// rows dated `since` or later, and before them one `opening` row per employee and
    /// policy (dated the day before `since`) holding the sum of the older rows.
    fn timeoff_ledger_since(
        &self,
        company: CompanyId,
        since: NaiveDate,
    ) -> impl Future<Output = Result<Vec<LedgerRow>>> + Send;
    /// The sum of the ledger per policy (policy id, milli-days), up to `until` when given.
    fn timeoff_balances(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        until: Option<NaiveDate>,
    ) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
    /// Appends groups of rows (one group per employee) in one transaction; a row whose
    /// period exists already is skipped. Returns how many rows were written. A group's
    /// audit draft is appended only when that group wrote something.
    fn timeoff_post(
        &self,
        company: CompanyId,
        groups: &[(Vec<NewLedgerRow>, AuditDraft)],
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Inserts a request, and its `use` row when it is approved at once.
    fn timeoff_insert_request(
        &self,
        company: CompanyId,
        req: &NewRequest,
        use_row: Option<NewLedgerRow>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn timeoff_set_approval(
        &self,
        company: CompanyId,
        id: i64,
        approval: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn timeoff_request(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Request>>> + Send;
    /// Moves a request from `from` to `to` and writes `rows`, in one transaction; false
    /// (and nothing written) when its status was not `from`.
    #[allow(clippy::too_many_arguments)]
    fn timeoff_settle(
        &self,
        company: CompanyId,
        id: i64,
        from: &str,
        to: &str,
        decided_by: Option<UserId>,
        note: &str,
        rows: &[NewLedgerRow],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn timeoff_requests(
        &self,
        company: CompanyId,
        q: &RequestQuery,
    ) -> impl Future<Output = Result<Page<Request>>> + Send;
    /// Pending and approved requests touching `from..=to`, of some employees or all.
    fn timeoff_requests_between(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
        employees: Option<&[EmployeeId]>,
    ) -> impl Future<Output = Result<Vec<Request>>> + Send;
    /// Every employee of the company.
    fn timeoff_employees(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<EmployeeRef>>> + Send;
    /// Companies with time-off policies (id, name), for the accrual job.
    fn timeoff_companies(&self) -> impl Future<Output = Result<Vec<(CompanyId, String)>>> + Send;
    fn timeoff_feeds(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<Feed>>> + Send;
    fn timeoff_insert_feed(
        &self,
        company: CompanyId,
        feed: &NewFeed,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn timeoff_revoke_feed(
        &self,
        company: CompanyId,
        user: UserId,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// A live (not revoked) feed by the hash of its token, in any company.
    fn timeoff_feed_by_hash(&self, hash: &str)
        -> impl Future<Output = Result<Option<Feed>>> + Send;
}

/// What the services need.
pub trait TimeoffBackend: TimeoffStore + HrBaseStore {}
impl<T: TimeoffStore + HrBaseStore> TimeoffBackend for T {}

// ---------------------------------------------------------------- helpers

pub use crate::time::today;

/// The one date parser (`YYYY-MM-DD`, years 1900-2999).
pub use crate::time::parse_date;

fn check_note(field: &str, s: &str) -> Result<String> {
    crate::input::text(field, s, 1000, false)
}

fn can_use(actor: &Actor) -> bool {
    actor.can(Permission::new(Domain::Hr, Action::Read))
}

fn require_use(actor: &Actor) -> Result<()> {
    if can_use(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// HR staff manage policies and calendars and record time off for anyone.
fn require_hr(actor: &Actor) -> Result<()> {
    super::require_staff(actor)
}

/// Reads every employee's time off: HR read at company scope (HR staff, auditors).
pub fn reads_all(actor: &Actor) -> bool {
    actor
        .scope_for(Permission::new(Domain::Hr, Action::Read))
        .is_some_and(|s| s == Scope::Company)
}

pub fn is_hr_staff(actor: &Actor) -> bool {
    super::is_hr_staff(actor)
}

/// The actor's own employee record.
pub async fn me(store: &impl HrBaseStore, actor: &Actor) -> Result<Option<EmployeeRef>> {
    match actor.author() {
        Some(u) => store.employee_of_user(actor.company_id, u).await,
        None => Ok(None),
    }
}

/// Employees below `top` in the reporting line (computed in memory from the manager ids).
pub fn below(all: &[EmployeeRef], top: EmployeeId) -> BTreeSet<EmployeeId> {
    let mut children: HashMap<EmployeeId, Vec<EmployeeId>> = HashMap::new();
    for e in all {
        if let Some(m) = e.manager_id {
            children.entry(m).or_default().push(e.id);
        }
    }
    let mut out = BTreeSet::new();
    let mut stack = vec![top];
    while let Some(x) = stack.pop() {
        for c in children.get(&x).map(Vec::as_slice).unwrap_or_default() {
            if *c != top && out.insert(*c) {
                stack.push(*c);
            }
        }
    }
    out
}

/// The employees whose time off the actor sees: `None` for everyone (HR staff and company
/// readers), else themself and their reports.
pub async fn reach(store: &impl TimeoffBackend, actor: &Actor) -> Result<Option<Vec<EmployeeId>>> {
    if reads_all(actor) {
        return Ok(None);
    }
    let all = store.timeoff_employees(actor.company_id).await?;
    Ok(reach_among(store, actor, &all)
        .await?
        .map(|r| r.into_iter().collect()))
}

/// [`reach`] among the company's employees already read.
async fn reach_among(
    store: &impl HrBaseStore,
    actor: &Actor,
    all: &[EmployeeRef],
) -> Result<Option<BTreeSet<EmployeeId>>> {
    if reads_all(actor) {
        return Ok(None);
    }
    let Some(me) = me(store, actor).await? else {
        return Ok(Some(BTreeSet::new()));
    };
    let mut ids = below(all, me.id);
    ids.insert(me.id);
    Ok(Some(ids))
}

/// An employee the actor may see the time off of (others: 404 for another company, 403
/// for a colleague).
async fn visible_employee(
    store: &impl TimeoffBackend,
    actor: &Actor,
    id: EmployeeId,
) -> Result<EmployeeRef> {
    require_use(actor)?;
    let e = store
        .employee_ref(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    if !super::visibility(store, actor, &e).await?.time_off {
        return Err(Error::Forbidden);
    }
    Ok(e)
}

/// The working calendar of an employee: their location's, else the company default, else
/// Monday to Friday.
pub async fn calendar_of(store: &impl TimeoffStore, emp: &EmployeeRef) -> Result<WorkCalendar> {
    let cals = store.timeoff_calendars(emp.company_id).await?;
    let wanted = location_calendar(store, emp).await?;
    Ok(pick_calendar(&cals, wanted))
}

async fn location_calendar(store: &impl TimeoffStore, emp: &EmployeeRef) -> Result<Option<i64>> {
    match emp.location_id {
        Some(l) => store.timeoff_location_calendar(emp.company_id, l).await,
        None => Ok(None),
    }
}

/// The calendar of id `wanted`, else the default one, else Monday to Friday.
fn pick_calendar(cals: &[CalendarRow], wanted: Option<i64>) -> WorkCalendar {
    wanted
        .and_then(|id| cals.iter().find(|c| c.id == id))
        .or_else(|| cals.iter().find(|c| c.is_default))
        .map(CalendarRow::work_calendar)
        .unwrap_or_default()
}

fn employment(e: &EmployeeRef) -> Employment {
    Employment {
        start: e.start_date,
        end: e.end_date,
        fte_milli: e.fte_milli,
    }
}

async fn policy(store: &impl TimeoffStore, company: CompanyId, id: i64) -> Result<Policy> {
    store
        .timeoff_policies(company)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(Error::NotFound { entity: "policy" })
}

// ---------------------------------------------------------------- policies and calendars

pub async fn policies(store: &impl TimeoffStore, actor: &Actor) -> Result<Vec<Policy>> {
    require_use(actor)?;
    store.timeoff_policies(actor.company_id).await
}

pub async fn create_policy(
    store: &impl TimeoffStore,
    actor: &Actor,
    input: &PolicyInput,
) -> Result<Policy> {
    require_hr(actor)?;
    let p = input.validate()?;
    let audit = AuditDraft::by(actor, "hr.timeoff.policy", None, "create", policy_json(&p));
    let id = store
        .timeoff_insert_policy(actor.company_id, &p, audit)
        .await?;
    policy(store, actor.company_id, id).await
}

pub async fn update_policy(
    store: &impl TimeoffStore,
    actor: &Actor,
    id: i64,
    input: &PolicyInput,
    version: i64,
) -> Result<Policy> {
    require_hr(actor)?;
    if version < 1 {
        return Err(Error::invalid("version", "send the version you read"));
    }
    let before = policy(store, actor.company_id, id).await?;
    let p = input.validate()?;
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.policy",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "entitlement_milli": before.entitlement_milli}, "after": policy_json(&p)}),
    );
    store
        .timeoff_update_policy(actor.company_id, id, &p, version, audit)
        .await?;
    policy(store, actor.company_id, id).await
}

fn policy_json(p: &NewPolicy) -> serde_json::Value {
    json!({"name": p.name, "kind": p.kind, "accrual": p.accrual,
           "entitlement_milli": p.entitlement_milli, "waiting_days": p.waiting_days,
           "carry_cap_milli": p.carry_cap_milli, "carry_expiry_months": p.carry_expiry_months,
           "allow_negative": p.allow_negative, "needs_approval": p.needs_approval, "active": p.active})
}

pub async fn calendars(store: &impl TimeoffStore, actor: &Actor) -> Result<Vec<CalendarRow>> {
    require_use(actor)?;
    store.timeoff_calendars(actor.company_id).await
}

pub async fn create_calendar(
    store: &impl TimeoffStore,
    actor: &Actor,
    name: &str,
    weekdays: &str,
    is_default: bool,
) -> Result<i64> {
    require_hr(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "is required, at most 100 characters",
        ));
    }
    let w = calendar::parse_weekdays(weekdays)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| Error::invalid("weekdays", "weekday numbers 1 (Monday) to 7, e.g. 12345"))?;
    let cal = NewCalendar {
        name: name.to_string(),
        weekdays: w,
        is_default,
    };
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.calendar",
        None,
        "create",
        json!({"name": cal.name, "weekdays": calendar::weekdays_text(&cal.weekdays), "default": is_default}),
    );
    store
        .timeoff_insert_calendar(actor.company_id, &cal, audit)
        .await
}

pub async fn add_holiday(
    store: &impl TimeoffStore,
    actor: &Actor,
    calendar: i64,
    day: &str,
    name: &str,
    half_day: bool,
) -> Result<()> {
    require_hr(actor)?;
    if !store
        .timeoff_calendars(actor.company_id)
        .await?
        .iter()
        .any(|c| c.id == calendar)
    {
        return Err(Error::NotFound { entity: "calendar" });
    }
    let day = parse_date("day", day)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "is required, at most 100 characters",
        ));
    }
    let h = Holiday {
        day,
        name: name.to_string(),
        half_day,
    };
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.calendar",
        Some(calendar.to_string()),
        "add_holiday",
        json!({"day": day.to_string(), "name": h.name, "half_day": half_day}),
    );
    store
        .timeoff_add_holiday(actor.company_id, calendar, &h, audit)
        .await
}

pub async fn remove_holiday(
    store: &impl TimeoffStore,
    actor: &Actor,
    calendar: i64,
    day: NaiveDate,
) -> Result<()> {
    require_hr(actor)?;
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.calendar",
        Some(calendar.to_string()),
        "remove_holiday",
        json!({"day": day.to_string()}),
    );
    if store
        .timeoff_remove_holiday(actor.company_id, calendar, day, audit)
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound { entity: "holiday" })
    }
}

// ---------------------------------------------------------------- balances and ledger

/// A balance of one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub policy: Policy,
    /// The sum of the ledger.
    pub balance_milli: i64,
    /// Requests waiting for approval.
    pub pending_milli: i64,
    /// What a new request may take: balance less pending.
    pub available_milli: i64,
}

impl Balance {
    pub fn balance(&self) -> String {
        days_text(self.balance_milli)
    }
    pub fn pending(&self) -> String {
        days_text(self.pending_milli)
    }
    pub fn available(&self) -> String {
        days_text(self.available_milli)
    }
}

async fn balances_of(
    store: &impl TimeoffStore,
    emp: &EmployeeRef,
    policies: &[Policy],
) -> Result<Vec<Balance>> {
    let sums: HashMap<i64, i64> = store
        .timeoff_balances(emp.company_id, emp.id, None)
        .await?
        .into_iter()
        .collect();
    let pending = store
        .timeoff_requests(
            emp.company_id,
            &RequestQuery {
                employee: Some(emp.id),
                status: Some("pending".into()),
                paging: Paging::export(),
                ..RequestQuery::default()
            },
        )
        .await?;
    let mut out = Vec::new();
    for p in policies {
        let b = sums.get(&p.id).copied().unwrap_or(0);
        let pend: i64 = pending
            .items
            .iter()
            .filter(|r| r.policy_id == p.id)
            .map(|r| r.amount_milli)
            .sum();
        if !p.active && b == 0 && pend == 0 {
            continue;
        }
        out.push(Balance {
            policy: p.clone(),
            balance_milli: b,
            pending_milli: pend,
            available_milli: b - pend,
        });
    }
    Ok(out)
}

/// The balances of an employee the actor may see.
pub async fn balances(
    store: &impl TimeoffBackend,
    actor: &Actor,
    employee: EmployeeId,
) -> Result<(EmployeeRef, Vec<Balance>)> {
    let e = visible_employee(store, actor, employee).await?;
    let ps = store.timeoff_policies(actor.company_id).await?;
    let b = balances_of(store, &e, &ps).await?;
    Ok((e, b))
}

/// A ledger row with the running balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    pub row: LedgerRow,
    pub running_milli: i64,
}

impl LedgerLine {
    pub fn amount(&self) -> String {
        let s = days_text(self.row.amount_milli);
        if self.row.amount_milli > 0 {
            format!("+{s}")
        } else {
            s
        }
    }
    pub fn running(&self) -> String {
        days_text(self.running_milli)
    }
    pub fn kind_label(&self) -> &'static str {
        ledger_kind_label(&self.row.kind)
    }
}

/// The ledger of one employee and policy, line by line with the running balance; the last
/// running balance is the balance.
pub async fn ledger(
    store: &impl TimeoffBackend,
    actor: &Actor,
    employee: EmployeeId,
    policy_id: i64,
) -> Result<(EmployeeRef, Policy, Vec<LedgerLine>)> {
    let e = visible_employee(store, actor, employee).await?;
    let p = policy(store, actor.company_id, policy_id).await?;
    let rows = store
        .timeoff_ledger(actor.company_id, e.id, Some(p.id))
        .await?;
    let mut running = 0;
    let lines = rows
        .into_iter()
        .map(|row| {
            running += row.amount_milli;
            LedgerLine {
                row,
                running_milli: running,
            }
        })
        .collect();
    Ok((e, p, lines))
}

/// HR staff adjust a balance by hand (signed days, with a reason).
pub async fn adjust(
    store: &impl TimeoffBackend,
    actor: &Actor,
    employee: EmployeeId,
    policy_id: i64,
    days: &str,
    note: &str,
) -> Result<()> {
    require_hr(actor)?;
    let e = store
        .employee_ref(actor.company_id, employee)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    let p = policy(store, actor.company_id, policy_id).await?;
    let amount = accrual::parse_days(days)
        .filter(|v| *v != 0)
        .ok_or_else(|| Error::invalid("days", "signed days, e.g. 2 or -1.5"))?;
    let note = check_note("note", note)?;
    if note.is_empty() {
        return Err(Error::invalid("note", "say why"));
    }
    let row = NewLedgerRow {
        employee_id: e.id,
        policy_id: p.id,
        day: today(),
        kind: "adjustment".into(),
        amount_milli: amount,
        request_id: None,
        period: None,
        note: note.clone(),
        created_by: actor.author(),
    };
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.ledger",
        Some(e.id.to_string()),
        "adjust",
        json!({"policy": p.id, "amount_milli": amount, "note": note}),
    );
    store
        .timeoff_post(actor.company_id, &[(vec![row], audit)])
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- accruals

/// The rows accrual owes an employee for a policy up to `today`: this year's periods, last
/// year's (for someone who was employed then), the year-end carry-over and the expiry of
/// carried days. Reads the ledger as it is; the store skips periods already posted.
pub async fn accrual_rows(
    store: &impl TimeoffStore,
    emp: &EmployeeRef,
    p: &Policy,
    today: NaiveDate,
) -> Result<Vec<NewLedgerRow>> {
    if p.accrual == "none" || !p.active {
        return Ok(Vec::new());
    }
    let ledger = store
        .timeoff_ledger(emp.company_id, emp.id, Some(p.id))
        .await?;
    Ok(accrual_rows_of(emp, p, &ledger, today))
}

/// [`accrual_rows`] on the employee's ledger rows for the policy, already read (at least
/// those from January 1 of last year on, the older ones possibly summed into one row).
pub fn accrual_rows_of(
    emp: &EmployeeRef,
    p: &Policy,
    ledger: &[LedgerRow],
    today: NaiveDate,
) -> Vec<NewLedgerRow> {
    let mut out = Vec::new();
    if p.accrual == "none" || !p.active {
        return out;
    }
    let rule = p.rule();
    let em = employment(emp);
    let eligible = em.eligible_from(&rule);
    if eligible > today {
        return out;
    }
    let existing: BTreeSet<&str> = ledger.iter().filter_map(|r| r.period.as_deref()).collect();
    let first_year = eligible.year().max(today.year() - 1);
    for year in first_year..=today.year() {
        for (key, month) in accrual::periods(p.accrual == "monthly", year, today) {
            if existing.contains(key.as_str()) {
                continue;
            }
            let amount = if p.accrual == "monthly" {
                accrual::monthly_amount(&rule, &em, year, month)
            } else {
                accrual::yearly_amount(&rule, &em, year)
            };
            if amount == 0 {
                continue;
            }
            let day = accrual::accrual_day(&rule, &em, year, month);
            if day > today {
                continue;
            }
            out.push(NewLedgerRow {
                employee_id: emp.id,
                policy_id: p.id,
                day,
                kind: "accrual".into(),
                amount_milli: amount,
                request_id: None,
                period: Some(key),
                note: format!(
                    "{} at FTE {}",
                    if p.accrual == "monthly" {
                        "Monthly accrual"
                    } else {
                        "Yearly entitlement"
                    },
                    days_text(emp.fte_milli)
                ),
                created_by: None,
            });
        }
    }
    // The year end of last year: carry over at most the cap.
    let year = today.year();
    let last_year = year - 1;
    let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return out;
    };
    let carry_key = carry_key_of(last_year);
    if eligible < jan1 && !existing.contains(carry_key.as_str()) {
        let dec31 = jan1.pred_opt().unwrap_or(jan1);
        let at_end: i64 = ledger
            .iter()
            .filter(|r| r.day <= dec31)
            .map(|r| r.amount_milli)
            .sum::<i64>()
            + out
                .iter()
                .filter(|r| r.day <= dec31)
                .map(|r| r.amount_milli)
                .sum::<i64>();
        let c = accrual::carry_over(at_end, p.carry_cap_milli);
        out.push(NewLedgerRow {
            employee_id: emp.id,
            policy_id: p.id,
            day: jan1,
            kind: "carry_over".into(),
            amount_milli: c,
            request_id: None,
            period: Some(carry_key.clone()),
            note: format!(
                "{} days at the end of {last_year}; at most {} carry over",
                days_text(at_end),
                days_text(p.carry_cap_milli)
            ),
            created_by: None,
        });
    }
    // Expiry of what was carried, after N months.
    if p.carry_expiry_months > 0 && p.carry_cap_milli > 0 {
        let months = u32::try_from(p.carry_expiry_months).unwrap_or(0);
        let expires = jan1.checked_add_months(chrono::Months::new(months));
        let expiry_key = format!("expiry:{last_year}");
        if let Some(expires) = expires.filter(|d| *d <= today) {
            if !existing.contains(expiry_key.as_str()) && eligible < jan1 {
                // What was carried: last year's balance and the carry-over row, including
                // those computed in this same run (not posted yet).
                let carried: i64 = ledger
                    .iter()
                    .map(|r| (r.day, r.period.as_deref(), r.amount_milli))
                    .chain(
                        out.iter()
                            .map(|r| (r.day, r.period.as_deref(), r.amount_milli)),
                    )
                    .filter(|(day, period, _)| *day < jan1 || *period == Some(carry_key.as_str()))
                    .map(|(_, _, amount)| amount)
                    .sum();
                let used: i64 = -ledger
                    .iter()
                    .filter(|r| r.kind == "use" && r.day >= jan1 && r.day < expires)
                    .map(|r| r.amount_milli)
                    .sum::<i64>();
                let e = accrual::expiry(carried, used);
                out.push(NewLedgerRow {
                    employee_id: emp.id,
                    policy_id: p.id,
                    day: expires,
                    kind: "expiry".into(),
                    amount_milli: e,
                    request_id: None,
                    period: Some(expiry_key),
                    note: format!(
                        "{} days carried from {last_year}, {} used by {}",
                        days_text(carried.max(0)),
                        days_text(used.max(0)),
                        expires
                    ),
                    created_by: None,
                });
            }
        }
    }
    out
}

fn carry_key_of(year: i32) -> String {
    format!("carry:{year}")
}

/// Runs accruals for every employee of the actor's company (idempotent). Returns how many
/// ledger rows were written.
pub async fn accrue(store: &impl TimeoffBackend, actor: &Actor, today: NaiveDate) -> Result<usize> {
    require_hr(actor)?;
    accrue_company(store, actor, today).await
}

async fn accrue_company(
    store: &impl TimeoffBackend,
    actor: &Actor,
    today: NaiveDate,
) -> Result<usize> {
    let ps: Vec<Policy> = store
        .timeoff_policies(actor.company_id)
        .await?
        .into_iter()
        .filter(|p| p.active && p.accrual != "none")
        .collect();
    if ps.is_empty() {
        return Ok(0);
    }
    // The whole company's ledger from January 1 of last year in one read (older rows summed),
    // not a read per employee and policy.
    let since = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let mut ledgers: HashMap<(EmployeeId, i64), Vec<LedgerRow>> = HashMap::new();
    for r in store.timeoff_ledger_since(actor.company_id, since).await? {
        ledgers
            .entry((r.employee_id, r.policy_id))
            .or_default()
            .push(r);
    }
    let mut written = 0;
    let mut groups = Vec::new();
    for e in store.timeoff_employees(actor.company_id).await? {
        if e.end_date.is_some_and(|end| end.year() < today.year() - 1) {
            continue;
        }
        let mut rows = Vec::new();
        for p in &ps {
            let ledger = ledgers.get(&(e.id, p.id)).map(Vec::as_slice);
            rows.extend(accrual_rows_of(&e, p, ledger.unwrap_or_default(), today));
        }
        if rows.is_empty() {
            continue;
        }
        let audit = AuditDraft::by(
            actor,
            "hr.timeoff.ledger",
            Some(e.id.to_string()),
            "accrue",
            json!({"rows": rows.iter().map(|r| json!({"policy": r.policy_id, "period": r.period, "amount_milli": r.amount_milli})).collect::<Vec<_>>()}),
        );
        groups.push((rows, audit));
        // Bounded transactions: one per this many people, not one per person (slow on a
        // large company) nor one for all (holding the writer for long).
        if groups.len() == ACCRUE_BATCH {
            written += store.timeoff_post(actor.company_id, &groups).await?;
            groups.clear();
        }
    }
    written += store.timeoff_post(actor.company_id, &groups).await?;
    Ok(written)
}

/// Employees whose accruals are written per transaction.
const ACCRUE_BATCH: usize = 500;

/// The next accrual job, once a day at [`ACCRUE_HOUR_UTC`].
pub fn accrue_job(now: Timestamp) -> Result<NewJob> {
    use chrono::{Duration, TimeZone, Utc};
    let dt = now.to_datetime();
    let at_today = dt
        .date_naive()
        .and_hms_opt(ACCRUE_HOUR_UTC, 0, 0)
        .ok_or_else(|| Error::internal("accrual hour"))?;
    let next = if dt.naive_utc() < at_today {
        at_today
    } else {
        at_today + Duration::days(1)
    };
    Ok(NewJob::new(JobKind::new(ACCRUE_JOB)?, json!({}))
        .at(Timestamp(Utc.from_utc_datetime(&next).timestamp_micros()))
        .dedupe(format!("{ACCRUE_JOB}:{}", next.date()))
        .attempts(3))
}

/// Runs accruals in every company, then schedules the next run.
pub async fn run_accruals<S: TimeoffBackend + JobStore>(store: &S, today: NaiveDate) -> JobResult {
    for (company, name) in store
        .timeoff_companies()
        .await
        .map_err(|e| JobError::retry(e.to_string()))?
    {
        let actor = Actor::system(company, &name);
        if let Err(e) = accrue_company(store, &actor, today).await {
            tracing::warn!(company = company.0, error = %e, "time-off accrual failed");
        }
    }
    let next = accrue_job(Timestamp::now()).map_err(|e| JobError::permanent(e.to_string()))?;
    store
        .enqueue(&[next])
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    Ok(())
}

pub fn register_jobs<S>(registry: &mut crate::jobs::Handlers, store: S)
where
    S: super::HrBackend + Clone + 'static,
{
    if let Ok(kind) = JobKind::new(ACCRUE_JOB) {
        registry.register(&kind, move |_job: Job| {
            let s = store.clone();
            async move { run_accruals(&s, today()).await }
        });
    }
}

pub async fn schedule(store: &impl crate::jobs::JobStore) -> Result<()> {
    store.enqueue(&[accrue_job(Timestamp::now())?]).await?;
    Ok(())
}
