//! The helpdesk's pages: tickets at `/it/tickets` (views: my tickets, my queue, unassigned,
//! all; search, filters, sort, CSV/XLSX export; a new ticket below), one at
//! `/it/tickets/{id}` (the SLA state with a breach warning, the conversation, reply, and for
//! technicians internal notes, assignment and status; rating and reopening for the
//! requester), the knowledge base at `/it/kb` and the report at `/it/helpdesk/report`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::error::FieldError;
use steward_core::ids::{AssetId, UserId};
use steward_core::it::assets::{self, Asset};
use steward_core::it::helpdesk::{
    self, ArticleId, Level, LinkedAsset, Message, Priority, Ticket, TicketCategory,
    TicketCategoryId, TicketGroup, TicketGroupId, TicketId, TicketQuery, TicketSort, TicketStatus,
    View,
};
use steward_core::it::helpdesk_kb::{self as kb, Article, ArticleInput};
use steward_core::it::helpdesk_report::{self as report, Period, Report};
use steward_core::it::helpdesk_tickets::{self as tickets, TicketAction, TicketInput};
use steward_core::list::SortKey;
use steward_core::work::sla::{self, SlaState};

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/it/tickets", get(list::<S>).post(create::<S>))
        .route("/it/tickets/{id}", get(show::<S>))
        .route("/it/tickets/{id}/act", post(act::<S>))
        .route("/it/kb", get(kb_list::<S>).post(kb_create::<S>))
        .route("/it/kb/{id}", get(kb_show::<S>).post(kb_update::<S>))
        .route("/it/helpdesk/report", get(report_page::<S>))
}

const COLUMNS: &[Column] = &[
    col("id", "#", false),
    col("subject", "Subject", false),
    col("priority", "Priority", true),
    col("status", "Status", false),
    col("sla", "SLA", false),
    col("due", "Due", true),
    col("assignee", "Assignee", false),
    col("created", "Raised", true),
];

/// Text of a due time for pages (UTC, minutes).
fn when(t: Option<steward_core::time::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp_micros(t.0))
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The CSS class of an SLA state's badge.
fn sla_class(s: SlaState) -> &'static str {
    match s {
        SlaState::Breached => "badge error",
        SlaState::Warning => "badge warn",
        SlaState::Paused => "badge muted",
        SlaState::Met | SlaState::OnTrack => "badge ok",
    }
}

#[derive(Default)]
pub(crate) struct TicketForm {
    pub input: TicketInput,
    pub errors: Vec<FieldError>,
}

impl TicketForm {
    pub fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn picked(&self, asset: &AssetId) -> bool {
        self.input.assets.contains(asset)
    }
}

#[derive(Template)]
#[template(path = "it/ticket_list.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    rows: Vec<Ticket>,
    view: &'static str,
    staff: bool,
    can_raise: bool,
    categories: Vec<TicketCategory>,
    statuses: &'static [TicketStatus],
    priorities: &'static [Priority],
    levels: &'static [Level],
    sla_states: &'static [SlaState],
    my_assets: Vec<Asset>,
    form: TicketForm,
}

impl ListPage {
    fn when(&self, t: &Ticket) -> String {
        when(t.sla_due())
    }
    fn sla_class(&self, s: &SlaState) -> &'static str {
        sla_class(*s)
    }
}

