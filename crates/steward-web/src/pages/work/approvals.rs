//! The approvals pages: the inbox (everything waiting for me, also as a delegate, with
//! bulk approval of small amounts), my requests, a request with its steps and the decision
//! form, a new request, out-of-office delegates and the policies. Every handler goes
//! through `steward_core::work::approvals` / `departments`. The departments themselves
//! (whose heads are the approvers' "manager") are `pages::departments`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::departments::{self, Department, Member};
use steward_core::error::FieldError;
use steward_core::ids::{DepartmentId, UserId};
use steward_core::list::SortKey;
use steward_core::registry::ApprovalKind;
use steward_core::work::approvals::{
    self, money_text, ApprovalId, ApprovalQuery, ApprovalRequest, ApprovalSort, ApprovalSummary,
    Delegation, DelegationInput, DirectRequest, LevelInput, Mailbox, Policy, PolicyInput,
    RequestStatus, StepStatus, Verdict,
};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::field;
use crate::pages::{chrome, fail, field_error, redirect_with, render, Chrome, NavItem};
use crate::state::RecordLink;
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/approvals", get(inbox::<S>).post(create::<S>))
        .route("/approvals/mine", get(mine::<S>))
        .route("/approvals/new", get(new_form::<S>))
        .route("/approvals/bulk-approve", post(bulk_approve::<S>))
        .route(
            "/approvals/policies",
            get(policies::<S>).post(save_policy::<S>),
        )
        .route("/approvals/policies/{id}/delete", post(delete_policy::<S>))
        .route(
            "/approvals/delegations",
            get(delegations::<S>).post(add_delegation::<S>),
        )
        .route(
            "/approvals/delegations/{id}/delete",
            post(remove_delegation::<S>),
        )
        .route("/approvals/{id}", get(show::<S>))
        .route("/approvals/{id}/approve", post(approve::<S>))
        .route("/approvals/{id}/reject", post(reject::<S>))
}

fn opt(pairs: &[(String, String)], key: &str) -> Option<String> {
    Some(field(pairs, key).trim().to_string()).filter(|s| !s.is_empty())
}

fn subnav(path: &str) -> Vec<NavItem> {
    [
        ("/approvals", "Waiting for me"),
        ("/approvals/mine", "My requests"),
        ("/approvals/new", "New request"),
        ("/approvals/delegations", "Out of office"),
        ("/approvals/policies", "Policies"),
    ]
    .into_iter()
    .map(|(href, label)| NavItem {
        href,
        label,
        current: path == href,
    })
    .collect()
}

const COLUMNS: &[Column] = &[
    col("select", "Select", false),
    col("title", "Request", true),
    col("kind", "Kind", true),
    col("amount", "Amount", true),
    col("requester", "Requested by", false),
    col("step", "Step", false),
    col("due", "Due", true),
    col("created", "Asked", true),
];

const MINE_COLUMNS: &[Column] = &[
    col("title", "Request", true),
    col("kind", "Kind", true),
    col("amount", "Amount", true),
    col("status", "Status", false),
    col("step", "Waiting for", false),
    col("due", "Due", true),
    col("created", "Asked", true),
];

const EXPORT_HEADERS: &[&str] = &[
    "id",
    "kind",
    "title",
    "amount",
    "requester",
    "department",
    "status",
    "created_at",
    "step",
    "approver",
    "due_at",
];

fn export_row(s: &ApprovalSummary) -> Vec<String> {
    vec![
        s.id.to_string(),
        s.kind.clone(),
        s.title.clone(),
        s.amount_text(),
        s.requester_name.clone(),
        s.department_name.clone().unwrap_or_default(),
        s.status.as_str().to_string(),
        s.created_at.rfc3339(),
        s.step_position.map(|p| p.to_string()).unwrap_or_default(),
        s.step_label.clone().unwrap_or_default(),
        s.step_due_at.map(|t| t.rfc3339()).unwrap_or_default(),
    ]
}

