//! `/hr/employees/import`: employees from an uploaded CSV or XLSX file through
//! `steward_core::hr::employees::import_employees` (the function behind
//! `POST /api/v1/hr/employees/import`), all rows or none, with a dry run that lists every
//! problem by line and column; and `/hr/employees/import/template.csv`, the columns with an
//! example row. The file is never kept between requests: after a clean dry run the page
//! asks for it again.
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::hr::employees::{self, ImportReport, IMPORT_COLUMNS, IMPORT_EXAMPLE};
use steward_core::hr::EMPLOYMENT_TYPES;
use steward_core::Error;
use steward_io::TableFormat;

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, is_invalid, parse_table, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/hr/employees/import",
            get(form::<S>)
                .post(upload::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/hr/employees/import/template.csv", get(template::<S>))
}

/// A column of the import file as the page explains it.
pub struct ColumnHelp {
    pub name: &'static str,
    pub required: bool,
    pub hint: String,
}

fn columns() -> Vec<ColumnHelp> {
    IMPORT_COLUMNS
        .iter()
        .map(|&name| {
            let hint = match name {
                "employee_number" => "unique in the company".to_string(),
                "department" => "the name or code of a department on record".into(),
                "manager_number" => {
                    "the manager's employee number, in this file or on record".into()
                }
                "location" => "the name of a location on record".into(),
                "employment_type" => format!("one of {}", EMPLOYMENT_TYPES.join(", ")),
                "fte" => "0.001 to 1, e.g. 0.8 (default 1)".into(),
                "start_date" | "probation_end" | "end_date" => "YYYY-MM-DD".into(),
                _ => String::new(),
            };
            ColumnHelp {
                name,
                required: matches!(name, "employee_number" | "legal_name" | "start_date"),
                hint,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hr/employee_import.html")]
struct ImportPage {
    chrome: Chrome,
    columns: Vec<ColumnHelp>,
    max_mb: usize,
    file_name: String,
    /// A problem with the upload itself (no file, unreadable, too large).
    error: Option<String>,
    report: Option<ImportReport>,
}

async fn page<S: Backend>(state: &AppState<S>, pa: &PageActor) -> ImportPage {
    ImportPage {
        chrome: chrome(state, pa, "Import employees", "/hr/employees").await,
        columns: columns(),
        max_mb: crate::IMPORT_BODY_LIMIT / (1024 * 1024),
        file_name: String::new(),
        error: None,
        report: None,
    }
}

async fn form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !employees::can_import(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    render(&page(&state, &pa).await, StatusCode::OK)
}

/// The header row and an example row; only for those who may import (deny by default,
/// though it holds nothing of the company's).
async fn template<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !employees::can_import(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    crate::list::export(
        TableFormat::Csv,
        "employees-import-template",
        IMPORT_COLUMNS,
        vec![IMPORT_EXAMPLE.iter().map(|s| s.to_string()).collect()],
    )
}

async fn upload<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if !employees::can_import(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let mut p = page(&state, &pa).await;
    let result = async {
        let (name, bytes, fields) = crate::forms::read_import_upload(mp).await?;
        p.file_name = name.clone();
        // Anything but the explicit "Import" button only checks: the safe side.
        let dry_run = field(&fields, "mode") != "import";
        let table = parse_table(&name, bytes).await?;
        let rows: Vec<(usize, Vec<String>)> =
            table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
        employees::import_employees(&state.store, &pa.actor, &table.headers, &rows, dry_run).await
    }
    .await;
    let status = match result {
        Ok(report) => {
            let status = crate::pages::form_status(!report.errors.is_empty());
            if !report.dry_run && report.errors.is_empty() {
                state.recheck_health(pa.actor.company_id, None);
            }
            p.report = Some(report);
            status
        }
        Err(Error::TooLarge { .. }) => {
            p.error = Some(format!(
                "file: is too large; an import file may be at most {} MB",
                p.max_mb
            ));
            StatusCode::PAYLOAD_TOO_LARGE
        }
        Err(e) if is_invalid(&e) => {
            p.error = Some(
                e.field_errors()
                    .into_iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(&p, status)
}
