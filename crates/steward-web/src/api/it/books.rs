//! IT to the books: `/api/v1/it/books/categories` (each category's accounts), an asset's
//! books (`/api/v1/it/assets/{id}/books`, `…/book`, `…/dispose`), booking many at once
//! (`/api/v1/it/books/book-all`) and the depreciation runs (`/api/v1/it/depreciation-runs`).
//! Who may is settled before a body is read (`accounting.*`; a disposal also `it.update`).
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{AssetCategoryId, AssetId};
use steward_core::it::books::{
    self, AssetBooks, BookInput, CategoryAccounts, CategoryAccountsInput, DepreciationRun,
    DisposeInput,
};
use steward_core::list::Paging;
use steward_core::money::format_in;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, json_body, ok, ListOf, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(category_accounts))
        .routes(routes!(set_category_accounts))
        .routes(routes!(asset_books))
        .routes(routes!(book))
        .routes(routes!(book_all))
        .routes(routes!(dispose))
        .routes(routes!(runs, run))
}

#[derive(Serialize, ToSchema)]
pub struct CategoryAccountsOut {
    category_id: i64,
    category: String,
    /// The fixed-asset account (null until named).
    asset_account_id: Option<i64>,
    accumulated_account_id: Option<i64>,
    expense_account_id: Option<i64>,
    /// Takes the gain or loss on disposal.
    disposal_account_id: Option<i64>,
}

impl From<CategoryAccounts> for CategoryAccountsOut {
    fn from(c: CategoryAccounts) -> Self {
        CategoryAccountsOut {
            category_id: c.category_id.0,
            category: c.category,
            asset_account_id: c.asset_account_id.map(|a| a.0),
            accumulated_account_id: c.accumulated_account_id.map(|a| a.0),
            expense_account_id: c.expense_account_id.map(|a| a.0),
            disposal_account_id: c.disposal_account_id.map(|a| a.0),
        }
    }
}

/// Each asset category's accounts (`accounting.read`).
#[utoipa::path(get, path = "/api/v1/it/books/categories", tag = "it",
    responses((status = 200, body = Vec<CategoryAccountsOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn category_accounts<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = books::category_accounts(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(CategoryAccountsOut::from)
        .collect::<Vec<_>>()))
}

/// A category's accounts as written: each a name or code; empty or absent for none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryAccountsIn {
    #[serde(default)]
    asset_account: String,
    #[serde(default)]
    accumulated_account: String,
    #[serde(default)]
    expense_account: String,
    #[serde(default)]
    disposal_account: String,
}

