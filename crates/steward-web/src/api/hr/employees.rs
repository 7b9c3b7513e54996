//! `/api/v1/hr/employees/…` and `/api/v1/hr/fields/…`: employee records as JSON. List
//! (filters, sort, paging, CSV/XLSX export of the columns the caller sees), hire, read (also
//! `?as_of=YYYY-MM-DD`), change with `version` (job changes effective on a date; an
//! employee's sensitive changes go to HR as a change request), contracts and pay, import,
//! custom fields and change requests. Every handler calls `steward_core::hr::employees`,
//! which authorizes; a field the caller may not see is absent from the JSON.
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use steward_core::hr::employees::{
    self, ContractInput, EmergencyContact, EmployeeInput, EmployeeQuery, EmployeeRow, EmployeeSort,
    EmployeeView,
};
use steward_core::hr::fields::{self, CustomField, FieldInput};
use steward_core::ids::EmployeeId;
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(import))
        .routes(routes!(get, update))
        .routes(routes!(add_contract))
        .routes(routes!(list_fields, create_field))
        .routes(routes!(update_field))
        .routes(routes!(get_change))
}

fn err(a: &ApiActor) -> impl Fn(Error) -> ApiError + '_ {
    move |e| ApiError::new(e, &a.request_id)
}

// ---------------------------------------------------------------- schemas

