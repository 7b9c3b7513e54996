//! The books' set-up: journals, commodities, exchange rates (one at a time or imported from
//! CSV/XLSX) and the ledger settings (fiscal year start, approval threshold).
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::auth::Action;
use steward_core::error::FieldError;
use steward_core::ledger::service::{self, CommodityInput, JournalInput, RateInput, SettingsInput};
use steward_core::ledger::{Commodity, Journal, JournalKind, Rate};
use steward_core::Error;

use super::{amount, can, field, find_error, form_errors, is_invalid};
use crate::auth::PageActor;
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/ledger/journals",
            get(journals::<S>).post(create_journal::<S>),
        )
        .route(
            "/ledger/commodities",
            get(commodities::<S>).post(create_commodity::<S>),
        )
        .route("/ledger/rates", get(rates::<S>).post(add_rate::<S>))
        .route(
            "/ledger/rates/import",
            post(import_rates::<S>).layer(axum::extract::DefaultBodyLimit::max(
                crate::IMPORT_BODY_LIMIT,
            )),
        )
        .route(
            "/ledger/settings",
            get(settings::<S>).post(save_settings::<S>),
        )
}

/// What a create form was given, to show again beside its errors.
type Typed = Vec<(String, String)>;

fn typed_value(typed: &Typed, key: &str) -> String {
    field(typed, key)
}

// ---------------------------------------------------------------- journals

#[derive(Template)]
#[template(path = "ledger/journals.html")]
struct JournalsPage {
    chrome: Chrome,
    journals: Vec<Journal>,
    kinds: [JournalKind; 6],
    can_create: bool,
    typed: Typed,
    errors: Vec<FieldError>,
}

impl JournalsPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    fn value(&self, key: &str) -> String {
        typed_value(&self.typed, key)
    }
}

async fn journals_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    typed: Typed,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let journals = match service::journals(&state.store, &pa.actor).await {
        Ok(j) => j,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = JournalsPage {
        chrome: chrome(state, pa, "Journals", "/ledger/journals").await,
        journals,
        kinds: JournalKind::ALL,
        can_create: can(&pa.actor, Action::Update),
        typed,
        errors,
    };
    render(&page, status)
}

async fn journals<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    journals_page(&state, &pa, Vec::new(), Vec::new(), StatusCode::OK).await
}

