//! Time-off pages: mine (balances, requests, the request form, calendar feeds), one
//! request (cancel), a balance's ledger line by line, all requests within reach (filter,
//! sort, search, CSV/XLSX), the team calendar, policies and working calendars (HR staff),
//! and the secret iCalendar feed (no sign-in: names and dates only). Every handler goes
//! through `steward_core::hr::timeoff`, which authorizes.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use steward_core::error::FieldError;
use steward_core::hr::timeoff::{
    self, Balance, CalendarRow, Feed, LedgerLine, Policy, PolicyInput, Request, RequestInput,
    RequestQuery, RequestSort, TeamCalendar,
};
use steward_core::hr::EmployeeRef;
use steward_core::ids::{DepartmentId, EmployeeId};
use steward_core::list::Page;
use steward_core::time::Timestamp;
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/timeoff", get(mine::<S>))
        .route("/hr/timeoff/requests", get(index::<S>).post(create::<S>))
        .route("/hr/timeoff/requests/{id}", get(show::<S>))
        .route("/hr/timeoff/requests/{id}/cancel", post(cancel::<S>))
        .route("/hr/timeoff/ledger", get(ledger::<S>))
        .route("/hr/timeoff/calendar", get(team::<S>))
        .route(
            "/hr/timeoff/policies",
            get(policies::<S>).post(create_policy::<S>),
        )
        .route(
            "/hr/timeoff/calendars",
            get(calendars::<S>).post(create_calendar::<S>),
        )
        .route(
            "/hr/timeoff/calendars/{id}/holidays",
            post(add_holiday::<S>),
        )
        .route("/hr/timeoff/accrue", post(accrue::<S>))
        .route("/hr/timeoff/feeds", post(create_feed::<S>))
        .route("/hr/timeoff/feeds/{id}/revoke", post(revoke_feed::<S>))
        .route("/hr/timeoff/ical/{file}", get(ical::<S>))
}

fn id_field(pairs: &[(String, String)], name: &str) -> Option<i64> {
    field(pairs, name)
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

// ---------------------------------------------------------------- my time off

#[derive(Default, Clone)]
struct RequestForm {
    policy_id: String,
    start: String,
    start_half: String,
    end: String,
    end_half: String,
    note: String,
    employee_id: String,
}

impl RequestForm {
    fn from_pairs(p: &[(String, String)]) -> Self {
        RequestForm {
            policy_id: field(p, "policy_id"),
            start: field(p, "start"),
            start_half: field(p, "start_half"),
            end: field(p, "end"),
            end_half: field(p, "end_half"),
            note: field(p, "note"),
            employee_id: field(p, "employee_id"),
        }
    }
}

#[derive(Template)]
#[template(path = "hr/timeoff_mine.html")]
struct MinePage {
    chrome: Chrome,
    me: Option<EmployeeRef>,
    balances: Vec<Balance>,
    requests: Vec<Request>,
    policies: Vec<Policy>,
    form: RequestForm,
    errors: Vec<FieldError>,
    feeds: Vec<Feed>,
    new_feed_url: Option<String>,
    is_hr: bool,
    reads_all: bool,
}

impl MinePage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn mine_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: RequestForm,
    errors: Vec<FieldError>,
    new_feed_url: Option<String>,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let me = match timeoff::me(store, actor).await {
        Ok(m) => m,
        Err(e) => return fail(state, pa, e).await,
    };
    let policies = match timeoff::policies(store, actor).await {
        Ok(p) => p.into_iter().filter(|p| p.active).collect(),
        Err(e) => return fail(state, pa, e).await,
    };
    let (balances, requests) = match &me {
        Some(m) => {
            let b = match timeoff::balances(store, actor, m.id).await {
                Ok((_, b)) => b,
                Err(e) => return fail(state, pa, e).await,
            };
            let q = RequestQuery {
                employee: Some(m.id),
                dir: steward_core::list::SortDir::Desc,
                ..RequestQuery::default()
            };
            let r = match timeoff::list_requests(store, actor, &q).await {
                Ok(p) => p.items,
                Err(e) => return fail(state, pa, e).await,
            };
            (b, r)
        }
        None => (Vec::new(), Vec::new()),
    };
    let feeds = timeoff::feeds(store, actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.revoked_at.is_none())
        .collect();
    let p = MinePage {
        chrome: chrome(state, pa, "Time off", "/hr/timeoff").await,
        me,
        balances,
        requests,
        policies,
        form,
        errors,
        feeds,
        new_feed_url,
        is_hr: timeoff::is_hr_staff(actor),
        reads_all: timeoff::reads_all(actor),
    };
    render(&p, status)
}

