//! HR: employee records that are complete and correct. Employees with effective-dated job
//! and pay history and custom fields (`employees`, `fields`), the department tree and org
//! chart (`org`), work locations and their calendars (`locations`), documents and certifications (`documents`), time off (`timeoff`), on- and
//! offboarding (`lifecycle`), the record-health engine (`health`) and reports (`reports`).
//!
//! Who sees what of a person is decided in one place, [`visibility`]: HR staff see
//! everything; the employee sees all of their own record; a manager sees their reports' job
//! data and time off; everyone sees the directory (name, position, department, work
//! contacts). A field the actor may not see is left out of what the services return.
pub mod documents;
pub mod employees;
pub mod fields;
pub mod health;
pub mod lifecycle;
pub mod locations;
pub mod org;
pub mod reports;
pub mod timeoff;

use chrono::NaiveDate;
use serde::Serialize;
use std::future::Future;

use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::ids::{CompanyId, DepartmentId, EmployeeId, LocationId, UserId};
use crate::registry::{boxed, ApprovalKind, Decision, Registry};
use crate::Result;

/// Everything HR's services need from the store. Each part adds its own store trait here.
pub trait HrBackend:
    crate::work::approvals::ApprovalBackend
    + crate::work::tasks::TaskStore
    + employees::EmployeeStore
    + timeoff::TimeoffStore
    + documents::DocumentStore
    + health::HealthStore
{
}
impl<T> HrBackend for T where
    T: crate::work::approvals::ApprovalBackend
        + crate::work::tasks::TaskStore
        + employees::EmployeeStore
        + timeoff::TimeoffStore
        + documents::DocumentStore
        + health::HealthStore
{
}

/// Employees as a kind of record (on- and offboarding tasks link to them).
pub const EMPLOYEE: &str = "hr.employee";
/// A time-off request as a kind of record.
pub const TIMEOFF_REQUEST: &str = "hr.timeoff";
/// A requested change to sensitive fields of an employee's record.
pub const CHANGE_REQUEST: &str = "hr.change";
/// An employee document.
pub const DOCUMENT: &str = "hr.document";

/// Time off waits for the manager (kind `timeoff`); the decision approves the request and
/// books its days, or declines it.
pub const TIMEOFF_APPROVAL: ApprovalKind = ApprovalKind {
    key: "timeoff",
    label: "Time off",
    direct: false,
    lead_role: "hr_lead",
};
/// An employee's change to sensitive fields waits for HR; the decision applies it or not.
pub const CHANGE_APPROVAL: ApprovalKind = ApprovalKind {
    key: "hr.change",
    label: "Change to an employee record",
    direct: false,
    lead_role: "hr_lead",
};

/// Plugs HR in: its approval kinds and what their decisions do, its record kinds, the
/// record-health tile, its jobs (expiry reminders, monthly accruals, the nightly
/// record-health run) and the chains a starting worker seeds.
pub fn register<S: HrBackend + Clone + 'static>(r: &mut Registry, store: S) {
    let s = store.clone();
    r.approval_kind(
        &TIMEOFF_APPROVAL,
        Some(boxed(move |d: Decision| {
            let s = s.clone();
            async move {
                if d.subject.kind != TIMEOFF_REQUEST {
                    return Ok(());
                }
                timeoff::on_decision(&s, &d.actor, d.subject.id, d.approved, &d.comment).await
            }
        })),
    );
    let s = store.clone();
    r.approval_kind(
        &CHANGE_APPROVAL,
        Some(boxed(move |d: Decision| {
            let s = s.clone();
            async move {
                if d.subject.kind != CHANGE_REQUEST {
                    return Ok(());
                }
                employees::on_change_decision(&s, &d.actor, d.subject.id, d.approved, &d.comment)
                    .await
            }
        })),
    );
    r.record_kind(EMPLOYEE, "Employee")
        .record_kind(TIMEOFF_REQUEST, "Time-off request")
        .record_kind(CHANGE_REQUEST, "Record change")
        .record_kind(DOCUMENT, "Employee document");
    r.tile(
        "hr.health",
        crate::work::dashboard::handler(store.clone(), health::HealthTile),
    );
    documents::register_jobs(r.jobs_mut(), store.clone());
    timeoff::register_jobs(r.jobs_mut(), store.clone());
    health::register_jobs(r.jobs_mut(), store.clone());
    r.on_start(
        "hr.schedule",
        crate::registry::start(move || {
            let s = store.clone();
            async move { schedule(&s).await }
        }),
    );
}

