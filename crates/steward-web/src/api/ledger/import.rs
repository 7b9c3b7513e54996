//! Journal import (hledger, ledger, Beancount).
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::response::Response;
use serde::Serialize;
use std::sync::Arc;
use steward_core::ledger::import::{self, BytesSource, ImportRequest};
use steward_core::ledger::service;
use steward_core::Error;
use steward_io::journal::Format;
use utoipa::ToSchema;

use crate::api::ok;
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

// ---------------------------------------------------------------- journal import

#[derive(Serialize, ToSchema)]
pub struct JournalImportOut {
    dry_run: bool,
    /// Transactions read (and, unless a dry run, posted).
    transactions: u64,
    postings: u64,
    /// Accounts and commodities the import creates (or would create).
    accounts_created: Vec<String>,
    commodities_created: Vec<String>,
    /// Price directives turned into rates.
    rates: u64,
    first_date: Option<String>,
    last_date: Option<String>,
    /// SHA-256 of the file, recorded with the import.
    sha256: String,
}

/// The multipart form of a journal import (documentation of the fields).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct JournalImportForm {
    /// The journal file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `hledger`, `ledger` or `beancount` (`steward_io::journal::Format::parse`, any case).
    /// The server also guesses it from the file name (`.journal`, `.hledger`, `.ledger`,
    /// `.beancount`, `.bean`) when it is absent; a client should say.
    #[schema(schema_with = format_word)]
    format: String,
    /// `true`: check everything (balances, assertions, closed periods) and write nothing.
    dry_run: Option<bool>,
    /// Journal code for the entries; the general journal when absent.
    journal: Option<String>,
}

/// The words `steward_io::journal::Format::parse` reads.
fn format_word() -> utoipa::openapi::schema::Object {
    crate::api::contract::trimmed_word(&["hledger", "journal", "ledger", "beancount", "bean"])
}

fn guess_format(file_name: &str) -> Option<Format> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e)?;
    match ext.to_ascii_lowercase().as_str() {
        "journal" | "hledger" | "j" => Some(Format::Hledger),
        "ledger" | "dat" => Some(Format::Ledger),
        "beancount" | "bean" => Some(Format::Beancount),
        _ => None,
    }
}

/// Imports a plain-text journal (hledger, ledger or Beancount), all or nothing: every
/// transaction must balance, every balance assertion hold, no date fall into a closed
/// month. Problems are a 422 naming `file` with `FILE:LINE: what is wrong`. Missing
/// accounts and commodities are created.
#[utoipa::path(post, path = "/api/v1/ledger/import", tag = "ledger",
    request_body(content = JournalImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = JournalImportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import_journal<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before 50 MB are read.
    service::may_import(&a.actor).map_err(err)?;
    let (name, bytes, fields) = crate::forms::read_api_upload_up_to(
        mp,
        "file",
        &["format", "dry_run", "journal"],
        crate::IMPORT_BODY_LIMIT,
        crate::IMPORT_BODY_LIMIT,
    )
    .await
    .map_err(err)?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let format = match field("format") {
        Some(f) => Format::parse(&f)
            .ok_or_else(|| err(Error::invalid("format", "hledger, ledger or beancount")))?,
        None => guess_format(&name).ok_or_else(|| {
            err(Error::invalid(
                "format",
                "say which: hledger, ledger or beancount",
            ))
        })?,
    };
    let req = ImportRequest {
        format,
        file_name: name,
        dry_run: crate::forms::api_bool(&fields, "dry_run", false).map_err(err)?,
        journal: field("journal"),
    };
    let out = import::import_journal(
        &state.store,
        &a.actor,
        &req,
        Arc::new(BytesSource(Arc::new(bytes))),
        None,
    )
    .await
    .map_err(err)?;
    Ok(ok(JournalImportOut {
        dry_run: out.dry_run,
        transactions: out.transactions,
        postings: out.postings,
        accounts_created: out.accounts_created,
        commodities_created: out.commodities_created,
        rates: out.rates,
        first_date: out.first_date.map(|d| d.to_string()),
        last_date: out.last_date.map(|d| d.to_string()),
        sha256: out.sha256,
    }))
}
