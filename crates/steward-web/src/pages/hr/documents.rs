//! Employee documents and certifications: an employee's documents and certifications
//! (`/hr/employees/{id}/documents`: list, upload, add a certification), a document's page
//! (`/hr/documents/{id}`, every view audited), its download (audited), removal, and the
//! company list of certifications expiring soon (`/hr/certifications`, CSV/XLSX export).
//! Every handler goes through `steward_core::hr::documents`, which authorizes.
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::hr::documents::{
    self, CertQuery, CertSort, CertWindow, Certification, CertificationId, CertificationInput,
    DocAccess, Document, DocumentInput, CATEGORIES,
};
use steward_core::hr::EmployeeRef;
use steward_core::ids::{DocumentId, EmployeeId};
use steward_core::list::SortKey;
use steward_core::Error;

use crate::auth::PageActor;
use crate::forms::{download_response, read_multipart, too_large_on, UPLOAD_BODY_LIMIT};
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/hr/employees/{id}/documents",
            get(employee_page::<S>)
                .post(upload::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/hr/employees/{id}/certifications",
            post(add_certification::<S>),
        )
        .route("/hr/documents/{id}", get(show::<S>))
        .route("/hr/documents/{id}/download", get(download::<S>))
        .route("/hr/documents/{id}/remove", post(remove::<S>))
        .route("/hr/certifications", get(certifications::<S>))
        .route(
            "/hr/certifications/{id}/remove",
            post(remove_certification::<S>),
        )
}

/// A document as a row.
pub struct DocRow {
    pub d: Document,
    pub state_label: &'static str,
    pub badge: &'static str,
    pub expires: String,
}

impl DocRow {
    fn new(d: Document, today: chrono::NaiveDate) -> DocRow {
        let s = d.state(today);
        DocRow {
            state_label: s.label(),
            badge: s.badge(),
            expires: d.expires.map(|x| x.to_string()).unwrap_or_default(),
            d,
        }
    }
}

pub struct CertRow {
    pub c: Certification,
    pub state_label: &'static str,
    pub badge: &'static str,
    pub issued: String,
    pub expires: String,
}

impl CertRow {
    fn new(c: Certification, today: chrono::NaiveDate) -> CertRow {
        let s = c.state(today);
        CertRow {
            state_label: s.label(),
            badge: s.badge(),
            issued: c.issued.map(|x| x.to_string()).unwrap_or_default(),
            expires: c.expires.map(|x| x.to_string()).unwrap_or_default(),
            c,
        }
    }
}

#[derive(Template)]
#[template(path = "hr/document_employee.html")]
struct EmployeePage {
    chrome: Chrome,
    employee: EmployeeRef,
    access: DocAccess,
    documents: Vec<DocRow>,
    certifications: Vec<CertRow>,
    categories: &'static [(&'static str, &'static str)],
    accept: &'static str,
    max_mb: usize,
    errors: Vec<FieldError>,
    typed: Vec<(String, String)>,
}

impl EmployeePage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn typed(&self, k: &str) -> String {
        field(&self.typed, k)
    }
}

async fn employee_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: EmployeeId,
    errors: Vec<FieldError>,
    typed: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let files = match documents::employee_files(store, actor, id).await {
        Ok(x) => x,
        Err(e) => return fail(state, pa, e).await,
    };
    let today = documents::today();
    let documents::EmployeeFiles {
        employee,
        access,
        documents: docs,
        certifications: certs,
    } = files;
    let page = EmployeePage {
        chrome: chrome(
            state,
            pa,
            &format!("Documents of {}", employee.name),
            "/hr/employees",
        )
        .await,
        employee,
        access,
        documents: docs.into_iter().map(|d| DocRow::new(d, today)).collect(),
        certifications: certs.into_iter().map(|c| CertRow::new(c, today)).collect(),
        categories: CATEGORIES,
        accept: steward_core::files::ACCEPT,
        max_mb: steward_core::files::MAX_FILE_BYTES / (1024 * 1024),
        errors,
        typed,
    };
    render(&page, status)
}

