//! `/api/v1/bank/accounts/{id}/statements` (upload), `/api/v1/bank/statements` (the
//! statements, one with its lines) and `/api/v1/bank/mappings` (saved CSV mappings).
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::bank::import::{self, ImportReport, SavedMapping};
use steward_core::bank::statements::{
    self, BankLine, BankStatement, LineQuery, LineSort, StatementQuery, StatementSort,
};
use steward_core::bank::CsvMapping;
use steward_core::ids::{BankAccountId, MappingId, StatementId};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

use super::BalanceOut;
use crate::api::contract::{parse_date_param, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

// ---------------------------------------------------------------- upload

/// The multipart form of a statement upload (documentation of the parts).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BankStatementUpload {
    /// The statement file: OFX (1.x or 2.x), CAMT.053, or CSV read with `mapping`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `csv`, `ofx` or `camt053`; absent or empty to tell OFX and CAMT.053 by the content
    /// (anything else is read as CSV).
    #[schema(schema_with = crate::api::contract::bank_format)]
    format: Option<String>,
    /// The name of a saved CSV mapping (CSV only).
    #[schema(schema_with = crate::api::contract::opt_line::<100>)]
    mapping: Option<String>,
    /// `true`: check everything and write nothing.
    dry_run: Option<bool>,
}

/// What an import did, or on a dry run would do.
#[derive(Serialize, ToSchema)]
pub struct BankImportOut {
    dry_run: bool,
    account_id: i64,
    /// The statement written; null on a dry run or when every line was imported before.
    statement_id: Option<i64>,
    /// `csv`, `ofx` or `camt053`.
    format: String,
    /// SHA-256 of the file, recorded with the import.
    sha256: String,
    currency: String,
    /// Lines in the file.
    lines: u64,
    /// Lines written (or that would be).
    new_lines: u64,
    /// Lines imported before, skipped.
    duplicates: u64,
    first_date: Option<String>,
    last_date: Option<String>,
    opening: Option<BalanceOut>,
    closing: Option<BalanceOut>,
    /// The previous statement's closing balance the opening was compared with.
    previous_closing: Option<BalanceOut>,
    /// `false` when the opening balance does not follow the previous statement's closing;
    /// null when there is nothing to compare.
    continuity: Option<bool>,
    /// Whether opening + lines = closing; null when a balance is missing.
    balances_add_up: Option<bool>,
    /// The report in words, one fact a line.
    summary: Vec<String>,
}

impl From<ImportReport> for BankImportOut {
    fn from(r: ImportReport) -> Self {
        BankImportOut {
            summary: r.summary(),
            dry_run: r.dry_run,
            account_id: r.account_id.0,
            statement_id: r.statement.map(|s| s.0),
            format: r.format.to_string(),
            sha256: r.sha256,
            lines: r.lines,
            new_lines: r.new_lines,
            duplicates: r.duplicates,
            first_date: r.first_date.map(|d| d.to_string()),
            last_date: r.last_date.map(|d| d.to_string()),
            opening: BalanceOut::of(r.opening, &r.currency),
            closing: BalanceOut::of(r.closing, &r.currency),
            previous_closing: BalanceOut::of(r.previous_closing, &r.currency),
            continuity: r.continuity,
            balances_add_up: r.balances_add_up,
            currency: r.currency,
        }
    }
}

/// Imports a bank statement into the account (`accounting.import`), all or nothing. Lines
/// imported before (same identity) are skipped, so uploading a statement again adds
/// nothing. A file that cannot be read is 422 on `file` with `line N, column C: what is
/// wrong`. The opening balance is compared with the previous statement's closing.
#[utoipa::path(post, path = "/api/v1/bank/accounts/{id}/statements", tag = "bank", params(("id" = i64, Path)),
    request_body(content = BankStatementUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = BankImportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before the file is read.
    steward_core::bank::may_import(&a.actor).map_err(err)?;
    let (_name, bytes, fields) = crate::forms::read_api_upload_up_to(
        mp,
        "file",
        &["format", "mapping", "dry_run"],
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
        Some(f) => Some(
            import::parse_format(&f)
                .ok_or_else(|| err(Error::invalid("format", "`csv`, `ofx` or `camt053`")))?,
        ),
        None => None,
    };
    let dry_run = crate::forms::api_bool(&fields, "dry_run", false).map_err(err)?;
    let mapping = field("mapping");
    let report = import::import_statement(
        &state.store,
        &a.actor,
        BankAccountId(id),
        bytes,
        format,
        mapping.as_deref(),
        dry_run,
    )
    .await
    .map_err(err)?;
    Ok(ok(BankImportOut::from(report)))
}

