//! `/billing/payment-runs`: the runs list, a new run (bank account and "pay bills due by",
//! then the proposal to trim), a run's page (change and submit a draft, download the
//! pain.001 file of an approved run, mark it sent). Approval is in the approvals inbox.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::bank::accounts::BankAccount;
use steward_core::billing::runs::{
    self, PaymentRun, Proposal, RunInput, RunLineInput, RunQuery, RunRow, RunSort, RunStatus,
};
use steward_core::error::FieldError;
use steward_core::list::{Paging, SortKey};
use steward_core::Error;

use super::money;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/payment-runs", get(list::<S>).post(create::<S>))
        .route("/billing/payment-runs/new", get(new_form::<S>))
        .route("/billing/payment-runs/{id}", get(show::<S>).post(save::<S>))
        .route("/billing/payment-runs/{id}/submit", post(submit::<S>))
        .route("/billing/payment-runs/{id}/send", post(send::<S>))
        .route("/billing/payment-runs/{id}/delete", post(remove::<S>))
        .route("/billing/payment-runs/{id}/pain001", get(download::<S>))
}

const COLUMNS: &[Column] = &[
    col("id", "Run", false),
    col("bank_account", "Bank account", false),
    col("status", "Status", false),
    col("due_by", "Bills due by", false),
    col("execution_date", "Execution date", true),
    col("vendors", "Vendors", false),
    col("total", "Total", true),
];

#[derive(Template)]
#[template(path = "billing/run_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<RunRow>,
    can_write: bool,
}

impl ListPage {
    fn amount(&self, minor: &i64, currency: &str) -> String {
        self.chrome
            .num(format!("{} {currency}", money(*minor, currency)))
    }
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<RunSort>();
    let q = RunQuery {
        status: params.get("status").and_then(RunStatus::parse),
        search: params.search(),
        sort,
        dir,
        paging: if params.export_format().is_some() {
            Paging::export()
        } else {
            params.paging()
        },
    };
    let page = match runs::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "payment-runs",
            runs::EXPORT_HEADERS,
            page.items.iter().map(runs::export_row).collect(),
        );
    }
    let list = ListView::new(
        "/billing/payment-runs",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Payment runs", "/billing/payment-runs").await,
            list,
            rows: page.items,
            can_write: runs::may_write(&pa.actor),
        },
        StatusCode::OK,
    )
}

/// One line of the proposal or of a draft as the form shows it.
struct FormLine {
    document_id: i64,
    number: String,
    party_id: i64,
    party_name: String,
    due_date: String,
    /// What it owes (the most a line may pay).
    open: String,
    /// What the amount field holds.
    amount: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "billing/run_form.html")]
struct FormPage {
    chrome: Chrome,
    accounts: Vec<BankAccount>,
    bank_account_id: Option<i64>,
    due_by: String,
    execution_date: String,
    note: String,
    lines: Vec<FormLine>,
    excluded: Vec<runs::Excluded>,
    /// Whether a proposal was asked for (the bank account and the day are given).
    proposed: bool,
    errors: Vec<FieldError>,
}

impl FormPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn line_error(&self, doc: &i64) -> Option<String> {
        field_error(&self.errors, &format!("doc{doc}.amount"))
            .or_else(|| field_error(&self.errors, &format!("doc{doc}.document_id")))
    }
    fn chose(&self, id: &i64) -> bool {
        self.bank_account_id == Some(*id)
    }
}

