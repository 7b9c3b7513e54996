//! Invoices and bills: the list at `/billing/invoices` (kind, status, search, sort,
//! CSV/XLSX export), a new draft at `/billing/invoices/new?kind=invoice|bill`, one document
//! at `/billing/invoices/{id}` (post, credit, discard; a draft is changed at `…/edit`) and
//! its printable page at `…/print` (the browser's print or "save as PDF").
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::billing::invoices::{
    self, decimal_text, Invoice, InvoiceInput, InvoiceKind, InvoiceQuery, InvoiceRow, InvoiceSort,
    InvoiceStatus, LineInput,
};
use steward_core::billing::parties::{self, Party, PartyQuery, PartyRole};
use steward_core::billing::tax::{self, TaxCode};
use steward_core::billing::{postable_accounts, PostableAccount};
use steward_core::error::FieldError;
use steward_core::ids::InvoiceId;
use steward_core::list::{Paging, SortDir, SortKey};
use steward_core::Error;

use super::money;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/invoices", get(list::<S>).post(create::<S>))
        .route("/billing/invoices/new", get(new_form::<S>))
        .route("/billing/invoices/{id}", get(show::<S>))
        .route(
            "/billing/invoices/{id}/edit",
            get(edit_form::<S>).post(update::<S>),
        )
        .route("/billing/invoices/{id}/post", post(post_it::<S>))
        .route("/billing/invoices/{id}/credit", post(credit::<S>))
        .route("/billing/invoices/{id}/delete", post(remove::<S>))
        .route("/billing/invoices/{id}/print", get(print::<S>))
        .route("/billing/invoices/{id}/pdf", get(pdf::<S>))
        .route(
            "/billing/invoices/{id}/attachments",
            post(attach::<S>).layer(axum::extract::DefaultBodyLimit::max(
                crate::forms::UPLOAD_BODY_LIMIT,
            )),
        )
}

const COLUMNS: &[Column] = &[
    col("number", "Number", true),
    col("kind", "Kind", false),
    col("party", "Customer or vendor", false),
    col("issue_date", "Date", true),
    col("due_date", "Due", true),
    col("status", "Status", false),
    col("total", "Total", true),
];

/// Rows a new or changed document's form shows beyond its lines.
const BLANK_ROWS: usize = 3;

// ---------------------------------------------------------------- the list

#[derive(Template)]
#[template(path = "billing/invoice_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<InvoiceRow>,
    kind: String,
    status: String,
    can_invoice: bool,
    can_bill: bool,
}

impl ListPage {
    fn money(&self, r: &InvoiceRow) -> String {
        self.chrome
            .num(format!("{} {}", money(r.total, &r.currency), r.currency))
    }
}

pub(super) async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let sort = params
        .get("sort")
        .and_then(InvoiceSort::parse)
        .unwrap_or_default();
    let dir = match params.get("dir") {
        Some("asc") => SortDir::Asc,
        _ => SortDir::Desc,
    };
    let kind = params.get("kind").unwrap_or("").to_string();
    let status = params.get("status").unwrap_or("").to_string();
    let q = InvoiceQuery {
        kinds: InvoiceKind::filter(&kind).unwrap_or_default(),
        status: InvoiceStatus::parse(&status),
        party_id: params
            .get("party_id")
            .and_then(|p| p.parse().ok())
            .map(steward_core::ids::PartyId),
        search: params.search(),
        from: None,
        to: None,
        sort,
        dir,
        paging: if params.export_format().is_some() {
            Paging::export()
        } else {
            params.paging()
        },
    };
    let page = match invoices::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "invoices",
            invoices::EXPORT_HEADERS,
            page.items.iter().map(invoices::export_row).collect(),
        );
    }
    let list = ListView::new(
        "/billing/invoices",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Invoices and bills", "/billing/invoices").await,
            list,
            rows: page.items,
            kind,
            status,
            can_invoice: invoices::may_write(&pa.actor, InvoiceKind::Invoice),
            can_bill: invoices::may_write(&pa.actor, InvoiceKind::Bill),
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------- the form

#[derive(Template)]
#[template(path = "billing/invoice_form.html")]
struct FormPage {
    chrome: Chrome,
    kind: InvoiceKind,
    /// The draft being changed (none: a new one).
    id: Option<InvoiceId>,
    version: i64,
    input: InvoiceInput,
    /// The lines and blank rows to fill in.
    rows: Vec<LineInput>,
    parties: Vec<Party>,
    codes: Vec<TaxCode>,
    accounts: Vec<PostableAccount>,
    errors: Vec<FieldError>,
}

impl FormPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn line_error(&self, i: &usize, f: &str) -> Option<String> {
        field_error(&self.errors, &format!("lines[{i}].{f}"))
    }
    fn chose_party(&self, id: &steward_core::ids::PartyId) -> bool {
        self.input.party_id == Some(id.0)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/billing/invoices/{id}/edit"),
            None => "/billing/invoices".to_string(),
        }
    }
}

