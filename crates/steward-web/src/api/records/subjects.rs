//! `/api/v1/records/subjects…`: subjects (list with paging, sort, filters, search and a
//! CSV/XLSX export that is logged), one subject, its assignments, and its file: the records
//! (opening it is logged), notes, documents (multipart uploads checked by their content)
//! and their versions, and downloads (logged). A subject the caller may not open is 404.
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::records::file::{self, DocVersion, FileView, Item, ItemInput};
use steward_core::records::subjects::{
    self, Assignment, AssignmentInput, Subject, SubjectInput, SubjectQuery, SubjectSort, Via,
};
use steward_core::records::{self as records, ItemId, KindId, SubjectId, VersionId};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};

use crate::api::contract::sort_and_dir;
use crate::api::{created, json_body, ok, ListOf, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::forms::{download_response, read_api_upload, UPLOAD_BODY_LIMIT};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    let limit = || axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    r.routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(open_file))
        .routes(routes!(add_note))
        .routes(routes!(add_document).layer(limit()))
        .routes(routes!(add_version).layer(limit()))
        .routes(routes!(download))
        .routes(routes!(list_assignments, assign))
        .routes(routes!(unassign))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsSubjectOut {
    id: i64,
    kind_id: i64,
    kind: String,
    /// Unique in the company.
    reference: String,
    name: String,
    /// Custom field values by key.
    #[schema(value_type = Object)]
    custom: Map<String, Value>,
    owner_id: Option<i64>,
    owner: String,
    /// The day the relationship ended, if it did.
    ended_on: Option<String>,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339: when it was anonymized (its reference is then `ANON-<id>`, its name
    /// `Anonymized`).
    anonymized_at: Option<String>,
    version: i64,
}

impl From<Subject> for RecordsSubjectOut {
    fn from(s: Subject) -> Self {
        RecordsSubjectOut {
            id: s.id.0,
            kind_id: s.kind_id.0,
            kind: s.kind_name,
            reference: s.reference,
            name: s.name,
            custom: s.custom,
            owner_id: s.owner_id.map(|u| u.0),
            owner: s.owner_name,
            ended_on: s.ended_on.map(|d| d.to_string()),
            created_at: s.created_at.rfc3339(),
            anonymized_at: s.anonymized_at.map(|t| t.rfc3339()),
            version: s.version,
        }
    }
}

/// A new subject.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsNewSubjectIn {
    /// A kind of the company (422 on `kind_id` otherwise); fixed once made.
    #[schema(schema_with = crate::api::contract::id)]
    kind_id: i64,
    /// Unique in the company (422 on `reference`).
    #[schema(schema_with = crate::api::contract::line::<60, true>)]
    reference: String,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// A user of the company; absent: the caller.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    owner_id: Option<i64>,
    /// Values by key, checked against the kind's fields (422 on `custom.<key>`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    /// The day the relationship ended (`YYYY-MM-DD`; retention counted from its end starts
    /// then): empty clears it; absent or null: none (create), unchanged (update).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    ended_on: Option<String>,
}

/// A subject as written (an update; a new one adds `kind_id`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsSubjectIn {
    /// Unique in the company (422 on `reference`).
    #[schema(schema_with = crate::api::contract::line::<60, true>)]
    reference: String,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// A user of the company; absent: the caller (create), unchanged (update).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    owner_id: Option<i64>,
    /// Values by key, checked against the kind's fields (422 on `custom.<key>`). Absent:
    /// none on create, unchanged on update; given, it replaces them all.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    /// The day the relationship ended (`YYYY-MM-DD`; retention counted from its end starts
    /// then): empty clears it; absent or null: none (create), unchanged (update).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    ended_on: Option<String>,
    /// The version read (updates): a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

