//! Customers and vendors: the list at `/billing/parties` (search, role filter, sort,
//! CSV/XLSX export; a new one below it) and one at `/billing/parties/{id}` (change it).
use askama::Template;
use axum::extract::Multipart;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use steward_core::billing::parties::{self, Party, PartyInput, PartyQuery, PartyRole, PartySort};
use steward_core::billing::party_import;
use steward_core::error::FieldError;
use steward_core::ids::PartyId;
use steward_core::list::SortKey;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/parties", get(list::<S>).post(create::<S>))
        .route(
            "/billing/parties/import",
            get(import_form::<S>)
                .post(import::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::IMPORT_BODY_LIMIT,
                )),
        )
        .route("/billing/parties/import/template.csv", get(template::<S>))
        .route("/billing/parties/{id}", get(show::<S>).post(update::<S>))
}

const COLUMNS: &[Column] = &[
    col("name", "Name", true),
    col("role", "Customer or vendor", false),
    col("email", "E-mail", false),
    col("terms", "Terms (days)", false),
    col("currency", "Currency", false),
    col("documents", "Documents", false),
];

/// The form's values (kept after an error) and its errors.
#[derive(Default)]
pub(crate) struct PartyForm {
    pub input: PartyInput,
    pub errors: Vec<FieldError>,
}

impl PartyForm {
    fn new_one(role: PartyRole) -> PartyForm {
        PartyForm {
            input: PartyInput {
                is_customer: role != PartyRole::Vendor,
                is_vendor: role == PartyRole::Vendor,
                active: true,
                payment_terms_days: "30".into(),
                ..Default::default()
            },
            errors: Vec::new(),
        }
    }
    fn of(p: &Party) -> PartyForm {
        PartyForm {
            input: PartyInput {
                name: p.name.clone(),
                legal_name: p.legal_name.clone(),
                is_customer: p.is_customer,
                is_vendor: p.is_vendor,
                tax_id: p.tax_id.clone(),
                email: p.email.clone(),
                address: p.address.clone(),
                payment_terms_days: p.payment_terms_days.to_string(),
                currency: p.currency.clone(),
                income_account: p.income_account.clone().unwrap_or_default(),
                expense_account: p.expense_account.clone().unwrap_or_default(),
                iban: p.iban_display(),
                bic: p.bic.clone(),
                active: p.active,
            },
            errors: Vec::new(),
        }
    }
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

fn input_of(pairs: &[(String, String)]) -> PartyInput {
    let on = |k: &str| !field(pairs, k).is_empty();
    PartyInput {
        name: field(pairs, "name"),
        legal_name: field(pairs, "legal_name"),
        is_customer: on("is_customer"),
        is_vendor: on("is_vendor"),
        tax_id: field(pairs, "tax_id"),
        email: field(pairs, "email"),
        address: field(pairs, "address"),
        payment_terms_days: field(pairs, "payment_terms_days"),
        currency: field(pairs, "currency"),
        income_account: field(pairs, "income_account"),
        expense_account: field(pairs, "expense_account"),
        iban: field(pairs, "iban"),
        bic: field(pairs, "bic"),
        active: on("active"),
    }
}

#[derive(Template)]
#[template(path = "billing/party_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Party>,
    role: String,
    can_create: bool,
    can_import: bool,
    form: PartyForm,
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<PartyForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<PartySort>();
    let role_text = params.get("role").unwrap_or("").to_string();
    let role = PartyRole::parse(&role_text).unwrap_or_default();
    let q = PartyQuery {
        search: params.search(),
        role,
        active: None,
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        if let Err(e) = parties::authorize_export(&pa.actor) {
            return fail(state, pa, e).await;
        }
        let mut q = q.clone();
        q.paging = steward_core::list::Paging::export();
        return match parties::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "parties",
                parties::EXPORT_HEADERS,
                page.items.iter().map(parties::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match parties::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/billing/parties",
        &params,
        COLUMNS,
        q.sort.name(),
        q.dir,
        &page,
    );
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &ListPage {
            chrome: chrome(state, pa, "Customers and vendors", "/billing/parties").await,
            list,
            rows: page.items,
            can_create: parties::may_create(&pa.actor),
            can_import: party_import::may_import(&pa.actor).is_ok(),
            form: form.unwrap_or_else(|| PartyForm::new_one(role)),
            role: role_text,
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
    if !parties::may_create(&pa.actor) {
        return fail(&state, &pa, steward_core::Error::Forbidden).await;
    }
    let input = input_of(&pairs);
    match parties::create(&state.store, &pa.actor, &input).await {
        Ok(p) => redirect_with(
            &format!("/billing/parties/{}", p.id),
            &format!("{} was added.", p.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = PartyForm {
                input,
                errors: e.field_errors(),
            };
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "billing/party_show.html")]
struct ShowPage {
    chrome: Chrome,
    party: Party,
    form: PartyForm,
    dunning_excluded: bool,
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<PartyForm>,
) -> Response {
    let party = match parties::get(&state.store, &pa.actor, PartyId(id)).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    let dunning_excluded = if party.is_customer {
        match steward_core::billing::mail::is_excluded(&state.store, &pa.actor, party.id).await {
            Ok(x) => x,
            Err(e) => return fail(state, pa, e).await,
        }
    } else {
        false
    };
    render(
        &ShowPage {
            chrome: chrome(state, pa, &party.name, "/billing/parties").await,
            form: form.unwrap_or_else(|| PartyForm::of(&party)),
            party,
            dunning_excluded,
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

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = input_of(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match parties::update(&state.store, &pa.actor, PartyId(id), &input, version).await {
        Ok(p) => redirect_with(
            &format!("/billing/parties/{}", p.id),
            &format!("{} was saved.", p.name),
        ),
        Err(e) if is_invalid(&e) => {
            let form = PartyForm {
                input,
                errors: e.field_errors(),
            };
            show_view(&state, &pa, id, Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

fn importer() -> crate::pages::import::Importer {
    crate::pages::import::Importer {
        title: "Import customers and vendors",
        noun: "customers and vendors",
        action: "/billing/parties/import",
        back: "/billing/parties",
        template: Some("/billing/parties/import/template.csv"),
        columns: party_import::IMPORT_COLUMNS,
        note: "Only name is required; customer, vendor and active take yes or no (each row is \
               a customer, a vendor or both; active unless it says no); accounts by name or \
               code; the columns are those of the list's export.",
    }
}

async fn import_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if let Err(e) = party_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let c = chrome(
        &state,
        &pa,
        "Import customers and vendors",
        "/billing/parties",
    )
    .await;
    crate::pages::import::form(c, importer())
}

/// The header row and an example row, for those who may import.
async fn template<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if let Err(e) = party_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    export(
        steward_io::TableFormat::Csv,
        "parties-import-template",
        party_import::IMPORT_COLUMNS,
        vec![party_import::IMPORT_EXAMPLE
            .iter()
            .map(|s| s.to_string())
            .collect()],
    )
}

async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    mp: Multipart,
) -> Response {
    // Refused before the upload is read: the service would refuse it anyway.
    if let Err(e) = party_import::may_import(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let c = chrome(
        &state,
        &pa,
        "Import customers and vendors",
        "/billing/parties",
    )
    .await;
    crate::pages::import::upload(&state, &pa, c, importer(), mp, |name, table, mapping, dry_run| {
        let (store, actor) = (&state.store, &pa.actor);
        async move { party_import::import(store, actor, &table, &name, &mapping, dry_run).await }
    })
    .await
}
