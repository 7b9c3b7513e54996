//! Consents: `/api/v1/records/subjects/{id}/consents` (a subject's: read by whoever may open
//! its file or the privacy office; recorded by whoever may add records to it),
//! `/api/v1/records/consents/{id}/withdraw`, and for the privacy office the company's
//! `/api/v1/records/consents` (by state) and `/api/v1/records/unconsented` (records whose
//! purpose has no consent in force).
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::list::Paging;
use steward_core::records::consent::{
    self, Consent, ConsentId, ConsentInput, ConsentQuery, Unconsented,
};
use steward_core::records::SubjectId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, json_body, ok, ListOf, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(subject_consents, give))
        .routes(routes!(withdraw))
        .routes(routes!(consents))
        .routes(routes!(unconsented))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsConsentOut {
    id: i64,
    subject_id: i64,
    /// The subject's reference and name.
    subject: String,
    purpose: String,
    /// `YYYY-MM-DD`.
    given_on: String,
    /// The last day it holds; null: until withdrawn.
    expires_on: Option<String>,
    withdrawn_on: Option<String>,
    withdrawn_reason: String,
    /// Its state today: `active`, `expiring` (in force, ends within 30 days), `expired` or
    /// `withdrawn`.
    state: String,
    /// The signed form: a document in the subject's file.
    document_id: Option<i64>,
    document_title: String,
    note: String,
    recorded_by: String,
    /// RFC 3339.
    recorded_at: String,
    withdrawn_by: String,
    version: i64,
}

impl From<Consent> for RecordsConsentOut {
    fn from(c: Consent) -> Self {
        RecordsConsentOut {
            id: c.id.0,
            subject_id: c.subject_id.0,
            state: c.state(steward_core::time::today()).into(),
            subject: c.subject,
            purpose: c.purpose,
            given_on: c.given_on.to_string(),
            expires_on: c.expires_on.map(|d| d.to_string()),
            withdrawn_on: c.withdrawn_on.map(|d| d.to_string()),
            withdrawn_reason: c.withdrawn_reason,
            document_id: c.document_id.map(|d| d.0),
            document_title: c.document_title,
            note: c.note,
            recorded_by: c.recorded_by_name,
            recorded_at: c.recorded_at.rfc3339(),
            withdrawn_by: c.withdrawn_by_name,
            version: c.version,
        }
    }
}

/// A subject's consents, newest given first (whoever may open its file, the privacy
/// office). A subject the caller may not see is 404.
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/consents", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RecordsConsentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn subject_consents<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = consent::of_subject(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(RecordsConsentOut::from)
        .collect::<Vec<_>>()))
}

/// A consent as recorded.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsConsentIn {
    /// What it is for (422 on `purpose`); compared with categories' purposes regardless of
    /// case and spacing.
    #[schema(schema_with = crate::api::contract::line::<100, true>)]
    purpose: String,
    /// The day given (not a future one: 422 on `given_on`); absent or empty: today.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    given_on: Option<String>,
    /// Its last day (not before `given_on`: 422); absent or empty: until withdrawn.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    expires_on: Option<String>,
    /// The signed form: a document in this subject's file (else 422 on `document_id`).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    document_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    note: String,
}

/// Records a subject's consent (whoever may add records to its file, the privacy office).
/// Audited.
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/consents", tag = "records", params(("id" = i64, Path)), request_body = RecordsConsentIn,
    responses((status = 201, body = RecordsConsentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn give<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    let subject = SubjectId(id);
    consent::gate_write(&state.store, &a.actor, subject)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsConsentIn = json_body(req, &state, Shape::Object).await?;
    let input = ConsentInput {
        purpose: b.purpose,
        given_on: b.given_on.unwrap_or_default(),
        expires_on: b.expires_on.unwrap_or_default(),
        document_id: b.document_id.map(|d| d.to_string()).unwrap_or_default(),
        note: b.note,
    };
    let c = consent::give(&state.store, &a.actor, subject, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(RecordsConsentOut::from(c)))
}

/// A withdrawal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsWithdrawIn {
    /// The day withdrawn (not a future one, not before it was given: 422 on
    /// `withdrawn_on`); absent or empty: today.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    withdrawn_on: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    reason: String,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// Withdraws a consent (whoever may add records to the subject's file, the privacy office).
/// One withdrawn already is 409. Audited.
#[utoipa::path(post, path = "/api/v1/records/consents/{id}/withdraw", tag = "records", params(("id" = i64, Path)), request_body = RecordsWithdrawIn,
    responses((status = 200, body = RecordsConsentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    consent::gate_withdraw(&state.store, &a.actor, ConsentId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsWithdrawIn = json_body(req, &state, Shape::Object).await?;
    let c = consent::withdraw(
        &state.store,
        &a.actor,
        ConsentId(id),
        b.withdrawn_on.as_deref().unwrap_or(""),
        &b.reason,
        b.version,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsConsentOut::from(c)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsentParams {
    /// `active`, `expiring`, `expired` or `withdrawn` today; absent: all.
    #[param(schema_with = state_param)]
    state: Option<String>,
    /// Part of the purpose or the subject's reference or name.
    search: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

fn state_param() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = consent::STATES.iter().map(|(k, _)| *k).collect();
    crate::api::contract::filter(&keys)
}

/// The company's consents (the privacy office): expiring ones by end day, else newest
/// given first.
#[utoipa::path(get, path = "/api/v1/records/consents", tag = "records", params(ConsentParams),
    responses((status = 200, body = ListOf<RecordsConsentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn consents<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ConsentParams>,
) -> Result<Response, ApiError> {
    let q = ConsentQuery {
        state: p.state.filter(|s| !s.trim().is_empty()),
        search: p.search,
        today: None,
        paging: Paging::new(p.limit, p.offset),
    };
    let page = consent::list(&state.store, &a.actor, &q)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsConsentOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsUnconsentedOut {
    subject_id: i64,
    subject: String,
    category_id: i64,
    category: String,
    /// The purpose with no consent in force.
    purpose: String,
    /// How many of the subject's records in the category.
    records: i64,
}

impl From<Unconsented> for RecordsUnconsentedOut {
    fn from(u: Unconsented) -> Self {
        RecordsUnconsentedOut {
            subject_id: u.subject_id.0,
            subject: u.subject,
            category_id: u.category_id.0,
            category: u.category,
            purpose: u.purpose,
            records: u.records,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    limit: Option<u32>,
    offset: Option<u64>,
}

/// Records whose category's purpose has no consent in force, per subject and category, by
/// subject reference (the privacy office).
#[utoipa::path(get, path = "/api/v1/records/unconsented", tag = "records", params(PageParams),
    responses((status = 200, body = ListOf<RecordsUnconsentedOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn unconsented<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<PageParams>,
) -> Result<Response, ApiError> {
    let page = consent::unconsented(&state.store, &a.actor, Paging::new(p.limit, p.offset))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RecordsUnconsentedOut::from)
            .collect::<Vec<_>>(),
    }))
}
