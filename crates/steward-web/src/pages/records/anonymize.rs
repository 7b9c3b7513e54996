//! `/records/subjects/{id}/anonymize`: the privacy office reads what anonymizing a subject
//! would do (the records erased, the records kept and why) and confirms it with a reason
//! (`steward_core::records::anonymize`).
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::records::anonymize::{self, Plan};
use steward_core::records::SubjectId;
use steward_core::Error;

use crate::auth::PageActor;
use crate::pages::{
    chrome, fail, field, field_error, form_status, is_invalid, redirect_with, render, Chrome,
};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route(
        "/records/subjects/{id}/anonymize",
        get(page::<S>).post(confirm::<S>),
    )
}

#[derive(Template)]
#[template(path = "records/anonymize.html")]
struct AnonymizePage {
    chrome: Chrome,
    plan: Plan,
    reason: String,
    errors: Vec<FieldError>,
    /// Why it cannot be done now (a hold, done already).
    refused: String,
}

impl AnonymizePage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    reason: String,
    errors: Vec<FieldError>,
    refused: String,
) -> Response {
    let plan = match anonymize::plan(&state.store, &pa.actor, SubjectId(id)).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let code = form_status(!errors.is_empty() || !refused.is_empty());
    render(
        &AnonymizePage {
            chrome: chrome(
                state,
                pa,
                &format!("Anonymize {}", plan.subject),
                "/records",
            )
            .await,
            plan,
            reason,
            errors,
            refused,
        },
        code,
    )
}

async fn page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    view(&state, &pa, id, String::new(), Vec::new(), String::new()).await
}

async fn confirm<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let reason = field(&pairs, "reason");
    match anonymize::anonymize(
        &state.store,
        &*state.files,
        &pa.actor,
        SubjectId(id),
        &reason,
    )
    .await
    {
        Ok(p) => redirect_with(
            &format!("/records/subjects/{id}"),
            &format!(
                "Anonymized as {}: {} records erased, {} kept.",
                p.reference,
                p.dispose.len(),
                p.keep.len()
            ),
        ),
        Err(Error::Conflict { message }) => {
            view(&state, &pa, id, reason, Vec::new(), message).await
        }
        Err(e) if is_invalid(&e) => {
            view(&state, &pa, id, reason, e.field_errors(), String::new()).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
