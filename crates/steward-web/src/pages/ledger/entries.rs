//! Entries: the list (search, filters, sort, paging, export), the entry form (lines added
//! with htmx or, without JavaScript, by a round trip), an entry's page with the actions its
//! state allows (edit, post, delete a draft; approve or reject a pending one; reverse a
//! posted one, optionally with a corrected copy).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rand::RngCore;
use std::collections::HashMap;
use steward_core::auth::{Action, Actor};
use steward_core::error::FieldError;
use steward_core::ids::{DepartmentId, EntryId, UserId};
use steward_core::ledger::service::{self, Intent, ReverseInput};
use steward_core::ledger::{
    Account, AccountQuery, Commodity, Entry, EntryInput, EntryQuery, EntrySort, EntryStatus,
    EntrySummary, Journal, LineInput,
};
use steward_core::list::{Page, Paging, SortKey};
use steward_core::Error;

use super::{amount, can, field, find_error, href_with, is_invalid, non_empty};
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/ledger/entries", get(index::<S>).post(create::<S>))
        .route("/ledger/entries/new", get(new_form::<S>))
        .route("/ledger/entries/line", get(line_fragment::<S>))
        .route("/ledger/entries/{id}", get(show::<S>))
        .route(
            "/ledger/entries/{id}/edit",
            get(edit_form::<S>).post(edit::<S>),
        )
        .route("/ledger/entries/{id}/post", post(post_draft::<S>))
        .route("/ledger/entries/{id}/delete", post(delete_draft::<S>))
        .route("/ledger/entries/{id}/approve", post(approve::<S>))
        .route("/ledger/entries/{id}/reject", post(reject::<S>))
        .route("/ledger/entries/{id}/reverse", post(reverse::<S>))
        .route("/ledger/entries/{id}/correct", get(correct_form::<S>))
}

/// Rows a new entry form starts with.
const START_LINES: usize = 4;
/// The form never grows beyond this (the service allows 1000 lines; a form that long is
/// an import).
const MAX_FORM_LINES: usize = 200;

// ---------------------------------------------------------------- list

const COLUMNS: &[Column] = &[
    col("date", "Date", true),
    col("number", "Number", true),
    col("journal", "Journal", false),
    col("description", "Description", true),
    col("reference", "Reference", false),
    col("status", "Status", true),
];

const EXPORT_HEADERS: &[&str] = &[
    "id",
    "date",
    "number",
    "journal",
    "status",
    "reference",
    "description",
    "reverses",
];

fn export_row(e: &EntrySummary) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.date.to_string(),
        e.number.clone().unwrap_or_default(),
        e.journal_code.clone(),
        e.status.as_str().to_string(),
        e.reference.clone(),
        e.description.clone(),
        e.reverses.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

