//! `/api/v1/hr/…`: employee documents and certifications. Upload a document as
//! `multipart/form-data` (`file`, `category`, `title`, `expires`); the file is checked by
//! its content. Documents are personal data: HR staff and the employee themself see them,
//! and every read of one (`GET /api/v1/hr/documents/{id}`) and every download is written to
//! the audit trail. Certifications are job data (the employee's managers see them too).
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::documents::{
    self, CertQuery, CertSort, CertWindow, Certification, CertificationId, CertificationInput,
    Document, DocumentInput,
};
use steward_core::ids::{DocumentId, EmployeeId};
use steward_core::list::{Paging, SortDir};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};

use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::forms::{download_response, read_api_upload, UPLOAD_BODY_LIMIT};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let limit = || axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    r.routes(routes!(list_documents, upload_document).layer(limit()))
        .routes(routes!(get_document, remove_document))
        .routes(routes!(download_document))
        .routes(routes!(list_employee_certifications, add_certification))
        .routes(routes!(remove_certification))
        .routes(routes!(list_certifications))
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    pub employee_id: i64,
    pub employee_name: String,
    /// `contract`, `id`, `licence`, `certificate` or `other`.
    pub category: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// `none`, `valid`, `soon` (within 30 days) or `expired`.
    pub state: String,
    pub file_name: String,
    /// As sniffed from the bytes.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by_name: String,
    /// RFC 3339.
    pub uploaded_at: String,
    pub download: String,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        let state = d.state(documents::today()).as_str().to_string();
        DocumentOut {
            download: format!("/api/v1/hr/documents/{}/download", d.id),
            id: d.id.0,
            employee_id: d.employee_id.0,
            employee_name: d.employee_name,
            category: d.category,
            title: d.title,
            expires: d.expires.map(|x| x.to_string()),
            state,
            file_name: d.file.name,
            content_type: d.file.content_type,
            size: d.file.size,
            sha256: d.file.sha256,
            uploaded_by_name: d.uploaded_by_name,
            uploaded_at: d.uploaded_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentOut>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificationOut {
    pub id: i64,
    pub employee_id: i64,
    pub employee_name: String,
    pub name: String,
    pub issuer: String,
    pub issued: Option<String>,
    pub expires: Option<String>,
    /// `none`, `valid`, `soon` (within 30 days) or `expired`.
    pub state: String,
    pub document_id: Option<i64>,
}

impl From<Certification> for CertificationOut {
    fn from(c: Certification) -> Self {
        let state = c.state(documents::today()).as_str().to_string();
        CertificationOut {
            id: c.id.0,
            employee_id: c.employee_id.0,
            employee_name: c.employee_name,
            name: c.name,
            issuer: c.issuer,
            issued: c.issued.map(|x| x.to_string()),
            expires: c.expires.map(|x| x.to_string()),
            state,
            document_id: c.document_id.map(|d| d.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CertificationList {
    pub items: Vec<CertificationOut>,
}

/// The upload form. Other fields are refused (`unknown field`); `Deserialize` only lets
/// the document say so (`additionalProperties: false`).
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DocumentForm {
    /// The file: PDF, PNG, JPEG, GIF, WebP, plain text, CSV, DOCX, XLSX, ODT or ODS.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
    /// `contract`, `id`, `licence`, `certificate` or `other`.
    #[schema(schema_with = category)]
    category: String,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    title: String,
    /// `YYYY-MM-DD`, optional.
    #[schema(schema_with = crate::api::contract::opt_date)]
    expires: Option<String>,
}

/// A document's category: a key of `core::hr::documents::CATEGORIES`.
fn category() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = documents::CATEGORIES.iter().map(|(k, _)| *k).collect();
    crate::api::contract::one_of(&keys, false)
}

/// `window=`: a key of `core::hr::documents::CertWindow::ALL`, or empty for `soon`.
fn window_param() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = CertWindow::ALL.iter().map(|(k, _, _)| *k).collect();
    crate::api::contract::filter(&keys)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::line::<200, false>)]
    pub issuer: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    pub issued: Option<String>,
    /// `YYYY-MM-DD`, not before `issued`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    pub expires: Option<String>,
    /// A document of the same employee.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub document_id: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertListQuery {
    /// Name, issuer or employee.
    pub q: Option<String>,
    /// `soon` (expired or within 30 days, the default), `quarter`, `expired` or `all`.
    #[param(schema_with = window_param)]
    pub window: Option<String>,
    /// `expires` (default), `name`, `employee`, `issued`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::hr::documents::CertSort>)]
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
    /// `csv` or `xlsx` for a download of the filtered list.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    pub format: Option<String>,
}

/// The employee's documents (HR staff and the employee themself).
#[utoipa::path(get, path = "/api/v1/hr/employees/{id}/documents", tag = "hr",
    params(("id" = i64, Path, description = "Employee id")),
    responses((status = 200, body = DocumentList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_documents<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let items = documents::list_documents(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DocumentList {
        items: items.into_iter().map(DocumentOut::from).collect(),
    }))
}

/// Uploads a document for the employee (HR staff). The file is checked by its content.
#[utoipa::path(post, path = "/api/v1/hr/employees/{id}/documents", tag = "hr",
    params(("id" = i64, Path, description = "Employee id")),
    request_body(content = DocumentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_document<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may not upload here hears so before anything about the body.
    let (_, access) = documents::employee_access(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(err)?;
    if !access.edit_documents {
        return Err(err(Error::Forbidden));
    }
    let (name, bytes, fields) = read_api_upload(mp, "file", &["category", "title", "expires"])
        .await
        .map_err(err)?;
    let get = |k: &str| crate::forms::field(&fields, k);
    let input = DocumentInput {
        category: get("category"),
        title: get("title"),
        expires: get("expires"),
    };
    let d = documents::upload_document(
        &state.store,
        &*state.files,
        &a.actor,
        EmployeeId(id),
        &input,
        &name,
        &bytes,
    )
    .await
    .map_err(err)?;
    Ok(created(DocumentOut::from(d)))
}

/// One document. Written to the audit trail as a view.
#[utoipa::path(get, path = "/api/v1/hr/documents/{id}", tag = "hr",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, body = DocumentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_document<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (d, _) = documents::view_document(&state.store, &a.actor, DocumentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DocumentOut::from(d)))
}

/// Removes a document (HR staff). Audited.
#[utoipa::path(delete, path = "/api/v1/hr/documents/{id}", tag = "hr",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, body = DocumentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_document<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = documents::remove_document(&state.store, &a.actor, DocumentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    state.recheck_health(a.actor.company_id, Some(d.employee_id));
    Ok(ok(DocumentOut::from(d)))
}