fn query_from(params: &ListParams, mailbox: Mailbox) -> Result<ApprovalQuery, Error> {
    let (sort, dir) = params.sort::<ApprovalSort>();
    // An unknown kind is refused by the service (it knows the registered ones).
    let kind = params.get("kind").map(str::to_string);
    Ok(ApprovalQuery {
        mailbox,
        kind,
        status: params.get("status").and_then(RequestStatus::parse),
        search: params.search(),
        max_amount: None,
        sort,
        dir,
        paging: params.paging(),
    })
}

#[derive(Template)]
#[template(path = "work/approval_list.html")]
struct ListPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    list: ListView,
    items: Vec<ApprovalSummary>,
    mine: bool,
    kinds: Vec<ApprovalKind>,
    bulk_limit: i64,
    bulk_limit_text: String,
}

impl ListPage {
    fn bulkable(&self, s: &ApprovalSummary) -> bool {
        !self.mine && s.amount.unwrap_or(0) <= self.bulk_limit
    }
    fn kind_label(&self, k: &str) -> &'static str {
        self.kinds
            .iter()
            .find(|x| x.key == k)
            .map(|x| x.label)
            .unwrap_or("Request")
    }
}

async fn list_page<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    pairs: Vec<(String, String)>,
    mine: bool,
) -> Response {
    let params = ListParams::new(pairs);
    let mailbox = if mine { Mailbox::Mine } else { Mailbox::Inbox };
    let path = if mine {
        "/approvals/mine"
    } else {
        "/approvals"
    };
    let q = match query_from(&params, mailbox) {
        Ok(q) => q,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return match approvals::export(&state.store, &state.registry, &pa.actor, &q).await {
            Ok(items) => export(
                format,
                if mine { "my-requests" } else { "approvals" },
                EXPORT_HEADERS,
                items.iter().map(export_row).collect(),
            ),
            Err(e) => fail(&state, &pa, e).await,
        };
    }
    let page = match approvals::list(&state.store, &state.registry, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let bulk_limit = match approvals::bulk_limit(&state.store, &pa.actor).await {
        Ok(b) => b,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let columns = if mine { MINE_COLUMNS } else { COLUMNS };
    let list = ListView::new(path, &params, columns, q.sort.name(), q.dir, &page);
    let title = if mine { "My requests" } else { "Approvals" };
    render(
        &ListPage {
            chrome: chrome(&state, &pa, title, "/approvals").await,
            subnav: subnav(path),
            list,
            items: page.items,
            mine,
            kinds: state.registry.approval_kinds().copied().collect(),
            bulk_limit,
            bulk_limit_text: money_text(Some(bulk_limit), Some(&pa.actor.company_currency)),
        },
        StatusCode::OK,
    )
}

async fn inbox<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_page(state, pa, pairs, false).await
}

async fn mine<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_page(state, pa, pairs, true).await
}

async fn bulk_approve<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let ids: Vec<ApprovalId> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
        .map(ApprovalId)
        .collect();
    let comment = field(&pairs, "comment");
    match approvals::bulk_approve(&state.store, &state.registry, &pa.actor, &ids, &comment).await {
        Ok(out) => {
            let ok = out.iter().filter(|o| o.ok).count();
            let mut msg = format!("Approved {ok} of {}.", out.len());
            for o in out.iter().filter(|o| !o.ok).take(5) {
                msg.push_str(&format!(
                    " #{}: {}.",
                    o.id,
                    o.error.as_deref().unwrap_or("not approved")
                ));
            }
            redirect_with("/approvals", &msg)
        }
        Err(Error::Invalid { message, .. }) => redirect_with("/approvals", &message),
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "work/approval_show.html")]
struct ShowPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    r: ApprovalRequest,
    /// `Some(None)`: the viewer decides as themself; `Some(Some(name))`: for someone.
    can_decide: bool,
    deciding_for: Option<String>,
    own: bool,
    comment: String,
    errors: Vec<FieldError>,
    kind_label: &'static str,
    subject: Option<RecordLink>,
}

