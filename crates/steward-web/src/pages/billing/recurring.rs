//! Recurring invoices: the list at `/billing/recurring` (search, status filter, sort,
//! paging, CSV/XLSX), a new one made from an invoice at `/billing/recurring/new?from={id}`,
//! one at `/billing/recurring/{id}` with the invoices it made, "make due invoices now",
//! pause, resume and stop.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::billing::invoices::{self, Invoice};
use steward_core::billing::recurring::{
    self, Recurring, RecurringInput, RecurringRun, RecurringStatus,
};
use steward_core::error::FieldError;
use steward_core::ids::InvoiceId;
use steward_core::list::{Page, SortDir};
use steward_core::Error;

use super::money;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/recurring", get(list::<S>).post(create::<S>))
        .route("/billing/recurring/new", get(new_form::<S>))
        .route("/billing/recurring/{id}", get(show::<S>))
        .route("/billing/recurring/{id}/{action}", post(act::<S>))
}

const COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("party", "Customer", true),
    col("rule", "Repeats", false),
    col("next", "Next", false),
    col("made", "Made", true),
    col("status", "Status", false),
];

const EXPORT_HEADERS: &[&str] = &[
    "name",
    "customer",
    "rrule",
    "start",
    "end",
    "count",
    "auto_post",
    "auto_send",
    "status",
    "made",
    "next",
];

use steward_core::time::today;

fn next_text(r: &Recurring) -> String {
    r.next_after(today())
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn export_row(r: &Recurring) -> Vec<String> {
    vec![
        r.name.clone(),
        r.party_name.clone(),
        r.rrule.clone(),
        r.start.to_string(),
        r.end.map(|e| e.to_string()).unwrap_or_default(),
        r.count.map(|c| c.to_string()).unwrap_or_default(),
        r.auto_post.to_string(),
        r.auto_send.to_string(),
        r.status.as_str().to_string(),
        r.made.to_string(),
        next_text(r),
    ]
}

#[derive(Template)]
#[template(path = "billing/recurring_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Recurring>,
    status: String,
}

impl ListPage {
    fn next(&self, r: &Recurring) -> String {
        next_text(r)
    }
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    if params.export_format().is_some() {
        if let Err(e) = steward_core::billing::authorize_export(
            &pa.actor,
            steward_core::auth::Domain::Receivables,
        ) {
            return fail(&state, &pa, e).await;
        }
    }
    let all = match recurring::list(&state.store, &pa.actor).await {
        Ok(l) => l,
        Err(e) => return fail(&state, &pa, e).await,
    };
    // A company has tens of templates, not thousands: filtered, sorted and paged here.
    let status = params.get("status").unwrap_or("").to_string();
    let search = params.search().map(|s| s.to_lowercase());
    let mut rows: Vec<Recurring> = all
        .into_iter()
        .filter(|r| status.is_empty() || r.status.as_str() == status)
        .filter(|r| {
            search.as_ref().is_none_or(|q| {
                r.name.to_lowercase().contains(q) || r.party_name.to_lowercase().contains(q)
            })
        })
        .collect();
    let sort = match params.get("sort") {
        Some("party") => "party",
        Some("made") => "made",
        _ => "name",
    };
    let dir = match params.get("dir") {
        Some("desc") => SortDir::Desc,
        _ => SortDir::Asc,
    };
    rows.sort_by(|a, b| {
        let o = match sort {
            "party" => a
                .party_name
                .to_lowercase()
                .cmp(&b.party_name.to_lowercase()),
            "made" => a.made.cmp(&b.made),
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        };
        if dir == SortDir::Desc {
            o.reverse()
        } else {
            o
        }
    });
    if let Some(format) = params.export_format() {
        return export(
            format,
            "recurring-invoices",
            EXPORT_HEADERS,
            rows.iter().map(export_row).collect(),
        );
    }
    let paging = params.paging();
    let total = rows.len() as u64;
    let items: Vec<Recurring> = rows
        .into_iter()
        .skip(usize::try_from(paging.offset).unwrap_or(usize::MAX))
        .take(paging.limit as usize)
        .collect();
    let page = Page {
        items,
        total,
        limit: paging.limit,
        offset: paging.offset,
    };
    let list = ListView::new("/billing/recurring", &params, COLUMNS, sort, dir, &page);
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Recurring invoices", "/billing/recurring").await,
            list,
            rows: page.items,
            status,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "billing/recurring_form.html")]
struct FormPage {
    chrome: Chrome,
    source: Invoice,
    name: String,
    rrule: String,
    start: String,
    end: String,
    count: String,
    auto_post: bool,
    auto_send: bool,
    errors: Vec<FieldError>,
}