/// The document's bytes, as a download. Written to the audit trail.
#[utoipa::path(get, path = "/api/v1/hr/documents/{id}/download", tag = "hr",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn download_document<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = documents::download_document(&state.store, &*state.files, &a.actor, DocumentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(download_response(d))
}

/// The employee's certifications and trainings (HR, the employee, their managers).
#[utoipa::path(get, path = "/api/v1/hr/employees/{id}/certifications", tag = "hr",
    params(("id" = i64, Path, description = "Employee id")),
    responses((status = 200, body = CertificationList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_employee_certifications<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let items = documents::list_employee_certifications(&state.store, &a.actor, EmployeeId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(CertificationList {
        items: items.into_iter().map(CertificationOut::from).collect(),
    }))
}

/// Adds a certification or training (HR staff).
#[utoipa::path(post, path = "/api/v1/hr/employees/{id}/certifications", tag = "hr",
    params(("id" = i64, Path, description = "Employee id")),
    request_body = CertificationIn,
    responses((status = 201, body = CertificationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_certification<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CertificationIn>,
) -> Result<Response, ApiError> {
    let input = CertificationInput {
        name: body.name,
        issuer: body.issuer,
        issued: body.issued.unwrap_or_default(),
        expires: body.expires.unwrap_or_default(),
        document_id: body.document_id.map(|d| d.to_string()).unwrap_or_default(),
    };
    let c = documents::add_certification(&state.store, &a.actor, EmployeeId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(CertificationOut::from(c)))
}

/// Removes a certification (HR staff). Audited.
#[utoipa::path(delete, path = "/api/v1/hr/certifications/{id}", tag = "hr",
    params(("id" = i64, Path, description = "Certification id")),
    responses((status = 200, body = CertificationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_certification<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = documents::remove_certification(&state.store, &a.actor, CertificationId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(CertificationOut::from(c)))
}

/// The company's certifications by expiry (HR read at company scope). CSV/XLSX with
/// `format`.
#[utoipa::path(get, path = "/api/v1/hr/certifications", tag = "hr",
    params(CertListQuery),
    responses((status = 200, body = ListOf<CertificationOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_certifications<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<CertListQuery>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let window = match p.window.as_deref() {
        None | Some("") => CertWindow::default(),
        Some(w) => CertWindow::parse(w)
            .ok_or_else(|| err(Error::invalid("window", "soon, quarter, expired or all")))?,
    };
    let sort = crate::api::contract::parse_sort::<CertSort>(p.sort.as_deref()).map_err(err)?;
    let dir = crate::api::contract::parse_dir(p.dir.as_deref(), SortDir::default()).map_err(err)?;
    let format = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let q = CertQuery {
        search: p.q.filter(|s| !s.trim().is_empty()),
        window,
        today: None,
        sort,
        dir,
        paging: Paging::new(p.limit, p.offset),
    };
    if let Some(format) = format {
        let today = documents::today();
        let items = documents::export_certifications(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "certifications",
            documents::EXPORT_HEADERS,
            items
                .iter()
                .map(|c| documents::export_row(c, today))
                .collect(),
        ));
    }
    let page = documents::list_certifications(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page.items.into_iter().map(CertificationOut::from).collect(),
    }))
}
