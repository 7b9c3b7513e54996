//! Front-office escalations: the queue (for the front office: their own cases) with search,
//! filters, sort, paging and export; a new case; a case with its communication log and the
//! back office's actions; the service levels (targets, working calendar, holidays); the SLA
//! compliance report. Every handler goes through `steward_core::work::cases`, which
//! authorizes; the front office never gets internal log entries from it.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::UserId;
use steward_core::list::{Page, SortKey};
use steward_core::time::Timestamp;
use steward_core::work::cases::{
    self, category_label, Case, CaseAction, CaseId, CaseInput, CaseQuery, CaseSort, CaseStatus,
    ComplianceReport, Holiday, LogEntry, Priority, SlaSettings, SlaState, CATEGORIES,
    RESOLUTION_CATEGORIES,
};
use steward_core::work::sla::{format_duration, Hours, Zone, WEEKDAYS};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field_error, redirect_with, render, Chrome, NavItem};
use crate::pages::{field, is_invalid};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/cases", get(index::<S>).post(create::<S>))
        .route("/cases/new", get(new_form::<S>))
        .route("/cases/sla", get(sla_page::<S>).post(sla_save::<S>))
        .route("/cases/report", get(report_page::<S>))
        .route("/cases/{id}", get(show::<S>).post(act::<S>))
}

pub(crate) use crate::markdown::render as markdown;

fn subnav(actor: &steward_core::auth::Actor, current: &str) -> Vec<NavItem> {
    let mut items: Vec<(&'static str, &'static str)> = vec![("/cases", "Cases")];
    if actor.can(steward_core::auth::Permission::new(
        steward_core::auth::Domain::Escalations,
        steward_core::auth::Action::Create,
    )) {
        items.push(("/cases/new", "New case"));
    }
    if cases::is_back_office(actor) {
        items.push(("/cases/sla", "Service levels"));
        items.push(("/cases/report", "SLA report"));
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: href == current,
        })
        .collect()
}

fn sla_badge(s: SlaState) -> &'static str {
    match s {
        SlaState::OnTrack | SlaState::Met => "ok",
        SlaState::Warning => "warn",
        SlaState::Breached => "error",
        SlaState::Paused => "muted",
    }
}

fn when(t: Option<Timestamp>) -> String {
    t.map(Timestamp::display).unwrap_or_default()
}

const COLUMNS: &[Column] = &[
    col("queue", "Case", true),
    col("customer", "Customer", true),
    col("priority", "Priority", true),
    col("status", "Status", true),
    col("due", "SLA", true),
    col("assignee", "Assignee", false),
    col("created", "Opened", true),
];

struct Row {
    id: CaseId,
    subject: String,
    customer: String,
    category: String,
    priority: &'static str,
    priority_key: &'static str,
    status: &'static str,
    sla: &'static str,
    sla_badge: &'static str,
    due: String,
    assignee: String,
    created: String,
}

impl From<&Case> for Row {
    fn from(c: &Case) -> Self {
        Row {
            id: c.id,
            subject: c.subject.clone(),
            customer: c.customer_name.clone(),
            category: category_label(&c.category).to_string(),
            priority: c.priority.label(),
            priority_key: c.priority.as_str(),
            status: c.status.label(),
            sla: c.sla_state.label(),
            sla_badge: sla_badge(c.sla_state),
            due: when(c.first_response_due.or(c.resolution_due)),
            assignee: c.assignee_name.clone().unwrap_or_default(),
            created: c.created_at.display(),
        }
    }
}

#[derive(Template)]
#[template(path = "work/cases.html")]
struct ListPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    list: ListView,
    rows: Vec<Row>,
    errors: Vec<FieldError>,
    back_office: bool,
    can_create: bool,
    staff: Vec<(UserId, String)>,
    statuses: &'static [CaseStatus],
    priorities: &'static [Priority],
    slas: &'static [SlaState],
    categories: &'static [(&'static str, &'static str)],
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn staff_selected(&self, id: &UserId) -> bool {
        self.list.selected("assignee", &id.to_string())
    }
}