impl RecordsSubjectIn {
    fn input(self) -> (SubjectInput, Option<i64>) {
        (
            SubjectInput {
                kind_id: String::new(),
                reference: self.reference,
                name: self.name,
                owner_id: self.owner_id.map(|k| k.to_string()).unwrap_or_default(),
                custom: self.custom,
                ended_on: self.ended_on,
            },
            self.version,
        )
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectListParams {
    /// Part of the reference or name.
    q: Option<String>,
    /// Subjects of one kind.
    #[param(schema_with = crate::api::contract::id_param)]
    kind_id: Option<String>,
    /// Subjects of one owner.
    #[param(schema_with = crate::api::contract::id_param)]
    owner_id: Option<String>,
    /// `reference` (default), `name`, `kind` or `created`.
    #[param(schema_with = crate::api::contract::sort::<SubjectSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download (needs `records.export`; logged).
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn opt_id(field: &str, s: Option<&str>) -> Result<Option<i64>, Error> {
    match s.unwrap_or("").trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, "an id (a whole number from 1)")),
    }
}

/// The subjects the caller may see (their own, assigned to them, their roles or their
/// department, opened by break-glass; every one for a company-wide reader and the privacy
/// office). The download (`format`) needs `records.export` and is logged.
#[utoipa::path(get, path = "/api/v1/records/subjects", tag = "records", params(SubjectListParams),
    responses((status = 200, body = ListOf<RecordsSubjectOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<SubjectListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<SubjectSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        subjects::authorize_export(&a.actor).map_err(err)?;
    }
    let q = SubjectQuery {
        search: p.q.clone(),
        kind: opt_id("kind_id", p.kind_id.as_deref())
            .map_err(err)?
            .map(KindId),
        owner: opt_id("owner_id", p.owner_id.as_deref())
            .map_err(err)?
            .map(UserId),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = subjects::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        file::log_export(&state.store, &a.actor, page.items.len())
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "subjects",
            subjects::EXPORT_HEADERS,
            page.items.iter().map(subjects::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsSubjectOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new subject (anyone who may create records: its owner is the caller unless named).
#[utoipa::path(post, path = "/api/v1/records/subjects", tag = "records", request_body = RecordsNewSubjectIn,
    responses((status = 201, body = RecordsSubjectOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    if !(records::reader(&a.actor) && records::may(&a.actor, steward_core::auth::Action::Create)) {
        return Err(ApiError::new(Error::Forbidden, &a.request_id));
    }
    let b: RecordsNewSubjectIn = json_body(req, &state, Shape::Object).await?;
    let input = SubjectInput {
        kind_id: b.kind_id.to_string(),
        reference: b.reference,
        name: b.name,
        owner_id: b.owner_id.map(|k| k.to_string()).unwrap_or_default(),
        custom: b.custom,
        ended_on: b.ended_on,
    };
    let s = subjects::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsSubjectOut::from(s)))
}

/// One subject's header (whoever may open its file; the privacy office).
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = RecordsSubjectOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (s, _) = subjects::get(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsSubjectOut::from(s)))
}

