//! The helpdesk's settings at `/it/helpdesk/settings`: ticket categories, groups of
//! technicians and the service-level targets per priority. IT's staff read them; IT's
//! leads get the forms. Everything goes through `steward_core::it::helpdesk`, which
//! authorizes.
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::auth::Action;
use steward_core::error::FieldError;
use steward_core::ids::UserId;
use steward_core::it::helpdesk::{
    self, HelpdeskSla, Priority, TicketCategory, TicketCategoryId, TicketGroup, TicketGroupId,
};
use steward_core::Error;

use crate::auth::PageActor;
use crate::forms::Sent;
use crate::pages::{chrome, fail, field, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

const PATH: &str = "/it/helpdesk/settings";

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route(PATH, get(page::<S>))
        .route("/it/helpdesk/settings/categories", post(add_category::<S>))
        .route(
            "/it/helpdesk/settings/categories/{id}",
            post(rename_category::<S>),
        )
        .route("/it/helpdesk/settings/groups", post(add_group::<S>))
        .route("/it/helpdesk/settings/groups/{id}", post(save_group::<S>))
        .route("/it/helpdesk/settings/sla", post(save_sla::<S>))
}

#[derive(Template)]
#[template(path = "it/helpdesk_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    categories: Vec<TicketCategory>,
    groups: Vec<TicketGroup>,
    technicians: Vec<(UserId, String)>,
    sla: HelpdeskSla,
    lead: bool,
    /// The form with errors: `category`, `category:<id>`, `group`, `group:<id>` or `sla`.
    sent: Sent,
}

impl SettingsPage {
    fn error(&self, form: impl AsRef<str>, f: &str) -> Option<String> {
        self.sent.error(form, f)
    }

    fn value(&self, form: impl AsRef<str>, f: &str, default: impl std::fmt::Display) -> String {
        self.sent.value(form, f, default)
    }

    /// Whether `user` is ticked in a group's form: as sent after an error, else a member.
    fn member(&self, form: impl AsRef<str>, group: Option<&TicketGroup>, user: &UserId) -> bool {
        if self.sent.form == form.as_ref() {
            self.sent.all("member_id").any(|v| v == user.0.to_string())
        } else {
            group.is_some_and(|g| g.members.iter().any(|(u, _)| u == user))
        }
    }

    fn members(&self, g: &TicketGroup) -> String {
        let names: Vec<&str> = g.members.iter().map(|(_, n)| n.as_str()).collect();
        if names.is_empty() {
            "no members".into()
        } else {
            names.join(", ")
        }
    }

    /// Each priority's row of the targets' form: (key, label, first response, resolution).
    fn targets(&self) -> Vec<(&'static str, &'static str, i64, i64)> {
        Priority::ALL
            .iter()
            .zip(self.sla.targets)
            .map(|(p, (fr, res))| (p.as_str(), p.label(), fr, res))
            .collect()
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    form: &str,
    errors: Vec<FieldError>,
    pairs: Vec<(String, String)>,
) -> Response {
    let (categories, groups, technicians, sla) = match tokio::join!(
        helpdesk::categories(&state.store, &pa.actor),
        helpdesk::groups(&state.store, &pa.actor),
        helpdesk::technicians(&state.store, &pa.actor),
        helpdesk::sla_targets(&state.store, &pa.actor),
    ) {
        (Ok(c), Ok(g), Ok(t), Ok(s)) => (c, g, t, s),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
            return fail(state, pa, e).await
        }
    };
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &SettingsPage {
            chrome: chrome(state, pa, "Helpdesk settings", PATH).await,
            categories,
            groups,
            technicians,
            sla,
            lead: helpdesk::is_lead(&pa.actor),
            sent: Sent::of(form, errors, pairs),
        },
        status,
    )
}

async fn page<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    view(&state, &pa, "", Vec::new(), Vec::new()).await
}

/// A form's outcome: back to the page with a message, or the page with the form's errors.
async fn done<S: Backend, T>(
    state: &AppState<S>,
    pa: &PageActor,
    form: &str,
    pairs: Vec<(String, String)>,
    r: Result<T, Error>,
    message: impl FnOnce(T) -> String,
) -> Response {
    match r {
        Ok(t) => redirect_with(PATH, &message(t)),
        Err(e) if is_invalid(&e) => view(state, pa, form, e.field_errors(), pairs).await,
        Err(e) => fail(state, pa, e).await,
    }
}

fn version(pairs: &[(String, String)]) -> Option<i64> {
    field(pairs, "version").trim().parse().ok()
}

fn members(pairs: &[(String, String)]) -> Vec<UserId> {
    pairs
        .iter()
        .filter(|(k, _)| k == "member_id")
        .filter_map(|(_, v)| v.trim().parse().ok().map(UserId))
        .collect()
}

async fn add_category<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = helpdesk::create_category(&state.store, &pa.actor, &field(&pairs, "name")).await;
    done(&state, &pa, "category", pairs, r, |c| {
        format!("The category {} was added.", c.name)
    })
    .await
}

async fn rename_category<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = helpdesk::update_category(
        &state.store,
        &pa.actor,
        TicketCategoryId(id),
        &field(&pairs, "name"),
        version(&pairs),
    )
    .await;
    done(&state, &pa, &format!("category:{id}"), pairs, r, |c| {
        format!("The category is now called {}.", c.name)
    })
    .await
}

async fn add_group<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = helpdesk::create_group(
        &state.store,
        &pa.actor,
        &field(&pairs, "name"),
        &members(&pairs),
    )
    .await;
    done(&state, &pa, "group", pairs, r, |g| {
        format!("The group {} was added.", g.name)
    })
    .await
}

async fn save_group<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = helpdesk::update_group(
        &state.store,
        &pa.actor,
        TicketGroupId(id),
        &field(&pairs, "name"),
        &members(&pairs),
        version(&pairs),
    )
    .await;
    done(&state, &pa, &format!("group:{id}"), pairs, r, |g| {
        format!("The group {} was saved.", g.name)
    })
    .await
}

/// Minutes as typed: a field that is not a whole number is named.
fn minutes(pairs: &[(String, String)], name: &str, errors: &mut Vec<FieldError>) -> i64 {
    match field(pairs, name).trim().parse() {
        Ok(n) => n,
        Err(_) => {
            errors.push(FieldError {
                field: name.to_string(),
                message: "must be a whole number".into(),
            });
            0
        }
    }
}

async fn save_sla<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let mut errors = Vec::new();
    let mut targets = [(0i64, 0i64); 4];
    for (i, p) in Priority::ALL.iter().enumerate() {
        targets[i] = (
            minutes(&pairs, &format!("{p}.first_response"), &mut errors),
            minutes(&pairs, &format!("{p}.resolution"), &mut errors),
        );
    }
    let warn_percent = minutes(&pairs, "warn_percent", &mut errors);
    if let Err(e) = steward_core::it::gate(&pa.actor, Action::Approve) {
        return fail(&state, &pa, e).await;
    }
    if !errors.is_empty() {
        return view(&state, &pa, "sla", errors, pairs).await;
    }
    let version = match version(&pairs) {
        Some(v) => v,
        None => match helpdesk::sla_targets(&state.store, &pa.actor).await {
            Ok(s) => s.version,
            Err(e) => return fail(&state, &pa, e).await,
        },
    };
    let r = helpdesk::save_sla_targets(
        &state.store,
        &pa.actor,
        HelpdeskSla {
            targets,
            warn_percent,
            version,
        },
    )
    .await;
    done(&state, &pa, "sla", pairs, r, |_| {
        "The service levels were saved; open tickets follow within a minute.".into()
    })
    .await
}