fn query_from(pa: &PageActor, params: &ListParams) -> Result<CaseQuery, Error> {
    let mut q = CaseQuery::filters_from(pa.actor.user_id, |k| params.get(k).map(str::to_string))?;
    let (sort, dir) = params.sort::<CaseSort>();
    q.sort = sort;
    q.dir = dir;
    q.paging = params.paging();
    Ok(q)
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let (q, errors) = match query_from(&pa, &params) {
        Ok(q) => (q, Vec::new()),
        Err(e) if is_invalid(&e) => (CaseQuery::default(), e.field_errors()),
        Err(e) => return fail(&state, &pa, e).await,
    };
    if errors.is_empty() {
        if let Some(format) = params.export_format() {
            return match cases::export_cases(&state.store, &pa.actor, &q).await {
                Ok(items) => export(
                    format,
                    "cases",
                    cases::EXPORT_HEADERS,
                    items.iter().map(cases::export_row).collect(),
                ),
                Err(e) => fail(&state, &pa, e).await,
            };
        }
    }
    let page = match cases::list_cases(&state.store, &pa.actor, &q).await {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => Page {
            items: Vec::new(),
            total: 0,
            limit: q.paging.limit,
            offset: 0,
        },
        Err(e) => return fail(&state, &pa, e).await,
    };
    let back_office = cases::is_back_office(&pa.actor);
    let staff = if back_office {
        cases::staff(&state.store, &pa.actor)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let list = ListView::new("/cases", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ListPage {
        chrome: chrome(&state, &pa, "Cases", "/cases").await,
        subnav: subnav(&pa.actor, "/cases"),
        list,
        rows: page.items.iter().map(Row::from).collect(),
        errors,
        back_office,
        can_create: pa.actor.can(steward_core::auth::Permission::new(
            steward_core::auth::Domain::Escalations,
            steward_core::auth::Action::Create,
        )),
        staff,
        statuses: CaseStatus::ALL,
        priorities: Priority::ALL,
        slas: SlaState::ALL,
        categories: CATEGORIES,
    };
    render(&p, status)
}

#[derive(Template)]
#[template(path = "work/case_new.html")]
struct NewPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    form: CaseInput,
    errors: Vec<FieldError>,
    priorities: &'static [Priority],
    categories: &'static [(&'static str, &'static str)],
}

impl NewPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn new_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: CaseInput,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let p = NewPage {
        chrome: chrome(state, pa, "New case", "/cases").await,
        subnav: subnav(&pa.actor, "/cases/new"),
        form,
        errors,
        priorities: Priority::ALL,
        categories: CATEGORIES,
    };
    render(&p, status)
}

