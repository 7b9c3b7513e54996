//! On- and offboarding at `/hr/employees/{id}/lifecycle`: the started checklists with links
//! to their tasks, the leaving date and reason, what must come back (ticked off as it
//! comes), and the forms HR staff start them with.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::hr::lifecycle::{self, LifecycleView, OffboardingInput, LEAVING_REASONS};
use steward_core::ids::EmployeeId;

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/employees/{id}/lifecycle", get(show::<S>))
        .route("/hr/employees/{id}/onboarding", post(onboard::<S>))
        .route("/hr/employees/{id}/offboarding", post(offboard::<S>))
        .route("/hr/returns/{id}", post(returned::<S>))
}

/// The offboarding form as typed.
#[derive(Debug, Clone, Default)]
struct OffForm {
    leaving_date: String,
    reason: String,
    note: String,
    returns: String,
}

#[derive(Template)]
#[template(path = "hr/lifecycle.html")]
struct LifecyclePage {
    chrome: Chrome,
    view: LifecycleView,
    reasons: &'static [(&'static str, &'static str)],
    form: OffForm,
    errors: Vec<FieldError>,
    task_links: crate::pages::work::tasks::TaskLinks,
}

impl LifecyclePage {
    fn error(&self, f: &str) -> Option<String> {
        self.errors
            .iter()
            .filter(|e| e.field == f || e.field.starts_with(&format!("{f}[")))
            .map(|e| e.message.clone())
            .reduce(|a, b| format!("{a}; {b}"))
    }
    fn has(&self, kind: &str) -> bool {
        self.view.lifecycles.iter().any(|l| l.kind.as_str() == kind)
    }
    fn reason_label(&self, key: &str) -> &'static str {
        LEAVING_REASONS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| *l)
            .unwrap_or("")
    }
}

async fn page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: OffForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let view = match lifecycle::view(&state.store, &pa.actor, EmployeeId(id)).await {
        Ok(v) => v,
        Err(e) => return fail(state, pa, e).await,
    };
    let title = format!("On- and offboarding: {}", view.employee.name);
    let form = if form.returns.is_empty() && errors.is_empty() {
        OffForm {
            returns: lifecycle::DEFAULT_RETURNS.join("\n"),
            ..form
        }
    } else {
        form
    };
    let record = steward_core::work::RecordRef::new(steward_core::hr::EMPLOYEE, id);
    render(
        &LifecyclePage {
            task_links: crate::pages::work::tasks::TaskLinks::load(state, &pa.actor, &record).await,
            chrome: chrome(state, pa, &title, "/hr/employees").await,
            view,
            reasons: LEAVING_REASONS,
            form,
            errors,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    page(
        &state,
        &pa,
        id,
        OffForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn onboard<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let start = match steward_core::time::parse_optional_date(
        "start_date",
        Some(field(&pairs, "start_date").as_str()).filter(|s| !s.trim().is_empty()),
    ) {
        Ok(d) => d,
        Err(e) => {
            return page(
                &state,
                &pa,
                id,
                OffForm::default(),
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match lifecycle::start_onboarding(
        &state.store,
        &pa.actor,
        EmployeeId(id),
        start,
        &field(&pairs, "note"),
    )
    .await
    {
        Ok(l) => redirect_with(
            &format!("/hr/employees/{id}/lifecycle"),
            &format!("Onboarding started: {} tasks.", l.tasks.len()),
        ),
        Err(e) if is_invalid(&e) => {
            page(
                &state,
                &pa,
                id,
                OffForm::default(),
                e.field_errors(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn offboard<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = OffForm {
        leaving_date: field(&pairs, "leaving_date"),
        reason: field(&pairs, "reason"),
        note: field(&pairs, "note"),
        returns: field(&pairs, "returns"),
    };
    let input = OffboardingInput {
        leaving_date: form.leaving_date.clone(),
        reason: form.reason.clone(),
        note: form.note.clone(),
        returns: Some(form.returns.lines().map(str::to_string).collect()),
    };
    match lifecycle::start_offboarding(&state.store, &pa.actor, EmployeeId(id), &input).await {
        Ok(l) => {
            state.recheck_health(pa.actor.company_id, Some(EmployeeId(id)));
            redirect_with(
                &format!("/hr/employees/{id}/lifecycle"),
                &format!(
                    "Offboarding started: leaving on {}, {} tasks.",
                    l.start_date,
                    l.tasks.len()
                ),
            )
        }
        Err(e) if is_invalid(&e) => {
            let errors = e.field_errors();
            page(
                &state,
                &pa,
                id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn returned<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let back = field(&pairs, "returned") == "1";
    match lifecycle::set_returned(&state.store, &pa.actor, id, back).await {
        Ok(item) => redirect_with(
            &format!("/hr/employees/{}/lifecycle", item.employee_id),
            &if back {
                format!("{} handed back.", item.item)
            } else {
                format!("{} marked as not handed back.", item.item)
            },
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