/// The lines a form sent: the i-th value of each column is row i; rows left blank are
/// dropped.
fn lines_of(pairs: &[(String, String)]) -> Vec<LineInput> {
    let col = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (d, q, p, disc, t, a, pr) = (
        col("description"),
        col("quantity"),
        col("unit_price"),
        col("discount"),
        col("tax_code"),
        col("account"),
        col("project"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    (0..d.len())
        .map(|i| LineInput {
            description: at(&d, i),
            quantity: at(&q, i),
            unit_price: at(&p, i),
            discount: at(&disc, i),
            tax_code: at(&t, i),
            account: at(&a, i),
            project: at(&pr, i),
            department_id: None,
            credited_line_id: None,
        })
        .filter(|l| {
            ![
                &l.description,
                &l.unit_price,
                &l.discount,
                &l.account,
                &l.project,
            ]
            .iter()
            .all(|s| s.trim().is_empty())
        })
        .collect()
}

fn input_of(pairs: &[(String, String)]) -> InvoiceInput {
    InvoiceInput {
        party_id: field(pairs, "party_id").trim().parse().ok(),
        issue_date: field(pairs, "issue_date"),
        due_date: field(pairs, "due_date"),
        currency: field(pairs, "currency"),
        reference: field(pairs, "reference"),
        notes: field(pairs, "notes"),
        lines: lines_of(pairs),
    }
}

fn kind_of(pairs: &[(String, String)]) -> InvoiceKind {
    match pairs
        .iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v.as_str())
    {
        Some("bill") => InvoiceKind::Bill,
        _ => InvoiceKind::Invoice,
    }
}

struct FormState {
    kind: InvoiceKind,
    id: Option<InvoiceId>,
    version: i64,
    input: InvoiceInput,
    errors: Vec<FieldError>,
}

async fn form_view<S: Backend>(state: &AppState<S>, pa: &PageActor, f: FormState) -> Response {
    if !invoices::may_write(&pa.actor, f.kind) {
        return fail(state, pa, Error::Forbidden).await;
    }
    let role = if f.kind.is_sales() {
        PartyRole::Customer
    } else {
        PartyRole::Vendor
    };
    let q = PartyQuery {
        role,
        active: Some(true),
        paging: Paging::export(),
        ..Default::default()
    };
    let parties = parties::list(&state.store, &pa.actor, &q)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let codes = tax::list(&state.store, &pa.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.active)
        .collect();
    let accounts = postable_accounts(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let mut rows = f.input.lines.clone();
    rows.extend((0..BLANK_ROWS).map(|_| LineInput {
        quantity: "1".into(),
        ..Default::default()
    }));
    let status = crate::pages::form_status(!f.errors.is_empty());
    let title = match f.id {
        Some(_) => format!("Change draft {}", f.kind.label().to_lowercase()),
        None => format!("New {}", f.kind.label().to_lowercase()),
    };
    render(
        &FormPage {
            chrome: chrome(state, pa, &title, "/billing/invoices").await,
            kind: f.kind,
            id: f.id,
            version: f.version,
            input: f.input,
            rows,
            parties,
            codes,
            accounts,
            errors: f.errors,
        },
        status,
    )
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let today = steward_core::time::Timestamp::now()
        .to_datetime()
        .date_naive()
        .to_string();
    let f = FormState {
        kind: kind_of(&pairs),
        id: None,
        version: 0,
        input: InvoiceInput {
            issue_date: today,
            party_id: field(&pairs, "party_id").parse().ok(),
            ..Default::default()
        },
        errors: Vec::new(),
    };
    form_view(&state, &pa, f).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let kind = kind_of(&pairs);
    if !invoices::may_write(&pa.actor, kind) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = input_of(&pairs);
    match invoices::create_draft(&state.store, &pa.actor, kind, &input, None).await {
        Ok(inv) => redirect_with(
            &format!("/billing/invoices/{}", inv.id),
            &format!("The draft {} was saved.", kind.label().to_lowercase()),
        ),
        Err(e) if is_invalid(&e) => {
            let f = FormState {
                kind,
                id: None,
                version: 0,
                input,
                errors: e.field_errors(),
            };
            form_view(&state, &pa, f).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn edit_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let inv = match invoices::get(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(i) => i,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if inv.status != InvoiceStatus::Draft || inv.credited_id.is_some() {
        return redirect_with(
            &format!("/billing/invoices/{id}"),
            "Only a draft invoice or bill is changed here.",
        );
    }
    let f = FormState {
        kind: inv.kind,
        id: Some(inv.id),
        version: inv.version,
        input: InvoiceInput::of(&inv),
        errors: Vec::new(),
    };
    form_view(&state, &pa, f).await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let current = match invoices::get(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(i) => i,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if !invoices::may_write(&pa.actor, current.kind) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = input_of(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match invoices::update_draft(&state.store, &pa.actor, InvoiceId(id), &input, version).await {
        Ok(inv) => redirect_with(
            &format!("/billing/invoices/{}", inv.id),
            "The draft was saved.",
        ),
        Err(e) if is_invalid(&e) => {
            let f = FormState {
                kind: current.kind,
                id: Some(current.id),
                version: version.unwrap_or(current.version),
                input,
                errors: e.field_errors(),
            };
            form_view(&state, &pa, f).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- one document

#[derive(Template)]
#[template(path = "billing/invoice_show.html")]
struct ShowPage {
    chrome: Chrome,
    inv: Invoice,
    codes: Vec<TaxCode>,
    allocations: Vec<steward_core::billing::payments::DocumentAllocation>,
    /// What it still owes (posted documents).
    open: Option<i64>,
    can_pay: bool,
    can_write: bool,
    /// Why posting (or sending) was refused.
    problem: Option<String>,
    /// The vendor's file (or any file) on the document.
    attachments: crate::pages::files::Attachments,
    /// The send form, prefilled (a posted sales document the actor may send).
    send: Option<steward_core::billing::mail::SendDraft>,
    /// Every send of the document, newest first.
    sends: Vec<steward_core::billing::mail::SendRecord>,
    /// The books' currency (book values and exchange differences are in it).
    home: String,
}

impl ShowPage {
    fn amount(&self, minor: &i64) -> String {
        self.chrome.num(money(*minor, &self.inv.currency))
    }
    /// An amount in the books' currency, with its code.
    fn book(&self, minor: &i64) -> String {
        self.chrome
            .num(format!("{} {}", money(*minor, &self.home), self.home))
    }
    /// An exchange difference in words: a gain or a loss, in the books' currency.
    fn difference(&self, minor: &i64) -> String {
        crate::pages::billing::exchange_difference(&self.chrome, *minor, &self.home)
    }
    /// Settled in a foreign currency: the allocations show their book values.
    fn foreign(&self) -> bool {
        self.inv.fx_rate.is_some() || self.allocations.iter().any(|a| a.rate.is_some())
    }
    fn qty(&self, v: &i64) -> String {
        decimal_text(*v, 4)
    }
    fn pct(&self, v: &i64) -> String {
        decimal_text(*v, 2)
    }
    fn code_name(&self, id: &steward_core::ids::TaxCodeId) -> String {
        self.codes
            .iter()
            .find(|c| c.id == *id)
            .map(|c| format!("{} ({} %)", c.name, c.rate_text()))
            .unwrap_or_default()
    }
    fn is_draft(&self) -> bool {
        self.inv.status == InvoiceStatus::Draft
    }
    fn is_pending(&self) -> bool {
        self.inv.status == InvoiceStatus::Pending
    }
    fn creditable(&self) -> bool {
        self.inv.status == InvoiceStatus::Posted && self.inv.kind.credit_kind().is_some()
    }
    fn recurrable(&self) -> bool {
        self.inv.kind == InvoiceKind::Invoice && self.can_write
    }
    fn send_to(&self) -> String {
        self.send
            .as_ref()
            .map(|s| s.to.join(", "))
            .unwrap_or_default()
    }
}

pub(super) async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    problem: Option<String>,
) -> Response {
    let inv = match invoices::get(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(i) => i,
        Err(e) => return fail(state, pa, e).await,
    };
    let codes = tax::list(&state.store, &pa.actor).await.unwrap_or_default();
    let (allocations, open) = if inv.status == InvoiceStatus::Posted {
        match steward_core::billing::payments::settlement(&state.store, &pa.actor, inv.id).await {
            Ok((a, o)) => (a, Some(o.open())),
            Err(e) => return fail(state, pa, e).await,
        }
    } else {
        (Vec::new(), None)
    };
    let pay_kind = match inv.kind {
        InvoiceKind::Invoice => Some(steward_core::billing::payments::PaymentKind::Received),
        InvoiceKind::Bill => Some(steward_core::billing::payments::PaymentKind::Made),
        _ => None,
    };
    let can_pay = pay_kind
        .is_some_and(|k| steward_core::billing::payments::may_write(&pa.actor, k))
        && open.is_some_and(|o| o > 0);
    let status = crate::pages::form_status(problem.is_some());
    let attachments = crate::pages::files::Attachments::load(
        state,
        &pa.actor,
        &steward_core::work::RecordRef::new(steward_core::billing::INVOICE, inv.id.0),
    )
    .await;
    let (send, sends) = if inv.kind.is_sales() && inv.status == InvoiceStatus::Posted {
        let send = if steward_core::billing::mail::may_send(&pa.actor) {
            steward_core::billing::mail::draft(&state.store, &pa.actor, inv.id)
                .await
                .ok()
        } else {
            None
        };
        let sends =
            match steward_core::billing::mail::sends_of_document(&state.store, &pa.actor, inv.id)
                .await
            {
                Ok(s) => s,
                Err(e) => return fail(state, pa, e).await,
            };
        (send, sends)
    } else {
        (None, Vec::new())
    };
    render(
        &ShowPage {
            attachments,
            chrome: chrome(state, pa, &inv.title(), "/billing/invoices").await,
            can_write: invoices::may_write(&pa.actor, inv.kind),
            inv,
            codes,
            allocations,
            open,
            can_pay,
            problem,
            send,
            sends,
            home: pa.actor.company_currency.clone(),
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, None).await
}

/// The first error's message, with its field when it names one.
fn message_of(e: &Error) -> String {
    e.field_errors()
        .first()
        .map(|f: &FieldError| format!("{}: {}", f.field.replace('_', " "), f.message))
        .unwrap_or_else(|| e.to_string())
}

async fn post_it<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    match invoices::post(&state.store, &pa.actor, InvoiceId(id), version).await {
        Ok(inv) if inv.status == InvoiceStatus::Pending => redirect_with(
            &format!("/billing/invoices/{}", inv.id),
            "The bill is above the approval threshold: it waits in the approvals inbox and posts when it is approved.",
        ),
        Ok(inv) => redirect_with(
            &format!("/billing/invoices/{}", inv.id),
            &format!("{} was posted.", inv.title()),
        ),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, Some(message_of(&e))).await,
        Err(Error::Conflict { message }) => show_view(&state, &pa, id, Some(message)).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn attach<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> Response {
    crate::pages::files::upload(
        state,
        pa,
        steward_core::work::RecordRef::new(steward_core::billing::INVOICE, id),
        mp,
    )
    .await
}

async fn credit<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match invoices::create_credit(&state.store, &pa.actor, InvoiceId(id), None, None).await {
        Ok(c) => redirect_with(
            &format!("/billing/invoices/{}", c.id),
            "A draft credit for what is left was made: check it, then post it.",
        ),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, Some(message_of(&e))).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match invoices::delete_draft(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(()) => redirect_with("/billing/invoices", "The draft was discarded."),
        Err(Error::Conflict { message }) => show_view(&state, &pa, id, Some(message)).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- print

#[derive(Template)]
#[template(path = "billing/invoice_print.html")]
struct PrintPage {
    css: String,
    company: String,
    inv: Invoice,
    party: Option<Party>,
    codes: Vec<TaxCode>,
}

impl PrintPage {
    fn amount(&self, minor: &i64) -> String {
        money(*minor, &self.inv.currency)
    }
    fn qty(&self, v: &i64) -> String {
        decimal_text(*v, 4)
    }
    fn code_name(&self, id: &steward_core::ids::TaxCodeId) -> String {
        self.codes
            .iter()
            .find(|c| c.id == *id)
            .map(|c| format!("{} {} %", c.name, c.rate_text()))
            .unwrap_or_default()
    }
}

async fn print<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let inv = match invoices::get(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(i) => i,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let party = parties::get(&state.store, &pa.actor, inv.party_id)
        .await
        .ok();
    let codes = tax::list(&state.store, &pa.actor).await.unwrap_or_default();
    render(
        &PrintPage {
            css: crate::assets::url("app.css"),
            company: pa.actor.company_name.clone(),
            inv,
            party,
            codes,
        },
        StatusCode::OK,
    )
}

async fn pdf<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match crate::views::billing::invoice_pdf(&state.store, &pa.actor, InvoiceId(id)).await {
        Ok(d) => crate::forms::download_response(d),
        Err(e) => fail(&state, &pa, e).await,
    }
}