#[derive(Serialize, ToSchema)]
pub struct Ref {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = EmployeeJobOut)]
pub struct JobOut {
    pub effective_date: String,
    pub position: String,
    pub department_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub location_id: Option<i64>,
    pub employment_type: String,
    pub fte_milli: i64,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContractOut {
    pub id: i64,
    pub effective_date: String,
    pub end_date: Option<String>,
    pub contract_type: String,
    /// Decimal, in `currency`.
    pub pay: String,
    pub pay_minor: i64,
    pub currency: String,
    /// `year`, `month` or `hour`.
    pub frequency: String,
    pub hours_per_week_milli: Option<i64>,
    pub note: String,
}

impl From<employees::Contract> for ContractOut {
    fn from(c: employees::Contract) -> Self {
        ContractOut {
            pay: c.pay_text(),
            id: c.id,
            effective_date: c.effective_date.to_string(),
            end_date: c.end_date.map(|d| d.to_string()),
            contract_type: c.contract_type,
            pay_minor: c.pay_minor,
            currency: c.currency,
            frequency: c.frequency,
            hours_per_week_milli: c.hours_per_week_milli,
            note: c.note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmergencyContactOut {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// An employee. Groups the caller may not see are absent: job data (managers, HR, auditors,
/// the employee), personal data and pay (HR and the employee).
#[derive(Serialize, ToSchema)]
pub struct EmployeeOut {
    pub id: i64,
    /// The preferred name, else the legal name.
    pub name: String,
    pub position: String,
    pub department: Option<Ref>,
    pub manager: Option<Ref>,
    pub location: Option<Ref>,
    pub work_email: String,
    pub work_phone: String,
    /// The day the job data is shown for.
    pub as_of: String,
    /// `colleague`, `manager`, `myself` or `hr`.
    pub relation: String,
    // job
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fte_milli: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probation_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// `future`, `active` or `leaver` on `as_of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_history: Option<Vec<JobOut>>,
    // personal
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emergency_contacts: Option<Vec<EmergencyContactOut>>,
    // pay
    /// The contract in force on `as_of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<Vec<ContractOut>>,
    /// Custom field values the caller may see, by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Set when sensitive self-service changes went to HR for approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_request_id: Option<i64>,
}

fn opt_ref<T: Into<i64>>(id: Option<T>, name: String) -> Option<Ref> {
    id.map(|i| Ref { id: i.into(), name })
}

impl From<EmployeeView> for EmployeeOut {
    fn from(v: EmployeeView) -> Self {
        let vis = v.visibility;
        let e = v.employee;
        let job = vis.job;
        let personal = vis.personal;
        let relation = serde_json::to_value(vis.relation)
            .ok()
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap_or_default();
        let show_custom = !e.custom.is_empty() || job;
        EmployeeOut {
            id: e.id.0,
            name: e.name().to_string(),
            position: e.position.clone(),
            department: opt_ref(e.department_id.map(|d| d.0), e.department_name.clone()),
            manager: opt_ref(e.manager_id.map(|d| d.0), e.manager_name.clone()),
            location: opt_ref(e.location_id.map(|d| d.0), e.location_name.clone()),
            work_email: e.work_email.clone(),
            work_phone: e.work_phone.clone(),
            as_of: v.as_of.to_string(),
            relation,
            employee_number: job.then(|| e.employee_number.clone()),
            user_id: if job { e.user_id.map(|u| u.0) } else { None },
            employment_type: job.then(|| e.employment_type.clone()),
            fte_milli: job.then_some(e.fte_milli),
            start_date: job.then(|| e.start_date.to_string()),
            probation_end: if job {
                e.probation_end.map(|d| d.to_string())
            } else {
                None
            },
            end_date: if job {
                e.end_date.map(|d| d.to_string())
            } else {
                None
            },
            end_reason: job.then(|| e.end_reason.clone()),
            status: job.then(|| e.status.clone()),
            job_history: job.then(|| {
                v.job_history
                    .iter()
                    .map(|j| JobOut {
                        effective_date: j.effective_date.to_string(),
                        position: j.position.clone(),
                        department_id: j.department_id.map(|d| d.0),
                        manager_id: j.manager_id.map(|d| d.0),
                        location_id: j.location_id.map(|d| d.0),
                        employment_type: j.employment_type.clone(),
                        fte_milli: j.fte_milli,
                        reason: j.reason.clone(),
                    })
                    .collect()
            }),
            legal_name: personal.then(|| e.legal_name.clone()),
            preferred_name: personal.then(|| e.preferred_name.clone()),
            birth_date: if personal {
                e.birth_date.map(|d| d.to_string())
            } else {
                None
            },
            personal_email: personal.then(|| e.personal_email.clone()),
            personal_phone: personal.then(|| e.personal_phone.clone()),
            home_address: personal.then(|| e.home_address.clone()),
            postal_address: personal.then(|| e.postal_address.clone()),
            national_id: personal.then(|| e.national_id.clone()),
            tax_id: personal.then(|| e.tax_id.clone()),
            emergency_contacts: personal.then(|| {
                e.emergency_contacts
                    .iter()
                    .map(|c| EmergencyContactOut {
                        name: c.name.clone(),
                        relation: c.relation.clone(),
                        phone: c.phone.clone(),
                    })
                    .collect()
            }),
            contract: if vis.pay {
                v.contract.map(ContractOut::from)
            } else {
                None
            },
            contracts: vis
                .pay
                .then(|| v.contracts.into_iter().map(ContractOut::from).collect()),
            custom: show_custom.then(|| e.custom.clone()),
            version: (job || personal).then_some(e.version),
            change_request_id: None,
        }
    }
}

/// A row of the list: the directory, and job columns for HR staff and auditors.
#[derive(Serialize, ToSchema)]
pub struct EmployeeRowOut {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub department: Option<Ref>,
    pub manager: Option<Ref>,
    pub location: Option<Ref>,
    pub work_email: String,
    pub work_phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fte_milli: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn row_out(r: EmployeeRow, job: bool) -> EmployeeRowOut {
    EmployeeRowOut {
        id: r.id.0,
        name: r.name,
        position: r.position,
        department: opt_ref(r.department_id.map(|d| d.0), r.department_name),
        manager: opt_ref(r.manager_id.map(|d| d.0), r.manager_name),
        location: opt_ref(r.location_id.map(|d| d.0), r.location_name),
        work_email: r.work_email,
        work_phone: r.work_phone,
        employee_number: job.then_some(r.employee_number),
        employment_type: job.then_some(r.employment_type),
        fte_milli: job.then_some(r.fte_milli),
        start_date: job.then(|| r.start_date.to_string()),
        end_date: if job {
            r.end_date.map(|d| d.to_string())
        } else {
            None
        },
        status: job.then_some(r.status),
    }
}

// ---------------------------------------------------------------- list and hire

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeListParams {
    /// Search in name, number, work e-mail and position.
    q: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    department: Option<String>,
    #[param(schema_with = crate::api::contract::id_param)]
    location: Option<String>,
    /// The manager's employee id.
    #[param(schema_with = crate::api::contract::id_param)]
    manager: Option<String>,
    /// `future`, `active` or `leaver` (HR staff and auditors; everyone else sees active staff).
    #[param(schema_with = status_param)]
    status: Option<String>,
    /// HR staff and auditors.
    #[param(schema_with = employment_type_param)]
    employment_type: Option<String>,
    /// `name`, `position`, `department`, `location`; HR staff and auditors also `number`,
    /// `start`, `status`, `employment_type`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::hr::employees::EmployeeSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list (the columns the caller sees).
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn status_param() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(steward_core::hr::STATUSES)
}

fn employment_type_param() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(steward_core::hr::EMPLOYMENT_TYPES)
}

fn employment_type() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(steward_core::hr::EMPLOYMENT_TYPES, true)
}

fn contract_type() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(steward_core::hr::employees::CONTRACT_TYPES, false)
}

fn pay_frequency() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(steward_core::hr::employees::PAY_FREQUENCIES, false)
}

fn query(p: &EmployeeListParams) -> Result<EmployeeQuery, Error> {
    let mut q = EmployeeQuery::filters_from(|k| match k {
        "q" => p.q.clone(),
        "department" => p.department.clone(),
        "location" => p.location.clone(),
        "manager" => p.manager.clone(),
        "status" => p.status.clone(),
        "employment_type" => p.employment_type.clone(),
        _ => None,
    })?;
    (q.sort, q.dir) =
        crate::api::contract::sort_and_dir::<EmployeeSort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.paging = if p.format.is_some() {
        Paging::export()
    } else {
        Paging::new(p.limit, p.offset)
    };
    Ok(q)
}

/// The employee list: everyone sees the directory; HR staff and auditors see job columns
/// and may filter and sort by them.
#[utoipa::path(get, path = "/api/v1/hr/employees", tag = "hr", params(EmployeeListParams),
    responses((status = 200, body = ListOf<EmployeeRowOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<EmployeeListParams>,
) -> Result<Response, ApiError> {
    let q = query(&p).map_err(err(&a))?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err(&a))? {
        let items = employees::export_employees(&state.store, &a.actor, &q)
            .await
            .map_err(err(&a))?;
        return Ok(crate::list::export(
            format,
            "employees",
            &employees::export_headers(&a.actor),
            items
                .iter()
                .map(|r| employees::export_row(&a.actor, r))
                .collect(),
        ));
    }
    let page = employees::list_employees(&state.store, &a.actor, &q)
        .await
        .map_err(err(&a))?;
    let job = employees::reads_job_data(&a.actor);
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(|r| row_out(r, job))
            .collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContractIn {
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::api::contract::date)]
    effective_date: String,
    /// `YYYY-MM-DD`; empty or null for none.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    end_date: Option<String>,
    /// `permanent`, `fixed_term`, `part_time`, `contractor`, `intern`, `apprentice`, `other`.
    #[schema(schema_with = contract_type)]
    contract_type: String,
    /// A non-negative decimal amount in the currency's precision, e.g. `52000.00`.
    #[schema(schema_with = crate::api::contract::amount::<2, false>)]
    pay: String,
    #[schema(schema_with = crate::api::contract::currency)]
    currency: String,
    /// `year`, `month` or `hour`.
    #[schema(schema_with = pay_frequency)]
    frequency: String,
    /// 0 to 168, at most three decimals, e.g. `37.5`; empty or null for none.
    #[serde(default)]
    #[schema(schema_with = hours_per_week)]
    hours_per_week: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<1000, false>)]
    note: String,
}