fn form_lines(p: &Proposal) -> Vec<FormLine> {
    p.lines
        .iter()
        .map(|d| FormLine {
            document_id: d.document_id.0,
            number: d.number.clone(),
            party_id: d.party_id.0,
            party_name: d.party_name.clone(),
            due_date: d.due_date.to_string(),
            open: money(d.open, &d.currency),
            amount: money(d.open, &d.currency),
            checked: true,
        })
        .collect()
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let accounts = match runs::paying_accounts(&state.store, &pa.actor).await {
        Ok(a) => a,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let bank_account_id = field(&pairs, "bank_account_id").parse().ok();
    let due_by = field(&pairs, "due_by");
    let execution_date = field(&pairs, "execution_date");
    let proposed = bank_account_id.is_some() && !due_by.trim().is_empty();
    let (lines, excluded, errors) = if proposed {
        match runs::proposal(&state.store, &pa.actor, bank_account_id, &due_by).await {
            Ok(p) => (form_lines(&p), p.excluded, Vec::new()),
            Err(e) if is_invalid(&e) => (Vec::new(), Vec::new(), e.field_errors()),
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &FormPage {
            chrome: chrome(&state, &pa, "New payment run", "/billing/payment-runs").await,
            accounts,
            bank_account_id,
            due_by,
            execution_date,
            note: String::new(),
            lines,
            excluded,
            proposed: proposed && status == StatusCode::OK,
            errors,
        },
        status,
    )
}

/// The run a form describes: the lines ticked, with their amounts.
fn input_of(pairs: &[(String, String)]) -> RunInput {
    let lines = pairs
        .iter()
        .filter(|(k, _)| k == "document")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .filter(|id| !field(pairs, &format!("pay_{id}")).is_empty())
        .map(|id| RunLineInput {
            document_id: Some(id),
            amount: field(pairs, &format!("amount_{id}")),
        })
        .collect();
    RunInput {
        bank_account_id: field(pairs, "bank_account_id").parse().ok(),
        due_by: field(pairs, "due_by"),
        execution_date: field(pairs, "execution_date"),
        note: field(pairs, "note"),
        lines: Some(lines),
    }
}

/// The form again with what was typed and the errors.
async fn form_again<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: &[(String, String)],
    errors: Vec<FieldError>,
) -> Response {
    let accounts = runs::paying_accounts(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let input = input_of(pairs);
    let proposal = runs::proposal(
        &state.store,
        &pa.actor,
        input.bank_account_id,
        &input.due_by,
    )
    .await
    .ok();
    let mut lines = proposal.as_ref().map(form_lines).unwrap_or_default();
    for l in &mut lines {
        l.checked = !field(pairs, &format!("pay_{}", l.document_id)).is_empty();
        l.amount = field(pairs, &format!("amount_{}", l.document_id));
    }
    // Errors name `lines[i]` of the ticked lines: give each ticked line its index.
    let mut errors = errors;
    let ticked: Vec<i64> = lines
        .iter()
        .filter(|l| l.checked)
        .map(|l| l.document_id)
        .collect();
    for e in &mut errors {
        if let Some(rest) = e.field.strip_prefix("lines[") {
            if let Some((i, f)) = rest.split_once("].") {
                if let Some(doc) = i.parse::<usize>().ok().and_then(|i| ticked.get(i)) {
                    e.field = format!("doc{doc}.{f}");
                }
            }
        }
    }
    render(
        &FormPage {
            chrome: chrome(state, pa, "New payment run", "/billing/payment-runs").await,
            accounts,
            bank_account_id: input.bank_account_id,
            due_by: input.due_by,
            execution_date: input.execution_date,
            note: input.note,
            lines,
            excluded: proposal.map(|p| p.excluded).unwrap_or_default(),
            proposed: true,
            errors,
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !runs::may_write(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = input_of(&pairs);
    match runs::create(&state.store, &pa.actor, &input, None).await {
        Ok(r) => redirect_with(
            &format!("/billing/payment-runs/{}", r.id),
            "The payment run was saved as a draft. Check it and submit it for approval.",
        ),
        Err(e) if is_invalid(&e) => form_again(&state, &pa, &pairs, e.field_errors()).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "billing/run_show.html")]
struct ShowPage {
    chrome: Chrome,
    run: PaymentRun,
    can_write: bool,
    errors: Vec<FieldError>,
    problem: Option<String>,
}

impl ShowPage {
    fn amount(&self, minor: &i64) -> String {
        self.chrome.num(money(*minor, &self.run.currency))
    }
    fn plain(&self, minor: &i64) -> String {
        money(*minor, &self.run.currency)
    }
    fn is_draft(&self) -> bool {
        self.run.status == RunStatus::Draft
    }
    fn has_file(&self) -> bool {
        matches!(self.run.status, RunStatus::Approved | RunStatus::Sent)
    }
    fn line_error(&self, i: &usize) -> Option<String> {
        field_error(&self.errors, &format!("lines[{i}].amount"))
            .or_else(|| field_error(&self.errors, &format!("lines[{i}].document_id")))
    }
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    errors: Vec<FieldError>,
    problem: Option<String>,
) -> Response {
    let run = match runs::get(&state.store, &pa.actor, id).await {
        Ok(r) => r,
        Err(e) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!errors.is_empty() && problem.is_none());
    render(
        &ShowPage {
            chrome: chrome(state, pa, &run.title(), "/billing/payment-runs").await,
            run,
            can_write: runs::may_write(&pa.actor),
            errors,
            problem,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, Vec::new(), None).await
}

/// Saves a draft's lines: the ones kept, with their amounts.
async fn save<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !runs::may_write(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let version = field(&pairs, "version").parse().ok();
    let input = input_of(&pairs);
    match runs::update(&state.store, &pa.actor, id, &input, version).await {
        Ok(_) => redirect_with(
            &format!("/billing/payment-runs/{id}"),
            "The payment run was saved.",
        ),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, e.field_errors(), None).await,
        Err(Error::Conflict { message }) => {
            show_view(&state, &pa, id, Vec::new(), Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    match runs::submit(&state.store, &pa.actor, id, version).await {
        Ok(_) => redirect_with(
            &format!("/billing/payment-runs/{id}"),
            "The payment run waits in the approvals inbox: another user approves it.",
        ),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, e.field_errors(), None).await,
        Err(Error::Conflict { message }) => {
            show_view(&state, &pa, id, Vec::new(), Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn send<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match runs::send(&state.store, &pa.actor, id).await {
        Ok(_) => redirect_with(
            &format!("/billing/payment-runs/{id}"),
            "The payment run is marked sent and its payments are recorded.",
        ),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, e.field_errors(), None).await,
        Err(Error::Conflict { message }) => {
            show_view(&state, &pa, id, Vec::new(), Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match runs::delete(&state.store, &pa.actor, id).await {
        Ok(()) => redirect_with("/billing/payment-runs", "The draft run was discarded."),
        Err(Error::Conflict { message }) => {
            show_view(&state, &pa, id, Vec::new(), Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn download<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match crate::views::billing::run_file(&state.store, &pa.actor, id).await {
        Ok(d) => crate::forms::download_response(d),
        Err(Error::Conflict { message }) => {
            show_view(&state, &pa, id, Vec::new(), Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
