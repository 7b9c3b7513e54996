//! `/api/v1/hr/health`: record health for HR staff and auditors: the summary (problems by
//! rule, scores per department, the trend of runs), the list of problems (filters, paging,
//! CSV/XLSX) and, for HR staff, a run now.
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::health::{self, Issue, Run};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{ok, ListOf};
use crate::auth::ApiActor;
use crate::error::ApiError;
use crate::list::ListParams;
use crate::state::{AppState, Backend};
use crate::views::hr_health as page;

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(summary))
        .routes(routes!(issues))
        .routes(routes!(run))
}

#[derive(Serialize, ToSchema)]
#[schema(as = HealthRuleOut)]
pub struct RuleOut {
    key: String,
    label: String,
    severity: String,
    problems: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreOut {
    department_id: Option<i64>,
    name: String,
    employees: i64,
    with_problems: i64,
    /// Percent of employees without problems.
    score: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RunOut {
    id: i64,
    started_at: String,
    finished_at: String,
    employees: i64,
    with_problems: i64,
    problems: i64,
}

impl From<Run> for RunOut {
    fn from(r: Run) -> Self {
        RunOut {
            id: r.id,
            started_at: r.started_at.rfc3339(),
            finished_at: r.finished_at.rfc3339(),
            employees: r.employees,
            with_problems: r.affected,
            problems: r.issues,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    problems: i64,
    rules: Vec<RuleOut>,
    departments: Vec<ScoreOut>,
    /// Past full runs, oldest first.
    runs: Vec<RunOut>,
}

/// Problems by rule, health per department, the trend (HR staff, auditors).
#[utoipa::path(get, path = "/api/v1/hr/health", tag = "hr",
    responses((status = 200, body = SummaryOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn summary<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let s = health::summary(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(SummaryOut {
        problems: s.total,
        rules: s
            .by_rule
            .iter()
            .map(|(r, n)| RuleOut {
                key: r.key.to_string(),
                label: r.label.to_string(),
                severity: r.severity.as_str().to_string(),
                problems: *n,
            })
            .collect(),
        departments: s
            .scores
            .iter()
            .map(|d| ScoreOut {
                department_id: d.department_id.map(|x| x.0),
                name: d.name.clone(),
                employees: d.employees,
                with_problems: d.affected,
                score: d.score(),
            })
            .collect(),
        runs: s.runs.into_iter().map(RunOut::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct IssueOut {
    id: i64,
    rule: String,
    label: String,
    severity: String,
    employee_id: Option<i64>,
    employee: Option<String>,
    department_id: Option<i64>,
    department: Option<String>,
    /// `hr.document`, `hr.certification`, `department` or empty (the employee's record).
    record_kind: String,
    record_id: Option<i64>,
    detail: String,
    /// The page where it is fixed.
    fix: String,
    found_at: String,
}

impl From<Issue> for IssueOut {
    fn from(i: Issue) -> Self {
        IssueOut {
            label: i.label().to_string(),
            severity: i.severity().to_string(),
            fix: i.fix_link(),
            id: i.id,
            rule: i.rule,
            employee_id: i.employee_id.map(|e| e.0),
            employee: i.employee_name,
            department_id: i.department_id.map(|d| d.0),
            department: i.department_name,
            record_kind: i.record_kind,
            record_id: i.record_id,
            detail: i.detail,
            found_at: i.found_at.rfc3339(),
        }
    }
}

/// Documents the query string; the handler parses it with the shared `ListParams`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct IssueParams {
    /// A rule key (`GET /api/v1/hr/health` lists them).
    #[param(schema_with = rule_param)]
    rule: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    employee: Option<i64>,
    #[param(schema_with = crate::api::contract::id_param)]
    department: Option<i64>,
    /// Text in the employee's or department's name.
    q: Option<String>,
    /// `employee`, `rule`, `department` or `found`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::hr::health::IssueSort>)]
    sort: Option<String>,
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// `rule=`: a key of `core::hr::health::RULES`, or empty for all.
fn rule_param() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = health::RULES.iter().map(|r| r.key).collect();
    crate::api::contract::filter(&keys)
}

/// The problems of the last run (HR staff, auditors).
#[utoipa::path(get, path = "/api/v1/hr/health/issues", tag = "hr", params(IssueParams),
    responses((status = 200, body = ListOf<IssueOut>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn issues<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let params = ListParams::exact(pairs);
    let format = crate::list::api_export_format(params.get("format")).map_err(err)?;
    // The list's pages fall back to the default order; the API refuses an unknown key.
    crate::api::contract::parse_sort::<steward_core::hr::health::IssueSort>(params.get("sort"))
        .map_err(err)?;
    let q = page::query_from(&params).map_err(err)?;
    let p = health::issues(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    if let Some(format) = format {
        return Ok(crate::list::export(
            format,
            "record-health",
            page::EXPORT_HEADERS,
            p.items.iter().map(page::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: p.total,
        limit: p.limit,
        offset: p.offset,
        items: p.items.into_iter().map(IssueOut::from).collect::<Vec<_>>(),
    }))
}

/// Checks every record now (HR staff).
#[utoipa::path(post, path = "/api/v1/hr/health/run", tag = "hr",
    responses((status = 200, body = RunOut), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let r = health::run_now(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RunOut::from(r)))
}
