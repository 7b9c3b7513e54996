//! The one page for importing a table (users, customers and vendors): a CSV or XLSX upload,
//! an optional column mapping (`map.<field>`), a dry run or the import itself (all rows or
//! none), and the report listing every problem by line and column. Each importer passes its
//! words and its core import function; the file is never kept between requests.
use askama::Template;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use std::future::Future;
use steward_core::import::ImportReport;
use steward_core::Error;

use super::{fail, render, Chrome};
use crate::auth::PageActor;
use crate::state::{AppState, Backend};

/// What an importer says about itself on the page.
pub struct Importer {
    /// "Import users".
    pub title: &'static str,
    /// "users": what a run creates.
    pub noun: &'static str,
    /// Where the form posts (`/users/import`).
    pub action: &'static str,
    /// The list the page belongs to (`/users`).
    pub back: &'static str,
    /// A template file with the columns and an example row, if there is one.
    pub template: Option<&'static str>,
    pub columns: &'static [&'static str],
    /// How the columns are filled in.
    pub note: &'static str,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    chrome: Chrome,
    i: Importer,
    report: Option<ImportReport>,
    error: Option<String>,
    file_name: String,
}

/// The empty form.
pub fn form(chrome: Chrome, i: Importer) -> Response {
    render(
        &ImportPage {
            chrome,
            i,
            report: None,
            error: None,
            file_name: String::new(),
        },
        StatusCode::OK,
    )
}

/// Reads the upload (the caller authorized before), parses the table on a blocking thread
/// and runs `import(file name, table, mapping, dry run)`; the page shows the report (422
/// with problems) or what was wrong with the upload itself.
pub async fn upload<S, F, Fut>(
    state: &AppState<S>,
    pa: &PageActor,
    chrome: Chrome,
    i: Importer,
    mp: Multipart,
    import: F,
) -> Response
where
    S: Backend,
    F: FnOnce(String, steward_io::Table, Vec<(String, String)>, bool) -> Fut,
    Fut: Future<Output = Result<ImportReport, Error>>,
{
    let result = async {
        let (name, bytes, fields) = crate::forms::read_import_upload(mp).await?;
        // Anything but the explicit "Import" choice only checks: the safe side.
        let dry_run = !fields.iter().any(|(k, v)| k == "mode" && v == "commit");
        let table = crate::forms::parse_table(&name, bytes).await?;
        let mapping = crate::forms::column_mapping(&fields);
        let report = import(name.clone(), table, mapping, dry_run).await?;
        Ok::<_, Error>((name, report))
    }
    .await;
    let (report, error, file_name, status) = match result {
        Ok((name, r)) => {
            let status = crate::pages::form_status(!r.problems.is_empty());
            (Some(r), None, name, status)
        }
        Err(Error::TooLarge { limit }) => (
            None,
            Some(format!(
                "file: is too large; an import file may be at most {} MB",
                limit / (1024 * 1024)
            )),
            String::new(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => (
            None,
            Some(
                e.field_errors()
                    .into_iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return fail(state, pa, e).await,
    };
    render(
        &ImportPage {
            chrome,
            i,
            report,
            error,
            file_name,
        },
        status,
    )
}
