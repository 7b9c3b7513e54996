//! `/api/v1/tasks/…`: tasks and delegation as JSON. List (filters, sort, paging, CSV/XLSX
//! export), create, read, update with `version`, reassign with a note, the history of who
//! held it, comments, the checklist, the workload per person, templates (list, create,
//! instantiate) and recurring rules (list, create, pause, resume). Every handler calls
//! `steward_core::work::tasks`, which authorizes.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::registry::Registry;
use steward_core::work::tasks::{
    self, Assignment, ChecklistItemId, Comment, RuleId, RuleInput, Task, TaskChanges, TaskId,
    TaskInput, TaskQuery, TaskRule, TaskSort, TaskSummary, TaskTemplate, TemplateId, TemplateItem,
    Workload,
};
use steward_core::work::RecordRef;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(workload))
        .routes(routes!(templates, create_template))
        .routes(routes!(instantiate))
        .routes(routes!(rules, create_rule))
        .routes(routes!(pause_rule))
        .routes(routes!(resume_rule))
        .routes(routes!(get, update))
        .routes(routes!(reassign))
        .routes(routes!(history))
        .routes(routes!(comments, add_comment))
        .routes(routes!(add_item))
        .routes(routes!(set_item))
}

// ---------------------------------------------------------------- schemas

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemOut {
    pub id: i64,
    pub text: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    pub id: i64,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub owner: PersonRef,
    pub assignee: Option<PersonRef>,
    pub watchers: Vec<PersonRef>,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// `open`, `in_progress`, `waiting`, `done` or `cancelled`.
    pub status: String,
    pub overdue: bool,
    /// The linked record as `kind:id`.
    pub link: Option<String>,
    pub checklist: Vec<ChecklistItemOut>,
    pub template_id: Option<i64>,
    pub recurring_rule_id: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    /// Send it back with an update; a stale one gets 409.
    pub version: i64,
}

