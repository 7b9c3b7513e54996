//! Employees: records with effective-dated job and pay history, field-level access,
//! self-service changes (sensitive ones through Work's approvals as kind `hr.change`),
//! import and export.
//!
//! `hr_employees` holds today's job (a copy of the job-history row in force today) so lists
//! filter and sort on indexed columns. A change dated in the future is kept in the history
//! only; each record carries `next_change`, the first day its stored copy goes stale (a
//! future job change, the start date, the day after the end date). Lists and reads first
//! bring due records up to date ([`EmployeeStore::apply_due_changes`], one indexed count
//! when nothing is due): "compute on read", so no scheduled job is needed for it.
//!
//! Who sees what is [`super::visibility`]: the services leave out (blank) what the actor
//! may not see and hand the [`Visibility`] along, so pages and the API show only that.
//!
//! employees/self_service.rs: changes a person makes to their own record;
//! employees/import.rs: the import.
mod import;
mod personal;
mod self_service;

use chrono::{Duration, NaiveDate};
pub use import::*;
pub use personal::*;
pub use self_service::*;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Map, Value};
use std::future::Future;

use super::fields::{self, CustomField, FieldStore};
use super::{is_hr_staff, status_on, HrBaseStore, Relation, Visibility, EMPLOYMENT_TYPES};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::error::Validator;
use crate::hr::HrBackend;
use crate::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::{parse_date, Timestamp};
use crate::work::approvals::{self, NewApprovalRequest};
use crate::work::RecordRef;
use crate::{Error, Result};

pub const MAX_TEXT: usize = 200;
pub const MAX_ADDRESS: usize = 1000;
pub const MAX_CONTACTS: usize = 10;
pub const PAY_FREQUENCIES: &[&str] = &["year", "month", "hour"];
pub const CONTRACT_TYPES: &[&str] = &[
    "permanent",
    "fixed_term",
    "part_time",
    "contractor",
    "intern",
    "apprentice",
    "other",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub phone: String,
}

/// An employee record as stored (names of the department, manager and location joined).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Employee {
    pub id: EmployeeId,
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub employee_number: String,
    pub legal_name: String,
    pub preferred_name: String,
    pub work_email: String,
    pub work_phone: String,
    pub birth_date: Option<NaiveDate>,
    pub personal_email: String,
    pub personal_phone: String,
    pub home_address: String,
    pub postal_address: String,
    pub national_id: String,
    pub tax_id: String,
    pub emergency_contacts: Vec<EmergencyContact>,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub department_name: String,
    pub manager_id: Option<EmployeeId>,
    pub manager_name: String,
    pub location_id: Option<LocationId>,
    pub location_name: String,
    pub employment_type: String,
    pub fte_milli: i64,
    pub start_date: NaiveDate,
    pub probation_end: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: String,
    pub status: String,
    pub custom: Map<String, Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl Default for Employee {
    fn default() -> Self {
        Employee {
            id: EmployeeId::default(),
            company_id: CompanyId::default(),
            user_id: None,
            employee_number: String::new(),
            legal_name: String::new(),
            preferred_name: String::new(),
            work_email: String::new(),
            work_phone: String::new(),
            birth_date: None,
            personal_email: String::new(),
            personal_phone: String::new(),
            home_address: String::new(),
            postal_address: String::new(),
            national_id: String::new(),
            tax_id: String::new(),
            emergency_contacts: Vec::new(),
            position: String::new(),
            department_id: None,
            department_name: String::new(),
            manager_id: None,
            manager_name: String::new(),
            location_id: None,
            location_name: String::new(),
            employment_type: "permanent".into(),
            fte_milli: 1000,
            start_date: NaiveDate::default(),
            probation_end: None,
            end_date: None,
            end_reason: String::new(),
            status: "active".into(),
            custom: Map::new(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
            version: 1,
        }
    }
}

impl Employee {
    /// The preferred name when there is one, else the legal name.
    pub fn name(&self) -> &str {
        if self.preferred_name.trim().is_empty() {
            &self.legal_name
        } else {
            &self.preferred_name
        }
    }
}

/// The job an employee holds from `effective_date` on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    pub id: i64,
    pub effective_date: NaiveDate,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub manager_id: Option<EmployeeId>,
    pub location_id: Option<LocationId>,
    pub employment_type: String,
    pub fte_milli: i64,
    pub reason: String,
    pub created_at: Timestamp,
}

/// A contract and its pay from `effective_date` on. Sensitive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub id: i64,
    pub effective_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub contract_type: String,
    pub pay_minor: i64,
    pub currency: String,
    pub frequency: String,
    pub hours_per_week_milli: Option<i64>,
    pub note: String,
    pub created_at: Timestamp,
}

impl Contract {
    /// The pay as a decimal in the currency's places (`3500.00`).
    pub fn pay_text(&self) -> String {
        let precision = crate::money::Currency::parse(&self.currency)
            .map(|c| c.precision())
            .unwrap_or(2);
        crate::money::format_minor(self.pay_minor, precision)
    }
}