/// `core::hr::employees::check_contract`: 0 to 168 hours with at most three decimals.
fn hours_per_week() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(
            r"^$|^[+]?(0*([0-9]{1,2}|1[0-5][0-9]|16[0-7])(\.[0-9]{0,3})?|0*168(\.0{0,3})?|\.[0-9]{1,3})$",
        ))
        .build()
}

impl From<ContractIn> for ContractInput {
    fn from(c: ContractIn) -> Self {
        ContractInput {
            effective_date: c.effective_date,
            end_date: c.end_date,
            contract_type: c.contract_type,
            pay: c.pay,
            currency: c.currency,
            frequency: c.frequency,
            hours_per_week: c.hours_per_week,
            note: c.note,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContactIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<60, false>)]
    relation: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<60, false>)]
    phone: String,
}

/// A hire: `employee_number`, `legal_name` and `start_date` are required; the rest
/// may be absent or null. (The required ones are read as optional so that who may hire is
/// settled before what is missing: `core::hr::employees` refuses their absence.)
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmployeeIn {
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<40, true>, required = true)]
    employee_number: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<200, true>, required = true)]
    legal_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    preferred_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_record_email::<200>)]
    work_email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    work_phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    birth_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_record_email::<200>)]
    personal_email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    personal_phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    home_address: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    postal_address: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    national_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    tax_id: Option<String>,
    #[serde(default)]
    #[schema(max_items = 10)]
    emergency_contacts: Option<Vec<EmergencyContactIn>>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    position: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1)]
    department_id: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1)]
    manager_id: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1)]
    location_id: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1)]
    user_id: Option<i64>,
    /// One of `permanent`, `fixed_term`, `part_time`, `contractor`, `intern`, `apprentice`.
    #[serde(default)]
    #[schema(schema_with = employment_type)]
    employment_type: Option<String>,
    /// Thousandths of full time (1000 by default).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    fte_milli: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::date, required = true)]
    start_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    probation_end: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    end_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    end_reason: Option<String>,
    /// Custom field values by key (`GET /api/v1/hr/fields`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    /// The first contract.
    #[serde(default)]
    contract: Option<ContractIn>,
}

