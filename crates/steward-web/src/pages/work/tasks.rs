//! Task pages: the list (search, filters, sort, paging, CSV/XLSX export), a new task, a
//! task's page (edit, status, checklist toggled with htmx, comments, reassign with a note,
//! the history of who held it), the workload per person, checklist templates (create, run)
//! and recurring rules (create, pause, resume). Every handler goes through
//! `steward_core::work::tasks`, which authorizes. Descriptions and comments are Markdown,
//! rendered without raw HTML ([`markdown`]).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use steward_core::auth::{Action, Domain, Permission};
use steward_core::error::FieldError;
use steward_core::ids::UserId;
use steward_core::list::{Page, SortKey};
use steward_core::work::tasks::{
    self, Assignment, ChecklistItemId, Comment, Person, Priority, RuleId, RuleInput, Task,
    TaskChanges, TaskId, TaskInput, TaskQuery, TaskRule, TaskSort, TaskStatus, TaskSummary,
    TaskTemplate, TemplateId, TemplateItem, Workload,
};
use steward_core::work::RecordRef;
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field_error, redirect_with, render, Chrome, NavItem};
use crate::pages::{field, form_errors, non_empty};
use crate::state::{AppState, Backend, RecordLink};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/tasks", get(index::<S>).post(create::<S>))
        .route("/tasks/new", get(new_form::<S>))
        .route("/tasks/workload", get(workload::<S>))
        .route(
            "/tasks/templates",
            get(templates::<S>).post(create_template::<S>),
        )
        .route("/tasks/templates/{id}/run", post(run_template::<S>))
        .route(
            "/tasks/recurring",
            get(recurring::<S>).post(create_rule::<S>),
        )
        .route("/tasks/recurring/{id}/pause", post(pause_rule::<S>))
        .route("/tasks/recurring/{id}/resume", post(resume_rule::<S>))
        .route("/tasks/{id}", get(show::<S>))
        .route("/tasks/{id}/update", post(update::<S>))
        .route("/tasks/{id}/status", post(status::<S>))
        .route("/tasks/{id}/reassign", post(reassign::<S>))
        .route("/tasks/{id}/comments", post(comment::<S>))
        .route("/tasks/{id}/checklist", post(add_item::<S>))
        .route("/tasks/{id}/checklist/{item}", post(toggle_item::<S>))
}

// ---------------------------------------------------------------- shared bits

pub(crate) use crate::markdown::render as markdown;

fn subnav(current: &str) -> Vec<NavItem> {
    const ITEMS: &[(&str, &str)] = &[
        ("/tasks", "All tasks"),
        ("/tasks/workload", "Workload"),
        ("/tasks/templates", "Templates"),
        ("/tasks/recurring", "Recurring"),
    ];
    ITEMS
        .iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: *href == current,
        })
        .collect()
}

fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// A user id from a form field; a bad one is reported under `name`.
fn user_field(
    pairs: &[(String, String)],
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<UserId> {
    let v = non_empty(&field(pairs, name))?;
    match v.parse::<i64>() {
        Ok(n) if n > 0 => Some(UserId(n)),
        _ => {
            errors.push(FieldError {
                field: name.to_string(),
                message: "pick a person from the list".into(),
            });
            None
        }
    }
}

fn users_field(
    pairs: &[(String, String)],
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<UserId> {
    let mut out = Vec::new();
    for v in all(pairs, name) {
        match v.parse::<i64>() {
            Ok(n) if n > 0 => out.push(UserId(n)),
            _ => errors.push(FieldError {
                field: name.to_string(),
                message: "pick people from the list".into(),
            }),
        }
    }
    out
}

fn version_field(pairs: &[(String, String)]) -> i64 {
    field(pairs, "version").trim().parse().unwrap_or(0)
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").and_then(|v| v.to_str().ok()) == Some("true")
}

fn can(pa: &PageActor, action: Action) -> bool {
    pa.actor.can(Permission::new(Domain::Work, action))
}

fn priority_badge(p: Priority) -> &'static str {
    match p {
        Priority::Low => "muted",
        Priority::Normal => "",
        Priority::High => "warn",
        Priority::Urgent => "error",
    }
}

fn status_badge(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Open => "",
        TaskStatus::InProgress => "",
        TaskStatus::Waiting => "warn",
        TaskStatus::Done => "ok",
        TaskStatus::Cancelled => "muted",
    }
}