/// A row of the employee list (directory columns and job columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmployeeRow {
    pub id: EmployeeId,
    pub user_id: Option<UserId>,
    pub employee_number: String,
    pub name: String,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub department_name: String,
    pub manager_id: Option<EmployeeId>,
    pub manager_name: String,
    pub location_id: Option<LocationId>,
    pub location_name: String,
    pub work_email: String,
    pub work_phone: String,
    pub employment_type: String,
    pub fte_milli: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: String,
}

/// A job row to write (effective-dated).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub effective_date: NaiveDate,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub manager_id: Option<EmployeeId>,
    pub location_id: Option<LocationId>,
    pub employment_type: String,
    pub fte_milli: i64,
    pub reason: String,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewContract {
    pub effective_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub contract_type: String,
    pub pay_minor: i64,
    pub currency: String,
    pub frequency: String,
    pub hours_per_week_milli: Option<i64>,
    pub note: String,
    pub created_by: Option<UserId>,
}

/// What the store writes besides the record: its derived columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub status: String,
    pub search: String,
    pub next_change: Option<NaiveDate>,
}

/// A checked row of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub employee: Employee,
    pub derived: Derived,
    pub job: NewJob,
    /// A manager who is in the same file, by employee number.
    pub manager_number: Option<String>,
}

/// A self-service change waiting for HR.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRequest {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    pub requested_by: Option<UserId>,
    /// Field -> new value.
    pub changes: Map<String, Value>,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    pub approval_id: Option<i64>,
    pub comment: String,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmployeeSort {
    #[default]
    Name,
    Number,
    Position,
    Department,
    Location,
    Start,
    Status,
    EmploymentType,
}

impl SortKey for EmployeeSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", EmployeeSort::Name),
        ("number", EmployeeSort::Number),
        ("position", EmployeeSort::Position),
        ("department", EmployeeSort::Department),
        ("location", EmployeeSort::Location),
        ("start", EmployeeSort::Start),
        ("status", EmployeeSort::Status),
        ("employment_type", EmployeeSort::EmploymentType),
    ];
}

impl EmployeeSort {
    /// Sorting by these reveals job data.
    pub fn is_job(self) -> bool {
        matches!(
            self,
            EmployeeSort::Number
                | EmployeeSort::Start
                | EmployeeSort::Status
                | EmployeeSort::EmploymentType
        )
    }
}

/// What a list's search and name order may look at: only what the caller sees, or a
/// colleague could find whose legal name or employee number is X by searching for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reveal {
    /// The directory: the shown name (preferred, else legal), work e-mail, position.
    #[default]
    Directory,
    /// Also the employee number (job data: HR staff, auditors).
    Job,
    /// Also the legal name (personal data: HR staff with it), and the name order is the
    /// legal name's.
    Personal,
}

#[derive(Debug, Clone, Default)]
pub struct EmployeeQuery {
    /// Name, number, work e-mail or position, case-insensitive substring; only within what
    /// `reveal` allows.
    pub search: Option<String>,
    /// Set by [`list_employees`] from the actor, whatever the caller put here.
    pub reveal: Reveal,
    pub department: Option<DepartmentId>,
    pub location: Option<LocationId>,
    pub manager: Option<EmployeeId>,
    pub status: Option<String>,
    pub employment_type: Option<String>,
    pub sort: EmployeeSort,
    pub dir: SortDir,
    pub paging: Paging,
}

impl EmployeeQuery {
    /// The filters from query parameters (`q`, `department`, `location`, `manager`,
    /// `status`, `employment_type`), naming the bad one.
    pub fn filters_from(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut v = Validator::new();
        let id = |v: &mut Validator, k: &str| -> Option<i64> {
            get(k).and_then(|s| match s.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    v.push(k, "must be an id");
                    None
                }
            })
        };
        let department = id(&mut v, "department").map(DepartmentId);
        let location = id(&mut v, "location").map(LocationId);
        let manager = id(&mut v, "manager").map(EmployeeId);
        let status = get("status");
        if let Some(s) = &status {
            if !super::STATUSES.contains(&s.as_str()) {
                v.push("status", "future, active or leaver");
            }
        }
        let employment_type = get("employment_type");
        if let Some(t) = &employment_type {
            if !EMPLOYMENT_TYPES.contains(&t.as_str()) {
                v.push("employment_type", EMPLOYMENT_TYPES.join(", "));
            }
        }
        v.finish()?;
        Ok(EmployeeQuery {
            search: get("q").map(|s| s.chars().take(200).collect()),
            department,
            location,
            manager,
            status,
            employment_type,
            ..Default::default()
        })
    }
}

