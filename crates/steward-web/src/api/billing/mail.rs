//! Billing by e-mail: `POST /api/v1/billing/invoices/{id}/send` (the document's PDF to the
//! customer; an `Idempotency-Key` makes a retry answer with the first send) and its log
//! (`…/sends`), the company's templates and reminder levels (`/api/v1/billing/mail-settings`),
//! reminders (`/api/v1/billing/dunning`: what the next run would send, "send now", what was
//! sent) and a customer's exclusion from them (`/api/v1/billing/parties/{id}/dunning`).
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::billing::dunning::{self, Reminder};
use steward_core::billing::mail::{
    self, LevelInput, MailSettings, MailSettingsInput, SendInput, SendKind, SendQuery, SendRecord,
};
use steward_core::ids::{InvoiceId, PartyId};
use steward_core::list::Paging;
use steward_core::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use super::money;
use crate::api::contract::parse_date_param;
use crate::api::{created, ok, ApiJson, ListOf};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(send))
        .routes(routes!(sends_of))
        .routes(routes!(settings, set_settings))
        .routes(routes!(preview))
        .routes(routes!(run))
        .routes(routes!(sent))
        .routes(routes!(excluded, set_excluded))
}

/// Up to 10 addresses, each as `core::input::Email` reads it.
fn emails() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::api::contract::email())
        .min_items(Some(1))
        .max_items(Some(mail::MAX_RECIPIENTS))
        .build()
}

