//! Planned changes (`/it/changes`: the list with search, status and risk filters, sort and
//! export, a new one below; one at `/it/changes/{id}` to edit, submit to the approvals
//! inbox, move and tick its checklist) and maintenance schedules (`/it/maintenance`, one
//! at `/it/maintenance/{id}` with its log and the form to log what was done).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::it::changes::{
    self, form_instant, Change, ChangeInput, ChangeQuery, ChangeSort, ChangeStatus, Risk,
};
use steward_core::it::maintenance::{
    self, LogEntry, Schedule, ScheduleInput, ScheduleQuery, ScheduleSort,
};
use steward_core::list::SortKey;

use super::networks::Typed;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/changes", get(list::<S>).post(create::<S>))
        .route("/it/changes/{id}", get(show::<S>).post(update::<S>))
        .route("/it/changes/{id}/submit", post(submit::<S>))
        .route("/it/changes/{id}/status", post(move_to::<S>))
        .route("/it/changes/{id}/checklist/{item}", post(tick::<S>))
        .route(
            "/it/maintenance",
            get(schedules::<S>).post(create_schedule::<S>),
        )
        .route(
            "/it/maintenance/{id}",
            get(schedule::<S>).post(update_schedule::<S>),
        )
        .route("/it/maintenance/{id}/log", post(log_done::<S>))
}

const COLUMNS: &[Column] = &[
    col("title", "Change", true),
    col("window_start", "Window", true),
    col("risk", "Risk", true),
    col("status", "Status", true),
    col("assets", "Assets", false),
];

const SCHEDULE_COLUMNS: &[Column] = &[
    col("title", "Maintenance", true),
    col("rule", "Recurs", false),
    col("next_due", "Next due", true),
    col("last_done", "Last done", true),
    col("assets", "Assets", false),
];

/// Ids typed as `12, 15 17`.
fn ids(text: &str) -> (Vec<i64>, bool) {
    let mut out = Vec::new();
    let mut bad = false;
    for t in text.split([',', ' ']).filter(|t| !t.trim().is_empty()) {
        match t.trim().parse::<i64>() {
            Ok(i) if i > 0 => out.push(i),
            _ => bad = true,
        }
    }
    (out, bad)
}

fn change_input(pairs: &[(String, String)]) -> Result<ChangeInput, steward_core::Error> {
    let (asset_ids, bad) = ids(&field(pairs, "asset_ids"));
    if bad {
        return Err(steward_core::Error::invalid(
            "asset_ids",
            "asset ids (numbers) separated by commas",
        ));
    }
    Ok(ChangeInput {
        title: field(pairs, "title"),
        description: field(pairs, "description"),
        window_start: field(pairs, "window_start"),
        window_end: field(pairs, "window_end"),
        risk: field(pairs, "risk"),
        checklist: field(pairs, "checklist")
            .lines()
            .map(str::to_string)
            .collect(),
        asset_ids,
    })
}

#[derive(Template)]
#[template(path = "it/change_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Change>,
    statuses: Vec<ChangeStatus>,
    risks: Vec<Risk>,
    can_write: bool,
    form: Typed,
}