pub trait EmployeeStore: FieldStore + HrBaseStore + Send + Sync {
    fn get_employee(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Option<Employee>>> + Send;
    fn job_history(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Vec<JobRecord>>> + Send;
    fn contracts(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Vec<Contract>>> + Send;
    /// Whether the department, location and user (each if given) are the company's.
    fn refs_exist(
        &self,
        company: CompanyId,
        department: Option<DepartmentId>,
        location: Option<LocationId>,
        user: Option<UserId>,
    ) -> impl Future<Output = Result<[bool; 3]>> + Send;
    fn hr_locations(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(LocationId, String)>>> + Send;
    /// Inserts the employee, their hire job row and first contract (if any); keeps the
    /// user's membership department in step. Conflict on a duplicate number or user.
    fn insert_employee(
        &self,
        company: CompanyId,
        e: &Employee,
        d: &Derived,
        job: &NewJob,
        contract: Option<&NewContract>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<EmployeeId>> + Send;
    /// Many at once, all or nothing (the import), one audit event. Managers named by a
    /// number of the same file are set after all rows are in.
    fn import_employees(
        &self,
        company: CompanyId,
        rows: &[ImportRow],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Writes the record's own columns (not the job columns) and, with `job`, a job row
    /// (replacing one of the same date); then sets the job columns from the history row in
    /// force on `today`. Conflict when `expected_version` is stale.
    #[allow(clippy::too_many_arguments)]
    fn update_employee(
        &self,
        company: CompanyId,
        e: &Employee,
        d: &Derived,
        job: Option<&NewJob>,
        today: NaiveDate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_contract(
        &self,
        company: CompanyId,
        id: EmployeeId,
        c: &NewContract,
        next_change: Option<NaiveDate>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn list_employees(
        &self,
        company: CompanyId,
        q: &EmployeeQuery,
    ) -> impl Future<Output = Result<Page<EmployeeRow>>> + Send;
    /// Brings records whose `next_change` is on or before `today` up to date (job columns
    /// from the history, status, next change). Returns how many changed.
    fn apply_due_changes(
        &self,
        company: CompanyId,
        today: NaiveDate,
    ) -> impl Future<Output = Result<u64>> + Send;
    fn insert_change_request(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        requested_by: Option<UserId>,
        changes: &Map<String, Value>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn set_change_approval(
        &self,
        company: CompanyId,
        id: i64,
        approval: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn get_change_request(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<ChangeRequest>>> + Send;
    fn decide_change_request(
        &self,
        company: CompanyId,
        id: i64,
        status: &str,
        comment: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

// ---------------------------------------------------------------- helpers

pub use crate::time::today;

/// The lowercase text the list searches.
pub fn search_text(e: &Employee) -> String {
    format!(
        "{} {} {} {} {}",
        e.legal_name, e.preferred_name, e.employee_number, e.work_email, e.position
    )
    .to_lowercase()
}

/// The first day after `today` on which the stored copy of the record goes stale.
pub fn next_change(
    start: NaiveDate,
    end: Option<NaiveDate>,
    future_dates: impl IntoIterator<Item = NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let mut c: Vec<NaiveDate> = future_dates.into_iter().filter(|d| *d > today).collect();
    if start > today {
        c.push(start);
    }
    if let Some(e) = end {
        let after = e + Duration::days(1);
        if after > today {
            c.push(after);
        }
    }
    c.into_iter().min()
}

pub fn derived(
    e: &Employee,
    future: impl IntoIterator<Item = NaiveDate>,
    today: NaiveDate,
) -> Derived {
    Derived {
        status: status_on(e.start_date, e.end_date, today).to_string(),
        search: search_text(e),
        next_change: next_change(e.start_date, e.end_date, future, today),
    }
}

fn hr_perm(action: Action) -> Permission {
    Permission::new(Domain::Hr, action)
}

/// Whether the actor sees job data of everyone (HR staff, auditors): filters and sorts on
/// job fields, job columns in the list.
pub fn reads_job_data(actor: &Actor) -> bool {
    actor.scope_for(hr_perm(Action::Read)) == Some(Scope::Company)
}

async fn load(
    store: &impl EmployeeStore,
    actor: &Actor,
    id: EmployeeId,
) -> Result<(Employee, Visibility)> {
    if !actor.can(hr_perm(Action::Read)) {
        return Err(Error::Forbidden);
    }
    let r = store
        .employee_ref(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    let vis = super::visibility(store, actor, &r).await?;
    let e = store
        .get_employee(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    Ok((e, vis))
}

/// Blanks what the viewer may not see.
fn mask(mut e: Employee, vis: &Visibility, defs: &[CustomField]) -> Employee {
    if !vis.personal {
        let name = e.name().to_string();
        e.legal_name = String::new();
        e.preferred_name = name;
        e.birth_date = None;
        e.personal_email = String::new();
        e.personal_phone = String::new();
        e.home_address = String::new();
        e.postal_address = String::new();
        e.national_id = String::new();
        e.tax_id = String::new();
        e.emergency_contacts = Vec::new();
    }
    if !vis.job {
        e.employee_number = String::new();
        e.employment_type = String::new();
        e.fte_milli = 0;
        e.probation_end = None;
        e.end_date = None;
        e.end_reason = String::new();
        e.user_id = None;
    }
    e.custom = fields::visible_values(defs, &e.custom, vis);
    e
}

/// One employee as the actor may see them, on a day.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeView {
    pub visibility: Visibility,
    pub as_of: NaiveDate,
    pub employee: Employee,
    /// Empty without job visibility.
    pub job_history: Vec<JobRecord>,
    /// Empty without pay visibility.
    pub contracts: Vec<Contract>,
    /// The contract in force on `as_of` (pay visibility only).
    pub contract: Option<Contract>,
    /// The custom fields the viewer sees values of.
    pub fields: Vec<CustomField>,
}

/// The record, optionally as it stood on `as_of` (job data and contract from the history
/// in force on that day; personal data is kept current only).
pub async fn get_employee(
    store: &impl EmployeeStore,
    actor: &Actor,
    id: EmployeeId,
    as_of: Option<NaiveDate>,
) -> Result<EmployeeView> {
    let day = today();
    store.apply_due_changes(actor.company_id, day).await?;
    let (mut e, vis) = load(store, actor, id).await?;
    let as_of = as_of.unwrap_or(day);
    let history = store.job_history(actor.company_id, id).await?;
    if let Some(j) = history
        .iter()
        .filter(|j| j.effective_date <= as_of)
        .max_by_key(|j| (j.effective_date, j.id))
    {
        if as_of != day {
            e.position = j.position.clone();
            if e.department_id != j.department_id {
                e.department_name = String::new();
            }
            e.department_id = j.department_id;
            if e.manager_id != j.manager_id {
                e.manager_name = String::new();
            }
            e.manager_id = j.manager_id;
            if e.location_id != j.location_id {
                e.location_name = String::new();
            }
            e.location_id = j.location_id;
            e.employment_type = j.employment_type.clone();
            e.fte_milli = j.fte_milli;
        }
    }
    if as_of != day {
        e.status = status_on(e.start_date, e.end_date, as_of).to_string();
        if e.manager_id.is_some() && e.manager_name.is_empty() {
            if let Some(m) = e.manager_id {
                if let Some(r) = store.employee_ref(actor.company_id, m).await? {
                    e.manager_name = r.name;
                }
            }
        }
    }
    let defs = store.custom_fields(actor.company_id).await?;
    let contracts = if vis.pay {
        store.contracts(actor.company_id, id).await?
    } else {
        Vec::new()
    };
    let contract = contracts
        .iter()
        .filter(|c| c.effective_date <= as_of)
        .max_by_key(|c| (c.effective_date, c.id))
        .cloned();
    let visible_defs: Vec<CustomField> = defs
        .iter()
        .filter(|d| if d.sensitive { vis.personal } else { vis.job })
        .cloned()
        .collect();
    Ok(EmployeeView {
        visibility: vis,
        as_of,
        employee: mask(e, &vis, &defs),
        job_history: if vis.job { history } else { Vec::new() },
        contracts,
        contract,
        fields: visible_defs,
    })
}

/// The list. Everyone sees the directory of current staff (active and future); HR staff
/// and auditors see everyone and may filter and sort by job fields.
pub async fn list_employees(
    store: &impl EmployeeStore,
    actor: &Actor,
    q: &EmployeeQuery,
) -> Result<Page<EmployeeRow>> {
    if !actor.can(hr_perm(Action::Read)) {
        return Err(Error::Forbidden);
    }
    store.apply_due_changes(actor.company_id, today()).await?;
    let mut q = q.clone();
    q.reveal =
        if reads_job_data(actor) && super::company_wide(actor, Domain::HrPersonal, Action::Read) {
            Reveal::Personal
        } else if reads_job_data(actor) {
            Reveal::Job
        } else {
            Reveal::Directory
        };
    if !reads_job_data(actor) {
        let mut v = Validator::new();
        if q.status.is_some() {
            v.push("status", "only HR staff and auditors filter by job fields");
        }
        if q.employment_type.is_some() {
            v.push(
                "employment_type",
                "only HR staff and auditors filter by job fields",
            );
        }
        if q.sort.is_job() {
            v.push("sort", "only HR staff and auditors sort by job fields");
        }
        v.finish()?;
        q.status = Some("active".into());
    }
    let mut page = store.list_employees(actor.company_id, &q).await?;
    if !reads_job_data(actor) {
        for r in &mut page.items {
            r.employee_number = String::new();
            r.employment_type = String::new();
            r.fte_milli = 0;
            r.end_date = None;
            r.user_id = None;
        }
    }
    Ok(page)
}

/// The columns of the list export the actor may see.
pub fn export_headers(actor: &Actor) -> Vec<&'static str> {
    let mut h = vec![
        "id",
        "name",
        "position",
        "department",
        "manager",
        "location",
        "work_email",
        "work_phone",
    ];
    if reads_job_data(actor) {
        h.extend([
            "employee_number",
            "employment_type",
            "fte",
            "start_date",
            "end_date",
            "status",
        ]);
    }
    h
}

pub fn export_row(actor: &Actor, r: &EmployeeRow) -> Vec<String> {
    let mut v = vec![
        r.id.to_string(),
        r.name.clone(),
        r.position.clone(),
        r.department_name.clone(),
        r.manager_name.clone(),
        r.location_name.clone(),
        r.work_email.clone(),
        r.work_phone.clone(),
    ];
    if reads_job_data(actor) {
        v.extend([
            r.employee_number.clone(),
            r.employment_type.clone(),
            fte_text(r.fte_milli),
            r.start_date.to_string(),
            r.end_date.map(|d| d.to_string()).unwrap_or_default(),
            r.status.clone(),
        ]);
    }
    v
}

pub async fn export_employees(
    store: &impl EmployeeStore,
    actor: &Actor,
    q: &EmployeeQuery,
) -> Result<Vec<EmployeeRow>> {
    let q = EmployeeQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(list_employees(store, actor, &q).await?.items)
}

/// `1000` -> `1.0`, `800` -> `0.8`, `875` -> `0.875`.
pub fn fte_text(milli: i64) -> String {
    let s = format!("{}.{:03}", milli / 1000, milli % 1000);
    let t = s.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_string()
    }
}

/// `0.8`, `1`, `0.875` -> thousandths.
pub fn parse_fte(s: &str) -> Option<i64> {
    crate::money::parse_decimal(s, 3).filter(|n| (1..=1000).contains(n))
}

// ---------------------------------------------------------------- writing

fn de_some<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A record as a person or a client sends it. On create, absent is empty; on update,
/// absent keeps the value (ids: `null` clears; dates: empty text clears).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeInput {
    pub employee_number: Option<String>,
    pub legal_name: Option<String>,
    pub preferred_name: Option<String>,
    pub work_email: Option<String>,
    pub work_phone: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub personal_email: Option<String>,
    pub personal_phone: Option<String>,
    pub home_address: Option<String>,
    pub postal_address: Option<String>,
    pub national_id: Option<String>,
    pub tax_id: Option<String>,
    pub emergency_contacts: Option<Vec<EmergencyContact>>,
    pub position: Option<String>,
    #[serde(default, deserialize_with = "de_some")]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "de_some")]
    pub manager_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "de_some")]
    pub location_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "de_some")]
    pub user_id: Option<Option<i64>>,
    pub employment_type: Option<String>,
    /// Thousandths of full time (1000 = 1.0).
    pub fte_milli: Option<i64>,
    pub start_date: Option<String>,
    pub probation_end: Option<String>,
    pub end_date: Option<String>,
    pub end_reason: Option<String>,
    /// Custom field values by key (a value of `""` or `null` clears it).
    pub custom: Option<Map<String, Value>>,
    /// The day job changes take effect (today when absent).
    pub effective_date: Option<String>,
    /// Why the job changed (kept in the history).
    pub change_reason: Option<String>,
}

fn text(v: &mut Validator, field: &str, s: &str, max: usize, required: bool) -> String {
    v.text(field, s, max, required)
}

fn email(v: &mut Validator, field: &str, s: &str) -> String {
    let t = text(v, field, s, MAX_TEXT, false);
    if !t.is_empty() {
        let ok = t
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !t.contains(' '));
        if !ok {
            v.push(field, "is not an e-mail address");
        }
    }
    t
}

fn opt_date(v: &mut Validator, field: &str, s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    v.check(field, parse_date(field, t))
}

/// Applies `input` onto `base` (a new record or the current one), validating every field
/// it sets. Returns the new record; errors name the field.
fn apply(
    base: &Employee,
    input: &EmployeeInput,
    defs: &[CustomField],
    creating: bool,
) -> Result<Employee> {
    let mut v = Validator::new();
    let mut e = base.clone();
    macro_rules! set_text {
        ($f:ident, $max:expr, $req:expr) => {
            if let Some(s) = &input.$f {
                e.$f = text(&mut v, stringify!($f), s, $max, $req);
            } else if creating && $req {
                v.push(stringify!($f), "is required");
            }
        };
    }
    set_text!(employee_number, 40, true);
    set_text!(legal_name, MAX_TEXT, true);
    set_text!(preferred_name, MAX_TEXT, false);
    set_text!(work_phone, 60, false);
    set_text!(personal_phone, 60, false);
    set_text!(home_address, MAX_ADDRESS, false);
    set_text!(postal_address, MAX_ADDRESS, false);
    set_text!(national_id, 60, false);
    set_text!(tax_id, 60, false);
    set_text!(position, MAX_TEXT, false);
    set_text!(end_reason, MAX_TEXT, false);
    if let Some(s) = &input.work_email {
        e.work_email = email(&mut v, "work_email", s).to_lowercase();
    }
    if let Some(s) = &input.personal_email {
        e.personal_email = email(&mut v, "personal_email", s);
    }
    if let Some(s) = &input.birth_date {
        e.birth_date = opt_date(&mut v, "birth_date", s);
    }
    if let Some(s) = &input.probation_end {
        e.probation_end = opt_date(&mut v, "probation_end", s);
    }
    if let Some(s) = &input.end_date {
        e.end_date = opt_date(&mut v, "end_date", s);
    }
    match &input.start_date {
        Some(s) => {
            if let Some(d) = opt_date(&mut v, "start_date", s) {
                e.start_date = d;
            } else if s.trim().is_empty() {
                v.push("start_date", "is required");
            }
        }
        None if creating => v.push("start_date", "is required"),
        None => {}
    }
    if let Some(c) = &input.emergency_contacts {
        if c.len() > MAX_CONTACTS {
            v.push(
                "emergency_contacts",
                format!("at most {MAX_CONTACTS} contacts"),
            );
        }
        let mut out = Vec::new();
        for (i, ec) in c.iter().enumerate() {
            let f = |k: &str| format!("emergency_contacts[{i}].{k}");
            out.push(EmergencyContact {
                name: text(&mut v, &f("name"), &ec.name, MAX_TEXT, true),
                relation: text(&mut v, &f("relation"), &ec.relation, 60, false),
                phone: text(&mut v, &f("phone"), &ec.phone, 60, false),
            });
        }
        e.emergency_contacts = out;
    }
    if let Some(d) = input.department_id {
        e.department_id = d.map(DepartmentId);
    }
    if let Some(m) = input.manager_id {
        e.manager_id = m.map(EmployeeId);
    }
    if let Some(l) = input.location_id {
        e.location_id = l.map(LocationId);
    }
    if let Some(u) = input.user_id {
        e.user_id = u.map(UserId);
    }
    if let Some(t) = &input.employment_type {
        let t = t.trim();
        if EMPLOYMENT_TYPES.contains(&t) {
            e.employment_type = t.to_string();
        } else {
            v.push("employment_type", EMPLOYMENT_TYPES.join(", "));
        }
    } else if creating {
        e.employment_type = "permanent".into();
    }
    if let Some(f) = input.fte_milli {
        if (1..=1000).contains(&f) {
            e.fte_milli = f;
        } else {
            v.push("fte_milli", "1 to 1000 (thousandths of full time)");
        }
    } else if creating {
        e.fte_milli = 1000;
    }
    if let (Some(end), true) = (
        e.end_date,
        input.end_date.is_some() || input.start_date.is_some(),
    ) {
        if end < e.start_date {
            v.push("end_date", "must be on or after the start date");
        }
    }
    if let (Some(p), true) = (
        e.probation_end,
        input.probation_end.is_some() || input.start_date.is_some(),
    ) {
        if p < e.start_date {
            v.push("probation_end", "must be on or after the start date");
        }
    }
    if let Some(c) = &input.custom {
        let mut merged = e.custom.clone();
        for (k, val) in c {
            merged.insert(k.clone(), val.clone());
        }
        e.custom = fields::validate_values(defs, &merged, &mut v);
    } else if creating {
        e.custom = fields::validate_values(defs, &Map::new(), &mut v);
    }
    v.finish()?;
    Ok(e)
}

/// Checks references: department, location, user of the company; the manager exists, is not
/// the employee, and is not below them (no cycle).
async fn check_refs(
    store: &impl EmployeeStore,
    company: CompanyId,
    e: &Employee,
    before: Option<&Employee>,
) -> Result<()> {
    let mut v = Validator::new();
    let changed = |f: fn(&Employee) -> Option<i64>| before.is_none_or(|b| f(b) != f(e));
    let dep = e
        .department_id
        .filter(|_| changed(|x| x.department_id.map(|d| d.0)));
    let loc = e
        .location_id
        .filter(|_| changed(|x| x.location_id.map(|d| d.0)));
    let user = e.user_id.filter(|_| changed(|x| x.user_id.map(|d| d.0)));
    let [d_ok, l_ok, u_ok] = store.refs_exist(company, dep, loc, user).await?;
    if !d_ok {
        v.push("department_id", "no such department");
    }
    if !l_ok {
        v.push("location_id", "no such location");
    }
    if !u_ok {
        v.push("user_id", "no such user in the company");
    }
    if let Some(m) = e
        .manager_id
        .filter(|_| changed(|x| x.manager_id.map(|d| d.0)))
    {
        if before.is_some() && m == e.id {
            v.push("manager_id", "an employee cannot be their own manager");
        } else if store.employee_ref(company, m).await?.is_none() {
            v.push("manager_id", "no such employee");
        } else if before.is_some() && store.is_above(company, e.id, m).await? {
            v.push(
                "manager_id",
                "this manager reports to the employee (a reporting-line cycle)",
            );
        }
    }
    v.finish()
}

fn job_of(e: &Employee, effective: NaiveDate, reason: &str, by: Option<UserId>) -> NewJob {
    NewJob {
        effective_date: effective,
        position: e.position.clone(),
        department_id: e.department_id,
        manager_id: e.manager_id,
        location_id: e.location_id,
        employment_type: e.employment_type.clone(),
        fte_milli: e.fte_milli,
        reason: reason.to_string(),
        created_by: by,
    }
}

fn audit_json(e: &Employee) -> Value {
    // Personal values are not copied into the audit trail (it is read more widely);
    // their change is recorded by field name.
    json!({"employee_number": e.employee_number, "name": e.name(), "position": e.position,
           "department_id": e.department_id, "manager_id": e.manager_id,
           "location_id": e.location_id, "employment_type": e.employment_type,
           "fte_milli": e.fte_milli, "start_date": e.start_date, "end_date": e.end_date,
           "user_id": e.user_id})
}

/// Contract and pay as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    pub effective_date: String,
    #[serde(default)]
    pub end_date: Option<String>,
    pub contract_type: String,
    /// A decimal amount in `currency`, e.g. `52000.00`.
    pub pay: String,
    pub currency: String,
    /// `year`, `month` or `hour`.
    pub frequency: String,
    /// e.g. `37.5`.
    #[serde(default)]
    pub hours_per_week: Option<String>,
    #[serde(default)]
    pub note: String,
}

fn check_contract(c: &ContractInput, actor: &Actor) -> Result<NewContract> {
    let mut v = Validator::new();
    let effective_date = v.check(
        "effective_date",
        parse_date("effective_date", &c.effective_date),
    );
    let end_date = c
        .end_date
        .as_deref()
        .and_then(|s| opt_date(&mut v, "end_date", s));
    if let (Some(s), Some(e)) = (effective_date, end_date) {
        if e < s {
            v.push("end_date", "must be on or after the effective date");
        }
    }
    let ct = c.contract_type.trim();
    if !CONTRACT_TYPES.contains(&ct) {
        v.push("contract_type", CONTRACT_TYPES.join(", "));
    }
    let cur = v.check("currency", crate::money::Currency::parse(&c.currency));
    let pay = cur.as_ref().and_then(|cur| {
        v.check(
            "pay",
            crate::money::parse_decimal(&c.pay, cur.precision())
                .filter(|n| *n >= 0)
                .ok_or_else(|| Error::invalid("pay", "a non-negative amount, e.g. 52000.00")),
        )
    });
    let fq = c.frequency.trim();
    if !PAY_FREQUENCIES.contains(&fq) {
        v.push("frequency", "year, month or hour");
    }
    let hours = c
        .hours_per_week
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| {
            v.check(
                "hours_per_week",
                crate::money::parse_decimal(s, 3)
                    .filter(|n| (0..=168_000).contains(n))
                    .ok_or_else(|| Error::invalid("hours_per_week", "0 to 168 hours")),
            )
        });
    let note = text(&mut v, "note", &c.note, 1000, false);
    v.finish()?;
    Ok(NewContract {
        effective_date: effective_date.unwrap_or_default(),
        end_date,
        contract_type: ct.to_string(),
        pay_minor: pay.unwrap_or_default(),
        currency: cur.map(|c| c.code().to_string()).unwrap_or_default(),
        frequency: fq.to_string(),
        hours_per_week_milli: hours,
        note,
        created_by: actor.author(),
    })
}

/// Hires: a new employee with their first job row (effective on the start date) and,
/// optionally, their first contract. HR staff who may write personal data (a hire records
/// the legal name); the contract also takes `hr_pay.update`.
pub async fn create_employee(
    store: &impl EmployeeStore,
    actor: &Actor,
    input: &EmployeeInput,
    contract: Option<&ContractInput>,
) -> Result<EmployeeView> {
    if !can_hire(actor) {
        return Err(Error::Forbidden);
    }
    if contract.is_some() && !super::company_wide(actor, Domain::HrPay, Action::Update) {
        return Err(Error::invalid(
            "contract",
            "pay: adding a contract takes the hr_pay.update grant",
        ));
    }
    let defs = store.custom_fields(actor.company_id).await?;
    let base = Employee {
        company_id: actor.company_id,
        ..Default::default()
    };
    let applied = apply(&base, input, &defs, true);
    let contract = contract.map(|c| check_contract(c, actor));
    let (e, contract) = match (applied, contract.transpose()) {
        (Ok(e), Ok(c)) => (e, c),
        (Err(a), Err(b)) => {
            let mut all = a.field_errors();
            all.extend(b.field_errors().into_iter().map(|mut f| {
                f.field = format!("contract.{}", f.field);
                f
            }));
            return Err(Error::InvalidMany(all));
        }
        (Err(a), Ok(_)) => return Err(a),
        (Ok(_), Err(b)) => {
            return Err(Error::InvalidMany(
                b.field_errors()
                    .into_iter()
                    .map(|mut f| {
                        f.field = format!("contract.{}", f.field);
                        f
                    })
                    .collect(),
            ))
        }
    };
    check_refs(store, actor.company_id, &e, None).await?;
    let job = job_of(&e, e.start_date, "hire", actor.author());
    let d = derived(&e, std::iter::empty(), today());
    let audit = AuditDraft::by(actor, "hr_employee", None, "create", audit_json(&e));
    let id = store
        .insert_employee(actor.company_id, &e, &d, &job, contract.as_ref(), audit)
        .await?;
    get_employee(store, actor, id, None).await
}

/// Whether the actor may hire: HR staff with `hr_personal.update` for everyone (a new
/// record holds the legal name). The pages ask this to offer the form.
pub fn can_hire(actor: &Actor) -> bool {
    is_hr_staff(actor) && super::company_wide(actor, Domain::HrPersonal, Action::Update)
}

/// Whether the actor may give a new hire a contract (`hr_pay.update` for everyone).
pub fn can_hire_with_pay(actor: &Actor) -> bool {
    can_hire(actor) && super::company_wide(actor, Domain::HrPay, Action::Update)
}

/// What an update did.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateOutcome {
    pub view: EmployeeView,
    /// Set when sensitive self-service changes went to HR for approval.
    pub change_request: Option<i64>,
}

/// Changes a record. HR staff change everything (job changes take effect on
/// `effective_date`, today when absent). An employee changes their own contact and
/// emergency data at once; sensitive fields (names, birth date, addresses, ids, sensitive
/// custom fields) go to HR as an `hr.change` approval. 409 on a stale `version`.
pub async fn update_employee<S: HrBackend>(
    store: &S,
    actor: &Actor,
    id: EmployeeId,
    input: &EmployeeInput,
    version: i64,
) -> Result<UpdateOutcome> {
    let (before, vis) = load(store, actor, id).await?;
    let defs = store.custom_fields(actor.company_id).await?;
    match vis.relation {
        Relation::Hr => {}
        Relation::Myself => return self_service(store, actor, before, input, version, &defs).await,
        _ => return Err(Error::Forbidden),
    }
    if !actor.can(hr_perm(Action::Update)) {
        return Err(Error::Forbidden);
    }
    if !vis.edit_personal {
        check_personal_writes(input, &defs)?;
    }
    if before.version != version {
        return Err(Error::conflict(
            "the record was changed by someone else since you read it; reload and try again",
        ));
    }
    let day = today();
    let mut after = apply(&before, input, &defs, false)?;
    after.id = before.id;
    check_refs(store, actor.company_id, &after, Some(&before)).await?;
    let mut v = Validator::new();
    let effective = input
        .effective_date
        .as_deref()
        .and_then(|s| opt_date(&mut v, "effective_date", s))
        .unwrap_or(day);
    let reason = text(
        &mut v,
        "change_reason",
        input.change_reason.as_deref().unwrap_or(""),
        MAX_TEXT,
        false,
    );
    if effective < after.start_date {
        v.push("effective_date", "must be on or after the start date");
    }
    v.finish()?;
    let job_changed = after.position != before.position
        || after.department_id != before.department_id
        || after.manager_id != before.manager_id
        || after.location_id != before.location_id
        || after.employment_type != before.employment_type
        || after.fte_milli != before.fte_milli;
    let history = store.job_history(actor.company_id, id).await?;
    // A start date moved: the hire row moves with it.
    let job = if job_changed {
        Some(job_of(
            &after,
            effective,
            if reason.is_empty() { "change" } else { &reason },
            actor.author(),
        ))
    } else if after.start_date != before.start_date {
        history
            .iter()
            .min_by_key(|j| (j.effective_date, j.id))
            .filter(|j| j.effective_date == before.start_date)
            .map(|_| job_of(&before, after.start_date, "hire", actor.author()))
    } else {
        None
    };
    let mut future: Vec<NaiveDate> = history.iter().map(|j| j.effective_date).collect();
    if let Some(j) = &job {
        future.push(j.effective_date);
    }
    let d = derived(&after, future, day);
    let mut diff = crate::audit::diff(&audit_json(&before), &audit_json(&after));
    if let Some(obj) = diff.as_object_mut() {
        let personal = touched(input)
            .into_iter()
            .filter(|f| SELF_APPROVED.contains(f) || SELF_DIRECT.contains(f))
            .collect::<Vec<_>>();
        if !personal.is_empty() {
            obj.insert("personal_fields".into(), json!(personal));
        }
        if input.custom.is_some() && after.custom != before.custom {
            obj.insert("custom".into(), json!("changed"));
        }
        if let Some(j) = &job {
            obj.insert("effective_date".into(), json!(j.effective_date));
        }
    }
    let audit = AuditDraft::by(actor, "hr_employee", Some(id.to_string()), "update", diff);
    store
        .update_employee(
            actor.company_id,
            &after,
            &d,
            job.as_ref(),
            day,
            version,
            audit,
        )
        .await?;
    Ok(UpdateOutcome {
        view: get_employee(store, actor, id, None).await?,
        change_request: None,
    })
}

/// Adds a contract or a pay change effective on its date. HR staff with `hr_pay.update`.
pub async fn add_contract(
    store: &impl EmployeeStore,
    actor: &Actor,
    id: EmployeeId,
    input: &ContractInput,
) -> Result<EmployeeView> {
    let (e, vis) = load(store, actor, id).await?;
    if !vis.edit_pay || !actor.can(hr_perm(Action::Update)) {
        return Err(Error::Forbidden);
    }
    let c = check_contract(input, actor)?;
    let history = store.job_history(actor.company_id, id).await?;
    let nc = next_change(
        e.start_date,
        e.end_date,
        history.iter().map(|j| j.effective_date),
        today(),
    );
    let audit = AuditDraft::by(
        actor,
        "hr_contract",
        None,
        "create",
        json!({"employee_id": id, "effective_date": c.effective_date,
               "contract_type": c.contract_type, "frequency": c.frequency}),
    );
    store
        .insert_contract(actor.company_id, id, &c, nc, audit)
        .await?;
    get_employee(store, actor, id, None).await
}

/// The company's locations (for forms and filters).
pub async fn locations(
    store: &impl EmployeeStore,
    actor: &Actor,
) -> Result<Vec<(LocationId, String)>> {
    if !actor.can(hr_perm(Action::Read)) {
        return Err(Error::Forbidden);
    }
    store.hr_locations(actor.company_id).await
}

/// The actor's own employee record, if they have one (`/hr/me`).
pub async fn my_record(store: &impl EmployeeStore, actor: &Actor) -> Result<Option<EmployeeId>> {
    Ok(store
        .employee_of_user(actor.company_id, actor.user_id)
        .await?
        .map(|e| e.id))
}

#[cfg(test)]
mod tests;
