//! `/api/v1/{tasks,cases}/{id}/attachments` and `/api/v1/attachments/{id}`: files on tasks
//! and cases. Upload as `multipart/form-data` with a `file` (checked by its content, at
//! most 20 MB), list, read, download (as an attachment, with the stored type) and remove.
//! Who sees the task or case sees its attachments; everything goes through
//! `steward_core::files`, which authorizes.
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use serde::Serialize;
use steward_core::files::{self, Attachment, AttachmentId};
use steward_core::work::RecordRef;
use steward_core::Error;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};

use crate::api::{created, ok};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::forms::{download_response, read_api_upload, UPLOAD_BODY_LIMIT};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let limit = || axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    r.routes(routes!(task_attachments, attach_to_task).layer(limit()))
        .routes(routes!(case_attachments, attach_to_case).layer(limit()))
        .routes(routes!(get, remove))
        .routes(routes!(download))
}

/// A file attached to a task or case.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    /// The record as `kind:id` (`task:7`).
    pub record: String,
    pub name: String,
    /// As sniffed from the bytes.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    /// RFC 3339.
    pub created_at: String,
    /// Where the bytes are.
    pub download: String,
}

impl From<Attachment> for AttachmentOut {
    fn from(a: Attachment) -> Self {
        AttachmentOut {
            download: format!("/api/v1/attachments/{}/download", a.id),
            id: a.id.0,
            record: a.record.to_string(),
            name: a.file.name,
            content_type: a.file.content_type,
            size: a.file.size,
            sha256: a.file.sha256,
            created_by: a.created_by.map(|u| u.0),
            created_by_name: a.created_by_name,
            created_at: a.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<AttachmentOut>,
}

/// The upload form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG, JPEG, GIF, WebP, plain text, CSV, DOCX, XLSX, ODT or ODS.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

pub(crate) async fn list_of<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    record: RecordRef,
) -> Result<Response, ApiError> {
    let items = files::list_attachments(&state.store, &state.registry, &a.actor, &record)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AttachmentList {
        items: items.into_iter().map(AttachmentOut::from).collect(),
    }))
}

pub(crate) async fn attach<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    record: RecordRef,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may not add here hears so before anything about the body.
    let access = files::record_access(&state.registry, &a.actor, &record)
        .await
        .map_err(err)?;
    if !access.add {
        return Err(err(Error::Forbidden));
    }
    let (name, bytes, _) = read_api_upload(mp, "file", &[]).await.map_err(err)?;
    let att = files::attach(
        &state.store,
        &*state.files,
        &state.registry,
        &a.actor,
        &record,
        &name,
        &bytes,
    )
    .await
    .map_err(err)?;
    Ok(created(AttachmentOut::from(att)))
}

/// The task's attachments.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/attachments", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, body = AttachmentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn task_attachments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    list_of(
        &state,
        &a,
        RecordRef::new(steward_core::work::tasks::RECORD, id),
    )
    .await
}

/// Attaches a file to the task (who may change or comment on it).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/attachments", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_task<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    attach(
        &state,
        &a,
        RecordRef::new(steward_core::work::tasks::RECORD, id),
        mp,
    )
    .await
}

/// The case's attachments (the front office sees those of its own cases).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = AttachmentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn case_attachments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    list_of(
        &state,
        &a,
        RecordRef::new(steward_core::work::cases::RECORD, id),
    )
    .await
}

/// Attaches a file to the case (the back office, or the front office on its own case).
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases",
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_case<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    attach(
        &state,
        &a,
        RecordRef::new(steward_core::work::cases::RECORD, id),
        mp,
    )
    .await
}

/// One attachment.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, body = AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (att, _) = files::get_attachment(&state.store, &state.registry, &a.actor, AttachmentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AttachmentOut::from(att)))
}

/// Removes an attachment (the uploader, or who may change the record). Audited.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, body = AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let att = files::remove_attachment(&state.store, &state.registry, &a.actor, AttachmentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AttachmentOut::from(att)))
}

/// The attachment's bytes, as a download with the stored content type.
#[utoipa::path(get, path = "/api/v1/attachments/{id}/download", tag = "tasks",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = files::download_attachment(
        &state.store,
        &*state.files,
        &state.registry,
        &a.actor,
        AttachmentId(id),
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(download_response(d))
}
