//! The organisation's pages: the org chart at `/hr/org` (the top, a person with their
//! reporting line and direct reports, or a department; a level at a time, expanded in place
//! with htmx and plain links without script; search by name) and positions at
//! `/hr/positions`. The department tree is the departments page (`pages::departments`,
//! `/departments`; `/hr/departments` redirects there). Everything goes through
//! `steward_core::hr::org`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::departments::TreeDepartment;
use steward_core::error::FieldError;
use steward_core::hr::org::{
    self, OrgDepartment, OrgLevelPage, OrgNode, OrgPerson, Position, PositionId, PositionInput,
};
use steward_core::ids::{DepartmentId, EmployeeId};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/org", get(chart::<S>))
        .route("/hr/org/reports/{id}", get(reports_partial::<S>))
        .route(
            "/hr/positions",
            get(positions_page::<S>).post(create_position::<S>),
        )
        .route("/hr/positions/{id}", post(edit_position::<S>))
}

fn opt(pairs: &[(String, String)], key: &str) -> Option<String> {
    Some(field(pairs, key).trim().to_string()).filter(|s| !s.is_empty())
}

fn opt_id(pairs: &[(String, String)], key: &str) -> Option<i64> {
    opt(pairs, key).and_then(|v| v.parse().ok())
}

/// A level of people as the templates show it, with the link to the rest.
pub struct LevelView {
    pub people: Vec<OrgPerson>,
    pub total: i64,
    /// The htmx partial that appends the next people, if there are more.
    pub more_href: Option<String>,
    /// The same without script (a full page).
    pub more_page: Option<String>,
}

fn level_view(page: OrgLevelPage, partial: &str, full: &str) -> LevelView {
    let next = page.next_offset();
    LevelView {
        more_href: next.map(|o| format!("{partial}offset={o}")),
        more_page: next.map(|o| format!("{full}offset={o}")),
        people: page.people,
        total: page.total,
    }
}

enum ChartView {
    Top {
        departments: Vec<TreeDepartment>,
        people: LevelView,
    },
    Person {
        node: OrgNode,
        reports: LevelView,
    },
    Department {
        dept: OrgDepartment,
        people: LevelView,
    },
}

#[derive(Template)]
#[template(path = "hr/org_chart.html")]
struct ChartPage {
    chrome: Chrome,
    q: String,
    results: Option<Vec<OrgPerson>>,
    view: ChartView,
    can_shape: bool,
}

#[derive(Template)]
#[template(path = "hr/org_level.html")]
struct LevelPartial {
    level: LevelView,
}

