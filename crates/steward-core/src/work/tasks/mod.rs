//! Tasks and delegation: a task has an owner (who answers for it), an assignee (who does it
//! now), watchers, a due date, a priority, a status, a checklist, comments and a link to any
//! record ([`RecordRef`]). Reassigning keeps the history of who held it when. Checklist
//! templates create a set of tasks with owners by role and due dates relative to a start
//! date; recurring rules (an RFC 5545 `RRULE`, see [`recur`]) create tasks ahead of time
//! from the `work.recurrence` job.
//!
//! Who sees what (Work grants): Own scope sees the tasks they own, hold or watch; Department
//! scope also those whose owner or assignee is in their department (a manager sees their
//! team's); Company scope sees all. Lists are narrowed by the scope in the query. A task out
//! of reach reads as not found; changing one needs the update grant at a scope that reaches
//! it as owner or assignee (watchers read and comment).
//!
//! templates.rs: checklist templates; rules.rs: recurring rules and their job.
pub mod recur;
mod rules;
mod templates;

pub use rules::*;
pub use templates::*;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use super::notify::{notify, NewNotification, NotifyStore};
use super::RecordRef;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::error::Validator;
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::jobs::{Handlers, Job, JobKind, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::registry::{AttachAccess, AttachmentHandler, Registry};
use crate::time::Timestamp;
use crate::{Error, Result};

pub use recur::Rule;

pub use crate::ids::{ChecklistItemId, RuleId, TaskId, TemplateId};

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_COMMENT: usize = 10_000;
pub const MAX_CHECKLIST: usize = 100;
pub const MAX_WATCHERS: usize = 50;
pub const MAX_NOTE: usize = 1000;
/// Recurring tasks are created this many days ahead.
pub const RECURRENCE_AHEAD_DAYS: i64 = 14;
/// The job kind that creates recurring tasks ahead.
pub const RECURRENCE_JOB: &str = "work.recurrence";

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
            Priority::Urgent => "Urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
    /// Stored as a number so that sorting by priority is sorting by urgency.
    pub fn rank(self) -> i64 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
    pub fn from_rank(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == n)
    }
    fn checked(s: &str, field: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| Error::invalid(field, "low, normal, high or urgent"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    InProgress,
    Waiting,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Open,
        TaskStatus::InProgress,
        TaskStatus::Waiting,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ];
    pub const ACTIVE: [TaskStatus; 3] = [
        TaskStatus::Open,
        TaskStatus::InProgress,
        TaskStatus::Waiting,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Waiting => "waiting",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Open => "Open",
            TaskStatus::InProgress => "In progress",
            TaskStatus::Waiting => "Waiting",
            TaskStatus::Done => "Done",
            TaskStatus::Cancelled => "Cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
    fn checked(s: &str, field: &str) -> Result<Self> {
        Self::parse(s)
            .ok_or_else(|| Error::invalid(field, "open, in_progress, waiting, done or cancelled"))
    }
}

/// A member of the company, as tasks show and pick people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub department_id: Option<DepartmentId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub id: ChecklistItemId,
    pub text: String,
    pub done: bool,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: TaskId,
    pub company_id: CompanyId,
    pub title: String,
    /// Markdown; pages render it without raw HTML.
    pub description: String,
    pub owner_id: UserId,
    pub owner_name: String,
    pub owner_department: Option<DepartmentId>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: String,
    pub assignee_department: Option<DepartmentId>,
    pub watchers: Vec<(UserId, String)>,
    pub due: Option<NaiveDate>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: Option<RecordRef>,
    pub checklist: Vec<ChecklistItem>,
    pub template_id: Option<TemplateId>,
    pub rule_id: Option<RuleId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub version: i64,
}

impl Task {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && self.due.is_some_and(|d| d < today)
    }
    fn holds(&self, user: UserId) -> bool {
        self.owner_id == user || self.assignee_id == Some(user)
    }
    fn watches(&self, user: UserId) -> bool {
        self.watchers.iter().any(|(w, _)| *w == user)
    }
    fn in_department(&self, d: Option<DepartmentId>) -> bool {
        d.is_some() && (self.owner_department == d || self.assignee_department == d)
    }
}

/// The columns of a task list export (CSV/XLSX), pages and API alike.
pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "title",
    "owner",
    "assignee",
    "due",
    "priority",
    "status",
    "overdue",
    "link",
    "checklist_done",
    "checklist_total",
];