/// A change: absent or null fields keep their value (`null` clears an id, `""` a date or
/// text); `version` is the one you read.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmployeePatchIn {
    #[serde(default)]
    #[schema(schema_with = opt_required_text::<40>)]
    employee_number: Option<String>,
    #[serde(default)]
    #[schema(schema_with = opt_required_text::<200>)]
    legal_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    preferred_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_record_email::<200>)]
    work_email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    work_phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    birth_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_record_email::<200>)]
    personal_email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    personal_phone: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    home_address: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<1000>)]
    postal_address: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    national_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<60>)]
    tax_id: Option<String>,
    #[serde(default)]
    #[schema(max_items = 10)]
    emergency_contacts: Option<Vec<EmergencyContactIn>>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    position: Option<String>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    manager_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    location_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    user_id: Option<Option<i64>>,
    #[serde(default)]
    #[schema(schema_with = employment_type)]
    employment_type: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    fte_milli: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::nullable_date)]
    start_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    probation_end: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    end_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    end_reason: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    /// When job changes take effect (today when absent or empty).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_date)]
    effective_date: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<200>)]
    change_reason: Option<String>,
    /// The `version` you read.
    version: i64,
}

/// Text that may be absent or null (kept), but not blank when sent.
fn opt_required_text<const MAX: usize>() -> utoipa::openapi::schema::Object {
    let mut o = crate::api::contract::text::<MAX, true>();
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::schema::Type::String,
        utoipa::openapi::schema::Type::Null,
    ]);
    o
}

fn some<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn hire_input(b: EmployeeIn) -> (EmployeeInput, Option<ContractIn>) {
    (
        EmployeeInput {
            employee_number: b.employee_number,
            legal_name: b.legal_name,
            preferred_name: b.preferred_name,
            work_email: b.work_email,
            work_phone: b.work_phone,
            birth_date: b.birth_date,
            personal_email: b.personal_email,
            personal_phone: b.personal_phone,
            home_address: b.home_address,
            postal_address: b.postal_address,
            national_id: b.national_id,
            tax_id: b.tax_id,
            emergency_contacts: b.emergency_contacts.map(contacts),
            position: b.position,
            department_id: b.department_id.map(Some),
            manager_id: b.manager_id.map(Some),
            location_id: b.location_id.map(Some),
            user_id: b.user_id.map(Some),
            employment_type: b.employment_type,
            fte_milli: b.fte_milli,
            start_date: b.start_date,
            probation_end: b.probation_end,
            end_date: b.end_date,
            end_reason: b.end_reason,
            custom: b.custom,
            effective_date: None,
            change_reason: None,
        },
        b.contract,
    )
}