async fn create_journal<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Typed>,
) -> Response {
    let input = JournalInput {
        code: field(&pairs, "code"),
        name: field(&pairs, "name"),
        kind: field(&pairs, "kind"),
    };
    match service::create_journal(&state.store, &pa.actor, &input).await {
        Ok(j) => redirect_with("/ledger/journals", &format!("Journal {} created.", j.code)),
        Err(e) => match form_errors(&e, "code") {
            Some(errors) => {
                let status = crate::error::status_of(&e);
                journals_page(&state, &pa, pairs, errors, status).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

// ---------------------------------------------------------------- commodities

#[derive(Template)]
#[template(path = "ledger/commodities.html")]
struct CommoditiesPage {
    chrome: Chrome,
    commodities: Vec<Commodity>,
    can_create: bool,
    typed: Typed,
    errors: Vec<FieldError>,
}

impl CommoditiesPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    fn value(&self, key: &str) -> String {
        typed_value(&self.typed, key)
    }
}

async fn commodities_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    typed: Typed,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let commodities = match service::commodities(&state.store, &pa.actor).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let page = CommoditiesPage {
        chrome: chrome(state, pa, "Commodities", "/ledger/commodities").await,
        commodities,
        can_create: can(&pa.actor, Action::Update),
        typed,
        errors,
    };
    render(&page, status)
}

async fn commodities<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    commodities_page(&state, &pa, Vec::new(), Vec::new(), StatusCode::OK).await
}

async fn create_commodity<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Typed>,
) -> Response {
    let precision = field(&pairs, "precision");
    let Ok(p) = precision.trim().parse::<u8>() else {
        let errors = vec![FieldError {
            field: "precision".into(),
            message: format!(
                "`{}` is not a number of decimal places (0-12)",
                precision.trim()
            ),
        }];
        return commodities_page(&state, &pa, pairs, errors, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let input = CommodityInput {
        symbol: field(&pairs, "symbol"),
        precision: p,
        name: field(&pairs, "name"),
    };
    match service::create_commodity(&state.store, &pa.actor, &input).await {
        Ok(c) => redirect_with(
            "/ledger/commodities",
            &format!("Commodity {} created.", c.symbol),
        ),
        Err(e) => match form_errors(&e, "symbol") {
            Some(errors) => {
                let status = crate::error::status_of(&e);
                commodities_page(&state, &pa, pairs, errors, status).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

// ---------------------------------------------------------------- rates

const RATE_COLUMNS: &[&str] = &["date", "commodity", "quote", "rate"];

struct RateProblem {
    line: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "ledger/rates.html")]
struct RatesPage {
    chrome: Chrome,
    rates: Vec<Rate>,
    commodities: Vec<Commodity>,
    can_update: bool,
    typed: Typed,
    errors: Vec<FieldError>,
    import_error: Option<String>,
    problems: Vec<RateProblem>,
    columns: &'static [&'static str],
    today: String,
}

impl RatesPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    fn value(&self, key: &str) -> String {
        typed_value(&self.typed, key)
    }
}

struct RatesExtra {
    typed: Typed,
    errors: Vec<FieldError>,
    import_error: Option<String>,
    problems: Vec<RateProblem>,
}

async fn rates_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    x: RatesExtra,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let mut rates = match service::rates(store, actor).await {
        Ok(r) => r,
        Err(e) => return fail(state, pa, e).await,
    };
    // Newest first; a long history is a download, not a page.
    rates.sort_by(|a, b| b.date.cmp(&a.date).then(a.commodity.cmp(&b.commodity)));
    rates.truncate(500);
    let commodities = service::commodities(store, actor).await.unwrap_or_default();
    let page = RatesPage {
        chrome: chrome(state, pa, "Exchange rates", "/ledger/rates").await,
        rates,
        commodities,
        can_update: can(actor, Action::Update),
        typed: x.typed,
        errors: x.errors,
        import_error: x.import_error,
        problems: x.problems,
        columns: RATE_COLUMNS,
        today: service::today().to_string(),
    };
    render(&page, status)
}

async fn rates<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let x = RatesExtra {
        typed: Vec::new(),
        errors: Vec::new(),
        import_error: None,
        problems: Vec::new(),
    };
    rates_page(&state, &pa, x, StatusCode::OK).await
}

async fn add_rate<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Typed>,
) -> Response {
    let input = RateInput {
        date: field(&pairs, "date"),
        commodity: field(&pairs, "commodity"),
        quote: field(&pairs, "quote"),
        rate: field(&pairs, "rate"),
    };
    match service::set_rates(
        &state.store,
        &pa.actor,
        std::slice::from_ref(&input),
        "manual",
    )
    .await
    {
        Ok(_) => redirect_with(
            "/ledger/rates",
            &format!(
                "Rate saved: 1 {} = {} {} on {}.",
                input.commodity.trim(),
                input.rate.trim(),
                input.quote.trim(),
                input.date.trim()
            ),
        ),
        Err(e) => match form_errors(&e, "rate") {
            Some(errors) => {
                let status = crate::error::status_of(&e);
                let x = RatesExtra {
                    typed: pairs,
                    errors,
                    import_error: None,
                    problems: Vec::new(),
                };
                rates_page(&state, &pa, x, status).await
            }
            None => fail(&state, &pa, e).await,
        },
    }
}