impl ShowPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn step_class(&self, s: &steward_core::work::approvals::Step) -> &'static str {
        match s.status {
            StepStatus::Approved => "ok",
            StepStatus::Rejected => "bad",
            StepStatus::Pending => "now",
            StepStatus::Escalated => "warn",
            _ => "",
        }
    }
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    comment: String,
    error: Option<Error>,
) -> Response {
    let r = match approvals::get(&state.store, &pa.actor, ApprovalId(id)).await {
        Ok(r) => r,
        Err(e) => return fail(state, pa, e).await,
    };
    let standing = match approvals::can_decide(&state.store, &pa.actor, &r).await {
        Ok(s) => s,
        Err(e) => return fail(state, pa, e).await,
    };
    let (status, errors) = match error {
        None => (StatusCode::OK, Vec::new()),
        Some(e) => {
            let fe = e.field_errors();
            if fe.is_empty() {
                return fail(state, pa, e).await;
            }
            (StatusCode::UNPROCESSABLE_ENTITY, fe)
        }
    };
    let deciding_for = match standing.flatten() {
        Some(u) => departments::members(&state.store, &pa.actor)
            .await
            .ok()
            .and_then(|ms| ms.into_iter().find(|m| m.user_id == u))
            .map(|m| m.display_name)
            .or_else(|| Some(format!("user #{u}"))),
        None => None,
    };
    let title = format!("Approval #{}", r.id);
    render(
        &ShowPage {
            chrome: chrome(state, pa, &title, "/approvals").await,
            subnav: subnav(""),
            own: r.requester == Some(pa.actor.user_id),
            can_decide: standing.is_some(),
            deciding_for,
            kind_label: state.registry.approval_label(&r.kind),
            subject: r.subject.as_ref().map(|s| state.record_link(s)),
            r,
            comment,
            errors,
        },
        status,
    )
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_page(&state, &pa, id, String::new(), None).await
}

async fn decide<S: Backend>(
    state: AppState<S>,
    pa: PageActor,
    id: i64,
    pairs: Vec<(String, String)>,
    verdict: Verdict,
) -> Response {
    let comment = field(&pairs, "comment");
    match approvals::decide(
        &state.store,
        &state.registry,
        &pa.actor,
        ApprovalId(id),
        verdict,
        &comment,
    )
    .await
    {
        Ok(r) => {
            let msg = match (verdict, r.status) {
                (Verdict::Reject, _) => "Rejected. The requester is told.".to_string(),
                (Verdict::Approve, RequestStatus::Approved) => {
                    "Approved: that was the last step, the request is approved.".to_string()
                }
                _ => format!(
                    "Approved. It now waits for {}.",
                    r.current_step()
                        .map(|s| s.approver_label.clone())
                        .unwrap_or_default()
                ),
            };
            redirect_with(&format!("/approvals/{id}"), &msg)
        }
        Err(e) => show_page(&state, &pa, id, comment, Some(e)).await,
    }
}

async fn approve<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    decide(state, pa, id, pairs, Verdict::Approve).await
}

async fn reject<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    decide(state, pa, id, pairs, Verdict::Reject).await
}

// ---- a new request ----

#[derive(Template)]
#[template(path = "work/approval_new.html")]
struct NewPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    kinds: Vec<ApprovalKind>,
    departments: Vec<Department>,
    values: Vec<(String, String)>,
    currency: String,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn value(&self, f: &str) -> String {
        field(&self.values, f)
    }
}

