//! What every table import of the API shares (users, customers and vendors): the body is a
//! CSV (`text/csv`) or XLSX file read up to the import limit after the caller authorized,
//! `?dry_run=true` only checks, `map.<field>=<header>` maps a column by hand, and the answer
//! is the report (422 while it lists problems).
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::future::Future;
use steward_core::import::ImportReport;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ImportProblemOut {
    line: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportOut {
    dry_run: bool,
    rows: usize,
    created: usize,
    problems: Vec<ImportProblemOut>,
}

impl From<ImportReport> for ImportReportOut {
    fn from(r: ImportReport) -> Self {
        ImportReportOut {
            dry_run: r.dry_run,
            rows: r.rows,
            created: r.created,
            problems: r
                .problems
                .into_iter()
                .map(|p| ImportProblemOut {
                    line: p.line,
                    column: p.column,
                    message: p.message,
                })
                .collect(),
        }
    }
}

/// Reads the table in `req`'s body (the caller authorized first) and runs `import(file
/// name, table, mapping)`; the mapping comes from the query's `map.` pairs.
pub async fn run<F, Fut>(
    req: Request,
    pairs: &[(String, String)],
    import: F,
) -> Result<Response, Error>
where
    F: FnOnce(&'static str, steward_io::Table, Vec<(String, String)>) -> Fut,
    Fut: Future<Output = Result<ImportReport, Error>>,
{
    let mapping = crate::forms::column_mapping(pairs);
    let name = match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if ct.contains("spreadsheetml") => "upload.xlsx",
        _ => "upload.csv",
    };
    let bytes = axum::body::to_bytes(req.into_body(), crate::IMPORT_BODY_LIMIT)
        .await
        .map_err(|_| Error::TooLarge {
            limit: crate::IMPORT_BODY_LIMIT as u64,
        })?;
    let table = crate::forms::parse_table(name, bytes).await?;
    let report = import(name, table, mapping).await?;
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, axum::Json(ImportReportOut::from(report))).into_response())
}
