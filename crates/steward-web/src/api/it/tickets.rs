//! `/api/v1/it/tickets…`: the helpdesk's tickets (raise, read, the conversation, assign,
//! status, priority, reopen, rating, linked assets and articles). Every handler calls
//! `steward_core::it::helpdesk_tickets`, which authorizes: a requester sees their own
//! tickets and never an internal note; IT's staff see all.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{AssetId, UserId};
use steward_core::it::helpdesk::{
    ArticleId, Level, LinkedAsset, Message, Priority, Ticket, TicketCategoryId, TicketGroupId,
    TicketId, TicketQuery, TicketSort, TicketStatus, View,
};
use steward_core::it::helpdesk_tickets::{self as tickets, TicketAction, TicketInput};
use steward_core::list::Paging;
use steward_core::work::sla::SlaState;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::{choice_of, filter_of, opt_choice_of, sort_and_dir};
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(links))
        .routes(routes!(messages))
        .routes(routes!(reply))
        .routes(routes!(note))
        .routes(routes!(assign))
        .routes(routes!(status))
        .routes(routes!(reprioritize))
        .routes(routes!(reopen))
        .routes(routes!(rate))
        .routes(routes!(link_asset))
        .routes(routes!(link_article))
}

filter_of!(status_filter, TicketStatus);
filter_of!(priority_filter, Priority);
filter_of!(sla_filter, SlaState);
opt_choice_of!(opt_level, Level);
choice_of!(level_choice, Level);
choice_of!(status_choice, TicketStatus);

fn views() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["mine", "queue", "unassigned", "all"])
}

fn at(t: Option<steward_core::time::Timestamp>) -> Option<String> {
    t.map(|t| t.rfc3339())
}

#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    id: i64,
    subject: String,
    description: String,
    requester_id: i64,
    requester: String,
    category_id: Option<i64>,
    category: Option<String>,
    /// `low`, `medium` or `high`.
    urgency: String,
    impact: String,
    /// `p1` (critical) to `p4` (low), from urgency and impact.
    priority: String,
    /// `new`, `in_progress`, `waiting_on_requester`, `resolved` or `closed`.
    status: String,
    assignee_id: Option<i64>,
    assignee: Option<String>,
    group_id: Option<i64>,
    group: Option<String>,
    /// RFC 3339.
    created_at: String,
    updated_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    /// When the first response is due (none once given or closed).
    first_response_due: Option<String>,
    resolution_due: Option<String>,
    /// `on_track`, `warning`, `breached`, `paused` (waiting on the requester) or `met`.
    sla_state: String,
    response_breached: bool,
    resolution_breached: bool,
    /// 1-5 once the requester rated it.
    rating: Option<i64>,
    rating_comment: String,
    version: i64,
}

