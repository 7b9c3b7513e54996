//! `/billing/settings`: where receivables and payables are kept, how tax is rounded, and
//! the tax codes (new ones and changes to each).
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::billing::tax::{self, TaxCode, TaxCodeInput};
use steward_core::billing::{
    self, postable_accounts, BillingSettings, PostableAccount, SettingsInput,
};
use steward_core::error::FieldError;
use steward_core::ids::{AccountId, TaxCodeId};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/settings", get(show::<S>).post(save::<S>))
        .route("/billing/settings/tax-codes", post(create_code::<S>))
        .route("/billing/settings/tax-codes/{id}", post(update_code::<S>))
}

#[derive(Template)]
#[template(path = "billing/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    settings: BillingSettings,
    /// The company currency (the approval threshold's).
    currency: String,
    codes: Vec<TaxCode>,
    accounts: Vec<PostableAccount>,
    can_edit: bool,
    /// The form whose errors are shown: `settings`, `new` or a code's id.
    errors_of: String,
    errors: Vec<FieldError>,
    /// What the failed tax-code form held.
    typed: TaxCodeInput,
}

impl SettingsPage {
    fn error(&self, form: &str, f: &str) -> Option<String> {
        if self.errors_of == form {
            field_error(&self.errors, f)
        } else {
            None
        }
    }
    fn name_of(&self, id: &Option<AccountId>) -> String {
        id.and_then(|id| self.accounts.iter().find(|a| a.id == id))
            .map(|a| a.name.clone())
            .unwrap_or_default()
    }
    fn threshold(&self) -> String {
        self.settings
            .bill_approval_threshold
            .map(|t| steward_core::money::format_in(t, &self.currency))
            .unwrap_or_default()
    }
    fn new_value(&self) -> &TaxCodeInput {
        &self.typed
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    errors_of: &str,
    errors: Vec<FieldError>,
    typed: TaxCodeInput,
) -> Response {
    let settings = match billing::settings(&state.store, &pa.actor).await {
        Ok(s) => s,
        Err(e) => return fail(state, pa, e).await,
    };
    let codes = tax::list(&state.store, &pa.actor).await.unwrap_or_default();
    let accounts = postable_accounts(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &SettingsPage {
            chrome: chrome(state, pa, "Billing settings", "/billing/settings").await,
            settings,
            currency: pa.actor.company_currency.clone(),
            codes,
            accounts,
            can_edit: tax::authorize_write(&pa.actor).is_ok(),
            errors_of: errors_of.to_string(),
            errors,
            typed,
        },
        status,
    )
}

async fn show<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let typed = TaxCodeInput {
        active: true,
        ..Default::default()
    };
    view(&state, &pa, "", Vec::new(), typed).await
}

async fn save<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = tax::authorize_write(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let input = SettingsInput {
        receivable_account: field(&pairs, "receivable_account"),
        payable_account: field(&pairs, "payable_account"),
        tax_rounding: field(&pairs, "tax_rounding"),
        bill_approval_threshold: field(&pairs, "bill_approval_threshold"),
        fx_gain_loss_account: field(&pairs, "fx_gain_loss_account"),
    };
    let version = field(&pairs, "version").parse().ok();
    match billing::set_settings(&state.store, &pa.actor, &input, version).await {
        Ok(_) => redirect_with("/billing/settings", "The billing settings were saved."),
        Err(e) if is_invalid(&e) => {
            view(
                &state,
                &pa,
                "settings",
                e.field_errors(),
                TaxCodeInput::default(),
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

fn code_input(pairs: &[(String, String)]) -> TaxCodeInput {
    TaxCodeInput {
        code: field(pairs, "code"),
        name: field(pairs, "name"),
        rate: field(pairs, "rate"),
        inclusive: !field(pairs, "inclusive").is_empty(),
        collected_account: field(pairs, "collected_account"),
        paid_account: field(pairs, "paid_account"),
        active: !field(pairs, "active").is_empty(),
    }
}

async fn create_code<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = tax::authorize_write(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let input = code_input(&pairs);
    match tax::create(&state.store, &pa.actor, &input).await {
        Ok(t) => redirect_with(
            "/billing/settings",
            &format!("Tax code {} was added.", t.code),
        ),
        Err(e) if is_invalid(&e) => view(&state, &pa, "new", e.field_errors(), input).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn update_code<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(e) = tax::authorize_write(&pa.actor) {
        return fail(&state, &pa, e).await;
    }
    let input = code_input(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match tax::update(&state.store, &pa.actor, TaxCodeId(id), &input, version).await {
        Ok(t) => redirect_with(
            "/billing/settings",
            &format!("Tax code {} was saved.", t.code),
        ),
        Err(e) if is_invalid(&e) => {
            view(&state, &pa, &id.to_string(), e.field_errors(), input).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