#[derive(Serialize, ToSchema)]
pub struct SentDocumentOut {
    id: i64,
    number: Option<String>,
    /// The reminder level sent for it; 0 for a document sent on purpose.
    level: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SendOut {
    id: i64,
    /// `document` or `reminder`.
    kind: String,
    party_id: i64,
    party_name: String,
    documents: Vec<SentDocumentOut>,
    recipients: Vec<String>,
    subject: String,
    /// The left part of the mail's `Message-ID` (`<id@sender's domain>`).
    message_id: String,
    level: i64,
    /// The `mail.send` job that delivers it.
    job_id: Option<i64>,
    /// `queued`, `retrying`, `sent` or `failed`.
    status: String,
    error: Option<String>,
    sent_by: String,
    /// RFC 3339.
    sent_at: String,
}

impl From<SendRecord> for SendOut {
    fn from(s: SendRecord) -> Self {
        SendOut {
            id: s.id,
            kind: s.kind.as_str().to_string(),
            party_id: s.party_id.0,
            party_name: s.party_name,
            documents: s
                .documents
                .into_iter()
                .map(|d| SentDocumentOut {
                    id: d.id.0,
                    number: d.number,
                    level: d.level,
                })
                .collect(),
            recipients: s.recipients,
            subject: s.subject,
            message_id: s.message_id,
            level: s.level,
            job_id: s.job_id.map(|j| j.0),
            status: s.status,
            error: s.error,
            sent_by: s.sent_by,
            sent_at: s.sent_at.rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendIn {
    /// Who gets it (the customer's address is what the invoice page offers).
    #[schema(schema_with = emails)]
    to: Vec<String>,
    /// Empty or absent: the company's template filled in.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    subject: Option<String>,
    /// Empty or absent: the company's template filled in.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_text::<20000>)]
    message: Option<String>,
}

/// Sends a posted invoice or credit note by e-mail with its PDF attached (`receivables.create`).
/// The send is logged on the document and queued for the mail worker in one transaction.
#[utoipa::path(post, path = "/api/v1/billing/invoices/{id}/send", tag = "billing", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key answers with the first send")),
    request_body = SendIn,
    responses((status = 201, body = SendOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn send<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<SendIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let input = SendInput {
        to: b.to,
        subject: b.subject.unwrap_or_default(),
        message: b.message.unwrap_or_default(),
    };
    let s = mail::send_document(
        &state.store,
        &a.actor,
        InvoiceId(id),
        &input,
        key.as_deref(),
    )
    .await
    .map_err(err)?;
    Ok(created(SendOut::from(s)))
}

/// Every send of a document (sent on purpose or in a reminder), newest first.
#[utoipa::path(get, path = "/api/v1/billing/invoices/{id}/sends", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SendOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn sends_of<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let list = mail::sends_of_document(&state.store, &a.actor, InvoiceId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(list.into_iter().map(SendOut::from).collect::<Vec<_>>()))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningLevelIo {
    enabled: bool,
    /// Days past the due date.
    #[schema(minimum = 1, maximum = 3650)]
    days: i64,
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    subject: String,
    #[schema(schema_with = crate::api::contract::text::<20000, true>)]
    body: String,
}

#[derive(Serialize, ToSchema)]
pub struct MailSettingsOut {
    /// Placeholders: `{kind}` (`{Kind}` capitalised), `{number}`, `{total}`, `{currency}`, `{due_date}`,
    /// `{customer}`, `{company}`; reminders also `{invoices}` and `{open}`.
    invoice_subject: String,
    invoice_body: String,
    dunning_enabled: bool,
    /// Levels 1, 2 and 3.
    levels: Vec<DunningLevelIo>,
    version: i64,
}

impl From<MailSettings> for MailSettingsOut {
    fn from(s: MailSettings) -> Self {
        MailSettingsOut {
            invoice_subject: s.invoice_subject,
            invoice_body: s.invoice_body,
            dunning_enabled: s.dunning_enabled,
            levels: s
                .levels
                .into_iter()
                .map(|l| DunningLevelIo {
                    enabled: l.enabled,
                    days: l.days,
                    subject: l.subject,
                    body: l.body,
                })
                .collect(),
            version: s.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailSettingsIn {
    #[schema(schema_with = crate::api::contract::line::<200, true>)]
    invoice_subject: String,
    #[schema(schema_with = crate::api::contract::text::<20000, true>)]
    invoice_body: String,
    dunning_enabled: bool,
    /// Exactly three: levels 1, 2 and 3, the enabled ones with rising days.
    #[schema(min_items = 3, max_items = 3)]
    levels: Vec<DunningLevelIo>,
    /// The version read: a stale one is 409.
    #[serde(default)]
    version: Option<i64>,
}

/// The e-mail templates and the reminder levels.
#[utoipa::path(get, path = "/api/v1/billing/mail-settings", tag = "billing",
    responses((status = 200, body = MailSettingsOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let s = mail::settings(&state.store, &a.actor)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(MailSettingsOut::from(s)))
}

/// Changes the templates and reminder levels (`accounting.update`).
#[utoipa::path(put, path = "/api/v1/billing/mail-settings", tag = "billing", request_body = MailSettingsIn,
    responses((status = 200, body = MailSettingsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_settings<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    ApiJson(b): ApiJson<MailSettingsIn>,
) -> Result<Response, ApiError> {
    let input = MailSettingsInput {
        invoice_subject: b.invoice_subject,
        invoice_body: b.invoice_body,
        dunning_enabled: b.dunning_enabled,
        levels: b
            .levels
            .into_iter()
            .map(|l| LevelInput {
                enabled: l.enabled,
                days: l.days.to_string(),
                subject: l.subject,
                body: l.body,
            })
            .collect(),
    };
    let s = mail::set_settings(&state.store, &a.actor, &input, b.version)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(MailSettingsOut::from(s)))
}

#[derive(Serialize, ToSchema)]
pub struct DueLineOut {
    id: i64,
    number: String,
    due_date: String,
    days_overdue: i64,
    currency: String,
    total: String,
    open: String,
    /// The level this reminder sends for it.
    level: i64,
    /// The highest level sent for it before.
    last_level: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReminderOut {
    party_id: i64,
    party_name: String,
    to: Vec<String>,
    level: i64,
    invoices: Vec<DueLineOut>,
    /// Why it will not be sent (no address, excluded); absent when it will.
    skipped: Option<String>,
}

impl From<Reminder> for ReminderOut {
    fn from(r: Reminder) -> Self {
        ReminderOut {
            party_id: r.party_id.0,
            party_name: r.party_name,
            to: r.to,
            level: r.level,
            invoices: r
                .lines
                .into_iter()
                .map(|l| DueLineOut {
                    id: l.id.0,
                    number: l.number,
                    due_date: l.due_date.to_string(),
                    days_overdue: l.days_overdue,
                    total: money(l.total, &l.currency),
                    open: money(l.open, &l.currency),
                    currency: l.currency,
                    level: l.level,
                    last_level: l.last_level,
                })
                .collect(),
            skipped: r.skipped,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// The day of the run, `YYYY-MM-DD`; today when absent.
    #[param(schema_with = crate::api::contract::date_param)]
    as_of: Option<String>,
}

use steward_core::time::today;

/// What a reminder run today (or `as_of`) would send, one reminder per customer.
#[utoipa::path(get, path = "/api/v1/billing/dunning/preview", tag = "billing", params(PreviewParams),
    responses((status = 200, body = Vec<ReminderOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn preview<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<PreviewParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let day = parse_date_param("as_of", p.as_of.as_deref())
        .map_err(err)?
        .unwrap_or_else(today);
    let list = dunning::preview(&state.store, &a.actor, day)
        .await
        .map_err(err)?;
    Ok(ok(list
        .into_iter()
        .map(ReminderOut::from)
        .collect::<Vec<_>>()))
}

#[derive(Serialize, ToSchema)]
pub struct DunningRunOut {
    /// Reminders queued for sending.
    sent: usize,
    /// Reminders not sent (no address, excluded).
    skipped: usize,
    /// Reminders another run had sent first.
    already: usize,
}

/// Sends today's reminders now (`receivables.create`); each (invoice, level) goes once
/// ever, so running it again sends nothing new. Off unless the mail settings switch
/// reminders on.
#[utoipa::path(post, path = "/api/v1/billing/dunning/run", tag = "billing",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key answers as the first")),
    responses((status = 200, body = DunningRunOut), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
) -> Result<Response, ApiError> {
    let r = dunning::run(&state.store, &a.actor, today())
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DunningRunOut {
        sent: r.sent,
        skipped: r.skipped,
        already: r.already,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SentParams {
    /// `document` or `reminder`; empty for both.
    #[param(schema_with = send_kind_filter)]
    kind: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

fn send_kind_filter() -> utoipa::openapi::schema::Object {
    crate::api::contract::filter(&["document", "reminder"])
}

/// The company's sends, newest first.
#[utoipa::path(get, path = "/api/v1/billing/dunning/sent", tag = "billing", params(SentParams),
    responses((status = 200, body = ListOf<SendOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn sent<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Query(p): Query<SentParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let kind = match p.kind.as_deref().unwrap_or("") {
        "" => None,
        k => Some(
            SendKind::parse(k)
                .ok_or_else(|| err(Error::invalid("kind", "`document` or `reminder`")))?,
        ),
    };
    let q = SendQuery {
        kind,
        paging: Paging::new(p.limit, p.offset),
        ..SendQuery::default()
    };
    let page = mail::list(&state.store, &a.actor, &q).await.map_err(err)?;
    Ok(ok(ListOf {
        total: page.total,
        limit: page.limit,
        offset: page.offset,
        items: page
            .items
            .into_iter()
            .map(SendOut::from)
            .collect::<Vec<_>>(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningFlag {
    /// Never sent reminders.
    excluded: bool,
}

/// Whether a customer is excluded from reminders.
#[utoipa::path(get, path = "/api/v1/billing/parties/{id}/dunning", tag = "billing", params(("id" = i64, Path)),
    responses((status = 200, body = DunningFlag), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn excluded<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let excluded = mail::is_excluded(&state.store, &a.actor, PartyId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DunningFlag { excluded }))
}

/// Excludes a customer from reminders, or includes them again (`receivables.update`).
#[utoipa::path(put, path = "/api/v1/billing/parties/{id}/dunning", tag = "billing", params(("id" = i64, Path)),
    request_body = DunningFlag,
    responses((status = 200, body = DunningFlag), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_excluded<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DunningFlag>,
) -> Result<Response, ApiError> {
    mail::set_excluded(&state.store, &a.actor, PartyId(id), b.excluded)
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(DunningFlag {
        excluded: b.excluded,
    }))
}
