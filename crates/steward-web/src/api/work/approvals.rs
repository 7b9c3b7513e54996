//! `/api/v1/approvals/…`: the inbox (waiting for me, also as a delegate), my requests, one
//! request with its steps, decisions (one by one or in bulk for small amounts), policies
//! and out-of-office delegates. Every handler goes through `steward_core::work::approvals`,
//! which authorizes. Departments and their heads (the approvers' "manager") are
//! `api::departments`.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::ids::{DepartmentId, UserId};
use steward_core::list::Paging;
use steward_core::work::approvals::{
    self, ApprovalId, ApprovalQuery, ApprovalRequest, ApprovalSort, ApprovalSummary, Delegation,
    DelegationInput, DirectRequest, LevelInput, Mailbox, Policy, PolicyInput, RequestStatus, Step,
    Verdict,
};
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::api::contract::sort_and_dir;
use crate::api::ledger::OptionalJson;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(inbox, submit))
        .routes(routes!(mine))
        .routes(routes!(bulk_approve))
        .routes(routes!(get))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(policies, save_policy))
        .routes(routes!(delete_policy))
        .routes(routes!(delegations, add_delegation))
        .routes(routes!(remove_delegation))
}

// ---- shapes ----

#[derive(Serialize, ToSchema)]
pub struct StepOut {
    pub position: i64,
    /// `manager`, `admin`, `role:<key>` or `user:<id>`.
    pub rule: String,
    /// Who the rule names, for people.
    pub approver: String,
    pub approver_user_id: Option<i64>,
    pub approver_role: Option<String>,
    /// `waiting`, `pending` (its turn), `approved`, `rejected`, `escalated` or `skipped`.
    pub status: String,
    /// RFC 3339: when it is escalated if nobody decides.
    pub due_at: Option<String>,
    pub decided_by: Option<i64>,
    /// "Priya Shah for Alex Morgan" when a delegate decided.
    pub decided_by_name: Option<String>,
    pub on_behalf_of: Option<i64>,
    pub decided_at: Option<String>,
    pub comment: String,
}

