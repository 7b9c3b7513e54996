//! On- and offboarding. Starting either runs Work's checklist template (`onboarding`,
//! `offboarding`) for the employee: tasks across domains (HR paperwork, IT equipment and
//! accounts, training) linked to the employee's record. Offboarding also records the leaving
//! date and reason, ends the person's access at the end of that day, and lists what must come
//! back (badge, keys, ... and, through [`LifecycleStore::assigned_items`], whatever another
//! domain has lent them: the IT domain plugs its assets in there).
use chrono::{Days, NaiveDate};
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::{day_key, is_hr_staff, visibility, EmployeeRef, HrBaseStore};
use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::ids::{CompanyId, EmployeeId, UserId};
use crate::time::Timestamp;
use crate::work::tasks::{self, TaskId, TaskStatus, TaskStore};
use crate::work::RecordRef;
use crate::{Error, Result};

/// Why someone leaves.
pub const LEAVING_REASONS: &[(&str, &str)] = &[
    ("resignation", "Resignation"),
    ("dismissal", "Dismissal"),
    ("end_of_contract", "End of contract"),
    ("retirement", "Retirement"),
    ("mutual_agreement", "Mutual agreement"),
    ("death", "Death"),
    ("other", "Other"),
];

/// What every leaver hands back unless HR says otherwise.
pub const DEFAULT_RETURNS: &[&str] = &["Badge", "Keys"];

const MAX_ITEM: usize = 200;
const MAX_ITEMS: usize = 50;
const MAX_NOTE: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleKind {
    Onboarding,
    Offboarding,
}

impl LifecycleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleKind::Onboarding => "onboarding",
            LifecycleKind::Offboarding => "offboarding",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "onboarding" => Some(LifecycleKind::Onboarding),
            "offboarding" => Some(LifecycleKind::Offboarding),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            LifecycleKind::Onboarding => "Onboarding",
            LifecycleKind::Offboarding => "Offboarding",
        }
    }
}

/// One started on- or offboarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub kind: LifecycleKind,
    /// The day the checklist counts from: the first working day, or the leaving date.
    pub start_date: NaiveDate,
    pub reason: Option<String>,
    pub note: String,
    pub tasks: Vec<i64>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// Something the leaver must hand back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnItem {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub lifecycle_id: i64,
    pub item: String,
    /// `hr`, or the domain that lent it (`it`).
    pub source: String,
    pub returned_at: Option<Timestamp>,
    pub returned_by: Option<UserId>,
}

/// An employee's on- and offboardings and what they must hand back.
#[derive(Debug, Clone, Serialize)]
pub struct LifecycleView {
    pub employee: EmployeeRef,
    pub lifecycles: Vec<Lifecycle>,
    pub returns: Vec<ReturnItem>,
    pub can_manage: bool,
}

/// Something to hand back: what it is, who asks for it (`hr`, or the domain that lent it)
/// and, for what a domain lent, the record lent (`it.asset:12`): when that comes back the
/// domain closes the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LentItem {
    pub item: String,
    pub source: String,
    pub record: Option<RecordRef>,
}

