//! `/api/v1/notifications`: my notifications (list, one, unread count, mark read, mark all
//! read) and my delivery preferences. Only ever the caller's own: another person's
//! notification is 404.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::work::notify::{self, Delivery, Notification, NotificationId, Preference};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{ok, ApiJsonList, ListOf};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::state::{AppState, Backend};
use crate::views::notify as pages;

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list))
        .routes(routes!(unread))
        .routes(routes!(read_all))
        .routes(routes!(preferences, set_preferences))
        .routes(routes!(get))
        .routes(routes!(read))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    id: i64,
    /// `group.event`, e.g. `task.assigned`.
    kind: String,
    /// `task`, `approval`, `case` or `system`.
    group: String,
    title: String,
    body: String,
    /// A path in Steward, e.g. `/tasks/7`.
    link: Option<String>,
    read: bool,
    read_at: Option<String>,
    created_at: String,
}

impl From<Notification> for NotificationOut {
    fn from(n: Notification) -> Self {
        NotificationOut {
            id: n.id.0,
            group: n.group().to_string(),
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            read: n.read_at.is_some(),
            read_at: n.read_at.map(|t| t.rfc3339()),
            created_at: n.created_at.rfc3339(),
        }
    }
}

/// Documents the query string; the handler parses it with the shared `ListParams`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct NotificationParams {
    /// Words in the title or text.
    q: Option<String>,
    /// `true` (or `1`, `on`): unread only.
    #[param(schema_with = unread_filter)]
    unread: Option<String>,
    /// `task`, `approval`, `case` or `system`.
    #[param(schema_with = group_filter)]
    group: Option<String>,
    /// `created` (default, newest first), `kind` or `title`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::work::notify::NotificationSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// My notifications.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationParams),
    responses((status = 200, body = ListOf<NotificationOut>), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
    let format = crate::list::api_export_format(params.get("format")).map_err(err)?;
    let q = pages::query_from(&params).map_err(err)?;
    let page = notify::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = format {
        return Ok(crate::list::export(
            format,
            "notifications",
            pages::EXPORT_HEADERS,
            page.items.iter().map(pages::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(NotificationOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadOut {
    unread: u64,
}

/// How many of my notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadOut), (status = 401, body = crate::error::Problem)))]
pub async fn unread<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let n = notify::unread_count(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(UnreadOut { unread: n }))
}

/// One of my notifications.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = NotificationOut), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let n = notify::get(&state.store, &a.actor, NotificationId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(NotificationOut::from(n)))
}

/// Marks one of my notifications read (again is fine).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = NotificationOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn read<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let n = notify::mark_read(&state.store, &a.actor, NotificationId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(NotificationOut::from(n)))
}

#[derive(Serialize, ToSchema)]
pub struct MarkedOut {
    /// How many were unread and are now read.
    marked: u64,
}

/// Marks all my notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = MarkedOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn read_all<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let n = notify::mark_all_read(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(MarkedOut { marked: n }))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceIo {
    /// `task`, `approval`, `case` or `system`.
    #[schema(schema_with = group_choice)]
    group: String,
    /// `app` (in the app only), `email` (also by e-mail at once), `digest` (also in the
    /// daily e-mail digest) or `off`.
    #[schema(schema_with = delivery_choice)]
    delivery: String,
}

fn prefs_out(prefs: Vec<Preference>) -> Vec<PreferenceIo> {
    prefs
        .into_iter()
        .map(|p| PreferenceIo {
            group: p.group,
            delivery: p.delivery.as_str().to_string(),
        })
        .collect()
}

/// My delivery choice for every group of notifications.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications",
    responses((status = 200, body = Vec<PreferenceIo>), (status = 401, body = crate::error::Problem)))]
pub async fn preferences<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let p = notify::preferences(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(prefs_out(p)))
}

/// Sets my delivery for the groups named (the others keep theirs); answers with all.
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications", request_body = Vec<PreferenceIo>,
    responses((status = 200, body = Vec<PreferenceIo>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_preferences<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJsonList(body): ApiJsonList<PreferenceIo>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let mut changes = Vec::with_capacity(body.len());
    for p in body {
        let delivery = Delivery::parse(&p.delivery).ok_or_else(|| {
            err(steward_core::Error::invalid(
                "delivery",
                "must be app, email, digest or off",
            ))
        })?;
        changes.push(Preference {
            group: p.group,
            delivery,
        });
    }
    let all = notify::set_preferences(&state.store, &a.actor, &changes)
        .await
        .map_err(err)?;
    Ok(ok(prefs_out(all)))
}

fn group_keys() -> Vec<&'static str> {
    steward_core::work::notify::GROUPS
        .iter()
        .map(|(k, _)| *k)
        .collect()
}

fn group_filter() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&group_keys())
}

fn group_choice() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(&group_keys(), false)
}

crate::api::contract::choice_of!(delivery_choice, steward_core::work::notify::Delivery);

fn unread_filter() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["true", "false", "1", "0", "on"])
}
