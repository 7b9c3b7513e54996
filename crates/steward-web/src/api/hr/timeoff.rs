//! `/api/v1/hr/timeoff/…`: policies and working calendars with their holidays (HR staff
//! manage them), balances and the ledger behind
//! them, requests (list with filters/sort/export, ask, read, cancel), and the accrual run
//! on demand. Every handler calls `steward_core::hr::timeoff`, which authorizes: an
//! employee sees their own, a manager their reports', HR and auditors everyone's; another
//! company's request is 404. Approvals go through `/api/v1/approvals/...`.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::hr::timeoff::{
    self, days_text, Balance, CalendarRow, LedgerLine, Policy, PolicyInput, Request, RequestInput,
    RequestQuery, RequestSort,
};
use steward_core::ids::EmployeeId;
use steward_core::list::{Paging, SortDir};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::sort_and_dir;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(policies, create_policy))
        .routes(routes!(update_policy))
        .routes(routes!(calendars, create_calendar))
        .routes(routes!(add_holiday))
        .routes(routes!(balances))
        .routes(routes!(ledger))
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(accrue))
}

fn err(a: &ApiActor) -> impl Fn(Error) -> ApiError + '_ {
    move |e| ApiError::new(e, &a.request_id)
}

// ---------------------------------------------------------------- schemas

#[derive(Serialize, ToSchema)]
#[schema(as = TimeoffPolicyOut)]
pub struct PolicyOut {
    pub id: i64,
    pub name: String,
    /// `annual`, `sick`, `unpaid` or `custom`.
    pub kind: String,
    /// `monthly`, `yearly` or `none`.
    pub accrual: String,
    /// Days a year at full time (decimal).
    pub entitlement_days: String,
    pub waiting_days: i64,
    pub carry_cap_days: String,
    /// 0: carried days never expire.
    pub carry_expiry_months: i64,
    pub allow_negative: bool,
    pub needs_approval: bool,
    pub active: bool,
    pub version: i64,
}

impl From<Policy> for PolicyOut {
    fn from(p: Policy) -> Self {
        PolicyOut {
            id: p.id,
            name: p.name,
            kind: p.kind,
            accrual: p.accrual,
            entitlement_days: days_text(p.entitlement_milli),
            waiting_days: p.waiting_days,
            carry_cap_days: days_text(p.carry_cap_milli),
            carry_expiry_months: p.carry_expiry_months,
            allow_negative: p.allow_negative,
            needs_approval: p.needs_approval,
            active: p.active,
            version: p.version,
        }
    }
}

/// Declares a time-off policy's body: the fields a create and a change share, then a
/// change's own (its `version`), with `input()`. One list, so the two cannot drift; not
/// `serde(flatten)`, which loses the path of the field at fault (a wrong `waiting_days`
/// would be reported on `body`).
macro_rules! policy_body {
    ($(#[$attr:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            #[schema(schema_with = crate::api::contract::nonblank::<100>)]
            name: String,
            /// `annual`, `sick`, `unpaid` or `custom` (default).
            #[serde(default)]
            #[schema(schema_with = policy_kind)]
            kind: Option<String>,
            /// `monthly`, `yearly` or `none` (default).
            #[serde(default)]
            #[schema(schema_with = accrual)]
            accrual: Option<String>,
            /// Days a year at full time, 0 to 366, e.g. `25` or `12.5`.
            #[serde(default)]
            #[schema(schema_with = days_366)]
            entitlement_days: Option<String>,
            #[serde(default)]
            #[schema(minimum = 0, maximum = 3650)]
            waiting_days: Option<i64>,
            /// Days, 0 to 366.
            #[serde(default)]
            #[schema(schema_with = days_366)]
            carry_cap_days: Option<String>,
            /// Whole months, 0 (never) to 120.
            #[serde(default)]
            #[schema(minimum = 0, maximum = 120)]
            carry_expiry_months: Option<i64>,
            #[serde(default)]
            allow_negative: bool,
            /// Default true.
            #[serde(default)]
            needs_approval: Option<bool>,
            /// Default true.
            #[serde(default)]
            active: Option<bool>,
            $($own)*
        }

        impl $name {
            fn input(&self) -> PolicyInput {
                PolicyInput {
                    name: self.name.clone(),
                    kind: self.kind.clone().unwrap_or_else(|| "custom".into()),
                    accrual: self.accrual.clone().unwrap_or_else(|| "none".into()),
                    entitlement_days: self.entitlement_days.clone().unwrap_or_default(),
                    waiting_days: self.waiting_days.map(|v| v.to_string()).unwrap_or_default(),
                    carry_cap_days: self.carry_cap_days.clone().unwrap_or_default(),
                    carry_expiry_months: self
                        .carry_expiry_months
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    allow_negative: self.allow_negative,
                    needs_approval: self.needs_approval.unwrap_or(true),
                    active: self.active.unwrap_or(true),
                }
            }
        }
    };
}

