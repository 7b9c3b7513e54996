//! The JSON API at `/api/v1/…`. Every route is registered together with its OpenAPI
//! description (utoipa-axum), so the document at `/api/openapi.json` lists exactly the
//! routes that exist, and the role-matrix test walks it.
mod audit;
pub(crate) mod bank;
pub(crate) mod billing;
pub mod contract;
pub(crate) mod departments;
pub(crate) mod hr;
pub(crate) mod import;
pub(crate) mod it;
pub(crate) mod ledger;
mod me;
pub(crate) mod records;
mod roles;
mod tokens;
mod users;
pub(crate) mod work;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use steward_core::auth::Actor;
use steward_core::idempotency::{self, Claim, Holder, KeyedRequest};
use steward_core::Error;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::ApiActor;
use crate::error::{problem_response, ApiError};
use crate::state::{AppState, Backend};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = "Everything the Steward pages do, as JSON. Authenticate with `Authorization: Bearer <token>` (create one on your profile page or with `steward token create`). Errors are `application/problem+json` naming the field at fault. Lists take `limit`, `offset`, `sort`, `dir`, `q` and filters. Updates carry the `version` they read and get 409 when the record changed since. POSTs honour `Idempotency-Key`."),
    components(schemas(crate::error::Problem, contract::ExportFormat)),
    modifiers(&Security),
    security(("bearer" = []))
)]
struct ApiDoc;

/// The API of every registered domain, with the layers every API route passes (replayed
/// retries, problem+json for axum's own rejections).
pub fn router<S: Backend>(state: AppState<S>) -> (Router<AppState<S>>, serde_json::Value) {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi());
    for d in state.web.domains() {
        api = (d.api)(api);
    }
    let (router, openapi) = api.split_for_parts();
    let mut doc = contract::complete(openapi);
    for d in state.web.domains() {
        (d.document)(&mut doc, &state.registry);
    }
    // Innermost first: axum's own rejections become problems before a retry's answer is
    // stored, so a replay is the same problem.
    let router = router
        .layer(axum::middleware::from_fn(problem_rejections))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency,
        ))
        .layer(axum::middleware::from_fn_with_state(
            contract::DeclaredChoices::of(&doc),
            contract::check_choices,
        ))
        .layer(axum::middleware::from_fn(contract::check_paging))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ));
    // The API itself, for rebuilding an answer lost in a crash: reached through each
    // request's extensions (the copy inside does not hold itself, so nothing leaks).
    let api_self = ApiSelf(Arc::new(router.clone().with_state(state)));
    (router.layer(axum::Extension(api_self)), doc)
}

/// The API router, for [`rebuild`].
#[derive(Clone)]
struct ApiSelf(Arc<Router>);

/// Every API route answers a caller without valid credentials 401 before anything else
/// looks at the request (its headers, query, path or body), so the order is always
/// authentication, then permission, then validation. The actor is kept for the handler.
async fn authenticate<S: Backend>(
    State(state): State<AppState<S>>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    match <ApiActor as axum::extract::FromRequestParts<AppState<S>>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

/// The platform's routes: me, users, roles, the audit trail, tokens.
pub fn platform_routes<S: Backend>(r: OpenApiRouter<AppState<S>>) -> OpenApiRouter<AppState<S>> {
    r.routes(routes!(me::me))
        .routes(routes!(me::companies))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(users::set_roles))
        .routes(routes!(users::set_password))
        .routes(routes!(users::import))
        .routes(routes!(roles::list, roles::create))
        .routes(routes!(roles::get, roles::update, roles::delete))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
}

/// The platform's part of the document beyond the derived schemas (roles' grants).
pub fn platform_document(doc: &mut serde_json::Value, reg: &steward_core::registry::Registry) {
    roles::document(doc, reg);
}