async fn list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    form: Option<TicketForm>,
) -> Response {
    let params = ListParams::new(pairs);
    let (sort, dir) = params.sort::<TicketSort>();
    let staff = helpdesk::is_staff(&pa.actor);
    let default_view = if staff { View::All } else { View::Mine };
    let view = params
        .get("view")
        .and_then(View::parse)
        .unwrap_or(default_view);
    let q = TicketQuery {
        view,
        user: None,
        status: params.get("status").and_then(TicketStatus::parse),
        priority: params.get("priority").and_then(Priority::parse),
        category: params
            .get("category_id")
            .and_then(|v| v.parse().ok())
            .map(TicketCategoryId),
        group: params
            .get("group_id")
            .and_then(|v| v.parse().ok())
            .map(TicketGroupId),
        sla: params.get("sla").and_then(SlaState::parse),
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
    };
    if let Some(format) = params.export_format() {
        let mut q = q.clone();
        q.paging = steward_core::list::Paging::export();
        return match tickets::list(&state.store, &pa.actor, &q).await {
            Ok(page) => export(
                format,
                "tickets",
                &tickets::EXPORT_HEADER,
                page.items.iter().map(tickets::export_row).collect(),
            ),
            Err(e) => fail(state, pa, e).await,
        };
    }
    let page = match tickets::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let categories = match helpdesk::categories(&state.store, &pa.actor).await {
        Ok(c) => c,
        Err(e) => return fail(state, pa, e).await,
    };
    // The assets an employee may link: those checked out to them.
    let my_assets = assets::held(&state.store, &pa.actor, 100)
        .await
        .unwrap_or_default();
    let list = ListView::new("/it/tickets", &params, COLUMNS, q.sort.name(), q.dir, &page);
    let status = crate::pages::form_status(form.as_ref().is_some_and(|f| !f.errors.is_empty()));
    render(
        &ListPage {
            chrome: chrome(state, pa, "IT tickets", "/it/tickets").await,
            list,
            rows: page.items,
            view: if staff { view.as_str() } else { "mine" },
            staff,
            can_raise: helpdesk::may_raise(&pa.actor) && !pa.actor.read_only,
            categories,
            statuses: TicketStatus::ALL,
            priorities: Priority::ALL,
            levels: Level::ALL,
            sla_states: SlaState::ALL,
            my_assets,
            form: form.unwrap_or_default(),
        },
        status,
    )
}

async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    list_view(&state, &pa, pairs, None).await
}

