//! IT to the books: `/it/books` (each category's accounts, booking every asset not yet in
//! the books, the depreciation runs and a run through a month) and one asset's books at
//! `/it/assets/{id}/books` (book it, what was posted month by month, dispose of it).
//! Everything goes through `steward_core::it::books`, which authorizes.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::{AccountId, AssetCategoryId, AssetId};
use steward_core::it::assets::Asset;
use steward_core::it::books::{
    self, AssetBooksView, BookInput, CategoryAccounts, CategoryAccountsInput, DepreciationRun,
    DisposeInput,
};
use steward_core::list::Paging;
use steward_core::money::format_in;

use crate::auth::PageActor;
use crate::forms::Sent;
use crate::pages::{chrome, fail, field, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/books", get(overview::<S>))
        .route("/it/books/categories/{id}", post(set_accounts::<S>))
        .route("/it/books/book-all", post(book_all::<S>))
        .route("/it/books/runs", post(run::<S>))
        .route("/it/assets/{id}/books", get(asset::<S>))
        .route("/it/assets/{id}/book", post(book::<S>))
        .route("/it/assets/{id}/dispose", post(dispose::<S>))
}

/// An account the forms offer (name, and code when it has one).
pub(crate) struct AccountChoice {
    pub id: AccountId,
    pub name: String,
    pub code: String,
}

async fn choices<S: Backend>(state: &AppState<S>, pa: &PageActor) -> Vec<AccountChoice> {
    books::postable_accounts(&state.store, &pa.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| AccountChoice {
            id: a.id,
            name: a.name.as_str().to_string(),
            code: a.code.unwrap_or_default(),
        })
        .collect()
}

fn name_of(accounts: &[AccountChoice], id: Option<AccountId>) -> String {
    id.and_then(|id| accounts.iter().find(|a| a.id == id))
        .map(|a| a.name.clone())
        .unwrap_or_default()
}

/// An amount in minor units, however the template holds it.
trait Minor {
    fn minor(&self) -> i64;
}
impl Minor for i64 {
    fn minor(&self) -> i64 {
        *self
    }
}
impl<T: Minor> Minor for &T {
    fn minor(&self) -> i64 {
        (**self).minor()
    }
}

// ---------------------------------------------------------------- /it/books

#[derive(Template)]
#[template(path = "it/books.html")]
struct OverviewPage {
    chrome: Chrome,
    categories: Vec<CategoryAccounts>,
    accounts: Vec<AccountChoice>,
    runs: Vec<DepreciationRun>,
    older: Option<u64>,
    newer: Option<u64>,
    may_configure: bool,
    may_post: bool,
    /// The form with errors: `category:<id>`, `book-all` or `run`.
    sent: Sent,
    /// The month a run offers: the last one ended.
    last_month: String,
}

impl OverviewPage {
    fn error(&self, form: impl AsRef<str>, f: &str) -> Option<String> {
        self.sent.error(form, f)
    }

    fn value(&self, form: impl AsRef<str>, f: &str, default: impl std::fmt::Display) -> String {
        self.sent.value(form, f, default)
    }

    fn account(&self, id: &Option<AccountId>) -> String {
        name_of(&self.accounts, *id)
    }

    /// Each account field of a category's form: name, label, current account.
    fn fields(&self, c: &CategoryAccounts) -> Vec<(&'static str, &'static str, Option<AccountId>)> {
        vec![
            ("asset_account", "Fixed-asset account", c.asset_account_id),
            (
                "accumulated_account",
                "Accumulated depreciation account",
                c.accumulated_account_id,
            ),
            (
                "expense_account",
                "Depreciation expense account",
                c.expense_account_id,
            ),
            (
                "disposal_account",
                "Gain or loss on disposal account",
                c.disposal_account_id,
            ),
        ]
    }

    fn money(&self, r: &DepreciationRun) -> String {
        self.chrome.num(format_in(r.amount, &r.currency))
    }
}

#[derive(serde::Deserialize, Default)]
struct Offset {
    offset: Option<u64>,
}

async fn overview_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    offset: u64,
    errors_of: &str,
    errors: Vec<FieldError>,
    sent: Vec<(String, String)>,
) -> Response {
    let paging = Paging::new(Some(24), Some(offset));
    let (categories, runs) = match tokio::join!(
        books::category_accounts(&state.store, &pa.actor),
        books::runs(&state.store, &pa.actor, paging)
    ) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let accounts = choices(state, pa).await;
    let last_month = steward_core::time::today()
        .with_day0(0)
        .and_then(|d| d.pred_opt())
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default();
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &OverviewPage {
            chrome: chrome(state, pa, "IT assets in the books", "/it/books").await,
            categories,
            accounts,
            older: runs.next_offset(),
            newer: runs.prev_offset(),
            runs: runs.items,
            may_configure: books::may_configure(&pa.actor),
            may_post: books::may_post(&pa.actor),
            sent: Sent::of(errors_of, errors, sent),
            last_month,
        },
        status,
    )
}

use chrono::Datelike;

async fn overview<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(q): Query<Offset>,
) -> Response {
    overview_view(
        &state,
        &pa,
        q.offset.unwrap_or(0),
        "",
        Vec::new(),
        Vec::new(),
    )
    .await
}

