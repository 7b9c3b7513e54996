//! HR: employee records that are complete and correct. Employees with effective-dated job
//! and pay history and custom fields (`employees`, `fields`), the department tree and org
//! chart (`org`), work locations and their calendars (`locations`), documents and certifications (`documents`), time off (`timeoff`), on- and
//! offboarding (`lifecycle`), the record-health engine (`health`) and reports (`reports`).
//!
//! Who sees what of a person is decided in one place, [`visibility`]: HR staff see job data
//! and change records; personal data and pay each take their own grant (`hr_personal`,
//! `hr_pay`: the HR lead holds both, the HR clerk personal data only); the employee sees
//! all of their own record; a manager sees their reports' job data and time off; everyone
//! sees the directory (name, position, department, work contacts). A field the actor may
//! not see is left out of what the services return.
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

use crate::auth::{authorize, Action, Actor, Domain, Permission, Scope, Target};
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
    lead_decides: false,
};
/// An employee's change to sensitive fields waits for HR; the decision applies it or not.
pub const CHANGE_APPROVAL: ApprovalKind = ApprovalKind {
    key: "hr.change",
    label: "Change to an employee record",
    direct: false,
    lead_role: "hr_lead",
    lead_decides: false,
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
    /// HR staff (HR update at company scope: admin, HR lead, HR clerk): job data, and the
    /// record's job part to change. Personal data and pay take their own grants.
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
    /// Personal data (legal name, birth date, addresses, personal contacts, ids, emergency
    /// contacts), sensitive custom fields and documents: the employee themself, or
    /// `hr_personal.read` reaching the employee.
    pub personal: bool,
    /// Contracts and pay: the employee themself, or `hr_pay.read` reaching the employee.
    pub pay: bool,
    pub time_off: bool,
    /// May change the record's job and directory part directly (HR staff).
    pub edit: bool,
    /// May change personal data directly (HR staff with `hr_personal.update`).
    pub edit_personal: bool,
    /// May add contracts and pay changes (HR staff with `hr_pay.update`).
    pub edit_pay: bool,
}

/// Whether the actor holds `domain.action` at a scope that reaches `employee` (company
/// scope: everyone; department: their department's; own: their own record).
pub fn reaches(actor: &Actor, domain: Domain, action: Action, employee: &EmployeeRef) -> bool {
    let target = Target {
        company: employee.company_id,
        owner: employee.user_id,
        department: employee.department_id,
    };
    authorize(actor, Permission::new(domain, action), &target).is_ok()
}

impl Visibility {
    /// What `relation` shows of `employee`. The groups of job, time off and editing follow
    /// the relation; personal data and pay follow their grants (`hr_personal`, `hr_pay`),
    /// whatever the relation, except that everyone sees their own and a read-only token
    /// sees no one else's.
    pub fn of(relation: Relation, actor: &Actor, employee: &EmployeeRef) -> Visibility {
        let job_reader = actor
            .scope_for(Permission::new(Domain::Hr, Action::Read))
            .is_some_and(|s| s == Scope::Company);
        let myself = relation == Relation::Myself;
        let hr = relation == Relation::Hr;
        // A read-only API token (an integration) never carries others' personal data or
        // pay, whatever its owner holds.
        let grant = |d, a| !actor.read_only && reaches(actor, d, a, employee);
        let (job, time_off) = match relation {
            Relation::Hr | Relation::Myself | Relation::Manager => (true, true),
            // An auditor (HR read at company scope without update) sees job data.
            Relation::Colleague => (job_reader, job_reader),
        };
        Visibility {
            relation,
            directory: true,
            job,
            personal: myself || grant(Domain::HrPersonal, Action::Read),
            pay: myself || grant(Domain::HrPay, Action::Read),
            time_off,
            edit: hr,
            edit_personal: hr
                && grant(Domain::HrPersonal, Action::Read)
                && grant(Domain::HrPersonal, Action::Update),
            edit_pay: hr
                && grant(Domain::HrPay, Action::Read)
                && grant(Domain::HrPay, Action::Update),
        }
    }
}

