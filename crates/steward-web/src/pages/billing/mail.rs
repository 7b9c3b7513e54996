//! Billing by e-mail: sending a posted invoice from its page (`POST …/send`), and the
//! reminders page `/billing/dunning` (the templates and levels, what the next run would
//! send with "send now", and the log of everything sent, paged and exported as CSV/XLSX),
//! and a customer's exclusion from reminders (`POST /billing/parties/{id}/dunning`).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use steward_core::billing::dunning::{self, Reminder};
use steward_core::billing::mail::{
    self, LevelInput, MailSettings, MailSettingsInput, SendInput, SendKind, SendQuery, SendRecord,
};
use steward_core::error::FieldError;
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::list::{Paging, SortDir};
use steward_core::Error;

use super::money;
use crate::auth::PageActor;
use crate::list::{col, export, Column, ListParams, ListView};
use crate::pages::{chrome, fail, field, field_error, is_invalid, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .route("/billing/invoices/{id}/send", post(send::<S>))
        .route("/billing/dunning", get(page::<S>))
        .route("/billing/dunning/settings", post(save_settings::<S>))
        .route("/billing/dunning/run", post(run::<S>))
        .route("/billing/parties/{id}/dunning", post(set_excluded::<S>))
}

async fn send<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !mail::may_send(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = SendInput {
        to: mail::addresses(&field(&pairs, "to")),
        subject: field(&pairs, "subject").to_string(),
        message: field(&pairs, "message").to_string(),
    };
    match mail::send_document(&state.store, &pa.actor, InvoiceId(id), &input, None).await {
        Ok(s) => redirect_with(
            &format!("/billing/invoices/{id}"),
            &format!("Sent to {}.", s.recipients.join(", ")),
        ),
        Err(e) if is_invalid(&e) => {
            let message = e
                .field_errors()
                .first()
                .map(|f: &FieldError| format!("{}: {}", f.field.replace('_', " "), f.message))
                .unwrap_or_else(|| e.to_string());
            super::invoices::show_view(&state, &pa, id, Some(message)).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

const COLUMNS: &[Column] = &[
    col("sent_at", "When", false),
    col("kind", "What", false),
    col("party", "Customer", false),
    col("documents", "Documents", false),
    col("to", "To", false),
    col("status", "Status", false),
];

const EXPORT_HEADERS: &[&str] = &[
    "sent_at",
    "kind",
    "level",
    "customer",
    "documents",
    "to",
    "subject",
    "status",
    "message_id",
    "sent_by",
];

fn export_row(s: &SendRecord) -> Vec<String> {
    vec![
        s.sent_at.rfc3339(),
        s.kind.as_str().to_string(),
        s.level.to_string(),
        s.party_name.clone(),
        s.documents
            .iter()
            .filter_map(|d| d.number.clone())
            .collect::<Vec<_>>()
            .join(" "),
        s.recipients.join(", "),
        s.subject.clone(),
        s.status.clone(),
        s.message_id.clone(),
        s.sent_by.clone(),
    ]
}

#[derive(Template)]
#[template(path = "billing/dunning.html")]
struct DunningPage {
    chrome: Chrome,
    settings: MailSettings,
    /// What was typed, when saving was refused.
    errors: Vec<FieldError>,
    can_configure: bool,
    can_send: bool,
    preview: Vec<Reminder>,
    list: ListView,
    rows: Vec<SendRecord>,
    kind: String,
}

impl DunningPage {
    fn err(&self, f: &str) -> Option<String> {
        field_error(&self.errors, f)
    }
    fn amount(&self, minor: &i64, currency: &str) -> String {
        self.chrome
            .num(format!("{} {currency}", money(*minor, currency)))
    }
    fn docs(&self, s: &SendRecord) -> String {
        s.documents
            .iter()
            .map(|d| d.number.clone().unwrap_or_else(|| format!("#{}", d.id)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn view<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    pairs: Vec<(String, String)>,
    typed: Option<(MailSettings, Vec<FieldError>)>,
) -> Response {
    let params = ListParams::new(pairs);
    let kind = params.get("kind").unwrap_or("").to_string();
    let q = SendQuery {
        kind: SendKind::parse(&kind),
        paging: if params.export_format().is_some() {
            Paging::export()
        } else {
            params.paging()
        },
        ..SendQuery::default()
    };
    let page = match mail::list(&state.store, &pa.actor, &q).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    if let Some(format) = params.export_format() {
        return export(
            format,
            "billing-sends",
            EXPORT_HEADERS,
            page.items.iter().map(export_row).collect(),
        );
    }
    let today = chrono::Utc::now().date_naive();
    let (settings, errors) = match typed {
        Some(t) => t,
        None => match mail::settings(&state.store, &pa.actor).await {
            Ok(s) => (s, Vec::new()),
            Err(e) => return fail(state, pa, e).await,
        },
    };
    let preview = match dunning::preview(&state.store, &pa.actor, today).await {
        Ok(p) => p,
        Err(e) => return fail(state, pa, e).await,
    };
    let list = ListView::new(
        "/billing/dunning",
        &params,
        COLUMNS,
        "",
        SortDir::Desc,
        &page,
    );
    let status = crate::pages::form_status(!errors.is_empty());
    render(
        &DunningPage {
            chrome: chrome(state, pa, "Reminders", "/billing/dunning").await,
            settings,
            errors,
            can_configure: steward_core::billing::allowed(
                &pa.actor,
                steward_core::auth::Domain::Accounting,
                steward_core::auth::Action::Update,
            ),
            can_send: mail::may_send(&pa.actor),
            preview,
            list,
            rows: page.items,
            kind,
        },
        status,
    )
}

async fn page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    view(&state, &pa, pairs, None).await
}

fn settings_input(pairs: &[(String, String)]) -> MailSettingsInput {
    MailSettingsInput {
        invoice_subject: field(pairs, "invoice_subject").to_string(),
        invoice_body: field(pairs, "invoice_body").to_string(),
        dunning_enabled: !field(pairs, "dunning_enabled").is_empty(),
        levels: (0..mail::LEVELS)
            .map(|i| LevelInput {
                enabled: !field(pairs, &format!("levels[{i}].enabled")).is_empty(),
                days: field(pairs, &format!("levels[{i}].days")).to_string(),
                subject: field(pairs, &format!("levels[{i}].subject")).to_string(),
                body: field(pairs, &format!("levels[{i}].body")).to_string(),
            })
            .collect(),
    }
}

async fn save_settings<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !steward_core::billing::allowed(
        &pa.actor,
        steward_core::auth::Domain::Accounting,
        steward_core::auth::Action::Update,
    ) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let input = settings_input(&pairs);
    let version = field(&pairs, "version").parse().ok();
    match mail::set_settings(&state.store, &pa.actor, &input, version).await {
        Ok(_) => redirect_with("/billing/dunning", "The e-mail settings were saved."),
        Err(e) if is_invalid(&e) => {
            let typed = MailSettings {
                invoice_subject: input.invoice_subject.clone(),
                invoice_body: input.invoice_body.clone(),
                dunning_enabled: input.dunning_enabled,
                levels: input
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| mail::DunningLevel {
                        level: i as i64 + 1,
                        enabled: l.enabled,
                        days: l.days.trim().parse().unwrap_or(0),
                        subject: l.subject.clone(),
                        body: l.body.clone(),
                    })
                    .collect(),
                version: version.unwrap_or(0),
            };
            view(&state, &pa, Vec::new(), Some((typed, e.field_errors()))).await
        }
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn run<S: Backend>(State(state): State<AppState<S>>, pa: PageActor) -> Response {
    if !mail::may_send(&pa.actor) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let today = chrono::Utc::now().date_naive();
    match dunning::run(&state.store, &pa.actor, today).await {
        Ok(r) if r.sent == 0 && r.skipped == 0 && r.already == 0 => redirect_with(
            "/billing/dunning",
            "No reminder was due (or reminders are switched off in the settings below).",
        ),
        Ok(r) => redirect_with(
            "/billing/dunning",
            &format!(
                "{} reminder(s) sent, {} skipped.",
                r.sent,
                r.skipped + r.already
            ),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}

async fn set_excluded<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if !steward_core::billing::allowed(
        &pa.actor,
        steward_core::auth::Domain::Receivables,
        steward_core::auth::Action::Update,
    ) {
        return fail(&state, &pa, Error::Forbidden).await;
    }
    let excluded = field(&pairs, "excluded") == "true";
    match mail::set_excluded(&state.store, &pa.actor, PartyId(id), excluded).await {
        Ok(()) => redirect_with(
            &format!("/billing/parties/{id}"),
            if excluded {
                "The customer is excluded from payment reminders."
            } else {
                "The customer gets payment reminders again."
            },
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
