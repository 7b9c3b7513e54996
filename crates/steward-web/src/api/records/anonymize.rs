//! `/api/v1/records/subjects/{id}/anonymize`: what anonymizing a subject would do (GET: the
//! records disposed of, the records kept and why) and doing it with a reason (POST), the
//! privacy office only (`steward_core::records::anonymize`).
use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use steward_core::records::anonymize::{self, Plan, Planned};
use steward_core::records::{self as records, SubjectId};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::api::{json_body, ok, Shape};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

pub(crate) fn routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(plan, anonymize_subject))
}

#[derive(Serialize, ToSchema)]
pub struct RecordsPlannedOut {
    item_id: i64,
    /// The title (hidden for a sensitive record without `records_sensitive.read`).
    title: String,
    category: String,
    /// `note` or `document`.
    kind: String,
    /// Why it is kept (empty for a record disposed of).
    kept_because: String,
}

impl From<Planned> for RecordsPlannedOut {
    fn from(p: Planned) -> Self {
        RecordsPlannedOut {
            item_id: p.item_id.0,
            title: p.title,
            category: p.category,
            kind: p.kind,
            kept_because: p.kept_because,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsAnonymizeOut {
    subject_id: i64,
    /// The reference and name it had.
    subject: String,
    /// The reference it gets (`ANON-<id>`).
    reference: String,
    /// Erased: content and bytes deleted, a tombstone kept (a disposal).
    dispose: Vec<RecordsPlannedOut>,
    /// Kept as retention or a legal hold requires.
    keep: Vec<RecordsPlannedOut>,
    /// Whether it is anonymized (after a POST; a GET of one anonymized already).
    done: bool,
}

impl From<Plan> for RecordsAnonymizeOut {
    fn from(p: Plan) -> Self {
        RecordsAnonymizeOut {
            subject_id: p.subject_id.0,
            subject: p.subject,
            reference: p.reference,
            dispose: p.dispose.into_iter().map(Into::into).collect(),
            keep: p.keep.into_iter().map(Into::into).collect(),
            done: p.done,
        }
    }
}

/// What anonymizing the subject would do today (the privacy office, with `records.approve`).
#[utoipa::path(get, path = "/api/v1/records/subjects/{id}/anonymize", tag = "records", params(("id" = i64, Path)),
    responses((status = 200, body = RecordsAnonymizeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn plan<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let p = anonymize::plan(&state.store, &a.actor, SubjectId(id))
        .await
        .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsAnonymizeOut::from(p)))
}

/// Why the subject is anonymized.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsAnonymizeIn {
    /// Required (422 on `reason`), for example the request's reference.
    #[schema(schema_with = crate::api::contract::text::<1000, true>)]
    reason: String,
}

/// Anonymizes the subject (the privacy office): the records retention or a hold does not
/// require are erased with a tombstone, the rest kept; the reference becomes `ANON-<id>`,
/// the name `Anonymized`, the custom values and consents' notes are cleared. 409 while the
/// subject is on legal hold, or when it was anonymized already.
#[utoipa::path(post, path = "/api/v1/records/subjects/{id}/anonymize", tag = "records", params(("id" = i64, Path)), request_body = RecordsAnonymizeIn,
    responses((status = 200, body = RecordsAnonymizeOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn anonymize_subject<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Response, ApiError> {
    records::gate_office(&a.actor).map_err(|e| ApiError::new(e, &a.request_id))?;
    let b: RecordsAnonymizeIn = json_body(req, &state, Shape::Object).await?;
    let p = anonymize::anonymize(
        &state.store,
        &*state.files,
        &a.actor,
        SubjectId(id),
        &b.reason,
    )
    .await
    .map_err(|e| ApiError::new(e, &a.request_id))?;
    Ok(ok(RecordsAnonymizeOut::from(p)))
}