async fn new_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
) -> Response {
    let depts = departments::list(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &NewPage {
            chrome: chrome(state, pa, "New request", "/approvals").await,
            subnav: subnav("/approvals/new"),
            kinds: state
                .registry
                .approval_kinds()
                .filter(|k| k.direct)
                .copied()
                .collect(),
            departments: depts,
            values,
            currency: pa.actor.company_currency.clone(),
            errors,
        },
        status,
    )
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    new_page(&state, &pa, Vec::new(), Vec::new()).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let department = match opt(&pairs, "department_id").map(|d| d.parse::<i64>()) {
        None => None,
        Some(Ok(d)) => Some(DepartmentId(d)),
        Some(Err(_)) => {
            let e = vec![FieldError {
                field: "department_id".into(),
                message: "choose a department".into(),
            }];
            return new_page(&state, &pa, pairs, e).await;
        }
    };
    let input = DirectRequest {
        kind: field(&pairs, "kind"),
        subject: opt(&pairs, "subject"),
        title: field(&pairs, "title"),
        description: field(&pairs, "description"),
        amount: opt(&pairs, "amount"),
        department,
    };
    match approvals::submit_direct(&state.store, &state.registry, &pa.actor, &input).await {
        Ok(id) => redirect_with(
            &format!("/approvals/{id}"),
            "Your request was sent for approval.",
        ),
        Err(e) if !e.field_errors().is_empty() => {
            new_page(&state, &pa, pairs, e.field_errors()).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---- policies ----

/// One policy as the form shows it: decimal amounts, four level rows.
pub struct PolicyView {
    pub p: Policy,
    /// `kind` or `kind@department`: which form an error belongs to.
    pub key: String,
    pub kind_label: &'static str,
    pub department: String,
    pub bulk_limit: String,
    /// (above, rule) per row, padded with empty rows.
    pub rows: Vec<(String, String)>,
}

const POLICY_ROWS: usize = 4;

#[derive(Template)]
#[template(path = "work/approval_policies.html")]
struct PoliciesPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    policies: Vec<PolicyView>,
    kinds: Vec<ApprovalKind>,
    departments: Vec<Department>,
    can_edit: bool,
    /// The kind whose form failed, with its errors.
    failed_kind: String,
    errors: Vec<FieldError>,
}

impl PoliciesPage {
    fn error(&self, v: &PolicyView, f: &str) -> Option<String> {
        if v.key == self.failed_kind {
            field_error(&self.errors, f)
        } else {
            None
        }
    }
    /// `i` arrives as a reference of some depth from the template.
    fn level_error(&self, v: &PolicyView, i: impl std::fmt::Display, what: &str) -> Option<String> {
        self.error(v, &format!("levels[{i}].{what}"))
    }
    /// A unique suffix for the ids of one policy's inputs.
    fn idp(&self, v: &PolicyView, i: impl std::fmt::Display) -> String {
        format!("{i}-{}", v.key.replace(['.', '@'], "-"))
    }
}

fn policy_view(
    p: Policy,
    currency: &str,
    depts: &[Department],
    kind_label: &'static str,
) -> PolicyView {
    let dec = |m: i64| {
        money_text(Some(m), Some(currency))
            .split_once(' ')
            .map(|(a, _)| a.to_string())
            .unwrap_or_default()
    };
    let mut rows: Vec<(String, String)> = p
        .levels
        .iter()
        .map(|l| (dec(l.above), l.rule.as_text()))
        .collect();
    while rows.len() < POLICY_ROWS {
        rows.push((String::new(), String::new()));
    }
    PolicyView {
        key: match p.department {
            Some(d) => format!("{}@{d}", p.kind),
            None => p.kind.clone(),
        },
        kind_label,
        department: p
            .department
            .and_then(|d| depts.iter().find(|x| x.id == d))
            .map(|d| d.name.clone())
            .unwrap_or_else(|| "All departments".into()),
        bulk_limit: dec(p.bulk_limit),
        rows,
        p,
    }
}

async fn policies_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    failed: Option<(String, Vec<FieldError>)>,
) -> Response {
    let ps = match approvals::policies(&state.store, &state.registry, &pa.actor).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let depts = departments::list(&state.store, &pa.actor)
        .await
        .unwrap_or_default();
    let currency = pa.actor.company_currency.clone();
    let can_edit = pa.actor.can(steward_core::auth::Permission::new(
        steward_core::auth::Domain::System,
        steward_core::auth::Action::Update,
    ));
    let (failed_kind, errors) = failed.unwrap_or_default();
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &PoliciesPage {
            chrome: chrome(state, pa, "Approval policies", "/approvals").await,
            subnav: subnav("/approvals/policies"),
            policies: ps
                .into_iter()
                .map(|p| {
                    let label = state.registry.approval_label(&p.kind);
                    policy_view(p, &currency, &depts, label)
                })
                .collect(),
            kinds: state.registry.approval_kinds().copied().collect(),
            departments: depts,
            can_edit,
            failed_kind,
            errors,
        },
        status,
    )
}

