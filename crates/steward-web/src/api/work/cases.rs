//! `/api/v1/cases`: front-office escalations. The front office opens cases and reads its own
//! (with the messages sent to the customer; internal notes, calls and SLA events are absent);
//! the back office works the queue with `POST /api/v1/cases/{id}/actions`, sets the service
//! levels and reads the compliance report.
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::time::Timestamp;
use steward_core::work::cases::{
    self, Case, CaseAction, CaseId, CaseInput, CaseQuery, CaseSort, CaseStatus, ComplianceRow,
    Holiday, LogEntry, Priority, SlaSettings, SlaTarget,
};
use steward_core::work::sla::{Hours, Zone, WEEKDAYS};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(list, create))
        .routes(routes!(sla_get, sla_put))
        .routes(routes!(report))
        .routes(routes!(staff))
        .routes(routes!(get))
        .routes(routes!(log))
        .routes(routes!(act))
}

fn ts(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::rfc3339)
}

/// A case.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    id: i64,
    customer_name: String,
    customer_email: String,
    customer_phone: String,
    customer_ref: String,
    subject: String,
    /// Markdown.
    description: String,
    category: String,
    /// `low`, `normal`, `high` or `urgent`.
    priority: String,
    /// `new`, `in_progress`, `waiting_on_customer`, `resolved` or `closed`.
    status: String,
    opened_by: i64,
    opened_by_name: String,
    assignee: Option<i64>,
    assignee_name: Option<String>,
    created_at: String,
    updated_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    /// `on_track`, `warning`, `breached`, `paused` or `met`.
    sla_state: String,
    first_response_due: Option<String>,
    resolution_due: Option<String>,
    /// Set while waiting on the customer (the timers stand still).
    paused_since: Option<String>,
    /// Business seconds spent waiting on the customer.
    paused_seconds: i64,
    response_breached: bool,
    resolution_breached: bool,
    /// Business seconds to the first response / the resolution, pauses excluded.
    first_response_seconds: Option<i64>,
    resolution_seconds: Option<i64>,
    resolution: String,
    resolution_category: String,
    /// Send it back with actions: 409 if the case changed since.
    version: i64,
}

impl From<Case> for CaseOut {
    fn from(c: Case) -> Self {
        CaseOut {
            id: c.id.0,
            customer_name: c.customer_name,
            customer_email: c.customer_email,
            customer_phone: c.customer_phone,
            customer_ref: c.customer_ref,
            subject: c.subject,
            description: c.description,
            category: c.category,
            priority: c.priority.as_str().into(),
            status: c.status.as_str().into(),
            opened_by: c.opened_by.0,
            opened_by_name: c.opened_by_name,
            assignee: c.assignee.map(|u| u.0),
            assignee_name: c.assignee_name,
            created_at: c.created_at.rfc3339(),
            updated_at: c.updated_at.rfc3339(),
            first_response_at: ts(c.first_response_at),
            resolved_at: ts(c.resolved_at),
            closed_at: ts(c.closed_at),
            sla_state: c.sla_state.as_str().into(),
            first_response_due: ts(c.first_response_due),
            resolution_due: ts(c.resolution_due),
            paused_since: ts(c.paused_since),
            paused_seconds: c.paused_micros / 1_000_000,
            response_breached: c.response_breached_at.is_some(),
            resolution_breached: c.resolution_breached_at.is_some(),
            first_response_seconds: c.first_response_micros.map(|m| m / 1_000_000),
            resolution_seconds: c.resolution_micros.map(|m| m / 1_000_000),
            resolution: c.resolution,
            resolution_category: c.resolution_category,
            version: c.version,
        }
    }
}

/// One entry of the communication log. The front office gets only what it may see:
/// messages to the customer, comments, status and assignment changes.
#[derive(Serialize, ToSchema)]
pub struct LogOut {
    id: i64,
    /// `note`, `message`, `call`, `comment`, `status`, `assign` or `sla`.
    kind: String,
    body: String,
    author: Option<i64>,
    author_name: String,
    /// For messages: where it was e-mailed.
    mail_to: Option<String>,
    created_at: String,
}