/// One exported row, in [`EXPORT_HEADERS`] order.
pub fn export_row(t: &TaskSummary, today: NaiveDate) -> Vec<String> {
    vec![
        t.id.to_string(),
        t.title.clone(),
        t.owner_name.clone(),
        t.assignee_name.clone(),
        t.due.map(|d| d.to_string()).unwrap_or_default(),
        t.priority.as_str().to_string(),
        t.status.as_str().to_string(),
        if t.is_overdue(today) { "yes" } else { "no" }.to_string(),
        t.link.as_ref().map(|l| l.to_string()).unwrap_or_default(),
        t.checklist_done.to_string(),
        t.checklist_total.to_string(),
    ]
}

/// A row of a task list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskSummary {
    pub id: TaskId,
    pub title: String,
    pub owner_id: UserId,
    pub owner_name: String,
    pub assignee_id: Option<UserId>,
    pub assignee_name: String,
    pub due: Option<NaiveDate>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: Option<RecordRef>,
    pub checklist_done: i64,
    pub checklist_total: i64,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl TaskSummary {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && self.due.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub author_id: Option<UserId>,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// One stretch of time a person held the task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub assignee_id: Option<UserId>,
    pub assignee_name: String,
    pub assigned_by: Option<UserId>,
    pub assigned_by_name: String,
    pub note: String,
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// What the store writes for a new task (validated).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub owner_id: UserId,
    pub assignee_id: Option<UserId>,
    pub watchers: Vec<UserId>,
    pub due: Option<NaiveDate>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: Option<RecordRef>,
    pub checklist: Vec<String>,
    pub template_id: Option<TemplateId>,
    pub rule_id: Option<RuleId>,
    /// For recurring tasks: the date of the occurrence (unique per rule).
    pub occurrence: Option<NaiveDate>,
    pub created_by: Option<UserId>,
}

/// The writable fields of a task (the allowlist of an update).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskUpdate {
    pub title: String,
    pub description: String,
    pub due: Option<NaiveDate>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub link: Option<RecordRef>,
    pub watchers: Vec<UserId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSort {
    #[default]
    Due,
    Priority,
    Title,
    Status,
    Assignee,
    Created,
    Updated,
}

impl SortKey for TaskSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("due", TaskSort::Due),
        ("priority", TaskSort::Priority),
        ("title", TaskSort::Title),
        ("status", TaskSort::Status),
        ("assignee", TaskSort::Assignee),
        ("created", TaskSort::Created),
        ("updated", TaskSort::Updated),
    ];
}

/// How far a list reaches, decided from the actor's grant; the store turns it into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskScope {
    Company,
    /// Tasks whose owner or assignee is in `department`, and the user's own.
    Department {
        department: Option<DepartmentId>,
        user: UserId,
    },
    /// Tasks the user owns, holds or watches.
    Own {
        user: UserId,
    },
}

/// Which statuses a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Any,
    /// Open, in progress or waiting.
    Active,
    One(TaskStatus),
}

#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    /// Title or description, case-insensitive substring.
    pub search: Option<String>,
    pub status: StatusFilter,
    pub assignee: Option<UserId>,
    pub owner: Option<UserId>,
    /// Tasks the user owns, holds or watches ("mine").
    pub involving: Option<UserId>,
    pub priority: Option<Priority>,
    /// Only active tasks due before `today`.
    pub overdue: bool,
    pub link: Option<RecordRef>,
    pub today: Option<NaiveDate>,
    pub sort: TaskSort,
    pub dir: SortDir,
    pub paging: Paging,
}

use crate::time::parse_date;