impl From<&Step> for StepOut {
    fn from(s: &Step) -> Self {
        StepOut {
            position: s.position,
            rule: s.rule.clone(),
            approver: s.approver_label.clone(),
            approver_user_id: s.approver_user.map(|u| u.0),
            approver_role: s.approver_role.clone(),
            status: s.status.as_str().to_string(),
            due_at: s.due_at.map(|t| t.rfc3339()),
            decided_by: s.decided_by.map(|u| u.0),
            decided_by_name: s.decided_by.map(|_| s.decided_label()),
            on_behalf_of: s.on_behalf_of.map(|u| u.0),
            decided_at: s.decided_at.map(|t| t.rfc3339()),
            comment: s.comment.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalOut {
    pub id: i64,
    /// `ledger.entry`, `timeoff`, `purchase`, `expense` or `general`.
    pub kind: String,
    pub kind_label: String,
    /// The record asked about, `kind:id`.
    pub subject: Option<String>,
    /// The page of that record.
    pub subject_href: Option<String>,
    pub title: String,
    pub description: String,
    /// Decimal in `currency`.
    pub amount: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub department_id: Option<i64>,
    pub department: Option<String>,
    pub requester_id: Option<i64>,
    pub requester: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub steps: Vec<StepOut>,
    /// Whether the caller may decide the current step now.
    pub can_decide: bool,
    /// Set when the caller decides as someone's delegate: whom for.
    pub deciding_for: Option<i64>,
}

fn amount_decimal(amount: Option<i64>, currency: Option<&str>) -> Option<String> {
    let t = approvals::money_text(amount, currency);
    t.split_once(' ').map(|(a, _)| a.to_string())
}

fn approval_out<S: Backend>(
    state: &AppState<S>,
    r: ApprovalRequest,
    standing: Option<Option<UserId>>,
) -> ApprovalOut {
    ApprovalOut {
        id: r.id.0,
        kind_label: state.registry.approval_label(&r.kind).to_string(),
        kind: r.kind.clone(),
        subject: r.subject.as_ref().map(|s| s.to_string()),
        subject_href: r.subject.as_ref().and_then(|s| state.web.href(s)),
        title: r.title.clone(),
        description: r.description.clone(),
        amount: amount_decimal(r.amount, r.currency.as_deref()),
        amount_minor: r.amount,
        currency: r.currency.clone(),
        department_id: r.department.map(|d| d.0),
        department: r.department_name.clone(),
        requester_id: r.requester.map(|u| u.0),
        requester: r.requester_name.clone(),
        status: r.status.as_str().to_string(),
        created_at: r.created_at.rfc3339(),
        decided_at: r.decided_at.map(|t| t.rfc3339()),
        steps: r.steps.iter().map(StepOut::from).collect(),
        can_decide: standing.is_some(),
        deciding_for: standing.flatten().map(|u| u.0),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalSummaryOut {
    pub id: i64,
    pub kind: String,
    pub subject: Option<String>,
    pub title: String,
    pub amount: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub requester: String,
    pub department: Option<String>,
    pub status: String,
    pub created_at: String,
    /// The step whose turn it is, and who decides it.
    pub step: Option<i64>,
    pub step_approver: Option<String>,
    pub due_at: Option<String>,
    pub overdue: bool,
}

impl From<ApprovalSummary> for ApprovalSummaryOut {
    fn from(s: ApprovalSummary) -> Self {
        ApprovalSummaryOut {
            id: s.id.0,
            overdue: s.overdue(),
            amount: amount_decimal(s.amount, s.currency.as_deref()),
            kind: s.kind,
            subject: s.subject.map(|x| x.to_string()),
            title: s.title,
            amount_minor: s.amount,
            currency: s.currency,
            requester: s.requester_name,
            department: s.department_name,
            status: s.status.as_str().to_string(),
            created_at: s.created_at.rfc3339(),
            step: s.step_position,
            step_approver: s.step_label,
            due_at: s.step_due_at.map(|t| t.rfc3339()),
        }
    }
}

pub(crate) const EXPORT_HEADERS: &[&str] = &[
    "id",
    "kind",
    "title",
    "amount",
    "currency",
    "requester",
    "department",
    "status",
    "created_at",
    "step",
    "approver",
    "due_at",
];

pub(crate) fn export_row(s: &ApprovalSummary) -> Vec<String> {
    vec![
        s.id.to_string(),
        s.kind.clone(),
        s.title.clone(),
        amount_decimal(s.amount, s.currency.as_deref()).unwrap_or_default(),
        s.currency.clone().unwrap_or_default(),
        s.requester_name.clone(),
        s.department_name.clone().unwrap_or_default(),
        s.status.as_str().to_string(),
        s.created_at.rfc3339(),
        s.step_position.map(|p| p.to_string()).unwrap_or_default(),
        s.step_label.clone().unwrap_or_default(),
        s.step_due_at.map(|t| t.rfc3339()).unwrap_or_default(),
    ]
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalListParams {
    /// Search in the title.
    q: Option<String>,
    /// A kind: `ledger.entry`, `timeoff`, `purchase`, `expense`, `general`.
    kind: Option<String>,
    /// `pending`, `approved` or `rejected` (my requests).
    #[param(schema_with = request_status)]
    status: Option<String>,
    /// One of `created`, `due`, `amount`, `title`, `kind`.
    #[param(schema_with = crate::api::contract::sort::<steward_core::work::approvals::ApprovalSort>)]
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// 1 to 500, default 50.
    limit: Option<u32>,
    offset: Option<u64>,
    /// `csv` or `xlsx` to download the filtered list instead of JSON.
    #[param(value_type = Option<crate::api::contract::ExportFormat>)]
    format: Option<String>,
}

fn request_status() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(RequestStatus::NAMES)
}

fn list_query(p: &ApprovalListParams, mailbox: Mailbox) -> Result<ApprovalQuery, Error> {
    let (sort, dir) = sort_and_dir::<ApprovalSort>(p.sort.as_deref(), p.dir.as_deref())?;
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            RequestStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "pending, approved or rejected"))?,
        ),
    };
    Ok(ApprovalQuery {
        mailbox,
        kind: p
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        status,
        search: p.q.clone(),
        max_amount: None,
        sort,
        dir,
        paging: if p.format.is_some() {
            Paging::export()
        } else {
            Paging::new(p.limit, p.offset)
        },
    })
}

async fn list_response<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    p: &ApprovalListParams,
    mailbox: Mailbox,
    name: &str,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let q = list_query(p, mailbox).map_err(err)?;
    if let Some(format) = crate::list::api_export_format(p.format.as_deref()).map_err(err)? {
        let items = approvals::export(&state.store, &state.registry, &a.actor, &q)
            .await
            .map_err(err)?;
        return Ok(crate::list::export(
            format,
            name,
            EXPORT_HEADERS,
            items.iter().map(export_row).collect(),
        ));
    }
    let page = approvals::list(&state.store, &state.registry, &a.actor, &q)
        .await
        .map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(ApprovalSummaryOut::from)
            .collect::<Vec<_>>(),
    }))
}