async fn policies<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    policies_page(&state, &pa, None).await
}

async fn save_policy<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let kind = field(&pairs, "kind");
    let mut levels = Vec::new();
    for i in 0..POLICY_ROWS {
        let rule = field(&pairs, &format!("rule{i}"));
        if rule.trim().is_empty() {
            continue;
        }
        levels.push(LevelInput {
            above: opt(&pairs, &format!("above{i}")),
            rule,
        });
    }
    let input = PolicyInput {
        kind: kind.clone(),
        department_id: opt(&pairs, "department_id").and_then(|d| d.parse().ok()),
        deadline_hours: opt(&pairs, "deadline_hours").and_then(|d| d.parse().ok()),
        bulk_limit: opt(&pairs, "bulk_limit"),
        levels,
        version: opt(&pairs, "version").and_then(|v| v.parse().ok()),
    };
    match approvals::save_policy(&state.store, &state.registry, &pa.actor, &input).await {
        Ok(p) => redirect_with(
            "/approvals/policies",
            &format!(
                "The policy for {} was saved.",
                state.registry.approval_label(&p.kind)
            ),
        ),
        Err(e) if !e.field_errors().is_empty() => {
            let key = match opt(&pairs, "department_id") {
                Some(d) => format!("{kind}@{d}"),
                None => kind,
            };
            policies_page(&state, &pa, Some((key, e.field_errors()))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn delete_policy<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match approvals::delete_policy(&state.store, &pa.actor, id).await {
        Ok(()) => redirect_with(
            "/approvals/policies",
            "The policy was removed; the default applies.",
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

// ---- out of office ----

#[derive(Template)]
#[template(path = "work/approval_delegations.html")]
struct DelegationsPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    items: Vec<Delegation>,
    people: Vec<Member>,
    me: UserId,
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl DelegationsPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn value(&self, f: &str) -> String {
        field(&self.values, f)
    }
}

async fn delegations_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
) -> Response {
    let items = match approvals::delegations(&state.store, &pa.actor).await {
        Ok(i) => i,
        Err(e) => return fail(state, pa, e).await,
    };
    // Everyone may pick a colleague; the list comes from the store directly because
    // reading the people directory needs more than choosing a delegate does.
    let people =
        steward_core::departments::DepartmentStore::members(&state.store, pa.actor.company_id)
            .await
            .unwrap_or_default();
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &DelegationsPage {
            chrome: chrome(state, pa, "Out of office", "/approvals").await,
            subnav: subnav("/approvals/delegations"),
            items,
            people,
            me: pa.actor.user_id,
            values,
            errors,
        },
        status,
    )
}

async fn delegations<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    delegations_page(&state, &pa, Vec::new(), Vec::new()).await
}

async fn add_delegation<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(delegate) = opt(&pairs, "delegate_id").and_then(|d| d.parse::<i64>().ok()) else {
        let e = vec![FieldError {
            field: "delegate_id".into(),
            message: "choose who decides for you".into(),
        }];
        return delegations_page(&state, &pa, pairs, e).await;
    };
    let input = DelegationInput {
        user_id: None,
        delegate_id: delegate,
        from: field(&pairs, "from"),
        until: field(&pairs, "until"),
        note: field(&pairs, "note"),
    };
    match approvals::add_delegation(&state.store, &pa.actor, &input).await {
        Ok(d) => redirect_with(
            "/approvals/delegations",
            &format!(
                "{} decides for you from {} to {}.",
                d.delegate_name, d.from, d.until
            ),
        ),
        Err(e) if !e.field_errors().is_empty() => {
            delegations_page(&state, &pa, pairs, e.field_errors()).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn remove_delegation<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match approvals::remove_delegation(&state.store, &pa.actor, id).await {
        Ok(()) => redirect_with("/approvals/delegations", "The delegation was removed."),
        Err(e) => fail(&state, &pa, e).await,
    }
}
