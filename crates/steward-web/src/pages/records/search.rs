//! Search (`/records/search?q=…`): the records the caller may open whose title or text holds
//! the words, newest first, each linked to its place in the subject's file.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::records::search::{self, Hit};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, is_invalid, render, Chrome};
use crate::state::{AppState, Backend};

const PATH: &str = "/records/search";

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route(PATH, get(page::<S>))
}

#[derive(Template)]
#[template(path = "records/search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    /// None until something is searched.
    hits: Option<Vec<Hit>>,
    error: Option<String>,
}

async fn page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = steward_core::records::gate_reader(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let q = field(&pairs, "q");
    let (hits, error) = if q.trim().is_empty() {
        (None, None)
    } else {
        match search::search(&state.store, &pa.actor, &q, None).await {
            Ok(h) => (Some(h), None),
            Err(e) if is_invalid(&e) => (None, e.field_errors().first().map(|f| f.message.clone())),
            Err(e) => return fail(&state, &pa, e).await,
        }
    };
    let code = crate::pages::form_status(error.is_some());
    render(
        &SearchPage {
            chrome: chrome(&state, &pa, "Search records", PATH).await,
            q,
            hits,
            error,
        },
        code,
    )
}