async fn set_accounts<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = CategoryAccountsInput {
        asset_account: field(&pairs, "asset_account"),
        accumulated_account: field(&pairs, "accumulated_account"),
        expense_account: field(&pairs, "expense_account"),
        disposal_account: field(&pairs, "disposal_account"),
    };
    match books::set_category_accounts(&state.store, &pa.actor, AssetCategoryId(id), &input).await {
        Ok(c) => redirect_with(
            "/it/books",
            &format!("The accounts of {} were saved.", c.category),
        ),
        Err(e) if is_invalid(&e) => {
            overview_view(
                &state,
                &pa,
                0,
                &format!("category:{id}"),
                e.field_errors(),
                pairs,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn book_all<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = BookInput {
        credit_account: field(&pairs, "credit_account"),
        date: field(&pairs, "date"),
        residual: String::new(),
        category_id: field(&pairs, "category_id"),
    };
    match books::book_all(&state.store, &pa.actor, &input).await {
        Ok((entry, n)) => redirect_with(
            "/it/books",
            &format!("{n} assets went to the books (entry #{entry})."),
        ),
        Err(e) if is_invalid(&e) => {
            overview_view(&state, &pa, 0, "book-all", e.field_errors(), pairs).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let through = match books::parse_month("through", &field(&pairs, "through")) {
        Ok(m) => m,
        Err(e) => return overview_view(&state, &pa, 0, "run", e.field_errors(), pairs).await,
    };
    match books::run(&state.store, &pa.actor, through).await {
        Ok(Some(r)) => redirect_with(
            "/it/books",
            &format!(
                "Depreciation through {} was posted: {} assets, {} {}.",
                r.through.format("%Y-%m"),
                r.assets,
                format_in(r.amount, &r.currency),
                r.currency
            ),
        ),
        Ok(None) => redirect_with(
            "/it/books",
            &format!(
                "Nothing was due through {}: every asset's depreciation is posted.",
                through.format("%Y-%m")
            ),
        ),
        Err(e) if is_invalid(&e) => {
            overview_view(&state, &pa, 0, "run", e.field_errors(), pairs).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---------------------------------------------------------------- /it/assets/{id}/books

#[derive(Template)]
#[template(path = "it/asset_books.html")]
struct AssetPage {
    chrome: Chrome,
    asset: Asset,
    view: AssetBooksView,
    accounts: Vec<AccountChoice>,
    may_post: bool,
    may_dispose: bool,
    /// The form with errors: `book` or `dispose`.
    sent: Sent,
    today: String,
}

impl AssetPage {
    fn error(&self, form: impl AsRef<str>, f: &str) -> Option<String> {
        self.sent.error(form, f)
    }

    fn value(&self, form: impl AsRef<str>, f: &str, default: impl std::fmt::Display) -> String {
        self.sent.value(form, f, default)
    }

    fn money(&self, m: impl Minor) -> String {
        let m = m.minor();
        let currency = self
            .view
            .books
            .as_ref()
            .map(|b| b.currency.as_str())
            .unwrap_or(self.asset.currency.as_str());
        format!("{} {currency}", self.chrome.num(format_in(m, currency)))
    }

    fn account(&self, id: &AccountId) -> String {
        name_of(&self.accounts, Some(*id))
    }

    fn purchase_date(&self) -> String {
        self.asset
            .purchase_date
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
}

async fn asset_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    errors_of: &str,
    errors: Vec<FieldError>,
    sent: Vec<(String, String)>,
) -> Response {
    let (asset, view) = match tokio::join!(
        books::asset(&state.store, &pa.actor, AssetId(id)),
        books::of_asset(&state.store, &pa.actor, AssetId(id))
    ) {
        (Ok(a), Ok(v)) => (a, v),
        (Err(e), _) | (_, Err(e)) => return fail(state, pa, e).await,
    };
    let accounts = choices(state, pa).await;
    let status = crate::pages::form_status(!errors.is_empty());
    let title = format!("{}: in the books", asset.tag);
    render(
        &AssetPage {
            chrome: chrome(state, pa, &title, "/it/assets").await,
            asset,
            view,
            accounts,
            may_post: books::may_post(&pa.actor),
            may_dispose: books::may_dispose(&pa.actor),
            sent: Sent::of(errors_of, errors, sent),
            today: steward_core::time::today().to_string(),
        },
        status,
    )
}

async fn asset<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    asset_view(&state, &pa, id, "", Vec::new(), Vec::new()).await
}

async fn book<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = BookInput {
        credit_account: field(&pairs, "credit_account"),
        date: field(&pairs, "date"),
        residual: field(&pairs, "residual"),
        category_id: String::new(),
    };
    match books::book(&state.store, &pa.actor, AssetId(id), &input).await {
        Ok(entry) => redirect_with(
            &format!("/it/assets/{id}/books"),
            &format!("The asset went to the books (entry #{entry})."),
        ),
        Err(e) if is_invalid(&e) => {
            asset_view(&state, &pa, id, "book", e.field_errors(), pairs).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn dispose<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = DisposeInput {
        date: field(&pairs, "date"),
        proceeds: field(&pairs, "proceeds"),
        proceeds_account: field(&pairs, "proceeds_account"),
        status: field(&pairs, "status"),
    };
    match books::dispose(&state.store, &pa.actor, AssetId(id), &input).await {
        Ok(entry) => redirect_with(
            &format!("/it/assets/{id}/books"),
            &format!("The asset was disposed of (entry #{entry})."),
        ),
        Err(e) if is_invalid(&e) => {
            asset_view(&state, &pa, id, "dispose", e.field_errors(), pairs).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
