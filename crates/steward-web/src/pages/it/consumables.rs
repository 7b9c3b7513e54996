//! Consumables: the list at `/it/consumables` (search, category, "below minimum", sort,
//! CSV/XLSX export, a reorder badge; a new one below it for IT's staff) and one at
//! `/it/consumables/{id}` (receive, issue to an employee, change it, its movements).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::{AssetCategoryId, ConsumableId};
use steward_core::it::assets::{self, Category};
use steward_core::it::consumables::{
    self, Consumable, ConsumableInput, ConsumableQuery, ConsumableSort, Movement, MovementInput,
};
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/consumables", get(list::<S>).post(create::<S>))
        .route("/it/consumables/{id}", get(show::<S>).post(update::<S>))
        .route("/it/consumables/{id}/receive", post(receive::<S>))
        .route("/it/consumables/{id}/issue", post(issue::<S>))
}

const COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("category", "Category", false),
    col("quantity", "In stock", true),
    col("min_quantity", "Minimum", false),
    col("location", "Location", true),
    col("unit_cost", "Cost per unit", false),
];

#[derive(Default)]
pub(crate) struct ConsumableForm {
    pub input: ConsumableInput,
    pub errors: Vec<FieldError>,
}

impl ConsumableForm {
    fn of(c: &Consumable) -> ConsumableForm {
        ConsumableForm {
            input: ConsumableInput {
                name: c.name.clone(),
                category_id: c.category_id.map(|k| k.0.to_string()).unwrap_or_default(),
                unit: c.unit.clone(),
                quantity: c.quantity.to_string(),
                min_quantity: c.min_quantity.to_string(),
                location: c.location.clone(),
                unit_cost: c
                    .unit_cost
                    .map(|x| steward_core::money::format_in(x, &c.currency))
                    .unwrap_or_default(),
                currency: c.currency.clone(),
            },
            errors: Vec::new(),
        }
    }
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

fn input_of(pairs: &[(String, String)]) -> ConsumableInput {
    ConsumableInput {
        name: field(pairs, "name"),
        category_id: field(pairs, "category_id"),
        unit: field(pairs, "unit"),
        quantity: field(pairs, "quantity"),
        min_quantity: field(pairs, "min_quantity"),
        location: field(pairs, "location"),
        unit_cost: field(pairs, "unit_cost"),
        currency: field(pairs, "currency"),
    }
}

#[derive(Template)]
#[template(path = "it/consumable_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Consumable>,
    categories: Vec<Category>,
    /// How many of the company's consumables want reordering.
    low: i64,
    can_create: bool,
    /// The new-consumable form (no "opening stock" on a change).
    is_new: bool,
    form: ConsumableForm,
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<ConsumableForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<ConsumableSort>();
    let q = ConsumableQuery {
        search: params.search(),
        category: params
            .get("category_id")
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|i| *i > 0)
            .map(AssetCategoryId),
        below_minimum: matches!(params.get("below_minimum"), Some("1" | "true" | "on")),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        return match consumables::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "consumables",
                consumables::EXPORT_HEADERS,
                page.items.iter().map(consumables::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match consumables::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let low_q = ConsumableQuery {
        below_minimum: true,
        paging: steward_core::list::Paging::new(Some(1), None),
        ..ConsumableQuery::default()
    };
    let (categories, low) = match tokio::join!(
        assets::categories(&state.store, &pa.actor),
        consumables::list(&state.store, &pa.actor, &low_q)
    ) {
        (Ok(c), Ok(l)) => (c, l.total as i64),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/it/consumables",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &ListPage {
            chrome: chrome(state, pa, "Consumables", "/it/consumables").await,
            list,
            rows: page.items,
            categories,
            low,
            can_create: consumables::may_write(&pa.actor),
            is_new: true,
            form: form.unwrap_or_default(),
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
    match consumables::create(&state.store, &pa.actor, &input).await {
        Ok(c) => redirect_with(
            &format!("/it/consumables/{}", c.id),
            &format!("{} was added.", c.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = ConsumableForm {
                input,
                errors: e.field_errors(),
            };
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// A movement form's values and errors (`receive` or `issue`).
#[derive(Default)]
pub(crate) struct MoveForm {
    pub input: MovementInput,
    pub errors: Vec<FieldError>,
}

impl MoveForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

#[derive(Template)]
#[template(path = "it/consumable_show.html")]
struct ShowPage {
    chrome: Chrome,
    item: Consumable,
    movements: Vec<Movement>,
    categories: Vec<Category>,
    can_write: bool,
    is_new: bool,
    form: ConsumableForm,
    received: MoveForm,
    issued: MoveForm,
    people: Vec<steward_core::hr::employees::EmployeeRow>,
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<ConsumableForm>,
    moved: Option<(&'static str, MoveForm)>,
) -> Response {
    let item = match consumables::get(&state.store, &pa.actor, ConsumableId(id)).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let (movements, categories) = match tokio::join!(
        consumables::movements(&state.store, &pa.actor, item.id),
        assets::categories(&state.store, &pa.actor)
    ) {
        (Ok(m), Ok(c)) => (m, c),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let invalid = form.as_ref().is_some_and(|f| !f.errors.is_empty())
        || moved.as_ref().is_some_and(|(_, f)| !f.errors.is_empty());
    let status = crate::pages::form_status(invalid);
    let can_write = consumables::may_write(&pa.actor);
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
    let (mut received, mut issued) = (MoveForm::default(), MoveForm::default());
    match moved {
        Some(("receive", f)) => received = f,
        Some((_, f)) => issued = f,
        None => {}
    }
    render(
        &ShowPage {
            chrome: chrome(state, pa, &item.name, "/it/consumables").await,
            form: form.unwrap_or_else(|| ConsumableForm::of(&item)),
            movements,
            categories,
            can_write,
            is_new: false,
            received,
            issued,
            people,
            item,
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
    match consumables::update(&state.store, &pa.actor, ConsumableId(id), &input, version).await {
        Ok(c) => redirect_with(
            &format!("/it/consumables/{}", c.id),
            &format!("{} was saved.", c.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = ConsumableForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, Some(form), None).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

fn movement_of(pairs: &[(String, String)]) -> MovementInput {
    MovementInput {
        quantity: field(pairs, "quantity"),
        employee_id: field(pairs, "employee_id"),
        note: field(pairs, "note"),
    }
}

async fn receive<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = movement_of(&pairs);
    match consumables::receive(&state.store, &pa.actor, ConsumableId(id), &input).await {
        Ok(c) => redirect_with(
            &format!("/it/consumables/{}", c.id),
            &format!("{} now has {} {} in stock.", c.name, c.quantity, c.unit),
        ),
        Err(e) if is_invalid(&e) => {
            let form = MoveForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, None, Some(("receive", form))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn issue<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = movement_of(&pairs);
    match consumables::issue(&state.store, &pa.actor, ConsumableId(id), &input).await {
        Ok(c) => redirect_with(
            &format!("/it/consumables/{}", c.id),
            &format!("{} now has {} {} in stock.", c.name, c.quantity, c.unit),
        ),
        Err(e) if is_invalid(&e) => {
            let form = MoveForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, None, Some(("issue", form))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