impl From<LogEntry> for LogOut {
    fn from(e: LogEntry) -> Self {
        LogOut {
            id: e.id,
            kind: e.kind.as_str().into(),
            body: e.body,
            author: e.author.map(|u| u.0),
            author_name: e.author_name,
            mail_to: e.mail_to,
            created_at: e.created_at.rfc3339(),
        }
    }
}

/// A case with its log.
#[derive(Serialize, ToSchema)]
pub struct CaseDetailOut {
    case: CaseOut,
    log: Vec<LogOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListParams {
    /// Search in subject, customer name, e-mail and reference, or a case number.
    q: Option<String>,
    /// A status, or `open` (new, in progress or waiting).
    #[param(schema_with = case_status_filter)]
    status: Option<String>,
    #[param(schema_with = case_priority_filter)]
    priority: Option<String>,
    /// `on_track`, `warning`, `breached`, `paused` or `met`.
    #[param(schema_with = sla_filter)]
    sla: Option<String>,
    /// A user id, `me` or `none`.
    #[param(pattern = "^\\s*(me|none|[1-9][0-9]{0,17})?\\s*$")]
    assignee: Option<String>,
    #[param(schema_with = category_filter)]
    category: Option<String>,
    /// `queue` (priority, then due time), `due`, `created`, `updated`, `priority`, `status`,
    /// `subject`, `customer`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::work::cases::CaseSort>)]
    sort: Option<String>,
    dir: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

crate::api::contract::filter_of!(
    case_status_filter,
    steward_core::work::cases::CaseStatus,
    "open"
);
crate::api::contract::filter_of!(case_priority_filter, steward_core::work::cases::Priority);
crate::api::contract::filter_of!(sla_filter, steward_core::work::cases::SlaState);

fn category_filter() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = steward_core::work::cases::CATEGORIES
        .iter()
        .map(|(k, _)| *k)
        .collect();
    crate::api::contract::filter(&keys)
}

fn query(a: &ApiActor, p: &CaseListParams) -> Result<CaseQuery, Error> {
    let mut q = CaseQuery::filters_from(a.actor.user_id, |k| match k {
        "q" => p.q.clone(),
        "status" => p.status.clone(),
        "priority" => p.priority.clone(),
        "sla" => p.sla.clone(),
        "assignee" => p.assignee.clone(),
        "category" => p.category.clone(),
        _ => None,
    })?;
    (q.sort, q.dir) =
        crate::api::contract::sort_and_dir::<CaseSort>(p.sort.as_deref(), p.dir.as_deref())?;
    q.paging = Paging::new(p.limit, p.offset);
    Ok(q)
}

/// The case queue (back office) or one's own cases (front office).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseListParams),
    responses((status = 200, body = ListOf<CaseOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<CaseListParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let q = query(&a, &p).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err)? {
        let items = cases::export_cases(&state.store, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            "cases",
            cases::EXPORT_HEADERS,
            items.iter().map(cases::export_row).collect(),
        ));
    }
    let page = cases::list_cases(&state.store, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(CaseOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// Cases in the document: service levels (a target for every priority, bounds as
/// `SlaSettings::validate` has them, working hours per weekday as `sla::Hours::parse` reads
/// them), each action with its own fields only (`deny_unknown_fields` on the variants), and
/// a case that can reach its customer (an e-mail address or a phone number).
pub(super) fn document(doc: &mut serde_json::Value, _: &steward_core::registry::Registry) {
    use crate::api::contract;
    use serde_json::json;
    use steward_core::work::cases::Priority;
    let every: Vec<serde_json::Value> = Priority::ALL
        .iter()
        .map(|p| {
            json!({ "contains": {
                "type": "object",
                "required": ["priority"],
                "properties": { "priority": { "const": p.as_str() } }
            } })
        })
        .collect();
    let names: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
    let minutes = json!({ "type": "integer", "format": "int64", "minimum": 1, "maximum": 525_600 });
    if let Some(t) = doc.pointer_mut("/components/schemas/TargetIO/properties") {
        t["priority"] = json!({ "type": "string", "enum": names });
        t["first_response_minutes"] = minutes.clone();
        t["resolution_minutes"] = minutes;
    }
    if let Some(sla) = doc.pointer_mut("/components/schemas/SlaIO/properties") {
        sla["targets"]["allOf"] = json!(every);
        sla["warn_percent"] =
            json!({ "type": "integer", "format": "int64", "minimum": 1, "maximum": 99 });
        sla["utc_offset_minutes"] =
            json!({ "type": ["integer", "null"], "minimum": -720, "maximum": 840 });
        let time = "([01][0-9]|2[0-3]):[0-5][0-9]";
        sla["hours"] = json!({
            "type": "object",
            "propertyNames": { "enum": steward_core::work::sla::WEEKDAYS },
            "additionalProperties": { "type": "string", "pattern": format!("^(-|{time}-({time}|24:00))?$") }
        });
    }
    if let Some(h) = doc.pointer_mut("/components/schemas/HolidayIO/properties") {
        h["day"] = json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" });
        h["name"] = json!({ "type": "string", "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$" });
    }
    contract::set_schema_key(
        doc,
        "ActionIn",
        "discriminator",
        json!({ "propertyName": "action" }),
    );
    if let Some(variants) = doc
        .pointer_mut("/components/schemas/ActionIn/oneOf")
        .and_then(serde_json::Value::as_array_mut)
    {
        for v in variants
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            v.insert(
                "additionalProperties".into(),
                serde_json::Value::Bool(false),
            );
        }
    }
    contract::set_schema_key(
        doc,
        "CaseIn",
        "anyOf",
        json!([
            { "required": ["customer_email"], "properties": { "customer_email": { "minLength": 1 } } },
            { "required": ["customer_phone"], "properties": { "customer_phone": { "minLength": 1 } } }
        ]),
    );
}

/// A new case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseIn {
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    customer_name: String,
    /// An e-mail address or a phone number is needed.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_email)]
    customer_email: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_phone)]
    customer_phone: String,
    /// The customer's number or order reference.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<100, false>)]
    customer_ref: String,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    subject: String,
    /// Markdown (no raw HTML is rendered).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<20000, false>)]
    description: String,
    /// `billing`, `delivery`, `product`, `account`, `complaint` or `other`.
    #[schema(schema_with = category_choice)]
    category: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    #[schema(schema_with = case_priority_opt)]
    priority: String,
}

