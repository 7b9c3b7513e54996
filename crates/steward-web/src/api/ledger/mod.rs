//! `/api/v1/ledger/…`: the general ledger as JSON. Every handler parses its input, calls
//! the `steward_core::ledger` service (which authorizes), and turns the typed result into
//! the response schemas below. Amounts go out as decimal strings in their commodity's
//! precision (`"1200.50"`), with the integer minor units beside them where a client sums.
pub mod accounts;
pub mod books;
pub mod entries;
pub mod import;
pub mod periods;
pub mod reports;

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use steward_core::ledger::{Account, Commodity, Entry, EntrySummary, Journal, Line};
use steward_core::money::format_minor;
use steward_core::Error;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::state::{AppState, Backend};
use utoipa_axum::router::OpenApiRouter;

/// The ledger's routes.
pub fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(books::setup))
        .routes(routes!(books::settings, books::update_settings))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::get, accounts::update))
        .routes(large_body(routes!(accounts::import)))
        .routes(routes!(accounts::ledger))
        .routes(routes!(entries::list, entries::create))
        .routes(routes!(entries::batch))
        .routes(routes!(entries::get, entries::update, entries::delete))
        .routes(routes!(entries::post))
        .routes(routes!(entries::approve))
        .routes(routes!(entries::reject))
        .routes(routes!(entries::reverse))
        .routes(routes!(reports::report))
        .routes(routes!(periods::periods))
        .routes(routes!(periods::close_period))
        .routes(routes!(periods::reopen_period))
        .routes(routes!(periods::close_year))
        .routes(routes!(books::journals, books::create_journal))
        .routes(routes!(books::commodities, books::create_commodity))
        .routes(routes!(books::rates, books::set_rates))
        .routes(large_body(routes!(import::import_journal)))
}

/// Uploads (imports) may be up to the import limit, not the default 2 MiB.
pub(crate) fn large_body<S: Backend>(
    r: utoipa_axum::router::UtoipaMethodRouter<AppState<S>>,
) -> utoipa_axum::router::UtoipaMethodRouter<AppState<S>> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    r.layer(axum::extract::DefaultBodyLimit::max(
        crate::IMPORT_BODY_LIMIT,
    ))
}

/// Precision per commodity symbol, to format minor units.
pub(crate) struct Precisions(HashMap<String, u8>);

