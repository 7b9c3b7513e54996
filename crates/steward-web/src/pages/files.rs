//! Attachments on tasks and cases: upload (a multipart form on the record's page), download
//! and remove, and the section the record's page includes
//! (`{% include "attachments.html" %}` with an `attachments: Attachments` field). Uploads are
//! read and downloads sent by [`crate::forms`].
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use steward_core::auth::Actor;
use steward_core::files::{self, AttachmentId};
use steward_core::work::RecordRef;
use steward_core::Error;

use crate::auth::PageActor;
use crate::forms::{download_response, read_multipart, too_large_on, UPLOAD_BODY_LIMIT};
use crate::pages::{fail, redirect_with};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    let limit = || axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    Router::new()
        .route(
            "/tasks/{id}/attachments",
            post(upload_to_task::<S>).layer(limit()),
        )
        .route(
            "/cases/{id}/attachments",
            post(upload_to_case::<S>).layer(limit()),
        )
        .route("/attachments/{id}/download", get(download::<S>))
        .route("/attachments/{id}/remove", post(remove::<S>))
}

/// One row of the attachments section.
pub struct AttachmentRow {
    pub id: i64,
    pub name: String,
    pub type_label: String,
    pub size_label: String,
    pub by: String,
    pub at: String,
    pub can_remove: bool,
}

/// A record's attachments, for its page.
pub struct Attachments {
    pub rows: Vec<AttachmentRow>,
    /// Where the upload form posts (`/tasks/7/attachments`).
    pub upload_action: String,
    pub can_add: bool,
    pub accept: &'static str,
    pub max_mb: usize,
}

impl Attachments {
    /// Loads them; an actor who cannot see the record gets an empty box.
    pub async fn load<S: Backend>(
        state: &AppState<S>,
        actor: &Actor,
        record: &RecordRef,
    ) -> Attachments {
        let access = files::record_access(&state.registry, actor, record)
            .await
            .ok();
        let list = match access {
            Some(_) => files::list_attachments(&state.store, &state.registry, actor, record)
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let rows = list
            .into_iter()
            .map(|a| AttachmentRow {
                can_remove: access.is_some_and(|x| files::can_remove(actor, x, &a)),
                id: a.id.0,
                type_label: a.file.type_label().to_string(),
                size_label: a.file.size_label(),
                name: a.file.name,
                by: a.created_by_name,
                at: a.created_at.display(),
            })
            .collect();
        Attachments {
            rows,
            upload_action: format!("{}/attachments", state.record_link(record).href),
            can_add: access.is_some_and(|x| x.add),
            accept: files::ACCEPT,
            max_mb: files::MAX_FILE_BYTES / (1024 * 1024),
        }
    }
}

/// Reads an uploaded file from a record's page and attaches it (any domain's record page
/// routes its own `…/attachments` here).
pub(crate) async fn upload<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    record: RecordRef,
    mp: Multipart,
) -> Response {
    let back = format!("{}#attachments", state.record_link(&record).href);
    // Refused before the upload is read.
    match files::record_access(&state.registry, &pa.actor, &record).await {
        Ok(access) if access.add => {}
        Ok(_) => return fail(&state, &pa, Error::Forbidden).await,
        Err(e) => return fail(&state, &pa, e).await,
    }
    let result = async {
        let (name, bytes, _) = read_multipart(mp, "file")
            .await
            .map_err(|e| too_large_on("file", e))?;
        files::attach(
            &state.store,
            &*state.files,
            &state.registry,
            &pa.actor,
            &record,
            &name,
            &bytes,
        )
        .await
    }
    .await;
    match result {
        Ok(a) => redirect_with(&back, &format!("Attached “{}”.", a.file.name)),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            let msg = e
                .field_errors()
                .into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ");
            redirect_with(&back, &format!("Not attached. {msg}"))
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn upload_to_task<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    upload(
        state,
        pa,
        RecordRef::new(steward_core::work::tasks::RECORD, id),
        mp,
    )
    .await
}

async fn upload_to_case<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    upload(
        state,
        pa,
        RecordRef::new(steward_core::work::cases::RECORD, id),
        mp,
    )
    .await
}

async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match files::download_attachment(
        &state.store,
        &*state.files,
        &state.registry,
        &pa.actor,
        AttachmentId(id),
    )
    .await
    {
        Ok(d) => download_response(d),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match files::remove_attachment(&state.store, &state.registry, &pa.actor, AttachmentId(id)).await
    {
        Ok(a) => redirect_with(
            &format!("{}#attachments", state.record_link(&a.record).href),
            &format!("Removed “{}”.", a.file.name),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
