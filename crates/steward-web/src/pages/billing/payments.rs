//! Payments: the list at `/billing/payments`, a new one at
//! `/billing/payments/new?kind=received|made&party_id=…` (the party's open documents with
//! what each still owes, the amounts to allocate filled in oldest first), one payment at
//! `/billing/payments/{id}`, and the aged report at `/billing/aged`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use steward_core::billing::aged::{self, Buckets, Side};
use steward_core::billing::invoices::InvoiceRow;
use steward_core::billing::parties::{self, Party, PartyQuery, PartyRole};
use steward_core::billing::payments::{
    self, AllocationInput, Openness, Payment, PaymentInput, PaymentKind, PaymentQuery, PaymentRow,
    PaymentSort,
};
use steward_core::billing::{postable_accounts, PostableAccount};
use steward_core::error::FieldError;
use steward_core::ids::PartyId;
use steward_core::list::{Paging, SortKey};
use steward_core::Error;

use super::money;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};
use crate::views::billing::{aged_export, aged_out, AgedOut};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/payments", get(list::<S>).post(create::<S>))
        .route("/billing/payments/new", get(new_form::<S>))
        .route("/billing/payments/{id}", get(show::<S>))
        .route("/billing/aged", get(aged_page::<S>))
}

const COLUMNS: &[Column] = &[
    col("number", "Number", false),
    col("party", "Customer or vendor", false),
    col("date", "Date", true),
    col("amount", "Amount", true),
    col("unallocated", "Not allocated", false),
    col("reference", "Reference", false),
];

#[derive(Template)]
#[template(path = "billing/payment_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<PaymentRow>,
    can_receive: bool,
    can_pay: bool,
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
    let (sort, dir) = params.sort::<PaymentSort>();
    let q = PaymentQuery {
        kinds: params
            .get("kind")
            .and_then(PaymentKind::parse)
            .into_iter()
            .collect(),
        party_id: params
            .get("party_id")
            .and_then(|p| p.parse().ok())
            .map(PartyId),
        search: params.search(),
        sort,
        dir,
        paging: if params.export_format().is_some() {
            Paging::export()
        } else {
            params.paging()
        },
    };
    let page = match payments::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "payments",
            payments::EXPORT_HEADERS,
            page.items.iter().map(payments::export_row).collect(),
        );
    }
    let list = ListView::new(
        "/billing/payments",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Payments", "/billing/payments").await,
            list,
            rows: page.items,
            can_receive: payments::may_write(&pa.actor, PaymentKind::Received),
            can_pay: payments::may_write(&pa.actor, PaymentKind::Made),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "billing/payment_form.html")]
struct FormPage {
    chrome: Chrome,
    kind: PaymentKind,
    parties: Vec<Party>,
    party_id: Option<i64>,
    open: Vec<(InvoiceRow, Openness)>,
    /// What each open document's allocation field holds.
    allocate: Vec<String>,
    input: PaymentInput,
    accounts: Vec<PostableAccount>,
    errors: Vec<FieldError>,
    /// The books' currency, and the party's when it is another: the rate the form's date
    /// would post at (`None` when the ledger has none).
    home: String,
    foreign: Option<(String, Option<String>)>,
}

impl FormPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    /// Errors about no field of the form (a setting missing: the receivables or the
    /// exchange difference account).
    fn other_errors(&self) -> Vec<&FieldError> {
        self.errors
            .iter()
            .filter(|e| {
                !matches!(
                    e.field.as_str(),
                    "party_id"
                        | "date"
                        | "amount"
                        | "account"
                        | "writeoff"
                        | "writeoff_account"
                        | "allocations"
                ) && !e.field.starts_with("allocations[")
            })
            .collect()
    }
    /// What an open document still owes in the books' currency (its share of its book
    /// value), for a foreign one.
    fn book_open(&self, o: &Openness) -> Option<String> {
        let b = o.book_total?;
        let settled = steward_core::billing::fx::settled_share(b, o.total, 0, o.allocated);
        Some(
            self.chrome
                .num(format!("{} {}", money(b - settled, &self.home), self.home)),
        )
    }
    fn alloc_error(&self, i: &usize) -> Option<String> {
        field_error(&self.errors, &format!("allocations[{i}].amount"))
            .or_else(|| field_error(&self.errors, &format!("allocations[{i}].document_id")))
    }
    fn chose(&self, id: &PartyId) -> bool {
        self.party_id == Some(id.0)
    }
    fn owes(&self, o: &Openness, currency: &str) -> String {
        self.chrome.num(money(o.open(), currency))
    }
    fn alloc(&self, i: &usize) -> String {
        self.allocate.get(*i).cloned().unwrap_or_default()
    }
}