impl TaskQuery {
    /// The filters from query parameters (`q`, `status` (a status or `active`), `assignee`,
    /// `owner` (user ids), `priority`, `overdue`, `link` (`kind:id`)), naming the bad one.
    /// `me` as assignee or owner is the actor; a link's kind must be registered.
    pub fn filters_from(
        reg: &Registry,
        actor: &Actor,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let user = |k: &str| -> Result<Option<UserId>> {
            get(k)
                .map(|v| {
                    if v == "me" {
                        return Ok(actor.user_id);
                    }
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .map(UserId)
                        .ok_or_else(|| Error::invalid(k, "a user id or `me`"))
                })
                .transpose()
        };
        let mut v = Validator::new();
        let status = match get("status").as_deref() {
            None | Some("any") => Some(StatusFilter::Any),
            Some("active") => Some(StatusFilter::Active),
            Some(s) => v
                .check(
                    "status",
                    TaskStatus::parse(s).map(StatusFilter::One).ok_or_else(|| {
                        Error::invalid(
                            "status",
                            "active, open, in_progress, waiting, done or cancelled",
                        )
                    }),
                )
                .map(Some)
                .unwrap_or(None),
        };
        let assignee = v.check("assignee", user("assignee")).flatten();
        let owner = v.check("owner", user("owner")).flatten();
        let priority =
            get("priority").and_then(|p| v.check("priority", Priority::checked(&p, "priority")));
        let overdue = match get("overdue").as_deref() {
            None | Some("0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(_) => {
                v.push("overdue", "yes or no");
                false
            }
        };
        let link = get("link").and_then(|l| {
            v.check(
                "link",
                reg.parse_record(&l).ok_or_else(|| {
                    Error::invalid("link", "a record as kind:id, e.g. ledger.entry:42")
                }),
            )
        });
        let involving = match get("mine").as_deref() {
            Some("1" | "true" | "yes") => Some(actor.user_id),
            _ => None,
        };
        v.finish()?;
        Ok(TaskQuery {
            search: get("q").map(|s| s.chars().take(200).collect()),
            status: status.unwrap_or_default(),
            assignee,
            owner,
            involving,
            priority,
            overdue,
            link,
            ..Default::default()
        })
    }
}

/// Open work per person, for the workload view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadRow {
    pub user_id: UserId,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
    pub urgent: i64,
    pub high: i64,
    pub next_due: Option<NaiveDate>,
}

/// A person's open tasks, overdue first, then by due date and priority.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    pub person: WorkloadRow,
    pub tasks: Vec<TaskSummary>,
}

// ---------------------------------------------------------------- the store