// ---------------------------------------------------------------- statements

#[derive(Serialize, ToSchema)]
pub struct BankStatementOut {
    id: i64,
    account_id: i64,
    account: String,
    currency: String,
    /// `csv`, `ofx` or `camt053`.
    format: String,
    sha256: String,
    /// The bank's id of the statement (CAMT.053).
    statement_id: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    opening: Option<BalanceOut>,
    closing: Option<BalanceOut>,
    /// Lines in the file.
    line_count: i64,
    /// Lines imported before, skipped.
    duplicate_count: i64,
    /// False when the opening balance did not follow the previous statement's closing.
    continuity: bool,
    imported_by: Option<i64>,
    /// RFC 3339.
    imported_at: String,
}

impl From<BankStatement> for BankStatementOut {
    fn from(s: BankStatement) -> Self {
        BankStatementOut {
            id: s.id.0,
            account_id: s.account_id.0,
            opening: BalanceOut::of(s.opening, &s.currency),
            closing: BalanceOut::of(s.closing, &s.currency),
            account: s.account_name,
            currency: s.currency,
            format: s.format,
            sha256: s.sha256,
            statement_id: s.statement_id,
            start_date: s.start_date.map(|d| d.to_string()),
            end_date: s.end_date.map(|d| d.to_string()),
            line_count: s.line_count,
            duplicate_count: s.duplicate_count,
            continuity: s.continuity,
            imported_by: s.imported_by.map(|u| u.0),
            imported_at: s.imported_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BankLineOut {
    id: i64,
    statement_id: i64,
    booking_date: String,
    value_date: Option<String>,
    /// Signed: money in is positive.
    amount: String,
    amount_minor: i64,
    currency: String,
    bank_ref: Option<String>,
    end_to_end_id: Option<String>,
    reference: Option<String>,
    counterparty_name: Option<String>,
    counterparty_iban: Option<String>,
    description: String,
    /// `unmatched` until reconciled.
    status: String,
    /// The line of the uploaded file it was read from.
    source_line: i64,
}

impl From<BankLine> for BankLineOut {
    fn from(l: BankLine) -> Self {
        BankLineOut {
            id: l.id.0,
            statement_id: l.statement_id.0,
            booking_date: l.booking_date.to_string(),
            value_date: l.value_date.map(|d| d.to_string()),
            amount: l.amount(),
            amount_minor: l.amount_minor,
            status: l.status.as_str().to_string(),
            currency: l.currency,
            bank_ref: l.bank_ref,
            end_to_end_id: l.end_to_end_id,
            reference: l.reference,
            counterparty_name: l.counterparty_name,
            counterparty_iban: l.counterparty_iban,
            description: l.description,
            source_line: l.source_line,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankStatementListParams {
    /// Statements of one bank account.
    #[param(schema_with = crate::api::contract::id_param)]
    account_id: Option<String>,
    /// Statements that end on or after (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Statements that start on or before.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `imported` (default) or `end_date`.
    #[param(schema_with = crate::api::contract::sort::<StatementSort>)]
    sort: Option<String>,
    /// `asc` or `desc` (default).
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn account_param(v: Option<&str>) -> Result<Option<BankAccountId>, Error> {
    match v.unwrap_or("").trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(|i| Some(BankAccountId(i)))
            .ok_or_else(|| Error::invalid("account_id", "a bank account's id")),
    }
}

/// Imported statements, newest first.
#[utoipa::path(get, path = "/api/v1/bank/statements", tag = "bank", params(BankStatementListParams),
    responses((status = 200, body = ListOf<BankStatementOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<BankStatementListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) = crate::api::contract::parse_sort::<StatementSort>(p.sort.as_deref())
        .and_then(|s| {
            crate::api::contract::parse_dir(p.dir.as_deref(), steward_core::list::SortDir::Desc)
                .map(|d| (s, d))
        })
        .map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    if export.is_some() {
        statements::authorize_export(&a.actor).map_err(err)?;
    }
    let q = StatementQuery {
        account: account_param(p.account_id.as_deref()).map_err(err)?,
        from: parse_date_param("from", p.from.as_deref()).map_err(err)?,
        to: parse_date_param("to", p.to.as_deref()).map_err(err)?,
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = statements::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "bank-statements",
            statements::STATEMENT_HEADERS,
            page.items.iter().map(statements::statement_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(BankStatementOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A statement with a page of its lines.
#[derive(Serialize, ToSchema)]
pub struct BankStatementDetailOut {
    statement: BankStatementOut,
    lines: Vec<BankLineOut>,
    /// All of the statement's lines that match the filter.
    lines_total: u64,
    limit: u32,
    offset: u64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankLineParams {
    /// Lines of this status only.
    #[param(schema_with = crate::api::contract::bank_line_status_filter)]
    status: Option<String>,
    /// Booked on or after (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Booked on or before.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `date` (default) or `amount`.
    #[param(schema_with = crate::api::contract::sort::<LineSort>)]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

/// One statement with its lines (filtered by status and booking date, sorted, paged).
#[utoipa::path(get, path = "/api/v1/bank/statements/{id}", tag = "bank", params(("id" = i64, Path), BankLineParams),
    responses((status = 200, body = BankStatementDetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<BankLineParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let s = statements::get(&state.store, &a.actor, StatementId(id))
        .await
        .map_err(err)?;
    let (sort, dir) = sort_and_dir::<LineSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let status = match p.status.as_deref().unwrap_or("") {
        "" => None,
        v => Some(
            statements::LineStatus::parse(v)
                .ok_or_else(|| err(Error::invalid("status", "`unmatched` or `matched`")))?,
        ),
    };
    let q = LineQuery {
        statement: Some(s.id),
        status,
        from: parse_date_param("from", p.from.as_deref()).map_err(err)?,
        to: parse_date_param("to", p.to.as_deref()).map_err(err)?,
        sort,
        dir,
        paging: Paging::new(p.limit, p.offset),
        ..Default::default()
    };
    let page = statements::lines(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(BankStatementDetailOut {
        statement: BankStatementOut::from(s),
        lines: page.items.into_iter().map(BankLineOut::from).collect(),
        lines_total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

// ---------------------------------------------------------------- mappings

/// Where a bank's CSV export keeps what (`steward_io::bank::CsvMapping`). Columns are
/// named by their header text.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvMappingBody {
    /// The booking date's column.
    #[schema(schema_with = crate::api::contract::csv_column)]
    date: String,
    /// The date format as chrono writes it: `%d.%m.%Y`, `%Y-%m-%d`, `%m/%d/%Y`.
    #[schema(schema_with = crate::api::contract::line::<50, true>)]
    date_format: String,
    /// One signed amount column (money in positive)...
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    amount: Option<String>,
    /// ...or a debit column (money out)...
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    debit: Option<String>,
    /// ...and a credit column (money in).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    credit: Option<String>,
    /// The description: these columns' cells joined with a space.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::csv_columns)]
    description: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    reference: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    counterparty_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    counterparty_iban: Option<String>,
    /// The bank's own reference of the transaction (makes re-imports exact).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    bank_ref: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    value_date: Option<String>,
    /// The running balance after each row (gives the opening and closing balance).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    balance: Option<String>,
    /// Amounts are written `1.234,56`.
    #[serde(default)]
    decimal_comma: Option<bool>,
    /// `,`, `;`, a tab or `|`; absent or empty to tell from the header line.
    #[serde(default)]
    #[schema(schema_with = delimiter)]
    delimiter: Option<String>,
    /// Lines above the header row to skip.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    skip_rows: Option<u8>,
    /// The account's currency, which CSV exports rarely state.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_currency)]
    currency: Option<String>,
}

fn delimiter() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(&[",", ";", "\t", "|", ""], true)
}

impl CsvMappingBody {
    /// The mapping as sent; `steward_core::bank::import::save_mapping` checks and trims it.
    fn mapping(self) -> Result<CsvMapping, Error> {
        let delimiter = match self.delimiter.as_deref().unwrap_or("") {
            "" => None,
            d if d.len() == 1 && ",;\t|".contains(d) => d.bytes().next(),
            _ => {
                return Err(Error::invalid(
                    "mapping.delimiter",
                    "`,`, `;`, a tab or `|`",
                ))
            }
        };
        Ok(CsvMapping {
            date: self.date,
            date_format: self.date_format,
            amount: self.amount,
            debit: self.debit,
            credit: self.credit,
            description: self.description,
            reference: self.reference,
            counterparty_name: self.counterparty_name,
            counterparty_iban: self.counterparty_iban,
            bank_ref: self.bank_ref,
            value_date: self.value_date,
            balance: self.balance,
            decimal_comma: self.decimal_comma.unwrap_or(false),
            delimiter,
            skip_rows: usize::from(self.skip_rows.unwrap_or(0)),
            currency: self.currency,
        })
    }
}

/// A saved CSV mapping as stored (see `CsvMappingBody` for what each column is).
#[derive(Serialize, ToSchema)]
pub struct CsvMappingOut {
    date: String,
    date_format: String,
    amount: Option<String>,
    debit: Option<String>,
    credit: Option<String>,
    description: Vec<String>,
    reference: Option<String>,
    counterparty_name: Option<String>,
    counterparty_iban: Option<String>,
    bank_ref: Option<String>,
    value_date: Option<String>,
    balance: Option<String>,
    decimal_comma: bool,
    /// Null: told from the header line.
    delimiter: Option<String>,
    skip_rows: u64,
    currency: Option<String>,
}

impl From<CsvMapping> for CsvMappingOut {
    fn from(m: CsvMapping) -> Self {
        CsvMappingOut {
            date: m.date,
            date_format: m.date_format,
            amount: m.amount,
            debit: m.debit,
            credit: m.credit,
            description: m.description,
            reference: m.reference,
            counterparty_name: m.counterparty_name,
            counterparty_iban: m.counterparty_iban,
            bank_ref: m.bank_ref,
            value_date: m.value_date,
            balance: m.balance,
            decimal_comma: m.decimal_comma,
            delimiter: m.delimiter.map(|d| char::from(d).to_string()),
            skip_rows: m.skip_rows as u64,
            currency: m.currency,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BankMappingOut {
    id: i64,
    name: String,
    mapping: CsvMappingOut,
    /// RFC 3339.
    created_at: String,
}

impl From<SavedMapping> for BankMappingOut {
    fn from(m: SavedMapping) -> Self {
        BankMappingOut {
            id: m.id.0,
            name: m.name,
            mapping: CsvMappingOut::from(m.mapping),
            created_at: m.created_at.rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankMappingIn {
    /// Unique in the company; an upload names the mapping by it.
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    name: String,
    mapping: CsvMappingBody,
}

/// The saved CSV mappings.
#[utoipa::path(get, path = "/api/v1/bank/mappings", tag = "bank",
    responses((status = 200, body = Vec<BankMappingOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn mappings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let all = import::mappings(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(all
        .into_iter()
        .map(BankMappingOut::from)
        .collect::<Vec<_>>()))
}

/// Saves a CSV mapping under a name (`accounting.create`). Either `amount` or a `debit` or
/// `credit` column is needed; a name taken is 422 on `name`.
#[utoipa::path(post, path = "/api/v1/bank/mappings", tag = "bank", request_body = BankMappingIn,
    responses((status = 201, body = BankMappingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_mapping<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<BankMappingIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    steward_core::bank::gate(&a.actor, steward_core::auth::Action::Create).map_err(err)?;
    let mapping = b.mapping.mapping().map_err(err)?;
    let m = import::save_mapping(&state.store, &a.actor, &b.name, mapping)
        .await
        .map_err(err)?;
    Ok(created(BankMappingOut::from(m)))
}

/// Deletes a saved CSV mapping (`accounting.update`, as saving one).
#[utoipa::path(delete, path = "/api/v1/bank/mappings/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_mapping<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    import::delete_mapping(&state.store, &a.actor, MappingId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}
