//! `/api/v1/records/search`: full-text search across the records the caller may open
//! (titles, notes, text documents), newest first; the subjects shown are logged.
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::records::search::{self, Hit};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(search_records))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsHitOut {
    item_id: i64,
    subject_id: i64,
    /// The subject's reference and name.
    subject: String,
    category_id: i64,
    category: String,
    /// `note` or `document`.
    kind: String,
    title: String,
    /// Around the first word found in a note's text; empty for a document.
    snippet: String,
    /// RFC 3339.
    created_at: String,
}

impl From<Hit> for RecordsHitOut {
    fn from(h: Hit) -> Self {
        RecordsHitOut {
            item_id: h.item_id.0,
            subject_id: h.subject_id.0,
            subject: h.subject,
            category_id: h.category_id.0,
            category: h.category,
            kind: h.kind,
            title: h.title,
            snippet: h.snippet,
            created_at: h.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsSearchOut {
    items: Vec<RecordsHitOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find, all of them (the last also as the start of a word), at most 8 words
    /// and 200 characters; accents and case do not matter (no word in it: 422 on `q`).
    q: String,
    /// Results, default 50; more than 100 reads as 100.
    limit: Option<u32>,
}

/// Full-text search across the records the caller may open: titles, notes and the text of
/// text documents, newest first. A record the caller may not open is never among them; the
/// subjects shown are logged in the access log and the audit trail.
#[utoipa::path(get, path = "/api/v1/records/search", tag = "records", params(SearchParams),
    responses((status = 200, body = RecordsSearchOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn search_records<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<SearchParams>,
) -> Result<Response, ApiError> {
    let hits = search::search(&state.store, &a.actor, &p.q, p.limit)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsSearchOut {
        items: hits.into_iter().map(RecordsHitOut::from).collect(),
    }))
}