fn contacts(v: Vec<EmergencyContactIn>) -> Vec<EmergencyContact> {
    v.into_iter()
        .map(|c| EmergencyContact {
            name: c.name,
            relation: c.relation,
            phone: c.phone,
        })
        .collect()
}

fn patch_input(b: EmployeePatchIn) -> (EmployeeInput, i64) {
    (
        EmployeeInput {
            employee_number: b.employee_number,
            legal_name: b.legal_name,
            preferred_name: b.preferred_name,
            work_email: b.work_email,
            work_phone: b.work_phone,
            birth_date: b.birth_date,
            personal_email: b.personal_email,
            personal_phone: b.personal_phone,
            home_address: b.home_address,
            postal_address: b.postal_address,
            national_id: b.national_id,
            tax_id: b.tax_id,
            emergency_contacts: b.emergency_contacts.map(contacts),
            position: b.position,
            department_id: b.department_id,
            manager_id: b.manager_id,
            location_id: b.location_id,
            user_id: b.user_id,
            employment_type: b.employment_type,
            fte_milli: b.fte_milli,
            start_date: b.start_date,
            probation_end: b.probation_end,
            end_date: b.end_date,
            end_reason: b.end_reason,
            custom: b.custom,
            effective_date: b.effective_date,
            change_reason: b.change_reason,
        },
        b.version,
    )
}