/// Opens a case.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    responses((status = 201, body = CaseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<CaseIn>,
) -> Result<Response, ApiError> {
    let input = CaseInput {
        customer_name: b.customer_name,
        customer_email: b.customer_email,
        customer_phone: b.customer_phone,
        customer_ref: b.customer_ref,
        subject: b.subject,
        description: b.description,
        category: b.category,
        priority: b.priority,
    };
    let c = cases::create_case(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(CaseOut::from(c)))
}

/// A case with the log the caller may see.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetailOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let c = cases::get_case(&state.store, &a.actor, CaseId(id))
        .await
        .map_err(err)?;
    let log = cases::case_log(&state.store, &a.actor, CaseId(id))
        .await
        .map_err(err)?;
    Ok(ok(CaseDetailOut {
        case: c.into(),
        log: log.into_iter().map(LogOut::from).collect(),
    }))
}

/// The communication log the caller may see, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/log", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<LogOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn log<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let log = cases::case_log(&state.store, &a.actor, CaseId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(log.into_iter().map(LogOut::from).collect::<Vec<_>>()))
}

/// What to do to a case.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionIn {
    /// Assign to yourself.
    Take {
        #[serde(default)]
        version: Option<i64>,
    },
    /// Assign to someone who works cases (`assignee: null` unassigns).
    Assign {
        #[schema(schema_with = crate::api::contract::opt_id)]
        assignee: Option<i64>,
        #[serde(default)]
        note: String,
        #[serde(default)]
        version: Option<i64>,
    },
    /// An internal note (the front office never sees it).
    Note {
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        body: String,
        #[serde(default)]
        version: Option<i64>,
    },
    /// Notes of a phone call (internal).
    Call {
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        body: String,
        #[serde(default)]
        version: Option<i64>,
    },
    /// E-mails the customer (a `mail.send` job) and logs it.
    Message {
        #[serde(default)]
        #[schema(pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
        subject: String,
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        body: String,
        #[serde(default)]
        version: Option<i64>,
    },
    /// A comment (the front office on its own cases).
    Comment {
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        body: String,
        #[serde(default)]
        version: Option<i64>,
    },
    /// `in_progress` or `waiting_on_customer` (which pauses the SLA timers).
    Status {
        #[schema(schema_with = set_status_choice)]
        status: String,
        #[serde(default)]
        note: String,
        #[serde(default)]
        version: Option<i64>,
    },
    Resolve {
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        resolution: String,
        /// `fixed`, `refund`, `information`, `workaround`, `no_fault`, `duplicate`, `declined`.
        #[schema(schema_with = resolution_choice)]
        resolution_category: String,
        #[serde(default)]
        version: Option<i64>,
    },
    Close {
        #[serde(default)]
        version: Option<i64>,
    },
    Reopen {
        #[schema(schema_with = crate::api::contract::text::<20000, true>)]
        reason: String,
        #[serde(default)]
        version: Option<i64>,
    },
    Priority {
        #[schema(schema_with = priority_choice)]
        priority: String,
        #[serde(default)]
        version: Option<i64>,
    },
}