impl Precisions {
    pub fn new(commodities: &[Commodity]) -> Self {
        Precisions(
            commodities
                .iter()
                .map(|c| (c.symbol.clone(), c.precision))
                .collect(),
        )
    }
    pub fn format(&self, symbol: &str, minor: i64) -> String {
        format_minor(minor, self.0.get(symbol).copied().unwrap_or(2))
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    /// Full name, `Assets:Bank:Checking`.
    pub name: String,
    pub code: Option<String>,
    pub parent_id: Option<i64>,
    /// `asset`, `liability`, `equity`, `income` or `expense`.
    pub kind: String,
    /// When set, only this commodity may be posted to the account.
    pub commodity: Option<String>,
    pub active: bool,
    /// Parents take no postings.
    pub has_children: bool,
    pub description: String,
    /// Send it back with an update; a stale one gets 409.
    pub version: i64,
}

impl From<Account> for AccountOut {
    fn from(a: Account) -> Self {
        AccountOut {
            id: a.id.0,
            name: a.name.to_string(),
            code: a.code,
            parent_id: a.parent_id.map(|p| p.0),
            kind: a.kind.as_str().to_string(),
            commodity: a.commodity,
            active: a.active,
            has_children: a.has_children,
            description: a.description,
            version: a.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CostOut {
    pub commodity: String,
    /// The line's total cost, same sign as the line.
    pub amount: String,
    pub amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
#[schema(as = EntryLineOut)]
pub struct LineOut {
    pub account_id: i64,
    pub account: String,
    pub commodity: String,
    /// Signed decimal: positive is a debit, negative a credit.
    pub amount: String,
    /// The same in minor units of the commodity.
    pub amount_minor: i64,
    pub cost: Option<CostOut>,
    pub department_id: Option<i64>,
    pub project: String,
    pub memo: String,
}

impl LineOut {
    fn from(l: Line, p: &Precisions) -> Self {
        LineOut {
            account_id: l.account_id.0,
            amount: p.format(&l.commodity, l.amount),
            amount_minor: l.amount,
            cost: l.cost.map(|c| CostOut {
                amount: p.format(&c.commodity, c.amount),
                amount_minor: c.amount,
                commodity: c.commodity,
            }),
            account: l.account,
            commodity: l.commodity,
            department_id: l.department_id.map(|d| d.0),
            project: l.project,
            memo: l.memo,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    pub journal_id: i64,
    /// The journal's code, e.g. `GJ`.
    pub journal: String,
    /// `GJ-2026-000042` once posted; drafts and pending entries have none.
    pub number: Option<String>,
    /// `YYYY-MM-DD`
    pub date: String,
    /// `draft`, `pending` (waits for approval) or `posted`.
    pub status: String,
    pub reference: String,
    pub description: String,
    pub comment: String,
    pub lines: Vec<LineOut>,
    /// The entry this one reverses.
    pub reverses: Option<i64>,
    /// The entry that reverses this one.
    pub reversed_by: Option<i64>,
    /// The client's idempotency key it was created with.
    pub client_key: Option<String>,
    pub created_by: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    pub posted_at: Option<String>,
    pub approved_by: Option<i64>,
    /// Send it back with a draft update; a stale one gets 409.
    pub version: i64,
}

impl EntryOut {
    pub(crate) fn from(e: Entry, p: &Precisions) -> Self {
        EntryOut {
            id: e.id.0,
            journal_id: e.journal_id.0,
            journal: e.journal_code,
            number: e.number,
            date: e.date.to_string(),
            status: e.status.as_str().to_string(),
            reference: e.reference,
            description: e.description,
            comment: e.comment,
            lines: e.lines.into_iter().map(|l| LineOut::from(l, p)).collect(),
            reverses: e.reverses.map(|r| r.0),
            reversed_by: e.reversed_by.map(|r| r.0),
            client_key: e.client_key,
            created_by: e.created_by.map(|u| u.0),
            created_at: e.created_at.rfc3339(),
            posted_at: e.posted_at.map(|t| t.rfc3339()),
            approved_by: e.approved_by.map(|u| u.0),
            version: e.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntrySummaryOut {
    pub id: i64,
    pub journal: String,
    pub number: Option<String>,
    pub date: String,
    pub status: String,
    pub reference: String,
    pub description: String,
    pub reverses: Option<i64>,
    pub created_at: String,
}

impl From<EntrySummary> for EntrySummaryOut {
    fn from(e: EntrySummary) -> Self {
        EntrySummaryOut {
            id: e.id.0,
            journal: e.journal_code,
            number: e.number,
            date: e.date.to_string(),
            status: e.status.as_str().to_string(),
            reference: e.reference,
            description: e.description,
            reverses: e.reverses.map(|r| r.0),
            created_at: e.created_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JournalOut {
    pub id: i64,
    /// Short code used in entry numbers, e.g. `GJ`.
    pub code: String,
    pub name: String,
    /// `general`, `sales`, `purchases`, `bank`, `cash` or `custom`.
    pub kind: String,
}

impl From<Journal> for JournalOut {
    fn from(j: Journal) -> Self {
        JournalOut {
            id: j.id.0,
            code: j.code,
            name: j.name,
            kind: j.kind.as_str().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommodityOut {
    pub id: i64,
    pub symbol: String,
    /// Decimal places amounts are kept with.
    pub precision: u8,
    pub name: String,
}

impl From<Commodity> for CommodityOut {
    fn from(c: Commodity) -> Self {
        CommodityOut {
            id: c.id.0,
            symbol: c.symbol,
            precision: c.precision,
            name: c.name,
        }
    }
}

/// Loads the company's commodities to format amounts (authorized: it is a ledger read).
pub(crate) async fn precisions<S: Backend>(
    state: &AppState<S>,
    actor: &steward_core::auth::Actor,
) -> Result<Precisions, Error> {
    let c = steward_core::ledger::service::commodities(&state.store, actor).await?;
    Ok(Precisions::new(&c))
}

/// Renames the fields of a service error, e.g. `rows[2].rate` -> `rates[2].rate`.
pub(crate) fn rename_fields(e: Error, f: impl Fn(&str) -> String) -> Error {
    match e {
        Error::Invalid { field, message } => Error::Invalid {
            field: f(&field),
            message,
        },
        Error::InvalidMany(v) => Error::InvalidMany(
            v.into_iter()
                .map(|fe| steward_core::error::FieldError {
                    field: f(&fe.field),
                    message: fe.message,
                })
                .collect(),
        ),
        other => other,
    }
}

/// A JSON body that may be larger than the default limit (batches, imports): read up to
/// the import limit, then rejected like [`super::ApiJson`], naming the field at fault.
pub struct LargeJson<T>(pub T);

impl<T: DeserializeOwned + Send + 'static, S: Backend> FromRequest<AppState<S>> for LargeJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let rid = RequestId::of(req.extensions());
        if !is_json(&req) {
            return Err(ApiError::new(
                Error::invalid("content-type", "must be application/json"),
                &rid,
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), crate::IMPORT_BODY_LIMIT)
            .await
            .map_err(|_| {
                ApiError::new(
                    Error::TooLarge {
                        limit: crate::IMPORT_BODY_LIMIT as u64,
                    },
                    &rid,
                )
            })?;
        // Up to 50 MB of JSON: parsed on a blocking thread.
        steward_core::blocking::try_run(move || parse_json(&bytes))
            .await
            .map(LargeJson)
            .map_err(|e| ApiError::new(e, &rid))
    }
}

/// A JSON body that may be left out entirely (then `T::default()`).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + Send, S: Backend> FromRequest<AppState<S>>
    for OptionalJson<T>
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0");
        if empty || !req.headers().contains_key(header::CONTENT_TYPE) {
            return Ok(OptionalJson(T::default()));
        }
        // `null` is no body, as the document's `oneOf: [null, T]` says.
        let v: Option<T> = super::json_body(req, state, super::Shape::ObjectOrNull).await?;
        Ok(OptionalJson(v.unwrap_or_default()))
    }
}

pub(crate) fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("application/json") || (ct.contains("+json"))
        })
}

/// Deserializes a JSON object body, naming the field at fault as [`super::ApiJson`] does.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    super::decode_json(bytes, super::Shape::Object)
}