impl From<Task> for TaskOut {
    fn from(t: Task) -> Self {
        let overdue = t.is_overdue(tasks::today());
        TaskOut {
            id: t.id.0,
            title: t.title,
            description: t.description,
            owner: PersonRef {
                id: t.owner_id.0,
                name: t.owner_name,
            },
            assignee: t.assignee_id.map(|id| PersonRef {
                id: id.0,
                name: t.assignee_name,
            }),
            watchers: t
                .watchers
                .into_iter()
                .map(|(id, name)| PersonRef { id: id.0, name })
                .collect(),
            due: t.due.map(|d| d.to_string()),
            priority: t.priority.as_str().into(),
            status: t.status.as_str().into(),
            overdue,
            link: t.link.map(|l| l.to_string()),
            checklist: t
                .checklist
                .into_iter()
                .map(|i| ChecklistItemOut {
                    id: i.id.0,
                    text: i.text,
                    done: i.done,
                })
                .collect(),
            template_id: t.template_id.map(|x| x.0),
            recurring_rule_id: t.rule_id.map(|x| x.0),
            created_at: t.created_at.rfc3339(),
            updated_at: t.updated_at.rfc3339(),
            completed_at: t.completed_at.map(|c| c.rfc3339()),
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskSummaryOut {
    pub id: i64,
    pub title: String,
    pub owner: PersonRef,
    pub assignee: Option<PersonRef>,
    pub due: Option<String>,
    pub priority: String,
    pub status: String,
    pub overdue: bool,
    pub link: Option<String>,
    pub checklist_done: i64,
    pub checklist_total: i64,
    pub version: i64,
}

impl From<TaskSummary> for TaskSummaryOut {
    fn from(t: TaskSummary) -> Self {
        let overdue = t.is_overdue(tasks::today());
        TaskSummaryOut {
            id: t.id.0,
            title: t.title,
            owner: PersonRef {
                id: t.owner_id.0,
                name: t.owner_name,
            },
            assignee: t.assignee_id.map(|id| PersonRef {
                id: id.0,
                name: t.assignee_name,
            }),
            due: t.due.map(|d| d.to_string()),
            priority: t.priority.as_str().into(),
            status: t.status.as_str().into(),
            overdue,
            link: t.link.map(|l| l.to_string()),
            checklist_done: t.checklist_done,
            checklist_total: t.checklist_total,
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    pub id: i64,
    pub author: Option<PersonRef>,
    /// Markdown.
    pub body: String,
    pub created_at: String,
}

impl From<Comment> for CommentOut {
    fn from(c: Comment) -> Self {
        CommentOut {
            id: c.id,
            author: c.author_id.map(|id| PersonRef {
                id: id.0,
                name: c.author_name,
            }),
            body: c.body,
            created_at: c.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    pub assignee: Option<PersonRef>,
    pub assigned_by: Option<PersonRef>,
    pub note: String,
    pub from: String,
    /// Absent for whoever holds it now.
    pub until: Option<String>,
}

impl From<Assignment> for AssignmentOut {
    fn from(h: Assignment) -> Self {
        AssignmentOut {
            assignee: h.assignee_id.map(|id| PersonRef {
                id: id.0,
                name: h.assignee_name,
            }),
            assigned_by: h.assigned_by.map(|id| PersonRef {
                id: id.0,
                name: h.assigned_by_name,
            }),
            note: h.note,
            from: h.from.rfc3339(),
            until: h.until.map(|u| u.rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkloadOut {
    pub person: PersonRef,
    pub open: i64,
    pub overdue: i64,
    pub urgent: i64,
    pub high: i64,
    pub next_due: Option<String>,
    /// The most pressing first: overdue, then by due date and priority.
    pub tasks: Vec<TaskSummaryOut>,
}

impl From<Workload> for WorkloadOut {
    fn from(w: Workload) -> Self {
        WorkloadOut {
            person: PersonRef {
                id: w.person.user_id.0,
                name: w.person.name,
            },
            open: w.person.open,
            overdue: w.person.overdue,
            urgent: w.person.urgent,
            high: w.person.high,
            next_due: w.person.next_due.map(|d| d.to_string()),
            tasks: w.tasks.into_iter().map(TaskSummaryOut::from).collect(),
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateItemIo {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<20000, false>)]
    pub description: String,
    /// A role key (`accountant`); empty: whoever runs the template.
    #[serde(default)]
    #[schema(pattern = "^([a-z0-9_]{2,64})?$")]
    pub role: String,
    /// Days after the start date the task is due (negative: before).
    #[serde(default)]
    #[schema(minimum = -3650, maximum = 3650)]
    pub offset_days: i64,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    #[schema(schema_with = opt_priority)]
    pub priority: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    pub id: i64,
    /// Built-ins: `month_end_close`, `onboarding`, `offboarding`, `audit_preparation`.
    pub key: Option<String>,
    pub name: String,
    pub description: String,
    pub items: Vec<TemplateItemIo>,
}

impl From<TaskTemplate> for TemplateOut {
    fn from(t: TaskTemplate) -> Self {
        TemplateOut {
            id: t.id.0,
            key: t.key,
            name: t.name,
            description: t.description,
            items: t
                .items
                .into_iter()
                .map(|i| TemplateItemIo {
                    title: i.title,
                    description: i.description,
                    role: i.role,
                    offset_days: i.offset_days,
                    priority: Some(i.priority.as_str().into()),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = TaskRuleOut)]
pub struct RuleOut {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// Canonical RFC 5545 `RRULE`.
    pub rrule: String,
    pub start: String,
    pub owner: PersonRef,
    pub assignee: Option<PersonRef>,
    pub priority: String,
    pub checklist: Vec<String>,
    pub active: bool,
    /// The next date the rule gives, if any within ten years.
    pub next: Option<String>,
}

impl From<TaskRule> for RuleOut {
    fn from(r: TaskRule) -> Self {
        let next = tasks::Rule::parse(&r.rrule)
            .ok()
            .and_then(|p| p.next_on_or_after(r.start, tasks::today()))
            .map(|d| d.to_string());
        RuleOut {
            id: r.id.0,
            title: r.title,
            description: r.description,
            rrule: r.rrule,
            start: r.start.to_string(),
            owner: PersonRef {
                id: r.owner_id.0,
                name: r.owner_name,
            },
            assignee: r.assignee_id.map(|id| PersonRef {
                id: id.0,
                name: r.assignee_name,
            }),
            priority: r.priority.as_str().into(),
            checklist: r.checklist,
            active: r.active,
            next,
        }
    }
}

fn err(a: &ApiActor) -> impl Fn(Error) -> ApiError + '_ {
    move |e| ApiError::new(e, &a.request_id)
}

// ---------------------------------------------------------------- list and create

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskListParams {
    /// Search in title and description.
    q: Option<String>,
    /// A status, or `active` (open, in progress or waiting), or `any`.
    #[param(schema_with = task_status_filter)]
    status: Option<String>,
    /// A user id, or `me`.
    #[param(pattern = "^\\s*(me|[1-9][0-9]{0,17})?\\s*$")]
    assignee: Option<String>,
    /// A user id, or `me`.
    #[param(pattern = "^\\s*(me|[1-9][0-9]{0,17})?\\s*$")]
    owner: Option<String>,
    /// `yes`: only tasks I own, hold or watch.
    mine: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    #[param(schema_with = task_priority_filter)]
    priority: Option<String>,
    /// `yes`: only active tasks past their due date.
    #[param(schema_with = yes_no)]
    overdue: Option<String>,
    /// A linked record, `kind:id`.
    link: Option<String>,
    /// One of `due`, `priority`, `title`, `status`, `assignee`, `created`, `updated`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::work::tasks::TaskSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list instead of JSON.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

crate::api::contract::filter_of!(
    task_status_filter,
    steward_core::work::tasks::TaskStatus,
    "active",
    "any"
);
crate::api::contract::filter_of!(task_priority_filter, steward_core::work::tasks::Priority);

fn yes_no() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["yes", "no", "true", "false", "1", "0"])
}

fn query(reg: &Registry, a: &ApiActor, p: &TaskListParams) -> Result<TaskQuery, Error> {
    let mut q = TaskQuery::filters_from(reg, &a.actor, |k| match k {
        "q" => p.q.clone(),
        "status" => p.status.clone(),
        "assignee" => p.assignee.clone(),
        "owner" => p.owner.clone(),
        "mine" => p.mine.clone(),
        "priority" => p.priority.clone(),
        "overdue" => p.overdue.clone(),
        "link" => p.link.clone(),
        _ => None,
    })?;
    (q.sort, q.dir) =
        crate::api::contract::sort_and_dir::<TaskSort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.paging = if p.format.is_some() {
        Paging::export()
    } else {
        Paging::new(p.limit, p.offset)
    };
    Ok(q)
}

/// Lists the tasks within the caller's reach (own, department or company scope).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskListParams),
    responses((status = 200, body = ListOf<TaskSummaryOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<TaskListParams>,
) -> Result<Response, ApiError> {
    let q = query(&state.registry, &a, &p).map_err(err(&a))?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err(&a))? {
        let items = tasks::export_tasks(&state.store, &a.actor, &q)
            .await
            .map_err(err(&a))?;
        let today = tasks::today();
        return Ok(crate::list::export(
            format,
            "tasks",
            tasks::EXPORT_HEADERS,
            items.iter().map(|t| tasks::export_row(t, today)).collect(),
        ));
    }
    let page = tasks::list_tasks(&state.store, &a.actor, &q)
        .await
        .map_err(err(&a))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(TaskSummaryOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Tasks in the document: a link is a registered record (`kind:id`) or empty, in the list's
/// filter and in a task's body.
pub(super) fn document(doc: &mut serde_json::Value, reg: &steward_core::registry::Registry) {
    use crate::api::contract;
    let record = contract::record_pattern(reg);
    contract::set_param(
        doc,
        "/api/v1/tasks",
        "link",
        serde_json::json!({ "type": "string", "pattern": record }),
    );
    for schema in ["TaskIn", "TaskPatchIn"] {
        contract::set_property(doc, schema, "link", "pattern", serde_json::json!(record));
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    title: String,
    /// Markdown (rendered without raw HTML).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<20000, false>)]
    description: String,
    /// The caller when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    owner_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    assignee_id: Option<i64>,
    #[serde(default)]
    #[schema(max_items = 50)]
    watchers: Vec<i64>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    due: Option<String>,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    #[schema(schema_with = opt_priority)]
    priority: Option<String>,
    /// `open` (default), `in_progress`, `waiting`, `done` or `cancelled`.
    #[serde(default)]
    #[schema(schema_with = opt_status)]
    status: Option<String>,
    /// A record as `kind:id`, e.g. `ledger.entry:42`.
    #[serde(default)]
    link: Option<String>,
    /// At most 100 items of at most 200 characters; empty items are dropped.
    #[serde(default)]
    #[schema(schema_with = checklist)]
    checklist: Vec<String>,
}

/// A recurrence rule (RFC 5545 RRULE) in the form the document promises: FREQ, then
/// optional INTERVAL, BYDAY and COUNT. The server reads more (BYMONTHDAY, BYMONTH,
/// BYSETPOS, UNTIL, any order), which a client may send too.
pub(crate) fn rrule() -> utoipa::openapi::schema::Object {
    const DAY: &str = "(MO|TU|WE|TH|FR|SA|SU)";
    let pattern = format!(
        "^(RRULE:)?(FREQ=(DAILY|WEEKLY|MONTHLY)(;INTERVAL=([1-9][0-9]{{0,2}}|1000))?(;BYDAY={DAY}(,{DAY})*)?|FREQ=YEARLY(;INTERVAL=([1-9][0-9]{{0,2}}|1000))?)(;COUNT=[1-9][0-9]{{0,3}})?$"
    );
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::new(
            utoipa::openapi::schema::Type::String,
        ))
        .pattern(Some(pattern))
        .build()
}

crate::api::contract::opt_choice_of!(opt_priority, steward_core::work::tasks::Priority);
crate::api::contract::opt_choice_of!(opt_status, steward_core::work::tasks::TaskStatus);

fn patch_priority() -> utoipa::openapi::schema::Object {
    let v: Vec<&str> = steward_core::work::tasks::Priority::ALL
        .iter()
        .map(|x| x.as_str())
        .collect();
    crate::api::contract::one_of(&v, true)
}

fn patch_status() -> utoipa::openapi::schema::Object {
    let v: Vec<&str> = steward_core::work::tasks::TaskStatus::ALL
        .iter()
        .map(|x| x.as_str())
        .collect();
    crate::api::contract::one_of(&v, true)
}

/// A new title: one or more characters besides white space, at most 200.
fn opt_title() -> utoipa::openapi::schema::Object {
    let mut o = crate::api::contract::text::<200, true>();
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::schema::Type::String,
        utoipa::openapi::schema::Type::Null,
    ]);
    o
}

/// Checklist items as sent: at most 100 of at most 200 characters (empty ones are dropped).
fn checklist() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::ArrayBuilder;
    ArrayBuilder::new()
        .items(crate::api::contract::trimmed::<200, false>())
        .max_items(Some(100))
        .build()
}

/// Creates a task. `Idempotency-Key` makes a retry return the first answer.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")),
    responses((status = 201, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<TaskIn>,
) -> Result<Response, ApiError> {
    let input = TaskInput {
        title: b.title,
        description: b.description,
        owner_id: b.owner_id.map(UserId),
        assignee_id: b.assignee_id.map(UserId),
        watchers: b.watchers.into_iter().map(UserId).collect(),
        due: b.due,
        priority: b.priority,
        status: b.status,
        link: b.link,
        checklist: b.checklist,
    };
    let t = tasks::create_task(&state.store, &state.registry, &a.actor, &input)
        .await
        .map_err(err(&a))?;
    Ok(created(TaskOut::from(t)))
}

/// One task with its checklist and watchers.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let t = tasks::get_task(&state.store, &a.actor, TaskId(id))
        .await
        .map_err(err(&a))?;
    Ok(ok(TaskOut::from(t)))
}

/// Fields to change; absent ones keep their value. `due` or `link` empty clears them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatchIn {
    #[serde(default)]
    #[schema(schema_with = opt_title)]
    title: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<20000>)]
    description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    due: Option<String>,
    #[serde(default)]
    #[schema(schema_with = patch_priority)]
    priority: Option<String>,
    #[serde(default)]
    #[schema(schema_with = patch_status)]
    status: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    watchers: Option<Vec<i64>>,
    /// The `version` you read.
    version: i64,
}

/// Changes a task. 409 when someone changed it since you read `version`. The assignee is
/// changed with `reassign`, which keeps the history.
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)), request_body = TaskPatchIn,
    responses((status = 200, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TaskPatchIn>,
) -> Result<Response, ApiError> {
    let changes = TaskChanges {
        title: b.title,
        description: b.description,
        due: b.due,
        priority: b.priority,
        status: b.status,
        link: b.link,
        watchers: b.watchers.map(|w| w.into_iter().map(UserId).collect()),
    };
    let t = tasks::update_task(
        &state.store,
        &state.registry,
        &a.actor,
        TaskId(id),
        &changes,
        b.version,
    )
    .await
    .map_err(err(&a))?;
    Ok(ok(TaskOut::from(t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignIn {
    /// The new assignee; null gives the task to nobody.
    #[schema(schema_with = crate::api::contract::opt_id)]
    assignee_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    note: String,
    version: i64,
}

/// Hands the task to someone else with a note; the history keeps who held it when, and the
/// new assignee is notified.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reassign", tag = "tasks", params(("id" = i64, Path)), request_body = ReassignIn,
    responses((status = 200, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reassign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReassignIn>,
) -> Result<Response, ApiError> {
    let t = tasks::reassign(
        &state.store,
        &a.actor,
        TaskId(id),
        b.assignee_id.map(UserId),
        &b.note,
        b.version,
    )
    .await
    .map_err(err(&a))?;
    Ok(ok(TaskOut::from(t)))
}

/// Who held the task when, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/history", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssignmentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn history<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let h = tasks::history(&state.store, &a.actor, TaskId(id))
        .await
        .map_err(err(&a))?;
    Ok(ok(h
        .into_iter()
        .map(AssignmentOut::from)
        .collect::<Vec<_>>()))
}

/// The task's comments, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/comments", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CommentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn comments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = tasks::comments(&state.store, &a.actor, TaskId(id))
        .await
        .map_err(err(&a))?;
    Ok(ok(c.into_iter().map(CommentOut::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentIn {
    /// Markdown.
    #[schema(schema_with = crate::api::contract::text::<10000, true>)]
    body: String,
}

/// Adds a comment (watchers may comment too). Answers with all comments.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "tasks", params(("id" = i64, Path)), request_body = CommentIn,
    responses((status = 201, body = Vec<CommentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CommentIn>,
) -> Result<Response, ApiError> {
    let c = tasks::add_comment(&state.store, &a.actor, TaskId(id), &b.body)
        .await
        .map_err(err(&a))?;
    Ok(created(
        c.into_iter().map(CommentOut::from).collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    text: String,
}

/// Adds a checklist item.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/checklist", tag = "tasks", params(("id" = i64, Path)), request_body = ItemIn,
    responses((status = 201, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_item<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ItemIn>,
) -> Result<Response, ApiError> {
    let t = tasks::add_checklist_item(&state.store, &a.actor, TaskId(id), &b.text)
        .await
        .map_err(err(&a))?;
    Ok(created(TaskOut::from(t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemDoneIn {
    done: bool,
}

/// Ticks or unticks a checklist item.
#[utoipa::path(put, path = "/api/v1/tasks/{id}/checklist/{item}", tag = "tasks", params(("id" = i64, Path), ("item" = i64, Path)), request_body = ItemDoneIn,
    responses((status = 200, body = TaskOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_item<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path((id, item)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<ItemDoneIn>,
) -> Result<Response, ApiError> {
    let t = tasks::toggle_checklist_item(
        &state.store,
        &a.actor,
        TaskId(id),
        ChecklistItemId(item),
        b.done,
    )
    .await
    .map_err(err(&a))?;
    Ok(ok(TaskOut::from(t)))
}

/// Open tasks per person within the caller's reach, the most loaded first.
#[utoipa::path(get, path = "/api/v1/tasks/workload", tag = "tasks",
    responses((status = 200, body = Vec<WorkloadOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn workload<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let w = tasks::workload(&state.store, &a.actor, 10)
        .await
        .map_err(err(&a))?;
    Ok(ok(w.into_iter().map(WorkloadOut::from).collect::<Vec<_>>()))
}

// ---------------------------------------------------------------- templates

/// The company's checklist templates, built-in ones included.
#[utoipa::path(get, path = "/api/v1/tasks/templates", tag = "tasks",
    responses((status = 200, body = Vec<TemplateOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn templates<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let t = tasks::templates(&state.store, &a.actor)
        .await
        .map_err(err(&a))?;
    Ok(ok(t.into_iter().map(TemplateOut::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<20000, false>)]
    description: String,
    #[schema(min_items = 1, max_items = 100)]
    items: Vec<TemplateItemIo>,
}

/// Creates a template (department or company scope).
#[utoipa::path(post, path = "/api/v1/tasks/templates", tag = "tasks", request_body = TemplateIn,
    responses((status = 201, body = TemplateOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_template<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<TemplateIn>,
) -> Result<Response, ApiError> {
    let mut items = Vec::with_capacity(b.items.len());
    for (i, it) in b.items.into_iter().enumerate() {
        let priority = match it
            .priority
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => tasks::Priority::Normal,
            Some(p) => tasks::Priority::parse(p).ok_or_else(|| {
                ApiError::new(
                    Error::invalid(
                        format!("items[{i}].priority"),
                        "low, normal, high or urgent",
                    ),
                    &a.request_id,
                )
            })?,
        };
        items.push(TemplateItem {
            title: it.title,
            description: it.description,
            role: it.role,
            offset_days: it.offset_days,
            priority,
        });
    }
    let t = tasks::create_template(&state.store, &a.actor, &b.name, &b.description, &items)
        .await
        .map_err(err(&a))?;
    Ok(created(TemplateOut::from(t)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstantiateIn {
    /// `YYYY-MM-DD`: due dates count from here.
    #[schema(format = Date)]
    #[schema(schema_with = crate::api::contract::date)]
    start: String,
    /// The record the tasks are about (`user:7`), linked on each.
    #[serde(default)]
    #[schema(pattern = "^([a-z][a-z0-9._]{0,63}:[1-9][0-9]{0,17})?$")]
    subject: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTasksOut {
    pub ids: Vec<i64>,
}

/// Creates the template's tasks, all or none.
#[utoipa::path(post, path = "/api/v1/tasks/templates/{id}/instantiate", tag = "tasks", params(("id" = i64, Path)), request_body = InstantiateIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer and creates nothing")),
    responses((status = 201, body = CreatedTasksOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn instantiate<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<InstantiateIn>,
) -> Result<Response, ApiError> {
    let start = steward_core::time::parse_date("start", &b.start)
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let subject = match b
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(RecordRef::parse(s).ok_or_else(|| {
            ApiError::new(
                Error::invalid("subject", "a record as kind:id, e.g. user:7"),
                &a.request_id,
            )
        })?),
    };
    let ids = tasks::instantiate_template(&state.store, &a.actor, TemplateId(id), start, subject)
        .await
        .map_err(err(&a))?;
    Ok(created(CreatedTasksOut {
        ids: ids.into_iter().map(|i| i.0).collect(),
    }))
}

// ---------------------------------------------------------------- recurring rules

/// Recurring rules within reach (company scope: all; otherwise those I own or receive).
#[utoipa::path(get, path = "/api/v1/tasks/recurring", tag = "tasks",
    responses((status = 200, body = Vec<RuleOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn rules<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let r = tasks::rules(&state.store, &a.actor)
        .await
        .map_err(err(&a))?;
    Ok(ok(r.into_iter().map(RuleOut::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    title: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<20000, false>)]
    description: String,
    /// RFC 5545 `RRULE`: FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, COUNT, UNTIL.
    #[schema(schema_with = rrule)]
    rrule: String,
    /// `YYYY-MM-DD`; today when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    start: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    owner_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    assignee_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = opt_priority)]
    priority: Option<String>,
    #[serde(default)]
    #[schema(schema_with = checklist)]
    checklist: Vec<String>,
}

/// Creates a recurring rule; its tasks for the next two weeks are created at once.
#[utoipa::path(post, path = "/api/v1/tasks/recurring", tag = "tasks", request_body = RuleIn,
    responses((status = 201, body = RuleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_rule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<RuleIn>,
) -> Result<Response, ApiError> {
    let input = RuleInput {
        title: b.title,
        description: b.description,
        rrule: b.rrule,
        start: b.start,
        owner_id: b.owner_id.map(UserId),
        assignee_id: b.assignee_id.map(UserId),
        priority: b.priority,
        checklist: b.checklist,
    };
    let r = tasks::create_rule(&state.store, &a.actor, &input)
        .await
        .map_err(err(&a))?;
    Ok(created(RuleOut::from(r)))
}

/// Pauses a rule: it creates no more tasks until resumed.
#[utoipa::path(post, path = "/api/v1/tasks/recurring/{id}/pause", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = RuleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn pause_rule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = tasks::set_rule_active(&state.store, &a.actor, RuleId(id), false)
        .await
        .map_err(err(&a))?;
    Ok(ok(RuleOut::from(r)))
}

/// Resumes a paused rule.
#[utoipa::path(post, path = "/api/v1/tasks/recurring/{id}/resume", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = RuleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn resume_rule<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = tasks::set_rule_active(&state.store, &a.actor, RuleId(id), true)
        .await
        .map_err(err(&a))?;
    Ok(ok(RuleOut::from(r)))
}