async fn new_form<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !pa.actor.can(steward_core::auth::Permission::new(
        steward_core::auth::Domain::Escalations,
        steward_core::auth::Action::Create,
    )) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let form = CaseInput {
        priority: "normal".into(),
        ..Default::default()
    };
    new_page(&state, &pa, form, Vec::new(), StatusCode::OK).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = CaseInput {
        customer_name: field(&pairs, "customer_name"),
        customer_email: field(&pairs, "customer_email"),
        customer_phone: field(&pairs, "customer_phone"),
        customer_ref: field(&pairs, "customer_ref"),
        subject: field(&pairs, "subject"),
        description: field(&pairs, "description"),
        category: field(&pairs, "category"),
        priority: field(&pairs, "priority"),
    };
    match cases::create_case(&state.store, &pa.actor, &form).await {
        Ok(c) => redirect_with(
            &format!("/cases/{}", c.id),
            &format!("Case #{} opened.", c.id),
        ),
        Err(e) if is_invalid(&e) => {
            let errors = e.field_errors();
            new_page(&state, &pa, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

struct LogView {
    kind: &'static str,
    kind_key: &'static str,
    internal: bool,
    body: String,
    author: String,
    mail_to: String,
    at: String,
}

impl From<&LogEntry> for LogView {
    fn from(e: &LogEntry) -> Self {
        LogView {
            kind: e.kind.label(),
            kind_key: e.kind.as_str(),
            internal: e.internal,
            body: e.body.clone(),
            author: e.author_name.clone(),
            mail_to: e.mail_to.clone().unwrap_or_default(),
            at: e.created_at.display(),
        }
    }
}

#[derive(Template)]
#[template(path = "work/case_show.html")]
struct ShowPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    case: Case,
    description_html: String,
    category: String,
    resolution_category: String,
    log: Vec<LogView>,
    back_office: bool,
    can_work: bool,
    can_comment: bool,
    is_mine: bool,
    staff: Vec<(UserId, String)>,
    resolution_categories: &'static [(&'static str, &'static str)],
    priorities: &'static [Priority],
    errors: Vec<FieldError>,
    /// What was typed into the form that failed.
    typed: Vec<(String, String)>,
    sla_badge: &'static str,
    first_response_due: String,
    resolution_due: String,
    paused: String,
    first_response: String,
    resolution_time: String,
    attachments: crate::pages::files::Attachments,
}

impl ShowPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
    fn typed(&self, key: &str) -> String {
        field(&self.typed, key)
    }
    fn is_open(&self) -> bool {
        self.case.status.is_open()
    }
    fn waiting(&self) -> bool {
        self.case.status == CaseStatus::WaitingOnCustomer
    }
    fn assigned(&self, id: &UserId) -> bool {
        self.case.assignee == Some(*id)
    }
    fn has_email(&self) -> bool {
        !self.case.customer_email.is_empty()
    }
}

async fn show_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: CaseId,
    errors: Vec<FieldError>,
    typed: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let (store, actor) = (&state.store, &pa.actor);
    let case = match cases::get_case(store, actor, id).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    let log = match cases::case_log(store, actor, id).await {
        Ok(l) => l,
        Err(e) => return fail(state, pa, e).await,
    };
    let back_office = cases::is_back_office(actor);
    let can_work = cases::can_work(actor);
    let staff = if can_work {
        cases::staff(store, actor).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let attachments = crate::pages::files::Attachments::load(
        state,
        actor,
        &steward_core::work::RecordRef::new(steward_core::work::cases::RECORD, case.id.0),
    )
    .await;
    let p = ShowPage {
        attachments,
        chrome: chrome(state, pa, &format!("Case #{}", case.id), "/cases").await,
        subnav: subnav(actor, ""),
        description_html: markdown(&case.description),
        category: category_label(&case.category).to_string(),
        resolution_category: category_label(&case.resolution_category).to_string(),
        log: log.iter().map(LogView::from).collect(),
        back_office,
        can_work,
        can_comment: !can_work
            && actor.can(steward_core::auth::Permission::new(
                steward_core::auth::Domain::Escalations,
                steward_core::auth::Action::Update,
            )),
        is_mine: case.assignee == Some(actor.user_id),
        staff,
        resolution_categories: RESOLUTION_CATEGORIES,
        priorities: Priority::ALL,
        errors,
        typed,
        sla_badge: sla_badge(case.sla_state),
        first_response_due: when(case.first_response_due),
        resolution_due: when(case.resolution_due),
        paused: format_duration(case.paused_micros),
        first_response: case
            .first_response_micros
            .map(format_duration)
            .unwrap_or_default(),
        resolution_time: case
            .resolution_micros
            .map(format_duration)
            .unwrap_or_default(),
        case,
    };
    render(&p, status)
}

async fn show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    show_page(
        &state,
        &pa,
        CaseId(id),
        Vec::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

fn action_from(pairs: &[(String, String)]) -> Result<CaseAction, Error> {
    let f = |k: &str| field(pairs, k);
    Ok(match f("action").as_str() {
        "take" => CaseAction::Take,
        "assign" => CaseAction::Assign {
            to: match f("assignee").trim() {
                "" => None,
                s => Some(UserId(s.parse().map_err(|_| {
                    Error::invalid("assignee", "choose someone from the list")
                })?)),
            },
            note: f("note"),
        },
        "note" => CaseAction::Note { body: f("body") },
        "call" => CaseAction::Call { body: f("body") },
        "message" => CaseAction::Message {
            subject: f("subject"),
            body: f("body"),
        },
        "log" => match f("kind").as_str() {
            "message" => CaseAction::Message {
                subject: f("subject"),
                body: f("body"),
            },
            "call" => CaseAction::Call { body: f("body") },
            _ => CaseAction::Note { body: f("body") },
        },
        "comment" => CaseAction::Comment { body: f("body") },
        "waiting" => CaseAction::SetStatus {
            status: CaseStatus::WaitingOnCustomer,
            note: f("note"),
        },
        "in_progress" => CaseAction::SetStatus {
            status: CaseStatus::InProgress,
            note: f("note"),
        },
        "resolve" => CaseAction::Resolve {
            resolution: f("resolution"),
            category: f("resolution_category"),
        },
        "close" => CaseAction::Close,
        "reopen" => CaseAction::Reopen {
            reason: f("reason"),
        },
        "priority" => CaseAction::SetPriority {
            priority: Priority::parse(&f("priority"))
                .ok_or_else(|| Error::invalid("priority", "choose a priority"))?,
        },
        _ => return Err(Error::invalid("action", "unknown action")),
    })
}

fn done_message(a: &CaseAction) -> &'static str {
    match a {
        CaseAction::Take => "You took the case.",
        CaseAction::Assign { .. } => "Assignment saved.",
        CaseAction::Note { .. } => "Note added.",
        CaseAction::Call { .. } => "Call logged.",
        CaseAction::Message { .. } => "Message queued for the customer and logged.",
        CaseAction::Comment { .. } => "Comment added.",
        CaseAction::SetStatus { .. } => "Status changed.",
        CaseAction::Resolve { .. } => "Case resolved.",
        CaseAction::Close => "Case closed.",
        CaseAction::Reopen { .. } => "Case reopened.",
        CaseAction::SetPriority { .. } => "Priority changed.",
    }
}

async fn act<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let version = field(&pairs, "version").trim().parse::<i64>().ok();
    let result = match action_from(&pairs) {
        Ok(a) => {
            let msg = done_message(&a);
            cases::act(&state.store, &pa.actor, CaseId(id), version, a)
                .await
                .map(|_| msg)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(msg) => redirect_with(&format!("/cases/{id}"), msg),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => {
            show_page(
                &state,
                &pa,
                CaseId(id),
                e.field_errors(),
                pairs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Conflict { message }) => {
            let errors = vec![FieldError {
                field: "form".into(),
                message,
            }];
            show_page(&state, &pa, CaseId(id), errors, pairs, StatusCode::CONFLICT).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

struct TargetRow {
    key: &'static str,
    label: &'static str,
    first_response: i64,
    resolution: i64,
}

#[derive(Template)]
#[template(path = "work/case_sla.html")]
struct SlaPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    targets: Vec<TargetRow>,
    days: Vec<(&'static str, &'static str, String)>,
    time_zone: String,
    /// The IANA zone names, offered while typing.
    zones: Vec<String>,
    warn_percent: String,
    holidays: String,
    version: i64,
    can_edit: bool,
    errors: Vec<FieldError>,
}

impl SlaPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

const DAY_LABELS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn holidays_text(h: &[Holiday]) -> String {
    h.iter()
        .map(|h| format!("{} {}", h.day.format("%Y-%m-%d"), h.name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sla_view(
    s: &SlaSettings,
    h: &[Holiday],
) -> (Vec<TargetRow>, Vec<(&'static str, &'static str, String)>) {
    let targets = Priority::ALL
        .iter()
        .map(|p| {
            let t = s.target(*p);
            TargetRow {
                key: p.as_str(),
                label: p.label(),
                first_response: t.first_response_minutes,
                resolution: t.resolution_minutes,
            }
        })
        .collect();
    let _ = h;
    let days = WEEKDAYS
        .iter()
        .zip(DAY_LABELS)
        .zip(s.calendar.week.iter())
        .map(|((k, l), h)| (*k, l, h.map(Hours::display).unwrap_or_default()))
        .collect();
    (targets, days)
}

async fn sla_page<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let (s, h) = match cases::sla_settings(&state.store, &pa.actor).await {
        Ok(v) => v,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let (targets, days) = sla_view(&s, &h);
    let p = SlaPage {
        chrome: chrome(&state, &pa, "Service levels", "/cases").await,
        subnav: subnav(&pa.actor, "/cases/sla"),
        targets,
        days,
        time_zone: s.calendar.time_zone.name().to_string(),
        zones: Zone::names(),
        warn_percent: s.warn_percent.to_string(),
        holidays: holidays_text(&h),
        version: s.version,
        can_edit: cases::can_configure(&pa.actor),
        errors: Vec::new(),
    };
    render(&p, StatusCode::OK)
}

fn settings_from(pairs: &[(String, String)]) -> Result<(SlaSettings, Vec<Holiday>), Error> {
    let f = |k: &str| field(pairs, k);
    let mut v = steward_core::error::Validator::new();
    let num = |v: &mut steward_core::error::Validator, k: &str| -> i64 {
        match f(k).trim().parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                v.push(k, "must be a whole number");
                0
            }
        }
    };
    let mut s = SlaSettings {
        targets: Vec::new(),
        calendar: Default::default(),
        warn_percent: num(&mut v, "warn_percent"),
        version: f("version").trim().parse().unwrap_or(0),
    };
    for p in Priority::ALL {
        s.targets.push(cases::SlaTarget {
            priority: *p,
            first_response_minutes: num(&mut v, &format!("{p}.first_response")),
            resolution_minutes: num(&mut v, &format!("{p}.resolution")),
        });
    }
    if let Some(zone) = v.check("time_zone", Zone::parse(&f("time_zone"))) {
        s.calendar.time_zone = zone;
    }
    if let Some(week) = v.check("hours", cases::parse_week(|d| Some(f(d)))) {
        s.calendar.week = week;
    }
    let holidays = v.check("holidays", cases::parse_holidays(&f("holidays")));
    v.finish()?;
    Ok((s, holidays.unwrap_or_default()))
}

async fn sla_save<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    // The service decides; asking first keeps a refusal from looking like a typing error.
    if !cases::can_configure(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let result = match settings_from(&pairs) {
        Ok((s, h)) => cases::save_sla_settings(&state.store, &pa.actor, s, h).await,
        Err(e) => Err(e),
    };
    let errors = match result {
        Ok(_) => return redirect_with("/cases/sla", "Service levels saved."),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_))) => e.field_errors(),
        Err(Error::Conflict { message }) => vec![FieldError {
            field: "form".into(),
            message,
        }],
        Err(e) => return fail(&state, &pa, e).await,
    };
    // Show what was typed, with the messages beside it.
    let f = |k: &str| field(&pairs, k);
    let targets = Priority::ALL
        .iter()
        .map(|p| TargetRow {
            key: p.as_str(),
            label: p.label(),
            first_response: f(&format!("{p}.first_response"))
                .trim()
                .parse()
                .unwrap_or(0),
            resolution: f(&format!("{p}.resolution")).trim().parse().unwrap_or(0),
        })
        .collect();
    let days = WEEKDAYS
        .iter()
        .zip(DAY_LABELS)
        .map(|(k, l)| (*k, l, f(k)))
        .collect();
    let p = SlaPage {
        chrome: chrome(&state, &pa, "Service levels", "/cases").await,
        subnav: subnav(&pa.actor, "/cases/sla"),
        targets,
        days,
        time_zone: f("time_zone"),
        zones: Zone::names(),
        warn_percent: f("warn_percent"),
        holidays: f("holidays"),
        version: f("version").trim().parse().unwrap_or(0),
        can_edit: cases::can_configure(&pa.actor),
        errors,
    };
    render(&p, StatusCode::UNPROCESSABLE_ENTITY)
}

struct ReportRow {
    label: String,
    cases: u64,
    response_met: u64,
    response_breached: u64,
    response_rate: String,
    resolution_met: u64,
    resolution_breached: u64,
    resolution_rate: String,
    median_response: String,
    median_resolution: String,
}

fn report_row(r: &cases::ComplianceRow) -> ReportRow {
    let pct = |v: Option<u64>| v.map(|p| format!("{p} %")).unwrap_or_else(|| "–".into());
    let dur = |v: Option<i64>| v.map(format_duration).unwrap_or_else(|| "–".into());
    ReportRow {
        label: r.label.clone(),
        cases: r.cases,
        response_met: r.response_met,
        response_breached: r.response_breached,
        response_rate: pct(r.response_rate()),
        resolution_met: r.resolution_met,
        resolution_breached: r.resolution_breached,
        resolution_rate: pct(r.resolution_rate()),
        median_response: dur(r.median_response),
        median_resolution: dur(r.median_resolution),
    }
}

#[derive(Template)]
#[template(path = "work/case_report.html")]
struct ReportPage {
    chrome: Chrome,
    subnav: Vec<NavItem>,
    from: String,
    to: String,
    total: Option<ReportRow>,
    by_category: Vec<ReportRow>,
    by_person: Vec<ReportRow>,
    csv_href: String,
    xlsx_href: String,
    errors: Vec<FieldError>,
}

impl ReportPage {
    fn groups(&self) -> [(&'static str, &[ReportRow]); 2] {
        [
            ("By category", &self.by_category),
            ("By person", &self.by_person),
        ]
    }
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field)
    }
}

async fn report_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let from_s = params.get("from").unwrap_or("").to_string();
    let to_s = params.get("to").unwrap_or("").to_string();
    let mut errors = Vec::new();
    let mut day = |k: &str, v: &str| match cases::parse_day(k, Some(v)) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e.field_errors());
            None
        }
    };
    let (from, to) = (day("from", &from_s), day("to", &to_s));
    let report: Option<ComplianceReport> = if errors.is_empty() {
        match cases::compliance_report(&state.store, &pa.actor, from, to).await {
            Ok(r) => Some(r),
            Err(e) if is_invalid(&e) => {
                errors.extend(e.field_errors());
                None
            }
            Err(e) => return fail(&state, &pa, e).await,
        }
    } else {
        if !cases::is_back_office(&pa.actor) {
            return fail(&state, &pa, Error::Forbidden).await;
        }
        None
    };
    if let (Some(r), Some(format)) = (&report, params.export_format()) {
        return export(
            format,
            "sla-compliance",
            cases::REPORT_HEADERS,
            cases::report_rows(r),
        );
    }
    let status = crate::pages::form_status(!errors.is_empty());
    let p = ReportPage {
        chrome: chrome(&state, &pa, "SLA compliance", "/cases").await,
        subnav: subnav(&pa.actor, "/cases/report"),
        csv_href: params.href("/cases/report", &[("format", "csv")]),
        xlsx_href: params.href("/cases/report", &[("format", "xlsx")]),
        from: from_s,
        to: to_s,
        total: report.as_ref().map(|r| report_row(&r.total)),
        by_category: report
            .as_ref()
            .map(|r| r.by_category.iter().map(report_row).collect())
            .unwrap_or_default(),
        by_person: report
            .as_ref()
            .map(|r| r.by_person.iter().map(report_row).collect())
            .unwrap_or_default(),
        errors,
    };
    render(&p, status)
}
