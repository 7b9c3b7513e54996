//! `/records/setup`: kinds of subject with their fields, record categories and the
//! templates. Everyone who uses Records reads it; the privacy office changes it.
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::records::setup::{
    self, Category, CategoryInput, FieldInput, Kind, KindField, KindInput,
};
use steward_core::records::{self as records, KindId};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/records/setup", get(page::<S>))
        .route("/records/setup/template", post(template::<S>))
        .route("/records/setup/kinds", post(create_kind::<S>))
        .route("/records/setup/kinds/{id}/fields", post(create_field::<S>))
        .route("/records/setup/categories", post(create_category::<S>))
}

#[derive(Template)]
#[template(path = "records/setup.html")]
struct SetupPage {
    chrome: Chrome,
    kinds: Vec<(Kind, Vec<KindField>)>,
    categories: Vec<Category>,
    office: bool,
    templates: &'static [(&'static str, &'static str)],
    events: &'static [(&'static str, &'static str)],
    kinds_of_field: &'static [&'static str],
    errors: Vec<FieldError>,
    /// Which form the errors are of.
    form: String,
    values: Vec<(String, String)>,
}

impl SetupPage {
    pub fn error(&self, form: &str, f: &str) -> Option<String> {
        if self.form == form {
            field_error(&self.errors, f)
        } else {
            None
        }
    }
    pub fn value(&self, form: &str, f: &str) -> String {
        if self.form == form {
            field(&self.values, f)
        } else {
            String::new()
        }
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: &str,
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
) -> Response {
    let (kinds, categories) = match tokio::join!(
        setup::kinds(&state.store, &pa.actor),
        setup::categories(&state.store, &pa.actor)
    ) {
        (Ok(k), Ok(c)) => (k, c),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let mut with_fields = Vec::new();
    for k in kinds {
        match setup::fields(&state.store, &pa.actor, k.id).await {
            Ok(f) => with_fields.push((k, f)),
            Err(e) => return fail(state, pa, e).await,
        }
    }
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &SetupPage {
            chrome: chrome(state, pa, "Kinds and categories", "/records/setup").await,
            kinds: with_fields,
            categories,
            office: records::is_privacy_office(&pa.actor),
            templates: setup::TEMPLATES,
            events: setup::RETENTION_EVENTS,
            kinds_of_field: setup::FIELD_KINDS,
            errors,
            form: form.to_string(),
            values,
        },
        status,
    )
}

async fn page<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    view(&state, &pa, "", Vec::new(), Vec::new()).await
}

async fn done<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: &str,
    pairs: Vec<(String, String)>,
    r: steward_core::Result<String>,
) -> Response {
    match r {
        Ok(msg) => redirect_with("/records/setup", &msg),
        Err(e) if is_invalid(&e) => view(state, pa, form, pairs, e.field_errors()).await,
        Err(e) => fail(state, pa, e).await,
    }
}

async fn template<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = setup::apply_template(&state.store, &pa.actor, &field(&pairs, "template"))
        .await
        .map(|k| format!("{} was set up with its fields and categories.", k.name));
    done(&state, &pa, "template", pairs, r).await
}

async fn create_kind<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = KindInput {
        key: field(&pairs, "key"),
        name: field(&pairs, "name"),
    };
    let r = setup::create_kind(&state.store, &pa.actor, &input)
        .await
        .map(|k| format!("{} was added.", k.name));
    done(&state, &pa, "kind", pairs, r).await
}

async fn create_field<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = FieldInput {
        key: field(&pairs, "key"),
        label: field(&pairs, "label"),
        kind: field(&pairs, "kind"),
        choices: field(&pairs, "choices")
            .split(',')
            .map(|c| c.trim().to_string())
            .collect(),
        required: !field(&pairs, "required").is_empty(),
        help: field(&pairs, "help"),
        position: field(&pairs, "position").parse().unwrap_or(0),
        active: true,
    };
    let r = setup::create_field(&state.store, &pa.actor, KindId(id), &input)
        .await
        .map(|f| format!("The field {} was added.", f.label));
    done(&state, &pa, &format!("field-{id}"), pairs, r).await
}

async fn create_category<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = CategoryInput {
        name: field(&pairs, "name"),
        sensitive: !field(&pairs, "sensitive").is_empty(),
        retention_months: field(&pairs, "retention_months"),
        retention_from: field(&pairs, "retention_from"),
        purpose: field(&pairs, "purpose"),
    };
    let r = setup::create_category(&state.store, &pa.actor, &input)
        .await
        .map(|c| format!("The category {} was added.", c.name));
    done(&state, &pa, "category", pairs, r).await
}