async fn import_rates<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if !can(&pa.actor, Action::Update) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let parsed = async {
        let (name, bytes, _fields) = crate::forms::read_import_upload(mp).await?;
        let table = crate::forms::parse_table(&name, bytes).await?;
        let mapped = steward_io::ColumnMapping::auto(RATE_COLUMNS, &table.headers)
            .resolve(&table)
            .map_err(|e| Error::invalid("file", e.to_string()))?;
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for row in mapped.rows().filter(|r| !r.is_blank()) {
            let get = |f: &str| row.get(f).unwrap_or("").to_string();
            rows.push(RateInput {
                date: get("date"),
                commodity: get("commodity"),
                quote: get("quote"),
                rate: get("rate"),
            });
            lines.push(row.line());
        }
        if rows.is_empty() {
            return Err(Error::invalid("file", "the file has no rate rows"));
        }
        Ok::<_, Error>((name, rows, lines))
    }
    .await;
    let empty = || RatesExtra {
        typed: Vec::new(),
        errors: Vec::new(),
        import_error: None,
        problems: Vec::new(),
    };
    let (name, rows, lines) = match parsed {
        Ok(p) => p,
        Err(e) if is_invalid(&e) => {
            let x = RatesExtra {
                import_error: Some(e.to_string()),
                ..empty()
            };
            return rates_page(&state, &pa, x, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return fail(&state, &pa, e).await,
    };
    let source = format!("import {name}");
    match service::set_rates(&state.store, &pa.actor, &rows, &source).await {
        Ok(n) => redirect_with(
            "/ledger/rates",
            &format!("{n} rate(s) imported from {name}."),
        ),
        Err(e) if is_invalid(&e) => {
            // `rows[3].rate` (or the bare field for a one-row file) -> the file's line.
            let problems = e
                .field_errors()
                .into_iter()
                .map(|f| {
                    let (i, column) = f
                        .field
                        .strip_prefix("rows[")
                        .and_then(|r| r.split_once("]."))
                        .and_then(|(i, c)| Some((i.parse::<usize>().ok()?, c.to_string())))
                        .unwrap_or((0, f.field.clone()));
                    RateProblem {
                        line: lines.get(i).copied().unwrap_or(0),
                        column,
                        message: f.message,
                    }
                })
                .collect();
            let x = RatesExtra {
                problems,
                import_error: Some(format!("{name}: nothing was imported")),
                ..empty()
            };
            rates_page(&state, &pa, x, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- settings

#[derive(Template)]
#[template(path = "ledger/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    start_month: u32,
    threshold: String,
    version: i64,
    currency: String,
    can_update: bool,
    errors: Vec<FieldError>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<String> {
        find_error(&self.errors, field)
    }
    fn is_start(&self, m: &u32) -> bool {
        *m == self.start_month
    }
    fn months(&self) -> Vec<(u32, String)> {
        (1..=12)
            .map(|m| {
                let name = chrono::NaiveDate::from_ymd_opt(2000, m, 1)
                    .map(|d| d.format("%B").to_string())
                    .unwrap_or_default();
                (m, name)
            })
            .collect()
    }
}

async fn settings<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let s = match service::settings(store, actor).await {
        Ok(s) => s,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let precision = service::commodities(store, actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.symbol == actor.company_currency)
        .map(|c| c.precision)
        .unwrap_or(2);
    let page = SettingsPage {
        chrome: chrome(&state, &pa, "Ledger settings", "/ledger/settings").await,
        start_month: s.fiscal_year_start_month,
        threshold: s
            .approval_threshold
            .map(|t| amount(t, precision))
            .unwrap_or_default(),
        version: s.version,
        currency: actor.company_currency.clone(),
        can_update: can(actor, Action::Approve),
        errors: Vec::new(),
    };
    render(&page, StatusCode::OK)
}

async fn save_settings<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Typed>,
) -> Response {
    let start_month = field(&pairs, "fiscal_year_start_month")
        .trim()
        .parse::<u32>()
        .unwrap_or(0);
    let version = field(&pairs, "version").trim().parse::<i64>().unwrap_or(0);
    let threshold = field(&pairs, "approval_threshold");
    let input = SettingsInput {
        fiscal_year_start_month: start_month,
        approval_threshold: super::non_empty(&threshold),
        version,
    };
    match service::update_settings(&state.store, &pa.actor, &input).await {
        Ok(_) => redirect_with("/ledger/settings", "Settings saved."),
        Err(e) => match form_errors(&e, "version") {
            Some(errors) => {
                let page = SettingsPage {
                    chrome: chrome(&state, &pa, "Ledger settings", "/ledger/settings").await,
                    start_month,
                    threshold,
                    version,
                    currency: pa.actor.company_currency.clone(),
                    can_update: true,
                    errors,
                };
                render(&page, crate::error::status_of(&e))
            }
            None => fail(&state, &pa, e).await,
        },
    }
}
