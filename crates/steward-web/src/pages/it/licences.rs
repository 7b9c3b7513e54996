//! Licences: the list at `/it/licences` (search, usage filter, "expiring in 30 days", sort,
//! CSV/XLSX export; a new one below it for IT's leads), the compliance view at
//! `/it/licences/compliance`, and one at `/it/licences/{id}` (its seats, assigning and
//! unassigning them, changing it).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::{LicenceId, LicenceSeatId};
use steward_core::it::licences::{
    self, ComplianceRow, Licence, LicenceInput, LicenceQuery, LicenceSort, Seat, SeatInput, Usage,
};
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/licences", get(list::<S>).post(create::<S>))
        .route("/it/licences/compliance", get(compliance::<S>))
        .route("/it/licences/{id}", get(show::<S>).post(update::<S>))
        .route("/it/licences/{id}/seats", post(assign::<S>))
        .route("/it/licences/seats/{id}/unassign", post(unassign::<S>))
}

const COLUMNS: &[Column] = &[
    col("product", "Product", true),
    col("vendor", "Vendor", true),
    col("seats", "Seats", true),
    col("used", "In use", true),
    col("usage", "Usage", false),
    col("expires_on", "Renews", true),
];

#[derive(Default)]
pub(crate) struct LicenceForm {
    pub input: LicenceInput,
    pub errors: Vec<FieldError>,
}

impl LicenceForm {
    fn of(l: &Licence) -> LicenceForm {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        LicenceForm {
            input: LicenceInput {
                product: l.product.clone(),
                vendor: l.vendor.clone(),
                seats: l.seats.to_string(),
                cost: l
                    .cost
                    .map(|c| steward_core::money::format_in(c, &l.currency))
                    .unwrap_or_default(),
                currency: l.currency.clone(),
                purchase_date: day(l.purchase_date),
                expires_on: day(l.expires_on),
                notes: l.notes.clone(),
                key: l.key.clone(),
            },
            errors: Vec::new(),
        }
    }
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    pub fn key_text(&self) -> &str {
        self.input.key.as_deref().unwrap_or("")
    }
}

fn input_of(pairs: &[(String, String)]) -> LicenceInput {
    LicenceInput {
        product: field(pairs, "product"),
        vendor: field(pairs, "vendor"),
        seats: field(pairs, "seats"),
        cost: field(pairs, "cost"),
        currency: field(pairs, "currency"),
        purchase_date: field(pairs, "purchase_date"),
        expires_on: field(pairs, "expires_on"),
        notes: field(pairs, "notes"),
        key: Some(field(pairs, "key")),
    }
}

/// A licence row as the list shows it.
pub(crate) struct Row {
    pub licence: Licence,
    pub usage: Usage,
    pub expiring: bool,
    pub expired: bool,
}