/// Makes sure HR's periodic jobs are scheduled (each chain re-enqueues itself under a
/// dedupe key, so any number of workers start one chain). The worker calls it at start.
pub async fn schedule(store: &impl crate::jobs::JobStore) -> Result<()> {
    documents::schedule(store).await?;
    timeoff::schedule(store).await?;
    health::schedule(store).await?;
    Ok(())
}

/// `yyyymmdd`, the form dates are stored in.
pub use crate::ledger::{day_from_key, day_key};

/// Employment status, derived from the dates: `active` from the start date to the end date,
/// `leaver` after it, `future` before the start.
pub const STATUSES: &[&str] = &["future", "active", "leaver"];

/// Employment types. Record health checks the fields each one requires.
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "permanent",
    "fixed_term",
    "part_time",
    "contractor",
    "intern",
    "apprentice",
];

/// The least of an employee every other module needs: who they are, where they sit, whom
/// they report to, whether they are employed. Loaded by [`HrBaseStore::employee_ref`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmployeeRef {
    pub id: EmployeeId,
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
    pub employee_number: String,
    /// The preferred name when there is one, else the legal name.
    pub name: String,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub manager_id: Option<EmployeeId>,
    pub location_id: Option<LocationId>,
    pub employment_type: String,
    /// Thousandths of full time (1000 = 1.0 FTE).
    pub fte_milli: i64,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: String,
}

/// The status an employee has on `day`.
pub fn status_on(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> &'static str {
    if day < start {
        "future"
    } else if end.is_some_and(|e| day > e) {
        "leaver"
    } else {
        "active"
    }
}

