//! `/ledger/import`: a plain-text journal (hledger, ledger, Beancount) uploaded and imported
//! by `steward_core::ledger::import::import_journal`, all or nothing, with a dry run.
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use steward_core::auth::Action;
use steward_core::ledger::import::{import_journal, BytesSource, ImportOutcome, ImportRequest};
use steward_core::ledger::service;
use steward_core::ledger::Journal;
use steward_core::Error;
use steward_io::journal::Format;

use super::{can, is_invalid, non_empty};
use crate::auth::PageActor;
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route(
        "/ledger/import",
        get(form::<S>)
            .post(import::<S>)
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::IMPORT_BODY_LIMIT,
            )),
    )
}

const FORMATS: [Format; 3] = [Format::Hledger, Format::Ledger, Format::Beancount];

#[derive(Template)]
#[template(path = "ledger/import.html")]
struct ImportPage {
    chrome: Chrome,
    formats: [Format; 3],
    journals: Vec<Journal>,
    format: String,
    journal: String,
    dry_run: bool,
    file_name: String,
    /// Problems of the file (`FILE:LINE: message`), or of the form.
    problems: Vec<String>,
    outcome: Option<ImportOutcome>,
}

impl ImportPage {
    fn is_format(&self, f: &Format) -> bool {
        self.format == f.name()
    }
}

async fn page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    mut p: ImportPage,
    status: StatusCode,
) -> Response {
    p.journals = service::journals(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    render(&p, status)
}

async fn blank<S: Backend>(state: &AppState<S>, pa: &PageActor) -> ImportPage {
    ImportPage {
        chrome: chrome(state, pa, "Import a journal", "/ledger/import").await,
        formats: FORMATS,
        journals: Vec::new(),
        format: Format::Hledger.name().into(),
        journal: String::new(),
        dry_run: true,
        file_name: String::new(),
        problems: Vec::new(),
        outcome: None,
    }
}

async fn form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !can(&pa.actor, Action::Import) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let p = blank(&state, &pa).await;
    page(&state, &pa, p, StatusCode::OK).await
}

async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if !can(&pa.actor, Action::Import) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let mut p = blank(&state, &pa).await;
    let upload = crate::forms::read_import_upload(mp).await;
    let (name, bytes, fields) = match upload {
        Ok(u) => u,
        Err(e) if is_invalid(&e) => {
            p.problems = vec![e.to_string()];
            return page(&state, &pa, p, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    p.format = get("format");
    p.journal = get("journal");
    p.dry_run = get("dry_run") == "1";
    p.file_name = name.clone();
    let Some(format) = Format::parse(&p.format) else {
        p.problems = vec!["format: choose hledger, ledger or Beancount".into()];
        return page(&state, &pa, p, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let req = ImportRequest {
        format,
        file_name: name,
        dry_run: p.dry_run,
        journal: non_empty(&p.journal),
    };
    let source = Arc::new(BytesSource(Arc::new(bytes)));
    match import_journal(&state.store, &pa.actor, &req, source, None).await {
        Ok(outcome) => {
            p.outcome = Some(outcome);
            page(&state, &pa, p, StatusCode::OK).await
        }
        Err(e) if is_invalid(&e) => {
            p.problems = e
                .field_errors()
                .into_iter()
                .map(|f| {
                    if f.field == "file" {
                        f.message
                    } else {
                        format!("{}: {}", f.field, f.message)
                    }
                })
                .collect();
            page(&state, &pa, p, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e @ Error::Conflict { .. }) => {
            p.problems = vec![e.to_string()];
            page(&state, &pa, p, StatusCode::CONFLICT).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