/// Axum answers some bad requests itself, as plain text: a path id that is not a number, a
/// query value of the wrong type, a method the route does not have. The API promises
/// problem+json for every error, so those are rewritten (same status, same message).
async fn problem_rejections(req: Request, next: Next) -> Response {
    let rid = crate::error::RequestId::of(req.extensions()).0;
    let resp = next.run(req).await;
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !resp.status().is_client_error() || !plain {
        return resp;
    }
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let message = text
        .trim()
        .trim_start_matches("Failed to deserialize query string: ")
        .to_string();
    let errors = match (
        text.starts_with("Failed to deserialize query string"),
        field_of(&message),
    ) {
        (true, Some(field)) => vec![steward_core::error::FieldError {
            field: field.to_string(),
            message: message.clone(),
        }],
        _ => Vec::new(),
    };
    let title = status.canonical_reason().unwrap_or("error").to_string();
    let problem = crate::error::Problem {
        kind: "about:blank".into(),
        detail: if message.is_empty() {
            title.clone()
        } else {
            message
        },
        title,
        status: status.as_u16(),
        errors,
        request_id: rid,
    };
    let mut r = (status, axum::Json(problem)).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// The OpenAPI document and the vendored Swagger UI.
pub fn docs<S: Backend>(openapi: serde_json::Value) -> Router<AppState<S>> {
    Router::new()
        .merge(SwaggerUi::new("/api/docs").external_url_unchecked("/api/openapi.json", openapi))
}

/// A JSON body whose problems (unknown fields, wrong types, missing fields) come back as
/// problem+json naming them. The body must be a JSON object (a struct is never read from an
/// array); [`ApiJsonList`] takes a list. A number with no fraction (`3.0`) is the integer it
/// equals, as JSON Schema says, so a field declared `integer` takes it.
pub struct ApiJson<T>(pub T);

/// [`ApiJson`] for a body that is a JSON array.
pub struct ApiJsonList<T>(pub Vec<T>);

impl<T: DeserializeOwned + Send, S: Backend> FromRequest<AppState<S>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        json_body(req, state, Shape::Object).await.map(ApiJson)
    }
}

impl<T: DeserializeOwned + Send, S: Backend> FromRequest<AppState<S>> for ApiJsonList<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState<S>) -> Result<Self, Self::Rejection> {
        json_body(req, state, Shape::Array).await.map(ApiJsonList)
    }
}

/// The top-level JSON value a body must be.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Object,
    Array,
    /// An object, or `null` for none.
    ObjectOrNull,
}

/// Reads a JSON body of `shape` into `T` (see [`decode_json`]).
pub(crate) async fn json_body<T: DeserializeOwned, S: Backend>(
    req: Request,
    state: &AppState<S>,
    shape: Shape,
) -> Result<T, ApiError> {
    let rid = crate::error::RequestId::of(req.extensions());
    if !ledger::is_json(&req) {
        return Err(ApiError::new(
            Error::invalid("content-type", "must be application/json"),
            &rid,
        ));
    }
    let bytes = match axum::body::Bytes::from_request(req, state).await {
        Ok(b) => b,
        Err(rej) => {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return Err(ApiError::new(
                    Error::TooLarge {
                        limit: crate::BODY_LIMIT as u64,
                    },
                    &rid,
                ));
            }
            return Err(ApiError::new(Error::invalid("body", rej.body_text()), &rid));
        }
    };
    decode_json(&bytes, shape).map_err(|e| ApiError::new(e, &rid))
}

/// Decodes a JSON body: the top-level value must be of `shape` (a struct is never read from
/// an array), a number with no fraction is the integer it equals, and a problem names the
/// field at fault (`lines[0].account: ...`).
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8], shape: Shape) -> Result<T, Error> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(
            "body",
            format!("Failed to parse the request body as JSON: {e}"),
        )
    })?;
    let (ok, want) = match shape {
        Shape::Object => (value.is_object(), "a JSON object"),
        Shape::Array => (value.is_array(), "a JSON array"),
        Shape::ObjectOrNull => (
            value.is_object() || value.is_null(),
            "a JSON object or null",
        ),
    };
    if !ok {
        return Err(Error::invalid("body", format!("must be {want}")));
    }
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let message = if path.is_empty() || path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        };
        let field = field_of(&message).unwrap_or("body").to_string();
        Error::invalid(field, message)
    })
}