async fn create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = TicketInput {
        subject: field(&pairs, "subject"),
        description: field(&pairs, "description"),
        category_id: field(&pairs, "category_id"),
        urgency: field(&pairs, "urgency"),
        impact: field(&pairs, "impact"),
        assets: pairs
            .iter()
            .filter(|(k, _)| k == "asset_id")
            .filter_map(|(_, v)| v.parse().ok().map(AssetId))
            .collect(),
    };
    match tickets::create(&state.store, &pa.actor, &input).await {
        Ok(t) => redirect_with(
            &format!("/it/tickets/{}", t.id),
            &format!("Ticket #{} was raised ({}).", t.id, t.priority.short()),
        ),
        Err(e) if is_invalid(&e) => {
            let form = TicketForm {
                input,
                errors: e.field_errors(),
            };
            list_view(&state, &pa, Vec::new(), Some(form)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/ticket_show.html")]
struct ShowPage {
    chrome: Chrome,
    t: Ticket,
    messages: Vec<Message>,
    assets: Vec<LinkedAsset>,
    articles: Vec<Article>,
    staff: bool,
    tech: bool,
    requester: bool,
    technicians: Vec<(UserId, String)>,
    groups: Vec<TicketGroup>,
    all_articles: Vec<Article>,
    levels: &'static [Level],
    errors: Vec<FieldError>,
    first_due: String,
    resolution_due: String,
}

impl ShowPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn sla_class(&self) -> &'static str {
        sla_class(self.t.sla_state)
    }
    fn md(&self, s: &str) -> String {
        crate::markdown::render(s)
    }
    fn at(&self, t: &steward_core::time::Timestamp) -> String {
        when(Some(*t))
    }
    fn assigned(&self, u: &UserId) -> bool {
        self.t.assignee == Some(*u)
    }
    fn in_group(&self, g: &TicketGroupId) -> bool {
        self.t.group_id == Some(*g)
    }
    fn rated(&self, n: &i64) -> bool {
        self.t.rating == Some(*n)
    }
    fn paused_for(&self) -> String {
        sla::format_duration(self.t.paused_micros)
    }
}

async fn show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    errors: Vec<FieldError>,
) -> Response {
    let t = match tickets::get(&state.store, &pa.actor, TicketId(id)).await {
        Ok(t) => t,
        Err(e) => return fail(state, pa, e).await,
    };
    let (messages, linked, articles) = match tokio::join!(
        tickets::messages(&state.store, &pa.actor, t.id),
        tickets::linked_assets(&state.store, &pa.actor, t.id),
        tickets::linked_articles(&state.store, &pa.actor, t.id),
    ) {
        (Ok(m), Ok(a), Ok(k)) => (m, a, k),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(state, pa, e).await,
    };
    let staff = helpdesk::is_staff(&pa.actor);
    let tech = helpdesk::is_technician(&pa.actor);
    let (technicians, groups, all_articles) = if tech {
        (
            helpdesk::technicians(&state.store, &pa.actor)
                .await
                .unwrap_or_default(),
            helpdesk::groups(&state.store, &pa.actor)
                .await
                .unwrap_or_default(),
            kb::list(&state.store, &pa.actor, None)
                .await
                .unwrap_or_default(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &ShowPage {
            chrome: chrome(
                state,
                pa,
                &format!("Ticket #{}: {}", t.id, t.subject),
                "/it/tickets",
            )
            .await,
            requester: t.requester == pa.actor.user_id,
            first_due: when(t.first_response_due),
            resolution_due: when(t.resolution_due),
            t,
            messages,
            assets: linked,
            articles,
            staff,
            tech,
            technicians,
            groups,
            all_articles,
            levels: Level::ALL,
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
    show_view(&state, &pa, id, Vec::new()).await
}

/// One form endpoint for every action on a ticket: `action` names it.
async fn act<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = |k: &str| field(&pairs, k);
    let opt_id = |k: &str| f(k).trim().parse::<i64>().ok().filter(|i| *i > 0);
    let level = |k: &str| Level::parse(&f(k));
    let action = match f("action").as_str() {
        "reply" => Some(TicketAction::Reply { body: f("body") }),
        "note" => Some(TicketAction::Note { body: f("body") }),
        "assign" => Some(TicketAction::Assign {
            assignee: opt_id("assignee_id").map(UserId),
            group: opt_id("group_id").map(TicketGroupId),
        }),
        "status" => {
            TicketStatus::parse(&f("status")).map(|status| TicketAction::SetStatus { status })
        }
        "priority" => match (level("urgency"), level("impact")) {
            (Some(urgency), Some(impact)) => Some(TicketAction::Reprioritize { urgency, impact }),
            _ => None,
        },
        "reopen" => Some(TicketAction::Reopen {
            reason: f("reason"),
        }),
        "rate" => Some(TicketAction::Rate {
            rating: f("rating").trim().parse().unwrap_or(0),
            comment: f("comment"),
        }),
        "link_article" => opt_id("article_id").map(|a| TicketAction::LinkArticle {
            article: ArticleId(a),
        }),
        _ => None,
    };
    let Some(action) = action else {
        return show_view(
            &state,
            &pa,
            id,
            vec![FieldError {
                field: "action".into(),
                message: "choose what to do".into(),
            }],
        )
        .await;
    };
    let version = f("version").parse().ok();
    match tickets::act(&state.store, &pa.actor, TicketId(id), &action, version).await {
        Ok(t) => redirect_with(&format!("/it/tickets/{}", t.id), "Saved."),
        Err(e) if is_invalid(&e) => show_view(&state, &pa, id, e.field_errors()).await,
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/kb_list.html")]
struct KbListPage {
    chrome: Chrome,
    q: String,
    articles: Vec<Article>,
    can_write: bool,
    errors: Vec<FieldError>,
    input: ArticleInput,
}

impl KbListPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn kb_list_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    q: String,
    input: ArticleInput,
    errors: Vec<FieldError>,
) -> Response {
    let articles = match kb::list(&state.store, &pa.actor, Some(&q)).await {
        Ok(a) => a,
        Err(e) => return fail(state, pa, e).await,
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &KbListPage {
            chrome: chrome(state, pa, "Knowledge base", "/it/kb").await,
            q,
            articles,
            can_write: steward_core::it::allowed(&pa.actor, steward_core::auth::Action::Create)
                && !pa.actor.read_only,
            errors,
            input,
        },
        status,
    )
}

async fn kb_list<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    kb_list_view(
        &state,
        &pa,
        field(&pairs, "q"),
        ArticleInput::default(),
        Vec::new(),
    )
    .await
}

fn article_input(pairs: &[(String, String)]) -> ArticleInput {
    ArticleInput {
        title: field(pairs, "title"),
        body: field(pairs, "body"),
        published: field(pairs, "published") == "on",
    }
}

async fn kb_create<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = article_input(&pairs);
    match kb::create(&state.store, &pa.actor, &input).await {
        Ok(k) => redirect_with(&format!("/it/kb/{}", k.id), "The article was saved."),
        Err(e) if is_invalid(&e) => {
            kb_list_view(&state, &pa, String::new(), input, e.field_errors()).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/kb_show.html")]
struct KbShowPage {
    chrome: Chrome,
    article: Article,
    html: String,
    can_write: bool,
    errors: Vec<FieldError>,
    input: ArticleInput,
}

impl KbShowPage {
    fn error(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
}

async fn kb_show_view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: i64,
    form: Option<(ArticleInput, Vec<FieldError>)>,
) -> Response {
    let article = match kb::get(&state.store, &pa.actor, ArticleId(id)).await {
        Ok(a) => a,
        Err(e) => return fail(state, pa, e).await,
    };
    let (input, errors) = form.unwrap_or_else(|| {
        (
            ArticleInput {
                title: article.title.clone(),
                body: article.body.clone(),
                published: article.published,
            },
            Vec::new(),
        )
    });
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &KbShowPage {
            chrome: chrome(state, pa, &article.title, "/it/kb").await,
            html: crate::markdown::render(&article.body),
            can_write: steward_core::it::allowed(&pa.actor, steward_core::auth::Action::Update)
                && !pa.actor.read_only,
            article,
            errors,
            input,
        },
        status,
    )
}

async fn kb_show<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    kb_show_view(&state, &pa, id, None).await
}

async fn kb_update<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = article_input(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match kb::update(&state.store, &pa.actor, ArticleId(id), &input, version).await {
        Ok(k) => redirect_with(&format!("/it/kb/{}", k.id), "The article was saved."),
        Err(e) if is_invalid(&e) => {
            kb_show_view(&state, &pa, id, Some((input, e.field_errors()))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

#[derive(Template)]
#[template(path = "it/helpdesk_report.html")]
struct ReportPage {
    chrome: Chrome,
    r: Report,
    period: &'static str,
}

impl ReportPage {
    fn pct(&self, p: Option<u64>) -> String {
        p.map(|p| format!("{p} %")).unwrap_or_else(|| "–".into())
    }
    fn sections(&self) -> [(&'static str, &Vec<report::Row>); 3] {
        [
            ("Volume by period", &self.r.by_period),
            ("By category", &self.r.by_category),
            ("By technician", &self.r.by_technician),
        ]
    }
    fn rating(&self, row: &report::Row) -> String {
        row.rating_tenths()
            .map(|t| format!("{}.{}", t / 10, t % 10))
            .unwrap_or_else(|| "–".into())
    }
}

async fn report_page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let today = chrono::Utc::now().date_naive();
    let day = |k: &str| chrono::NaiveDate::parse_from_str(field(&pairs, k).trim(), "%Y-%m-%d").ok();
    let from = day("from").unwrap_or(today - chrono::Duration::days(30));
    let to = day("to").unwrap_or(today);
    let period = Period::parse(&field(&pairs, "period")).unwrap_or_default();
    let r = match report::report(&state.store, &pa.actor, from, to, period).await {
        Ok(r) => r,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if field(&pairs, "format") == "csv" {
        return export(
            steward_io::TableFormat::Csv,
            "helpdesk-report",
            &report::CSV_HEADER,
            report::csv_rows(&r),
        );
    }
    render(
        &ReportPage {
            chrome: chrome(&state, &pa, "Helpdesk report", "/it/helpdesk/report").await,
            period: period.as_str(),
            r,
        },
        StatusCode::OK,
    )
}
