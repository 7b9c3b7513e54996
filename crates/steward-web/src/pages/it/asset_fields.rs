//! A category's page at `/it/categories/{id}`: its custom fields (whoever reads the
//! catalog), a form to add one and one to change each (whoever may add and change
//! categories). Everything goes through `steward_core::it::asset_fields`, which authorizes.
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::AssetCategoryId;
use steward_core::it::asset_fields::{self, CategoryField, CategoryFieldInput, KINDS};
use steward_core::it::assets::{self, Category};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/categories/{id}", get(show::<S>))
        .route("/it/categories/{id}/fields", post(create::<S>))
        .route("/it/categories/{id}/fields/{field_id}", post(update::<S>))
}

/// A field form's values as typed.
#[derive(Default)]
pub(crate) struct FieldForm {
    pub key: String,
    pub label: String,
    pub kind: String,
    /// One choice a line.
    pub choices: String,
    pub required: bool,
    pub help: String,
    pub position: String,
    pub active: bool,
}

impl FieldForm {
    fn of(f: &CategoryField) -> FieldForm {
        FieldForm {
            key: f.key.clone(),
            label: f.label.clone(),
            kind: f.kind.clone(),
            choices: f.choices.join("\n"),
            required: f.required,
            help: f.help.clone(),
            position: f.position.to_string(),
            active: f.active,
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> FieldForm {
        let checked = |k: &str| pairs.iter().any(|(n, v)| n == k && !v.is_empty());
        FieldForm {
            key: field(pairs, "key"),
            label: field(pairs, "label"),
            kind: field(pairs, "kind"),
            choices: field(pairs, "choices"),
            required: checked("required"),
            help: field(pairs, "help"),
            position: field(pairs, "position"),
            active: checked("active"),
        }
    }

    /// The input, or the position's error.
    fn input(&self) -> Result<CategoryFieldInput, FieldError> {
        let position = match self.position.trim() {
            "" => 0,
            p => p.parse::<i64>().map_err(|_| FieldError {
                field: "position".into(),
                message: "a number from 0 to 9999".into(),
            })?,
        };
        Ok(CategoryFieldInput {
            key: self.key.clone(),
            label: self.label.clone(),
            kind: self.kind.clone(),
            choices: self
                .choices
                .lines()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            required: self.required,
            help: self.help.clone(),
            position,
            active: self.active,
        })
    }
}

/// A form's id as the template passes it (a reference to a local).
pub(crate) trait FormId {
    fn form_id(&self) -> i64;
}

impl FormId for i64 {
    fn form_id(&self) -> i64 {
        *self
    }
}

impl<T: FormId + ?Sized> FormId for &T {
    fn form_id(&self) -> i64 {
        (**self).form_id()
    }
}

#[derive(Template)]
#[template(path = "it/category.html")]
struct CategoryPage {
    chrome: Chrome,
    category: Category,
    fields: Vec<CategoryField>,
    kinds: &'static [&'static str],
    can_write: bool,
    /// The new field's form.
    form: FieldForm,
    /// Which form the errors are of: 0 the new field's, else the field's id.
    errors_of: i64,
    /// A field's form as sent (kept with its errors).
    sent: Option<FieldForm>,
    errors: Vec<FieldError>,
}

impl CategoryPage {
    /// The error of `f` in the form of `of` (0: the new field's; the template passes it by
    /// reference).
    pub fn error(&self, of: impl FormId, f: &str) -> Option<String> {
        (self.errors_of == of.form_id())
            .then(|| field_error(&self.errors, f))
            .flatten()
    }

    /// The form of field `f`: as sent when its errors are shown, else as stored.
    fn form_of(&self, f: &CategoryField) -> FieldForm {
        match &self.sent {
            Some(s) if self.errors_of == f.id => FieldForm {
                key: f.key.clone(),
                kind: f.kind.clone(),
                choices: s.choices.clone(),
                label: s.label.clone(),
                help: s.help.clone(),
                position: s.position.clone(),
                required: s.required,
                active: s.active,
            },
            _ => FieldForm::of(f),
        }
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    errors_of: i64,
    sent: Option<FieldForm>,
    errors: Vec<FieldError>,
) -> Response {
    let (category, fields) = match tokio::join!(
        assets::category(&state.store, &pa.actor, AssetCategoryId(id)),
        asset_fields::fields(&state.store, &pa.actor, AssetCategoryId(id))
    ) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!errors.is_empty());
    let form = match (&sent, errors_of) {
        (Some(s), 0) => FieldForm {
            key: s.key.clone(),
            label: s.label.clone(),
            kind: s.kind.clone(),
            choices: s.choices.clone(),
            required: s.required,
            help: s.help.clone(),
            position: s.position.clone(),
            active: s.active,
        },
        _ => FieldForm {
            active: true,
            kind: "text".into(),
            ..FieldForm::default()
        },
    };
    let title = format!("Category {}", category.name);
    render(
        &CategoryPage {
            chrome: chrome(state, pa, &title, "/it/models").await,
            category,
            fields,
            kinds: KINDS,
            can_write: assets::may_write(&pa.actor),
            form,
            errors_of,
            sent,
            errors,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    view(&state, &pa, id, 0, None, Vec::new()).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = FieldForm::from_pairs(&pairs);
    let input = match form.input() {
        Ok(i) => i,
        Err(e) => return view(&state, &pa, id, 0, Some(form), vec![e]).await,
    };
    match asset_fields::create_field(&state.store, &pa.actor, AssetCategoryId(id), &input).await {
        Ok(f) => redirect_with(
            &format!("/it/categories/{id}"),
            &format!("The field {} was added.", f.label),
        ),
        Err(e) if is_invalid(&e) => view(&state, &pa, id, 0, Some(form), e.field_errors()).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path((id, field_id)): Path<(i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = FieldForm::from_pairs(&pairs);
    let version = field(&pairs, "version").parse().ok();
    let input = match form.input() {
        Ok(i) => i,
        Err(e) => return view(&state, &pa, id, field_id, Some(form), vec![e]).await,
    };
    match asset_fields::update_field(
        &state.store,
        &pa.actor,
        AssetCategoryId(id),
        field_id,
        &input,
        version,
    )
    .await
    {
        Ok(f) => redirect_with(
            &format!("/it/categories/{id}"),
            &format!("The field {} was saved.", f.label),
        ),
        Err(e) if is_invalid(&e) => {
            view(&state, &pa, id, field_id, Some(form), e.field_errors()).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