fn kind_of(pairs: &[(String, String)]) -> PaymentKind {
    match pairs
        .iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v.as_str())
    {
        Some("made") => PaymentKind::Made,
        _ => PaymentKind::Received,
    }
}

struct FormState {
    kind: PaymentKind,
    party_id: Option<i64>,
    input: PaymentInput,
    /// Typed allocations by document id (after an error).
    typed: Option<Vec<(i64, String)>>,
    errors: Vec<FieldError>,
}

async fn form_view<S: Backend>(state: &AppState<S>, pa: &PageActor, f: FormState) -> Response {
    if !payments::may_write(&pa.actor, f.kind) {
        return fail(state, pa, Error::Forbidden).await;
    }
    let role = match f.kind {
        PaymentKind::Received => PartyRole::Customer,
        PaymentKind::Made => PartyRole::Vendor,
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
    let open = match f.party_id {
        Some(p) => payments::open_documents(&state.store, &pa.actor, PartyId(p), f.kind)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    // Filled in oldest due first, up to the amount typed (everything when none is).
    let allocate: Vec<String> = match &f.typed {
        Some(typed) => open
            .iter()
            .map(|(d, _)| {
                typed
                    .iter()
                    .find(|(id, _)| *id == d.id.0)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default()
            })
            .collect(),
        None => open
            .iter()
            .map(|(d, o)| money(o.open(), &d.currency))
            .collect(),
    };
    let mut input = f.input;
    if input.amount.is_empty() && f.typed.is_none() {
        if let Some((d, _)) = open.first() {
            let sum: i64 = open.iter().map(|(_, o)| o.open()).sum();
            input.amount = money(sum, &d.currency);
        }
    }
    let accounts = postable_accounts(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let home = pa.actor.company_currency.clone();
    let currency = parties
        .iter()
        .find(|p| Some(p.id.0) == f.party_id)
        .map(|p| p.currency.clone());
    let foreign = match currency.filter(|c| *c != home) {
        Some(c) => {
            let rate = match steward_core::time::parse_date("date", &input.date) {
                Ok(d) => payments::rate_for(&state.store, &pa.actor, f.kind, &c, d)
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            Some((c, rate))
        }
        None => None,
    };
    let status = crate::pages::form_status(!f.errors.is_empty());
    render(
        &FormPage {
            chrome: chrome(state, pa, f.kind.label(), "/billing/payments").await,
            kind: f.kind,
            parties,
            party_id: f.party_id,
            open,
            allocate,
            input,
            accounts,
            errors: f.errors,
            home,
            foreign,
        },
        status,
    )
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let today = steward_core::ledger::service::today().to_string();
    let f = FormState {
        kind: kind_of(&pairs),
        party_id: field(&pairs, "party_id").trim().parse().ok(),
        input: PaymentInput {
            date: today,
            account: "Assets:Bank:Checking".into(),
            ..Default::default()
        },
        typed: None,
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
    if !payments::may_write(&pa.actor, kind) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    // `doc` and `alloc` come in pairs, one per open document; empty ones allocate nothing.
    let docs: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "doc")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let allocs: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "alloc")
        .map(|(_, v)| v.clone())
        .collect();
    let typed: Vec<(i64, String)> = docs.iter().copied().zip(allocs.iter().cloned()).collect();
    let party_id = field(&pairs, "party_id").trim().parse().ok();
    let input = PaymentInput {
        party_id,
        date: field(&pairs, "date"),
        amount: field(&pairs, "amount"),
        account: field(&pairs, "account"),
        reference: field(&pairs, "reference"),
        currency: String::new(),
        writeoff: field(&pairs, "writeoff"),
        writeoff_account: field(&pairs, "writeoff_account"),
        allocations: typed
            .iter()
            .filter(|(_, a)| !a.trim().is_empty())
            .map(|(d, a)| AllocationInput {
                document_id: Some(*d),
                amount: a.clone(),
            })
            .collect(),
    };
    match payments::record(&state.store, &pa.actor, kind, &input, None).await {
        Ok(p) => redirect_with(
            &format!("/billing/payments/{}", p.id),
            &format!("{} {} was posted.", p.kind.label(), p.number),
        ),
        Err(e) if is_invalid(&e) => {
            // Allocation errors are named by their place among the non-empty ones: name
            // them by the row the person typed in instead.
            let sent: Vec<i64> = typed
                .iter()
                .filter(|(_, a)| !a.trim().is_empty())
                .map(|(d, _)| *d)
                .collect();
            let open_ids = match party_id {
                Some(p) => payments::open_documents(&state.store, &pa.actor, PartyId(p), kind)
                    .await
                    .unwrap_or_default()
                    .iter()
                    .map(|(d, _)| d.id.0)
                    .collect::<Vec<_>>(),
                None => Vec::new(),
            };
            let errors = e
                .field_errors()
                .into_iter()
                .map(|mut fe| {
                    if let Some(rest) = fe.field.strip_prefix("allocations[") {
                        if let Some((i, tail)) = rest.split_once(']') {
                            let row = i
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| sent.get(i))
                                .and_then(|d| open_ids.iter().position(|o| o == d));
                            if let Some(row) = row {
                                fe.field = format!("allocations[{row}]{tail}");
                            }
                        }
                    }
                    fe
                })
                .collect();
            let f = FormState {
                kind,
                party_id,
                input,
                typed: Some(typed),
                errors,
            };
            form_view(&state, &pa, f).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "billing/payment_show.html")]
struct ShowPage {
    chrome: Chrome,
    p: Payment,
    /// The books' currency.
    home: String,
}

impl ShowPage {
    fn amount(&self, minor: &i64) -> String {
        self.chrome.num(money(*minor, &self.p.currency))
    }
    fn book(&self, minor: &i64) -> String {
        self.chrome
            .num(format!("{} {}", money(*minor, &self.home), self.home))
    }
    fn difference(&self, minor: &i64) -> String {
        super::exchange_difference(&self.chrome, *minor, &self.home)
    }
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match payments::get(&state.store, &pa.actor, id).await {
        Ok(p) => render(
            &ShowPage {
                chrome: chrome(
                    &state,
                    &pa,
                    &format!("{} {}", p.kind.label(), p.number),
                    "/billing/payments",
                )
                .await,
                p,
                home: pa.actor.company_currency.clone(),
            },
            StatusCode::OK,
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "billing/aged.html")]
struct AgedPage {
    chrome: Chrome,
    side: Side,
    as_of: String,
    buckets: String,
    report: AgedOut,
    error: Option<String>,
}

impl AgedPage {
    fn cell(&self, v: &str, currency: &str) -> String {
        self.chrome.num(format!("{v} {currency}"))
    }
}

async fn aged_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let side = params
        .get("side")
        .and_then(Side::parse)
        .unwrap_or(Side::Receivables);
    let as_of_text = params.get("as_of").unwrap_or("").trim().to_string();
    let buckets_text = params.get("buckets").unwrap_or("").to_string();
    if params.export_format().is_some() {
        if let Err(e) = steward_core::billing::authorize_export(&pa.actor, side.domain()) {
            return fail(&state, &pa, e).await;
        }
    }
    let mut error = None;
    let as_of = if as_of_text.is_empty() {
        steward_core::ledger::service::today()
    } else {
        match steward_core::time::parse_date("as_of", &as_of_text) {
            Ok(d) => d,
            Err(e) => {
                error = Some(e.to_string());
                steward_core::ledger::service::today()
            }
        }
    };
    let buckets = match Buckets::parse("buckets", &buckets_text) {
        Ok(b) => b,
        Err(e) => {
            error = Some(e.to_string());
            Buckets::default()
        }
    };
    let rows = match aged::aged(&state.store, &pa.actor, side, as_of, &buckets).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let out = aged_out(side, as_of, &buckets, rows);
    if let Some(format) = params.export_format() {
        return aged_export(format, &out);
    }
    let status = crate::pages::form_status(error.is_some());
    render(
        &AgedPage {
            chrome: chrome(&state, &pa, "Aged balances", "/billing/aged").await,
            side,
            as_of: as_of.to_string(),
            buckets: buckets.text(),
            report: out,
            error,
        },
        status,
    )
}