/// What every HR module needs from the store about people.
pub trait HrBaseStore: Send + Sync {
    fn employee_ref(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Option<EmployeeRef>>> + Send;
    /// The employee record of a user (a person who signs in), if they have one.
    fn employee_of_user(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<EmployeeRef>>> + Send;
    /// Whether `manager` is above `employee` in the reporting line (their manager, their
    /// manager's manager, ...). Stops at cycles.
    fn is_above(
        &self,
        company: CompanyId,
        manager: EmployeeId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// How the actor stands to an employee; decides what of the record they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Anyone else in the company: the directory.
    Colleague,
    /// Someone above the employee in the reporting line: job data and time off.
    Manager,
    /// The employee themself: all of their own record.
    Myself,
    /// HR staff (HR update at company scope: HR lead, HR clerk, admin): everything.
    Hr,
}

/// Which groups of fields the actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Visibility {
    pub relation: Relation,
    /// Name, position, department, manager, location, work e-mail and phone.
    pub directory: bool,
    /// Job data: employee number, employment type, FTE, dates, job history.
    pub job: bool,
    /// Personal data (birth date, addresses, personal contacts, ids, emergency contacts)
    /// and sensitive custom fields.
    pub personal: bool,
    /// Contracts and pay.
    pub pay: bool,
    pub time_off: bool,
    /// May change the record directly (HR staff).
    pub edit: bool,
}

impl Visibility {
    pub fn of(relation: Relation, actor: &Actor) -> Visibility {
        let job_reader = actor
            .scope_for(Permission::new(Domain::Hr, Action::Read))
            .is_some_and(|s| s == Scope::Company);
        match relation {
            Relation::Hr => Visibility {
                relation,
                directory: true,
                job: true,
                personal: true,
                pay: true,
                time_off: true,
                edit: true,
            },
            Relation::Myself => Visibility {
                relation,
                directory: true,
                job: true,
                personal: true,
                pay: true,
                time_off: true,
                edit: false,
            },
            Relation::Manager => Visibility {
                relation,
                directory: true,
                job: true,
                personal: false,
                pay: false,
                time_off: true,
                edit: false,
            },
            // An auditor (HR read at company scope without update) sees job data.
            Relation::Colleague => Visibility {
                relation,
                directory: true,
                job: job_reader,
                personal: false,
                pay: false,
                time_off: job_reader,
                edit: false,
            },
        }
    }
}

/// HR staff: may read and change every employee's record, personal and pay data included.
pub fn is_hr_staff(actor: &Actor) -> bool {
    actor.can_company_wide(Permission::new(Domain::Hr, Action::Update))
}

/// How the actor stands to `employee` (which must be of the actor's company; callers load
/// it with [`HrBaseStore::employee_ref`], which is scoped by company).
pub async fn relation(
    store: &impl HrBaseStore,
    actor: &Actor,
    employee: &EmployeeRef,
) -> Result<Relation> {
    if is_hr_staff(actor) {
        return Ok(Relation::Hr);
    }
    let Some(me) = actor.author() else {
        return Ok(Relation::Colleague);
    };
    if employee.user_id == Some(me) {
        return Ok(Relation::Myself);
    }
    if let Some(mine) = store.employee_of_user(actor.company_id, me).await? {
        if store
            .is_above(actor.company_id, mine.id, employee.id)
            .await?
        {
            return Ok(Relation::Manager);
        }
    }
    Ok(Relation::Colleague)
}

/// The actor's [`Visibility`] of an employee.
pub async fn visibility(
    store: &impl HrBaseStore,
    actor: &Actor,
    employee: &EmployeeRef,
) -> Result<Visibility> {
    Ok(Visibility::of(
        relation(store, actor, employee).await?,
        actor,
    ))
}

/// The user who approves for `requester` as their manager: the user of their manager in
/// the reporting line, when both have records and the manager signs in; `None` otherwise
/// (the approval engine then asks the head of the department).
pub async fn manager_user_of(
    store: &impl HrBaseStore,
    company: CompanyId,
    requester: UserId,
) -> Result<Option<UserId>> {
    let Some(me) = store.employee_of_user(company, requester).await? else {
        return Ok(None);
    };
    let Some(m) = me.manager_id else {
        return Ok(None);
    };
    Ok(store
        .employee_ref(company, m)
        .await?
        .and_then(|m| m.user_id)
        .filter(|u| *u != requester))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn status_follows_the_dates() {
        let start = d(2024, 3, 1);
        assert_eq!(status_on(start, None, d(2024, 2, 29)), "future");
        assert_eq!(status_on(start, None, start), "active");
        assert_eq!(
            status_on(start, Some(d(2025, 1, 31)), d(2025, 1, 31)),
            "active"
        );
        assert_eq!(
            status_on(start, Some(d(2025, 1, 31)), d(2025, 2, 1)),
            "leaver"
        );
    }

    #[test]
    fn only_hr_and_the_employee_see_personal_and_pay_data() {
        let actor = Actor::system(CompanyId(1), "Acme");
        for (rel, personal) in [
            (Relation::Hr, true),
            (Relation::Myself, true),
            (Relation::Manager, false),
            (Relation::Colleague, false),
        ] {
            let v = Visibility::of(rel, &actor);
            assert_eq!(v.personal, personal, "{rel:?}");
            assert_eq!(v.pay, personal, "{rel:?}");
            assert!(v.directory);
        }
        assert!(Visibility::of(Relation::Manager, &actor).job);
        assert!(Visibility::of(Relation::Manager, &actor).time_off);
    }
}