async fn employee_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    employee_view(
        &state,
        &pa,
        EmployeeId(id),
        Vec::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn upload<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read.
    match documents::employee_access(&state.store, &pa.actor, EmployeeId(id)).await {
        Ok((_, access)) if access.edit => {}
        Ok(_) => return fail(&state, &pa, Error::Forbidden).await,
        Err(e) => return fail(&state, &pa, e).await,
    }
    let mut typed = Vec::new();
    let result = async {
        let (name, bytes, fields) = read_multipart(mp, "file")
            .await
            .map_err(|e| too_large_on("file", e))?;
        typed = fields.clone();
        let input = DocumentInput {
            category: field(&fields, "category"),
            title: field(&fields, "title"),
            expires: field(&fields, "expires"),
        };
        documents::upload_document(
            &state.store,
            &*state.files,
            &pa.actor,
            EmployeeId(id),
            &input,
            &name,
            &bytes,
        )
        .await
    }
    .await;
    match result {
        Ok(d) => redirect_with(
            &format!("/hr/employees/{id}/documents"),
            &format!("Uploaded “{}”.", d.title),
        ),
        Err(e) if is_invalid(&e) => {
            employee_view(
                &state,
                &pa,
                EmployeeId(id),
                e.field_errors(),
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn add_certification<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = CertificationInput {
        name: field(&pairs, "name"),
        issuer: field(&pairs, "issuer"),
        issued: field(&pairs, "issued"),
        expires: field(&pairs, "cert_expires"),
        document_id: field(&pairs, "document_id"),
    };
    match documents::add_certification(&state.store, &pa.actor, EmployeeId(id), &input).await {
        Ok(c) => redirect_with(
            &format!("/hr/employees/{id}/documents#certifications"),
            &format!("Added “{}”.", c.name),
        ),
        Err(e) if is_invalid(&e) => {
            // The form's expiry field is `cert_expires` (the upload form has `expires`).
            let errors = e
                .field_errors()
                .into_iter()
                .map(|f| FieldError {
                    field: if f.field == "expires" {
                        "cert_expires".into()
                    } else {
                        f.field
                    },
                    message: f.message,
                })
                .collect();
            employee_view(
                &state,
                &pa,
                EmployeeId(id),
                errors,
                pairs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "hr/document_show.html")]
struct ShowPage {
    chrome: Chrome,
    row: DocRow,
    access: DocAccess,
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match documents::view_document(&state.store, &pa.actor, DocumentId(id)).await {
        Ok((d, access)) => {
            let page = ShowPage {
                chrome: chrome(&state, &pa, &d.title, "/hr/employees").await,
                row: DocRow::new(d, documents::today()),
                access,
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match documents::download_document(&state.store, &*state.files, &pa.actor, DocumentId(id)).await
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
    match documents::remove_document(&state.store, &pa.actor, DocumentId(id)).await {
        Ok(d) => redirect_with(
            &format!("/hr/employees/{}/documents", d.employee_id),
            &format!("Removed “{}”.", d.title),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove_certification<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match documents::remove_certification(&state.store, &pa.actor, CertificationId(id)).await {
        Ok(c) => redirect_with(
            &format!("/hr/employees/{}/documents#certifications", c.employee_id),
            &format!("Removed “{}”.", c.name),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- the company list

const COLUMNS: &[Column] = &[
    col("employee", "Employee", true),
    col("name", "Certification", true),
    col("issuer", "Issuer", false),
    col("issued", "Issued", true),
    col("expires", "Expires", true),
    col("state", "State", false),
];

#[derive(Template)]
#[template(path = "hr/certification_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<CertRow>,
    windows: Vec<(&'static str, &'static str)>,
    window: &'static str,
}

pub fn query_from(params: &ListParams) -> CertQuery {
    let (sort, dir) = params.sort::<CertSort>();
    CertQuery {
        search: params.search(),
        window: params
            .get("window")
            .and_then(CertWindow::parse)
            .unwrap_or_default(),
        today: None,
        sort,
        dir,
        paging: params.paging(),
    }
}

async fn certifications<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = query_from(&params);
    let today = documents::today();
    if let Some(format) = params.export_format() {
        return match documents::export_certifications(&state.store, &pa.actor, &q).await {
            Ok(items) => export(
                format,
                "certifications",
                documents::EXPORT_HEADERS,
                items
                    .iter()
                    .map(|c| documents::export_row(c, today))
                    .collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let page = match documents::list_certifications(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let list = ListView::new(
        "/hr/certifications",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let window = CertWindow::ALL
        .iter()
        .find(|(_, _, w)| *w == q.window)
        .map(|(k, _, _)| *k)
        .unwrap_or("soon");
    let p = ListPage {
        chrome: chrome(&state, &pa, "Certifications", "/hr/employees").await,
        list,
        rows: page
            .items
            .into_iter()
            .map(|c| CertRow::new(c, today))
            .collect(),
        windows: CertWindow::ALL.iter().map(|(k, l, _)| (*k, *l)).collect(),
        window,
    };
    render(&p, StatusCode::OK)
}
