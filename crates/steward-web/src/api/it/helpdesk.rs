//! The helpdesk's settings and library: `/api/v1/it/ticket-categories`,
//! `/api/v1/it/ticket-groups`, `/api/v1/it/technicians`, `/api/v1/it/helpdesk/sla`,
//! `/api/v1/it/helpdesk/report` and the knowledge base `/api/v1/it/kb`.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::UserId;
use steward_core::it::helpdesk::{
    self, ArticleId, HelpdeskSla, Priority, TicketCategory, TicketCategoryId, TicketGroup,
    TicketGroupId,
};
use steward_core::it::helpdesk_kb::{self as kb, Article, ArticleInput};
use steward_core::it::helpdesk_report::{self as report, Period, Row};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(categories, create_category))
        .routes(routes!(update_category))
        .routes(routes!(groups, create_group))
        .routes(routes!(update_group))
        .routes(routes!(technicians))
        .routes(routes!(sla, save_sla))
        .routes(routes!(get_report))
        .routes(routes!(articles, create_article))
        .routes(routes!(get_article, update_article))
}

#[derive(Serialize, ToSchema)]
pub struct TicketCategoryOut {
    id: i64,
    name: String,
    version: i64,
}

impl From<TicketCategory> for TicketCategoryOut {
    fn from(c: TicketCategory) -> Self {
        TicketCategoryOut {
            id: c.id.0,
            name: c.name,
            version: c.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameIn {
    /// Unique in the company.
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketGroupMemberOut {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TicketGroupOut {
    id: i64,
    name: String,
    members: Vec<TicketGroupMemberOut>,
    version: i64,
}

impl From<TicketGroup> for TicketGroupOut {
    fn from(g: TicketGroup) -> Self {
        TicketGroupOut {
            id: g.id.0,
            name: g.name,
            members: g
                .members
                .into_iter()
                .map(|(u, name)| TicketGroupMemberOut { id: u.0, name })
                .collect(),
            version: g.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    name: String,
    /// User ids of IT technicians (422 on `members` otherwise).
    #[serde(default)]
    member_ids: Vec<i64>,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct TargetIo {
    /// `p1` to `p4`.
    priority: String,
    /// Business minutes to the first response (1 to a year).
    #[schema(minimum = 1, maximum = 525600)]
    first_response_minutes: i64,
    /// Business minutes to the resolution (not shorter than the first response).
    #[schema(minimum = 1, maximum = 525600)]
    resolution_minutes: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SlaOut {
    targets: Vec<TargetIo>,
    warn_percent: i64,
    version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaIn {
    /// One per priority `p1`..`p4`.
    targets: Vec<TargetIo>,
    /// Warn the assignee at this share of a target (1-99).
    #[schema(minimum = 1, maximum = 99)]
    warn_percent: i64,
    #[serde(default)]
    version: Option<i64>,
}

fn sla_out(s: HelpdeskSla) -> SlaOut {
    SlaOut {
        targets: Priority::ALL
            .iter()
            .map(|p| {
                let t = s.target(*p);
                TargetIo {
                    priority: p.as_str().into(),
                    first_response_minutes: t.first_response_minutes,
                    resolution_minutes: t.resolution_minutes,
                }
            })
            .collect(),
        warn_percent: s.warn_percent,
        version: s.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ArticleOut {
    id: i64,
    title: String,
    /// Markdown.
    body: String,
    published: bool,
    /// RFC 3339.
    updated_at: String,
    version: i64,
}

impl From<Article> for ArticleOut {
    fn from(k: Article) -> Self {
        ArticleOut {
            id: k.id.0,
            title: k.title,
            body: k.body,
            published: k.published,
            updated_at: k.updated_at.rfc3339(),
            version: k.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    title: String,
    /// Markdown.
    #[schema(schema_with = crate::api::contract::text::<100000, true>)]
    body: String,
    /// Employees read published articles only.
    #[serde(default)]
    published: bool,
    #[serde(default)]
    version: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// Words in the title or body.
    q: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day (YYYY-MM-DD); default 30 days ago.
    #[param(schema_with = crate::api::contract::opt_date)]
    from: Option<String>,
    /// Last day, included; default today.
    #[param(schema_with = crate::api::contract::opt_date)]
    to: Option<String>,
    /// `day`, `week` (default) or `month`.
    #[param(schema_with = periods)]
    period: Option<String>,
    /// `csv` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn periods() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["day", "week", "month"])
}

#[derive(Serialize, ToSchema)]
pub struct HelpdeskReportRowOut {
    label: String,
    tickets: u64,
    resolved: u64,
    response_met: u64,
    response_breached: u64,
    resolution_met: u64,
    resolution_breached: u64,
    /// Percent within target (null when none was measured).
    response_rate: Option<u64>,
    resolution_rate: Option<u64>,
    /// Mean satisfaction in tenths (42 = 4.2), null without ratings.
    rating_tenths: Option<u64>,
}

impl From<&Row> for HelpdeskReportRowOut {
    fn from(r: &Row) -> Self {
        HelpdeskReportRowOut {
            label: r.label.clone(),
            tickets: r.tickets,
            resolved: r.resolved,
            response_met: r.response_met,
            response_breached: r.response_breached,
            resolution_met: r.resolution_met,
            resolution_breached: r.resolution_breached,
            response_rate: r.response_rate(),
            resolution_rate: r.resolution_rate(),
            rating_tenths: r.rating_tenths(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HelpdeskReportOut {
    from: String,
    to: String,
    period: String,
    total: HelpdeskReportRowOut,
    by_period: Vec<HelpdeskReportRowOut>,
    by_category: Vec<HelpdeskReportRowOut>,
    by_technician: Vec<HelpdeskReportRowOut>,
}

/// The company's ticket categories (anyone who raises tickets).
#[utoipa::path(get, path = "/api/v1/it/ticket-categories", tag = "it",
    responses((status = 200, body = Vec<TicketCategoryOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn categories<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = helpdesk::categories(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(TicketCategoryOut::from)
        .collect::<Vec<_>>()))
}

/// A new ticket category (IT leads). A taken name is 422 on `name`.
#[utoipa::path(post, path = "/api/v1/it/ticket-categories", tag = "it", request_body = NameIn,
    responses((status = 201, body = TicketCategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<NameIn>,
) -> Result<Response, ApiError> {
    let c = helpdesk::create_category(&state.store, &a.actor, &b.name)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(TicketCategoryOut::from(c)))
}

/// Renames a ticket category (IT leads).
#[utoipa::path(put, path = "/api/v1/it/ticket-categories/{id}", tag = "it", params(("id" = i64, Path)), request_body = NameIn,
    responses((status = 200, body = TicketCategoryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_category<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NameIn>,
) -> Result<Response, ApiError> {
    let c = helpdesk::update_category(
        &state.store,
        &a.actor,
        TicketCategoryId(id),
        &b.name,
        b.version,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(TicketCategoryOut::from(c)))
}

/// Ticket groups with their members (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/ticket-groups", tag = "it",
    responses((status = 200, body = Vec<TicketGroupOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn groups<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = helpdesk::groups(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(TicketGroupOut::from)
        .collect::<Vec<_>>()))
}

/// A new ticket group (IT leads).
#[utoipa::path(post, path = "/api/v1/it/ticket-groups", tag = "it", request_body = GroupIn,
    responses((status = 201, body = TicketGroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_group<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<GroupIn>,
) -> Result<Response, ApiError> {
    let members: Vec<UserId> = b.member_ids.into_iter().map(UserId).collect();
    let g = helpdesk::create_group(&state.store, &a.actor, &b.name, &members)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(TicketGroupOut::from(g)))
}

/// Renames a group and replaces its members (IT leads).
#[utoipa::path(put, path = "/api/v1/it/ticket-groups/{id}", tag = "it", params(("id" = i64, Path)), request_body = GroupIn,
    responses((status = 200, body = TicketGroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_group<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<GroupIn>,
) -> Result<Response, ApiError> {
    let members: Vec<UserId> = b.member_ids.into_iter().map(UserId).collect();
    let g = helpdesk::update_group(
        &state.store,
        &a.actor,
        TicketGroupId(id),
        &b.name,
        &members,
        b.version,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(TicketGroupOut::from(g)))
}

/// People tickets can be assigned to (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/technicians", tag = "it",
    responses((status = 200, body = Vec<TicketGroupMemberOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn technicians<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let list = helpdesk::technicians(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(|(u, name)| TicketGroupMemberOut { id: u.0, name })
        .collect::<Vec<_>>()))
}

/// Service-level targets per priority (IT's staff).
#[utoipa::path(get, path = "/api/v1/it/helpdesk/sla", tag = "it",
    responses((status = 200, body = SlaOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn sla<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let s = helpdesk::sla_targets(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(sla_out(s)))
}

/// Saves the service-level targets (IT leads); a missing priority is 422 naming it.
#[utoipa::path(put, path = "/api/v1/it/helpdesk/sla", tag = "it", request_body = SlaIn,
    responses((status = 200, body = SlaOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_sla<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<SlaIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    steward_core::it::gate(&a.actor, steward_core::auth::Action::Approve).map_err(err)?;
    let current = helpdesk::sla_targets(&state.store, &a.actor)
        .await
        .map_err(err)?;
    let mut targets = [(0i64, 0i64); 4];
    for (i, p) in Priority::ALL.iter().enumerate() {
        let t = b
            .targets
            .iter()
            .find(|t| t.priority == p.as_str())
            .ok_or_else(|| {
                err(Error::invalid(
                    format!("{p}.first_response"),
                    "a target is needed for every priority",
                ))
            })?;
        targets[i] = (t.first_response_minutes, t.resolution_minutes);
    }
    let s = HelpdeskSla {
        targets,
        warn_percent: b.warn_percent,
        version: b.version.unwrap_or(current.version),
    };
    let s = helpdesk::save_sla_targets(&state.store, &a.actor, s)
        .await
        .map_err(err)?;
    Ok(ok(sla_out(s)))
}

/// Volume by period and SLA compliance in total, by category and by technician (IT's
/// staff); `format=csv` downloads the rows.
#[utoipa::path(get, path = "/api/v1/it/helpdesk/report", tag = "it", params(ReportParams),
    responses((status = 200, body = HelpdeskReportOut, description = "JSON, or a CSV download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn get_report<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let today = chrono::Utc::now().date_naive();
    let from = crate::api::contract::parse_date_param("from", p.from.as_deref())
        .map_err(err)?
        .unwrap_or(today - chrono::Duration::days(30));
    let to = crate::api::contract::parse_date_param("to", p.to.as_deref())
        .map_err(err)?
        .unwrap_or(today);
    let period = Period::parse(p.period.as_deref().unwrap_or(""))
        .ok_or_else(|| err(Error::invalid("period", "day, week or month")))?;
    let r = report::report(&state.store, &a.actor, from, to, period)
        .await
        .map_err(err)?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "helpdesk-report",
            &report::CSV_HEADER,
            report::csv_rows(&r),
        ));
    }
    Ok(ok(HelpdeskReportOut {
        from: r.from.to_string(),
        to: r.to.to_string(),
        period: r.period.as_str().into(),
        total: HelpdeskReportRowOut::from(&r.total),
        by_period: r.by_period.iter().map(HelpdeskReportRowOut::from).collect(),
        by_category: r
            .by_category
            .iter()
            .map(HelpdeskReportRowOut::from)
            .collect(),
        by_technician: r
            .by_technician
            .iter()
            .map(HelpdeskReportRowOut::from)
            .collect(),
    }))
}

/// Knowledge-base articles: IT's staff all, anyone else the published ones; `q` searches.
#[utoipa::path(get, path = "/api/v1/it/kb", tag = "it", params(ArticleParams),
    responses((status = 200, body = Vec<ArticleOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn articles<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ArticleParams>,
) -> Result<Response, ApiError> {
    let list = kb::list(&state.store, &a.actor, p.q.as_deref())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list
        .into_iter()
        .map(ArticleOut::from)
        .collect::<Vec<_>>()))
}

/// A new article (IT's staff).
#[utoipa::path(post, path = "/api/v1/it/kb", tag = "it", request_body = ArticleIn,
    responses((status = 201, body = ArticleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_article<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ArticleIn>,
) -> Result<Response, ApiError> {
    let input = ArticleInput {
        title: b.title,
        body: b.body,
        published: b.published,
    };
    let k = kb::create(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(ArticleOut::from(k)))
}

/// One article (an unpublished one is 404 to an employee).
#[utoipa::path(get, path = "/api/v1/it/kb/{id}", tag = "it", params(("id" = i64, Path)),
    responses((status = 200, body = ArticleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_article<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let k = kb::get(&state.store, &a.actor, ArticleId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ArticleOut::from(k)))
}

/// Changes an article (IT's staff).
#[utoipa::path(put, path = "/api/v1/it/kb/{id}", tag = "it", params(("id" = i64, Path)), request_body = ArticleIn,
    responses((status = 200, body = ArticleOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_article<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ArticleIn>,
) -> Result<Response, ApiError> {
    let input = ArticleInput {
        title: b.title,
        body: b.body,
        published: b.published,
    };
    let k = kb::update(&state.store, &a.actor, ArticleId(id), &input, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ArticleOut::from(k)))
}