/// HR staff: may read every employee's job data and change their records' job part.
/// Personal data and pay are not theirs by this: see [`Visibility`].
pub fn is_hr_staff(actor: &Actor) -> bool {
    actor.can_company_wide(Permission::new(Domain::Hr, Action::Update))
}

/// Only HR staff may ([`is_hr_staff`]): policies, calendars, fields, on- and offboarding.
pub fn require_staff(actor: &Actor) -> Result<()> {
    crate::auth::require_company_wide(actor, Permission::new(Domain::Hr, Action::Update))
}

/// Holds `domain.action` for every employee of the company (`hr_personal` or `hr_pay` at
/// company scope): the company-wide views (search by legal name, hiring, imports).
pub fn company_wide(actor: &Actor, domain: Domain, action: Action) -> bool {
    actor.can_company_wide(Permission::new(domain, action))
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
        employee,
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
    fn personal_data_and_pay_follow_their_grants() {
        let e = EmployeeRef {
            id: EmployeeId(7),
            company_id: CompanyId(1),
            user_id: Some(UserId(7)),
            employee_number: "E7".into(),
            name: "Ada".into(),
            position: String::new(),
            department_id: Some(DepartmentId(2)),
            manager_id: None,
            location_id: None,
            employment_type: "permanent".into(),
            fte_milli: 1000,
            start_date: d(2024, 1, 1),
            end_date: None,
            status: "active".into(),
        };
        let admin = Actor::system(CompanyId(1), "Acme");
        let lead = crate::auth::test_actor("hr_lead");
        let clerk = crate::auth::test_actor("hr_clerk");
        let employee = crate::auth::test_actor("employee");
        let auditor = crate::auth::test_actor("auditor");
        // (relation, actor, personal, pay, edit_personal, edit_pay)
        for (who, rel, actor, personal, pay, edit_personal, edit_pay) in [
            ("admin", Relation::Hr, &admin, true, true, true, true),
            ("lead", Relation::Hr, &lead, true, true, true, true),
            ("clerk", Relation::Hr, &clerk, true, false, true, false),
            (
                "self",
                Relation::Myself,
                &employee,
                true,
                true,
                false,
                false,
            ),
            (
                "manager",
                Relation::Manager,
                &employee,
                false,
                false,
                false,
                false,
            ),
            (
                "colleague",
                Relation::Colleague,
                &employee,
                false,
                false,
                false,
                false,
            ),
            (
                "auditor",
                Relation::Colleague,
                &auditor,
                false,
                false,
                false,
                false,
            ),
        ] {
            let v = Visibility::of(rel, actor, &e);
            assert_eq!(v.personal, personal, "{who} personal");
            assert_eq!(v.pay, pay, "{who} pay");
            assert_eq!(v.edit_personal, edit_personal, "{who} edit_personal");
            assert_eq!(v.edit_pay, edit_pay, "{who} edit_pay");
            assert!(v.directory);
        }
        assert!(Visibility::of(Relation::Manager, &employee, &e).job);
        assert!(Visibility::of(Relation::Manager, &employee, &e).time_off);
        assert!(Visibility::of(Relation::Colleague, &auditor, &e).job);
        // A grant at department scope reaches that department's people only.
        let mut dept = crate::auth::test_actor("employee");
        dept.grants.push(crate::auth::Grant {
            domain: Domain::HrPay,
            action: Action::Read,
            scope: Scope::Department,
        });
        assert!(!Visibility::of(Relation::Colleague, &dept, &e).pay);
        dept.department_id = Some(DepartmentId(2));
        assert!(Visibility::of(Relation::Colleague, &dept, &e).pay);
        assert!(!Visibility::of(Relation::Colleague, &dept, &e).personal);
        let mut token = crate::auth::test_actor("hr_lead");
        token.read_only = true;
        let v = Visibility::of(Relation::Colleague, &token, &e);
        assert!(
            v.job && !v.personal && !v.pay,
            "a read-only token: job data only"
        );
    }
}