/// Hires an employee (HR staff), with their first job row and optionally a contract.
#[utoipa::path(post, path = "/api/v1/hr/employees", tag = "hr", request_body = EmployeeIn,
    responses((status = 201, body = EmployeeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<EmployeeIn>,
) -> Result<Response, ApiError> {
    let (input, contract) = hire_input(b);
    let contract = contract.map(ContractInput::from);
    let v = employees::create_employee(&state.store, &a.actor, &input, contract.as_ref())
        .await
        .map_err(err(&a))?;
    state.recheck_health(a.actor.company_id, Some(v.employee.id));
    Ok(created(EmployeeOut::from(v)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    /// `YYYY-MM-DD`: the job data and contract in force on that day.
    #[param(schema_with = crate::api::contract::date_param)]
    as_of: Option<String>,
}

/// One employee, with the fields the caller may see.
#[utoipa::path(get, path = "/api/v1/hr/employees/{id}", tag = "hr", params(("id" = i64, Path), AsOfParams),
    responses((status = 200, body = EmployeeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<AsOfParams>,
) -> Result<Response, ApiError> {
    let as_of =
        crate::api::contract::parse_date_param("as_of", p.as_of.as_deref()).map_err(err(&a))?;
    let v = employees::get_employee(&state.store, &a.actor, EmployeeId(id), as_of)
        .await
        .map_err(err(&a))?;
    Ok(ok(EmployeeOut::from(v)))
}

/// Changes an employee. HR staff change everything (job changes take effect on
/// `effective_date`); the employee changes their own contact and emergency data, and
/// sensitive fields go to HR for approval (`change_request_id` in the answer). 409 when
/// `version` is stale.
#[utoipa::path(patch, path = "/api/v1/hr/employees/{id}", tag = "hr", params(("id" = i64, Path)), request_body = EmployeePatchIn,
    responses((status = 200, body = EmployeeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<EmployeePatchIn>,
) -> Result<Response, ApiError> {
    let (input, version) = patch_input(b);
    let out = employees::update_employee(&state.store, &a.actor, EmployeeId(id), &input, version)
        .await
        .map_err(err(&a))?;
    state.recheck_health(a.actor.company_id, Some(EmployeeId(id)));
    let mut o = EmployeeOut::from(out.view);
    o.change_request_id = out.change_request;
    Ok(ok(o))
}

/// Adds a contract or a pay change effective on its date (HR staff).
#[utoipa::path(post, path = "/api/v1/hr/employees/{id}/contracts", tag = "hr", params(("id" = i64, Path)), request_body = ContractIn,
    responses((status = 201, body = EmployeeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_contract<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ContractIn>,
) -> Result<Response, ApiError> {
    let v = employees::add_contract(&state.store, &a.actor, EmployeeId(id), &b.into())
        .await
        .map_err(err(&a))?;
    state.recheck_health(a.actor.company_id, Some(EmployeeId(id)));
    Ok(created(EmployeeOut::from(v)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and write nothing.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(as = EmployeeImportProblemOut)]
pub struct ImportProblemOut {
    line: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = EmployeeImportReportOut)]
pub struct ImportReportOut {
    dry_run: bool,
    rows: usize,
    created: u64,
    problems: Vec<ImportProblemOut>,
}

/// Imports employees from a CSV (`text/csv`) or XLSX body, all rows or none. Columns:
/// `employee_number`, `legal_name`, `start_date` (required), `preferred_name`,
/// `work_email`, `work_phone`, `position`, `department` (name or code), `manager_number`,
/// `location`, `employment_type`, `fte`, `probation_end`, `end_date`, `end_reason`. With
/// problems the answer is 422 and lists each by line and column.
#[utoipa::path(post, path = "/api/v1/hr/employees/import", tag = "hr", params(ImportParams),
    request_body(content = inline(crate::api::contract::TableUpload), content_type = "text/csv", description = "CSV or XLSX"),
    responses((status = 200, body = ImportReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = ImportReportOut)))]
pub async fn import<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ImportParams>,
    req: Request,
) -> Result<Response, ApiError> {
    let e = err(&a);
    // Who may import is settled before 50 MB are read.
    if !employees::can_import(&a.actor) {
        return Err(e(Error::Forbidden));
    }
    let name = match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if ct.contains("spreadsheetml") => "upload.xlsx",
        _ => "upload.csv",
    };
    let bytes = axum::body::to_bytes(req.into_body(), crate::IMPORT_BODY_LIMIT)
        .await
        .map_err(|_| {
            e(Error::TooLarge {
                limit: crate::IMPORT_BODY_LIMIT as u64,
            })
        })?;
    let table = crate::forms::parse_table(name, bytes).await.map_err(&e)?;
    let rows: Vec<(usize, Vec<String>)> =
        table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
    let r = employees::import_employees(&state.store, &a.actor, &table.headers, &rows, p.dry_run)
        .await
        .map_err(&e)?;
    let failed = !r.errors.is_empty();
    if !r.dry_run && !failed {
        state.recheck_health(a.actor.company_id, None);
    }
    let out = ImportReportOut {
        dry_run: r.dry_run,
        rows: r.rows,
        created: r.created,
        problems: r
            .errors
            .into_iter()
            .map(|p| ImportProblemOut {
                line: p.line,
                column: p.column,
                message: p.message,
            })
            .collect(),
    };
    let mut resp = ok(out);
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

// ---------------------------------------------------------------- custom fields

#[derive(Serialize, ToSchema)]
pub struct FieldOut {
    pub id: i64,
    pub key: String,
    pub label: String,
    /// `text`, `number`, `date`, `choice` or `file`.
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub sensitive: bool,
    pub help: String,
    pub position: i64,
    pub active: bool,
}

impl From<CustomField> for FieldOut {
    fn from(f: CustomField) -> Self {
        FieldOut {
            id: f.id,
            key: f.key,
            label: f.label,
            kind: f.kind,
            choices: f.choices,
            required: f.required,
            sensitive: f.sensitive,
            help: f.help,
            position: f.position,
            active: f.active,
        }
    }
}

/// A new custom field (`core::hr::fields::check` states the rules).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldIn {
    /// 1 to 40 lowercase letters, digits or `_`, starting with a letter; fixed once made.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    key: String,
    #[schema(schema_with = crate::api::contract::field_kind)]
    kind: String,
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    label: String,
    /// A `choice` field needs at least one choice.
    #[serde(default)]
    #[schema(schema_with = field_choices)]
    choices: Vec<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    help: String,
    #[serde(default)]
    position: i64,
    #[serde(default = "yes")]
    active: bool,
}

/// A custom field's new definition (as [`FieldIn`]): the key stays, and so does the kind
/// (send it, or leave it empty).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldUpdateIn {
    /// Ignored: the key stays.
    #[serde(default)]
    key: String,
    #[serde(default)]
    #[schema(schema_with = field_kind_or_empty)]
    kind: String,
    #[schema(schema_with = crate::api::contract::nonblank::<100>)]
    label: String,
    /// A `choice` field needs at least one choice.
    #[serde(default)]
    #[schema(schema_with = field_choices)]
    choices: Vec<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    help: String,
    #[serde(default)]
    position: i64,
    #[serde(default = "yes")]
    active: bool,
}

/// At most 100 choices of at most 100 characters.
fn field_choices() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::new(Type::String))
                .max_length(Some(100)),
        )
        .max_items(Some(100))
        .build()
}