policy_body! {
    /// A new time-off policy.
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[schema(as = TimeoffPolicyIn)]
    pub struct PolicyIn {}
}

policy_body! {
    /// A policy's new fields (as [`PolicyIn`]) and the `version` read (required; read as
    /// optional so that who may change policies is settled first, then
    /// `core::hr::timeoff::update_policy` refuses a missing one).
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[schema(as = TimeoffPolicyUpdateIn)]
    pub struct PolicyUpdateIn {
        /// The `version` you read.
        #[serde(default)]
        #[schema(value_type = i64, minimum = 1, required = true)]
        version: Option<i64>,
    }
}

fn policy_kind() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = timeoff::POLICY_KINDS.iter().map(|(k, _)| *k).collect();
    crate::api::contract::one_of(&keys, true)
}

fn accrual() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = timeoff::ACCRUALS.iter().map(|(k, _)| *k).collect();
    crate::api::contract::one_of(&keys, true)
}

/// Days as `core::hr::timeoff::accrual::parse_days` reads them, 0 to 366 with at most
/// three decimals; empty or null for 0.
fn days_366() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(
            r"^$|^(0*([0-9]{1,2}|[12][0-9]{2}|3[0-5][0-9]|36[0-5])(\.[0-9]{0,3})?|0*366(\.0{0,3})?|\.[0-9]{1,3})$",
        ))
        .build()
}

#[derive(Serialize, ToSchema)]
#[schema(as = TimeoffBalanceOut)]
pub struct BalanceOut {
    pub policy: PolicyOut,
    /// Days: the sum of the ledger.
    pub balance: String,
    pub balance_milli: i64,
    /// Days asked for and waiting for approval.
    pub pending: String,
    /// What a new request may take.
    pub available: String,
}

