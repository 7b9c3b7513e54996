//! The bank's pages: `/bank` (the accounts with their last closing balance, a new one
//! below), `/bank/accounts/{id}` (its statements and the upload form with the report) and
//! `/bank/statements/{id}` (the lines, paged, exported as CSV or XLSX) and its reconcile view
//! (`reconcile.rs`). Everything goes
//! through `steward_core::bank`, which authorizes.
mod reconcile;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::auth::Action;
use steward_core::bank::accounts::{
    self, BankAccount, BankAccountInput, BankAccountQuery, BankAccountSort,
};
use steward_core::bank::import::{self, ImportReport, SavedMapping};
use steward_core::bank::statements::{
    self, BankLine, BankStatement, LineQuery, LineSort, StatementQuery, StatementSort,
};
use steward_core::error::FieldError;
use steward_core::ids::{BankAccountId, StatementId};
use steward_core::list::{Paging, SortKey};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/bank", get(home::<S>).post(create::<S>))
        .route("/bank/accounts/{id}", get(account::<S>))
        .route(
            "/bank/accounts/{id}/import",
            post(upload::<S>).layer(axum::extract::DefaultBodyLimit::max(
                crate::IMPORT_BODY_LIMIT,
            )),
        )
        .route("/bank/statements/{id}", get(statement::<S>))
        .route("/bank/statements/{id}/reconcile", get(reconcile::page::<S>))
        .route(
            "/bank/statements/{id}/auto-match",
            post(reconcile::auto_match::<S>),
        )
        .route("/bank/lines/{id}/match", post(reconcile::accept::<S>))
        .route("/bank/lines/{id}/entry", post(reconcile::entry::<S>))
        .route("/bank/lines/{id}/undo", post(reconcile::undo::<S>))
}

const ACCOUNT_COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("ledger", "Ledger account", false),
    col("iban", "IBAN", false),
    col("closing", "Last closing balance", false),
    col("date", "On", false),
    col("statements", "Statements", false),
];

/// The new-account form's values (kept after an error) and its errors.
#[derive(Default)]
pub(crate) struct AccountForm {
    pub input: BankAccountInput,
    pub errors: Vec<FieldError>,
}

impl AccountForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

/// An amount in the account's currency, as pages show it.
use steward_core::money::format_in as money;

#[derive(Template)]
#[template(path = "bank/home.html")]
struct HomePage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<BankAccount>,
    can_create: bool,
    form: AccountForm,
}

impl HomePage {
    fn closing(&self, a: &BankAccount) -> String {
        a.last_closing
            .map(|(_, m)| self.chrome.num(money(m, &a.currency)))
            .unwrap_or_default()
    }
    fn closing_date(&self, a: &BankAccount) -> String {
        a.last_closing
            .map(|(d, _)| d.to_string())
            .unwrap_or_default()
    }
}

async fn home_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<AccountForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<BankAccountSort>();
    let q = BankAccountQuery {
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        if let Err(e) = statements::authorize_export(&pa.actor) {
            return fail(state, pa, e).await;
        }
        let mut q = q.clone();
        q.paging = Paging::export();
        return match accounts::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "bank-accounts",
                accounts::EXPORT_HEADERS,
                page.items.iter().map(accounts::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match accounts::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/bank",
        &params,
        ACCOUNT_COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &HomePage {
            chrome: chrome(state, pa, "Bank", "/bank").await,
            list,
            rows: page.items,
            can_create: steward_core::bank::allowed(&pa.actor, Action::Create),
            form: form.unwrap_or_else(|| AccountForm {
                input: BankAccountInput {
                    currency: pa.actor.company_currency.clone(),
                    active: true,
                    ..Default::default()
                },
                errors: Vec::new(),
            }),
        },
        status,
    )
}