async fn chart<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let offset = opt(&pairs, "offset")
        .and_then(|o| o.parse::<u64>().ok())
        .unwrap_or(0);
    let q = opt(&pairs, "q").unwrap_or_default();
    let results = if q.is_empty() {
        None
    } else {
        match org::search(&state.store, &pa.actor, &q).await {
            Ok(r) => Some(r),
            Err(e) => return fail(&state, &pa, e).await,
        }
    };
    let view = if let Some(id) = opt_id(&pairs, "employee") {
        match org::node(&state.store, &pa.actor, EmployeeId(id), offset).await {
            Ok(node) => {
                let reports = level_view(
                    node.reports.clone(),
                    &format!("/hr/org/reports/{id}?"),
                    &format!("/hr/org?employee={id}&"),
                );
                ChartView::Person { node, reports }
            }
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else if let Some(id) = opt_id(&pairs, "department") {
        match org::department(&state.store, &pa.actor, DepartmentId(id), offset).await {
            Ok(dept) => {
                let people = level_view(
                    dept.people.clone(),
                    &format!("/hr/org/reports/0?department={id}&"),
                    &format!("/hr/org?department={id}&"),
                );
                ChartView::Department { dept, people }
            }
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        let (tree, top) = tokio::join!(
            org::department_tree(&state.store, &pa.actor),
            org::top(&state.store, &pa.actor, offset)
        );
        match (tree, top) {
            (Ok(tree), Ok(top)) => ChartView::Top {
                departments: tree.into_iter().filter(|d| d.depth == 0).collect(),
                people: level_view(top, "/hr/org/reports/0?", "/hr/org?"),
            },
            (Err(e), _) | (_, Err(e)) => return fail(&state, &pa, e).await,
        }
    };
    render(
        &ChartPage {
            chrome: chrome(&state, &pa, "Org chart", "/hr/org").await,
            q,
            results,
            view,
            can_shape: org::authorize_shape(&pa.actor).is_ok(),
        },
        StatusCode::OK,
    )
}

/// One level as an htmx partial: `/hr/org/reports/{id}` (a person's reports), with
/// `?department=` the top of a department, and id 0 alone the top of the chart.
async fn reports_partial<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let offset = opt(&pairs, "offset")
        .and_then(|o| o.parse::<u64>().ok())
        .unwrap_or(0);
    let result = if let Some(d) = opt_id(&pairs, "department") {
        org::department(&state.store, &pa.actor, DepartmentId(d), offset)
            .await
            .map(|x| {
                level_view(
                    x.people,
                    &format!("/hr/org/reports/0?department={d}&"),
                    &format!("/hr/org?department={d}&"),
                )
            })
    } else if id == 0 {
        org::top(&state.store, &pa.actor, offset)
            .await
            .map(|p| level_view(p, "/hr/org/reports/0?", "/hr/org?"))
    } else {
        org::reports_of(&state.store, &pa.actor, EmployeeId(id), offset)
            .await
            .map(|p| {
                level_view(
                    p,
                    &format!("/hr/org/reports/{id}?"),
                    &format!("/hr/org?employee={id}&"),
                )
            })
    };
    match result {
        Ok(level) => render(&LevelPartial { level }, StatusCode::OK),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---- positions ----

#[derive(Template)]
#[template(path = "hr/org_positions.html")]
struct PositionsPage {
    chrome: Chrome,
    items: Vec<Position>,
    departments: Vec<TreeDepartment>,
    can_edit: bool,
    errors: Vec<FieldError>,
    error_for: i64,
}

impl PositionsPage {
    fn error<I: std::borrow::Borrow<i64>>(&self, id: I, f: &str) -> Option<String> {
        if *id.borrow() == self.error_for {
            field_error(&self.errors, f)
        } else {
            None
        }
    }
    fn dept_options(&self, p: Option<&Position>) -> Vec<(i64, String, bool)> {
        self.departments
            .iter()
            .map(|d| {
                (
                    d.id.0,
                    format!("{}{}", "· ".repeat(d.depth), d.name),
                    p.is_some_and(|p| p.department_id == Some(d.id)),
                )
            })
            .collect()
    }
    fn superior_options(&self, p: Option<&Position>) -> Vec<(i64, String, bool)> {
        self.items
            .iter()
            .filter(|x| p.is_none_or(|p| p.id != x.id))
            .map(|x| {
                (
                    x.id.0,
                    match &x.department {
                        Some(d) => format!("{} ({d})", x.title),
                        None => x.title.clone(),
                    },
                    p.is_some_and(|p| p.reports_to == Some(x.id)),
                )
            })
            .collect()
    }
}

async fn positions_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors: Vec<FieldError>,
    error_for: i64,
) -> Response {
    let (items, tree) = tokio::join!(
        org::positions(&state.store, &pa.actor),
        org::department_tree(&state.store, &pa.actor)
    );
    let (items, departments) = match (items, tree) {
        (Ok(i), Ok(t)) => (i, t),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &PositionsPage {
            chrome: chrome(state, pa, "Positions", "/hr/positions").await,
            items,
            departments,
            can_edit: org::authorize_shape(&pa.actor).is_ok(),
            errors,
            error_for,
        },
        status,
    )
}

async fn positions_page<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    positions_view(&state, &pa, Vec::new(), -1).await
}

fn position_of(pairs: &[(String, String)]) -> PositionInput {
    PositionInput {
        title: field(pairs, "title"),
        department_id: opt_id(pairs, "department_id").map(DepartmentId),
        reports_to: opt_id(pairs, "reports_to").map(PositionId),
    }
}

async fn create_position<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match org::create_position(&state.store, &pa.actor, position_of(&pairs)).await {
        Ok(p) => redirect_with("/hr/positions", &format!("{} was created.", p.title)),
        Err(e) if is_invalid(&e) => positions_view(&state, &pa, e.field_errors(), 0).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn edit_position<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match org::update_position(&state.store, &pa.actor, PositionId(id), position_of(&pairs)).await {
        Ok(p) => redirect_with("/hr/positions", &format!("{} was saved.", p.title)),
        Err(e) if is_invalid(&e) => positions_view(&state, &pa, e.field_errors(), id).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}