impl LentItem {
    /// An item HR asks for (the offboarding form's).
    pub fn hr(item: String) -> LentItem {
        LentItem {
            item,
            source: "hr".into(),
            record: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewLifecycle {
    pub employee_id: EmployeeId,
    pub kind: LifecycleKind,
    pub start_date: NaiveDate,
    pub reason: Option<String>,
    pub note: String,
    pub tasks: Vec<i64>,
    pub created_by: Option<UserId>,
    /// What to hand back.
    pub returns: Vec<LentItem>,
    /// Offboarding: the leaving date and the end of access (the next day's start, UTC).
    pub leaving: Option<(NaiveDate, Timestamp)>,
}

pub trait LifecycleStore: Send + Sync {
    /// Records a started on- or offboarding, its return items, and for an offboarding the
    /// leaving date and reason on the employee and the end of their user's membership,
    /// with the audit event, in one transaction. Returns the record as stored.
    fn insert_lifecycle(
        &self,
        company: CompanyId,
        new: &NewLifecycle,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Lifecycle>> + Send;
    fn lifecycles(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<Lifecycle>>> + Send;
    fn return_items(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<ReturnItem>>> + Send;
    fn return_item(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<ReturnItem>>> + Send;
    fn set_returned(
        &self,
        company: CompanyId,
        id: i64,
        returned: Option<(Timestamp, Option<UserId>)>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// What other domains have lent the employee and want back when they leave (IT: the
    /// assets checked out to the person), each with its source. The store asks every
    /// lender registered with it; HR names none of them.
    fn assigned_items(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<LentItem>>> + Send;
}

/// What the on- and offboarding services need from the store.
pub trait LifecycleBackend: HrBaseStore + TaskStore + LifecycleStore {}
impl<T> LifecycleBackend for T where T: HrBaseStore + TaskStore + LifecycleStore {}

async fn load(store: &impl HrBaseStore, actor: &Actor, id: EmployeeId) -> Result<EmployeeRef> {
    store
        .employee_ref(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })
}

/// The employee's on- and offboardings: HR staff, the employee's managers and the employee.
pub async fn view(
    store: &impl LifecycleBackend,
    actor: &Actor,
    id: EmployeeId,
) -> Result<LifecycleView> {
    let employee = load(store, actor, id).await?;
    let vis = visibility(store, actor, &employee).await?;
    if !vis.job {
        return Err(Error::Forbidden);
    }
    Ok(LifecycleView {
        lifecycles: store.lifecycles(actor.company_id, id).await?,
        returns: store.return_items(actor.company_id, id).await?,
        can_manage: is_hr_staff(actor),
        employee,
    })
}

fn gate(actor: &Actor) -> Result<()> {
    super::require_staff(actor)
}

fn check_note(note: &str) -> Result<String> {
    crate::input::text("note", note, MAX_NOTE, false)
}

async fn run_template(
    store: &impl TaskStore,
    actor: &Actor,
    key: &str,
    start: NaiveDate,
    employee: EmployeeId,
) -> Result<Vec<TaskId>> {
    let template = tasks::template_by_key(store, actor, key).await?;
    tasks::instantiate_template(
        store,
        actor,
        template.id,
        start,
        Some(RecordRef::new(crate::hr::EMPLOYEE, employee.0)),
    )
    .await
}

/// Records the lifecycle; if that fails (most likely a second start that raced this one
/// past the check and won the unique index), the checklist's tasks just created are
/// cancelled, audited like any status change, so no orphan work is left behind.
async fn record(
    store: &impl LifecycleBackend,
    actor: &Actor,
    new: &NewLifecycle,
    audit: AuditDraft,
) -> Result<Lifecycle> {
    match store.insert_lifecycle(actor.company_id, new, audit).await {
        Ok(l) => Ok(l),
        Err(e) => {
            for id in &new.tasks {
                let id = TaskId(*id);
                let undone = match tasks::get_task(store, actor, id).await {
                    Ok(t) => tasks::set_status(
                        store,
                        actor,
                        id,
                        TaskStatus::Cancelled.as_str(),
                        t.version,
                    )
                    .await
                    .map(|_| ()),
                    Err(e) => Err(e),
                };
                if let Err(u) = undone {
                    tracing::warn!(task = id.0, error = %u, "could not cancel a checklist task of a failed lifecycle start");
                }
            }
            Err(e)
        }
    }
}

/// Starts onboarding: the `onboarding` checklist from the employee's start date (or the
/// date given), its tasks linked to the employee. HR staff only. Refused for a leaver and
/// when an onboarding was already started.
pub async fn start_onboarding(
    store: &impl LifecycleBackend,
    actor: &Actor,
    id: EmployeeId,
    start: Option<NaiveDate>,
    note: &str,
) -> Result<Lifecycle> {
    gate(actor)?;
    let employee = load(store, actor, id).await?;
    let note = check_note(note)?;
    if employee.status == "leaver" {
        return Err(Error::conflict(
            "this person has left; onboarding is for joiners",
        ));
    }
    let existing = store.lifecycles(actor.company_id, id).await?;
    if existing.iter().any(|l| l.kind == LifecycleKind::Onboarding) {
        return Err(Error::conflict(
            "onboarding was already started for this person",
        ));
    }
    let start = start.unwrap_or(employee.start_date);
    crate::time::check_date_range("start_date", start)?;
    let tasks = run_template(store, actor, "onboarding", start, id).await?;
    let new = NewLifecycle {
        employee_id: id,
        kind: LifecycleKind::Onboarding,
        start_date: start,
        reason: None,
        note,
        tasks: tasks.iter().map(|t| t.0).collect(),
        created_by: actor.author(),
        returns: Vec::new(),
        leaving: None,
    };
    let audit = AuditDraft::by(
        actor,
        "hr.employee",
        Some(id.to_string()),
        "start_onboarding",
        json!({"start_date": start.to_string(), "tasks": new.tasks}),
    );
    record(store, actor, &new, audit).await
}

/// What HR gives to start an offboarding.
#[derive(Debug, Clone, Default)]
pub struct OffboardingInput {
    pub leaving_date: String,
    pub reason: String,
    pub note: String,
    /// Items to hand back, besides [`DEFAULT_RETURNS`] and what other domains lent; one per
    /// entry (blank entries are ignored). `None`: the defaults.
    pub returns: Option<Vec<String>>,
}

/// The items to hand back, trimmed and without repeats; errors name `returns[i]`.
pub fn parse_returns(given: Option<&[String]>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let defaults: Vec<String> = DEFAULT_RETURNS.iter().map(|s| s.to_string()).collect();
    let list = given.unwrap_or(&defaults);
    let mut errors = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        if item.chars().count() > MAX_ITEM || item.chars().any(char::is_control) {
            errors.push(crate::error::FieldError {
                field: format!("returns[{i}]"),
                message: format!("at most {MAX_ITEM} characters, no control characters"),
            });
            continue;
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    if out.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "returns",
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    Ok(out)
}

/// Starts offboarding: records the leaving date and reason, ends the person's access at the
/// end of the leaving date, runs the `offboarding` checklist counted from the leaving date,
/// and lists what must come back. HR staff only; once per person.
pub async fn start_offboarding(
    store: &impl LifecycleBackend,
    actor: &Actor,
    id: EmployeeId,
    input: &OffboardingInput,
) -> Result<Lifecycle> {
    gate(actor)?;
    let employee = load(store, actor, id).await?;
    let mut errors = Vec::new();
    let leaving = match crate::time::parse_date("leaving_date", input.leaving_date.trim()) {
        Ok(d) if d < employee.start_date => {
            errors.push(crate::error::FieldError {
                field: "leaving_date".into(),
                message: format!(
                    "must be on or after the start date, {}",
                    employee.start_date
                ),
            });
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.field_errors());
            None
        }
    };
    let reason = input.reason.trim();
    if !LEAVING_REASONS.iter().any(|(k, _)| *k == reason) {
        errors.push(crate::error::FieldError {
            field: "reason".into(),
            message: format!(
                "one of: {}",
                LEAVING_REASONS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let note = match check_note(&input.note) {
        Ok(n) => n,
        Err(e) => {
            errors.extend(e.field_errors());
            String::new()
        }
    };
    let items = match parse_returns(input.returns.as_deref()) {
        Ok(i) => i,
        Err(e) => {
            errors.extend(e.field_errors());
            Vec::new()
        }
    };
    let Some(leaving) = leaving.filter(|_| errors.is_empty()) else {
        return Err(Error::InvalidMany(errors));
    };
    if store
        .lifecycles(actor.company_id, id)
        .await?
        .iter()
        .any(|l| l.kind == LifecycleKind::Offboarding)
    {
        return Err(Error::conflict(
            "offboarding was already started for this person",
        ));
    }
    let mut returns: Vec<LentItem> = items.into_iter().map(LentItem::hr).collect();
    for lent in store.assigned_items(actor.company_id, id).await? {
        if !returns
            .iter()
            .any(|r| r.item.eq_ignore_ascii_case(&lent.item))
        {
            returns.push(lent);
        }
    }
    let access_ends = end_of_day(leaving)?;
    let tasks = run_template(store, actor, "offboarding", leaving, id).await?;
    let new = NewLifecycle {
        employee_id: id,
        kind: LifecycleKind::Offboarding,
        start_date: leaving,
        reason: Some(reason.to_string()),
        note,
        tasks: tasks.iter().map(|t| t.0).collect(),
        created_by: actor.author(),
        returns,
        leaving: Some((leaving, access_ends)),
    };
    let audit = AuditDraft::by(
        actor,
        "hr.employee",
        Some(id.to_string()),
        "start_offboarding",
        json!({
            "leaving_date": leaving.to_string(),
            "reason": reason,
            "access_ends": access_ends.rfc3339(),
            "returns": new.returns.iter().map(|r| &r.item).collect::<Vec<_>>(),
            "tasks": new.tasks,
            "had_user": employee.user_id.is_some(),
        }),
    );
    record(store, actor, &new, audit).await
}

/// Access ends when the leaving date is over: the next day's midnight, UTC.
fn end_of_day(d: NaiveDate) -> Result<Timestamp> {
    let next = d
        .checked_add_days(Days::new(1))
        .ok_or_else(|| Error::invalid("leaving_date", "out of range"))?;
    Ok(Timestamp::start_of(next))
}

/// Marks an item handed back (or not, to undo a mistake). HR staff only.
pub async fn set_returned(
    store: &impl LifecycleBackend,
    actor: &Actor,
    item: i64,
    returned: bool,
) -> Result<ReturnItem> {
    gate(actor)?;
    let it = store
        .return_item(actor.company_id, item)
        .await?
        .ok_or(Error::NotFound {
            entity: "return item",
        })?;
    let audit = AuditDraft::by(
        actor,
        "hr.return",
        Some(item.to_string()),
        if returned { "returned" } else { "not_returned" },
        json!({"employee": it.employee_id.0, "item": it.item}),
    );
    let when = returned.then(|| (Timestamp::now(), actor.author()));
    store
        .set_returned(actor.company_id, item, when, audit)
        .await?;
    store
        .return_item(actor.company_id, item)
        .await?
        .ok_or(Error::NotFound {
            entity: "return item",
        })
}

/// `yyyymmdd` of a date, for the store.
pub fn key(d: NaiveDate) -> i64 {
    day_key(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_default_trim_and_dedupe() {
        assert_eq!(
            parse_returns(None).expect("defaults"),
            vec!["Badge".to_string(), "Keys".to_string()]
        );
        let given = vec![
            " Laptop ".into(),
            "".into(),
            "laptop".into(),
            "Phone".into(),
        ];
        assert_eq!(
            parse_returns(Some(&given)).expect("ok"),
            vec!["Laptop".to_string(), "Phone".to_string()]
        );
        let bad = vec!["ok".into(), "x".repeat(MAX_ITEM + 1)];
        let e = parse_returns(Some(&bad)).expect_err("too long");
        assert_eq!(e.field_errors()[0].field, "returns[1]");
    }

    #[test]
    fn access_ends_at_the_end_of_the_leaving_date() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
        let t = end_of_day(d).expect("ok");
        assert_eq!(t.rfc3339(), "2026-04-01T00:00:00.000000Z");
    }
}