fn rows(items: Vec<Licence>) -> Vec<Row> {
    let today = licences::today();
    items
        .into_iter()
        .map(|l| Row {
            usage: l.usage(today),
            expiring: l.expiring(today),
            expired: l.expired(today),
            licence: l,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "it/licence_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Row>,
    usages: Vec<Usage>,
    can_create: bool,
    is_staff: bool,
    form: LicenceForm,
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<LicenceForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<LicenceSort>();
    let today = licences::today();
    let q = LicenceQuery {
        search: params.search(),
        usage: params.get("usage").and_then(Usage::parse),
        expiring: matches!(params.get("expiring"), Some("1" | "true" | "on")),
        today: Some(today),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        return match licences::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "licences",
                licences::EXPORT_HEADERS,
                page.items
                    .iter()
                    .map(|l| licences::export_row(l, today))
                    .collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match licences::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/it/licences",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &ListPage {
            chrome: chrome(state, pa, "Licences", "/it/licences").await,
            list,
            rows: rows(page.items),
            usages: Usage::ALL.to_vec(),
            can_create: licences::may_write(&pa.actor),
            is_staff: licences::is_staff(&pa.actor),
            form: form.unwrap_or_else(|| LicenceForm {
                input: LicenceInput {
                    key: Some(String::new()),
                    ..LicenceInput::default()
                },
                errors: Vec::new(),
            }),
        },
        status,
    )
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_view(&state, &pa, pairs, None).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = input_of(&pairs);
    match licences::create(&state.store, &pa.actor, &input).await {
        Ok(l) => redirect_with(
            &format!("/it/licences/{}", l.id),
            &format!("{} was added.", l.product),
        ),
        Err(e) if is_invalid(&e) => {
            let form = LicenceForm {
                input,
                errors: e.field_errors(),
            };
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/licence_compliance.html")]
struct CompliancePage {
    chrome: Chrome,
    rows: Vec<ComplianceRow>,
    over: usize,
    under: usize,
}

async fn compliance<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let rows = match licences::compliance(&state.store, &pa.actor).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let count = |u: Usage| rows.iter().filter(|r| r.usage == u).count();
    render(
        &CompliancePage {
            chrome: chrome(&state, &pa, "Licence compliance", "/it/licences/compliance").await,
            over: count(Usage::Over),
            under: count(Usage::Under),
            rows,
        },
        StatusCode::OK,
    )
}

/// The seat form's values and errors.
#[derive(Default)]
pub(crate) struct SeatForm {
    pub input: SeatInput,
    pub errors: Vec<FieldError>,
}

impl SeatForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

#[derive(Template)]
#[template(path = "it/licence_show.html")]
struct ShowPage {
    chrome: Chrome,
    licence: Licence,
    usage: Usage,
    expiring: bool,
    expired: bool,
    seats: Vec<Seat>,
    can_write: bool,
    sees_keys: bool,
    form: LicenceForm,
    seat: SeatForm,
    /// Whom the seat form offers: the directory's current staff (its first 500).
    people: Vec<steward_core::hr::employees::EmployeeRow>,
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<LicenceForm>,
    seat: Option<SeatForm>,
) -> Response {
    let licence = match licences::get(&state.store, &pa.actor, LicenceId(id)).await {
        Ok(l) => l,
        Err(e) => return fail(state, pa, e).await,
    };
    let seats = match licences::seats(&state.store, &pa.actor, licence.id).await {
        Ok(s) => s,
        Err(e) => return fail(state, pa, e).await,
    };
    let invalid = form.as_ref().is_some_and(|f| !f.errors.is_empty())
        || seat.as_ref().is_some_and(|f| !f.errors.is_empty());
    let status = crate::pages::form_status(invalid);
    let can_write = licences::may_write(&pa.actor);
    let people = if can_write {
        let q = steward_core::hr::employees::EmployeeQuery {
            paging: steward_core::list::Paging::new(Some(500), None),
            ..Default::default()
        };
        steward_core::hr::employees::list_employees(&state.store, &pa.actor, &q)
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let today = licences::today();
    render(
        &ShowPage {
            chrome: chrome(state, pa, &licence.product, "/it/licences").await,
            form: form.unwrap_or_else(|| LicenceForm::of(&licence)),
            seat: seat.unwrap_or_default(),
            usage: licence.usage(today),
            expiring: licence.expiring(today),
            expired: licence.expired(today),
            can_write,
            sees_keys: licences::sees_keys(&pa.actor),
            people,
            seats,
            licence,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_view(&state, &pa, id, None, None).await
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = input_of(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match licences::update(&state.store, &pa.actor, LicenceId(id), &input, version).await {
        Ok(l) => redirect_with(
            &format!("/it/licences/{}", l.id),
            &format!("{} was saved.", l.product),
        ),
        Err(e) if is_invalid(&e) => {
            let form = LicenceForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, Some(form), None).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn assign<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = SeatInput {
        employee_id: field(&pairs, "employee_id"),
        asset_id: field(&pairs, "asset_id"),
        note: field(&pairs, "note"),
    };
    match licences::assign(&state.store, &pa.actor, LicenceId(id), &input).await {
        Ok(s) => redirect_with(
            &format!("/it/licences/{id}"),
            &format!(
                "A seat of {} was assigned to {}.",
                s.product,
                s.employee.or(s.asset_tag).unwrap_or_default()
            ),
        ),
        Err(e) if is_invalid(&e) => {
            let form = SeatForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, None, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn unassign<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match licences::unassign(&state.store, &pa.actor, LicenceSeatId(id)).await {
        Ok(l) => redirect_with(
            &format!("/it/licences/{}", l.id),
            &format!("A seat of {} is free again.", l.product),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