/// A task row as the list and the partial show it.
pub(crate) struct Row {
    pub t: TaskSummary,
    pub overdue: bool,
    pub priority_class: &'static str,
    pub status_class: &'static str,
    pub link_href: String,
    pub link_label: String,
}

impl Row {
    fn new<S: Backend>(state: &AppState<S>, t: TaskSummary, today: NaiveDate) -> Row {
        let link = t.link.as_ref().map(|l| state.record_link(l));
        Row {
            overdue: t.is_overdue(today),
            priority_class: priority_badge(t.priority),
            status_class: status_badge(t.status),
            link_href: link.as_ref().map(|l| l.href.clone()).unwrap_or_default(),
            link_label: link
                .map(|l| format!("{} #{}", l.label, l.id))
                .unwrap_or_default(),
            t,
        }
    }
    fn due(&self) -> String {
        self.t.due.map(|d| d.to_string()).unwrap_or_default()
    }
}

// ---------------------------------------------------------------- the list

const COLUMNS: &[Column] = &[
    col("title", "Task", true),
    col("assignee", "Assignee", true),
    col("due", "Due", true),
    col("priority", "Priority", true),
    col("status", "Status", true),
    col("link", "Linked to", false),
];

#[derive(Template)]
#[template(path = "work/task_list.html")]
struct ListPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    list: ListView,
    rows: Vec<Row>,
    people: Vec<Person>,
    errors: Vec<FieldError>,
    can_create: bool,
    statuses: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    TaskStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

fn priorities() -> Vec<(&'static str, &'static str)> {
    Priority::ALL
        .iter()
        .map(|p| (p.as_str(), p.label()))
        .collect()
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let params = ListParams::new(pairs);
    let today = tasks::today();
    let (q, errors) = match TaskQuery::filters_from(&state.registry, actor, |k| {
        params.get(k).map(str::to_string)
    }) {
        Ok(mut q) => {
            let (sort, dir) = params.sort::<TaskSort>();
            q.sort = sort;
            q.dir = dir;
            q.paging = params.paging();
            (q, Vec::new())
        }
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            (TaskQuery::default(), e.field_errors())
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            return match tasks::export_tasks(store, actor, &q).await {
                Ok(items) => export(
                    format,
                    "tasks",
                    tasks::EXPORT_HEADERS,
                    items.iter().map(|t| tasks::export_row(t, today)).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    let page = if errors.is_empty() {
        match tasks::list_tasks(store, actor, &q).await {
            Ok(p) => p,
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        Page {
            items: Vec::new(),
            total: 0,
            limit: q.paging.limit,
            offset: 0,
        }
    };
    let people = tasks::people(store, actor).await.unwrap_or_default();
    let list = ListView::new("/tasks", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome: chrome(&state, &pa, "Tasks", "/tasks").await,
        subnav: subnav("/tasks"),
        list,
        rows: page
            .items
            .into_iter()
            .map(|t| Row::new(&state, t, today))
            .collect(),
        people,
        errors,
        can_create: can(&pa, Action::Create),
        statuses: statuses(),
        priorities: priorities(),
    };
    render(&p, status)
}

// ---------------------------------------------------------------- new task

#[derive(Default, Clone)]
struct TaskForm {
    title: String,
    description: String,
    owner_id: String,
    assignee_id: String,
    watchers: Vec<String>,
    due: String,
    priority: String,
    link: String,
    checklist: String,
}

impl TaskForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        TaskForm {
            title: field(pairs, "title"),
            description: field(pairs, "description"),
            owner_id: field(pairs, "owner_id"),
            assignee_id: field(pairs, "assignee_id"),
            watchers: all(pairs, "watchers"),
            due: field(pairs, "due"),
            priority: field(pairs, "priority"),
            link: field(pairs, "link"),
            checklist: field(pairs, "checklist"),
        }
    }
    fn watches(&self, id: &UserId) -> bool {
        self.watchers.iter().any(|w| *w == id.to_string())
    }
}

#[derive(Template)]
#[template(path = "work/task_new.html")]
struct NewPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    form: TaskForm,
    people: Vec<Person>,
    errors: Vec<FieldError>,
    priorities: Vec<(&'static str, &'static str)>,
    me: i64,
}

impl NewPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn new_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: TaskForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let people = match tasks::people(&state.store, &pa.actor).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = NewPage {
        chrome: chrome(state, pa, "New task", "/tasks").await,
        subnav: subnav("/tasks"),
        form,
        people,
        errors,
        priorities: priorities(),
        me: pa.actor.user_id.0,
    };
    render(&page, status)
}