impl From<Ticket> for TicketOut {
    fn from(t: Ticket) -> Self {
        TicketOut {
            id: t.id.0,
            requester_id: t.requester.0,
            requester: t.requester_name,
            category_id: t.category_id.map(|c| c.0),
            category: t.category,
            urgency: t.urgency.as_str().into(),
            impact: t.impact.as_str().into(),
            priority: t.priority.as_str().into(),
            status: t.status.as_str().into(),
            assignee_id: t.assignee.map(|u| u.0),
            assignee: t.assignee_name,
            group_id: t.group_id.map(|g| g.0),
            group: t.group,
            created_at: t.created_at.rfc3339(),
            updated_at: t.updated_at.rfc3339(),
            first_response_at: at(t.first_response_at),
            resolved_at: at(t.resolved_at),
            closed_at: at(t.closed_at),
            first_response_due: at(t.first_response_due),
            resolution_due: at(t.resolution_due),
            sla_state: t.sla_state.as_str().into(),
            response_breached: t.response_breached_at.is_some(),
            resolution_breached: t.resolution_breached_at.is_some(),
            rating: t.rating,
            rating_comment: t.rating_comment,
            version: t.version,
            subject: t.subject,
            description: t.description,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    id: i64,
    /// `reply` (public), `note` (internal), `status` or `sla` (internal).
    kind: String,
    /// Internal entries are shown to IT's staff only.
    internal: bool,
    body: String,
    author: String,
    /// RFC 3339.
    at: String,
}

impl From<Message> for MessageOut {
    fn from(m: Message) -> Self {
        MessageOut {
            id: m.id,
            kind: m.kind.as_str().into(),
            internal: m.internal,
            body: m.body,
            author: m.author,
            at: m.at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LinkedAssetOut {
    id: i64,
    tag: String,
    name: String,
}

impl From<LinkedAsset> for LinkedAssetOut {
    fn from(a: LinkedAsset) -> Self {
        LinkedAssetOut {
            id: a.id.0,
            tag: a.tag,
            name: a.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ArticleRefOut {
    id: i64,
    title: String,
}

#[derive(Serialize, ToSchema)]
pub struct LinksOut {
    assets: Vec<LinkedAssetOut>,
    /// Knowledge-base articles (a requester sees the published ones).
    articles: Vec<ArticleRefOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    subject: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<20000>)]
    description: Option<String>,
    /// A ticket category of the company.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    category_id: Option<i64>,
    /// `low`, `medium` or `high`; absent: medium.
    #[serde(default)]
    #[schema(schema_with = opt_level)]
    urgency: Option<String>,
    #[serde(default)]
    #[schema(schema_with = opt_level)]
    impact: Option<String>,
    /// Assets concerned: an employee may link only assets checked out to them (422 on
    /// `assets`).
    #[serde(default)]
    asset_ids: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyIn {
    #[schema(schema_with = crate::api::contract::text::<20000, true>)]
    body: String,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// A technician (holder of `it.update` company-wide); null or absent: nobody.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    assignee_id: Option<i64>,
    /// A ticket group; null or absent: none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    group_id: Option<i64>,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// `in_progress`, `waiting_on_requester` (pauses the SLA timers), `resolved`, or
    /// `closed` (only a resolved ticket).
    #[schema(schema_with = status_choice)]
    status: String,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityIn {
    #[schema(schema_with = level_choice)]
    urgency: String,
    #[schema(schema_with = level_choice)]
    impact: String,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketReopenIn {
    #[schema(schema_with = crate::api::contract::text::<20000, true>)]
    reason: String,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    /// 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    rating: i64,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<2000>)]
    comment: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetLinkIn {
    #[schema(schema_with = crate::api::contract::id)]
    asset_id: i64,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleLinkIn {
    #[schema(schema_with = crate::api::contract::id)]
    article_id: i64,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListParams {
    /// `mine` (raised by the caller; an employee's only view), `queue` (open, assigned to
    /// the caller), `unassigned` (open, nobody) or `all` (IT's staff; the default).
    #[param(schema_with = views)]
    view: Option<String>,
    /// Part of the subject, or `#12`.
    q: Option<String>,
    #[param(schema_with = status_filter)]
    status: Option<String>,
    #[param(schema_with = priority_filter)]
    priority: Option<String>,
    #[param(schema_with = sla_filter)]
    sla: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    category_id: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    group_id: Option<String>,
    /// `due` (SLA due, then priority; default), `priority`, `created` or `updated`.
    #[param(schema_with = crate::api::contract::sort::<TicketSort>)]
    sort: Option<String>,
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download (needs `it.export`).
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// A positive id in a query filter; empty for none.
pub(crate) fn id_filter(field: &str, text: Option<&str>) -> Result<Option<i64>, Error> {
    match text.unwrap_or("").trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, "an id (a whole number from 1)")),
    }
}

fn word<T>(field: &str, s: Option<&str>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, Error> {
    match s.unwrap_or("").trim() {
        "" => Ok(None),
        v => parse(v)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, format!("`{v}` is not a {field}"))),
    }
}

/// Tickets the caller may see, in the chosen view; sorted by SLA due then priority.
#[utoipa::path(get, path = "/api/v1/it/tickets", tag = "it", params(TicketListParams),
    responses((status = 200, body = ListOf<TicketOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<TicketListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (sort, dir) =
        sort_and_dir::<TicketSort>(p.sort.as_deref(), p.dir.as_deref()).map_err(err)?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let q = TicketQuery {
        view: word("view", p.view.as_deref(), View::parse)
            .map_err(err)?
            .unwrap_or_default(),
        user: None,
        status: word("status", p.status.as_deref(), TicketStatus::parse).map_err(err)?,
        priority: word("priority", p.priority.as_deref(), Priority::parse).map_err(err)?,
        category: id_filter("category_id", p.category_id.as_deref())
            .map_err(err)?
            .map(TicketCategoryId),
        group: id_filter("group_id", p.group_id.as_deref())
            .map_err(err)?
            .map(TicketGroupId),
        sla: word("sla", p.sla.as_deref(), SlaState::parse).map_err(err)?,
        search: p.q.clone(),
        sort,
        dir,
        paging: if export.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    };
    let page = tickets::list(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "tickets",
            &tickets::EXPORT_HEADER,
            page.items.iter().map(tickets::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(TicketOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Raises a ticket for the caller (any employee). Priority follows urgency x impact. Bad
/// input is 422 naming the field; nothing is written. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/it/tickets", tag = "it", request_body = TicketIn,
    responses((status = 201, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<TicketIn>,
) -> Result<Response, ApiError> {
    let input = TicketInput {
        subject: b.subject,
        description: b.description.unwrap_or_default(),
        category_id: b.category_id.map(|c| c.to_string()).unwrap_or_default(),
        urgency: b.urgency.unwrap_or_default(),
        impact: b.impact.unwrap_or_default(),
        assets: b.asset_ids.into_iter().map(AssetId).collect(),
    };
    let t = tickets::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(TicketOut::from(t)))
}

/// One ticket (another's, or another company's, is 404 to a requester).
#[utoipa::path(get, path = "/api/v1/it/tickets/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let t = tickets::get(&state.store, &a.actor, TicketId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(TicketOut::from(t)))
}

/// The assets and knowledge-base articles linked to a ticket.
#[utoipa::path(get, path = "/api/v1/it/tickets/{id}/links", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = LinksOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn links<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let assets = tickets::linked_assets(&state.store, &a.actor, TicketId(id))
        .await
        .map_err(err)?;
    let articles = tickets::linked_articles(&state.store, &a.actor, TicketId(id))
        .await
        .map_err(err)?;
    Ok(ok(LinksOut {
        assets: assets.into_iter().map(LinkedAssetOut::from).collect(),
        articles: articles
            .into_iter()
            .map(|k| ArticleRefOut {
                id: k.id.0,
                title: k.title,
            })
            .collect(),
    }))
}

/// The conversation, oldest first: a requester gets the public entries only.
#[utoipa::path(get, path = "/api/v1/it/tickets/{id}/messages", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MessageOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn messages<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = tickets::messages(&state.store, &a.actor, TicketId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(MessageOut::from)
        .collect::<Vec<_>>()))
}

async fn act<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    id: i64,
    action: TicketAction,
    version: Option<i64>,
) -> Result<Response, ApiError> {
    let t = tickets::act(&state.store, &a.actor, TicketId(id), &action, version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(TicketOut::from(t)))
}

/// A public reply (the requester sees it). IT's first reply is the first response; the
/// requester's answer to a ticket waiting on them resumes its timers.
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/replies", tag = "it", params(("id" = i64, Path)), request_body = BodyIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reply<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BodyIn>,
) -> Result<Response, ApiError> {
    act(
        &state,
        &a,
        id,
        TicketAction::Reply { body: b.body },
        b.version,
    )
    .await
}

/// An internal note (IT's technicians; never shown to the requester).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/notes", tag = "it", params(("id" = i64, Path)), request_body = BodyIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn note<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BodyIn>,
) -> Result<Response, ApiError> {
    act(
        &state,
        &a,
        id,
        TicketAction::Note { body: b.body },
        b.version,
    )
    .await
}

/// Assigns the ticket to a technician and/or a group (technicians).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/assign", tag = "it", params(("id" = i64, Path)), request_body = AssignIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AssignIn>,
) -> Result<Response, ApiError> {
    let action = TicketAction::Assign {
        assignee: b.assignee_id.map(UserId),
        group: b.group_id.map(TicketGroupId),
    };
    act(&state, &a, id, action, b.version).await
}

/// Moves the ticket (technicians). Waiting on the requester pauses the SLA timers.
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/status", tag = "it", params(("id" = i64, Path)), request_body = StatusIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn status<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<StatusIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let status = TicketStatus::parse(&b.status).ok_or_else(|| {
        err(Error::invalid(
            "status",
            format!("one of {}", TicketStatus::words()),
        ))
    })?;
    act(
        &state,
        &a,
        id,
        TicketAction::SetStatus { status },
        b.version,
    )
    .await
}

/// New urgency and impact, and so priority (technicians).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/priority", tag = "it", params(("id" = i64, Path)), request_body = PriorityIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reprioritize<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PriorityIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let level = |field: &str, s: &str| {
        Level::parse(s).ok_or_else(|| Error::invalid(field, format!("one of {}", Level::words())))
    };
    let urgency = level("urgency", &b.urgency).map_err(err)?;
    let impact = level("impact", &b.impact).map_err(err)?;
    act(
        &state,
        &a,
        id,
        TicketAction::Reprioritize { urgency, impact },
        b.version,
    )
    .await
}

