//! Work locations: the list at `/hr/locations` (sort, search, CSV/XLSX export; HR staff
//! create one below it) and one location at `/hr/locations/{id}` (HR staff change its
//! name, address and working calendar, or remove it while nobody works there). Everything
//! goes through `steward_core::hr::locations`, which authorizes.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::hr::locations::{self, Location, LocationInput, LocationQuery, LocationSort};
use steward_core::hr::timeoff::{self, CalendarRow};
use steward_core::ids::LocationId;
use steward_core::list::SortKey;
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/hr/locations", get(list::<S>).post(create::<S>))
        .route("/hr/locations/{id}", get(show::<S>).post(update::<S>))
        .route("/hr/locations/{id}/delete", post(remove::<S>))
}

const COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("address", "Address", false),
    col("calendar", "Working calendar", false),
    col("employees", "Employees", true),
];

/// What the forms show: the values typed (kept after an error) and the errors.
#[derive(Default)]
struct FormState {
    name: String,
    address: String,
    calendar_id: Option<i64>,
    errors: Vec<FieldError>,
}

impl FormState {
    /// Whether calendar `id` is the chosen one (askama hands ids by value or by reference).
    fn chose<I: std::borrow::Borrow<i64>>(&self, id: I) -> bool {
        self.calendar_id == Some(*id.borrow())
    }
    fn of(l: &Location) -> FormState {
        FormState {
            name: l.name.clone(),
            address: l.address.clone(),
            calendar_id: l.calendar_id,
            errors: Vec::new(),
        }
    }
}

fn input_of(pairs: &[(String, String)]) -> LocationInput {
    LocationInput {
        name: field(pairs, "name"),
        address: field(pairs, "address"),
        calendar_id: field(pairs, "calendar_id").trim().parse().ok(),
    }
}

/// A calendar id that is not a number is an error too, not silently "the default".
fn check_calendar_field(pairs: &[(String, String)]) -> Result<(), Error> {
    let v = field(pairs, "calendar_id");
    let v = v.trim();
    if v.is_empty() || v.parse::<i64>().is_ok() {
        Ok(())
    } else {
        Err(Error::invalid("calendar_id", "no such working calendar"))
    }
}

fn typed(pairs: &[(String, String)], errors: Vec<FieldError>) -> FormState {
    let i = input_of(pairs);
    FormState {
        name: i.name,
        address: i.address,
        calendar_id: i.calendar_id,
        errors,
    }
}

fn status_for(form: &FormState) -> StatusCode {
    crate::pages::form_status(!form.errors.is_empty())
}

// ---------------------------------------------------------------- the list

#[derive(Template)]
#[template(path = "hr/location_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Location>,
    calendars: Vec<CalendarRow>,
    can_edit: bool,
    form: FormState,
}

impl ListPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.form.errors, f)
    }
}

fn query_from(params: &ListParams) -> LocationQuery {
    let (sort, dir) = params.sort::<LocationSort>();
    LocationQuery {
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
    }
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: FormState,
) -> Response {
    let params = ListParams::new(pairs);
    let q = query_from(&params);
    let page = match locations::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "locations",
            locations::EXPORT_HEADERS,
            page.items.iter().map(locations::export_row).collect(),
        );
    }
    let can_edit = locations::authorize_write(&pa.actor).is_ok();
    let calendars = if can_edit {
        timeoff::calendars(&state.store, &pa.actor)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let list = ListView::new(
        "/hr/locations",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = status_for(&form);
    render(
        &ListPage {
            chrome: chrome(state, pa, "Locations", "/hr/locations").await,
            list,
            rows: page.items,
            calendars,
            can_edit,
            form,
        },
        status,
    )
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_view(&state, &pa, pairs, FormState::default()).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // Authorized before the form is read: a caller who may not write learns nothing.
    let result =
        match locations::authorize_write(&pa.actor).and_then(|()| check_calendar_field(&pairs)) {
            Ok(()) => locations::create(&state.store, &pa.actor, input_of(&pairs)).await,
            Err(e) => Err(e),
        };
    match result {
        Ok(l) => redirect_with(
            &format!("/hr/locations/{}", l.id),
            &format!("{} was created.", l.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = typed(&pairs, e.field_errors());
            list_view(&state, &pa, Vec::new(), form).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- one location

#[derive(Template)]
#[template(path = "hr/location_show.html")]
struct ShowPage {
    chrome: Chrome,
    location: Location,
    calendars: Vec<CalendarRow>,
    can_edit: bool,
    form: FormState,
    /// Why the location could not be removed.
    delete_error: Option<String>,
}

impl ShowPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.form.errors, f)
    }
    /// The holidays of the calendar the location uses (the default's when it has none).
    fn calendar(&self) -> Option<&CalendarRow> {
        match self.location.calendar_id {
            Some(id) => self.calendars.iter().find(|c| c.id == id),
            None => self.calendars.iter().find(|c| c.is_default),
        }
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<FormState>,
    delete_error: Option<String>,
) -> Response {
    let location = match locations::get(&state.store, &pa.actor, LocationId(id)).await {
        Ok(l) => l,
        Err(e) => return fail(state, pa, e).await,
    };
    let calendars = timeoff::calendars(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let form = form.unwrap_or_else(|| FormState::of(&location));
    let status = if delete_error.is_some() {
        StatusCode::CONFLICT
    } else {
        status_for(&form)
    };
    render(
        &ShowPage {
            chrome: chrome(state, pa, &location.name, "/hr/locations").await,
            can_edit: locations::authorize_write(&pa.actor).is_ok(),
            location,
            calendars,
            form,
            delete_error,
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
    let result =
        match locations::authorize_write(&pa.actor).and_then(|()| check_calendar_field(&pairs)) {
            Ok(()) => {
                locations::update(&state.store, &pa.actor, LocationId(id), input_of(&pairs)).await
            }
            Err(e) => Err(e),
        };
    match result {
        Ok(l) => redirect_with(
            &format!("/hr/locations/{}", l.id),
            &format!("{} was saved.", l.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = typed(&pairs, e.field_errors());
            show_view(&state, &pa, id, Some(form), None).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match locations::delete(&state.store, &pa.actor, LocationId(id)).await {
        Ok(()) => redirect_with("/hr/locations", "The location was removed."),
        Err(Error::Conflict { message }) => show_view(&state, &pa, id, None, Some(message)).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}
