//! The notification centre: my notifications (filter, search, sort, page, export), open one
//! (marks it read and goes to what it is about), mark read, mark all read, and my choice of
//! delivery per group of kinds.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::list::SortKey;
use steward_core::work::notify::{
    self, group_of, Delivery, Notification, NotificationId, NotificationSort, Preference, GROUPS,
};
use steward_core::Error;

use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};
pub(crate) use crate::views::notify::{export_row, query_from, EXPORT_HEADERS};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/notifications", get(index::<S>))
        .route("/notifications/read-all", post(read_all::<S>))
        .route(
            "/notifications/preferences",
            get(preferences::<S>).post(save_preferences::<S>),
        )
        .route("/notifications/{id}/read", post(read_one::<S>))
        .route("/notifications/{id}/open", post(open::<S>))
}

const COLUMNS: &[Column] = &[
    col("title", "Notification", true),
    col("kind", "Kind", true),
    col("created", "When", true),
    col("state", "State", false),
];

pub(crate) fn group_label(kind: &str) -> &'static str {
    let g = group_of(kind);
    GROUPS
        .iter()
        .find(|(k, _)| *k == g)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

#[derive(Template)]
#[template(path = "work/notifications.html")]
struct ListPage {
    chrome: Chrome,
    list: ListView,
    items: Vec<Notification>,
    groups: &'static [(&'static str, &'static str)],
}

impl ListPage {
    fn label(&self, kind: &str) -> &'static str {
        group_label(kind)
    }
}

async fn index<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params = ListParams::new(pairs);
    let q = match query_from(&params) {
        Ok(q) => q,
        Err(e) => return fail(&state, &pa, e).await,
    };
    let page = match notify::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(&state, &pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "notifications",
            EXPORT_HEADERS,
            page.items.iter().map(export_row).collect(),
        );
    }
    let dir = q.dir.unwrap_or(if q.sort == NotificationSort::Created {
        steward_core::list::SortDir::Desc
    } else {
        steward_core::list::SortDir::Asc
    });
    let list = ListView::new(
        "/notifications",
        &params,
        COLUMNS,
        q.sort.name(),
        dir,
        &page,
    );
    render(
        &ListPage {
            chrome: chrome(&state, &pa, "Notifications", "/notifications").await,
            list,
            items: page.items,
            groups: GROUPS,
        },
        StatusCode::OK,
    )
}

async fn read_one<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match notify::mark_read(&state.store, &pa.actor, NotificationId(id)).await {
        Ok(_) => redirect_with("/notifications", "Marked as read."),
        Err(e) => fail(&state, &pa, e).await,
    }
}

/// Marks it read and goes to the record it is about (or back to the list).
async fn open<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match notify::mark_read(&state.store, &pa.actor, NotificationId(id)).await {
        Ok(n) => {
            let to = n
                .link
                .filter(|l| notify::valid_link(l))
                .unwrap_or_else(|| "/notifications".into());
            Redirect::to(&to).into_response()
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn read_all<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    match notify::mark_all_read(&state.store, &pa.actor).await {
        Ok(0) => redirect_with("/notifications", "Nothing was unread."),
        Ok(n) => redirect_with(
            "/notifications",
            &format!(
                "Marked {n} notification{} as read.",
                if n == 1 { "" } else { "s" }
            ),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

pub(crate) struct PrefRow {
    pub group: &'static str,
    pub label: &'static str,
    pub delivery: Delivery,
}

#[derive(Template)]
#[template(path = "work/notification_prefs.html")]
struct PrefsPage {
    chrome: Chrome,
    rows: Vec<PrefRow>,
    choices: [Delivery; 4],
    error: Option<String>,
}

async fn prefs_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let prefs = match notify::preferences(&state.store, &pa.actor).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let rows = GROUPS
        .iter()
        .map(|(g, l)| PrefRow {
            group: g,
            label: l,
            delivery: prefs
                .iter()
                .find(|p| p.group == *g)
                .map(|p| p.delivery)
                .unwrap_or_default(),
        })
        .collect();
    render(
        &PrefsPage {
            chrome: chrome(state, pa, "Notification settings", "/notifications").await,
            rows,
            choices: Delivery::ALL,
            error,
        },
        status,
    )
}

async fn preferences<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    prefs_page(&state, &pa, None, StatusCode::OK).await
}

async fn save_preferences<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut changes = Vec::new();
    for (k, v) in &pairs {
        let Some(group) = k.strip_prefix("delivery_") else {
            continue;
        };
        let Some(delivery) = Delivery::parse(v) else {
            let msg = format!("{group}: choose one of the offered deliveries");
            return prefs_page(&state, &pa, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        };
        changes.push(Preference {
            group: group.to_string(),
            delivery,
        });
    }
    match notify::set_preferences(&state.store, &pa.actor, &changes).await {
        Ok(_) => redirect_with("/notifications/preferences", "Notification settings saved."),
        Err(e @ Error::Invalid { .. }) => {
            prefs_page(
                &state,
                &pa,
                Some(e.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}