#[derive(Template)]
#[template(path = "ledger/entries/list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    entries: Vec<EntrySummary>,
    journals: Vec<Journal>,
    accounts: Vec<Account>,
    errors: Vec<FieldError>,
    can_create: bool,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let params = ListParams::new(pairs);
    let (q, errors) = match EntryQuery::filters_from(|k| params.get(k).map(str::to_string)) {
        Ok(mut q) => {
            let (sort, dir) = params.sort::<EntrySort>();
            q.sort = sort;
            q.dir = dir;
            q.paging = params.paging();
            (q, Vec::new())
        }
        Err(e) if is_invalid(&e) => (EntryQuery::default(), e.field_errors()),
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            return match service::export_entries(store, actor, &q).await {
                Ok(items) => export(
                    format,
                    "entries",
                    EXPORT_HEADERS,
                    items.iter().map(export_row).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    let journals = match service::journals(store, actor).await {
        Ok(j) => j,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let page = if errors.is_empty() {
        match service::list_entries(store, actor, &q).await {
            Ok(p) => p,
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        Page {
            items: Vec::new(),
            total: 0,
            limit: q.paging.limit,
            offset: 0,
        }
    };
    let accounts = service::chart(store, actor).await.unwrap_or_default();
    let list = ListView::new(
        "/ledger/entries",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome: chrome(&state, &pa, "Entries", "/ledger/entries").await,
        list,
        entries: page.items,
        journals,
        accounts,
        errors,
        can_create: can(actor, Action::Create),
    };
    render(&p, status)
}

// ---------------------------------------------------------------- the entry form

/// One line of the form, as typed.
#[derive(Debug, Default, Clone)]
pub(crate) struct LineRow {
    account: String,
    debit: String,
    credit: String,
    commodity: String,
    memo: String,
    department_id: String,
    project: String,
    /// Price per unit (`@`), or the line's total price (`@@`), in `price_commodity`
    /// (empty: the company currency). One of the two.
    price: String,
    total_price: String,
    price_commodity: String,
}

impl LineRow {
    fn is_blank(&self) -> bool {
        [
            &self.account,
            &self.debit,
            &self.credit,
            &self.commodity,
            &self.memo,
            &self.department_id,
            &self.project,
            &self.price,
            &self.total_price,
            &self.price_commodity,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }

    /// The price as the closed "Price" toggle shows it (`@ 50 USD`), or empty.
    fn price_summary(&self) -> String {
        let (sign, value) = match (non_empty(&self.price), non_empty(&self.total_price)) {
            (Some(p), None) => ("@", p),
            (None, Some(t)) => ("@@", t),
            (None, None) => return String::new(),
            (Some(p), Some(t)) => return format!("@ {p} / @@ {t}"),
        };
        match non_empty(&self.price_commodity) {
            Some(c) => format!("{sign} {value} {c}"),
            None => format!("{sign} {value}"),
        }
    }
}

/// The entry form as typed.
#[derive(Debug, Default, Clone)]
pub(crate) struct EntryForm {
    date: String,
    journal: String,
    reference: String,
    description: String,
    comment: String,
    lines: Vec<LineRow>,
    /// Idempotency key: a double submit creates one entry.
    key: String,
    version: i64,
}

fn new_key() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    format!("form-{}", hex::encode(b))
}

impl EntryForm {
    fn blank(today: &str) -> Self {
        EntryForm {
            date: today.to_string(),
            journal: "GJ".into(),
            lines: vec![LineRow::default(); START_LINES],
            key: new_key(),
            ..Default::default()
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = EntryForm {
            date: field(pairs, "date"),
            journal: field(pairs, "journal"),
            reference: field(pairs, "reference"),
            description: field(pairs, "description"),
            comment: field(pairs, "comment"),
            key: field(pairs, "key"),
            version: field(pairs, "version").trim().parse().unwrap_or(0),
            lines: Vec::new(),
        };
        for (k, v) in pairs {
            let Some((i, name)) = k
                .strip_prefix("lines[")
                .and_then(|r| r.split_once("]."))
                .and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n)))
            else {
                continue;
            };
            if i >= MAX_FORM_LINES {
                continue;
            }
            if f.lines.len() <= i {
                f.lines.resize(i + 1, LineRow::default());
            }
            let l = &mut f.lines[i];
            let slot = match name {
                "account" => &mut l.account,
                "debit" => &mut l.debit,
                "credit" => &mut l.credit,
                "commodity" => &mut l.commodity,
                "memo" => &mut l.memo,
                "department_id" => &mut l.department_id,
                "project" => &mut l.project,
                "price" => &mut l.price,
                "total_price" => &mut l.total_price,
                "price_commodity" => &mut l.price_commodity,
                _ => continue,
            };
            *slot = v.clone();
        }
        if f.lines.len() < 2 {
            f.lines.resize(2, LineRow::default());
        }
        f
    }

    /// From a stored entry (edit a draft, correct a posted one).
    fn from_entry(e: &Entry, commodities: &[Commodity]) -> Self {
        let precision = |sym: &str| {
            commodities
                .iter()
                .find(|c| c.symbol == sym)
                .map(|c| c.precision)
                .unwrap_or(2)
        };
        let mut lines: Vec<LineRow> = e
            .lines
            .iter()
            .map(|l| {
                let a = amount(l.amount.abs(), precision(&l.commodity));
                LineRow {
                    account: l.account.clone(),
                    debit: if l.amount >= 0 {
                        a.clone()
                    } else {
                        String::new()
                    },
                    credit: if l.amount < 0 { a } else { String::new() },
                    commodity: l.commodity.clone(),
                    memo: l.memo.clone(),
                    department_id: l.department_id.map(|d| d.to_string()).unwrap_or_default(),
                    project: l.project.clone(),
                    price: String::new(),
                    total_price: l
                        .cost
                        .as_ref()
                        .map(|c| amount(c.amount.abs(), precision(&c.commodity)))
                        .unwrap_or_default(),
                    price_commodity: l
                        .cost
                        .as_ref()
                        .map(|c| c.commodity.clone())
                        .unwrap_or_default(),
                }
            })
            .collect();
        lines.push(LineRow::default());
        EntryForm {
            date: e.date.to_string(),
            journal: e.journal_code.clone(),
            reference: e.reference.clone(),
            description: e.description.clone(),
            comment: e.comment.clone(),
            lines,
            key: new_key(),
            version: e.version,
        }
    }

    /// The service's input, the form row of each input line, and the errors found here
    /// (a department id that is not a number, a price commodity without a price).
    fn to_input(&self) -> (EntryInput, Vec<usize>, Vec<FieldError>) {
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            if l.is_blank() {
                continue;
            }
            let department_id = match non_empty(&l.department_id) {
                None => None,
                Some(d) => match d.parse::<i64>() {
                    Ok(v) if v > 0 => Some(DepartmentId(v)),
                    _ => {
                        errors.push(FieldError {
                            field: format!("lines[{i}].department_id"),
                            message: format!("`{d}` is not a department id (a number)"),
                        });
                        None
                    }
                },
            };
            rows.push(i);
            let price = non_empty(&l.price);
            let total_price = non_empty(&l.total_price);
            let price_commodity = non_empty(&l.price_commodity);
            if price.is_none() && total_price.is_none() && price_commodity.is_some() {
                errors.push(FieldError {
                    field: format!("lines[{i}].price_commodity"),
                    message: "give a unit or a total price in it, or leave it empty".into(),
                });
            }
            lines.push(LineInput {
                account: l.account.trim().to_string(),
                amount: None,
                debit: non_empty(&l.debit),
                credit: non_empty(&l.credit),
                commodity: non_empty(&l.commodity),
                price,
                total_price,
                price_commodity,
                department_id,
                project: non_empty(&l.project),
                memo: non_empty(&l.memo),
            });
        }
        let input = EntryInput {
            date: self.date.trim().to_string(),
            journal: non_empty(&self.journal),
            reference: self.reference.clone(),
            description: self.description.clone(),
            comment: self.comment.clone(),
            lines,
        };
        (input, rows, errors)
    }
}

/// Service errors name lines by their place among the non-blank lines; the form shows them
/// beside the row they came from. `prefix` (`corrected.`) is dropped.
fn remap_errors(errors: Vec<FieldError>, rows: &[usize], prefix: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some(rest) = e.field.strip_prefix(prefix) {
                e.field = rest.to_string();
            }
            if let Some((n, tail)) = e
                .field
                .strip_prefix("lines[")
                .and_then(|r| r.split_once(']'))
                .and_then(|(n, t)| Some((n.parse::<usize>().ok()?, t.to_string())))
            {
                if let Some(row) = rows.get(n) {
                    e.field = format!("lines[{row}]{tail}");
                }
            }
            e
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FormMode {
    New,
    Edit,
    Correct,
}

/// What the entry form needs besides the typed values.
struct FormContext {
    journals: Vec<Journal>,
    accounts: Vec<(String, String)>,
    commodities: Vec<Commodity>,
    currency: String,
}

async fn form_context<S: Backend>(
    state: &AppState<S>,
    actor: &Actor,
) -> Result<FormContext, Error> {
    let journals = service::journals(&state.store, actor).await?;
    let leaf = AccountQuery {
        leaf_only: true,
        active: Some(true),
        paging: Paging::export(),
        ..Default::default()
    };
    let accounts = service::list_accounts(&state.store, actor, &leaf)
        .await?
        .items
        .into_iter()
        .map(|a| (a.name.to_string(), a.code.unwrap_or_default()))
        .collect();
    let commodities = service::commodities(&state.store, actor).await?;
    Ok(FormContext {
        journals,
        accounts,
        commodities,
        currency: actor.company_currency.clone(),
    })
}

#[derive(Template)]
#[template(path = "ledger/entries/form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    cancel: String,
    mode: FormMode,
    form: EntryForm,
    ctx: FormContext,
    errors: Vec<FieldError>,
    /// The reversal's date and reason (correct mode).
    reverse_date: String,
    reason: String,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    /// `i` arrives as a reference of some depth from the template.
    fn line_error(&self, i: impl std::fmt::Display, name: &str) -> Option<String> {
        find_error(&self.errors, &format!("lines[{i}].{name}"))
    }
    /// Errors about the lines as a whole (`lines`: the entry does not balance).
    fn other_errors(&self) -> Vec<String> {
        let known = [
            "date",
            "journal",
            "reference",
            "description",
            "comment",
            "reason",
            "reverse_date",
            "key",
        ];
        self.errors
            .iter()
            .filter(|e| !known.contains(&e.field.as_str()) && !e.field.starts_with("lines["))
            .map(|e| {
                if e.field == "lines" {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.field, e.message)
                }
            })
            .collect()
    }
    fn is_correct(&self) -> bool {
        self.mode == FormMode::Correct
    }
    /// What an empty price commodity means.
    fn currency(&self) -> &str {
        &self.ctx.currency
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    mode: FormMode,
    heading: String,
    action: String,
    cancel: String,
    form: EntryForm,
    errors: Vec<FieldError>,
    reverse: (String, String),
    status: StatusCode,
) -> Response {
    let ctx = match form_context(state, &pa.actor).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = FormPage {
        chrome: chrome(state, pa, &heading, "/ledger/entries").await,
        heading,
        action,
        cancel,
        mode,
        form,
        ctx,
        errors,
        reverse_date: reverse.0,
        reason: reverse.1,
    };
    render(&page, status)
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !can(&pa.actor, Action::Create) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let form = EntryForm::blank(&service::today().to_string());
    form_page(
        &state,
        &pa,
        FormMode::New,
        "New entry".into(),
        "/ledger/entries".into(),
        "/ledger/entries".into(),
        form,
        Vec::new(),
        Default::default(),
        StatusCode::OK,
    )
    .await
}

/// A press of "Add line" without JavaScript: the same form with one more row.
fn wants_more_lines(pairs: &[(String, String)]) -> bool {
    field(pairs, "action") == "add_line"
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = EntryForm::from_pairs(&pairs);
    let again = |form: EntryForm, errors: Vec<FieldError>, status| {
        let (state, pa) = (&state, &pa);
        async move {
            form_page(
                state,
                pa,
                FormMode::New,
                "New entry".into(),
                "/ledger/entries".into(),
                "/ledger/entries".into(),
                form,
                errors,
                Default::default(),
                status,
            )
            .await
        }
    };
    if wants_more_lines(&pairs) {
        if form.lines.len() < MAX_FORM_LINES {
            form.lines.push(LineRow::default());
        }
        return again(form, Vec::new(), StatusCode::OK).await;
    }
    let intent = if field(&pairs, "intent") == "draft" {
        Intent::Draft
    } else {
        Intent::Post
    };
    let (input, rows, errors) = form.to_input();
    if !errors.is_empty() {
        return again(form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let key = non_empty(&form.key);
    match service::create_entry(&state.store, &pa.actor, &input, key.as_deref(), intent).await {
        Ok(e) => redirect_with(&format!("/ledger/entries/{}", e.id), &saved_message(&e)),
        Err(e) => match super::form_errors(&e, "lines") {
            Some(errors) => {
                again(
                    form,
                    remap_errors(errors, &rows, ""),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

fn saved_message(e: &Entry) -> String {
    match (e.status, &e.number) {
        (EntryStatus::Posted, Some(n)) => format!("Entry {n} posted."),
        (EntryStatus::Posted, None) => "Entry posted.".into(),
        (EntryStatus::Pending, _) => {
            "The entry is above the approval threshold: it waits for another user's approval."
                .into()
        }
        (EntryStatus::Draft, _) => "Draft saved.".into(),
    }
}

#[derive(Template)]
#[template(path = "ledger/entries/line.html")]
struct LineFragment {
    i: usize,
    line: LineRow,
    currency: String,
}

impl LineFragment {
    fn currency(&self) -> &str {
        &self.currency
    }
    fn line_error(&self, _i: impl std::fmt::Display, _name: &str) -> Option<String> {
        None
    }
}

#[derive(serde::Deserialize)]
struct LineQuery {
    #[serde(default)]
    i: usize,
}

/// One more empty line row for the entry form (htmx "Add line").
async fn line_fragment<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(q): Query<LineQuery>,
) -> Response {
    if !can(&pa.actor, Action::Create) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let page = LineFragment {
        i: q.i.min(MAX_FORM_LINES),
        line: LineRow::default(),
        currency: pa.actor.company_currency.clone(),
    };
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------- one entry

/// The price of one unit of a line with a cost: `cost / quantity`, shown with the cost
/// commodity's places and up to two more where the division needs them (rounded half away
/// from zero, `≈` in front when rounded). `None` for a zero quantity.
fn unit_price(quantity: i64, q_precision: u8, cost: i64, c_precision: u8) -> Option<String> {
    const EXTRA: u32 = 2;
    let q = i128::from(quantity).abs();
    if q == 0 {
        return None;
    }
    let c = i128::from(cost).abs();
    // cost / 10^cp / (q / 10^qp), in units of 10^-(cp + EXTRA).
    let num = c.checked_mul(10i128.checked_pow(u32::from(q_precision) + EXTRA)?)?;
    let (mut v, rem) = (num / q, num % q);
    if rem * 2 >= q {
        v += 1;
    }
    let mut places = u32::from(c_precision) + EXTRA;
    while places > u32::from(c_precision) && v % 10 == 0 {
        v /= 10;
        places -= 1;
    }
    let text = steward_core::money::format_minor(i64::try_from(v).ok()?, places.try_into().ok()?);
    Some(if rem == 0 { text } else { format!("≈{text}") })
}

struct LineView {
    account_id: i64,
    account: String,
    debit: String,
    credit: String,
    commodity: String,
    cost: String,
    memo: String,
    department: String,
    project: String,
}

#[derive(Template)]
#[template(path = "ledger/entries/show.html")]
struct ShowPage {
    chrome: Chrome,
    e: Entry,
    journal: String,
    lines: Vec<LineView>,
    /// Per commodity: debits, credits, the commodity.
    totals: Vec<(String, String, String)>,
    created_by: String,
    approved_by: String,
    can_edit: bool,
    can_post: bool,
    can_delete: bool,
    can_approve: bool,
    own_entry: bool,
    can_reverse: bool,
    errors: Vec<FieldError>,
    reverse_date: String,
    reason: String,
    comment: String,
    /// Tasks linked to this entry.
    task_links: crate::pages::work::tasks::TaskLinks,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    fn action_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| !["comment", "reason", "date"].contains(&e.field.as_str()))
            .map(|e| e.message.clone())
            .collect()
    }
}

/// A user's name for "who": the actor themselves, or the name when the actor may read
/// users, else the id.
async fn who<S: Backend>(state: &AppState<S>, actor: &Actor, id: Option<UserId>) -> String {
    let Some(id) = id else {
        return String::new();
    };
    if id == actor.user_id {
        return format!("{} (you)", actor.display_name);
    }
    match steward_core::users::get_user(&state.store, actor, id).await {
        Ok(u) => u.display_name,
        Err(_) => format!("user #{id}"),
    }
}

#[derive(Default)]
struct ShowForms {
    errors: Vec<FieldError>,
    reverse_date: String,
    reason: String,
    comment: String,
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: EntryId,
    forms: ShowForms,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let e = match service::get_entry(store, actor, id).await {
        Ok(e) => e,
        Err(e) => return fail(state, pa, e).await,
    };
    let commodities = service::commodities(store, actor).await.unwrap_or_default();
    let journals = service::journals(store, actor).await.unwrap_or_default();
    let precision: HashMap<&str, u8> = commodities
        .iter()
        .map(|c| (c.symbol.as_str(), c.precision))
        .collect();
    let p = |sym: &str| precision.get(sym).copied().unwrap_or(2);
    let lines = e
        .lines
        .iter()
        .map(|l| {
            let a = amount(l.amount.abs(), p(&l.commodity));
            LineView {
                account_id: l.account_id.0,
                account: l.account.clone(),
                debit: if l.amount > 0 {
                    a.clone()
                } else {
                    String::new()
                },
                credit: if l.amount < 0 { a } else { String::new() },
                commodity: l.commodity.clone(),
                cost: l
                    .cost
                    .as_ref()
                    .map(|c| {
                        let pc = p(&c.commodity);
                        let total = amount(c.amount.abs(), pc);
                        match unit_price(l.amount, p(&l.commodity), c.amount, pc) {
                            Some(unit) => format!(
                                "at {unit} {sym} each, {total} {sym} in all",
                                sym = c.commodity
                            ),
                            None => format!("at {total} {} in all", c.commodity),
                        }
                    })
                    .unwrap_or_default(),
                memo: l.memo.clone(),
                department: l.department_id.map(|d| d.to_string()).unwrap_or_default(),
                project: l.project.clone(),
            }
        })
        .collect();
    // Debits and credits per commodity, each summed on its own: a line with a price
    // balances in another commodity, so one commodity's debits need not equal its credits.
    let mut sums: Vec<(String, i64, i64)> = Vec::new();
    for l in &e.lines {
        let i = match sums.iter().position(|(c, _, _)| *c == l.commodity) {
            Some(i) => i,
            None => {
                sums.push((l.commodity.clone(), 0, 0));
                sums.len() - 1
            }
        };
        let t = &mut sums[i];
        if l.amount >= 0 {
            t.1 = t.1.saturating_add(l.amount);
        } else {
            t.2 = t.2.saturating_add(l.amount.saturating_abs());
        }
    }
    let totals = sums
        .into_iter()
        .map(|(sym, d, c)| (amount(d, p(&sym)), amount(c, p(&sym)), sym))
        .collect();
    let journal = journals
        .iter()
        .find(|j| j.id == e.journal_id)
        .map(|j| format!("{} ({})", j.name, j.code))
        .unwrap_or_else(|| e.journal_code.clone());
    let own_entry = e.created_by == Some(actor.user_id);
    let page = ShowPage {
        chrome: chrome(
            state,
            pa,
            &e.number
                .clone()
                .unwrap_or_else(|| format!("Entry #{}", e.id)),
            "/ledger/entries",
        )
        .await,
        journal,
        lines,
        totals,
        created_by: who(state, actor, e.created_by).await,
        approved_by: who(state, actor, e.approved_by).await,
        can_edit: e.status == EntryStatus::Draft && can(actor, Action::Update),
        can_post: e.status == EntryStatus::Draft && can(actor, Action::Create),
        can_delete: e.status != EntryStatus::Posted && can(actor, Action::Delete),
        can_approve: e.status == EntryStatus::Pending && can(actor, Action::Approve),
        own_entry,
        can_reverse: e.status == EntryStatus::Posted
            && e.reverses.is_none()
            && e.reversed_by.is_none()
            && can(actor, Action::Create),
        errors: forms.errors,
        reverse_date: if forms.reverse_date.is_empty() {
            service::today().to_string()
        } else {
            forms.reverse_date
        },
        reason: forms.reason,
        comment: forms.comment,
        task_links: crate::pages::work::tasks::TaskLinks::load(
            state,
            actor,
            &steward_core::work::RecordRef::new(steward_core::ledger::ENTRY, e.id.0),
        )
        .await,
        e,
    };
    render(&page, status)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_page(
        &state,
        &pa,
        EntryId(id),
        ShowForms::default(),
        StatusCode::OK,
    )
    .await
}

/// After a failed action on an entry's page: the page again with the error beside its
/// form, or the error page.
async fn show_failed<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    e: Error,
    forms: ShowForms,
) -> Response {
    match super::form_errors(&e, "entry") {
        Some(errors) => {
            let status = crate::error::status_of(&e);
            show_page(
                state,
                pa,
                EntryId(id),
                ShowForms { errors, ..forms },
                status,
            )
            .await
        }
        None => fail(state, pa, e).await,
    }
}

async fn post_draft<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match service::post_draft(&state.store, &pa.actor, EntryId(id)).await {
        Ok(e) => redirect_with(&format!("/ledger/entries/{id}"), &saved_message(&e)),
        Err(e) => show_failed(&state, &pa, id, e, ShowForms::default()).await,
    }
}

async fn delete_draft<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match service::delete_draft(&state.store, &pa.actor, EntryId(id)).await {
        Ok(()) => redirect_with("/ledger/entries", "The entry was deleted."),
        Err(e) => show_failed(&state, &pa, id, e, ShowForms::default()).await,
    }
}

async fn approve<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let comment = field(&pairs, "comment");
    match service::approve_entry(&state.store, &pa.actor, EntryId(id), &comment).await {
        Ok(e) => redirect_with(
            &format!("/ledger/entries/{id}"),
            &format!(
                "Approved: entry {} is posted.",
                e.number.unwrap_or_else(|| format!("#{id}"))
            ),
        ),
        Err(e) => {
            let forms = ShowForms {
                comment,
                ..Default::default()
            };
            show_failed(&state, &pa, id, e, forms).await
        }
    }
}

async fn reject<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let comment = field(&pairs, "comment");
    match service::reject_entry(&state.store, &pa.actor, EntryId(id), &comment).await {
        Ok(_) => redirect_with(
            &format!("/ledger/entries/{id}"),
            "Rejected: the entry is a draft again.",
        ),
        Err(e) => {
            let forms = ShowForms {
                comment,
                ..Default::default()
            };
            show_failed(&state, &pa, id, e, forms).await
        }
    }
}

/// The reverse form (date, reason, "also post a corrected copy"), and the correction form
/// posting here with the corrected entry's fields.
async fn reverse<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let date = field(&pairs, "reverse_date");
    let reason = field(&pairs, "reason");
    let with_copy = field(&pairs, "correct") == "1";
    let is_correction_form = field(&pairs, "with_correction") == "1";
    if with_copy && !is_correction_form {
        if reason.trim().is_empty() {
            let forms = ShowForms {
                errors: vec![FieldError {
                    field: "reason".into(),
                    message: "say why the entry is reversed".into(),
                }],
                reverse_date: date,
                reason,
                comment: String::new(),
            };
            return show_page(
                &state,
                &pa,
                EntryId(id),
                forms,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        let to = href_with(
            &format!("/ledger/entries/{id}/correct"),
            &[("reverse_date", date), ("reason", reason)],
        );
        return Redirect::to(&to).into_response();
    }
    let (corrected, rows, form) = if is_correction_form {
        let mut form = EntryForm::from_pairs(&pairs);
        if wants_more_lines(&pairs) {
            if form.lines.len() < MAX_FORM_LINES {
                form.lines.push(LineRow::default());
            }
            return correct_page(
                &state,
                &pa,
                id,
                form,
                Vec::new(),
                (date, reason),
                StatusCode::OK,
            )
            .await;
        }
        let (input, rows, errors) = form.to_input();
        if !errors.is_empty() {
            return correct_page(
                &state,
                &pa,
                id,
                form,
                errors,
                (date, reason),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        (Some(input), rows, Some(form))
    } else {
        (None, Vec::new(), None)
    };
    let input = ReverseInput {
        date: non_empty(&date),
        reason: reason.clone(),
        corrected,
    };
    match service::reverse_entry(&state.store, &pa.actor, EntryId(id), &input).await {
        Ok((rev, corrected)) => {
            let (to, msg) = match corrected {
                Some(c) => (
                    format!("/ledger/entries/{}", c.id),
                    format!(
                        "Reversed by {} and corrected by {}.",
                        rev.number.clone().unwrap_or_default(),
                        c.number.clone().unwrap_or_default()
                    ),
                ),
                None => (
                    format!("/ledger/entries/{}", rev.id),
                    format!(
                        "Reversed: {} cancels the entry.",
                        rev.number.clone().unwrap_or_default()
                    ),
                ),
            };
            redirect_with(&to, &msg)
        }
        Err(e) => match form {
            Some(form) => match super::form_errors(&e, "lines") {
                Some(mut errors) => {
                    // Unprefixed errors are the reversal's own.
                    for e in errors.iter_mut().filter(|e| e.field == "date") {
                        e.field = "reverse_date".into();
                    }
                    let errors = remap_errors(errors, &rows, "corrected.");
                    correct_page(
                        &state,
                        &pa,
                        id,
                        form,
                        errors,
                        (date, reason),
                        crate::error::status_of(&e),
                    )
                    .await
                }
                None => fail(&state, &pa, e).await,
            },
            None => {
                let forms = ShowForms {
                    reverse_date: date,
                    reason,
                    ..Default::default()
                };
                show_failed(&state, &pa, id, e, forms).await
            }
        },
    }
}

#[allow(clippy::too_many_arguments)]
async fn correct_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: EntryForm,
    errors: Vec<FieldError>,
    reverse: (String, String),
    status: StatusCode,
) -> Response {
    form_page(
        state,
        pa,
        FormMode::Correct,
        "Reverse and correct".into(),
        format!("/ledger/entries/{id}/reverse"),
        format!("/ledger/entries/{id}"),
        form,
        errors,
        reverse,
        status,
    )
    .await
}

/// The entry form prefilled with a posted entry: posting it reverses the original and
/// posts the corrected copy together.
async fn correct_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    if !can(actor, Action::Create) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let e = match service::get_entry(store, actor, EntryId(id)).await {
        Ok(e) => e,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if e.status != EntryStatus::Posted {
        return fail(
            &state,
            &pa,
            Error::conflict("only a posted entry is reversed; change or delete a draft"),
        )
        .await;
    }
    let commodities = service::commodities(store, actor).await.unwrap_or_default();
    let form = EntryForm::from_entry(&e, &commodities);
    let date = field(&pairs, "reverse_date");
    let reason = field(&pairs, "reason");
    correct_page(
        &state,
        &pa,
        id,
        form,
        Vec::new(),
        (date, reason),
        StatusCode::OK,
    )
    .await
}

async fn edit_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    if !can(actor, Action::Update) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let e = match service::get_entry(store, actor, EntryId(id)).await {
        Ok(e) => e,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if e.status != EntryStatus::Draft {
        return fail(
            &state,
            &pa,
            Error::conflict(
                "only a draft can be changed; a posted entry is corrected by a reversal",
            ),
        )
        .await;
    }
    let commodities = service::commodities(store, actor).await.unwrap_or_default();
    let form = EntryForm::from_entry(&e, &commodities);
    edit_page(&state, &pa, id, form, Vec::new(), StatusCode::OK).await
}

async fn edit_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: EntryForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    form_page(
        state,
        pa,
        FormMode::Edit,
        format!("Edit draft #{id}"),
        format!("/ledger/entries/{id}/edit"),
        format!("/ledger/entries/{id}"),
        form,
        errors,
        Default::default(),
        status,
    )
    .await
}

async fn edit<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut form = EntryForm::from_pairs(&pairs);
    if wants_more_lines(&pairs) {
        if form.lines.len() < MAX_FORM_LINES {
            form.lines.push(LineRow::default());
        }
        return edit_page(&state, &pa, id, form, Vec::new(), StatusCode::OK).await;
    }
    let (input, rows, errors) = form.to_input();
    if !errors.is_empty() {
        return edit_page(
            &state,
            &pa,
            id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (store, actor) = (&state.store, &pa.actor);
    let result = async {
        let e = service::update_draft(store, actor, EntryId(id), &input, form.version).await?;
        if field(&pairs, "intent") == "post" {
            service::post_draft(store, actor, e.id).await
        } else {
            Ok(e)
        }
    }
    .await;
    match result {
        Ok(e) => redirect_with(&format!("/ledger/entries/{id}"), &saved_message(&e)),
        Err(e) => match super::form_errors(&e, "lines") {
            Some(errors) => {
                let status = crate::error::status_of(&e);
                edit_page(
                    &state,
                    &pa,
                    id,
                    form,
                    remap_errors(errors, &rows, ""),
                    status,
                )
                .await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_lines_price_reaches_the_service_input() {
        let form = EntryForm::from_pairs(&pairs(&[
            ("date", "2026-03-10"),
            ("lines[0].account", "Assets:Shares"),
            ("lines[0].debit", "10"),
            ("lines[0].commodity", "AAPL"),
            ("lines[0].price", " 50.125 "),
            ("lines[0].price_commodity", "USD"),
            ("lines[1].account", "1000"),
            ("lines[2].total_price", "12"),
        ]));
        let (input, rows, errors) = form.to_input();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows, [0, 1, 2], "a row with only a price is not blank");
        let l = &input.lines[0];
        assert_eq!(l.price.as_deref(), Some("50.125"));
        assert_eq!(l.total_price, None);
        assert_eq!(l.price_commodity.as_deref(), Some("USD"));
        assert_eq!(input.lines[1].price, None);
        assert_eq!(input.lines[2].total_price.as_deref(), Some("12"));
        assert_eq!(form.lines[0].price_summary(), "@ 50.125 USD");
        assert_eq!(form.lines[2].price_summary(), "@@ 12");
        assert_eq!(form.lines[1].price_summary(), "");
    }

    #[test]
    fn a_price_commodity_without_a_price_is_named_on_its_row() {
        let form = EntryForm::from_pairs(&pairs(&[
            ("lines[0].account", "6100"),
            ("lines[0].debit", "1"),
            ("lines[2].account", "1000"),
            ("lines[2].price_commodity", "USD"),
        ]));
        let (_, rows, errors) = form.to_input();
        assert_eq!(rows, [0, 2]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "lines[2].price_commodity");
    }

    #[test]
    fn the_service_names_price_errors_by_the_typed_row() {
        let errors = vec![FieldError {
            field: "lines[1].price".into(),
            message: "give a unit price or a total price, not both".into(),
        }];
        let out = remap_errors(errors, &[0, 3], "");
        assert_eq!(out[0].field, "lines[3].price");
    }

    #[test]
    fn unit_prices_divide_the_cost_by_the_quantity() {
        // 10 AAPL (precision 0) for 500.00 EUR.
        assert_eq!(unit_price(10, 0, 50000, 2).as_deref(), Some("50.00"));
        // 3 units for 100.00: rounded, marked.
        assert_eq!(unit_price(-3, 0, -10000, 2).as_deref(), Some("≈33.3333"));
        // 100.00 USD (precision 2) for 92.00 EUR: the rate.
        assert_eq!(unit_price(10000, 2, 9200, 2).as_deref(), Some("0.92"));
        assert_eq!(unit_price(10, 0, 50125, 3).as_deref(), Some("5.0125"));
        assert_eq!(unit_price(0, 2, 100, 2), None);
    }
}