/// Turns every number with no fraction (`3.0`, `-1e3`) into the integer it equals, within
/// the range a double holds exactly, so integer fields read it.
pub(crate) fn whole_numbers_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() <= EXACT {
                    // In range: exact as an i64.
                    *v = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// The field a serde message is about: `email: invalid type…` or ``unknown field `x` ``.
fn field_of(message: &str) -> Option<&str> {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.split_once(marker).map(|(_, r)| r) {
            return rest.split('`').next();
        }
    }
    let (path, _) = message.split_once(": ")?;
    (!path.is_empty() && !path.contains(' ')).then_some(path)
}

/// `200 OK` with a JSON body.
/// The `Idempotency-Key` header a service stores with what it writes. One that is there
/// but unreadable is an error, never quietly no key: a retry would then write twice.
pub(crate) fn idempotency_key(
    headers: &axum::http::HeaderMap,
) -> Result<Option<String>, steward_core::Error> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_string())).map_err(|_| {
            steward_core::Error::invalid(
                "Idempotency-Key",
                "an idempotency key is 1-200 printable ASCII characters",
            )
        }),
    }
}

pub fn ok<T: Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
}

pub fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

/// A list envelope.
#[derive(Serialize, ToSchema)]
pub struct ListOf<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

/// Replays the first answer to a retried POST with the same `Idempotency-Key`. The claim
/// is a lease renewed while the request runs; a retry after a crash takes it over (see
/// `steward_core::idempotency`). Runs after [`authenticate`], so a body is buffered only
/// for a signed-in caller.
async fn idempotency<S: Backend>(
    State(state): State<AppState<S>>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let rid = crate::error::RequestId::of(req.extensions());
    let Some(raw) = req.headers().get("idempotency-key").cloned() else {
        return next.run(req).await;
    };
    // A key we cannot read must not be treated as no key: the retry would run twice.
    let key = match steward_core::idempotency::check_key(raw.as_bytes()) {
        Ok(k) => k.to_string(),
        Err(e) => return problem_response(&e, &rid.0),
    };
    let Some(actor) = req.extensions().get::<Actor>().cloned() else {
        return problem_response(&Error::Unauthenticated, &rid.0);
    };
    let (parts, body) = req.into_parts();
    // The body is part of what the key names: a retry with another body is a client error.
    let bytes = match axum::body::to_bytes(body, crate::IMPORT_BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return problem_response(
                &Error::TooLarge {
                    limit: crate::IMPORT_BODY_LIMIT as u64,
                },
                &rid.0,
            )
        }
    };
    let request_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let body = axum::body::Body::from(bytes);
    let path = parts.uri.path().to_string();
    let holder = Holder::new(actor.user_id, &key);
    let claim = match idempotency::claim(
        &state.store,
        KeyedRequest {
            user: actor.user_id,
            key: &key,
            method: "POST",
            path: &path,
            request_hash: &request_hash,
        },
        &holder,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return problem_response(&e, &rid.0),
    };
    match claim {
        Claim::Replay(s) => {
            let status = StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK);
            // The first answer's type: a problem (`Problem` serializes `type` first) or JSON.
            let kind = if s.body.starts_with("{\"type\":") {
                "application/problem+json"
            } else {
                "application/json"
            };
            let mut r = (status, s.body).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(kind),
            );
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Claim::InProgress => {
            let mut r = problem_response(
                &Error::conflict("a request with this Idempotency-Key is still running"),
                &rid.0,
            );
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(idempotency::RENEW_EVERY_SECS),
            );
            r
        }
        Claim::Mismatch => problem_response(
            &Error::invalid("Idempotency-Key", "was already used for another request"),
            &rid.0,
        ),
        Claim::Committed { entity, entity_id } => {
            tracing::warn!(request_id = %rid.0, %entity, %entity_id, "an Idempotency-Key's write committed but its answer was lost; rebuilding it");
            let (status, body) = rebuild(&parts, &path, &entity, &entity_id).await;
            if let Err(e) = idempotency::finish(&state.store, &holder, status.as_u16(), &body).await
            {
                tracing::error!(request_id = %rid.0, error = %e, "could not store the rebuilt idempotent response");
            }
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Claim::Fresh { taken_over } => {
            if taken_over {
                tracing::warn!(request_id = %rid.0, "took over an Idempotency-Key whose holder was gone; running the request");
            }
            // Renew the lease while the request runs; a crash stops the renewing too.
            let renewer = {
                let store = state.store.clone();
                let holder = holder.clone();
                tokio::spawn(async move {
                    let every = std::time::Duration::from_secs(idempotency::RENEW_EVERY_SECS);
                    loop {
                        tokio::time::sleep(every).await;
                        if !matches!(idempotency::renew(&store, &holder).await, Ok(true)) {
                            break;
                        }
                    }
                })
            };
            let resp =
                idempotency::scope(holder.clone(), next.run(Request::from_parts(parts, body)))
                    .await;
            let (rparts, rbody) = resp.into_parts();
            let collected = rbody.collect().await;
            renewer.abort();
            let bytes = match collected {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    let _ = idempotency::finish(&state.store, &holder, 500, "").await;
                    return problem_response(&Error::internal("response body"), &rid.0);
                }
            };
            let stored = idempotency::finish(
                &state.store,
                &holder,
                rparts.status.as_u16(),
                &String::from_utf8_lossy(&bytes),
            )
            .await;
            if let Err(e) = stored {
                tracing::error!(request_id = %rid.0, error = %e, "could not store the idempotent response");
            }
            Response::from_parts(rparts, axum::body::Body::from(bytes))
        }
    }
}