async fn mine<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    mine_page(
        &state,
        &pa,
        RequestForm {
            end_half: "pm".into(),
            ..RequestForm::default()
        },
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = RequestForm::from_pairs(&pairs);
    let input = RequestInput {
        employee_id: id_field(&pairs, "employee_id").map(EmployeeId),
        policy_id: id_field(&pairs, "policy_id"),
        start: form.start.clone(),
        start_half: form.start_half.clone(),
        end: form.end.clone(),
        end_half: form.end_half.clone(),
        note: form.note.clone(),
    };
    match timeoff::request(&state.store, &pa.actor, &input).await {
        Ok(r) => redirect_with(
            &format!("/hr/timeoff/requests/{}", r.id),
            if r.status == "approved" {
                "Time off recorded."
            } else {
                "Time off requested: it waits for approval."
            },
        ),
        Err(e) if is_invalid(&e) => {
            mine_page(
                &state,
                &pa,
                form,
                e.field_errors(),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- one request

#[derive(Template)]
#[template(path = "hr/timeoff_show.html")]
struct ShowPage {
    chrome: Chrome,
    r: Request,
    can_cancel: bool,
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let r = match timeoff::get_request(&state.store, &pa.actor, id).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let can_cancel = timeoff::can_cancel(&state.store, &pa.actor, &r)
        .await
        .unwrap_or(false);
    let p = ShowPage {
        chrome: chrome(
            &state,
            &pa,
            &format!("Time off #{id}"),
            "/hr/timeoff/requests",
        )
        .await,
        r,
        can_cancel,
    };
    render(&p, StatusCode::OK)
}

async fn cancel<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match timeoff::cancel(&state.store, &pa.actor, id).await {
        Ok(_) => redirect_with(&format!("/hr/timeoff/requests/{id}"), "Request cancelled."),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- the ledger

#[derive(Template)]
#[template(path = "hr/timeoff_ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    employee: EmployeeRef,
    policy: Policy,
    lines: Vec<LedgerLine>,
    balance: String,
}

async fn ledger<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let employee = match id_field(&pairs, "employee") {
        Some(id) => EmployeeId(id),
        None => match timeoff::me(&state.store, &pa.actor).await {
            Ok(Some(m)) => m.id,
            Ok(None) => return fail(&state, &pa, Error::NotFound { entity: "employee" }).await,
            Err(e) => return fail(&state, &pa, e).await,
        },
    };
    let Some(policy) = id_field(&pairs, "policy") else {
        return fail(&state, &pa, Error::invalid("policy", "choose a policy")).await;
    };
    match timeoff::ledger(&state.store, &pa.actor, employee, policy).await {
        Ok((employee, policy, lines)) => {
            let balance = timeoff::days_text(lines.last().map_or(0, |l| l.running_milli));
            let p = LedgerPage {
                chrome: chrome(&state, &pa, "Balance", "/hr/timeoff").await,
                employee,
                policy,
                lines,
                balance,
            };
            render(&p, StatusCode::OK)
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- all requests

const COLUMNS: &[Column] = &[
    col("employee", "Employee", true),
    col("policy", "Kind", true),
    col("start", "Dates", true),
    col("days", "Days", true),
    col("status", "Status", true),
];

#[derive(Template)]
#[template(path = "hr/timeoff_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Request>,
    policies: Vec<Policy>,
    statuses: &'static [(&'static str, &'static str)],
    errors: Vec<FieldError>,
}

impl ListPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let params = ListParams::new(pairs);
    let (q, errors) = match RequestQuery::filters_from(|k| params.get(k).map(str::to_string)) {
        Ok(mut q) => {
            let (sort, dir) = params.sort::<RequestSort>();
            q.sort = sort;
            q.dir = dir;
            q.paging = params.paging();
            (q, Vec::new())
        }
        Err(e) if is_invalid(&e) => (RequestQuery::default(), e.field_errors()),
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            let mut q = q.clone();
            q.paging = steward_core::list::Paging::export();
            return match timeoff::list_requests(store, actor, &q).await {
                Ok(p) => export(
                    format,
                    "timeoff-requests",
                    timeoff::EXPORT_HEADERS,
                    p.items.iter().map(timeoff::export_row).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    let page = if errors.is_empty() {
        match timeoff::list_requests(store, actor, &q).await {
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
    use steward_core::list::SortKey;
    let list = ListView::new(
        "/hr/timeoff/requests",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome: chrome(&state, &pa, "Time-off requests", "/hr/timeoff/requests").await,
        list,
        rows: page.items,
        policies: timeoff::policies(store, actor).await.unwrap_or_default(),
        statuses: timeoff::STATUSES,
        errors,
    };
    render(&p, status)
}

// ---------------------------------------------------------------- team calendar

#[derive(Template)]
#[template(path = "hr/timeoff_calendar.html")]
struct TeamPage {
    chrome: Chrome,
    cal: TeamCalendar,
    month: String,
    prev: String,
    next: String,
    title: String,
    department: String,
}

async fn team<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let today = timeoff::today();
    let month = match crate::pages::non_empty(&field(&pairs, "month")) {
        Some(m) => match NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                return fail(&state, &pa, Error::invalid("month", "a month as YYYY-MM")).await
            }
        },
        None => today.with_day(1).unwrap_or(today),
    };
    let department = id_field(&pairs, "department").map(DepartmentId);
    let cal = match timeoff::team_calendar(&state.store, &pa.actor, month, department).await {
        Ok(c) => c,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let prev = month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(month);
    let next = month
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(month);
    let p = TeamPage {
        chrome: chrome(&state, &pa, "Team calendar", "/hr/timeoff/calendar").await,
        title: month.format("%B %Y").to_string(),
        month: month.format("%Y-%m").to_string(),
        prev: prev.format("%Y-%m").to_string(),
        next: next.format("%Y-%m").to_string(),
        department: department.map(|d| d.0.to_string()).unwrap_or_default(),
        cal,
    };
    render(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- policies and calendars

#[derive(Template)]
#[template(path = "hr/timeoff_policies.html")]
struct PoliciesPage {
    chrome: Chrome,
    policies: Vec<Policy>,
    calendars: Vec<CalendarRow>,
    /// The locations, to show which use each calendar.
    locations: Vec<steward_core::hr::locations::Location>,
    is_hr: bool,
    errors: Vec<FieldError>,
    kinds: &'static [(&'static str, &'static str)],
    accruals: &'static [(&'static str, &'static str)],
}

impl PoliciesPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    /// The locations whose people work on calendar `id` (the default calendar also serves
    /// every location without its own).
    fn locations_of(&self, c: &CalendarRow) -> Vec<&steward_core::hr::locations::Location> {
        self.locations
            .iter()
            .filter(|l| l.calendar_id == Some(c.id) || (c.is_default && l.calendar_id.is_none()))
            .collect()
    }
}

async fn policies_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let policies = match timeoff::policies(&state.store, &pa.actor).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let calendars = timeoff::calendars(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let locations = steward_core::hr::locations::all(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let p = PoliciesPage {
        chrome: chrome(state, pa, "Time-off policies", "/hr/timeoff/policies").await,
        policies,
        calendars,
        locations,
        is_hr: timeoff::is_hr_staff(&pa.actor),
        errors,
        kinds: timeoff::POLICY_KINDS,
        accruals: timeoff::ACCRUALS,
    };
    render(&p, status)
}

async fn policies<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    policies_page(&state, &pa, Vec::new(), StatusCode::OK).await
}

async fn calendars<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    policies_page(&state, &pa, Vec::new(), StatusCode::OK).await
}

async fn create_policy<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = PolicyInput {
        name: field(&pairs, "name"),
        kind: field(&pairs, "kind"),
        accrual: field(&pairs, "accrual"),
        entitlement_days: field(&pairs, "entitlement_days"),
        waiting_days: field(&pairs, "waiting_days"),
        carry_cap_days: field(&pairs, "carry_cap_days"),
        carry_expiry_months: field(&pairs, "carry_expiry_months"),
        allow_negative: !field(&pairs, "allow_negative").is_empty(),
        needs_approval: !field(&pairs, "needs_approval").is_empty(),
        active: true,
    };
    match timeoff::create_policy(&state.store, &pa.actor, &input).await {
        Ok(_) => redirect_with("/hr/timeoff/policies", "Policy created."),
        Err(e) if is_invalid(&e) => {
            policies_page(
                &state,
                &pa,
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn create_calendar<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let weekdays: String = pairs
        .iter()
        .filter(|(k, _)| k == "weekday")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    match timeoff::create_calendar(
        &state.store,
        &pa.actor,
        &field(&pairs, "cal_name"),
        &weekdays,
        !field(&pairs, "is_default").is_empty(),
    )
    .await
    {
        Ok(_) => redirect_with("/hr/timeoff/policies", "Calendar created."),
        Err(e) if is_invalid(&e) => {
            let errors = e
                .field_errors()
                .into_iter()
                .map(|f| FieldError {
                    field: if f.field == "name" {
                        "cal_name".into()
                    } else {
                        f.field
                    },
                    message: f.message,
                })
                .collect();
            policies_page(&state, &pa, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn add_holiday<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match timeoff::add_holiday(
        &state.store,
        &pa.actor,
        id,
        &field(&pairs, "day"),
        &field(&pairs, "holiday_name"),
        !field(&pairs, "half_day").is_empty(),
    )
    .await
    {
        Ok(()) => redirect_with("/hr/timeoff/policies", "Holiday added."),
        Err(e) if is_invalid(&e) => {
            let errors = e
                .field_errors()
                .into_iter()
                .map(|f| FieldError {
                    field: format!("holiday_{id}"),
                    message: format!("{}: {}", f.field, f.message),
                })
                .collect();
            policies_page(&state, &pa, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn accrue<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match timeoff::accrue(&state.store, &pa.actor, timeoff::today()).await {
        Ok(n) => redirect_with(
            "/hr/timeoff/policies",
            &format!("Accruals run: {n} ledger rows written."),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- feeds

async fn create_feed<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match timeoff::create_feed(
        &state.store,
        &pa.actor,
        &field(&pairs, "scope"),
        id_field(&pairs, "department").map(DepartmentId),
    )
    .await
    {
        Ok((_, token)) => {
            mine_page(
                &state,
                &pa,
                RequestForm::default(),
                Vec::new(),
                Some(format!("/hr/timeoff/ical/{token}.ics")),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if is_invalid(&e) => {
            let errors = e
                .field_errors()
                .into_iter()
                .map(|f| FieldError {
                    field: "feed".into(),
                    message: f.message,
                })
                .collect();
            mine_page(
                &state,
                &pa,
                RequestForm::default(),
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn revoke_feed<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match timeoff::revoke_feed(&state.store, &pa.actor, id).await {
        Ok(()) => redirect_with("/hr/timeoff", "Feed revoked: its address no longer works."),
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// The secret feed: no sign-in, approved time off only, names and dates only.
async fn ical<S: Backend>(State(state): State<AppState<S>>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    match timeoff::feed_ics(&state.store, token, Timestamp::now()).await {
        Ok(Some(text)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            text,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such feed").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "time-off feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