impl ActionIn {
    fn into_action(self) -> Result<(Option<i64>, CaseAction), Error> {
        Ok(match self {
            ActionIn::Take { version } => (version, CaseAction::Take),
            ActionIn::Assign {
                assignee,
                note,
                version,
            } => (
                version,
                CaseAction::Assign {
                    to: assignee.map(UserId),
                    note,
                },
            ),
            ActionIn::Note { body, version } => (version, CaseAction::Note { body }),
            ActionIn::Call { body, version } => (version, CaseAction::Call { body }),
            ActionIn::Message {
                subject,
                body,
                version,
            } => (version, CaseAction::Message { subject, body }),
            ActionIn::Comment { body, version } => (version, CaseAction::Comment { body }),
            ActionIn::Status {
                status,
                note,
                version,
            } => (
                version,
                CaseAction::SetStatus {
                    status: CaseStatus::parse(&status).ok_or_else(|| {
                        Error::invalid("status", "must be in_progress or waiting_on_customer")
                    })?,
                    note,
                },
            ),
            ActionIn::Resolve {
                resolution,
                resolution_category,
                version,
            } => (
                version,
                CaseAction::Resolve {
                    resolution,
                    category: resolution_category,
                },
            ),
            ActionIn::Close { version } => (version, CaseAction::Close),
            ActionIn::Reopen { reason, version } => (version, CaseAction::Reopen { reason }),
            ActionIn::Priority { priority, version } => (
                version,
                CaseAction::SetPriority {
                    priority: Priority::parse(&priority).ok_or_else(|| {
                        Error::invalid("priority", "must be low, normal, high or urgent")
                    })?,
                },
            ),
        })
    }
}