/// Names a category's accounts (`accounting.update`); each must take postings.
#[utoipa::path(put, path = "/api/v1/it/books/categories/{id}", tag = "it", params(("id" = i64, Path)), request_body = CategoryAccountsIn,
    responses((status = 200, body = CategoryAccountsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_category_accounts<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !books::may_configure(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let b: CategoryAccountsIn = json_body(req, &state, Shape::Object).await?;
    let c = books::set_category_accounts(
        &state.store,
        &a.actor,
        AssetCategoryId(id),
        &CategoryAccountsInput {
            asset_account: b.asset_account,
            accumulated_account: b.accumulated_account,
            expense_account: b.expense_account,
            disposal_account: b.disposal_account,
        },
    )
    .await
    .map_err(err)?;
    Ok(ok(CategoryAccountsOut::from(c)))
}

#[derive(Serialize, ToSchema)]
pub struct PostedDepreciationOut {
    /// The month's first day.
    month: String,
    amount: String,
    entry_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AssetBooksOut {
    /// Whether the asset is in the books; the rest is null until it is.
    booked: bool,
    booked_on: Option<String>,
    currency: Option<String>,
    /// Amounts are decimals in `currency`.
    cost: Option<String>,
    residual: Option<String>,
    /// `straight_line`, `declining_balance` or `none`, as booked.
    method: Option<String>,
    life_months: Option<i64>,
    /// The booking entry.
    entry_id: Option<i64>,
    /// Depreciation posted so far, and the book value left.
    depreciated: Option<String>,
    book_value: Option<String>,
    /// The last month posted (its first day).
    depreciated_through: Option<String>,
    disposed_on: Option<String>,
    proceeds: Option<String>,
    disposal_entry_id: Option<i64>,
    /// Month by month.
    posted: Vec<PostedDepreciationOut>,
}

fn books_out(b: Option<AssetBooks>, posted: Vec<books::PostedDepreciation>) -> AssetBooksOut {
    let currency = b.as_ref().map(|b| b.currency.clone()).unwrap_or_default();
    let money = |m: i64| format_in(m, &currency);
    AssetBooksOut {
        booked: b.is_some(),
        booked_on: b.as_ref().map(|b| b.booked_on.to_string()),
        currency: b.as_ref().map(|b| b.currency.clone()),
        cost: b.as_ref().map(|b| money(b.cost)),
        residual: b.as_ref().map(|b| money(b.residual)),
        method: b.as_ref().map(|b| b.method.as_str().to_string()),
        life_months: b.as_ref().map(|b| b.life_months),
        entry_id: b.as_ref().map(|b| b.entry_id.0),
        depreciated: b.as_ref().map(|b| money(b.depreciated)),
        book_value: b.as_ref().map(|b| money(b.book_value())),
        depreciated_through: b
            .as_ref()
            .and_then(|b| b.depreciated_through)
            .map(|d| d.to_string()),
        disposed_on: b
            .as_ref()
            .and_then(|b| b.disposed_on)
            .map(|d| d.to_string()),
        proceeds: b.as_ref().and_then(|b| b.proceeds).map(money),
        disposal_entry_id: b.as_ref().and_then(|b| b.disposal_entry_id).map(|e| e.0),
        posted: posted
            .iter()
            .map(|p| PostedDepreciationOut {
                month: p.month.to_string(),
                amount: money(p.amount),
                entry_id: p.entry_id.0,
            })
            .collect(),
    }
}

/// What the books hold of an asset (`accounting.read`, and whoever may see the asset).
#[utoipa::path(get, path = "/api/v1/it/assets/{id}/books", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = AssetBooksOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn asset_books<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let v = books::of_asset(&state.store, &a.actor, AssetId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(books_out(v.books, v.posted)))
}

/// A booking of one asset.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookIn {
    /// What the cost is owed to or paid from (payables, bank, opening equity): name or code.
    #[schema(schema_with = crate::api::contract::nonblank::<200>)]
    credit_account: String,
    /// `YYYY-MM-DD`; absent: the purchase date.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    date: Option<String>,
    /// The residual value (a decimal in the asset's currency); absent: none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, false>)]
    residual: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookedOut {
    /// The entry that booked them.
    entry_id: i64,
    /// How many assets it booked.
    assets: i64,
}

/// Puts an asset in the books (`accounting.create`): its cost to the category's asset
/// account against `credit_account`; what it lost before the booking month to accumulated
/// depreciation. Twice is 409.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/book", tag = "it", params(("id" = i64, Path)), request_body = BookIn,
    responses((status = 201, body = BookedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn book<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !books::may_post(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let b: BookIn = json_body(req, &state, Shape::Object).await?;
    let entry = books::book(
        &state.store,
        &a.actor,
        AssetId(id),
        &BookInput {
            credit_account: b.credit_account,
            date: b.date.unwrap_or_default(),
            residual: b.residual.unwrap_or_default(),
            category_id: String::new(),
        },
    )
    .await
    .map_err(err)?;
    Ok(created(BookedOut {
        entry_id: entry.0,
        assets: 1,
    }))
}

/// A booking of every asset not yet in the books.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookAllIn {
    #[schema(schema_with = crate::api::contract::nonblank::<200>)]
    credit_account: String,
    /// `YYYY-MM-DD`: the entry's date (an opening balance's).
    #[schema(schema_with = crate::api::contract::date)]
    date: String,
    /// Only this category's assets; absent: every category.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    category_id: Option<i64>,
}

/// Puts every asset not yet in the books (of one category) in the books in one entry
/// (`accounting.create`); an asset that cannot go is named (`assets[A-000123]`) and nothing
/// is written.
#[utoipa::path(post, path = "/api/v1/it/books/book-all", tag = "it", request_body = BookAllIn,
    responses((status = 201, body = BookedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn book_all<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !books::may_post(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let b: BookAllIn = json_body(req, &state, Shape::Object).await?;
    let (entry, n) = books::book_all(
        &state.store,
        &a.actor,
        &BookInput {
            credit_account: b.credit_account,
            date: b.date,
            residual: String::new(),
            category_id: b.category_id.map(|c| c.to_string()).unwrap_or_default(),
        },
    )
    .await
    .map_err(err)?;
    Ok(created(BookedOut {
        entry_id: entry.0,
        assets: i64::try_from(n).unwrap_or(i64::MAX),
    }))
}

/// A disposal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposeIn {
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::api::contract::date)]
    date: String,
    /// What was received (a decimal); absent: nothing.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<4, false>)]
    proceeds: Option<String>,
    /// Where the proceeds went (name or code); needed with proceeds.
    #[serde(default)]
    proceeds_account: Option<String>,
    /// `retired` (sold or scrapped; the default) or `lost`.
    #[serde(default)]
    #[schema(schema_with = retired_or_lost)]
    status: Option<String>,
}

fn retired_or_lost() -> utoipa::openapi::schema::Object {
    crate::api::contract::opt_one_of(&["retired", "lost"])
}

#[derive(Serialize, ToSchema)]
pub struct DisposedOut {
    entry_id: i64,
}

/// Disposes of a booked asset (`accounting.create` and `it.update`): catches up its
/// depreciation, takes it out of the books and posts the gain or loss; the asset becomes
/// `retired` or `lost`. One not in the books, disposed of already or checked out is 409.
#[utoipa::path(post, path = "/api/v1/it/assets/{id}/dispose", tag = "it", params(("id" = i64, Path)), request_body = DisposeIn,
    responses((status = 200, body = DisposedOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn dispose<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !books::may_dispose(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let b: DisposeIn = json_body(req, &state, Shape::Object).await?;
    let entry = books::dispose(
        &state.store,
        &a.actor,
        AssetId(id),
        &DisposeInput {
            date: b.date,
            proceeds: b.proceeds.unwrap_or_default(),
            proceeds_account: b.proceeds_account.unwrap_or_default(),
            status: b.status.unwrap_or_default(),
        },
    )
    .await
    .map_err(err)?;
    Ok(ok(DisposedOut { entry_id: entry.0 }))
}

#[derive(Serialize, ToSchema)]
pub struct DepreciationRunOut {
    id: i64,
    /// The last month it posted (`YYYY-MM`).
    through: String,
    entry_id: i64,
    assets: i64,
    amount: String,
    currency: String,
    /// RFC 3339.
    at: String,
    actor: String,
}

impl From<DepreciationRun> for DepreciationRunOut {
    fn from(r: DepreciationRun) -> Self {
        DepreciationRunOut {
            id: r.id,
            through: r.through.format("%Y-%m").to_string(),
            entry_id: r.entry_id.0,
            assets: r.assets,
            amount: format_in(r.amount, &r.currency),
            currency: r.currency,
            at: r.at.rfc3339(),
            actor: r.actor,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunListParams {
    limit: Option<u32>,
    offset: Option<u64>,
}

/// The depreciation runs, newest first (`accounting.read`).
#[utoipa::path(get, path = "/api/v1/it/depreciation-runs", tag = "it", params(RunListParams),
    responses((status = 200, body = ListOf<DepreciationRunOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn runs<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<RunListParams>,
) -> Result<Response, ApiError> {
    let page = books::runs(&state.store, &a.actor, Paging::new(p.limit, p.offset))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(DepreciationRunOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// A run through a month.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepreciationRunIn {
    /// The last month to post, `YYYY-MM` (this month at the latest).
    #[schema(schema_with = crate::api::contract::month)]
    through: String,
}

#[derive(Serialize, ToSchema)]
pub struct DepreciationRunResultOut {
    /// False when nothing was due (a run repeated posts nothing).
    posted: bool,
    run: Option<DepreciationRunOut>,
}

/// Posts the depreciation of every booked asset through a month (`accounting.create`): 201
/// with the run, or 200 with `posted: false` when nothing is due.
#[utoipa::path(post, path = "/api/v1/it/depreciation-runs", tag = "it", request_body = DepreciationRunIn,
    responses((status = 201, body = DepreciationRunResultOut), (status = 200, body = DepreciationRunResultOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    req: Request,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    if !books::may_post(&a.actor) {
        return Err(err(Error::Forbidden));
    }
    let b: DepreciationRunIn = json_body(req, &state, Shape::Object).await?;
    let through = books::parse_month("through", &b.through).map_err(err)?;
    let r = books::run(&state.store, &a.actor, through)
        .await
        .map_err(err)?;
    Ok(match r {
        Some(r) => created(DepreciationRunResultOut {
            posted: true,
            run: Some(r.into()),
        }),
        None => ok(DepreciationRunResultOut {
            posted: false,
            run: None,
        }),
    })
}
