//! `/api/v1/records/…/access-log` ("who has seen this file", per subject and per user),
//! break-glass (`/api/v1/records/subjects/{id}/break-glass`: open a file without access by
//! giving a reason) and its review queue (`/api/v1/records/break-glass`, the privacy
//! office), and a subject's right-of-access export (`/api/v1/records/subjects/{id}/export`,
//! the privacy office).
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::records::file::{self, AccessEntry, BreakGlass};
use steward_core::records::{self as records, BreakGlassId, SubjectId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, json_body, ok, ListOf, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(subject_log))
        .routes(routes!(user_log))
        .routes(routes!(break_glass))
        .routes(routes!(queue))
        .routes(routes!(review))
        .routes(routes!(export_subject))
}

/// Everything about a subject for a right-of-access request, as one `.tar.gz`:
/// `subject.json` (the subject, every record, consents, assignments, the file's access log)
/// and every document version's bytes under `files/` (the privacy office, with
/// `records.export`). Logged in the access log and the audit trail.
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/export", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, description = "The archive", content_type = "application/gzip"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn export_subject<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let x = steward_core::records::export::export_subject(
        &state.store,
        &*state.files,
        &a.actor,
        SubjectId(id),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(crate::forms::download_response(
        steward_core::files::Download {
            name: x.file_name,
            content_type: "application/gzip".into(),
            bytes: x.bytes,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsAccessOut {
    id: i64,
    subject_id: Option<i64>,
    /// The subject's reference and name.
    subject: String,
    user_id: Option<i64>,
    actor: String,
    /// RFC 3339.
    at: String,
    /// `view`, `download`, `export`, `search` or `break_glass`.
    action: String,
    what: String,
    /// The reason given for a break-glass (and `break-glass` on what was seen under one).
    reason: String,
}

impl From<AccessEntry> for RecordsAccessOut {
    fn from(e: AccessEntry) -> Self {
        RecordsAccessOut {
            id: e.id,
            subject_id: e.subject_id.map(|s| s.0),
            subject: e.subject,
            user_id: e.user_id.map(|u| u.0),
            actor: e.actor,
            at: e.at.rfc3339(),
            action: e.action,
            what: e.what,
            reason: e.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsBreakGlassOut {
    id: i64,
    subject_id: i64,
    subject: String,
    user_id: i64,
    user: String,
    reason: String,
    /// RFC 3339.
    opened_at: String,
    /// The opening lasts until then.
    expires_at: String,
    reviewed_at: Option<String>,
    reviewed_by: String,
    review_note: String,
    version: i64,
}

impl From<BreakGlass> for RecordsBreakGlassOut {
    fn from(b: BreakGlass) -> Self {
        RecordsBreakGlassOut {
            id: b.id.0,
            subject_id: b.subject_id.0,
            subject: b.subject,
            user_id: b.user_id.0,
            user: b.user_name,
            reason: b.reason,
            opened_at: b.opened_at.rfc3339(),
            expires_at: b.expires_at.rfc3339(),
            reviewed_at: b.reviewed_at.map(|t| t.rfc3339()),
            reviewed_by: b.reviewed_by_name,
            review_note: b.review_note,
            version: b.version,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Only those not reviewed yet (the default); `false` for all.
    pending: Option<bool>,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// Who has seen a subject's file, newest first (the privacy office; the subject's owner).
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/access-log", tag = "records", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = ListOf<RecordsAccessOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn subject_log<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> Result<Response, ApiError> {
    let page = file::subject_log(
        &state.store,
        &a.actor,
        SubjectId(id),
        Paging::new(p.limit, p.offset),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsAccessOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// What one user has opened, newest first (the privacy office; anyone for themselves).
#[utoipa::path(get, path = "/api/v1/records/users/{id}/access-log", tag = "records", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = ListOf<RecordsAccessOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn user_log<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<PageParams>,
) -> Result<Response, ApiError> {
    let page = file::user_log(
        &state.store,
        &a.actor,
        UserId(id),
        Paging::new(p.limit, p.offset),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsAccessOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Why a file is opened without access.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsBreakGlassIn {
    /// Required: an empty one is 422 on `reason`, nothing written.
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    reason: String,
}

/// Breaks the glass: opens a subject's file the caller has no access to, for 12 hours,
/// giving a reason. Logged and audited; the owner and every privacy officer are told; it
/// waits in the review queue. One who may open the file already gets 409.
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/break-glass", tag = "records", params(("id" = i64, Path)), request_body = RecordsBreakGlassIn,
    responses((status = 201, body = RecordsBreakGlassOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn break_glass<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_reader(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsBreakGlassIn = json_body(req, &state, Shape::Object).await?;
    let g = file::break_glass(&state.store, &a.actor, SubjectId(id), &b.reason)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsBreakGlassOut::from(g)))
}

/// The break-glass review queue, newest first (the privacy office).
#[utoipa::path(get, path = "/api/v1/records/break-glass", tag = "records", params(QueueParams),
    responses((status = 200, body = ListOf<RecordsBreakGlassOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn queue<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<QueueParams>,
) -> Result<Response, ApiError> {
    let page = file::review_queue(
        &state.store,
        &a.actor,
        p.pending.unwrap_or(true),
        Paging::new(p.limit, p.offset),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsBreakGlassOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A review of a break-glass opening.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsReviewIn {
    /// Required (422 on `note`).
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    note: String,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// Marks a break-glass opening reviewed with a note (the privacy office). One reviewed
/// already is 409.
#[utoipa::path(post, path = "/api/v1/records/break-glass/{id}/review", tag = "records", params(("id" = i64, Path)), request_body = RecordsReviewIn,
    responses((status = 200, body = RecordsBreakGlassOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsReviewIn = json_body(req, &state, Shape::Object).await?;
    let g = file::review(&state.store, &a.actor, BreakGlassId(id), &b.note, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsBreakGlassOut::from(g)))
}