/// Changes a subject (whoever may open its file and update records; the privacy office).
#[utoipa::path(put, path = "/api/v1/records/subjects/{id}", tag = "records", params(("id" = i64, Path)), request_body = RecordsSubjectIn,
    responses((status = 200, body = RecordsSubjectOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (_, access) = subjects::get(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(err)?;
    if !(access.manage || access.write) {
        return Err(err(Error::Forbidden));
    }
    let b: RecordsSubjectIn = json_body(req, &state, Shape::Object).await?;
    let (input, version) = b.input();
    let s = subjects::update(&state.store, &a.actor, SubjectId(id), &input, version)
        .await
        .map_err(err)?;
    Ok(ok(RecordsSubjectOut::from(s)))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsVersionOut {
    id: i64,
    number: i64,
    file_name: String,
    /// As sniffed from the bytes.
    content_type: String,
    size: i64,
    sha256: String,
    created_by: String,
    /// RFC 3339.
    created_at: String,
    download: String,
}

impl From<DocVersion> for RecordsVersionOut {
    fn from(v: DocVersion) -> Self {
        RecordsVersionOut {
            download: format!("/api/v1/records/versions/{}/download", v.id),
            id: v.id.0,
            number: v.number,
            file_name: v.file.name,
            content_type: v.file.content_type,
            size: v.file.size,
            sha256: v.file.sha256,
            created_by: v.created_by_name,
            created_at: v.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsItemOut {
    id: i64,
    subject_id: i64,
    category_id: i64,
    category: String,
    sensitive: bool,
    /// `note` or `document`.
    kind: String,
    title: String,
    /// A note's text.
    body: String,
    created_by: String,
    /// RFC 3339.
    created_at: String,
    /// When it was disposed of at the end of its retention period (its text and versions
    /// are gone; `/api/v1/records/disposals` keeps the tombstone).
    disposed_at: Option<String>,
    /// A document's versions, newest first.
    versions: Vec<RecordsVersionOut>,
    /// In a file: the purpose its category serves that has no consent in force for the
    /// subject (null: none needed, or consented).
    consent_missing: Option<String>,
}

impl From<Item> for RecordsItemOut {
    fn from(i: Item) -> Self {
        RecordsItemOut {
            id: i.id.0,
            subject_id: i.subject_id.0,
            category_id: i.category_id.0,
            category: i.category,
            sensitive: i.sensitive,
            kind: i.kind,
            title: i.title,
            body: i.body,
            created_by: i.created_by_name,
            created_at: i.created_at.rfc3339(),
            disposed_at: i.disposed_at.map(|t| t.rfc3339()),
            versions: i
                .versions
                .into_iter()
                .map(RecordsVersionOut::from)
                .collect(),
            consent_missing: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsFileOut {
    subject: RecordsSubjectOut,
    /// `company_wide`, `owner`, `assigned` or `break_glass`.
    access: String,
    /// Until when a break-glass opening lasts (RFC 3339), else null.
    break_glass_until: Option<String>,
    items: Vec<RecordsItemOut>,
    /// Records in sensitive categories left out (the caller lacks `records_sensitive`).
    hidden: usize,
    /// The subject's consents, newest given first.
    consents: Vec<super::consent::RecordsConsentOut>,
}

impl From<FileView> for RecordsFileOut {
    fn from(f: FileView) -> Self {
        let (access, until) = match f.access.via {
            Some(Via::CompanyWide) => ("company_wide", None),
            Some(Via::Owner) => ("owner", None),
            Some(Via::Assigned) => ("assigned", None),
            Some(Via::BreakGlass(t)) => ("break_glass", Some(t.rfc3339())),
            None => ("none", None),
        };
        RecordsFileOut {
            subject: RecordsSubjectOut::from(f.subject),
            access: access.into(),
            break_glass_until: until,
            items: f
                .items
                .into_iter()
                .map(|i| {
                    let missing = f.unconsented.get(&i.id).cloned();
                    RecordsItemOut {
                        consent_missing: missing,
                        ..RecordsItemOut::from(i)
                    }
                })
                .collect(),
            hidden: f.hidden,
            consents: f
                .consents
                .into_iter()
                .map(super::consent::RecordsConsentOut::from)
                .collect(),
        }
    }
}

/// Opens a subject's file: the records the caller may see. Logged (the access log and the
/// audit trail).
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/file", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = RecordsFileOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn open_file<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let f = file::open_file(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsFileOut::from(f)))
}

/// A note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsNoteIn {
    /// A category of the company (422 on `category_id` otherwise; a sensitive one needs
    /// `records_sensitive.update`).
    #[schema(schema_with = crate::api::contract::id)]
    category_id: i64,
    /// Absent: the text's first line.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    title: Option<String>,
    #[schema(schema_with = crate::api::contract::text::<20000, true>)]
    body: String,
}

/// Writes a note in a subject's file (whoever may open it and write records).
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/notes", tag = "records", params(("id" = i64, Path)), request_body = RecordsNoteIn,
    responses((status = 201, body = RecordsItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_note<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (_, access) = subjects::open(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(err)?;
    if !access.write {
        return Err(err(Error::Forbidden));
    }
    let b: RecordsNoteIn = json_body(req, &state, Shape::Object).await?;
    let input = ItemInput {
        category_id: b.category_id.to_string(),
        title: b.title.unwrap_or_default(),
        body: b.body,
    };
    let i = file::add_note(&state.store, &a.actor, SubjectId(id), &input)
        .await
        .map_err(err)?;
    Ok(created(RecordsItemOut::from(i)))
}

/// A document upload.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RecordsDocumentForm {
    /// The file: PDF, PNG, JPEG, GIF, WebP, plain text, CSV, DOCX, XLSX, ODT or ODS (judged
    /// by its content).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
    /// A category of the company.
    #[schema(pattern = "^[1-9][0-9]{0,17}$")]
    category_id: String,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    title: String,
}

/// Another version of a document.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RecordsVersionForm {
    /// The file (judged by its content).
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
}

/// Uploads a document into a subject's file (whoever may open it and write records). The
/// file is checked by its content; a bad file or field is 422 naming it, nothing written.
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/documents", tag = "records", params(("id" = i64, Path)),
    request_body(content = RecordsDocumentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = RecordsItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_document<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (_, access) = subjects::open(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(err)?;
    if !access.write {
        return Err(err(Error::Forbidden));
    }
    let (name, bytes, fields) = read_api_upload(mp, "file", &["category_id", "title"])
        .await
        .map_err(err)?;
    let input = ItemInput {
        category_id: crate::forms::field(&fields, "category_id"),
        title: crate::forms::field(&fields, "title"),
        body: String::new(),
    };
    let i = file::add_document(
        &state.store,
        &*state.files,
        &a.actor,
        SubjectId(id),
        &input,
        &name,
        &bytes,
    )
    .await
    .map_err(err)?;
    Ok(created(RecordsItemOut::from(i)))
}

/// Uploads a new version of a document; the older ones stay listed and downloadable.
#[utoipa::path(post, path = "/api/v1/records/items/{id}/versions", tag = "records", params(("id" = i64, Path)),
    request_body(content = RecordsVersionForm, content_type = "multipart/form-data"),
    responses((status = 201, body = RecordsItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_version<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (_, _, access) = file::item(&state.store, &a.actor, ItemId(id))
        .await
        .map_err(err)?;
    if !access.write {
        return Err(err(Error::Forbidden));
    }
    let (name, bytes, _) = read_api_upload(mp, "file", &[]).await.map_err(err)?;
    let i = file::add_version(
        &state.store,
        &*state.files,
        &a.actor,
        ItemId(id),
        &name,
        &bytes,
    )
    .await
    .map_err(err)?;
    Ok(created(RecordsItemOut::from(i)))
}

/// A version's bytes, as a download. Logged.
#[utoipa::path(get, path = "/api/v1/records/versions/{id}/download", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let d = file::download(&state.store, &*state.files, &a.actor, VersionId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(download_response(d))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsAssignmentOut {
    id: i64,
    subject_id: i64,
    /// `user`, `role` or `department`.
    what: String,
    user_id: Option<i64>,
    role_key: Option<String>,
    department_id: Option<i64>,
    label: String,
}

impl From<Assignment> for RecordsAssignmentOut {
    fn from(a: Assignment) -> Self {
        RecordsAssignmentOut {
            what: a.what().into(),
            id: a.id,
            subject_id: a.subject_id.0,
            user_id: a.user_id.map(|u| u.0),
            role_key: a.role_key,
            department_id: a.department_id.map(|d| d.0),
            label: a.label,
        }
    }
}

/// Who to assign: exactly one of the three (422 on `assignee` otherwise; one that does not
/// exist is 422 on its field; one assigned already is 422 on `assignee`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsAssignmentIn {
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    user_id: Option<i64>,
    /// A role's key (`employee`, or one of the company's roles).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<60>)]
    role_key: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    department_id: Option<i64>,
}

/// Who is assigned to a subject (whoever sees it).
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/assignments", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RecordsAssignmentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_assignments<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = subjects::assignments(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsAssignmentOut::from)
        .collect::<Vec<_>>()))
}

/// Assigns a user, a role or a department to a subject (the privacy office).
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/assignments", tag = "records", params(("id" = i64, Path)), request_body = RecordsAssignmentIn,
    responses((status = 201, body = RecordsAssignmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsAssignmentIn = json_body(req, &state, Shape::Object).await?;
    let input = AssignmentInput {
        user_id: b.user_id.map(|x| x.to_string()).unwrap_or_default(),
        role_key: b.role_key.unwrap_or_default(),
        department_id: b.department_id.map(|x| x.to_string()).unwrap_or_default(),
    };
    let x = subjects::assign(&state.store, &a.actor, SubjectId(id), &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsAssignmentOut::from(x)))
}

/// Ends an assignment (the privacy office).
#[utoipa::path(delete, path = "/api/v1/records/assignments/{id}", tag = "records", params(("id" = i64, Path)),
    responses((status = 204, description = "Ended"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unassign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    subjects::unassign(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
