//! Retention (`/records/retention`, the privacy office): legal holds in force (place one on
//! a subject by reference or on a category; release one with a reason) and the disposals
//! the daily job listed (filter by state, search, page, export; dispose of or keep each;
//! list what is due now).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::list::{Paging, SortDir};
use steward_core::records::retention::{
    self, Disposal, DisposalId, DisposalQuery, Hold, HoldId, HoldInput, STATUSES,
};
use steward_core::records::setup::{self, Category};

use crate::auth::PageActor;
use crate::forms::{is_told, refusal};
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

const PATH: &str = "/records/retention";

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(PATH, get(page::<S>))
        .route("/records/holds", post(place::<S>))
        .route("/records/holds/{id}/release", post(release::<S>))
        .route("/records/disposals/run", post(run::<S>))
        .route("/records/disposals/{id}/dispose", post(dispose::<S>))
        .route("/records/disposals/{id}/keep", post(keep::<S>))
}

const COLUMNS: &[Column] = &[
    col("due", "Due", false),
    col("subject", "Subject", false),
    col("record", "Record", false),
    col("category", "Category", false),
    col("status", "State", false),
];

const EXPORT_HEADERS: &[&str] = &[
    "due_on",
    "subject",
    "title",
    "kind",
    "category",
    "status",
    "decided_by",
    "decided_at",
    "note",
    "versions",
    "bytes",
    "held",
];

fn export_row(d: &Disposal) -> Vec<String> {
    vec![
        d.due_on.to_string(),
        d.subject.clone(),
        d.title.clone(),
        d.kind.clone(),
        d.category.clone(),
        d.status.clone(),
        d.decided_by_name.clone(),
        d.decided_at.map(|t| t.rfc3339()).unwrap_or_default(),
        d.note.clone(),
        d.versions.to_string(),
        d.bytes.to_string(),
        d.held.to_string(),
    ]
}

/// The hold form's values and errors.
#[derive(Default)]
struct HoldForm {
    input: HoldInput,
    errors: Vec<FieldError>,
}

impl HoldForm {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    /// The subject's error: the reference typed, or none named (`subject_id`).
    fn subject_error(&self) -> Option<String> {
        self.error("subject_reference")
            .or_else(|| self.error("subject_id"))
    }
}

#[derive(Template)]
#[template(path = "records/retention.html")]
struct RetentionPage {
    chrome: Chrome,
    holds: Vec<Hold>,
    categories: Vec<Category>,
    hold: HoldForm,
    list: ListView,
    rows: Vec<Disposal>,
    status: String,
    statuses: &'static [(&'static str, &'static str)],
}

fn query(params: &ListParams) -> DisposalQuery {
    DisposalQuery {
        // The page opens on what is due; `status=all` shows every state.
        status: match params.get("status") {
            None => Some("due".into()),
            Some("all") => None,
            Some(s) => Some(s.to_string()),
        },
        search: params.search(),
        sensitive_titles: false,
        paging: params.paging(),
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    params: ListParams,
    hold: HoldForm,
) -> Response {
    let q = query(&params);
    let (holds, page, categories) = match tokio::join!(
        retention::holds(&state.store, &pa.actor, true),
        retention::disposals(&state.store, &pa.actor, &q),
        setup::categories(&state.store, &pa.actor)
    ) {
        (Ok(h), Ok(p), Ok(c)) => (h, p, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let list = ListView::new(PATH, &params, COLUMNS, "due", SortDir::Asc, &page);
    let status = params.get("status").unwrap_or("due").to_string();
    let code = if hold.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        &RetentionPage {
            chrome: chrome(state, pa, "Retention", PATH).await,
            holds,
            categories,
            hold,
            list,
            rows: page.items,
            status,
            statuses: STATUSES,
        },
        code,
    )
}

async fn page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    if let Some(format) = params.export_format() {
        let q = DisposalQuery {
            paging: Paging::export(),
            ..query(&params)
        };
        return match retention::disposals(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "disposals",
                EXPORT_HEADERS,
                page.items.iter().map(export_row).collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    view(&state, &pa, params, HoldForm::default()).await
}

async fn place<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = HoldInput {
        subject_id: String::new(),
        subject_reference: field(&pairs, "subject_reference"),
        category_id: field(&pairs, "category_id"),
        reason: field(&pairs, "reason"),
    };
    match retention::place_hold(&state.store, &pa.actor, &input).await {
        Ok(h) => redirect_with(PATH, &format!("Hold placed on {}.", h.target())),
        Err(e) if is_invalid(&e) => {
            let form = HoldForm {
                input,
                errors: e.field_errors(),
            };
            view(&state, &pa, ListParams::new(Vec::new()), form).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn release<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let reason = field(&pairs, "reason");
    match retention::release_hold(&state.store, &pa.actor, HoldId(id), &reason, None).await {
        Ok(h) => redirect_with(PATH, &format!("Hold on {} released.", h.target())),
        Err(e) if is_told(&e) => redirect_with(PATH, &refusal("Not released", &e)),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn run<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match retention::list_due_now(&state.store, &pa.actor).await {
        Ok(n) => redirect_with(PATH, &format!("{n} records newly listed as due.")),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn dispose<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match retention::dispose(&state.store, &*state.files, &pa.actor, DisposalId(id)).await {
        Ok(d) => redirect_with(PATH, &format!("{} disposed of.", d.title)),
        Err(e) if is_told(&e) => redirect_with(PATH, &refusal("Not disposed of", &e)),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn keep<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let note = field(&pairs, "note");
    match retention::keep(&state.store, &pa.actor, DisposalId(id), &note).await {
        Ok(d) => redirect_with(PATH, &format!("{} kept.", d.title)),
        Err(e) if is_told(&e) => redirect_with(PATH, &refusal("Not kept", &e)),
        Err(e) => fail(&state, &pa, e).await,
    }
}
