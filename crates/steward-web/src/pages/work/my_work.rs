//! "My work" at `/work`: in one place what waits for me: my open tasks, the approvals
//! waiting for my decision, the escalations I hold, and my unread notifications. Each
//! section shows the first few and links to the full, filtered list.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use steward_core::list::{Paging, SortDir};
use steward_core::work::approvals::{self, ApprovalQuery, ApprovalSort, ApprovalSummary, Mailbox};
use steward_core::work::cases::{self, AssigneeFilter, Case, CaseQuery, SlaState};
use steward_core::work::notify::{self, Notification, NotificationQuery};
use steward_core::work::tasks::{self, StatusFilter, TaskQuery, TaskSort, TaskSummary};

use crate::auth::PageActor;
use crate::pages::{chrome, fail, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new().route("/work", get(index::<S>))
}

/// How many rows each section shows.
pub(crate) const SECTION_ROWS: u32 = 10;

/// One row of a section: a title linking to the record, and a few facts.
pub struct Row {
    pub title: String,
    pub href: String,
    pub facts: Vec<String>,
    /// "overdue", "breached": shown as a warning.
    pub alert: Option<String>,
}

pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub total: u64,
    pub rows: Vec<Row>,
    /// The full list behind the section.
    pub more: &'static str,
    pub empty: &'static str,
}

#[derive(Template)]
#[template(path = "work/my_work.html")]
struct MyWorkPage {
    chrome: Chrome,
    sections: Vec<Section>,
}

fn notification_row(n: Notification) -> Row {
    Row {
        facts: vec![
            crate::pages::work::notify::group_label(&n.kind).to_string(),
            n.created_at.display(),
        ],
        href: n
            .link
            .clone()
            .filter(|l| notify::valid_link(l))
            .unwrap_or_else(|| "/notifications".into()),
        title: n.title,
        alert: None,
    }
}

fn task_rows(items: Vec<TaskSummary>) -> Vec<Row> {
    let today = tasks::today();
    items
        .into_iter()
        .map(|t| {
            let mut facts = vec![t.priority.label().to_string(), t.status.label().to_string()];
            if let Some(d) = t.due {
                facts.push(format!("due {d}"));
            }
            Row {
                alert: t.is_overdue(today).then(|| "overdue".to_string()),
                href: format!("/tasks/{}", t.id.0),
                title: t.title,
                facts,
            }
        })
        .collect()
}

fn approval_rows(reg: &steward_core::registry::Registry, items: Vec<ApprovalSummary>) -> Vec<Row> {
    items
        .into_iter()
        .map(|a| {
            let mut facts = vec![
                reg.approval_label(&a.kind).to_string(),
                a.requester_name.clone(),
            ];
            let amount = a.amount_text();
            if !amount.is_empty() {
                facts.push(amount);
            }
            facts.push(format!("since {}", a.created_at.display()));
            Row {
                alert: a.overdue().then(|| "past its deadline".to_string()),
                href: format!("/approvals/{}", a.id.0),
                title: a.title,
                facts,
            }
        })
        .collect()
}

fn case_rows(items: Vec<Case>) -> Vec<Row> {
    items
        .into_iter()
        .map(|c| Row {
            alert: (c.sla_state == SlaState::Breached).then(|| "SLA breached".to_string()),
            href: format!("/cases/{}", c.id.0),
            facts: vec![
                c.customer_name.clone(),
                c.priority.label().to_string(),
                c.status.label().to_string(),
                c.sla_state.label().to_string(),
            ],
            title: c.subject,
        })
        .collect()
}

/// A section's result: a forbidden list is left out (the person has no such work).
fn keep<T>(r: steward_core::Result<T>) -> steward_core::Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(steward_core::Error::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn index<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    let (sections, chrome) = tokio::join!(
        sections(&state, &pa),
        chrome(&state, &pa, "My work", "/work")
    );
    match sections {
        Ok(sections) => render(&MyWorkPage { chrome, sections }, StatusCode::OK),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn sections<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
) -> steward_core::Result<Vec<Section>> {
    let store = &state.store;
    let actor = &pa.actor;
    let rows = Paging::new(Some(SECTION_ROWS), None);
    let task_q = TaskQuery {
        status: StatusFilter::Active,
        assignee: Some(actor.user_id),
        today: Some(tasks::today()),
        sort: TaskSort::Due,
        paging: rows,
        ..Default::default()
    };
    let approval_q = ApprovalQuery {
        mailbox: Mailbox::Inbox,
        sort: ApprovalSort::Created,
        dir: SortDir::Asc,
        paging: rows,
        ..Default::default()
    };
    let back_office = cases::is_back_office(actor);
    let case_q = CaseQuery {
        open_only: true,
        // The back office: cases I hold; the front office: the cases I escalated.
        assignee: back_office.then_some(AssigneeFilter::User(actor.user_id)),
        paging: rows,
        ..Default::default()
    };
    let note_q = NotificationQuery {
        unread_only: true,
        paging: rows,
        ..Default::default()
    };
    let (my_tasks, my_approvals, my_cases, my_notes) = tokio::join!(
        tasks::list_tasks(store, actor, &task_q),
        approvals::list(store, &state.registry, actor, &approval_q),
        cases::list_cases(store, actor, &case_q),
        notify::list(store, actor, &note_q),
    );
    let mut out = Vec::new();
    if let Some(p) = keep(my_tasks)? {
        out.push(Section {
            id: "my-tasks",
            title: "My tasks",
            total: p.total,
            rows: task_rows(p.items),
            more: "/tasks?assignee=me&status=active",
            empty: "No open tasks.",
        });
    }
    if let Some(p) = keep(my_approvals)? {
        out.push(Section {
            id: "my-approvals",
            title: "Waiting for my approval",
            total: p.total,
            rows: approval_rows(&state.registry, p.items),
            more: "/approvals",
            empty: "Nothing waits for your decision.",
        });
    }
    if let Some(p) = keep(my_cases)? {
        out.push(Section {
            id: "my-escalations",
            title: "My escalations",
            total: p.total,
            rows: case_rows(p.items),
            more: if back_office {
                "/cases?status=open&assignee=me"
            } else {
                "/cases?status=open"
            },
            empty: "No open escalations.",
        });
    }
    let p = my_notes?;
    out.push(Section {
        id: "my-notifications",
        title: "My notifications",
        total: p.total,
        rows: p.items.into_iter().map(notification_row).collect(),
        more: "/notifications?unread=true",
        empty: "Nothing unread.",
    });
    Ok(out)
}