pub trait TaskStore: Send + Sync {
    /// The company's active members (not disabled, access not ended), by display name.
    fn task_people(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Person>>> + Send;
    /// The first active member (lowest id) holding the role, if any.
    fn first_user_with_role(
        &self,
        company: CompanyId,
        role_key: &str,
    ) -> impl Future<Output = Result<Option<UserId>>> + Send;
    /// Inserts tasks in one transaction with one audit event each (entity id filled in),
    /// their watchers, checklist and first assignment. Recurring occurrences that exist
    /// already (same rule and date) are skipped: their id is `None`.
    fn insert_tasks(
        &self,
        company: CompanyId,
        tasks: &[NewTask],
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<Vec<Option<TaskId>>>> + Send;
    fn get_task(
        &self,
        company: CompanyId,
        id: TaskId,
    ) -> impl Future<Output = Result<Option<Task>>> + Send;
    fn list_tasks(
        &self,
        company: CompanyId,
        scope: TaskScope,
        q: &TaskQuery,
    ) -> impl Future<Output = Result<Page<TaskSummary>>> + Send;
    /// Conflict when the version is stale.
    fn update_task(
        &self,
        company: CompanyId,
        id: TaskId,
        update: &TaskUpdate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Ends the current assignment, starts the next one (with the note), sets the assignee.
    #[allow(clippy::too_many_arguments)]
    fn reassign_task(
        &self,
        company: CompanyId,
        id: TaskId,
        to: Option<UserId>,
        by: Option<UserId>,
        note: &str,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn task_assignments(
        &self,
        company: CompanyId,
        id: TaskId,
    ) -> impl Future<Output = Result<Vec<Assignment>>> + Send;
    fn task_comments(
        &self,
        company: CompanyId,
        id: TaskId,
    ) -> impl Future<Output = Result<Vec<Comment>>> + Send;
    fn add_task_comment(
        &self,
        company: CompanyId,
        id: TaskId,
        author: Option<UserId>,
        body: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn add_checklist_item(
        &self,
        company: CompanyId,
        id: TaskId,
        text: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ChecklistItemId>> + Send;
    /// Not found when the item is not on that task of that company.
    fn set_checklist_item(
        &self,
        company: CompanyId,
        id: TaskId,
        item: ChecklistItemId,
        done: bool,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Active tasks per assignee within the scope.
    fn workload(
        &self,
        company: CompanyId,
        scope: TaskScope,
        today: NaiveDate,
    ) -> impl Future<Output = Result<Vec<WorkloadRow>>> + Send;
    /// Each assignee's `per_person` most pressing active tasks within the scope (overdue
    /// first, then by due date, then by priority), in one query.
    fn workload_tasks(
        &self,
        company: CompanyId,
        scope: TaskScope,
        today: NaiveDate,
        per_person: u32,
    ) -> impl Future<Output = Result<Vec<TaskSummary>>> + Send;

    /// The company's templates (built-in ones included), by name.
    fn task_templates(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<TaskTemplate>>> + Send;
    /// Inserts the templates whose key the company does not have yet (built-ins).
    fn ensure_templates(
        &self,
        company: CompanyId,
        templates: &[NewTemplate],
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_template(
        &self,
        company: CompanyId,
        template: &NewTemplate,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TemplateId>> + Send;

    fn task_rules(&self, company: CompanyId) -> impl Future<Output = Result<Vec<TaskRule>>> + Send;
    /// Every active rule of every company (for the recurrence job).
    fn active_task_rules(&self) -> impl Future<Output = Result<Vec<TaskRule>>> + Send;
    fn insert_rule(
        &self,
        company: CompanyId,
        rule: &NewRule,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<RuleId>> + Send;
    fn set_rule_active(
        &self,
        company: CompanyId,
        id: RuleId,
        active: bool,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

// ---------------------------------------------------------------- access

fn perm(action: Action) -> Permission {
    Permission::new(Domain::Work, action)
}

pub use crate::time::today;

/// The scope a list is narrowed to, or `Forbidden`.
pub fn list_scope(actor: &Actor, action: Action) -> Result<TaskScope> {
    let scope = actor.scope_for(perm(action)).ok_or(Error::Forbidden)?;
    Ok(match scope {
        Scope::Company => TaskScope::Company,
        Scope::Department => TaskScope::Department {
            department: actor.department_id,
            user: actor.user_id,
        },
        Scope::Own => TaskScope::Own {
            user: actor.user_id,
        },
    })
}

/// Can the actor see the task at all? (Reads through a watcher count.)
fn reaches(actor: &Actor, action: Action, task: &Task, watchers_count: bool) -> bool {
    if task.company_id != actor.company_id {
        return false;
    }
    let me = actor.user_id;
    let involved = task.holds(me) || (watchers_count && task.watches(me));
    match actor.scope_for(perm(action)) {
        None => false,
        Some(Scope::Company) => true,
        Some(Scope::Department) => involved || task.in_department(actor.department_id),
        Some(Scope::Own) => involved,
    }
}

async fn load(store: &impl TaskStore, actor: &Actor, id: TaskId) -> Result<Task> {
    actor
        .scope_for(perm(Action::Read))
        .ok_or(Error::Forbidden)?;
    let task = store
        .get_task(actor.company_id, id)
        .await?
        .filter(|t| reaches(actor, Action::Read, t, true))
        .ok_or(Error::NotFound { entity: "task" })?;
    Ok(task)
}

/// The task, if the actor may change it (owner or assignee within their update scope).
async fn load_for_update(store: &impl TaskStore, actor: &Actor, id: TaskId) -> Result<Task> {
    let task = load(store, actor, id).await?;
    if reaches(actor, Action::Update, &task, false) {
        Ok(task)
    } else {
        Err(Error::Forbidden)
    }
}

// ---------------------------------------------------------------- reading

pub async fn get_task(store: &impl TaskStore, actor: &Actor, id: TaskId) -> Result<Task> {
    load(store, actor, id).await
}

/// Whether the actor may change the task (for pages to offer the forms).
pub fn can_update(actor: &Actor, task: &Task) -> bool {
    reaches(actor, Action::Update, task, false)
}

/// Whether the actor may comment (anyone who sees it and may update tasks at all).
pub fn can_comment(actor: &Actor, task: &Task) -> bool {
    reaches(actor, Action::Read, task, true) && actor.can(perm(Action::Update))
}

pub async fn list_tasks(
    store: &impl TaskStore,
    actor: &Actor,
    q: &TaskQuery,
) -> Result<Page<TaskSummary>> {
    let scope = list_scope(actor, Action::Read)?;
    let q = TaskQuery {
        today: Some(q.today.unwrap_or_else(today)),
        ..q.clone()
    };
    store.list_tasks(actor.company_id, scope, &q).await
}

/// The filtered list in one go, for CSV/XLSX. It holds exactly the rows the actor's list
/// shows (narrowed by the same read scope), so reading is enough: everyone can export
/// their own tasks.
pub async fn export_tasks(
    store: &impl TaskStore,
    actor: &Actor,
    q: &TaskQuery,
) -> Result<Vec<TaskSummary>> {
    let scope = list_scope(actor, Action::Read)?;
    let q = TaskQuery {
        today: Some(q.today.unwrap_or_else(today)),
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_tasks(actor.company_id, scope, &q).await?.items)
}

/// Tasks linked to a record that the actor can see (for that record's page).
pub async fn linked_to(
    store: &impl TaskStore,
    actor: &Actor,
    record: &RecordRef,
) -> Result<Vec<TaskSummary>> {
    let Ok(scope) = list_scope(actor, Action::Read) else {
        return Ok(Vec::new());
    };
    let q = TaskQuery {
        link: Some(record.clone()),
        today: Some(today()),
        paging: Paging::new(Some(100), None),
        ..Default::default()
    };
    Ok(store.list_tasks(actor.company_id, scope, &q).await?.items)
}

pub async fn history(store: &impl TaskStore, actor: &Actor, id: TaskId) -> Result<Vec<Assignment>> {
    load(store, actor, id).await?;
    store.task_assignments(actor.company_id, id).await
}

pub async fn comments(store: &impl TaskStore, actor: &Actor, id: TaskId) -> Result<Vec<Comment>> {
    load(store, actor, id).await?;
    store.task_comments(actor.company_id, id).await
}

/// The people a task can be given to (active members of the company).
pub async fn people(store: &impl TaskStore, actor: &Actor) -> Result<Vec<Person>> {
    actor
        .scope_for(perm(Action::Read))
        .ok_or(Error::Forbidden)?;
    store.task_people(actor.company_id).await
}

/// Per person in reach, their active tasks, the most pressing first: overdue, then by due
/// date, then by priority. `per_person` tasks are listed for each.
pub async fn workload(
    store: &impl TaskStore,
    actor: &Actor,
    per_person: u32,
) -> Result<Vec<Workload>> {
    let scope = list_scope(actor, Action::Read)?;
    let today = today();
    let rows = store.workload(actor.company_id, scope, today).await?;
    let mut by_person: HashMap<UserId, Vec<TaskSummary>> = HashMap::new();
    for t in store
        .workload_tasks(actor.company_id, scope, today, per_person)
        .await?
    {
        if let Some(id) = t.assignee_id {
            by_person.entry(id).or_default().push(t);
        }
    }
    let mut out: Vec<Workload> = rows
        .into_iter()
        .map(|person| {
            let tasks = by_person.remove(&person.user_id).unwrap_or_default();
            Workload { person, tasks }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.person.overdue, b.person.open, &a.person.name).cmp(&(
            a.person.overdue,
            a.person.open,
            &b.person.name,
        ))
    });
    Ok(out)
}

// ---------------------------------------------------------------- writing

/// A task as a person or a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The owner; the actor when absent.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    #[serde(default)]
    pub watchers: Vec<UserId>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// `kind:id`.
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub checklist: Vec<String>,
}

fn clean_text(v: &mut Validator, field: &str, s: &str, max: usize, required: bool) -> String {
    v.text(field, s, max, required)
}

fn check_people(v: &mut Validator, people: &[Person], field: &str, ids: &[UserId]) {
    for id in ids {
        if !people.iter().any(|p| p.id == *id) {
            v.push(
                field,
                format!("user {id} is not an active member of the company"),
            );
            return;
        }
    }
}

/// A link to a record of a registered kind (without the registry, only its shape is
/// checked: for callers that change no link).
fn checked_link(
    v: &mut Validator,
    reg: Option<&Registry>,
    link: Option<&str>,
) -> Option<RecordRef> {
    let l = link.map(str::trim).filter(|l| !l.is_empty())?;
    let parsed = match reg {
        Some(reg) => reg.parse_record(l),
        None => RecordRef::parse(l),
    };
    v.check(
        "link",
        parsed.ok_or_else(|| Error::invalid("link", "a record as kind:id, e.g. ledger.entry:42")),
    )
}

fn checked_due(v: &mut Validator, due: Option<&str>) -> Option<NaiveDate> {
    let d = due.map(str::trim).filter(|d| !d.is_empty())?;
    v.check("due", parse_date("due", d))
}

fn checked_checklist(v: &mut Validator, items: &[String]) -> Vec<String> {
    let items: Vec<String> = items
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() > MAX_CHECKLIST {
        v.push("checklist", format!("at most {MAX_CHECKLIST} items"));
    }
    for (i, it) in items.iter().enumerate() {
        if it.chars().count() > MAX_TITLE {
            v.push(
                &format!("checklist[{i}]"),
                format!("at most {MAX_TITLE} characters"),
            );
        }
    }
    items
}

fn dedup(mut ids: Vec<UserId>) -> Vec<UserId> {
    ids.sort();
    ids.dedup();
    ids
}

fn task_audit_json(t: &NewTask) -> serde_json::Value {
    json!({"title": t.title, "owner_id": t.owner_id, "assignee_id": t.assignee_id, "due": t.due,
           "priority": t.priority.as_str(), "status": t.status.as_str(),
           "link": t.link.as_ref().map(|l| l.to_string()), "watchers": t.watchers,
           "checklist": t.checklist, "template_id": t.template_id, "rule_id": t.rule_id,
           "occurrence": t.occurrence})
}

/// Creates a task. With Own scope only, the actor is the owner.
pub async fn create_task(
    store: &impl TaskStore,
    reg: &Registry,
    actor: &Actor,
    input: &TaskInput,
) -> Result<Task> {
    let scope = actor
        .scope_for(perm(Action::Create))
        .ok_or(Error::Forbidden)?;
    let people = store.task_people(actor.company_id).await?;
    let mut v = Validator::new();
    let title = clean_text(&mut v, "title", &input.title, MAX_TITLE, true);
    let description = clean_text(
        &mut v,
        "description",
        &input.description,
        MAX_DESCRIPTION,
        false,
    );
    let owner_id = input.owner_id.unwrap_or(actor.user_id);
    if scope == Scope::Own && owner_id != actor.user_id {
        v.push("owner_id", "you can only create tasks that you own");
    } else if input.owner_id.is_some() {
        check_people(&mut v, &people, "owner_id", &[owner_id]);
    }
    if let Some(a) = input.assignee_id {
        check_people(&mut v, &people, "assignee_id", &[a]);
    }
    let watchers = dedup(input.watchers.clone());
    if watchers.len() > MAX_WATCHERS {
        v.push("watchers", format!("at most {MAX_WATCHERS}"));
    }
    check_people(&mut v, &people, "watchers", &watchers);
    let due = checked_due(&mut v, input.due.as_deref());
    let priority = match input
        .priority
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Priority::Normal,
        Some(p) => v
            .check("priority", Priority::checked(p, "priority"))
            .unwrap_or_default(),
    };
    let status = match input
        .status
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => TaskStatus::Open,
        Some(s) => v
            .check("status", TaskStatus::checked(s, "status"))
            .unwrap_or_default(),
    };
    let link = checked_link(&mut v, Some(reg), input.link.as_deref());
    let checklist = checked_checklist(&mut v, &input.checklist);
    v.finish()?;
    let new = NewTask {
        title,
        description,
        owner_id,
        assignee_id: input.assignee_id,
        watchers,
        due,
        priority,
        status,
        link,
        checklist,
        template_id: None,
        rule_id: None,
        occurrence: None,
        created_by: actor.author(),
    };
    let audit = AuditDraft::by(actor, "work_task", None, "create", task_audit_json(&new));
    let ids = store
        .insert_tasks(actor.company_id, std::slice::from_ref(&new), vec![audit])
        .await?;
    let id = ids
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| Error::internal("no task id"))?;
    get_task(store, actor, id).await
}

/// The changes a client sends: every field optional; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `YYYY-MM-DD`, or empty to clear.
    pub due: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    /// `kind:id`, or empty to clear.
    pub link: Option<String>,
    pub watchers: Option<Vec<UserId>>,
}

/// Changes a task (the allowlisted fields). 409 on a stale version.
pub async fn update_task(
    store: &impl TaskStore,
    reg: &Registry,
    actor: &Actor,
    id: TaskId,
    changes: &TaskChanges,
    version: i64,
) -> Result<Task> {
    update_inner(store, Some(reg), actor, id, changes, version).await
}

/// `reg` checks a new link's kind; changes without a link need none.
async fn update_inner(
    store: &impl TaskStore,
    reg: Option<&Registry>,
    actor: &Actor,
    id: TaskId,
    changes: &TaskChanges,
    version: i64,
) -> Result<Task> {
    let before = load_for_update(store, actor, id).await?;
    let mut v = Validator::new();
    let title = match &changes.title {
        Some(t) => clean_text(&mut v, "title", t, MAX_TITLE, true),
        None => before.title.clone(),
    };
    let description = match &changes.description {
        Some(d) => clean_text(&mut v, "description", d, MAX_DESCRIPTION, false),
        None => before.description.clone(),
    };
    let due = match &changes.due {
        Some(d) => checked_due(&mut v, Some(d)),
        None => before.due,
    };
    let priority = match &changes.priority {
        Some(p) => v
            .check("priority", Priority::checked(p, "priority"))
            .unwrap_or(before.priority),
        None => before.priority,
    };
    let status = match &changes.status {
        Some(s) => v
            .check("status", TaskStatus::checked(s, "status"))
            .unwrap_or(before.status),
        None => before.status,
    };
    let link = match &changes.link {
        Some(l) => checked_link(&mut v, reg, Some(l)),
        None => before.link.clone(),
    };
    let watchers = match &changes.watchers {
        Some(w) => {
            let w = dedup(w.clone());
            if w.len() > MAX_WATCHERS {
                v.push("watchers", format!("at most {MAX_WATCHERS}"));
            }
            let people = store.task_people(actor.company_id).await?;
            // People who left may stay on as watchers; new ones must be members.
            let added: Vec<UserId> = w.iter().copied().filter(|u| !before.watches(*u)).collect();
            check_people(&mut v, &people, "watchers", &added);
            w
        }
        None => before.watchers.iter().map(|(u, _)| *u).collect(),
    };
    v.finish()?;
    let update = TaskUpdate {
        title,
        description,
        due,
        priority,
        status,
        link,
        watchers,
    };
    let mut diff = serde_json::Map::new();
    if update.title != before.title {
        diff.insert("title".into(), json!([before.title, update.title]));
    }
    if update.description != before.description {
        diff.insert("description".into(), json!("changed"));
    }
    if update.due != before.due {
        diff.insert("due".into(), json!([before.due, update.due]));
    }
    if update.priority != before.priority {
        diff.insert(
            "priority".into(),
            json!([before.priority.as_str(), update.priority.as_str()]),
        );
    }
    if update.status != before.status {
        diff.insert(
            "status".into(),
            json!([before.status.as_str(), update.status.as_str()]),
        );
    }
    if update.link != before.link {
        diff.insert(
            "link".into(),
            json!([
                before.link.as_ref().map(|l| l.to_string()),
                update.link.as_ref().map(|l| l.to_string())
            ]),
        );
    }
    let before_w: Vec<UserId> = before.watchers.iter().map(|(u, _)| *u).collect();
    if update.watchers != dedup(before_w.clone()) {
        diff.insert("watchers".into(), json!([before_w, update.watchers]));
    }
    let audit = AuditDraft::by(
        actor,
        "work_task",
        Some(id.to_string()),
        "update",
        serde_json::Value::Object(diff),
    );
    store
        .update_task(actor.company_id, id, &update, version, audit)
        .await?;
    get_task(store, actor, id).await
}

/// Sets only the status (the quick buttons on a task's page).
pub async fn set_status(
    store: &impl TaskStore,
    actor: &Actor,
    id: TaskId,
    status: &str,
    version: i64,
) -> Result<Task> {
    let changes = TaskChanges {
        status: Some(status.to_string()),
        ..Default::default()
    };
    update_inner(store, None, actor, id, &changes, version).await
}

/// Gives the task to someone else (or to nobody), with a note; the history keeps who held
/// it when. The owner, the assignee, or someone whose update scope reaches the task may.
/// The new assignee is notified (after the change is committed; a failed notification is
/// logged and does not undo the reassignment).
pub async fn reassign<S: TaskStore + NotifyStore + JobStore>(
    store: &S,
    actor: &Actor,
    id: TaskId,
    to: Option<UserId>,
    note: &str,
    version: i64,
) -> Result<Task> {
    let before = load_for_update(store, actor, id).await?;
    let mut v = Validator::new();
    let note = clean_text(&mut v, "note", note, MAX_NOTE, false);
    if let Some(u) = to {
        let people = store.task_people(actor.company_id).await?;
        check_people(&mut v, &people, "assignee_id", &[u]);
    }
    if to == before.assignee_id {
        v.push("assignee_id", "the task is already with this person");
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "work_task",
        Some(id.to_string()),
        "reassign",
        json!({"from": before.assignee_id, "to": to, "note": note}),
    );
    store
        .reassign_task(
            actor.company_id,
            id,
            to,
            actor.author(),
            &note,
            version,
            audit,
        )
        .await?;
    // Read without the reach check: someone who hands their own task on may no longer see
    // it, but the answer to their request is the task as it now stands.
    let task = store
        .get_task(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "task" })?;
    if let Some(user) = to.filter(|u| *u != actor.user_id) {
        let title: String = format!("{} gave you a task: {}", actor.display_name, task.title)
            .chars()
            .take(200)
            .collect();
        let due = task
            .due
            .map(|d| format!("Due {d}."))
            .unwrap_or_else(|| "No due date.".into());
        let body: String = if note.is_empty() {
            due
        } else {
            format!("{note}\n\n{due}")
        }
        .chars()
        .take(4000)
        .collect();
        let n = NewNotification {
            company: actor.company_id,
            user,
            kind: "task.assigned".into(),
            title,
            body,
            link: Some(format!("/tasks/{id}")),
        };
        if let Err(e) = notify(store, vec![n]).await {
            tracing::warn!(task = id.0, error = %e, "could not notify the new assignee");
        }
    }
    Ok(task)
}

pub async fn add_comment(
    store: &impl TaskStore,
    actor: &Actor,
    id: TaskId,
    body: &str,
) -> Result<Vec<Comment>> {
    let task = load(store, actor, id).await?;
    if !can_comment(actor, &task) {
        return Err(Error::Forbidden);
    }
    let mut v = Validator::new();
    let body = clean_text(&mut v, "body", body, MAX_COMMENT, true);
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "work_task",
        Some(id.to_string()),
        "comment",
        json!({"body": body}),
    );
    store
        .add_task_comment(actor.company_id, id, actor.author(), &body, audit)
        .await?;
    store.task_comments(actor.company_id, id).await
}

pub async fn add_checklist_item(
    store: &impl TaskStore,
    actor: &Actor,
    id: TaskId,
    text: &str,
) -> Result<Task> {
    let task = load_for_update(store, actor, id).await?;
    let mut v = Validator::new();
    let text = clean_text(&mut v, "text", text, MAX_TITLE, true);
    if task.checklist.len() >= MAX_CHECKLIST {
        v.push(
            "text",
            format!("a checklist has at most {MAX_CHECKLIST} items"),
        );
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "work_task",
        Some(id.to_string()),
        "checklist_add",
        json!({"text": text}),
    );
    store
        .add_checklist_item(actor.company_id, id, &text, audit)
        .await?;
    get_task(store, actor, id).await
}

pub async fn toggle_checklist_item(
    store: &impl TaskStore,
    actor: &Actor,
    id: TaskId,
    item: ChecklistItemId,
    done: bool,
) -> Result<Task> {
    let task = load_for_update(store, actor, id).await?;
    let it = task
        .checklist
        .iter()
        .find(|i| i.id == item)
        .ok_or(Error::NotFound {
            entity: "checklist item",
        })?;
    let audit = AuditDraft::by(
        actor,
        "work_task",
        Some(id.to_string()),
        if done {
            "checklist_done"
        } else {
            "checklist_undone"
        },
        json!({"item": item, "text": it.text}),
    );
    store
        .set_checklist_item(actor.company_id, id, item, done, actor.author(), audit)
        .await?;
    get_task(store, actor, id).await
}

/// Registers the `work.recurrence` job: creates recurring tasks ahead, then schedules
/// tomorrow's run. Call [`schedule_recurrence`] once at start-up to begin the chain.
/// Tasks as a kind of record (links, attachments).
pub const RECORD: &str = "task";

/// Who sees a task sees its attachments; who may change it, or comment on it, adds them;
/// who may change it removes anyone's.
pub fn attachment_access<S: TaskStore + Clone + 'static>(store: S) -> AttachmentHandler {
    crate::registry::attachment_rule(move |actor: Actor, id: i64| {
        let store = store.clone();
        async move {
            let t = get_task(&store, &actor, TaskId(id)).await?;
            let update = can_update(&actor, &t);
            Ok(AttachAccess {
                add: update || can_comment(&actor, &t),
                remove_any: update,
            })
        }
    })
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: TaskStore + JobStore + Clone + 'static,
{
    let Ok(kind) = JobKind::new(RECURRENCE_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = today();
            let n = run_recurrence(&store, day).await?;
            tracing::info!(created = n, "recurring tasks created");
            schedule_recurrence(&store, day + Duration::days(1)).await?;
            Ok(())
        }
    });
}

#[cfg(test)]
mod tests;