fn field_kind_or_empty() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(fields::KINDS)
}

impl From<FieldUpdateIn> for FieldInput {
    fn from(f: FieldUpdateIn) -> Self {
        FieldInput::from(FieldIn {
            key: f.key,
            label: f.label,
            kind: f.kind,
            choices: f.choices,
            required: f.required,
            sensitive: f.sensitive,
            help: f.help,
            position: f.position,
            active: f.active,
        })
    }
}

fn yes() -> bool {
    true
}

impl From<FieldIn> for FieldInput {
    fn from(f: FieldIn) -> Self {
        FieldInput {
            key: f.key,
            label: f.label,
            kind: f.kind,
            choices: f.choices,
            required: f.required,
            sensitive: f.sensitive,
            help: f.help,
            position: f.position,
            active: f.active,
        }
    }
}

/// The company's custom fields for employee records.
#[utoipa::path(get, path = "/api/v1/hr/fields", tag = "hr",
    responses((status = 200, body = Vec<FieldOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_fields<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let f = fields::list_fields(&state.store, &a.actor)
        .await
        .map_err(err(&a))?;
    Ok(ok(f.into_iter().map(FieldOut::from).collect::<Vec<_>>()))
}

/// Defines a custom field (HR staff).
#[utoipa::path(post, path = "/api/v1/hr/fields", tag = "hr", request_body = FieldIn,
    responses((status = 201, body = FieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<FieldIn>,
) -> Result<Response, ApiError> {
    let f = fields::create_field(&state.store, &a.actor, &b.into())
        .await
        .map_err(err(&a))?;
    Ok(created(FieldOut::from(f)))
}

/// Changes a custom field (HR staff); its key stays.
#[utoipa::path(put, path = "/api/v1/hr/fields/{id}", tag = "hr", params(("id" = i64, Path)), request_body = FieldUpdateIn,
    responses((status = 200, body = FieldOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_field<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<FieldUpdateIn>,
) -> Result<Response, ApiError> {
    let f = fields::update_field(&state.store, &a.actor, id, &b.into())
        .await
        .map_err(err(&a))?;
    Ok(ok(FieldOut::from(f)))
}

#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    pub id: i64,
    pub employee: Ref,
    /// Field -> requested value.
    #[schema(value_type = Object)]
    pub changes: Map<String, Value>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub approval_id: Option<i64>,
    pub comment: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

/// A self-service change request (the employee and HR staff).
#[utoipa::path(get, path = "/api/v1/hr/changes/{id}", tag = "hr", params(("id" = i64, Path)),
    responses((status = 200, body = ChangeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_change<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let c = employees::get_change_request(&state.store, &a.actor, id)
        .await
        .map_err(err(&a))?;
    Ok(ok(ChangeOut {
        id: c.id,
        employee: Ref {
            id: c.employee_id.0,
            name: c.employee_name,
        },
        changes: c.changes,
        status: c.status,
        approval_id: c.approval_id,
        comment: c.comment,
        created_at: c.created_at.rfc3339(),
        decided_at: c.decided_at.map(|d| d.rfc3339()),
    }))
}
