//! The chart of accounts: the list (as a tree when sorted by name) with search, filters,
//! sort, paging and export; create; an account's details, edit form and ledger with
//! running balances; import from CSV/XLSX with a dry run.
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use std::collections::HashMap;
use steward_core::auth::Action;
use steward_core::error::FieldError;
use steward_core::ids::{AccountId, CommodityId};
use steward_core::ledger::reports::{account_ledger, AccountLedger};
use steward_core::ledger::service::{self, AccountInput, AccountPatch};
use steward_core::ledger::{
    parse_date, Account, AccountQuery, AccountSort, AccountType, Commodity, NewAccount,
};
use steward_core::list::{Page, SortDir, SortKey};
use steward_core::Error;

use super::{amount, can, field, find_error, form_errors, href_with, is_invalid};
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/ledger/accounts", get(index::<S>).post(create::<S>))
        .route("/ledger/accounts/new", get(new_form::<S>))
        .route(
            "/ledger/accounts/import",
            get(import_form::<S>)
                .post(import::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/ledger/accounts/{id}", get(show::<S>).post(update::<S>))
}

const COLUMNS: &[Column] = &[
    col("name", "Account", true),
    col("code", "Code", true),
    col("kind", "Kind", true),
    col("commodity", "Commodity", false),
    col("active", "Status", false),
    col("description", "Description", false),
];

/// The export has the import's columns first, so an export can be edited and imported.
const EXPORT_HEADERS: &[&str] = &["name", "code", "kind", "commodity", "description", "active"];
const IMPORT_COLUMNS: &[&str] = &["name", "code", "kind", "commodity", "description"];

fn export_row(a: &Account) -> Vec<String> {
    vec![
        a.name.to_string(),
        a.code.clone().unwrap_or_default(),
        a.kind.as_str().to_string(),
        a.commodity.clone().unwrap_or_default(),
        a.description.clone(),
        if a.active { "yes" } else { "no" }.to_string(),
    ]
}

/// One row of the chart: in tree mode the last part of the name, indented by depth.
struct AccountRow {
    id: AccountId,
    /// `Assets:Bank:` of `Assets:Bank:Checking` (read out by screen readers in tree mode).
    prefix: String,
    leaf: String,
    name: String,
    depth: usize,
    code: String,
    kind: &'static str,
    commodity: String,
    active: bool,
    has_children: bool,
    description: String,
}

impl From<&Account> for AccountRow {
    fn from(a: &Account) -> Self {
        let name = a.name.to_string();
        let leaf = a.name.leaf().to_string();
        let prefix = name[..name.len() - leaf.len()].to_string();
        AccountRow {
            id: a.id,
            prefix,
            leaf,
            name,
            depth: a.depth().min(8),
            code: a.code.clone().unwrap_or_default(),
            kind: a.kind.label(),
            commodity: a.commodity.clone().unwrap_or_default(),
            active: a.active,
            has_children: a.has_children,
            description: a.description.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "ledger/accounts/list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<AccountRow>,
    tree: bool,
    kinds: &'static [AccountType],
    errors: Vec<FieldError>,
    can_create: bool,
    can_import: bool,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
}

fn query_from(params: &ListParams) -> Result<AccountQuery, Error> {
    let mut q = AccountQuery::filters_from(|k| params.get(k).map(str::to_string))?;
    let (sort, dir) = params.sort::<AccountSort>();
    q.sort = sort;
    q.dir = dir;
    q.paging = params.paging();
    Ok(q)
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let (q, errors) = match query_from(&params) {
        Ok(q) => (q, Vec::new()),
        Err(e) if is_invalid(&e) => (AccountQuery::default(), e.field_errors()),
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            return match service::export_accounts(&state.store, &pa.actor, &q).await {
                Ok(items) => export(
                    format,
                    "accounts",
                    EXPORT_HEADERS,
                    items.iter().map(export_row).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    let page = if errors.is_empty() {
        match service::list_accounts(&state.store, &pa.actor, &q).await {
            Ok(p) => p,
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        // Still authorize: a bad filter must not show the page to someone who may not read.
        if let Err(e) = service::chart(&state.store, &pa.actor).await {
            return fail(&state, &pa, e).await;
        }
        Page {
            items: Vec::new(),
            total: 0,
            limit: q.paging.limit,
            offset: 0,
        }
    };
    let list = ListView::new(
        "/ledger/accounts",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let tree = q.sort == AccountSort::Name && q.dir == SortDir::Asc && q.search.is_none();
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome: chrome(&state, &pa, "Chart of accounts", "/ledger/accounts").await,
        list,
        rows: page.items.iter().map(AccountRow::from).collect(),
        tree,
        kinds: &AccountType::ALL,
        errors,
        can_create: can(&pa.actor, Action::Update),
        can_import: can(&pa.actor, Action::Import),
    };
    render(&p, status)
}

#[derive(Default)]
struct AccountForm {
    name: String,
    code: String,
    kind: String,
    commodity: String,
    description: String,
}

#[derive(Template)]
#[template(path = "ledger/accounts/new.html")]
struct NewPage {
    chrome: Chrome,
    form: AccountForm,
    kinds: &'static [AccountType],
    commodities: Vec<Commodity>,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
}

async fn new_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: AccountForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let commodities = match service::commodities(&state.store, &pa.actor).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = NewPage {
        chrome: chrome(state, pa, "New account", "/ledger/accounts").await,
        form,
        kinds: &AccountType::ALL,
        commodities,
        errors,
    };
    render(&page, status)
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if !can(&pa.actor, Action::Update) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    // `?parent=Assets:Bank` starts the name under a parent.
    let form = AccountForm {
        name: super::non_empty(&field(&pairs, "parent"))
            .map(|p| format!("{p}:"))
            .unwrap_or_default(),
        ..Default::default()
    };
    new_page(&state, &pa, form, Vec::new(), StatusCode::OK).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = AccountForm {
        name: field(&pairs, "name"),
        code: field(&pairs, "code"),
        kind: field(&pairs, "kind"),
        commodity: field(&pairs, "commodity"),
        description: field(&pairs, "description"),
    };
    let input = AccountInput {
        name: form.name.clone(),
        code: super::non_empty(&form.code),
        kind: super::non_empty(&form.kind),
        commodity: super::non_empty(&form.commodity),
        description: form.description.clone(),
    };
    match service::create_account(&state.store, &pa.actor, &input).await {
        Ok(a) => redirect_with(
            &format!("/ledger/accounts/{}", a.id),
            &format!("Account {} created.", a.name),
        ),
        Err(e) => match form_errors(&e, "name") {
            Some(errors) => {
                new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

/// One posting of the account's ledger, formatted.
struct LedgerLine {
    entry_id: i64,
    number: String,
    date: String,
    description: String,
    memo: String,
    debit: String,
    credit: String,
    running: String,
    commodity: String,
}

#[derive(Template)]
#[template(path = "ledger/accounts/show.html")]
struct ShowPage {
    chrome: Chrome,
    account: Account,
    parent: Option<(AccountId, String)>,
    commodities: Vec<Commodity>,
    /// The edit form's values (the account's, or what was typed when it failed).
    code: String,
    description: String,
    commodity: String,
    active: bool,
    version: i64,
    from: String,
    to: String,
    opening: Vec<(String, String)>,
    lines: Vec<LedgerLine>,
    list: ListView,
    errors: Vec<FieldError>,
    can_update: bool,
    entries_href: String,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
}

struct EditValues {
    code: String,
    description: String,
    commodity: String,
    active: bool,
    version: i64,
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: AccountId,
    pairs: Vec<(String, String)>,
    edit: Option<EditValues>,
    mut errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let account = match service::get_account(store, actor, id).await {
        Ok(a) => a,
        Err(e) => return fail(state, pa, e).await,
    };
    let params = ListParams::new(pairs);
    let from_s = params.get("from").unwrap_or("").to_string();
    let to_s = params.get("to").unwrap_or("").to_string();
    let mut date = |k: &str, v: &str| {
        super::non_empty(v).and_then(|v| match parse_date(k, &v) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.extend(e.field_errors());
                None
            }
        })
    };
    let from = date("from", &from_s);
    let to = date("to", &to_s);
    let paging = params.paging();
    let ledger: Option<AccountLedger> =
        if errors.iter().any(|e| e.field == "from" || e.field == "to") {
            None
        } else {
            match account_ledger(store, actor, id, from, to, paging).await {
                Ok(l) => Some(l),
                Err(e) if is_invalid(&e) => {
                    errors.extend(e.field_errors());
                    None
                }
                Err(e) => return fail(state, pa, e).await,
            }
        };
    let commodities = match service::commodities(store, actor).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let by_id: HashMap<CommodityId, &Commodity> = commodities.iter().map(|c| (c.id, c)).collect();
    let fmt = |c: CommodityId, v: i64| -> (String, String) {
        match by_id.get(&c) {
            Some(c) => (amount(v, c.precision), c.symbol.clone()),
            None => (v.to_string(), String::new()),
        }
    };
    let (opening, lines, total) = match &ledger {
        Some(l) => (
            l.page
                .opening
                .iter()
                .filter(|(_, v)| *v != 0)
                .map(|(c, v)| {
                    let (a, s) = fmt(*c, *v);
                    (a, s)
                })
                .collect(),
            l.page
                .rows
                .iter()
                .map(|r| {
                    let (abs, sym) = fmt(r.commodity_id, r.amount.abs());
                    LedgerLine {
                        entry_id: r.entry_id.0,
                        number: r
                            .number
                            .clone()
                            .unwrap_or_else(|| format!("#{}", r.entry_id)),
                        date: r.date.to_string(),
                        description: r.description.clone(),
                        memo: r.memo.clone(),
                        debit: if r.amount > 0 {
                            abs.clone()
                        } else {
                            String::new()
                        },
                        credit: if r.amount < 0 { abs } else { String::new() },
                        running: fmt(r.commodity_id, r.running).0,
                        commodity: sym,
                    }
                })
                .collect(),
            l.page.total,
        ),
        None => (Vec::new(), Vec::new(), 0),
    };
    let path = format!("/ledger/accounts/{id}");
    let page_rows: Page<()> = Page {
        items: vec![(); lines.len()],
        total,
        limit: paging.limit,
        offset: paging.offset,
    };
    let list = ListView::new(&path, &params, &[], "", SortDir::Asc, &page_rows);
    let parent = match account.parent_id {
        Some(pid) => service::get_account(store, actor, pid)
            .await
            .ok()
            .map(|p| (p.id, p.name.to_string())),
        None => None,
    };
    let edit = edit.unwrap_or_else(|| EditValues {
        code: account.code.clone().unwrap_or_default(),
        description: account.description.clone(),
        commodity: account.commodity.clone().unwrap_or_default(),
        active: account.active,
        version: account.version,
    });
    let page = ShowPage {
        chrome: chrome(state, pa, account.name.as_str(), "/ledger/accounts").await,
        parent,
        commodities,
        code: edit.code,
        description: edit.description,
        commodity: edit.commodity,
        active: edit.active,
        version: edit.version,
        entries_href: href_with(
            "/ledger/entries",
            &[
                ("account", id.to_string()),
                ("from", from_s.clone()),
                ("to", to_s.clone()),
            ],
        ),
        from: from_s,
        to: to_s,
        opening,
        lines,
        list,
        errors,
        can_update: can(actor, Action::Update),
        account,
    };
    render(&page, status)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let errors = Vec::new();
    show_page(
        &state,
        &pa,
        AccountId(id),
        pairs,
        None,
        errors,
        StatusCode::OK,
    )
    .await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(version) = field(&pairs, "version").trim().parse::<i64>() else {
        return fail(&state, &pa, Error::invalid("version", "is missing")).await;
    };
    let values = EditValues {
        code: field(&pairs, "code"),
        description: field(&pairs, "description"),
        commodity: field(&pairs, "commodity"),
        active: pairs.iter().any(|(k, _)| k == "active"),
        version,
    };
    let patch = AccountPatch {
        code: Some(values.code.clone()),
        description: Some(values.description.clone()),
        active: Some(values.active),
        commodity: Some(values.commodity.clone()),
        version,
    };
    match service::update_account(&state.store, &pa.actor, AccountId(id), &patch).await {
        Ok(a) => redirect_with(
            &format!("/ledger/accounts/{id}"),
            &format!("{} saved.", a.name),
        ),
        Err(e) => match form_errors(&e, "version") {
            Some(errors) => {
                show_page(
                    &state,
                    &pa,
                    AccountId(id),
                    Vec::new(),
                    Some(values),
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

/// A problem of an import, by the file's line.
struct Problem {
    line: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "ledger/accounts/import.html")]
struct ImportPage {
    chrome: Chrome,
    columns: &'static [&'static str],
    error: Option<String>,
    file_name: String,
    dry_run: bool,
    rows: usize,
    plan: Option<Vec<NewAccount>>,
    problems: Vec<Problem>,
}

async fn import_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !can(&pa.actor, Action::Import) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let page = ImportPage {
        chrome: chrome(&state, &pa, "Import accounts", "/ledger/accounts").await,
        columns: IMPORT_COLUMNS,
        error: None,
        file_name: String::new(),
        dry_run: true,
        rows: 0,
        plan: None,
        problems: Vec::new(),
    };
    render(&page, StatusCode::OK)
}

/// Reads the account rows of a table; returns them with the file line of each.
fn account_rows(
    table: &steward_io::Table,
    mapping: &[(String, String)],
) -> Result<(Vec<AccountInput>, Vec<usize>), Error> {
    let mut columns = steward_io::ColumnMapping::auto(IMPORT_COLUMNS, &table.headers).optional(&[
        "code",
        "kind",
        "commodity",
        "description",
    ]);
    for (f, source) in mapping.iter().filter(|(_, s)| !s.trim().is_empty()) {
        if !IMPORT_COLUMNS.contains(&f.as_str()) {
            return Err(Error::invalid(
                format!("map.{f}"),
                "is not a column of an account import",
            ));
        }
        if !table.headers.iter().any(|h| h == source.trim()) {
            return Err(Error::invalid(
                format!("map.{f}"),
                format!("the file has no column `{}`", source.trim()),
            ));
        }
        columns = columns.with_source(f, source.trim());
    }
    let mapped = columns
        .resolve(table)
        .map_err(|e| Error::invalid("file", e.to_string()))?;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for row in mapped.rows().filter(|r| !r.is_blank()) {
        let get = |f: &str| row.get(f).map(str::to_string);
        rows.push(AccountInput {
            name: get("name").unwrap_or_default(),
            code: get("code").filter(|s| !s.trim().is_empty()),
            kind: get("kind").filter(|s| !s.trim().is_empty()),
            commodity: get("commodity").filter(|s| !s.trim().is_empty()),
            description: get("description").unwrap_or_default(),
        });
        lines.push(row.line());
    }
    Ok((rows, lines))
}

/// `row 5: code` (the service counts rows from line 2) -> the file's line and column.
fn problem_of(e: &FieldError, lines: &[usize]) -> Problem {
    let parsed = e
        .field
        .strip_prefix("row ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(n, col)| Some((n.parse::<usize>().ok()?, col.to_string())));
    match parsed {
        Some((n, column)) => Problem {
            line: n
                .checked_sub(2)
                .and_then(|i| lines.get(i).copied())
                .unwrap_or(n),
            column,
            message: e.message.clone(),
        },
        None => Problem {
            line: 0,
            column: e.field.clone(),
            message: e.message.clone(),
        },
    }
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
    let mut page = ImportPage {
        chrome: chrome(&state, &pa, "Import accounts", "/ledger/accounts").await,
        columns: IMPORT_COLUMNS,
        error: None,
        file_name: String::new(),
        dry_run: true,
        rows: 0,
        plan: None,
        problems: Vec::new(),
    };
    let parsed = async {
        let (name, bytes, fields) = crate::forms::read_import_upload(mp).await?;
        let dry_run = !fields.iter().any(|(k, v)| k == "mode" && v == "commit");
        let table = crate::forms::parse_table(&name, bytes).await?;
        let mapping = crate::forms::column_mapping(&fields);
        let (rows, lines) = account_rows(&table, &mapping)?;
        Ok::<_, Error>((name, dry_run, rows, lines))
    }
    .await;
    let (name, dry_run, rows, lines) = match parsed {
        Ok(p) => p,
        Err(e) if is_invalid(&e) => {
            page.error = Some(e.to_string());
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    page.file_name = name;
    page.dry_run = dry_run;
    page.rows = rows.len();
    if rows.is_empty() {
        page.error = Some("the file has no account rows".into());
        return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match service::import_accounts(&state.store, &pa.actor, &rows, dry_run).await {
        Ok(plan) => {
            page.plan = Some(plan);
            render(&page, StatusCode::OK)
        }
        Err(e) if is_invalid(&e) => {
            page.problems = e
                .field_errors()
                .iter()
                .map(|f| problem_of(f, &lines))
                .collect();
            render(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e @ Error::Conflict { .. }) => {
            page.error = Some(e.to_string());
            render(&page, StatusCode::CONFLICT)
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