async fn home<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    home_view(&state, &pa, pairs, None).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = BankAccountInput {
        name: field(&pairs, "name"),
        ledger_account: field(&pairs, "ledger_account"),
        currency: field(&pairs, "currency"),
        iban: field(&pairs, "iban"),
        bic: field(&pairs, "bic"),
        active: true,
    };
    match accounts::create(&state.store, &pa.actor, &input).await {
        Ok(a) => redirect_with(
            &format!("/bank/accounts/{}", a.id),
            &format!("{} was added.", a.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = AccountForm {
                input,
                errors: e.field_errors(),
            };
            home_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- one account

const STATEMENT_COLUMNS: &[Column] = &[
    col("imported", "Imported", true),
    col("end_date", "Period", true),
    col("format", "Format", false),
    col("opening", "Opening balance", false),
    col("closing", "Closing balance", false),
    col("lines", "New lines", false),
    col("continuity", "Follows the previous", false),
];

/// The upload form as sent, and what came of it.
struct Upload {
    format: String,
    mapping: String,
    dry_run: bool,
    file_name: String,
    problems: Vec<String>,
    report: Option<ImportReport>,
}

impl Upload {
    fn blank() -> Upload {
        Upload {
            format: String::new(),
            mapping: String::new(),
            dry_run: true,
            file_name: String::new(),
            problems: Vec::new(),
            report: None,
        }
    }
}

#[derive(Template)]
#[template(path = "bank/account.html")]
struct AccountPage {
    chrome: Chrome,
    account: BankAccount,
    list: ListView,
    rows: Vec<BankStatement>,
    mappings: Vec<SavedMapping>,
    can_import: bool,
    /// The upload form's values.
    format: String,
    mapping: String,
    dry_run: bool,
    file_name: String,
    problems: Vec<String>,
    report: Option<ImportReport>,
}

impl AccountPage {
    fn amount(&self, s: &BankStatement, closing: bool) -> String {
        let b = if closing { s.closing } else { s.opening };
        b.map(|b| self.chrome.num(s.money(b.minor)))
            .unwrap_or_default()
    }
    fn period(&self, s: &BankStatement) -> String {
        let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let from = s.start_date.or(s.opening.map(|b| b.date));
        let to = s.end_date.or(s.closing.map(|b| b.date));
        match (from, to) {
            (None, None) => String::new(),
            (f, t) => format!("{} to {}", d(f), d(t)),
        }
    }
    fn formats(&self) -> &'static [&'static str] {
        import::FORMATS
    }
}

async fn account_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    pairs: Vec<(String, String)>,
    upload: Option<Upload>,
    status: StatusCode,
) -> Response {
    let account = match accounts::get(&state.store, &pa.actor, BankAccountId(id)).await {
        Ok(a) => a,
        Err(e) => return fail(state, pa, e).await,
    };
    let params = ListParams::new(pairs);
    let (sort, dir) = match params.get("sort") {
        Some(_) => params.sort::<StatementSort>(),
        None => (StatementSort::Imported, steward_core::list::SortDir::Desc),
    };
    let q = StatementQuery {
        account: Some(account.id),
        sort,
        dir,
        paging: params.paging(),
        ..Default::default()
    };
    let path = format!("/bank/accounts/{}", account.id);
    if let Some(format) = params.export_format() {
        if let Err(e) = statements::authorize_export(&pa.actor) {
            return fail(state, pa, e).await;
        }
        let mut q = q.clone();
        q.paging = Paging::export();
        return match statements::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "bank-statements",
                statements::STATEMENT_HEADERS,
                page.items.iter().map(statements::statement_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let (page, mappings) = tokio::join!(
        statements::list(&state.store, &pa.actor, &q),
        import::mappings(&state.store, &pa.actor)
    );
    let page = match page {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        &path,
        &params,
        STATEMENT_COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let u = upload.unwrap_or_else(Upload::blank);
    render(
        &AccountPage {
            chrome: chrome(state, pa, &account.name, "/bank").await,
            account,
            list,
            rows: page.items,
            mappings: mappings.unwrap_or_default(),
            can_import: steward_core::bank::may_import(&pa.actor).is_ok(),
            format: u.format,
            mapping: u.mapping,
            dry_run: u.dry_run,
            file_name: u.file_name,
            problems: u.problems,
            report: u.report,
        },
        status,
    )
}

async fn account<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    account_view(&state, &pa, id, pairs, None, StatusCode::OK).await
}

async fn upload<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if let Err(e) = steward_core::bank::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let (name, bytes, fields) = match crate::forms::read_import_upload(mp).await {
        Ok(u) => u,
        Err(e) if is_invalid(&e) => {
            let form = Upload {
                problems: vec![e.to_string()],
                ..Upload::blank()
            };
            return account_view(
                &state,
                &pa,
                id,
                Vec::new(),
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let format_text = get("format");
    let mapping = get("mapping");
    let dry_run = get("dry_run") == "1";
    let format = if format_text.is_empty() {
        None
    } else {
        import::parse_format(&format_text)
    };
    let result = import::import_statement(
        &state.store,
        &pa.actor,
        BankAccountId(id),
        bytes,
        format,
        Some(mapping.as_str()),
        dry_run,
    )
    .await;
    let (problems, report, status) = match result {
        Ok(r) => (Vec::new(), Some(r), StatusCode::OK),
        Err(e) if is_invalid(&e) => (
            e.field_errors()
                .into_iter()
                .map(|f| {
                    if f.field == "file" {
                        f.message
                    } else {
                        format!("{}: {}", f.field, f.message)
                    }
                })
                .collect(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ Error::Conflict { .. }) => (vec![e.to_string()], None, StatusCode::CONFLICT),
        Err(e) => return fail(&state, &pa, e).await,
    };
    let form = Upload {
        format: format_text,
        mapping,
        dry_run,
        file_name: name,
        problems,
        report,
    };
    account_view(&state, &pa, id, Vec::new(), Some(form), status).await
}

// ---------------------------------------------------------------- one statement

const LINE_COLUMNS: &[Column] = &[
    col("date", "Booked", true),
    col("value", "Value date", false),
    col("amount", "Amount", true),
    col("counterparty", "Counterparty", false),
    col("reference", "Reference", false),
    col("description", "Description", false),
    col("status", "Status", false),
];

#[derive(Template)]
#[template(path = "bank/statement.html")]
struct StatementPage {
    chrome: Chrome,
    statement: BankStatement,
    list: ListView,
    rows: Vec<BankLine>,
}

impl StatementPage {
    fn balance(&self, closing: bool) -> String {
        let s = &self.statement;
        let b = if closing { s.closing } else { s.opening };
        b.map(|b| {
            format!(
                "{} {} on {}",
                self.chrome.num(s.money(b.minor)),
                s.currency,
                b.date
            )
        })
        .unwrap_or_else(|| "not given".into())
    }
}

async fn statement<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let st = match statements::get(&state.store, &pa.actor, StatementId(id)).await {
        Ok(s) => s,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<LineSort>();
    let q = LineQuery {
        statement: Some(st.id),
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
        ..Default::default()
    };
    if let Some(format) = params.export_format() {
        if let Err(e) = statements::authorize_export(&pa.actor) {
            return fail(&state, &pa, e).await;
        }
        let mut q = q.clone();
        q.paging = Paging::export();
        return match statements::lines(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                &format!("bank-statement-{}", st.id),
                statements::LINE_HEADERS,
                page.items.iter().map(statements::line_row).collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let page = match statements::lines(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let path = format!("/bank/statements/{}", st.id);
    let list = ListView::new(&path, &params, LINE_COLUMNS, q.sort.name(), q.dir, &page);
    let title = format!("Statement {} of {}", st.id, st.account_name);
    render(
        &StatementPage {
            chrome: chrome(&state, &pa, &title, "/bank").await,
            statement: st,
            list,
            rows: page.items,
        },
        StatusCode::OK,
    )
}