/// Reopens a resolved or closed ticket (the requester or a technician).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/reopen", tag = "it", params(("id" = i64, Path)), request_body = TicketReopenIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TicketReopenIn>,
) -> Result<Response, ApiError> {
    act(
        &state,
        &a,
        id,
        TicketAction::Reopen { reason: b.reason },
        b.version,
    )
    .await
}

/// The requester's satisfaction rating of a resolved or closed ticket.
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/rating", tag = "it", params(("id" = i64, Path)), request_body = RatingIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RatingIn>,
) -> Result<Response, ApiError> {
    let action = TicketAction::Rate {
        rating: b.rating,
        comment: b.comment.unwrap_or_default(),
    };
    act(&state, &a, id, action, b.version).await
}

/// Links an asset (an employee: only one checked out to them).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/assets", tag = "it", params(("id" = i64, Path)), request_body = AssetLinkIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link_asset<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AssetLinkIn>,
) -> Result<Response, ApiError> {
    let action = TicketAction::LinkAsset {
        asset: AssetId(b.asset_id),
    };
    act(&state, &a, id, action, b.version).await
}

/// Links a knowledge-base article (technicians).
#[utoipa::path(post, path = "/api/v1/it/tickets/{id}/articles", tag = "it", params(("id" = i64, Path)), request_body = ArticleLinkIn,
    responses((status = 200, body = TicketOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link_article<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ArticleLinkIn>,
) -> Result<Response, ApiError> {
    let action = TicketAction::LinkArticle {
        article: ArticleId(b.article_id),
    };
    act(&state, &a, id, action, b.version).await
}
