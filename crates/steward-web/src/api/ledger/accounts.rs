//! `/api/v1/ledger/accounts`: the chart of accounts (list, create, read, update, import)
//! and one account's ledger.
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_core::ids::AccountId;
use steward_core::ledger::service::{self, AccountInput, AccountPatch};
use steward_core::ledger::{parse_date, reports as report, Account, AccountQuery, AccountSort};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};

use super::{is_json, parse_json, rename_fields, AccountOut, Precisions};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListParams {
    /// Search in name and code.
    q: Option<String>,
    /// `asset`, `liability`, `equity`, `income` or `expense`.
    #[param(schema_with = crate::api::contract::account_kind_param)]
    kind: Option<String>,
    /// `yes` or `no` (also `true`/`false`, `1`/`0`).
    #[param(schema_with = active_param)]
    active: Option<String>,
    /// `1`: only accounts that take postings (no parents).
    #[param(schema_with = leaf_param)]
    leaf: Option<String>,
    /// One of `name`, `code`, `kind`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::ledger::store::AccountSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list instead of JSON.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn active_param() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["yes", "true", "1", "no", "false", "0"])
}

fn leaf_param() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["1", "true", "0", "false"])
}

fn query(p: &AccountListParams) -> Result<AccountQuery, Error> {
    let mut q = AccountQuery::filters_from(|k| match k {
        "q" => p.q.clone(),
        "kind" => p.kind.clone(),
        "active" => p.active.clone(),
        "leaf" => p.leaf.clone(),
        _ => None,
    })?;
    let (sort, dir) =
        crate::api::contract::sort_and_dir::<AccountSort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.sort = sort;
    q.dir = dir;
    q.paging = if p.format.is_some() {
        Paging::export()
    } else {
        Paging::new(p.limit, p.offset)
    };
    Ok(q)
}

pub(crate) const EXPORT_HEADERS: &[&str] =
    &["name", "code", "kind", "commodity", "active", "description"];

fn export_row(a: &Account) -> Vec<String> {
    vec![
        a.name.to_string(),
        a.code.clone().unwrap_or_default(),
        a.kind.as_str().to_string(),
        a.commodity.clone().unwrap_or_default(),
        if a.active { "yes" } else { "no" }.to_string(),
        a.description.clone(),
    ]
}

/// Lists the chart of accounts.
#[utoipa::path(get, path = "/api/v1/ledger/accounts", tag = "ledger", params(AccountListParams),
    responses((status = 200, body = ListOf<AccountOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<AccountListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let q = query(&p).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err)? {
        let items = service::export_accounts(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "accounts",
            EXPORT_HEADERS,
            items.iter().map(export_row).collect(),
        ));
    }
    let page = service::list_accounts(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(AccountOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A new account. Missing parents are created with it.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountIn {
    /// Full name, `Expenses:Office:Paper`.
    #[schema(schema_with = crate::api::contract::account_name)]
    name: String,
    /// Up to 20 letters, digits, `.` or `-`; unique.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_account_code)]
    code: Option<String>,
    /// `asset`, `liability`, `equity`, `income` or `expense`; from the top-level name
    /// (`Assets`, `Liabilities`, `Equity`, `Income`, `Expenses`) when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_account_kind)]
    kind: Option<String>,
    /// Only this commodity may be posted to the account.
    #[serde(default)]
    commodity: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    description: String,
}

impl From<AccountIn> for AccountInput {
    fn from(b: AccountIn) -> Self {
        AccountInput {
            name: b.name,
            code: b.code,
            kind: b.kind,
            commodity: b.commodity,
            description: b.description,
        }
    }
}

/// Creates an account (and its missing parents).
#[utoipa::path(post, path = "/api/v1/ledger/accounts", tag = "ledger", request_body = AccountIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = AccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<AccountIn>,
) -> Result<Response, ApiError> {
    let acc = service::create_account(&state.store, &a.actor, &b.into())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(AccountOut::from(acc)))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/ledger/accounts/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let acc = service::get_account(&state.store, &a.actor, AccountId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AccountOut::from(acc)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatchIn {
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_account_code)]
    code: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    description: Option<String>,
    /// An inactive account takes no new postings.
    #[serde(default)]
    active: Option<bool>,
    /// Restrict to one commodity; `""` lifts the restriction.
    #[serde(default)]
    commodity: Option<String>,
    /// The `version` you read.
    version: i64,
}

