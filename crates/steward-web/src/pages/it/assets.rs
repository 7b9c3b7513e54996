//! Assets: the list at `/it/assets` (search, status/category/model filters, sort, CSV/XLSX
//! export; a new one below it for IT's staff), one at `/it/assets/{id}` (change it, check
//! it out or in, its history) and the catalog at `/it/models` (models and categories).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::{AssetCategoryId, AssetId, AssetModelId};
use steward_core::it::asset_fields::{self, CategoryField};
use steward_core::it::asset_import;
use steward_core::it::assets::{
    self, Asset, AssetEvent, AssetInput, AssetQuery, AssetSort, AssetStatus, Category,
    CategoryInput, CheckoutInput, Depreciation, Model, ModelInput,
};
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it", get(list::<S>))
        .route("/it/assets", get(list::<S>).post(create::<S>))
        .route(
            "/it/assets/import",
            get(import_form::<S>)
                .post(import::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/it/assets/import/template.csv", get(template::<S>))
        .route("/it/assets/labels", get(labels::<S>))
        .route("/it/assets/{id}", get(show::<S>).post(update::<S>))
        .route("/it/assets/{id}/label", get(label::<S>))
        .route("/it/assets/{id}/check-out", post(check_out::<S>))
        .route("/it/assets/{id}/check-in", post(check_in::<S>))
        .route("/it/assets/{id}/acknowledge", post(acknowledge::<S>))
        .route(
            "/it/assets/{id}/attachments",
            post(attach::<S>).layer(axum::extract::DefaultBodyLimit::max(
                crate::forms::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/it/models", get(catalog::<S>).post(create_model::<S>))
        .route("/it/categories", post(create_category::<S>))
}

const COLUMNS: &[Column] = &[
    col("tag", "Tag", true),
    col("name", "Name", true),
    col("model", "Model", false),
    col("status", "Status", true),
    col("holder", "Held by", false),
    col("location", "Location", false),
    col("warranty_end", "Warranty ends", true),
];

/// The asset form's values (kept after an error) and its errors.
#[derive(Default)]
pub(crate) struct AssetForm {
    pub input: AssetInput,
    pub errors: Vec<FieldError>,
}

impl AssetForm {
    fn of(a: &Asset) -> AssetForm {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        AssetForm {
            input: AssetInput {
                tag: a.tag.clone(),
                serial: a.serial.clone(),
                name: a.name.clone(),
                model_id: a.model_id.0.to_string(),
                status: a.status.as_str().to_string(),
                location: a.location.clone(),
                supplier: a.supplier.clone(),
                purchase_date: day(a.purchase_date),
                purchase_cost: a
                    .purchase_cost
                    .map(|c| steward_core::money::format_in(c, &a.currency))
                    .unwrap_or_default(),
                currency: a.currency.clone(),
                warranty_end: day(a.warranty_end),
                notes: a.notes.clone(),
                custom: Some(a.custom.clone()),
            },
            errors: Vec::new(),
        }
    }
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    /// A custom field's value as the form shows it.
    pub fn custom_value(&self, key: &str) -> String {
        self.input
            .custom
            .as_ref()
            .and_then(|m| m.get(key))
            .map(steward_core::custom_fields::value_text)
            .unwrap_or_default()
    }
}

/// The custom values a form sent (`custom.<key>`; the first filled in of a key, as the new
/// asset's form shows each category's fields).
fn custom_of(pairs: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (k, v) in pairs {
        if let Some(key) = k.strip_prefix("custom.") {
            if !v.trim().is_empty() && !out.contains_key(key) {
                out.insert(key.to_string(), serde_json::Value::String(v.clone()));
            }
        }
    }
    out
}

/// The custom fields a form shows, by group (its title and fields).
pub(crate) type CustomGroups = Vec<(String, Vec<CategoryField>)>;

/// Every category's fields, one group each (the new asset's form).
fn groups_of(categories: &[Category], fields: Vec<CategoryField>) -> CustomGroups {
    categories
        .iter()
        .map(|c| {
            (
                format!("{} details", c.name),
                fields.iter().filter(|f| f.owner == c.id).cloned().collect(),
            )
        })
        .collect()
}

fn input_of(pairs: &[(String, String)]) -> AssetInput {
    AssetInput {
        tag: field(pairs, "tag"),
        serial: field(pairs, "serial"),
        name: field(pairs, "name"),
        model_id: field(pairs, "model_id"),
        status: field(pairs, "status"),
        location: field(pairs, "location"),
        supplier: field(pairs, "supplier"),
        purchase_date: field(pairs, "purchase_date"),
        purchase_cost: field(pairs, "purchase_cost"),
        currency: field(pairs, "currency"),
        warranty_end: field(pairs, "warranty_end"),
        notes: field(pairs, "notes"),
        custom: Some(custom_of(pairs)),
    }
}

/// The statuses a form offers (`deployed` comes only from a check-out).
fn statuses() -> Vec<AssetStatus> {
    AssetStatus::ALL.to_vec()
}

#[derive(Template)]
#[template(path = "it/asset_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Asset>,
    statuses: Vec<AssetStatus>,
    models: Vec<Model>,
    categories: Vec<Category>,
    can_create: bool,
    can_import: bool,
    form: AssetForm,
    /// The sheet of labels of the page shown (same search, filters, sort and page).
    labels_href: String,
    /// The new asset's custom fields, by category.
    custom_groups: CustomGroups,
}

/// The list's query from its address: search, filters, sort and page.
fn query_of(params: &ListParams) -> AssetQuery {
    let (sort, dir) = params.sort::<AssetSort>();
    let id = |k: &str| {
        params
            .get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|i| *i > 0)
    };
    AssetQuery {
        search: params.search(),
        status: params.get("status").and_then(AssetStatus::parse),
        category: id("category_id").map(AssetCategoryId),
        model: id("model_id").map(AssetModelId),
        holder: None,
        sort,
        dir,
        paging: params.paging(),
    }
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<AssetForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = query_of(&params);
    if let Some(format) = params.export_format() {
        let listed = match assets::list(&state.store, &pa.actor, &q).await {
            Ok(page) => asset_fields::all_fields(&state.store, &pa.actor)
                .await
                .map(|f| (page, asset_fields::keys(&f))),
            Err(e) => Err(e),
        };
        return match listed {
            Ok((page, keys)) => {
                let headers = assets::export_headers(&keys);
                let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
                export(
                    format,
                    "assets",
                    &headers,
                    page.items
                        .iter()
                        .map(|a| assets::export_row_with(a, &keys))
                        .collect(),
                )
            }
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match assets::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let (models, categories, fields) = match tokio::join!(
        assets::models(&state.store, &pa.actor),
        assets::categories(&state.store, &pa.actor),
        asset_fields::all_fields(&state.store, &pa.actor)
    ) {
        (Ok(m), Ok(c), Ok(f)) => (m, c, f),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let custom_groups = groups_of(&categories, fields);
    let list = ListView::new("/it/assets", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let labels_href = params.href("/it/assets/labels", &[]);
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &ListPage {
            chrome: chrome(state, pa, "IT assets", "/it/assets").await,
            list,
            rows: page.items,
            statuses: statuses(),
            models,
            categories,
            can_create: assets::may_write(&pa.actor),
            can_import: asset_import::may_import(&pa.actor).is_ok(),
            form: form.unwrap_or_default(),
            labels_href,
            custom_groups,
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
    match assets::create(&state.store, &pa.actor, &input).await {
        Ok(a) => redirect_with(
            &format!("/it/assets/{}", a.id),
            &format!("{} was added.", a.tag),
        ),
        Err(e) if is_invalid(&e) => {
            let form = AssetForm {
                input,
                errors: e.field_errors(),
            };
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// The check-out form's values and errors.
#[derive(Default)]
pub(crate) struct CheckoutForm {
    pub input: CheckoutInput,
    pub errors: Vec<FieldError>,
    /// Whom or what it goes to: `employee` (the default), `location` or `asset`.
    pub target: String,
    /// The other asset's tag, as typed.
    pub asset_tag: String,
}

impl CheckoutForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

#[derive(Template)]
#[template(path = "it/asset_show.html")]
struct ShowPage {
    chrome: Chrome,
    asset: Asset,
    history: Vec<AssetEvent>,
    statuses: Vec<AssetStatus>,
    models: Vec<Model>,
    can_write: bool,
    form: AssetForm,
    checkout: CheckoutForm,
    /// Whom the check-out form offers: the directory's current staff (its first 500).
    people: Vec<steward_core::hr::employees::EmployeeRow>,
    attachments: crate::pages::files::Attachments,
    /// What it is worth, month by month (None: the model does not depreciate, or the cost or
    /// purchase date is not known).
    value: Option<ValueView>,
    /// Whether the reader sees the asset's books (`accounting.read`): a link to them.
    books: bool,
    /// Who reads the page (the holder may confirm receiving the asset).
    reader: steward_core::ids::UserId,
    /// The addresses given to devices that are this asset (IT's staff see them).
    addresses: Vec<(
        steward_core::it::networks::Network,
        steward_core::it::networks::Allocation,
    )>,
    /// The custom fields of its category (or of the category of the model the form chose).
    custom_groups: CustomGroups,
    /// The assets checked out to this one.
    children: Vec<Asset>,
    /// HR's locations (their names), offered to a check-out to a location.
    places: Vec<String>,
}

/// The asset's depreciation as the page shows it: amounts written in its currency.
pub(crate) struct ValueView {
    pub method: &'static str,
    pub life_months: i64,
    pub book_value: String,
    /// Month (`2026-01`), amount, book value at its end; `now` marks this month.
    pub months: Vec<(String, String, String, bool)>,
}

impl ValueView {
    fn of(
        d: steward_core::it::depreciation::AssetDepreciation,
        today: chrono::NaiveDate,
    ) -> Option<Self> {
        let book = d.book_value?;
        if d.periods.is_empty() {
            return None;
        }
        let money = |m: i64| {
            format!(
                "{} {}",
                steward_core::money::format_in(m, &d.currency),
                d.currency
            )
        };
        let this_month = today.format("%Y-%m").to_string();
        Some(ValueView {
            method: d.method.label(),
            life_months: d.life_months,
            book_value: money(book),
            months: d
                .periods
                .iter()
                .map(|p| {
                    let m = p.month.format("%Y-%m").to_string();
                    let now = m == this_month;
                    (m, money(p.amount), money(p.book_value), now)
                })
                .collect(),
        })
    }
}

impl ShowPage {
    /// Whether the reader holds the asset and has not confirmed receiving it yet.
    fn may_acknowledge(&self) -> bool {
        self.asset.holder_user_id == Some(self.reader) && self.asset.acknowledged_at.is_none()
    }

    /// An employee id the check-out form was sent that the directory does not list (kept,
    /// so the error beside it shows what was sent).
    /// The asset's custom values as facts: the label of each field with a value, by
    /// position, then values of no field of its category by key.
    fn custom_facts(&self) -> Vec<(String, String)> {
        let fields: Vec<&CategoryField> = self
            .custom_groups
            .iter()
            .flat_map(|(_, fs)| fs.iter())
            .filter(|f| f.owner == self.asset.category_id)
            .collect();
        let mut out: Vec<(String, String)> = fields
            .iter()
            .filter_map(|f| {
                self.asset
                    .custom
                    .get(&f.key)
                    .map(|v| (f.label.clone(), steward_core::custom_fields::value_text(v)))
            })
            .collect();
        for (k, v) in &self.asset.custom {
            if !fields.iter().any(|f| &f.key == k) {
                out.push((k.clone(), steward_core::custom_fields::value_text(v)));
            }
        }
        out
    }

    fn typed_unlisted(&self) -> bool {
        let typed = self.checkout.input.employee_id.trim();
        !typed.is_empty() && !self.people.iter().any(|p| p.id.to_string() == typed)
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<AssetForm>,
    checkout: Option<CheckoutForm>,
) -> Response {
    let asset = match assets::get(&state.store, &pa.actor, AssetId(id)).await {
        Ok(a) => a,
        Err(e) => return fail(state, pa, e).await,
    };
    let today = steward_core::time::today();
    let (history, models, value) = match tokio::join!(
        assets::history(&state.store, &pa.actor, asset.id),
        assets::models(&state.store, &pa.actor),
        steward_core::it::depreciation::of_asset(&state.store, &pa.actor, asset.id, today)
    ) {
        (Ok(h), Ok(m), Ok(v)) => (h, m, ValueView::of(v, today)),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let invalid = form.as_ref().is_some_and(|f| !f.errors.is_empty())
        || checkout.as_ref().is_some_and(|f| !f.errors.is_empty());
    let status = crate::pages::form_status(invalid);
    let can_write = assets::may_write(&pa.actor);
    // HR's directory, as its own forms offer managers (what the actor may see of it).
    let people = if can_write && asset.status == AssetStatus::Deployable {
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
    // HR's sites, offered as the check-out's places (free text all the same).
    let places = if can_write && asset.status == AssetStatus::Deployable {
        steward_core::hr::locations::all(&state.store, &pa.actor)
            .await
            .map(|l| l.into_iter().map(|l| l.name).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let attachments = crate::pages::files::Attachments::load(
        state,
        &pa.actor,
        &steward_core::work::RecordRef::new(steward_core::it::ASSET, asset.id.0),
    )
    .await;
    let addresses = if can_write {
        steward_core::it::networks::of_asset(&state.store, &pa.actor, asset.id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    // The fields of the category of the model the form chose (the asset's, unless changed).
    let form = form.unwrap_or_else(|| AssetForm::of(&asset));
    let category = form
        .input
        .model_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|m| models.iter().find(|x| x.id.0 == m))
        .map_or(asset.category_id, |m| m.category_id);
    let (fields, children) = match tokio::join!(
        asset_fields::fields(&state.store, &pa.actor, category),
        assets::checked_out_to(&state.store, &pa.actor, asset.id)
    ) {
        (Ok(f), Ok(c)) => (f, c),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let custom_groups = vec![("Details".to_string(), fields)];
    let title = if asset.name.is_empty() {
        asset.tag.clone()
    } else {
        format!("{} {}", asset.tag, asset.name)
    };
    render(
        &ShowPage {
            chrome: chrome(state, pa, &title, "/it/assets").await,
            form,
            checkout: checkout.unwrap_or_default(),
            custom_groups,
            children,
            places,
            can_write,
            people,
            attachments,
            value,
            books: steward_core::it::books::may_read(&pa.actor),
            reader: pa.actor.user_id,
            addresses,
            statuses: statuses(),
            models,
            history,
            asset,
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
    match assets::update(&state.store, &pa.actor, AssetId(id), &input, version).await {
        Ok(a) => redirect_with(
            &format!("/it/assets/{}", a.id),
            &format!("{} was saved.", a.tag),
        ),
        Err(e) if is_invalid(&e) => {
            let form = AssetForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, Some(form), None).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn check_out<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let target = field(&pairs, "target");
    let asset_tag = field(&pairs, "asset_tag").trim().to_ascii_uppercase();
    // The target the form chose; without a choice, whatever was filled in (the service
    // refuses none or several).
    let chosen = |t: &str| target.is_empty() || target == t;
    let mut input = CheckoutInput {
        employee_id: if chosen("employee") {
            field(&pairs, "employee_id")
        } else {
            String::new()
        },
        expected_return: field(&pairs, "expected_return"),
        note: field(&pairs, "note"),
        location: if chosen("location") {
            field(&pairs, "location")
        } else {
            String::new()
        },
        asset_id: String::new(),
    };
    let form_of = |input: CheckoutInput, errors| CheckoutForm {
        input,
        errors,
        target: target.clone(),
        asset_tag: asset_tag.clone(),
    };
    if chosen("asset") && !asset_tag.is_empty() {
        match asset_by_tag(&state, &pa, &asset_tag).await {
            Ok(Some(a)) => input.asset_id = a.to_string(),
            Ok(None) => {
                let errors = vec![FieldError {
                    field: "asset_id".into(),
                    message: "no asset has this tag".into(),
                }];
                return show_view(&state, &pa, id, None, Some(form_of(input, errors))).await;
            }
            Err(e) => return fail(&state, &pa, e).await,
        }
    }
    let version = field(&pairs, "version").parse().ok();
    match assets::check_out(&state.store, &pa.actor, AssetId(id), &input, version).await {
        Ok(a) => redirect_with(
            &format!("/it/assets/{}", a.id),
            &format!("{} was checked out {}.", a.tag, checked_out_text(&a)),
        ),
        Err(e) if is_invalid(&e) => {
            let form = form_of(input, e.field_errors());
            show_view(&state, &pa, id, None, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// `to <person>`, `to <location>` or `with <tag>`.
fn checked_out_text(a: &Asset) -> String {
    if a.parent_id.is_some() {
        a.target_text()
    } else {
        format!("to {}", a.target_text().trim_start_matches("at "))
    }
}

/// The id of the company's asset with this tag (as the actor sees the list).
async fn asset_by_tag<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    tag: &str,
) -> steward_core::Result<Option<AssetId>> {
    let q = AssetQuery {
        search: Some(tag.to_string()),
        paging: steward_core::list::Paging::new(Some(100), None),
        ..AssetQuery::default()
    };
    Ok(assets::list(&state.store, &pa.actor, &q)
        .await?
        .items
        .into_iter()
        .find(|a| a.tag == tag)
        .map(|a| a.id))
}

async fn check_in<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").parse().ok();
    match assets::check_in(
        &state.store,
        &pa.actor,
        AssetId(id),
        &field(&pairs, "note"),
        version,
    )
    .await
    {
        Ok(a) => redirect_with(
            &format!("/it/assets/{}", a.id),
            &format!("{} was checked in.", a.tag),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// The holder's "I received it".
async fn acknowledge<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match assets::acknowledge(&state.store, &pa.actor, AssetId(id)).await {
        Ok(a) => redirect_with(
            &format!("/it/assets/{}", a.id),
            &format!("Thank you: you confirmed you received {}.", a.tag),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/models.html")]
struct CatalogPage {
    chrome: Chrome,
    models: Vec<Model>,
    categories: Vec<Category>,
    depreciations: Vec<Depreciation>,
    can_write: bool,
    model: ModelInput,
    category: CategoryInput,
    errors: Vec<FieldError>,
    /// Which form the errors are of: `model` or `category`.
    errors_of: &'static str,
}

impl CatalogPage {
    pub fn error(&self, form: &str, f: &str) -> Option<String> {
        (self.errors_of == form)
            .then(|| field_error(&self.errors, f))
            .flatten()
    }
}

async fn catalog_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    model: ModelInput,
    category: CategoryInput,
    errors: Vec<FieldError>,
    errors_of: &'static str,
) -> Response {
    let (models, categories) = match tokio::join!(
        assets::models(&state.store, &pa.actor),
        assets::categories(&state.store, &pa.actor)
    ) {
        (Ok(m), Ok(c)) => (m, c),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &CatalogPage {
            chrome: chrome(state, pa, "Models and categories", "/it/models").await,
            models,
            categories,
            depreciations: Depreciation::ALL.to_vec(),
            can_write: assets::may_write(&pa.actor),
            model,
            category,
            errors,
            errors_of,
        },
        status,
    )
}

async fn catalog<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    catalog_view(
        &state,
        &pa,
        ModelInput::default(),
        CategoryInput::default(),
        Vec::new(),
        "",
    )
    .await
}

async fn create_model<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = ModelInput {
        name: field(&pairs, "name"),
        maker: field(&pairs, "maker"),
        model_number: field(&pairs, "model_number"),
        category_id: field(&pairs, "category_id"),
        depreciation: field(&pairs, "depreciation"),
        life_months: field(&pairs, "life_months"),
    };
    match assets::create_model(&state.store, &pa.actor, &input).await {
        Ok(m) => redirect_with("/it/models", &format!("{} was added.", m.name)),
        Err(e) if is_invalid(&e) => {
            catalog_view(
                &state,
                &pa,
                input,
                CategoryInput::default(),
                e.field_errors(),
                "model",
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn create_category<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = CategoryInput {
        name: field(&pairs, "name"),
    };
    match assets::create_category(&state.store, &pa.actor, &input).await {
        Ok(c) => redirect_with("/it/models", &format!("{} was added.", c.name)),
        Err(e) if is_invalid(&e) => {
            catalog_view(
                &state,
                &pa,
                ModelInput::default(),
                input,
                e.field_errors(),
                "category",
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

fn importer() -> crate::pages::import::Importer {
    crate::pages::import::Importer {
        title: "Import assets",
        noun: "assets",
        action: "/it/assets/import",
        back: "/it/assets",
        template: Some("/it/assets/import/template.csv"),
        columns: asset_import::IMPORT_COLUMNS,
        note: "Only model is required (a model's name); an empty tag is numbered; status is \
               deployable unless it says in_repair, retired or lost; the columns are those of \
               the list's export, with one column per custom field named by its key (a \
               category's page lists them), checked against the row's model's category.",
    }
}

async fn import_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if let Err(e) = asset_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let c = chrome(&state, &pa, "Import assets", "/it/assets").await;
    crate::pages::import::form(c, importer())
}

/// The header row and an example row, for those who may import.
async fn template<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if let Err(e) = asset_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    export(
        steward_io::TableFormat::Csv,
        "assets-import-template",
        asset_import::IMPORT_COLUMNS,
        vec![asset_import::IMPORT_EXAMPLE
            .iter()
            .map(|s| s.to_string())
            .collect()],
    )
}

async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: axum::extract::Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if let Err(e) = asset_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let c = chrome(&state, &pa, "Import assets", "/it/assets").await;
    crate::pages::import::upload(&state, &pa, c, importer(), mp, |name, table, mapping, dry_run| {
        let (store, actor) = (&state.store, &pa.actor);
        async move { asset_import::import(store, actor, &table, &name, &mapping, dry_run).await }
    })
    .await
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
        steward_core::work::RecordRef::new(steward_core::it::ASSET, id),
        mp,
    )
    .await
}

/// One printed label: what a person reads and the QR code that opens the asset's page.
pub(crate) struct Label {
    pub tag: String,
    pub name: String,
    pub model: String,
    pub serial: String,
    /// The QR code as inline SVG (built by `steward_io::qr`, escaped there).
    pub svg: String,
}

#[derive(Template)]
#[template(path = "it/labels.html")]
struct LabelsPage {
    chrome: Chrome,
    labels: Vec<Label>,
    /// The list the sheet was printed from (its address), to go back to.
    back: String,
}

/// The labels of `rows`, their QR codes holding `base` + the asset's page, made on a
/// blocking thread (the encoding is CPU work).
async fn labels_of(base: String, rows: Vec<Asset>) -> steward_core::Result<Vec<Label>> {
    steward_core::blocking::try_run(move || {
        rows.into_iter()
            .map(|a| {
                let url = format!("{base}/it/assets/{}", a.id);
                let svg = steward_io::qr::svg(&url, &format!("QR code of {}", a.tag))
                    .map_err(|e| steward_core::Error::internal(e.to_string()))?;
                Ok(Label {
                    tag: a.tag,
                    name: a.name,
                    model: a.model,
                    serial: a.serial,
                    svg,
                })
            })
            .collect()
    })
    .await
}

/// A sheet of labels for the assets the list shows with the same search, filters, sort and
/// page (at most a page of the list: its limit).
async fn labels<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    headers: axum::http::HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = query_of(&params);
    let page = match assets::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let labels = match labels_of(crate::pages::public_base(&state, &headers), page.items).await {
        Ok(l) => l,
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(
        &LabelsPage {
            chrome: chrome(&state, &pa, "Asset labels", "/it/assets").await,
            labels,
            back: params.href("/it/assets", &[]),
        },
        StatusCode::OK,
    )
}

/// One asset's label, to print and stick on it.
async fn label<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let asset = match assets::get(&state.store, &pa.actor, AssetId(id)).await {
        Ok(a) => a,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let back = format!("/it/assets/{}", asset.id);
    let title = format!("Label of {}", asset.tag);
    let labels = match labels_of(crate::pages::public_base(&state, &headers), vec![asset]).await {
        Ok(l) => l,
        Err(e) => return fail(&state, &pa, e).await,
    };
    render(
        &LabelsPage {
            chrome: chrome(&state, &pa, &title, "/it/assets").await,
            labels,
            back,
        },
        StatusCode::OK,
    )
}