#[derive(serde::Deserialize)]
struct NewQuery {
    #[serde(default)]
    link: Option<String>,
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(q): Query<NewQuery>,
) -> Response {
    if !can(&pa, Action::Create) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let form = TaskForm {
        assignee_id: pa.actor.user_id.to_string(),
        priority: "normal".into(),
        link: q
            .link
            .and_then(|l| RecordRef::parse(&l))
            .map(|l| l.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    new_page(&state, &pa, form, Vec::new(), StatusCode::OK).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = TaskForm::from_pairs(&pairs);
    let mut errors = Vec::new();
    let input = TaskInput {
        title: form.title.clone(),
        description: form.description.clone(),
        owner_id: user_field(&pairs, "owner_id", &mut errors),
        assignee_id: user_field(&pairs, "assignee_id", &mut errors),
        watchers: users_field(&pairs, "watchers", &mut errors),
        due: non_empty(&form.due),
        priority: non_empty(&form.priority),
        status: None,
        link: non_empty(&form.link),
        checklist: form.checklist.lines().map(str::to_string).collect(),
    };
    if !errors.is_empty() {
        return new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match tasks::create_task(&state.store, &state.registry, &pa.actor, &input).await {
        Ok(t) => redirect_with(&format!("/tasks/{}", t.id), "Task created."),
        Err(e) => match form_errors(&e, "title") {
            Some(errors) => {
                new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

// ---------------------------------------------------------------- a task's page

#[derive(Template)]
#[template(path = "work/task_checklist.html")]
struct ChecklistPart {
    task: Task,
    can_edit: bool,
}

impl ChecklistPart {
    fn error(&self, _field: &str) -> Option<String> {
        None
    }
    fn done_count(&self) -> usize {
        self.task.checklist.iter().filter(|i| i.done).count()
    }
}

#[derive(Template)]
#[template(path = "work/task_show.html")]
struct ShowPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    task: Task,
    description_html: String,
    overdue: bool,
    priority_class: &'static str,
    status_class: &'static str,
    comments: Vec<(Comment, String)>,
    history: Vec<Assignment>,
    people: Vec<Person>,
    can_edit: bool,
    can_comment: bool,
    errors: Vec<FieldError>,
    /// What was typed into the forms, kept after an error.
    form: TaskForm,
    note: String,
    comment: String,
    statuses: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    attachments: crate::pages::files::Attachments,
    link: Option<RecordLink>,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn watches(&self, id: &UserId) -> bool {
        self.form.watches(id)
    }
    fn holds(&self, id: &UserId) -> bool {
        self.task.assignee_id.as_ref() == Some(id)
    }
    fn done_count(&self) -> usize {
        self.task.checklist.iter().filter(|i| i.done).count()
    }
}

fn form_of(t: &Task) -> TaskForm {
    TaskForm {
        title: t.title.clone(),
        description: t.description.clone(),
        owner_id: t.owner_id.to_string(),
        assignee_id: t.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
        watchers: t.watchers.iter().map(|(u, _)| u.to_string()).collect(),
        due: t.due.map(|d| d.to_string()).unwrap_or_default(),
        priority: t.priority.as_str().to_string(),
        link: t.link.as_ref().map(|l| l.to_string()).unwrap_or_default(),
        checklist: String::new(),
    }
}

struct Typed {
    form: Option<TaskForm>,
    note: String,
    comment: String,
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: TaskId,
    errors: Vec<FieldError>,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let task = match tasks::get_task(store, actor, id).await {
        Ok(t) => t,
        Err(e) => return fail(state, pa, e).await,
    };
    let (comments, history, people) = match (
        tasks::comments(store, actor, id).await,
        tasks::history(store, actor, id).await,
        tasks::people(store, actor).await,
    ) {
        (Ok(c), Ok(h), Ok(p)) => (c, h, p),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let today = tasks::today();
    let attachments =
        crate::pages::files::Attachments::load(state, actor, &RecordRef::new(tasks::RECORD, id.0))
            .await;
    let page = ShowPage {
        attachments,
        chrome: chrome(state, pa, &task.title, "/tasks").await,
        subnav: subnav(""),
        description_html: markdown(&task.description),
        overdue: task.is_overdue(today),
        priority_class: priority_badge(task.priority),
        status_class: status_badge(task.status),
        comments: comments
            .into_iter()
            .map(|c| {
                let html = markdown(&c.body);
                (c, html)
            })
            .collect(),
        history,
        people,
        can_edit: tasks::can_update(actor, &task),
        can_comment: tasks::can_comment(actor, &task),
        errors,
        form: typed.form.unwrap_or_else(|| form_of(&task)),
        note: typed.note,
        comment: typed.comment,
        statuses: statuses(),
        priorities: priorities(),
        link: task.link.as_ref().map(|l| state.record_link(l)),
        task,
    };
    render(&page, status)
}

fn untyped() -> Typed {
    Typed {
        form: None,
        note: String::new(),
        comment: String::new(),
    }
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_page(
        &state,
        &pa,
        TaskId(id),
        Vec::new(),
        untyped(),
        StatusCode::OK,
    )
    .await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = TaskForm::from_pairs(&pairs);
    let mut errors = Vec::new();
    let watchers = users_field(&pairs, "watchers", &mut errors);
    let changes = TaskChanges {
        title: Some(form.title.clone()),
        description: Some(form.description.clone()),
        due: Some(form.due.clone()),
        priority: Some(form.priority.clone()),
        status: None,
        link: Some(form.link.clone()),
        watchers: Some(watchers),
    };
    let typed = Typed {
        form: Some(form),
        note: String::new(),
        comment: String::new(),
    };
    if !errors.is_empty() {
        return show_page(
            &state,
            &pa,
            TaskId(id),
            errors,
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match tasks::update_task(
        &state.store,
        &state.registry,
        &pa.actor,
        TaskId(id),
        &changes,
        version_field(&pairs),
    )
    .await
    {
        Ok(_) => redirect_with(&format!("/tasks/{id}"), "Task saved."),
        Err(e) => match form_errors(&e, "title") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    TaskId(id),
                    errors,
                    typed,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn status<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let st = field(&pairs, "status");
    match tasks::set_status(
        &state.store,
        &pa.actor,
        TaskId(id),
        &st,
        version_field(&pairs),
    )
    .await
    {
        Ok(t) => redirect_with(
            &format!("/tasks/{id}"),
            &format!("Status: {}.", t.status.label()),
        ),
        Err(e) => match form_errors(&e, "status") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    TaskId(id),
                    errors,
                    untyped(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn reassign<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut errors = Vec::new();
    let to = user_field(&pairs, "assignee_id", &mut errors);
    let note = field(&pairs, "note");
    let typed = Typed {
        form: None,
        note: note.clone(),
        comment: String::new(),
    };
    if !errors.is_empty() {
        return show_page(
            &state,
            &pa,
            TaskId(id),
            errors,
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match tasks::reassign(
        &state.store,
        &pa.actor,
        TaskId(id),
        to,
        &note,
        version_field(&pairs),
    )
    .await
    {
        Ok(t) => {
            let who = if t.assignee_name.is_empty() {
                "nobody".to_string()
            } else {
                t.assignee_name.clone()
            };
            // Handing on one's own task may put it out of one's reach: back to the list then.
            let to = if tasks::get_task(&state.store, &pa.actor, TaskId(id))
                .await
                .is_ok()
            {
                format!("/tasks/{id}")
            } else {
                "/tasks".to_string()
            };
            redirect_with(&to, &format!("Task handed to {who}."))
        }
        Err(e) => match form_errors(&e, "assignee_id") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    TaskId(id),
                    errors,
                    typed,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn comment<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let body = field(&pairs, "body");
    match tasks::add_comment(&state.store, &pa.actor, TaskId(id), &body).await {
        Ok(_) => redirect_with(&format!("/tasks/{id}#comments"), "Comment added."),
        Err(e) => match form_errors(&e, "body") {
            Some(errors) => {
                let typed = Typed {
                    form: None,
                    note: String::new(),
                    comment: body,
                };
                show_page(
                    &state,
                    &pa,
                    TaskId(id),
                    errors,
                    typed,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn add_item<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match tasks::add_checklist_item(&state.store, &pa.actor, TaskId(id), &field(&pairs, "text"))
        .await
    {
        Ok(_) => redirect_with(&format!("/tasks/{id}#checklist"), "Item added."),
        Err(e) => match form_errors(&e, "text") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    TaskId(id),
                    errors,
                    untyped(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

/// Ticks or unticks an item. With htmx the checklist is swapped in place; without, the page
/// reloads.
async fn toggle_item<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    headers: HeaderMap,
    Path((id, item)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let done = matches!(field(&pairs, "done").as_str(), "1" | "true" | "yes");
    match tasks::toggle_checklist_item(
        &state.store,
        &pa.actor,
        TaskId(id),
        ChecklistItemId(item),
        done,
    )
    .await
    {
        Ok(task) if is_htmx(&headers) => render(
            &ChecklistPart {
                can_edit: tasks::can_update(&pa.actor, &task),
                task,
            },
            StatusCode::OK,
        ),
        Ok(_) => redirect_with(
            &format!("/tasks/{id}#checklist"),
            if done { "Item done." } else { "Item reopened." },
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- workload

#[derive(Template)]
#[template(path = "work/task_workload.html")]
struct WorkloadPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    people: Vec<(Workload, Vec<Row>)>,
}

async fn workload<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let rows = match tasks::workload(&state.store, &pa.actor, 10).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let today = tasks::today();
    let page = WorkloadPage {
        chrome: chrome(&state, &pa, "Workload", "/tasks").await,
        subnav: subnav("/tasks/workload"),
        people: rows
            .into_iter()
            .map(|mut w| {
                let rows = std::mem::take(&mut w.tasks)
                    .into_iter()
                    .map(|t| Row::new(&state, t, today))
                    .collect();
                (w, rows)
            })
            .collect(),
    };
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------- templates

#[derive(Template)]
#[template(path = "work/task_templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    templates: Vec<TaskTemplate>,
    can_run: bool,
    errors: Vec<FieldError>,
    name: String,
    description: String,
    items: String,
    start: String,
    roles: Vec<&'static str>,
}

impl TemplatesPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    /// Errors about items (`items[2].role`), listed above the items box.
    fn item_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| e.field.starts_with("items["))
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }
}

async fn templates_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors: Vec<FieldError>,
    typed: (String, String, String),
    status: StatusCode,
) -> Response {
    let list = match tasks::templates(&state.store, &pa.actor).await {
        Ok(t) => t,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = TemplatesPage {
        chrome: chrome(state, pa, "Task templates", "/tasks").await,
        subnav: subnav("/tasks/templates"),
        templates: list,
        can_run: pa
            .actor
            .scope_for(Permission::new(Domain::Work, Action::Create))
            .is_some_and(|s| s != steward_core::auth::Scope::Own),
        errors,
        name: typed.0,
        description: typed.1,
        items: typed.2,
        start: tasks::today().to_string(),
        roles: steward_core::auth::builtin_roles()
            .iter()
            .map(|r| r.key)
            .collect(),
    };
    render(&page, status)
}

async fn templates<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    templates_page(&state, &pa, Vec::new(), Default::default(), StatusCode::OK).await
}

/// One item per line: `title | role | days after start | priority` (the last three optional).
fn parse_items(text: &str) -> Result<Vec<TemplateItem>, Vec<FieldError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let offset_days = match parts.get(2).filter(|p| !p.is_empty()) {
            None => 0,
            Some(p) => match p.trim_start_matches('+').parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push(FieldError {
                        field: format!("items[{i}].offset_days"),
                        message: format!("`{p}` is not a number of days"),
                    });
                    0
                }
            },
        };
        let priority = match parts.get(3).filter(|p| !p.is_empty()) {
            None => Priority::Normal,
            Some(p) => Priority::parse(p).unwrap_or_else(|| {
                errors.push(FieldError {
                    field: format!("items[{i}].priority"),
                    message: "low, normal, high or urgent".into(),
                });
                Priority::Normal
            }),
        };
        items.push(TemplateItem {
            title: parts.first().copied().unwrap_or("").to_string(),
            description: String::new(),
            role: parts.get(1).copied().unwrap_or("").to_string(),
            offset_days,
            priority,
        });
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

async fn create_template<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (name, description, items_text) = (
        field(&pairs, "name"),
        field(&pairs, "description"),
        field(&pairs, "items"),
    );
    let typed = (name.clone(), description.clone(), items_text.clone());
    let items = match parse_items(&items_text) {
        Ok(i) => i,
        Err(errors) => {
            return templates_page(&state, &pa, errors, typed, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    };
    match tasks::create_template(&state.store, &pa.actor, &name, &description, &items).await {
        Ok(t) => redirect_with(
            "/tasks/templates",
            &format!("Template “{}” created.", t.name),
        ),
        Err(e) => match form_errors(&e, "name") {
            Some(errors) => {
                templates_page(&state, &pa, errors, typed, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn run_template<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let start = field(&pairs, "start");
    let start = match steward_core::time::parse_date("start", &start) {
        Ok(d) => d,
        Err(e) => {
            let errors = vec![FieldError {
                field: format!("start-{id}"),
                message: e
                    .field_errors()
                    .into_iter()
                    .next()
                    .map(|f| f.message)
                    .unwrap_or_default(),
            }];
            return templates_page(
                &state,
                &pa,
                errors,
                Default::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let subject = non_empty(&field(&pairs, "subject"));
    let subject = match subject.map(|s| RecordRef::parse(&s).ok_or(s)) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(_)) => {
            let errors = vec![FieldError {
                field: format!("subject-{id}"),
                message: "a record as kind:id, e.g. user:7".into(),
            }];
            return templates_page(
                &state,
                &pa,
                errors,
                Default::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match tasks::instantiate_template(&state.store, &pa.actor, TemplateId(id), start, subject).await
    {
        Ok(ids) => redirect_with("/tasks?sort=due", &format!("{} tasks created.", ids.len())),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- recurring rules

#[derive(Template)]
#[template(path = "work/task_recurring.html")]
struct RecurringPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    rules: Vec<(TaskRule, String)>,
    people: Vec<Person>,
    can_create: bool,
    is_company: bool,
    me: i64,
    errors: Vec<FieldError>,
    form: Vec<(String, String)>,
    priorities: Vec<(&'static str, &'static str)>,
}

impl RecurringPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn value(&self, key: &str) -> String {
        field(&self.form, key)
    }
}

async fn recurring_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors: Vec<FieldError>,
    form: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let (rules, people) = match (
        tasks::rules(&state.store, &pa.actor).await,
        tasks::people(&state.store, &pa.actor).await,
    ) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let today = tasks::today();
    let page = RecurringPage {
        chrome: chrome(state, pa, "Recurring tasks", "/tasks").await,
        subnav: subnav("/tasks/recurring"),
        rules: rules
            .into_iter()
            .map(|r| {
                let next = tasks::Rule::parse(&r.rrule)
                    .ok()
                    .and_then(|p| p.next_on_or_after(r.start, today))
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "none".into());
                (r, next)
            })
            .collect(),
        people,
        can_create: can(pa, Action::Create),
        is_company: pa
            .actor
            .scope_for(Permission::new(Domain::Work, Action::Update))
            == Some(steward_core::auth::Scope::Company),
        me: pa.actor.user_id.0,
        errors,
        form,
        priorities: priorities(),
    };
    render(&page, status)
}

async fn recurring<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let form = vec![
        ("start".to_string(), tasks::today().to_string()),
        ("priority".to_string(), "normal".to_string()),
        ("rrule".to_string(), "FREQ=WEEKLY;BYDAY=MO".to_string()),
    ];
    recurring_page(&state, &pa, Vec::new(), form, StatusCode::OK).await
}

async fn create_rule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut errors = Vec::new();
    let input = RuleInput {
        title: field(&pairs, "title"),
        description: field(&pairs, "description"),
        rrule: field(&pairs, "rrule"),
        start: non_empty(&field(&pairs, "start")),
        owner_id: user_field(&pairs, "owner_id", &mut errors),
        assignee_id: user_field(&pairs, "assignee_id", &mut errors),
        priority: non_empty(&field(&pairs, "priority")),
        checklist: field(&pairs, "checklist")
            .lines()
            .map(str::to_string)
            .collect(),
    };
    if !errors.is_empty() {
        return recurring_page(&state, &pa, errors, pairs, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match tasks::create_rule(&state.store, &pa.actor, &input).await {
        Ok(r) => redirect_with(
            "/tasks/recurring",
            &format!("Recurring task “{}” created.", r.title),
        ),
        Err(e) => match form_errors(&e, "title") {
            Some(errors) => {
                recurring_page(&state, &pa, errors, pairs, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn set_rule<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    id: i64,
    active: bool,
) -> Response {
    match tasks::set_rule_active(&state.store, &pa.actor, RuleId(id), active).await {
        Ok(r) => redirect_with(
            "/tasks/recurring",
            &format!(
                "“{}” {}.",
                r.title,
                if active { "resumed" } else { "paused" }
            ),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn pause_rule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    set_rule(state, pa, id, false).await
}

async fn resume_rule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    set_rule(state, pa, id, true).await
}

// ---------------------------------------------------------------- for other pages

/// The tasks linked to a record, for another page to include
/// (`{% include "work/task_links.html" %}` with a `task_links: TaskLinks` field).
pub struct TaskLinks {
    pub rows: Vec<Row>,
    /// `kind:id` of the record, for the "New task" link.
    pub record: String,
    pub can_create: bool,
}

impl TaskLinks {
    /// Loads them; an actor without Work access gets an empty box (the page still renders).
    pub async fn load<S: Backend>(
        state: &AppState<S>,
        actor: &steward_core::auth::Actor,
        record: &RecordRef,
    ) -> TaskLinks {
        let today = tasks::today();
        let rows = tasks::linked_to(&state.store, actor, record)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|t| Row::new(state, t, today))
            .collect();
        TaskLinks {
            rows,
            record: record.to_string(),
            can_create: actor.can(Permission::new(Domain::Work, Action::Create)),
        }
    }
    pub fn new_href(&self) -> String {
        format!(
            "/tasks/new?{}",
            serde_urlencoded::to_string([("link", self.record.as_str())]).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_items_parse_with_errors_per_line() {
        let items = parse_items("Count cash | accountant | 2 | high\n\nSign off").expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].offset_days, 2);
        assert_eq!(items[0].priority, Priority::High);
        assert_eq!(items[1].role, "");
        let errs = parse_items("a | x | soon\nb | | 1 | asap").expect_err("bad");
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["items[0].offset_days", "items[1].priority"]);
    }
}