/// The answer to a POST whose write committed but whose answer was lost (the server died
/// between the two): what the write made, read back as the API shows it
/// (`GET {path}/{id}`, answered 201 like the create), or, when no such read exists, 200
/// naming what was written.
async fn rebuild(
    parts: &axum::http::request::Parts,
    path: &str,
    entity: &str,
    entity_id: &str,
) -> (StatusCode, String) {
    use tower::ServiceExt;
    let api = parts.extensions.get::<ApiSelf>();
    if let (Some(ApiSelf(api)), false) = (api, entity_id.is_empty()) {
        let uri = format!("{path}/{entity_id}");
        let mut get = Request::new(axum::body::Body::empty());
        *get.method_mut() = Method::GET;
        *get.headers_mut() = parts.headers.clone();
        get.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
        *get.extensions_mut() = parts.extensions.clone();
        if let Ok(u) = uri.parse() {
            *get.uri_mut() = u;
            let Ok(resp) = Router::clone(api).oneshot(get).await;
            if resp.status() == StatusCode::OK {
                if let Ok(b) = resp.into_body().collect().await {
                    let body = String::from_utf8_lossy(&b.to_bytes()).into_owned();
                    return (StatusCode::CREATED, body);
                }
            }
        }
    }
    let body = serde_json::json!({
        "entity": entity,
        "id": entity_id,
        "detail": "the request was carried out; its first answer was lost when the server stopped",
    });
    (StatusCode::OK, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Ids {
        ids: Vec<i64>,
    }

    #[test]
    fn whole_numbers_are_integers_and_the_shape_is_checked() {
        let b = br#"{"ids": [3.0, -1e3, 4266855742579254.0, 7]}"#;
        let v: Ids = decode_json(b, Shape::Object).expect("whole numbers");
        assert_eq!(v.ids, vec![3, -1000, 4_266_855_742_579_254, 7]);
        let e = decode_json::<Ids>(br#"{"ids": [1.5]}"#, Shape::Object).expect_err("1.5 is no id");
        assert!(e.to_string().contains("ids[0]"), "{e}");
        let e = decode_json::<Ids>(br#"[[1]]"#, Shape::Object).expect_err("a list is no object");
        assert!(e.to_string().contains("must be a JSON object"), "{e}");
        let v: Vec<i64> = decode_json(b"[1.0, 2]", Shape::Array).expect("a list");
        assert_eq!(v, vec![1, 2]);
        assert!(decode_json::<Option<Ids>>(b"null", Shape::ObjectOrNull)
            .expect("null")
            .is_none());
    }
}