/// The inbox: pending requests whose current step the caller decides (as themself or as
/// someone's out-of-office delegate).
#[utoipa::path(get, path = "/api/v1/approvals", tag = "approvals", params(ApprovalListParams),
    responses((status = 200, body = ListOf<ApprovalSummaryOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn inbox<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ApprovalListParams>,
) -> Result<Response, ApiError> {
    list_response(&state, &a, &p, Mailbox::Inbox, "approvals").await
}

/// The caller's own requests and where they stand.
#[utoipa::path(get, path = "/api/v1/approvals/mine", tag = "approvals", params(ApprovalListParams),
    responses((status = 200, body = ListOf<ApprovalSummaryOut>, description = "JSON, or a CSV/XLSX download with `format`"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn mine<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<ApprovalListParams>,
) -> Result<Response, ApiError> {
    list_response(&state, &a, &p, Mailbox::Mine, "my-requests").await
}

/// Approvals in the document: the registered kinds (a request names one registered as
/// direct, a policy any), the lists' kind filter (empty for all), and a request's subject
/// as a registered record.
pub(super) fn document(doc: &mut serde_json::Value, reg: &steward_core::registry::Registry) {
    use crate::api::contract;
    let mut all: Vec<String> = reg.approval_kinds().map(|k| k.key.to_string()).collect();
    all.sort();
    let mut direct: Vec<String> = reg
        .approval_kinds()
        .filter(|k| k.direct)
        .map(|k| k.key.to_string())
        .collect();
    direct.sort();
    contract::set_property(doc, "ApprovalIn", "kind", "enum", serde_json::json!(direct));
    contract::set_property(
        doc,
        "ApprovalPolicyIn",
        "kind",
        "enum",
        serde_json::json!(all),
    );
    let mut kinds_filter = all;
    kinds_filter.push(String::new());
    for path in ["/api/v1/approvals", "/api/v1/approvals/mine"] {
        contract::set_param(doc, path, "kind", contract::json_enum(&kinds_filter));
    }
    let record = contract::record_pattern(reg);
    contract::set_property(
        doc,
        "ApprovalIn",
        "subject",
        "pattern",
        serde_json::json!(record),
    );
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalIn {
    /// `purchase`, `expense` or `general` (ledger entries and time off are sent from
    /// their own pages).
    kind: String,
    #[schema(schema_with = crate::api::contract::text::<200, true>)]
    title: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<4000, false>)]
    description: String,
    /// Decimal in the company currency.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<2, false>)]
    amount: Option<String>,
    /// A record it is about, `kind:id`.
    #[serde(default)]
    subject: Option<String>,
    /// The requester's department when absent.
    #[serde(default)]
    department_id: Option<i64>,
}

async fn approval_response<S: Backend>(
    state: &AppState<S>,
    a: &ApiActor,
    r: ApprovalRequest,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let standing = approvals::can_decide(&state.store, &a.actor, &r)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let out = approval_out(state, r, standing);
    Ok(if status == StatusCode::CREATED {
        created(out)
    } else {
        ok(out)
    })
}

/// Asks for an approval. The chain comes from the kind's policy and the amount.
#[utoipa::path(post, path = "/api/v1/approvals", tag = "approvals", request_body = ApprovalIn,
    responses((status = 201, body = ApprovalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<ApprovalIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let input = DirectRequest {
        kind: b.kind,
        subject: b.subject,
        title: b.title,
        description: b.description,
        amount: b.amount,
        department: b.department_id.map(DepartmentId),
    };
    let id = approvals::submit_direct(&state.store, &state.registry, &a.actor, &input)
        .await
        .map_err(err)?;
    let r = approvals::get(&state.store, &a.actor, id)
        .await
        .map_err(err)?;
    approval_response(&state, &a, r, StatusCode::CREATED).await
}

/// One request with its steps: who decided when, with what comment.
#[utoipa::path(get, path = "/api/v1/approvals/{id}", tag = "approvals", params(("id" = i64, Path)),
    responses((status = 200, body = ApprovalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = approvals::get(&state.store, &a.actor, ApprovalId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    approval_response(&state, &a, r, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Required to reject.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<4000, false>)]
    comment: String,
}

/// Approves the current step; the last one approves the request (a ledger entry posts).
/// Nobody approves their own request (422 naming `approver`).
#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "approvals", params(("id" = i64, Path)),
    request_body(content = Option<DecisionIn>, description = "Optional"),
    responses((status = 200, body = ApprovalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    OptionalJson(b): OptionalJson<DecisionIn>,
) -> Result<Response, ApiError> {
    let r = approvals::decide(
        &state.store,
        &state.registry,
        &a.actor,
        ApprovalId(id),
        Verdict::Approve,
        &b.comment,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    approval_response(&state, &a, r, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApprovalRejectIn)]
pub struct RejectIn {
    /// Why; required.
    #[schema(schema_with = crate::api::contract::text::<4000, true>)]
    comment: String,
}

/// Rejects the request at its current step (a ledger entry goes back to a draft).
#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "approvals", params(("id" = i64, Path)), request_body = RejectIn,
    responses((status = 200, body = ApprovalOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RejectIn>,
) -> Result<Response, ApiError> {
    let r = approvals::decide(
        &state.store,
        &state.registry,
        &a.actor,
        ApprovalId(id),
        Verdict::Reject,
        &b.comment,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    approval_response(&state, &a, r, StatusCode::OK).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkIn {
    /// Request ids, at most 200.
    #[schema(min_items = 1)]
    ids: Vec<i64>,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<4000, false>)]
    comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct BulkOut {
    pub id: i64,
    pub ok: bool,
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResultOut {
    pub approved: usize,
    pub failed: usize,
    pub results: Vec<BulkOut>,
}

/// Approves several small requests, each checked and recorded on its own; one above its
/// policy's bulk limit (or not the caller's to decide) is reported and left waiting.
#[utoipa::path(post, path = "/api/v1/approvals/bulk-approve", tag = "approvals", request_body = BulkIn,
    responses((status = 200, body = BulkResultOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn bulk_approve<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<BulkIn>,
) -> Result<Response, ApiError> {
    let ids: Vec<ApprovalId> = b.ids.iter().map(|i| ApprovalId(*i)).collect();
    let out = approvals::bulk_approve(&state.store, &state.registry, &a.actor, &ids, &b.comment)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let approved = out.iter().filter(|o| o.ok).count();
    Ok(ok(BulkResultOut {
        approved,
        failed: out.len() - approved,
        results: out
            .into_iter()
            .map(|o| BulkOut {
                id: o.id.0,
                ok: o.ok,
                error: o.error,
            })
            .collect(),
    }))
}

// ---- policies ----

#[derive(Serialize, ToSchema)]
#[schema(as = ApprovalLevelOut)]
pub struct LevelOut {
    /// The level applies when the amount is above this (`0.00`: always).
    pub above: String,
    pub above_minor: i64,
    pub rule: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ApprovalPolicyOut)]
pub struct PolicyOut {
    /// None for a kind's built-in default (nobody configured it yet).
    pub id: Option<i64>,
    pub kind: String,
    pub department_id: Option<i64>,
    pub deadline_hours: i64,
    pub bulk_limit: String,
    pub levels: Vec<LevelOut>,
    pub version: i64,
}

fn policy_out(p: Policy, currency: &str) -> PolicyOut {
    let dec = |m: i64| amount_decimal(Some(m), Some(currency)).unwrap_or_default();
    PolicyOut {
        id: p.id,
        kind: p.kind,
        department_id: p.department.map(|d| d.0),
        deadline_hours: p.deadline_hours,
        bulk_limit: dec(p.bulk_limit),
        levels: p
            .levels
            .iter()
            .map(|l| LevelOut {
                above: dec(l.above),
                above_minor: l.above,
                rule: l.rule.as_text(),
            })
            .collect(),
        version: p.version,
    }
}

/// Every kind's policy (the built-in default where none is configured).
#[utoipa::path(get, path = "/api/v1/approvals/policies", tag = "approvals",
    responses((status = 200, body = Vec<PolicyOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn policies<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ps = approvals::policies(&state.store, &state.registry, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    let c = a.actor.company_currency.clone();
    Ok(ok(ps
        .into_iter()
        .map(|p| policy_out(p, &c))
        .collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelIn {
    /// Decimal; absent or `0` applies always.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<2, false>)]
    above: Option<String>,
    /// `manager`, `admin`, `role:<key>` or `user:<id>`.
    #[schema(pattern = "^\\s*(manager|admin|role:[a-z0-9_]{1,60}|user:[1-9][0-9]{0,17})\\s*$")]
    rule: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApprovalPolicyIn)]
pub struct PolicyIn {
    kind: String,
    /// A policy for one department wins over the kind's general one.
    #[serde(default)]
    department_id: Option<i64>,
    /// Hours a step may wait before it is escalated (1-2160, default 48).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 2160)]
    deadline_hours: Option<i64>,
    /// Requests up to this amount may be approved in bulk.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_amount::<2, false>)]
    bulk_limit: Option<String>,
    #[schema(min_items = 1, max_items = 10)]
    levels: Vec<LevelIn>,
    /// The version read, when replacing a policy.
    #[serde(default)]
    version: Option<i64>,
}

/// Creates or replaces the policy of a kind (and department). Levels go from the smallest
/// threshold up; errors name `levels[i].rule` or `levels[i].above`.
#[utoipa::path(put, path = "/api/v1/approvals/policies", tag = "approvals", request_body = PolicyIn,
    responses((status = 200, body = PolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_policy<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<PolicyIn>,
) -> Result<Response, ApiError> {
    let input = PolicyInput {
        kind: b.kind,
        department_id: b.department_id,
        deadline_hours: b.deadline_hours,
        bulk_limit: b.bulk_limit,
        levels: b
            .levels
            .into_iter()
            .map(|l| LevelInput {
                above: l.above,
                rule: l.rule,
            })
            .collect(),
        version: b.version,
    };
    let p = approvals::save_policy(&state.store, &state.registry, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(policy_out(p, &a.actor.company_currency)))
}

/// Removes a configured policy (the kind falls back to the default).
#[utoipa::path(delete, path = "/api/v1/approvals/policies/{id}", tag = "approvals", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_policy<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    approvals::delete_policy(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- delegates ----

#[derive(Serialize, ToSchema)]
pub struct DelegationOut {
    pub id: i64,
    pub user_id: i64,
    pub user: String,
    pub delegate_id: i64,
    pub delegate: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub until: String,
    pub note: String,
}

impl From<Delegation> for DelegationOut {
    fn from(d: Delegation) -> Self {
        DelegationOut {
            id: d.id,
            user_id: d.user.0,
            user: d.user_name,
            delegate_id: d.delegate.0,
            delegate: d.delegate_name,
            from: d.from.to_string(),
            until: d.until.to_string(),
            note: d.note,
        }
    }
}

/// Out-of-office delegates the caller is part of (all of them for an admin).
#[utoipa::path(get, path = "/api/v1/approvals/delegations", tag = "approvals",
    responses((status = 200, body = Vec<DelegationOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn delegations<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let ds = approvals::delegations(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(ds
        .into_iter()
        .map(DelegationOut::from)
        .collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationIn {
    /// The absent person; the caller when absent (only an admin names someone else).
    #[serde(default)]
    user_id: Option<i64>,
    delegate_id: i64,
    /// `YYYY-MM-DD`, inclusive.
    #[schema(schema_with = crate::api::contract::date)]
    from: String,
    #[schema(schema_with = crate::api::contract::date)]
    until: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::text::<500, false>)]
    note: String,
}

/// "While I am away, this person decides for me."
#[utoipa::path(post, path = "/api/v1/approvals/delegations", tag = "approvals", request_body = DelegationIn,
    responses((status = 201, body = DelegationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_delegation<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<DelegationIn>,
) -> Result<Response, ApiError> {
    let input = DelegationInput {
        user_id: b.user_id,
        delegate_id: b.delegate_id,
        from: b.from,
        until: b.until,
        note: b.note,
    };
    let d = approvals::add_delegation(&state.store, &a.actor, &input)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(created(DelegationOut::from(d)))
}

#[utoipa::path(delete, path = "/api/v1/approvals/delegations/{id}", tag = "approvals", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_delegation<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    approvals::remove_delegation(&state.store, &a.actor, id)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(StatusCode::NO_CONTENT)
}