impl From<Balance> for BalanceOut {
    fn from(b: Balance) -> Self {
        BalanceOut {
            balance: b.balance(),
            pending: b.pending(),
            available: b.available(),
            balance_milli: b.balance_milli,
            policy: b.policy.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BalancesOut {
    /// Absent when the caller has no employee record (and asked for their own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee: Option<String>,
    pub balances: Vec<BalanceOut>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerLineOut {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `accrual`, `use`, `carry_over`, `expiry` or `adjustment`.
    pub kind: String,
    /// Signed days.
    pub amount: String,
    pub amount_milli: i64,
    /// The balance after this row.
    pub running: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    pub note: String,
}

impl From<LedgerLine> for LedgerLineOut {
    fn from(l: LedgerLine) -> Self {
        LedgerLineOut {
            amount: l.amount(),
            running: l.running(),
            id: l.row.id,
            day: l.row.day.to_string(),
            kind: l.row.kind,
            amount_milli: l.row.amount_milli,
            request_id: l.row.request_id,
            period: l.row.period,
            note: l.row.note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub employee_id: i64,
    pub employee: String,
    pub policy_id: i64,
    pub policy: String,
    /// `YYYY-MM-DD`.
    pub start: String,
    /// `am` (whole first day) or `pm` (from midday).
    pub start_half: String,
    pub end: String,
    /// `pm` (whole last day) or `am` (until midday).
    pub end_half: String,
    /// Working days on the employee's calendar.
    pub days: String,
    pub amount_milli: i64,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    pub note: String,
    pub decision_note: String,
    /// The approval request deciding it (`/api/v1/approvals/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<i64>,
    pub created_at: String,
}

impl From<Request> for RequestOut {
    fn from(r: Request) -> Self {
        RequestOut {
            days: r.days(),
            id: r.id,
            employee_id: r.employee_id.0,
            employee: r.employee_name,
            policy_id: r.policy_id,
            policy: r.policy_name,
            start: r.span.start.to_string(),
            start_half: if r.span.start_pm { "pm" } else { "am" }.into(),
            end: r.span.end.to_string(),
            end_half: if r.span.end_am { "am" } else { "pm" }.into(),
            amount_milli: r.amount_milli,
            status: r.status,
            note: r.note,
            decision_note: r.decision_note,
            approval_id: r.approval_id,
            created_at: r.created_at.rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestIn {
    policy_id: i64,
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::api::contract::day)]
    start: String,
    /// `am` (default) or `pm`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::half_day)]
    start_half: Option<String>,
    /// `YYYY-MM-DD`, on or after `start`, less than 366 days after it.
    #[schema(schema_with = crate::api::contract::day)]
    end: String,
    /// `pm` (default) or `am`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::half_day)]
    end_half: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    note: String,
    /// HR staff recording someone's time off (approved at once).
    #[serde(default)]
    employee_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AccrueOut {
    /// Ledger rows written (0 when everything was accrued already).
    pub written: usize,
}

// ---------------------------------------------------------------- handlers

/// The time-off policies.
#[utoipa::path(get, path = "/api/v1/hr/timeoff/policies", tag = "hr",
    responses((status = 200, body = Vec<PolicyOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn policies<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ps = timeoff::policies(&state.store, &a.actor)
        .await
        .map_err(err(&a))?;
    Ok(ok(ps.into_iter().map(PolicyOut::from).collect::<Vec<_>>()))
}

/// Creates a policy (HR staff).
#[utoipa::path(post, path = "/api/v1/hr/timeoff/policies", tag = "hr", request_body = PolicyIn,
    responses((status = 201, body = PolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_policy<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<PolicyIn>,
) -> Result<Response, ApiError> {
    let p = timeoff::create_policy(&state.store, &a.actor, &b.input())
        .await
        .map_err(err(&a))?;
    Ok(created(PolicyOut::from(p)))
}

/// Changes a policy (HR staff) with the `version` read; 409 when it changed since.
#[utoipa::path(put, path = "/api/v1/hr/timeoff/policies/{id}", tag = "hr", params(("id" = i64, Path)), request_body = PolicyUpdateIn,
    responses((status = 200, body = PolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_policy<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PolicyUpdateIn>,
) -> Result<Response, ApiError> {
    let version = b.version.unwrap_or(0);
    let p = timeoff::update_policy(&state.store, &a.actor, id, &b.input(), version)
        .await
        .map_err(err(&a))?;
    Ok(ok(PolicyOut::from(p)))
}

#[derive(Serialize, ToSchema)]
pub struct HolidayOut {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub name: String,
    /// Only the afternoon is off.
    pub half_day: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarOut {
    pub id: i64,
    pub name: String,
    /// Worked weekdays, 1 (Monday) to 7, e.g. `12345`.
    pub weekdays: String,
    /// The calendar of everyone whose location has none.
    pub is_default: bool,
    pub holidays: Vec<HolidayOut>,
}

impl From<CalendarRow> for CalendarOut {
    fn from(c: CalendarRow) -> Self {
        CalendarOut {
            id: c.id,
            name: c.name,
            weekdays: timeoff::calendar::weekdays_text(&c.weekdays),
            is_default: c.is_default,
            holidays: c
                .holidays
                .into_iter()
                .map(|h| HolidayOut {
                    day: h.day.to_string(),
                    name: h.name,
                    half_day: h.half_day,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarIn {
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    name: String,
    /// Worked weekdays, 1 (Monday) to 7; default `12345`.
    #[serde(default)]
    #[schema(pattern = "^[1-7]+$")]
    weekdays: Option<String>,
    /// Make it the company's default calendar.
    #[serde(default)]
    is_default: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayIn {
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::api::contract::date)]
    day: String,
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    name: String,
    /// Only the afternoon is off.
    #[serde(default)]
    half_day: bool,
}

async fn calendar_out<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    id: i64,
) -> Result<CalendarOut, ApiError> {
    timeoff::calendars(&state.store, &a.actor)
        .await
        .map_err(err(a))?
        .into_iter()
        .find(|c| c.id == id)
        .map(CalendarOut::from)
        .ok_or_else(|| err(a)(Error::NotFound { entity: "calendar" }))
}

/// The working calendars with their holidays (everyone who uses time off).
#[utoipa::path(get, path = "/api/v1/hr/timeoff/calendars", tag = "hr",
    responses((status = 200, body = Vec<CalendarOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn calendars<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let cs = timeoff::calendars(&state.store, &a.actor)
        .await
        .map_err(err(&a))?;
    Ok(ok(cs
        .into_iter()
        .map(CalendarOut::from)
        .collect::<Vec<_>>()))
}

/// Creates a working calendar (HR staff); give it to a location with
/// `PUT /api/v1/hr/locations/{id}`.
#[utoipa::path(post, path = "/api/v1/hr/timeoff/calendars", tag = "hr", request_body = CalendarIn,
    responses((status = 201, body = CalendarOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_calendar<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<CalendarIn>,
) -> Result<Response, ApiError> {
    let id = timeoff::create_calendar(
        &state.store,
        &a.actor,
        &b.name,
        b.weekdays.as_deref().unwrap_or("12345"),
        b.is_default,
    )
    .await
    .map_err(err(&a))?;
    Ok(created(calendar_out(&state, &a, id).await?))
}

/// Adds a holiday to a calendar (HR staff); a second holiday on the same day is 422 on
/// `day`. Answers the calendar with its holidays.
#[utoipa::path(post, path = "/api/v1/hr/timeoff/calendars/{id}/holidays", tag = "hr", params(("id" = i64, Path)), request_body = HolidayIn,
    responses((status = 201, body = CalendarOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_holiday<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<HolidayIn>,
) -> Result<Response, ApiError> {
    timeoff::add_holiday(&state.store, &a.actor, id, &b.day, &b.name, b.half_day)
        .await
        .map_err(err(&a))?;
    Ok(created(calendar_out(&state, &a, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeParam {
    /// An employee id; the caller's own record when absent.
    employee: Option<i64>,
}

/// Balances per policy: the caller's own, or an employee's they may see (their reports',
/// everyone's for HR).
#[utoipa::path(get, path = "/api/v1/hr/timeoff/balances", tag = "hr", params(EmployeeParam),
    responses((status = 200, body = BalancesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn balances<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<EmployeeParam>,
) -> Result<Response, ApiError> {
    let id = match p.employee {
        Some(id) => EmployeeId(id),
        None => match timeoff::me(&state.store, &a.actor).await.map_err(err(&a))? {
            Some(m) => m.id,
            None => {
                if !a.actor.can(steward_core::auth::Permission::new(
                    steward_core::auth::Domain::Hr,
                    steward_core::auth::Action::Read,
                )) {
                    return Err(err(&a)(Error::Forbidden));
                }
                return Ok(ok(BalancesOut {
                    employee_id: None,
                    employee: None,
                    balances: Vec::new(),
                }));
            }
        },
    };
    let (e, b) = timeoff::balances(&state.store, &a.actor, id)
        .await
        .map_err(err(&a))?;
    Ok(ok(BalancesOut {
        employee_id: Some(e.id.0),
        employee: Some(e.name),
        balances: b.into_iter().map(BalanceOut::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// An employee id; the caller's own record when absent.
    employee: Option<i64>,
    /// Required.
    #[param(required = true)]
    policy: Option<i64>,
}

/// The ledger of one employee and policy, with the running balance: the balance explained
/// line by line.
#[utoipa::path(get, path = "/api/v1/hr/timeoff/ledger", tag = "hr", params(LedgerParams),
    responses((status = 200, body = Vec<LedgerLineOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn ledger<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<LedgerParams>,
) -> Result<Response, ApiError> {
    let policy = p
        .policy
        .ok_or_else(|| Error::invalid("policy", "a policy id is required"))
        .map_err(err(&a))?;
    let id = match p.employee {
        Some(id) => EmployeeId(id),
        None => timeoff::me(&state.store, &a.actor)
            .await
            .map_err(err(&a))?
            .map(|m| m.id)
            .ok_or(Error::NotFound { entity: "employee" })
            .map_err(err(&a))?,
    };
    let (_, _, lines) = timeoff::ledger(&state.store, &a.actor, id, policy)
        .await
        .map_err(err(&a))?;
    Ok(ok(lines
        .into_iter()
        .map(LedgerLineOut::from)
        .collect::<Vec<_>>()))
}

fn request_status_param() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = timeoff::STATUSES.iter().map(|(k, _)| *k).collect();
    crate::api::contract::filter(&keys)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search in the employee's name and the note.
    q: Option<String>,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    #[param(schema_with = request_status_param)]
    status: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    policy: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    employee: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    department: Option<String>,
    /// Requests ending on or after this day.
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// Requests starting on or before this day.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `start`, `employee`, `policy`, `status`, `days` or `created`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::hr::timeoff::RequestSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn query(p: &ListParams) -> Result<RequestQuery, Error> {
    let mut q = RequestQuery::filters_from(|k| match k {
        "q" => p.q.clone(),
        "status" => p.status.clone(),
        "policy" => p.policy.clone(),
        "employee" => p.employee.clone(),
        "department" => p.department.clone(),
        "from" => p.from.clone(),
        "to" => p.to.clone(),
        _ => None,
    })?;
    let (sort, dir) = sort_and_dir::<RequestSort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.sort = sort;
    // Newest first unless asked otherwise.
    q.dir = if p.dir.as_deref().is_none_or(|d| d.trim().is_empty()) {
        SortDir::Desc
    } else {
        dir
    };
    q.paging = if p.format.is_some() {
        Paging::export()
    } else {
        Paging::new(p.limit, p.offset)
    };
    Ok(q)
}

/// Requests within the caller's reach: their own and their reports' (everyone's for HR
/// staff and auditors).
#[utoipa::path(get, path = "/api/v1/hr/timeoff/requests", tag = "hr", params(ListParams),
    responses((status = 200, body = ListOf<RequestOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ListParams>,
) -> Result<Response, ApiError> {
    let q = query(&p).map_err(err(&a))?;
    let export = crate::list::api_export_format(p.format.as_deref()).map_err(err(&a))?;
    let page = timeoff::list_requests(&state.store, &a.actor, &q)
        .await
        .map_err(err(&a))?;
    if let Some(format) = export {
        return Ok(crate::list::export(
            format,
            "timeoff-requests",
            timeoff::EXPORT_HEADERS,
            page.items.iter().map(timeoff::export_row).collect(),
        ));
    }
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(RequestOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Asks for time off: the request waits for the manager's approval (see
/// `/api/v1/approvals`), unless the policy needs none. HR staff may record time off for
/// an employee (`employee_id`), approved at once.
#[utoipa::path(post, path = "/api/v1/hr/timeoff/requests", tag = "hr", request_body = RequestIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer")),
    responses((status = 201, body = RequestOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<RequestIn>,
) -> Result<Response, ApiError> {
    let input = RequestInput {
        employee_id: b.employee_id.map(EmployeeId),
        policy_id: Some(b.policy_id),
        start: b.start,
        start_half: b.start_half.unwrap_or_default(),
        end: b.end,
        end_half: b.end_half.unwrap_or_default(),
        note: b.note,
    };
    let r = timeoff::request(&state.store, &a.actor, &input)
        .await
        .map_err(err(&a))?;
    Ok(created(RequestOut::from(r)))
}

/// One request (404 outside the caller's reach).
#[utoipa::path(get, path = "/api/v1/hr/timeoff/requests/{id}", tag = "hr", params(("id" = i64, Path)),
    responses((status = 200, body = RequestOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = timeoff::get_request(&state.store, &a.actor, id)
        .await
        .map_err(err(&a))?;
    Ok(ok(RequestOut::from(r)))
}

/// Cancels a pending request, or an approved one not yet begun (the ledger row is
/// reversed).
#[utoipa::path(post, path = "/api/v1/hr/timeoff/requests/{id}/cancel", tag = "hr", params(("id" = i64, Path)),
    responses((status = 200, body = RequestOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = timeoff::cancel(&state.store, &a.actor, id)
        .await
        .map_err(err(&a))?;
    Ok(ok(RequestOut::from(r)))
}

/// Runs the accruals now (HR staff). Idempotent: a second run writes nothing.
#[utoipa::path(post, path = "/api/v1/hr/timeoff/accrue", tag = "hr",
    responses((status = 200, body = AccrueOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn accrue<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let written = timeoff::accrue(&state.store, &a.actor, timeoff::today())
        .await
        .map_err(err(&a))?;
    Ok(ok(AccrueOut { written }))
}