/// Changes an account's code, description, commodity or whether it is active. 409 when
/// it changed since `version`.
#[utoipa::path(patch, path = "/api/v1/ledger/accounts/{id}", tag = "ledger", params(("id" = i64, Path)), request_body = AccountPatchIn,
    responses((status = 200, body = AccountOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AccountPatchIn>,
) -> Result<Response, ApiError> {
    let patch = AccountPatch {
        code: b.code,
        description: b.description,
        active: b.active,
        commodity: b.commodity,
        version: b.version,
    };
    let acc = service::update_account(&state.store, &a.actor, AccountId(id), &patch)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(AccountOut::from(acc)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// An account table as a multipart upload. Other parts are refused (`unknown field`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AccountImportForm {
    /// The table: CSV or XLSX, with a `name` column (and optionally code, kind, commodity,
    /// description).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `true`: check every row and write nothing (as the query's `dry_run`).
    dry_run: Option<bool>,
}

/// Account rows as JSON.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountRowsIn {
    rows: Vec<AccountIn>,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedAccountOut {
    name: String,
    code: Option<String>,
    kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountImportOut {
    dry_run: bool,
    /// Rows read.
    rows: usize,
    /// Accounts created (or that would be, on a dry run), parents included.
    created: usize,
    accounts: Vec<PlannedAccountOut>,
}

/// Column names of an account table (any case; spaces, `_` and `-` ignored).
fn column_field(header: &str) -> Option<&'static str> {
    let h: String = header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect::<String>()
        .to_lowercase();
    match h.as_str() {
        "name" | "account" | "accountname" => Some("name"),
        "code" | "number" | "accountcode" => Some("code"),
        "kind" | "type" | "accounttype" => Some("kind"),
        "commodity" | "currency" => Some("commodity"),
        "description" | "notes" => Some("description"),
        _ => None,
    }
}

fn rows_from_table(table: &steward_io::Table) -> Result<Vec<AccountInput>, Error> {
    let cols: Vec<Option<&'static str>> = table.headers.iter().map(|h| column_field(h)).collect();
    if !cols.contains(&Some("name")) {
        return Err(Error::invalid(
            "file",
            "needs a `name` column (and optionally code, kind, commodity, description)",
        ));
    }
    Ok(table
        .rows
        .iter()
        .map(|r| {
            let mut input = AccountInput::default();
            for (cell, col) in r.cells.iter().zip(&cols) {
                let v = cell.trim().to_string();
                match col {
                    Some("name") => input.name = v,
                    Some("code") => input.code = Some(v).filter(|s| !s.is_empty()),
                    Some("kind") => input.kind = Some(v).filter(|s| !s.is_empty()),
                    Some("commodity") => input.commodity = Some(v).filter(|s| !s.is_empty()),
                    Some("description") => input.description = v,
                    _ => {}
                }
            }
            input
        })
        .collect())
}

/// `row 7: name` (the service's naming for file rows) -> `rows[5].name` for JSON rows.
fn json_row_field(field: &str) -> String {
    field
        .strip_prefix("row ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(n, f)| n.parse::<usize>().ok().map(|n| (n, f)))
        .map(|(n, f)| format!("rows[{}].{f}", n.saturating_sub(2)))
        .unwrap_or_else(|| field.to_string())
}

/// Imports accounts, all or none: a CSV or XLSX file (`multipart/form-data` with `file`
/// and optionally `dry_run`, or the file itself as `text/csv` / XLSX), or JSON
/// `{"rows": [...]}`. Columns: name, code, kind, commodity, description. Problems are a
/// 422 naming each row and field (`row 3: kind` for files, `rows[1].kind` for JSON).
#[utoipa::path(post, path = "/api/v1/ledger/accounts/import", tag = "ledger", params(ImportParams),
    request_body(content(
        (AccountRowsIn = "application/json"),
        (inline(crate::api::contract::TableUpload) = "text/csv"),
        (AccountImportForm = "multipart/form-data")),
        description = "JSON rows, a CSV/XLSX body, or a multipart upload with `file`"),
    responses((status = 200, body = AccountImportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ImportParams>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // Who may import is settled before 50 MB are read.
    service::may_import(&a.actor).map_err(err)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut dry_run = p.dry_run;
    let (rows, from_json) = if is_json(&req) {
        let bytes = axum::body::to_bytes(req.into_body(), crate::IMPORT_BODY_LIMIT)
            .await
            .map_err(|_| {
                err(Error::TooLarge {
                    limit: crate::IMPORT_BODY_LIMIT as u64,
                })
            })?;
        let b: AccountRowsIn = steward_core::blocking::try_run(move || parse_json(&bytes))
            .await
            .map_err(err)?;
        (b.rows.into_iter().map(AccountInput::from).collect(), true)
    } else if ct.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &state).await;
        let (name, bytes, fields) = crate::forms::read_api_upload_up_to(
            mp,
            "file",
            &["dry_run"],
            crate::IMPORT_BODY_LIMIT,
            crate::IMPORT_BODY_LIMIT,
        )
        .await
        .map_err(err)?;
        dry_run |= crate::forms::api_bool(&fields, "dry_run", false).map_err(err)?;
        let table = crate::forms::parse_table(&name, bytes).await.map_err(err)?;
        (rows_from_table(&table).map_err(err)?, false)
    } else {
        let name = if ct.contains("spreadsheetml") {
            "upload.xlsx"
        } else {
            "upload.csv"
        };
        let bytes = axum::body::to_bytes(req.into_body(), crate::IMPORT_BODY_LIMIT)
            .await
            .map_err(|_| {
                err(Error::TooLarge {
                    limit: crate::IMPORT_BODY_LIMIT as u64,
                })
            })?;
        if bytes.is_empty() {
            return Err(err(Error::invalid("file", "the body is empty")));
        }
        let table = crate::forms::parse_table(name, bytes).await.map_err(err)?;
        (rows_from_table(&table).map_err(err)?, false)
    };
    let plan = service::import_accounts(&state.store, &a.actor, &rows, dry_run)
        .await
        .map_err(|e| {
            if from_json {
                err(rename_fields(e, json_row_field))
            } else {
                err(e)
            }
        })?;
    let out = AccountImportOut {
        dry_run,
        rows: rows.len(),
        created: plan.len(),
        accounts: plan
            .into_iter()
            .map(|n| PlannedAccountOut {
                name: n.name.to_string(),
                code: n.code,
                kind: n.kind.as_str().to_string(),
            })
            .collect(),
    };
    Ok((StatusCode::OK, axum::Json(out)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// `YYYY-MM-DD`, inclusive; the opening balance is everything before it.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = LedgerAccountBalanceOut)]
pub struct BalanceOut {
    commodity: String,
    amount: String,
    amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerRowOut {
    entry_id: i64,
    number: Option<String>,
    date: String,
    description: String,
    reference: String,
    commodity: String,
    /// Signed: positive is a debit.
    amount: String,
    amount_minor: i64,
    memo: String,
    /// The account's balance in this commodity after the line.
    running: String,
    running_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AccountLedgerOut {
    account: AccountOut,
    from: Option<String>,
    to: Option<String>,
    /// Balance per commodity before `from`.
    opening: Vec<BalanceOut>,
    rows: Vec<LedgerRowOut>,
    total: u64,
    limit: u32,
    offset: u64,
}

fn optional_date(field: &str, v: Option<&str>) -> Result<Option<chrono::NaiveDate>, Error> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_date(field, s))
        .transpose()
}

/// One account's posted lines, oldest first, with running balances.
#[utoipa::path(get, path = "/api/v1/ledger/accounts/{id}/ledger", tag = "ledger", params(("id" = i64, Path), LedgerParams),
    responses((status = 200, body = AccountLedgerOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ledger<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<LedgerParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let from = optional_date("from", p.from.as_deref()).map_err(err)?;
    let to = optional_date("to", p.to.as_deref()).map_err(err)?;
    let paging = Paging::new(p.limit, p.offset);
    let l = report::account_ledger(&state.store, &a.actor, AccountId(id), from, to, paging)
        .await
        .map_err(err)?;
    let prec = Precisions::new(&l.commodities);
    let symbol = |id: steward_core::ids::CommodityId| {
        l.commodities
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.symbol.clone())
            .unwrap_or_default()
    };
    let out = AccountLedgerOut {
        from: l.from.map(|d| d.to_string()),
        to: l.to.map(|d| d.to_string()),
        opening: l
            .page
            .opening
            .iter()
            .map(|(c, v)| {
                let s = symbol(*c);
                BalanceOut {
                    amount: prec.format(&s, *v),
                    amount_minor: *v,
                    commodity: s,
                }
            })
            .collect(),
        rows: l
            .page
            .rows
            .iter()
            .map(|r| {
                let s = symbol(r.commodity_id);
                LedgerRowOut {
                    entry_id: r.entry_id.0,
                    number: r.number.clone(),
                    date: r.date.to_string(),
                    description: r.description.clone(),
                    reference: r.reference.clone(),
                    amount: prec.format(&s, r.amount),
                    amount_minor: r.amount,
                    memo: r.memo.clone(),
                    running: prec.format(&s, r.running),
                    running_minor: r.running,
                    commodity: s,
                }
            })
            .collect(),
        total: l.page.total,
        limit: paging.limit,
        offset: paging.offset,
        account: AccountOut::from(l.account.clone()),
    };
    Ok(ok(out))
}