/// Works a case: take, assign, note, call, message, comment, status, resolve, close,
/// reopen, priority.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first answer")),
    request_body = ActionIn,
    responses((status = 200, body = CaseOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ActionIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (version, action) = b.into_action().map_err(err)?;
    let c = cases::act(&state.store, &a.actor, CaseId(id), version, action)
        .await
        .map_err(err)?;
    Ok(ok(CaseOut::from(c)))
}

/// Someone who works cases.
#[derive(Serialize, ToSchema)]
pub struct StaffOut {
    id: i64,
    name: String,
}

/// The people cases can be assigned to.
#[utoipa::path(get, path = "/api/v1/cases/staff", tag = "cases",
    responses((status = 200, body = Vec<StaffOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let v = cases::staff(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(v
        .into_iter()
        .map(|(id, name)| StaffOut { id: id.0, name })
        .collect::<Vec<_>>()))
}

/// Targets of one priority, in business minutes.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetIO {
    priority: String,
    first_response_minutes: i64,
    resolution_minutes: i64,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayIO {
    /// `YYYY-MM-DD`.
    day: String,
    #[serde(default)]
    name: String,
}

/// The service levels: targets per priority and the working calendar.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaIO {
    targets: Vec<TargetIO>,
    /// The company's time zone: an IANA name such as `Europe/Berlin` (daylight saving
    /// follows it), `UTC`, or a fixed offset `+05:30`. An unknown zone is 422 naming
    /// `time_zone`.
    #[serde(default)]
    time_zone: Option<String>,
    /// Deprecated: the zone as a fixed offset in minutes east of UTC (-720 to 840), read
    /// only when `time_zone` is absent and never written.
    #[serde(default, skip_serializing)]
    utc_offset_minutes: Option<i32>,
    /// Working hours per weekday (`mon` … `sun`) as `HH:MM-HH:MM`; empty for a day off.
    hours: std::collections::BTreeMap<String, String>,
    holidays: Vec<HolidayIO>,
    /// Warn at this share of a target (1-99).
    warn_percent: i64,
    /// Send back what you read: 409 if someone saved since.
    version: i64,
}

fn sla_out(s: SlaSettings, holidays: Vec<Holiday>) -> SlaIO {
    SlaIO {
        targets: s
            .targets
            .iter()
            .map(|t| TargetIO {
                priority: t.priority.as_str().into(),
                first_response_minutes: t.first_response_minutes,
                resolution_minutes: t.resolution_minutes,
            })
            .collect(),
        time_zone: Some(s.calendar.time_zone.name().to_string()),
        utc_offset_minutes: None,
        hours: WEEKDAYS
            .iter()
            .zip(s.calendar.week.iter())
            .map(|(d, h)| (d.to_string(), h.map(Hours::display).unwrap_or_default()))
            .collect(),
        holidays: holidays
            .into_iter()
            .map(|h| HolidayIO {
                day: h.day.format("%Y-%m-%d").to_string(),
                name: h.name,
            })
            .collect(),
        warn_percent: s.warn_percent,
        version: s.version,
    }
}

fn sla_in(b: SlaIO) -> Result<(SlaSettings, Vec<Holiday>), Error> {
    let mut s = SlaSettings {
        targets: Vec::new(),
        calendar: Default::default(),
        warn_percent: b.warn_percent,
        version: b.version,
    };
    for t in b.targets {
        let p = Priority::parse(&t.priority).ok_or_else(|| {
            Error::invalid("targets", format!("unknown priority `{}`", t.priority))
        })?;
        s.targets.push(SlaTarget {
            priority: p,
            first_response_minutes: t.first_response_minutes,
            resolution_minutes: t.resolution_minutes,
        });
    }
    if let Some(k) = b.hours.keys().find(|k| !WEEKDAYS.contains(&k.as_str())) {
        return Err(Error::invalid(
            "hours",
            format!("unknown day `{k}`: use mon … sun"),
        ));
    }
    s.calendar.week = cases::parse_week(|d| b.hours.get(d).cloned())?;
    s.calendar.time_zone = match (b.time_zone, b.utc_offset_minutes) {
        (Some(z), _) => Zone::parse(&z)?,
        (None, Some(m)) if (-720..=840).contains(&m) => Zone::from_offset_minutes(m),
        (None, Some(_)) => {
            return Err(Error::invalid(
                "utc_offset_minutes",
                "must be between -720 and 840",
            ))
        }
        (None, None) => Zone::utc(),
    };
    let mut holidays = Vec::new();
    for h in b.holidays {
        let day = chrono::NaiveDate::parse_from_str(h.day.trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid("holidays", format!("`{}` is not YYYY-MM-DD", h.day)))?;
        holidays.push(Holiday { day, name: h.name });
    }
    Ok((s, holidays))
}

/// The service levels.
#[utoipa::path(get, path = "/api/v1/cases/sla", tag = "cases",
    responses((status = 200, body = SlaIO), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn sla_get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let (s, h) = cases::sla_settings(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(sla_out(s, h)))
}

/// Sets the service levels (the escalation manager: `escalations.approve`).
#[utoipa::path(put, path = "/api/v1/cases/sla", tag = "cases", request_body = SlaIO,
    responses((status = 200, body = SlaIO), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sla_put<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<SlaIO>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let (s, h) = sla_in(b).map_err(err)?;
    let saved = cases::save_sla_settings(&state.store, &a.actor, s, h)
        .await
        .map_err(err)?;
    let (s, h) = cases::sla_settings(&state.store, &a.actor)
        .await
        .map_err(err)?;
    debug_assert_eq!(saved.version, s.version);
    Ok(ok(sla_out(s, h)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Cases opened from this day (`YYYY-MM-DD`).
    #[param(schema_with = crate::api::contract::date_param)]
    from: Option<String>,
    /// … to this day, inclusive.
    #[param(schema_with = crate::api::contract::date_param)]
    to: Option<String>,
    /// `csv` or `xlsx` for a download.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

/// Compliance of one group.
#[derive(Serialize, ToSchema)]
pub struct ComplianceOut {
    /// `category` or `person` (`total` for all).
    group: String,
    key: String,
    label: String,
    cases: u64,
    response_met: u64,
    response_breached: u64,
    resolution_met: u64,
    resolution_breached: u64,
    /// Business seconds.
    median_response_seconds: Option<i64>,
    median_resolution_seconds: Option<i64>,
}

fn compliance(group: &str, r: &ComplianceRow) -> ComplianceOut {
    ComplianceOut {
        group: group.into(),
        key: r.key.clone(),
        label: r.label.clone(),
        cases: r.cases,
        response_met: r.response_met,
        response_breached: r.response_breached,
        resolution_met: r.resolution_met,
        resolution_breached: r.resolution_breached,
        median_response_seconds: r.median_response.map(|m| m / 1_000_000),
        median_resolution_seconds: r.median_resolution.map(|m| m / 1_000_000),
    }
}

/// SLA compliance by category and by person: met and breached first responses and
/// resolutions, median business times.
#[utoipa::path(get, path = "/api/v1/cases/report", tag = "cases", params(ReportParams),
    responses((status = 200, body = Vec<ComplianceOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn report<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let from = cases::parse_day("from", p.from.as_deref()).map_err(err)?;
    let to = cases::parse_day("to", p.to.as_deref()).map_err(err)?;
    let format = crate::list::api_export_format(p.format.as_deref()).map_err(err)?;
    let r = cases::compliance_report(&state.store, &a.actor, from, to)
        .await
        .map_err(err)?;
    if let Some(format) = format {
        return Ok(crate::list::export(
            format,
            "sla-compliance",
            cases::REPORT_HEADERS,
            cases::report_rows(&r),
        ));
    }
    let rows: Vec<ComplianceOut> = std::iter::once(compliance("total", &r.total))
        .chain(r.by_category.iter().map(|x| compliance("category", x)))
        .chain(r.by_person.iter().map(|x| compliance("person", x)))
        .collect();
    Ok(ok(rows))
}

fn category_choice() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = steward_core::work::cases::CATEGORIES
        .iter()
        .map(|(k, _)| *k)
        .collect();
    crate::api::contract::one_of(&keys, false)
}

fn case_priority_opt() -> utoipa::openapi::schema::Object {
    let mut v: Vec<&str> = steward_core::work::cases::Priority::ALL
        .iter()
        .map(|x| x.as_str())
        .collect();
    v.push("");
    crate::api::contract::one_of(&v, false)
}

fn set_status_choice() -> utoipa::openapi::schema::Object {
    crate::api::contract::one_of(&["in_progress", "waiting_on_customer"], false)
}

fn resolution_choice() -> utoipa::openapi::schema::Object {
    let keys: Vec<&str> = steward_core::work::cases::RESOLUTION_CATEGORIES
        .iter()
        .map(|(k, _)| *k)
        .collect();
    crate::api::contract::one_of(&keys, false)
}

crate::api::contract::choice_of!(priority_choice, steward_core::work::cases::Priority);