impl FormPage {
    fn err(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn total(&self) -> String {
        format!(
            "{} {}",
            money(self.source.total, &self.source.currency),
            self.source.currency
        )
    }
}

async fn form_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    source: Invoice,
    input: RecurringInput,
    errors: Vec<FieldError>,
) -> Response {
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &FormPage {
            chrome: chrome(state, pa, "New recurring invoice", "/billing/recurring").await,
            source,
            name: input.name,
            rrule: input.rrule,
            start: input.start,
            end: input.end,
            count: input.count,
            auto_post: input.auto_post,
            auto_send: input.auto_send,
            errors,
        },
        status,
    )
}

async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if !invoices::may_write(&pa.actor, invoices::InvoiceKind::Invoice) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let Some(from) = field(&pairs, "from").parse::<i64>().ok() else {
        return redirect_with(
            "/billing/invoices?kind=invoice",
            "Open the invoice to repeat and choose \"Make recurring\".",
        );
    };
    let source = match invoices::get(&state.store, &pa.actor, InvoiceId(from)).await {
        Ok(i) => i,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let input = RecurringInput {
        source_id: Some(from),
        name: format!("{} monthly", source.party_name),
        rrule: "FREQ=MONTHLY".into(),
        start: (today() + chrono::Duration::days(1)).to_string(),
        ..RecurringInput::default()
    };
    form_view(&state, &pa, source, input, Vec::new()).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !invoices::may_write(&pa.actor, invoices::InvoiceKind::Invoice) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = RecurringInput {
        source_id: field(&pairs, "source_id").parse().ok(),
        name: field(&pairs, "name").to_string(),
        rrule: field(&pairs, "rrule").to_string(),
        start: field(&pairs, "start").to_string(),
        end: field(&pairs, "end").to_string(),
        count: field(&pairs, "count").to_string(),
        auto_post: !field(&pairs, "auto_post").is_empty(),
        auto_send: !field(&pairs, "auto_send").is_empty(),
    };
    match recurring::create(&state.store, &pa.actor, &input).await {
        Ok(r) => redirect_with(
            &format!("/billing/recurring/{}", r.id),
            "The recurring invoice was saved; its invoices are made on their dates.",
        ),
        Err(e) if is_invalid(&e) => {
            let source = match input.source_id {
                Some(id) => invoices::get(&state.store, &pa.actor, InvoiceId(id)).await,
                None => Err(Error::NotFound { entity: "invoice" }),
            };
            match source {
                Ok(s) => form_view(&state, &pa, s, input, e.field_errors()).await,
                Err(e) => fail(&state, &pa, e).await,
            }
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "billing/recurring_show.html")]
struct ShowPage {
    chrome: Chrome,
    r: Recurring,
    runs: Vec<RecurringRun>,
    next: String,
    can_write: bool,
}

impl ShowPage {
    fn amount(&self, run: &RecurringRun) -> String {
        self.chrome.num(format!(
            "{} {}",
            money(run.total, &run.currency),
            run.currency
        ))
    }
    fn active(&self) -> bool {
        self.r.status == RecurringStatus::Active
    }
    fn paused(&self) -> bool {
        self.r.status == RecurringStatus::Paused
    }
    fn stopped(&self) -> bool {
        self.r.status == RecurringStatus::Stopped
    }
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    let r = match recurring::get(&state.store, &pa.actor, id).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let runs = match recurring::runs(&state.store, &pa.actor, id).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(
        &ShowPage {
            chrome: chrome(&state, &pa, &r.name, "/billing/recurring").await,
            next: next_text(&r),
            can_write: invoices::may_write(&pa.actor, invoices::InvoiceKind::Invoice),
            r,
            runs,
        },
        StatusCode::OK,
    )
}

async fn act<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path((id, action)): Path<(i64, String)>,
) -> Response {
    if !invoices::may_write(&pa.actor, invoices::InvoiceKind::Invoice) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let back = format!("/billing/recurring/{id}");
    let status = match action.as_str() {
        "pause" => RecurringStatus::Paused,
        "resume" => RecurringStatus::Active,
        "stop" => RecurringStatus::Stopped,
        "run" => {
            return match recurring::make_due(&state.store, &pa.actor, id, today()).await {
                Ok(0) => redirect_with(&back, "No invoice was due (see below for any problem)."),
                Ok(n) => redirect_with(&back, &format!("{n} invoice(s) made.")),
                Err(e) => fail(&state, &pa, e).await,
            }
        }
        _ => return fail(&state, &pa, Error::NotFound { entity: "page" }).await,
    };
    match recurring::set_status(&state.store, &pa.actor, id, status).await {
        Ok(r) => redirect_with(&back, &format!("{} is {} now.", r.name, r.status.as_str())),
        Err(Error::Conflict { message }) => redirect_with(&back, &message),
        Err(e) => fail(&state, &pa, e).await,
    }
}