impl ListPage {
    fn field_value(&self, which: &str, key: &str) -> String {
        self.form.value(which, key)
    }
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<Typed>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<ChangeSort>();
    let q = ChangeQuery {
        search: params.search(),
        status: params.get("status").and_then(ChangeStatus::parse),
        risk: params.get("risk").and_then(Risk::parse),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        return match changes::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "changes",
                changes::EXPORT_HEADERS,
                page.items.iter().map(changes::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match changes::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new("/it/changes", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    render(
        &ListPage {
            chrome: chrome(state, pa, "Planned changes", "/it/changes").await,
            list,
            rows: page.items,
            statuses: ChangeStatus::ALL.to_vec(),
            risks: Risk::ALL.to_vec(),
            can_write: changes::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_view(&state, &pa, pairs, None).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = match change_input(&pairs) {
        Ok(input) => changes::create(&state.store, &pa.actor, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => redirect_with(
            &format!("/it/changes/{}", c.id),
            &format!("{} was added as a draft.", c.title),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("change", pairs, &e);
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/change_show.html")]
struct ShowPage {
    chrome: Chrome,
    change: Change,
    risks: Vec<Risk>,
    can_write: bool,
    form: Typed,
}

impl ShowPage {
    fn field_value(&self, which: &str, key: &str) -> String {
        if self.form.which == which {
            return self.form.value(which, key);
        }
        let c = &self.change;
        match key {
            "title" => c.title.clone(),
            "description" => c.description.clone(),
            "window_start" => form_instant(c.window_start),
            "window_end" => form_instant(c.window_end),
            "risk" => c.risk.as_str().to_string(),
            "checklist" => c
                .checklist
                .iter()
                .filter(|i| !i.done)
                .map(|i| i.text.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            "asset_ids" => c
                .assets
                .iter()
                .map(|a| a.id.0.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }

    fn may(&self, to: &str) -> bool {
        ChangeStatus::parse(to).is_some_and(|t| self.change.status.may_move_to(t))
    }

    fn tickable(&self) -> bool {
        matches!(
            self.change.status,
            ChangeStatus::Approved | ChangeStatus::InProgress
        )
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<Typed>,
) -> Response {
    let change = match changes::get(&state.store, &pa.actor, id).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    let title = change.title.clone();
    render(
        &ShowPage {
            chrome: chrome(state, pa, &title, "/it/changes").await,
            change,
            risks: Risk::ALL.to_vec(),
            can_write: changes::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, None).await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    let result = match change_input(&pairs) {
        Ok(input) => changes::update(&state.store, &pa.actor, id, &input, version).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => redirect_with(
            &format!("/it/changes/{}", c.id),
            &format!("{} was saved.", c.title),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("edit", pairs, &e);
            show_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match changes::submit(&state.store, &pa.actor, id).await {
        Ok(c) => redirect_with(
            &format!("/it/changes/{}", c.id),
            "The change waits in the approvals inbox.",
        ),
        Err(e) if is_invalid(&e) => {
            show_view(&state, &pa, id, Some(Typed::new("move", Vec::new(), &e))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn move_to<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match changes::move_to(&state.store, &pa.actor, id, &field(&pairs, "status")).await {
        Ok(c) => redirect_with(
            &format!("/it/changes/{}", c.id),
            &format!("The change is {}.", c.status.label().to_lowercase()),
        ),
        Err(e) if is_invalid(&e) => {
            show_view(&state, &pa, id, Some(Typed::new("move", pairs, &e))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn tick<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path((id, item)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let done = field(&pairs, "done") == "true";
    match changes::tick(&state.store, &pa.actor, id, item, done).await {
        Ok(c) => redirect_with(&format!("/it/changes/{}", c.id), "The checklist was saved."),
        Err(e) if is_invalid(&e) => {
            show_view(&state, &pa, id, Some(Typed::new("move", pairs, &e))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---- maintenance ----

fn schedule_input(pairs: &[(String, String)]) -> Result<ScheduleInput, steward_core::Error> {
    let (asset_ids, bad) = ids(&field(pairs, "asset_ids"));
    if bad {
        return Err(steward_core::Error::invalid(
            "asset_ids",
            "asset ids (numbers) separated by commas",
        ));
    }
    Ok(ScheduleInput {
        title: field(pairs, "title"),
        instructions: field(pairs, "instructions"),
        rule: field(pairs, "rule"),
        starts_on: field(pairs, "starts_on"),
        asset_ids,
    })
}

#[derive(Template)]
#[template(path = "it/maintenance_list.html")]
struct ScheduleListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Schedule>,
    today: chrono::NaiveDate,
    can_write: bool,
    form: Typed,
}

impl ScheduleListPage {
    fn field_value(&self, which: &str, key: &str) -> String {
        self.form.value(which, key)
    }
}

async fn schedules_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<Typed>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<ScheduleSort>();
    let today = chrono::Utc::now().date_naive();
    let q = ScheduleQuery {
        search: params.search(),
        due_by: (params.get("due") == Some("1")).then_some(today),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        return match maintenance::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "maintenance",
                maintenance::EXPORT_HEADERS,
                page.items.iter().map(maintenance::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match maintenance::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/it/maintenance",
        &params,
        SCHEDULE_COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    render(
        &ScheduleListPage {
            chrome: chrome(state, pa, "Maintenance", "/it/maintenance").await,
            list,
            rows: page.items,
            today,
            can_write: changes::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn schedules<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    schedules_view(&state, &pa, pairs, None).await
}

async fn create_schedule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = match schedule_input(&pairs) {
        Ok(input) => maintenance::create(&state.store, &pa.actor, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => redirect_with(
            &format!("/it/maintenance/{}", s.id),
            &format!("{} was added.", s.title),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("schedule", pairs, &e);
            schedules_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/maintenance_show.html")]
struct SchedulePage {
    chrome: Chrome,
    schedule: Schedule,
    log: Vec<LogEntry>,
    today: chrono::NaiveDate,
    can_write: bool,
    form: Typed,
}

impl SchedulePage {
    fn field_value(&self, which: &str, key: &str) -> String {
        if self.form.which == which {
            return self.form.value(which, key);
        }
        let s = &self.schedule;
        match key {
            "title" => s.title.clone(),
            "instructions" => s.instructions.clone(),
            "rule" => s.rule.clone(),
            "starts_on" => s.starts_on.to_string(),
            "asset_ids" => s
                .assets
                .iter()
                .map(|a| a.id.0.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }
}

async fn schedule_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<Typed>,
) -> Response {
    let (schedule, log) = match tokio::join!(
        maintenance::get(&state.store, &pa.actor, id),
        maintenance::log(&state.store, &pa.actor, id)
    ) {
        (Ok(s), Ok(l)) => (s, l),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let form = form.unwrap_or_default();
    let status = crate::pages::form_status(form.invalid());
    let title = schedule.title.clone();
    render(
        &SchedulePage {
            chrome: chrome(state, pa, &title, "/it/maintenance").await,
            schedule,
            log,
            today: chrono::Utc::now().date_naive(),
            can_write: changes::may_write(&pa.actor),
            form,
        },
        status,
    )
}

async fn schedule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    schedule_view(&state, &pa, id, None).await
}

async fn update_schedule<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    let result = match schedule_input(&pairs) {
        Ok(input) => maintenance::update(&state.store, &pa.actor, id, &input, version).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => redirect_with(
            &format!("/it/maintenance/{}", s.id),
            &format!("{} was saved.", s.title),
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("edit", pairs, &e);
            schedule_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn log_done<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match maintenance::record_done(
        &state.store,
        &pa.actor,
        id,
        &field(&pairs, "done_on"),
        &field(&pairs, "notes"),
    )
    .await
    {
        Ok(s) => redirect_with(
            &format!("/it/maintenance/{}", s.id),
            &match s.next_due {
                Some(d) => format!("Logged. Next due {d}."),
                None => "Logged. The schedule has no more dates.".to_string(),
            },
        ),
        Err(e) if is_invalid(&e) => {
            let form = Typed::new("log", pairs, &e);
            schedule_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
