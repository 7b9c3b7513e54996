//! Attachments on tasks and cases: upload (a multipart form on the record's page), download
//! and remove, and the section the record's page includes
//! (`{% include "attachments.html" %}` with an `attachments: Attachments` field). Also the
//! one way every download leaves Steward ([`download_response`]): as an attachment, with
//! the stored type and `nosniff`.
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use steward_core::auth::Actor;
use steward_core::files::{self, AttachmentId, Download};
use steward_core::work::RecordRef;
use steward_core::Error;

use crate::auth::PageActor;
use crate::pages::{fail, redirect_with};
use crate::state::{AppState, Backend};

/// Upload routes take a file up to the FileStore's limit plus the form around it.
pub const UPLOAD_BODY_LIMIT: usize = files::MAX_FILE_BYTES + 1024 * 1024;

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

/// An uploaded file (`file`, or the first file field) and the other fields of a multipart
/// form. A read error names the file field.
pub async fn read_multipart(
    mp: Multipart,
    file_field: &str,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    read_multipart_up_to(mp, file_field, UPLOAD_BODY_LIMIT, files::MAX_FILE_BYTES).await
}

/// [`read_multipart`] for a route with another body limit (`body_limit`, the route's
/// `DefaultBodyLimit`; `max_file` is what the messages promise), e.g. imports.
pub async fn read_multipart_up_to(
    mut mp: Multipart,
    file_field: &str,
    body_limit: usize,
    max_file: usize,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    let mut file = None;
    let mut fields = Vec::new();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge {
                limit: body_limit as u64,
            };
        }
        Error::invalid(
            file_field,
            format!(
                "could not read the upload ({}); files may be at most {} MB",
                e.body_text(),
                max_file / (1024 * 1024)
            ),
        )
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if field.file_name().is_some() || name == file_field {
            let fname = field.file_name().unwrap_or("upload").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if file.is_none() {
                file = Some((fname, bytes.to_vec()));
            }
        } else {
            let v = field
                .text()
                .await
                .map_err(|e| Error::invalid(name.clone(), format!("could not read: {e}")))?;
            fields.push((name, v));
        }
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| Error::invalid(file_field, "choose a file"))?;
    Ok((name, bytes, fields))
}

/// [`read_multipart`] for the API: a body that is not `multipart/form-data` is an error on
/// the file field; a body over [`UPLOAD_BODY_LIMIT`] is 413.
pub async fn read_api_upload(
    mp: Result<Multipart, MultipartRejection>,
    file_field: &str,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), Error> {
    let mp = mp.map_err(|e| {
        Error::invalid(
            file_field,
            format!(
                "send multipart/form-data with a `{file_field}`: {}",
                e.body_text()
            ),
        )
    })?;
    read_multipart(mp, file_field).await
}

/// For a page's upload form: a body over the limit as an error on the file field (the
/// form shows it beside the field instead of an error page).
pub fn too_large_on(file_field: &str, e: Error) -> Error {
    match e {
        Error::TooLarge { .. } => Error::invalid(
            file_field,
            format!(
                "is too large; files may be at most {} MB",
                files::MAX_FILE_BYTES / (1024 * 1024)
            ),
        ),
        other => other,
    }
}

/// `%XX` for everything but unreserved characters (RFC 5987 `filename*`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The bytes as a download: `Content-Disposition: attachment` (the browser saves it, never
/// shows it inside Steward), the stored content type, `nosniff`, not cached.
pub fn download_response(d: Download) -> Response {
    let ascii: String = d
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(&d.name)
    );
    let mut r = d.bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&d.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    } else {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

async fn upload<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    record: RecordRef,
    mp: Multipart,
) -> Response {
    let back = format!("{}#attachments", state.record_link(&record).href);
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
    upload(state, pa, RecordRef::new("task", id), mp).await
}

async fn upload_to_case<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    upload(state, pa, RecordRef::new("case", id), mp).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_with_a_safe_name() {
        let r = download_response(Download {
            name: "Gehalt \"März\".pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4".to_vec(),
        });
        let h = r.headers();
        let cd = h
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            cd.starts_with("attachment; filename=\"Gehalt _M_rz_.pdf\""),
            "{cd}"
        );
        assert!(
            cd.contains("filename*=UTF-8''Gehalt%20%22M%C3%A4rz%22.pdf"),
            "{cd}"
        );
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/pdf"[..])
        );
    }
}
